"""人员配置测算 (SPEC §10, seed 003): how many people each role needs, from the workbook's own history.

Seed 003: "根据历史工单峰值与业务淡旺季，测算并安排充足人力", with 日均处理工单量 and 复杂工单占比 as
inputs and an emergency plan for a mass failure (救火需求). ``plan_staffing`` is pure (frames,
settings, parameters, the history window and ``now`` in; a ``StaffingPlan`` out);
``staffing_sheet`` lays the plan out as the 人员配置测算 sheet; ``staffing_step`` is the routine step.

The models:

- Real-time channels (电话, 在线客服) are answered by the 客服专员 as one queue: per hour band,
  the busiest weekday's mean contacts of that hour, at the volume-weighted handle time of the two
  channels (系统参数-like settings on 人员配置参数), go through Erlang C
  (``udfs.staffing``: service-level target, occupancy cap, then shrinkage). The role needs the
  busiest band's head-count on duty (one shift for everyone: the plan does not build rosters).
- Ticket work is a workload model. Handle time of a ticket = 单张工单沟通工时 + the standard time of
  each of its 服务过程记录表 rows by 服务地点/方式 (the records hold no duration, so the visits are
  counted and priced by kind). Per 需求类型 the mean over the window's completed tickets. Each
  ticket's role is the 派单规则 role of its type/二级标签 (the same first-match rule dispatch uses),
  else the role of its 处理人 in 人员名单. Hours per working day = the window's tickets × their
  type's handle time ÷ the window's working days, plus the open backlog's hours ÷ 积压消化天数;
  head-count = ⌈hours ÷ (每人每日可排班工时 × (1 − 缺勤与非生产时间占比))⌉.
- 复杂工单: a completed ticket with two or more service records (it needed more than one visit
  or contact: the opposite of first-time fix); the share is over completed tickets.
- Required is compared with 人员名单's 在岗 people of each role; a shortfall is highlighted.
- 救火 (surge): volume × (1 + 救火增量比例) for 救火持续天数 working days: the extra head-count per
  role, and the backlog today's roster would build (hours beyond its capacity, in tickets), with
  the real-time queue's service level at the busiest hour with today's 客服专员.
- 淡旺季: tickets per calendar day of each month of the whole history against the overall mean
  (旺季 ≥ 110 %, 淡季 ≤ 90 %); the coming month's estimate scales the recent volume by that
  month's index a year before when the history has it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np
import pandas as pd

from macros.dispatch import open_mask, rule_for
from macros.kpi import TicketLookup, sheet_frame, within
from macros.steps import step
from udfs import staffing as erlang
from udfs.errors import CalendarError, UdfError
from workbook import Problem, ReportSheet
from workbook import schema as S
from workbook.problems import WARNING
from workbook.styles import Look

REALTIME_CHANNELS = ("电话", "在线客服")
REALTIME_ROLE = "客服专员"
INTERVAL_MINUTES = 60
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
PEAK, LOW = 1.1, 0.9  # 旺季 / 淡季 thresholds on the month index
MODE_PARAMS = {"上门": "上门服务工时(分钟)", "远程": "远程服务工时(分钟)", "视频": "视频服务工时(分钟)",
               "电话": "电话服务工时(分钟)"}
UNASSIGNED_ROLE = "（未匹配角色）"
UNPLANNED_ROLES = ("客服经理",)  # management: not sized from ticket volume


# ---- parameters ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffingParams:
    """The 人员配置参数 sheet's values (defaults: schema.STAFFING_PARAM_ROWS)."""

    weeks: int
    target_level: float
    target_seconds: float
    aht_seconds: dict[str, float]  # channel → AHT
    shrinkage: float
    max_occupancy: float | None
    shift_hours: float
    ticket_minutes: float
    mode_minutes: dict[str, float]
    clear_days: float
    surge_share: float
    surge_days: int

    @property
    def effective_hours(self) -> float:
        """Hours a rostered person spends on the work per working day, after shrinkage."""
        return self.shift_hours * (1.0 - self.shrinkage)


_DEFAULTS = {name: value for name, value, _note in S.STAFFING_PARAM_ROWS}


def read_params(frame: pd.DataFrame | None, calendar, problems: list[Problem]) -> StaffingParams:
    """The parameters from the sheet's 参数/值 rows; a bad value is reported and its default used."""
    typed: dict[str, object] = {}
    rows: dict[str, int] = {}
    if frame is not None:
        for row, name, value in zip(frame.index, frame["参数"], frame["值"]):
            if isinstance(name, str) and name.strip():
                typed[name.strip()] = value
                rows[name.strip()] = int(row)

    def value(name: str, parse, *args) -> float:
        raw = typed.get(name)
        default = _DEFAULTS[name]
        if raw is None or (isinstance(raw, float) and math.isnan(raw)) or (isinstance(raw, str) and not raw.strip()):
            return default
        try:
            return parse(raw, name, *args)
        except UdfError as error:
            problems.append(Problem(S.STAFFING_PARAMS.name, rows.get(name), "值", raw,
                                    f"{error}；已按默认值 {default} 测算", WARNING))
            return default

    def share(raw, name, example, high_open=True):
        return erlang._share(raw, name, example, low_open=not high_open or name == "服务水平目标",
                             high_open=high_open)

    shift = value("每人每日可排班工时(小时)", erlang._positive, "8")
    if shift is None:
        shift = calendar.seconds_per_day / 3600.0 if calendar is not None else 8.0
    return StaffingParams(
        weeks=max(1, int(round(value("测算历史周数", erlang._positive, "12")))),
        target_level=value("服务水平目标", share, "0.8 或 80%"),
        target_seconds=value("目标接通时间(秒)", erlang._at_least_zero, "20"),
        aht_seconds={"电话": value("电话平均处理时长(秒)", erlang._positive, "300"),
                     "在线客服": value("在线客服平均处理时长(秒)", erlang._positive, "420")},
        shrinkage=value("缺勤与非生产时间占比", share, "0.3 或 30%"),
        max_occupancy=value("最大占用率", share, "0.85 或 85%", False),
        shift_hours=shift,
        ticket_minutes=value("单张工单沟通工时(分钟)", erlang._at_least_zero, "20"),
        mode_minutes={mode: value(name, erlang._at_least_zero, "60") for mode, name in MODE_PARAMS.items()},
        clear_days=value("积压消化天数(工作日)", erlang._positive, "5"),
        surge_share=value("救火增量比例", erlang._at_least_zero, "0.5 或 50%"),
        surge_days=max(1, int(round(value("救火持续天数", erlang._positive, "5")))),
    )


# ---- the plan ----------------------------------------------------------------------------------------
@dataclass
class RoleNeed:
    role: str
    model: str  # "Erlang C" or "工作量"
    daily_tickets: float
    daily_hours: float | None  # workload hours per working day (ticket work; None for the Erlang queue)
    backlog: int
    backlog_hours: float
    required: int
    on_duty: int
    surge_required: int
    backlog_after_surge: float | None = None  # open tickets left with today's roster after the surge
    backlog_after_normal: float | None = None  # the same over the same days at normal volume
    note: str = ""

    @property
    def gap(self) -> int:
        return self.on_duty - self.required


@dataclass
class BandNeed:
    hour: int
    volume: dict[str, float]  # channel → planning contacts in that hour
    erlangs: float
    agents: int  # on the queue
    rostered: int


@dataclass
class TypeFigures:
    request_type: str
    tickets: int
    daily_tickets: float
    completed: int
    records_per_ticket: float | None
    handle_minutes: float | None
    complex_share: float | None


@dataclass
class StaffingPlan:
    start: dt.date
    end: dt.date
    working_days: int
    params: StaffingParams
    scale: float
    tickets: int
    daily_tickets: float
    complex_share: float | None
    types: list[TypeFigures]
    weekday_hour: pd.DataFrame  # mean tickets per hour, rows hours, columns 周一..周日 (all channels)
    bands: list[BandNeed]
    roles: list[RoleNeed]
    months: list[dict]
    realtime_level_now: float | None  # service level at the peak band with today's 客服专员
    realtime_level_surge: float | None
    notes: list[str] = field(default_factory=list)

    @property
    def required_total(self) -> int:
        return sum(r.required for r in self.roles)

    @property
    def on_duty_total(self) -> int:
        return sum(r.on_duty for r in self.roles)

    def role(self, name: str) -> RoleNeed | None:
        return next((r for r in self.roles if r.role == name), None)


def working_days_between(calendar, start: dt.date, end: dt.date) -> int:
    """Working days from ``start`` to ``end`` inclusive; weekdays only where the calendar has no data."""
    count, day = 0, start
    while day <= end:
        try:
            working = calendar.is_working_day(day) if calendar is not None else day.weekday() < 5
        except CalendarError:
            working = day.weekday() < 5
        count += bool(working)
        day += dt.timedelta(days=1)
    return count


def _roles_of(tickets: pd.DataFrame, settings) -> pd.Series:
    by_name = {m.name: m.role for m in settings.staff}
    roles = []
    for t, tag, text, handler in tickets[["需求类型", "二级标签", "问题描述", "处理人"]].itertuples(index=False, name=None):
        rule = rule_for(t, tag, text, settings.dispatch_rules) if isinstance(t, str) else None
        roles.append(rule.role if rule else by_name.get(handler) or UNASSIGNED_ROLE)
    return pd.Series(roles, index=tickets.index, dtype=object)


def _handle_minutes(intake: pd.DataFrame, service: pd.DataFrame, params: StaffingParams) -> tuple[np.ndarray, np.ndarray]:
    """(minutes of work, service-record count) per intake row."""
    lookup = TicketLookup(intake["服务工单号"])
    positions = lookup.positions(service["工单号"])
    minutes = service["服务地点/方式"].map(params.mode_minutes).fillna(params.mode_minutes["上门"]).to_numpy(float)
    hit = positions >= 0
    work = np.bincount(positions[hit], weights=minutes[hit], minlength=len(intake))
    counts = np.bincount(positions[hit], minlength=len(intake))
    return work + params.ticket_minutes, counts


def _months(intake: pd.DataFrame) -> list[dict]:
    received = intake["受理时间"].dropna()
    if received.empty:
        return []
    first, last = received.min().normalize(), received.max().normalize()
    rows = []
    for period, count in received.groupby(received.dt.to_period("M")).size().items():
        month_first = max(period.start_time.normalize(), first)
        month_last = min(period.end_time.normalize(), last)
        days = (month_last - month_first).days + 1
        rows.append({"month": str(period), "tickets": int(count), "days": days, "per_day": count / days})
    mean = sum(r["tickets"] for r in rows) / sum(r["days"] for r in rows)
    for row in rows:
        row["index"] = row["per_day"] / mean if mean else None
        row["season"] = "旺季" if row["index"] >= PEAK else ("淡季" if row["index"] <= LOW else "平季")
    return rows


def plan_staffing(frames: Mapping[str, pd.DataFrame], settings, params: StaffingParams, *, now: dt.datetime,
                  start: dt.date, end: dt.date, scale: float = 1.0, include_backlog: bool = True) -> StaffingPlan:
    """Head-count per role from the tickets received ``start``..``end`` (inclusive), volumes × ``scale``.

    ``include_backlog``: add the tickets open at ``now`` (cleared within 积压消化天数); the monthly
    report leaves them out to show the month's own steady-state need.
    """
    intake = sheet_frame(frames, S.INTAKE)
    service = sheet_frame(frames, S.SERVICE)
    calendar = settings.calendar
    days = max(1, working_days_between(calendar, start, end))
    calendar_days = (end - start).days + 1
    handle, records = _handle_minutes(intake, service, params)
    in_window = within(intake["受理时间"], start, end).to_numpy()
    window = intake[in_window]
    roles = _roles_of(window, settings)
    completed = window["完成时间"].notna().to_numpy()
    w_handle, w_records = handle[in_window], records[in_window]

    types: list[TypeFigures] = []
    type_minutes: dict[str, float] = {}
    overall = float(w_handle[completed].mean()) if completed.any() else params.ticket_minutes
    for t in S.REQUEST_TYPES:
        mask = (window["需求类型"] == t).to_numpy()
        done = mask & completed
        minutes = float(w_handle[done].mean()) if done.any() else None
        type_minutes[t] = minutes if minutes is not None else overall
        types.append(TypeFigures(
            t, int(mask.sum()), mask.sum() / days * scale, int(done.sum()),
            float(w_records[done].mean()) if done.any() else None, minutes,
            float((w_records[done] >= 2).mean()) if done.any() else None))
    complex_share = float((w_records[completed] >= 2).mean()) if completed.any() else None
    planned_minutes = window["需求类型"].map(type_minutes).fillna(overall).to_numpy(float)

    # Open backlog at now, every ticket received so far (not only the window's).
    open_rows = intake[open_mask(intake).to_numpy() & (intake["受理时间"] <= pd.Timestamp(now)).to_numpy()
                       & include_backlog]
    open_roles = _roles_of(open_rows, settings)
    open_minutes = open_rows["需求类型"].map(type_minutes).fillna(overall).to_numpy(float)

    # Real-time channels: mean contacts per weekday and hour.
    received = window["受理时间"]
    weekday_days = np.zeros(7)
    day = start
    while day <= end:
        weekday_days[day.weekday()] += 1
        day += dt.timedelta(days=1)
    per_weekday = np.where(weekday_days > 0, weekday_days, 1)
    hours = received.dt.hour
    grid = pd.crosstab(hours, received.dt.day_of_week).reindex(columns=range(7), fill_value=0)
    weekday_hour = (grid / per_weekday * scale).rename(columns=dict(enumerate(WEEKDAYS)))
    bands: list[BandNeed] = []
    live = window["需求来源"].isin(REALTIME_CHANNELS).to_numpy()
    open_hours = working_hours_of_day(calendar)
    outside = live & ~hours.isin(open_hours).to_numpy()
    for hour in sorted(set(hours[live].dropna().unique().astype(int)) & set(open_hours)):
        volume = {}
        peak_day = None
        at_hour = live & (hours == hour).to_numpy()
        by_day = pd.crosstab(received[at_hour].dt.day_of_week, window.loc[at_hour, "需求来源"])
        means = by_day.div(per_weekday[by_day.index], axis=0) * scale if len(by_day) else by_day
        if len(means):
            peak_day = means.sum(axis=1).idxmax()
        for channel in REALTIME_CHANNELS:
            volume[channel] = float(means.loc[peak_day, channel]) if peak_day is not None and channel in means else 0.0
        calls = sum(volume.values())
        aht = (sum(volume[c] * params.aht_seconds[c] for c in REALTIME_CHANNELS) / calls) if calls else params.aht_seconds["电话"]
        erlangs = calls * aht / (INTERVAL_MINUTES * 60)
        agents = erlang.agents_needed(erlangs, aht, params.target_seconds, params.target_level, params.max_occupancy)
        bands.append(BandNeed(int(hour), volume, erlangs, agents, erlang.rostered_headcount(agents, params.shrinkage)))

    on_duty: dict[str, int] = {}
    for member in settings.staff:
        if member.on_duty and member.role:
            on_duty[member.role] = on_duty.get(member.role, 0) + 1

    needs: list[RoleNeed] = []
    effective = params.effective_hours
    ticket_roles = [r for r in S.ROLES if r in set(roles) | set(open_roles)]
    ticket_roles += sorted((set(roles) | set(open_roles)) - set(ticket_roles))
    for role in ticket_roles:
        mask = (roles == role).to_numpy()
        open_mask_role = (open_roles == role).to_numpy()
        daily_tickets = mask.sum() / days * scale
        daily_hours = planned_minutes[mask].sum() / 60 / days * scale
        backlog_hours = open_minutes[open_mask_role].sum() / 60
        required = erlang.ceil_tolerant((daily_hours + backlog_hours / params.clear_days) / effective)
        surge_hours = daily_hours * (1 + params.surge_share)
        surge_required = erlang.ceil_tolerant((surge_hours + backlog_hours / params.clear_days) / effective)
        capacity = on_duty.get(role, 0) * effective
        backlog = int(open_mask_role.sum())
        per_ticket = (daily_hours / daily_tickets if daily_tickets else
                      (backlog_hours / backlog if backlog else None))
        after_surge = backlog_after(backlog_hours, surge_hours, capacity, params.surge_days)
        after_normal = backlog_after(backlog_hours, daily_hours, capacity, params.surge_days)
        needs.append(RoleNeed(role, "工作量", float(daily_tickets), float(daily_hours), backlog, float(backlog_hours),
                              required, on_duty.get(role, 0), surge_required,
                              after_surge / per_ticket if per_ticket else 0.0,
                              after_normal / per_ticket if per_ticket else 0.0))

    level_now = level_surge = None
    if bands:
        peak = max(bands, key=lambda b: (b.rostered, b.erlangs))
        calls = sum(peak.volume.values())
        aht = peak.erlangs * INTERVAL_MINUTES * 60 / calls if calls else params.aht_seconds["电话"]
        surge_calls = calls * (1 + params.surge_share)
        surge_erlangs = peak.erlangs * (1 + params.surge_share)
        surge_agents = erlang.agents_needed(surge_erlangs, aht, params.target_seconds, params.target_level,
                                            params.max_occupancy)
        staffed = on_duty.get(REALTIME_ROLE, 0)
        on_queue = int(math.floor(staffed * (1 - params.shrinkage) + erlang.TOLERANCE))
        level_now = erlang.answered_within(on_queue, calls, INTERVAL_MINUTES, aht, params.target_seconds)
        level_surge = erlang.answered_within(on_queue, surge_calls, INTERVAL_MINUTES, aht, params.target_seconds)
        needs.insert(0, RoleNeed(
            REALTIME_ROLE, "Erlang C", float(live.sum() / days * scale), None, 0, 0.0, peak.rostered, staffed,
            erlang.rostered_headcount(surge_agents, params.shrinkage),
            note=f"最忙时段 {peak.hour:02d}:00–{peak.hour + 1:02d}:00 需在线座席 {peak.agents} 人"))
    listed = {n.role for n in needs}
    for role in S.ROLES:  # roles with people on duty but no work in the window: nobody needed
        if role not in listed and role not in UNPLANNED_ROLES and on_duty.get(role):
            needs.append(RoleNeed(role, "—", 0.0, 0.0, 0, 0.0, 0, on_duty[role], 0, 0.0, 0.0,
                                  note="期间内没有该岗位的工单"))
    order = {role: i for i, role in enumerate(S.ROLES)}
    needs.sort(key=lambda n: order.get(n.role, len(order)))
    notes = []
    if outside.any():
        notes.append(f"工作时间以外受理的电话/在线客服 {int(outside.sum())} 张（占 {outside.sum() / max(1, live.sum()):.0%}）"
                     "未计入座席测算：它们在上班后按工单处理。")
    if calendar_days < 7 * params.weeks:
        notes.append(f"历史数据只有 {calendar_days} 天（设定 {params.weeks} 周），测算可能不稳定。")
    return StaffingPlan(start, end, days, params, scale, int(in_window.sum()), in_window.sum() / days * scale,
                        complex_share, types, weekday_hour, bands, needs, _months(intake), level_now, level_surge,
                        notes)


def working_hours_of_day(calendar) -> list[int]:
    """The clock hours (0–23) that overlap the calendar's working intervals (9–17 for 09:00-18:00)."""
    if calendar is None:
        return list(range(9, 18))
    return [h for h in range(24) if any(start < (h + 1) * 3600 and h * 3600 < end for start, end in calendar.intervals)]


def backlog_after(start_hours: float, daily_hours: float, capacity: float, days: int) -> float:
    """Work hours still open after ``days`` working days: each day adds the demand, the roster removes its capacity."""
    left = start_hours
    for _ in range(days):
        left = max(0.0, left + daily_hours - capacity)
    return left


def history_window(intake: pd.DataFrame, now: dt.datetime, weeks: int) -> tuple[dt.date, dt.date]:
    """The ``weeks`` full weeks before today (today is still filling up), clipped to the first ticket."""
    end = now.date() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=7 * weeks - 1)
    first = intake["受理时间"].min()
    if pd.notna(first) and first.date() > start:
        start = min(first.date(), end)
    return start, end


def coming_month_scale(months: list[dict], now: dt.datetime, start: dt.date, end: dt.date) -> tuple[float, str]:
    """(factor, reason) for next month's volume against the recent window's, from last year's season."""
    first_next = (now.date().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    by_month = {m["month"]: m for m in months}
    same_last_year = by_month.get(f"{first_next.year - 1}-{first_next.month:02d}")
    recent = [m for m in months if f"{start:%Y-%m}" <= m["month"] <= f"{end:%Y-%m}"]
    if same_last_year and recent:
        recent_index = sum(m["index"] * m["days"] for m in recent) / sum(m["days"] for m in recent)
        factor = same_last_year["index"] / recent_index if recent_index else 1.0
        return factor, f"按去年 {first_next.month} 月的淡旺季指数 {same_last_year['index']:.0%} 调整（×{factor:.2f}）"
    return 1.0, f"历史数据中没有去年 {first_next.month} 月，按最近的日均量估算"


# ---- the sheet -------------------------------------------------------------------------------------
from macros.summary import NOTE, SECTION, TITLE, _Layout, look  # noqa: E402 - the monthly summary's layout

BAD_FILL = {"fill": "FFC7CE", "color": "9C0006"}
GOOD_FILL = {"fill": "C6EFCE", "color": "006100"}
WIDTHS = [22.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 14.0, 30.0]


def _t(value) -> tuple[object, Look]:
    return (value, look())


def _n(value, kind: str = "number", outcome: str | None = None) -> tuple[object, Look]:
    cell = look(kind, outcome)
    if isinstance(value, float) and math.isnan(value):
        value = None
    return (value, cell)


def _gap(value: int) -> tuple[object, Look]:
    colours = BAD_FILL if value < 0 else GOOD_FILL
    return (value, replace(look("count"), bold=value < 0, **colours))


class _Sheet(_Layout):
    def line(self, value, cell_look: Look | None = None) -> None:
        self.put(1, value, cell_look)
        self.merges.append(f"A{self.row}:{chr(ord('A') + len(WIDTHS) - 1)}{self.row}")
        self.row += 1

    def section(self, title: str) -> None:
        self.skip()
        from macros.summary import SECTION_NUMBERS

        self.put(1, f"{SECTION_NUMBERS[self.sections]}、{title}", SECTION)
        self.sections += 1
        for col in range(2, len(WIDTHS) + 1):
            self.put(col, None, SECTION)
        self.row += 1


PARAM_NOTES = "参数在「人员配置参数」表修改（每行的「说明」解释其含义）；留空即用默认值。"


def staffing_sheet(plan: StaffingPlan, *, now: dt.datetime) -> ReportSheet:
    """The 人员配置测算 sheet: the plan laid out for the 客服经理 to read."""
    p = plan.params
    sheet = _Sheet()
    sheet.line("人员配置测算", TITLE)
    sheet.line(f"依据：{plan.start:%Y-%m-%d} 至 {plan.end:%Y-%m-%d} 受理的 {plan.tickets} 张工单"
               f"（{plan.working_days} 个工作日）　生成时间：{now:%Y-%m-%d %H:%M}", NOTE)
    sheet.line(f"参数：服务水平 {p.target_level:.0%} 在 {p.target_seconds:g} 秒内接通；缺勤与非生产时间 {p.shrinkage:.0%}；"
               f"最大占用率 {p.max_occupancy:.0%}；每人每日 {p.shift_hours:g} 小时；积压 {p.clear_days:g} 个工作日内消化。"
               + PARAM_NOTES, NOTE)
    for note in plan.notes:
        sheet.line(note, NOTE)

    sheet.section("各岗位所需人数与在岗人数")
    sheet.header("岗位", "测算方法", "日均工单", "日均工时(小时)", "当前积压(张)", "所需人数", "在岗人数", "富余/缺口", "救火所需", "说明")
    for need in plan.roles:
        note = need.note or ("" if need.gap >= 0 else f"需增加 {-need.gap} 人")
        if need.model == "Erlang C" and not need.note:
            note = ""
        sheet.values(_t(need.role), _t(need.model), _n(need.daily_tickets),
                     _n(need.daily_hours) if need.daily_hours is not None else _t("—"),
                     _n(need.backlog, "count"), _n(need.required, "count"), _n(need.on_duty, "count"),
                     _gap(need.gap), _n(need.surge_required, "count"), _t(note))
    sheet.values(_t("合计"), _t(None), _n(plan.daily_tickets), _t(None), _t(None),
                 _n(plan.required_total, "count"), _n(plan.on_duty_total, "count"),
                 _gap(plan.on_duty_total - plan.required_total), _n(sum(r.surge_required for r in plan.roles), "count"),
                 _t(None))
    sheet.line("富余/缺口 = 在岗人数 − 所需人数：负数（红色）为人手不足。客服专员按最忙时段的来电/会话用 Erlang C 测算；"
               "其他岗位按工作量（日均工单×单张工时＋积压÷消化天数）÷（每人每日工时×(1−缺勤与非生产时间占比)）测算。", NOTE)

    sheet.section("需求类型、处理时长与复杂工单")
    sheet.header("需求类型", "工单数", "日均工单", "已完成", "人均服务记录", "单张工时(分钟)", "复杂工单占比")
    for t in plan.types:
        sheet.values(_t(t.request_type), _n(t.tickets, "count"), _n(t.daily_tickets), _n(t.completed, "count"),
                     _n(t.records_per_ticket), _n(t.handle_minutes, "count"), _n(t.complex_share, "rate"))
    sheet.values(_t("全部"), _n(plan.tickets, "count"), _n(plan.daily_tickets), _t(None), _t(None), _t(None),
                 _n(plan.complex_share, "rate"))
    sheet.line("单张工时 = 单张工单沟通工时 + 每条服务过程记录按「服务地点/方式」的标准工时；"
               "复杂工单 = 已完成且有两条及以上服务记录的工单（需多次上门或处理）。", NOTE)

    sheet.section("电话/在线客服各时段所需座席（Erlang C）")
    sheet.header("时段", "电话(通/小时)", "在线客服(次/小时)", "话务量(Erlang)", "在线座席", "排班人数")
    for band in plan.bands:
        sheet.values(_t(f"{band.hour:02d}:00–{band.hour + 1:02d}:00"), _n(band.volume["电话"]),
                     _n(band.volume["在线客服"]), (band.erlangs, replace(look(), numfmt="0.00")),
                     _n(band.agents, "count"), _n(band.rostered, "count"))
    if not plan.bands:
        sheet.values(_t("（工作时间内没有电话/在线客服工单）"))
    if plan.realtime_level_now is not None:
        sheet.line(f"按今日在岗客服专员，最忙时段的服务水平约 {plan.realtime_level_now:.1%}"
                   f"（目标 {p.target_level:.0%}）；救火情景下约 {plan.realtime_level_surge:.1%}。", NOTE)
    sheet.line("每个时段取该时段最忙的星期几的平均来电/会话量；可在单元格中用 =STAFF_REQUIRED(量,60,时长,20,0.8,0.3,0.85) 复核。", NOTE)

    sheet.section("各星期、时段的平均工单量（全部渠道）")
    sheet.header("时段", *WEEKDAYS)
    for hour, row in plan.weekday_hour.iterrows():
        sheet.values(_t(f"{int(hour):02d}:00"), *[_n(float(v)) for v in row.tolist()])

    sheet.section("淡旺季（各月日均工单量）")
    sheet.header("月份", "工单数", "统计天数", "日均工单", "淡旺季指数", "判定")
    for month in plan.months:
        outcome = {"旺季": BAD_FILL, "淡季": GOOD_FILL}.get(month["season"])
        verdict_look = replace(look(), **outcome) if outcome else look()
        sheet.values(_t(month["month"]), _n(month["tickets"], "count"), _n(month["days"], "count"),
                     _n(month["per_day"]), _n(month["index"], "rate"), (month["season"], verdict_look))
    sheet.line(f"指数 = 当月日均工单 ÷ 全部历史日均；≥{PEAK:.0%} 为旺季，≤{LOW:.0%} 为淡季。", NOTE)

    sheet.section(f"救火情景：工单量增加 {p.surge_share:.0%}，持续 {p.surge_days} 个工作日")
    sheet.header("岗位", "平时所需", "救火所需", "需增加人数", "在岗人数", "当前积压(张)",
                 "救火结束时积压(张)", "平时同期积压(张)", "说明")
    for need in plan.roles:
        extra = max(0, need.surge_required - need.required)
        if need.model == "Erlang C":
            note = (f"按今日在岗，最忙时段服务水平：平时 {plan.realtime_level_now:.1%}，救火 {plan.realtime_level_surge:.1%}"
                    if plan.realtime_level_now is not None else "")
            sheet.values(_t(need.role), _n(need.required, "count"), _n(need.surge_required, "count"),
                         _n(extra, "count"), _n(need.on_duty, "count"), _t(None), _t(None), _t(None), _t(note))
            continue
        growing = (need.backlog_after_surge or 0) > need.backlog + 0.5
        after = (round(need.backlog_after_surge or 0), replace(look("count"), **BAD_FILL) if growing else look("count"))
        sheet.values(_t(need.role), _n(need.required, "count"), _n(need.surge_required, "count"),
                     _n(extra, "count"), _n(need.on_duty, "count"), _n(need.backlog, "count"), after,
                     _n(round(need.backlog_after_normal or 0), "count"),
                     _t("积压将增加，需增援或加班" if growing else ""))
    sheet.line("积压按今日在岗人数逐日推算：每天新增工作量，减去在岗人员的产能（每人每日工时×(1−缺勤与非生产时间占比)），"
               "按该岗位平均单张工时折算为工单张数；红色表示救火期间积压会增加。", NOTE)
    return ReportSheet(name=S.STAFFING_SHEET, cells=sheet.cells, widths=list(WIDTHS), merges=sheet.merges,
                       after=S.KPI_BOARD.name)


# ---- the monthly report's section ----------------------------------------------------------------------
def month_handlers(frames: Mapping[str, pd.DataFrame], settings, start: dt.date, end: dt.date) -> dict[str, int]:
    """People per 人员名单 role who handled the month's tickets (处理人) or its service visits (服务执行人)."""
    intake = sheet_frame(frames, S.INTAKE)
    service = sheet_frame(frames, S.SERVICE)
    names = set(intake.loc[within(intake["受理时间"], start, end), "处理人"].dropna())
    names |= set(service.loc[within(service["服务时间"], start, end), "服务执行人"].dropna())
    out: dict[str, int] = {}
    for member in settings.staff:
        if member.name in names and member.role:
            out[member.role] = out.get(member.role, 0) + 1
    return out


def monthly_staffing(frames: Mapping[str, pd.DataFrame], settings, first: dt.date, last: dt.date, *,
                     now: dt.datetime) -> dict:
    """The 月度服务报告's 人员配置 section: the month's required vs actual, and next month's estimate.

    Required comes from the month's own tickets (no backlog); actual is how many people of each role
    handled the month's tickets, beside 人员名单's 在岗 today (the roster keeps no history). The next
    month's estimate scales the month's volume by last year's season when the history has both months.
    """
    params = read_params(frames.get(S.STAFFING_PARAMS.name), settings.calendar, [])
    end = min(last, now.date())
    month = plan_staffing(frames, settings, params, now=now, start=first, end=end, include_backlog=False)
    next_first = last + dt.timedelta(days=1)
    by_month = {m["month"]: m for m in month.months}
    before = by_month.get(f"{first.year - 1}-{first.month:02d}")
    after = by_month.get(f"{next_first.year - 1}-{next_first.month:02d}")
    if before and after and before["index"]:
        scale = after["index"] / before["index"]
        basis = (f"按去年同期淡旺季：去年 {next_first.month} 月日均为 {first.month} 月的 {scale:.0%}")
    else:
        scale, basis = 1.0, f"历史中没有去年 {first.month}–{next_first.month} 月的数据，按本月日均量估算"
    coming = plan_staffing(frames, settings, params, now=now, start=first, end=end, scale=scale,
                           include_backlog=False)
    handled = month_handlers(frames, settings, first, end)
    rows = []
    for need in month.roles:
        estimate = coming.role(need.role)
        rows.append({"role": need.role, "model": need.model, "daily_tickets": need.daily_tickets,
                     "required": need.required, "handled": handled.get(need.role), "on_duty": need.on_duty,
                     "gap": need.on_duty - need.required,
                     "next_required": estimate.required if estimate else None,
                     "next_gap": (need.on_duty - estimate.required) if estimate else None})
    return {"month": f"{first:%Y-%m}", "next_month": f"{next_first:%Y-%m}", "rows": rows,
            "tickets": month.tickets, "working_days": month.working_days, "scale": scale, "basis": basis,
            "complex_share": month.complex_share, "params": params}


# ---- the step ----------------------------------------------------------------------------------------
def staffing_frames(work) -> dict[str, pd.DataFrame]:
    return {s.name: work.view(s.name) for s in (S.INTAKE, S.SERVICE) if s.name in work.snapshot}


def params_of(work) -> StaffingParams:
    frame = work.view(S.STAFFING_PARAMS.name) if S.STAFFING_PARAMS.name in work.snapshot else None
    if frame is None:
        work.lines.append(f"工作簿中没有「{S.STAFFING_PARAMS.name}」表，已按默认参数测算"
                          "（用「aftersales new」新建的工作簿带有此表）")
    return read_params(frame, work.settings.calendar, work.problems)


@step("人员配置测算")
def staffing_step(work) -> None:
    """Write the 人员配置测算 sheet from the last 测算历史周数 weeks of tickets."""
    work.snapshot.require(S.INTAKE.name, S.SERVICE.name)
    params = params_of(work)
    frames = staffing_frames(work)
    start, end = history_window(sheet_frame(frames, S.INTAKE), work.now, params.weeks)
    plan = plan_staffing(frames, work.settings, params, now=work.now, start=start, end=end)
    work.reports[S.STAFFING_SHEET] = staffing_sheet(plan, now=work.now)
    work.results["staffing"] = plan
    short = [f"{r.role} 缺 {-r.gap} 人" for r in plan.roles if r.gap < 0]
    work.lines.append(f"{S.STAFFING_SHEET}：所需 {plan.required_total} 人，在岗 {plan.on_duty_total} 人"
                      + (f"（{'，'.join(short)}）" if short else "（各岗位人手充足）"))
