"""KPIs of a period (SPEC §6): volumes, response and resolution times, SLA attainment, CSAT, NPS, costs.

``compute_kpis`` is pure: it takes the typed frames (index = Excel row, columns = the schema's
Chinese headers), the period and ``now``, and returns a JSON-serialisable dict. ``dashboard_rows``
turns that dict into the rows of the KPI看板 sheet, and ``kpi_step`` is the routine step the
refresh pipeline runs.

Definitions (every count and rate is over the period's tickets — 受理时间 on a day from ``start``
to ``end``, both inclusive — unless it says otherwise; a rate or mean with nothing to count is
None):

- ``tickets``; ``tickets_by_type`` / ``_by_urgency`` / ``_by_channel`` (需求来源) /
  ``_by_department`` (责任部门) / ``_by_store`` (所属店铺/区域): counts per value, a blank cell
  counted as 「（未填写）」. The declared choices of 需求类型, 紧急程度 and 需求来源 always appear
  (0 when absent), in the schema's order; departments and stores by count, largest first.
- ``completed``: tickets with a 完成时间.
- ``first_response_hours_avg`` / ``_median``: (首次响应时间 − 受理时间) in clock hours over tickets
  with a first response; ``resolution_hours_avg`` / ``_median``: (完成时间 − 受理时间) over tickets
  with a 完成时间. A negative duration is an impossible date (flagged by dispatch) and is left out.
- ``first_response_work_hours_avg`` / ``resolution_work_hours_avg``: the same spans in working
  hours of the business calendar (None without a calendar). Rows in a year without holiday data
  are left out and counted in ``work_hours_skipped``.
- ``complaints``, ``complaint_first_response_hours_avg`` (over ``complaint_first_response_count``
  answered complaints): the same first-response mean over 投诉类 only.
- ``fcr_rate`` (一次性问题解决率, SPEC §6): of the tickets with a 完成时间, the share resolved at
  first contact: exactly one row in 服务过程记录表 (工单号 = 服务工单号) and not re-handled — no
  ticket on the intake sheet, of any period, names it in 关联工单号 (a 二次处理). ``fcr_tickets``
  is the numerator.
- ``sla_rates`` {stage: rate} for 登记, 分配, 首次响应, 解决, 结果反馈, 客户确认, 回访: among tickets
  whose stage has a deadline (the ``…时限`` column) and either has its event or is past that
  deadline at ``now``, the share whose event is at or before the deadline — an open item past
  due is a miss (``stage_judgement``); ``sla_counted`` {stage: that denominator}. Events: 登记时间,
  分配时间, 首次响应时间, 完成时间, 结果反馈时间; 客户确认 = the earliest 确认时间 of the ticket in
  服务结果确认表; 回访 = the earliest of the ticket's survey 回访时间 and the 实际回访时间 of its
  回访计划 tasks marked 已回访. ``response_sla_rate`` / ``resolution_sla_rate`` are the 首次响应 and
  解决 entries; the per-person resolution_sla_rate follows the same rule.
- ``overdue_rate`` (超时率): of the tickets assessed on 首次响应 or 解决, the share late on either —
  the other stages have their own attainment rates. A stage is assessed when its ``…状态`` cell
  holds a status other than 不适用/未开始 or its deadline is filled; it is late when the status says
  已超时 or 超时完成 or — status blank — when the event came after the deadline or has not
  happened and the deadline is before ``now``. ``overdue_tickets`` is the numerator,
  ``overdue_assessed`` the denominator.
- ``backlog``: open tickets at ``now`` among *all* tickets received by then (not only the
  period's): no 完成时间 and 当前状态 not 已完成/已关闭; ``backlog_by_state`` {当前状态: count}.
- ``surveys``: surveys whose 回访时间 is in the period. ``csat_rate``: the share of those with a
  总体满意度 that is ≥ the CSAT threshold; ``satisfaction_score``: mean 总体满意度 × 10; ``nps``:
  % of surveys with 推荐意愿 9–10 minus % with 0–6, among those with a 推荐意愿
  (``nps_responses``), in points.
- ``complaint_repeat_rate``: of the period's complaints with a 联系方式, the share whose customer
  (same phone: ``udfs.values.phone_key``, so "+86 138 1234 5678" is 13812345678) had filed another complaint in the 30 days (30 × 24 h) before, at any
  date — also before the period; ``complaint_repeats`` is the numerator.
- ``staff_count``: distinct 处理人 of the period's tickets; ``tickets_per_staff`` = tickets / that.
- ``callbacks_due`` / ``callback_completion_rate``: 回访计划 tasks whose 应回访日期 is in the period
  and that are done or already past due at ``now`` (a task due today or later that is still open
  can still be done on time and is not counted); completed = 实际回访时间 on or before the
  应回访日期 (compared by date) and 回访状态 已回访 or blank. 无法联系/客户拒访 count as not done.
  A task whose ticket is open again (macros.callbacks.on_hold) is not counted.
- ``customers``: distinct customers of the period's tickets (联系方式 by ``phone_key``; the name when the
  phone is blank); ``survey_sample_rate`` = ``surveys`` / ``customers``.
- ``cost_travel`` / ``cost_parts_repair`` / ``cost_compensation`` / ``cost_total``: sums of
  差旅费, 配件/维修费 and 赔偿金额 over the 服务过程记录表 rows of the period's tickets;
  ``cost_per_ticket`` = cost_total / tickets (the KPI目标 definition: per ticket, not per visit),
  None (无数据) when none of those records has a cost filled in — 0 元 would read as 达标.
- ``top_problem_types`` / ``top_product_models``: the five most frequent 二级标签 / 购买产品型号
  of the period's tickets as [{"name", "count"}], ties by name.
- ``staff``: per 处理人 — tickets, completed, resolution_hours_avg, resolution_sla_rate (解决
  stage, as above), surveys and csat_rate (surveys in the period on tickets they handle, received
  in any period), department from 人员名单 when given; largest workload first.

A KPI with nothing to count is None and shows 无数据 on the KPI看板, never 达标 (``verdict``).
A KPI目标 target for a rate typed as 90 is read as 90 % (macros.settings, udfs.values.as_share).
The sentences staff read (KPI目标 and KPI看板 说明, the monthly summary) are listed below, from
their one home, workbook.schema.KPI_DEFINITIONS.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from macros.steps import step
from udfs.calendar import BusinessCalendar
from udfs.errors import BatchError
from udfs.sla import working_hours_between_many
from udfs.values import is_blank, phone_key
from workbook import schema as S

if __doc__:  # None under python -OO
    __doc__ += "\n" + "\n".join(f"- {name}：{text}" for name, text in S.KPI_DEFINITIONS.items()) + "\n"

BLANK_LABEL = "（未填写）"
STAGES = S.SLA_STAGES
OVERDUE_STATES = ("已超时", "超时完成")
DONE_STATES = S.CLOSED_STATES
STAGE_EVENTS = {  # stage → the intake column that records the stage's event
    "登记": "登记时间", "分配": "分配时间", "首次响应": "首次响应时间", "解决": "完成时间",
    "结果反馈": "结果反馈时间",
}
UNUSED_INTAKE_COLUMNS = frozenset({"地址", "购买日期", "保修状态", "问题描述", "客户期望解决时间", "重新分配",
                                   "关联工单号", "暂停工时", "数据异常"})
REPEAT_WINDOW = pd.Timedelta(days=30)
TOP_N = 5
_HOUR = np.timedelta64(1, "h")


# ---- frames -----------------------------------------------------------------------------------
def sheet_frame(frames: Mapping[str, pd.DataFrame], sheet: S.Sheet) -> pd.DataFrame:
    """The sheet's frame with every declared column present and typed (blank when absent).

    Frames read from a workbook already are; this lets callers (and tests) pass a sheet that is
    missing, or a frame that holds only the columns they care about.
    """
    frame = frames.get(sheet.name)
    if frame is None:
        frame = pd.DataFrame(columns=sheet.headers)
    missing = [c for c in sheet.columns if c.header not in frame.columns]
    retyped = [c for c in sheet.columns if c.header in frame.columns and not _typed(frame[c.header], c)]
    if not missing and not retyped:
        return frame
    columns = {col.header: _retype(frame[col.header], col) for col in retyped}
    columns.update({col.header: _blank(col, len(frame), frame.index) for col in missing})
    return pd.concat([frame.drop(columns=list(columns), errors="ignore"), pd.DataFrame(columns, index=frame.index)],
                     axis=1)


def _typed(values: pd.Series, col: S.Column) -> bool:
    if col.kind in S.TEMPORAL:
        return pd.api.types.is_datetime64_any_dtype(values)
    if col.kind in S.NUMERIC:
        return pd.api.types.is_float_dtype(values)
    return True


def _blank(col: S.Column, size: int, index) -> pd.Series:
    if col.kind in S.TEMPORAL:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if col.kind in S.NUMERIC:
        return pd.Series(np.nan, index=index, dtype="float64")
    return pd.Series([None] * size, index=index, dtype=object)


def _retype(values: pd.Series, col: S.Column) -> pd.Series:
    if col.kind in S.TEMPORAL:
        return pd.to_datetime(values, errors="coerce")
    return pd.to_numeric(values, errors="coerce").astype("float64")


def within(moments: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    """Whether each moment falls on a day from ``start`` to ``end`` (both inclusive)."""
    first = pd.Timestamp(start)
    after_last = pd.Timestamp(end) + pd.Timedelta(days=1)
    return (moments >= first) & (moments < after_last)


def customer_key(phones: pd.Series, names: pd.Series | None = None) -> pd.Series:
    """A customer's identity: the phone's key (udfs.values.phone_key: "+86 138 1234 5678" is
    13812345678), else the name (None when both are blank)."""
    # Keyed once per distinct cell value (one customer's phone recurs on many tickets).
    codes, uniques = pd.factorize(phones.to_numpy(dtype=object), use_na_sentinel=True)
    unique_keys = np.array([phone_key(p) for p in uniques] + [None], dtype=object)  # code -1 → None
    keys = unique_keys[codes].tolist()
    if names is not None:
        keys = [k if k else _name(n) for k, n in zip(keys, names.to_numpy(dtype=object))]
    return pd.Series(keys, index=phones.index, dtype=object)


def _name(name) -> str | None:
    return (name.strip() or None) if isinstance(name, str) else None


def hours_between(starts: pd.Series, ends: pd.Series) -> pd.Series:
    """Clock hours from each start to its end (NaN when either is blank or the end comes first)."""
    hours = (ends - starts) / _HOUR
    return hours.where(hours >= 0)


# ---- small conversions for a JSON result -------------------------------------------------------
def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _mean(values: pd.Series) -> float | None:
    """The mean, summed exactly (math.fsum): the same rows give the same figure in any order, so
    a store's rows pooled at HQ give exactly the single workbook's KPI (no last-digit drift)."""
    values = values.dropna()
    return math.fsum(values.to_numpy(dtype=float)) / len(values) if len(values) else None


def _fsum(values: pd.Series) -> float:
    return math.fsum(values.dropna().to_numpy(dtype=float))


def _median(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.median()) if len(values) else None


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def csat_share(overall: pd.Series, csat_threshold: float) -> float | None:
    """CSAT: the share of surveys (their 总体满意度, blanks dropped) at or above the threshold."""
    return _share(int((overall >= csat_threshold).sum()), len(overall))


def monthly_trend(frames: Mapping[str, pd.DataFrame], months: Sequence[tuple[dt.date, dt.date]], *,
                  csat_threshold: float) -> list[dict]:
    """Per period in ``months``: ``csat_rate`` and ``complaint_first_response_hours_avg`` exactly as
    ``compute_kpis`` defines them, without computing every other KPI once per month."""
    intake = sheet_frame(frames, S.INTAKE)
    surveys = sheet_frame(frames, S.SURVEY)
    received = intake["受理时间"]
    complaint = intake["需求类型"] == "投诉类"
    response_hours = hours_between(received, intake["首次响应时间"])[complaint]
    complaint_received = received[complaint]
    overall = surveys["总体满意度"]
    out = []
    for start, end in months:
        in_month = overall[within(surveys["回访时间"], start, end)].dropna()
        out.append({"csat_rate": csat_share(in_month, csat_threshold),
                    "complaint_first_response_hours_avg": _mean(response_hours[within(complaint_received, start, end)])})
    return out


def _counts(values: pd.Series, declared: Sequence[str] = ()) -> dict[str, int]:
    """{value: count}: declared values first in their order (0 when absent), then the rest by count."""
    found = values.value_counts(dropna=False)
    labels = [BLANK_LABEL if is_blank(v) else str(v).strip() for v in found.index]
    found = pd.Series(found.to_numpy(), index=labels).groupby(level=0).sum()
    out = {name: int(found.get(name, 0)) for name in declared}
    rest = found.drop([n for n in declared if n in found.index])
    rest = rest.rename_axis("name").reset_index(name="count").sort_values(
        ["count", "name"], ascending=[False, True], kind="stable")
    out.update({str(n): int(c) for n, c in zip(rest["name"], rest["count"])})
    return out


def _top(values: pd.Series, n: int = TOP_N) -> list[dict]:
    counts = _counts(values.dropna())
    counts.pop(BLANK_LABEL, None)
    return [{"name": k, "count": v} for k, v in list(counts.items())[:n]]


# ---- the pieces ----------------------------------------------------------------------------------
class TicketLookup:
    """Row positions of ticket numbers among a frame's tickets: one hash table, reused.

    Blank numbers never match. A number that appears twice (the reader reports it) matches its
    first row, so its service records, confirmations and surveys are counted once.
    """

    def __init__(self, ids: pd.Series):
        values = ids.to_numpy(dtype=object)
        present = ~pd.isna(values)
        index = pd.Index(values[present], dtype=object)
        first = ~index.duplicated()
        self.size = len(values)
        self.rows = np.flatnonzero(present)[first]
        self.index = index[first]

    def positions(self, keys: pd.Series) -> np.ndarray:
        """The row position of each key's ticket, -1 when it is not one of these tickets."""
        if not len(self.rows):
            return np.full(len(keys), -1, dtype=np.intp)
        found = self.index.get_indexer(pd.Index(keys.to_numpy(dtype=object), dtype=object))
        return np.where(found >= 0, self.rows[np.maximum(found, 0)], -1)

    def first_moment(self, frame: pd.DataFrame, key: str, moment: str) -> np.ndarray:
        """The earliest ``moment`` of each ticket's records in ``frame`` (NaT when none)."""
        out = np.full(self.size, np.datetime64("NaT"), dtype="datetime64[ns]")
        moments = frame[moment].to_numpy(dtype="datetime64[ns]")
        positions = self.positions(frame[key])
        hit = (positions >= 0) & ~np.isnat(moments)
        moments, positions = moments[hit], positions[hit]
        order = np.lexsort((moments, positions))  # by ticket, earliest first
        positions, moments = positions[order], moments[order]
        first = np.r_[True, positions[1:] != positions[:-1]] if len(positions) else np.zeros(0, dtype=bool)
        out[positions[first]] = moments[first]
        return out

    def count(self, frame: pd.DataFrame, key: str) -> np.ndarray:
        """How many records of ``frame`` each ticket has."""
        positions = self.positions(frame[key])
        return np.bincount(positions[positions >= 0], minlength=self.size)


def stage_events(tickets: pd.DataFrame, lookup: TicketLookup, confirmations: pd.DataFrame,
                 surveys: pd.DataFrame, callbacks: pd.DataFrame) -> dict[str, pd.Series]:
    """The moment each ticket reached each SLA stage (NaT when it has not)."""
    events = {stage: tickets[column].astype("datetime64[ns]") for stage, column in STAGE_EVENTS.items()}
    events["客户确认"] = pd.Series(lookup.first_moment(confirmations, "工单号", "确认时间"), index=tickets.index)
    by_survey = lookup.first_moment(surveys, "工单号", "回访时间")
    by_task = lookup.first_moment(callbacks[callbacks["回访状态"] == "已回访"], "工单号", "实际回访时间")
    earliest = np.where(np.isnat(by_survey) | (by_task < by_survey), by_task, by_survey)
    events["回访"] = pd.Series(earliest, index=tickets.index)
    return events


def stage_judgement(due: pd.Series, event: pd.Series, now: dt.datetime) -> tuple[pd.Series, pd.Series]:
    """(counted, met) per ticket at one stage: the one rule of SLA attainment.

    Counted: the stage has a deadline and its event happened, or the deadline has passed without
    it (an open item past due is a miss, not left out). Met: the event at or before the deadline.
    """
    has_due = due.notna()
    counted = has_due & (event.notna() | (due < pd.Timestamp(now)))
    met = counted & event.notna() & (event <= due)
    return counted, met


def sla_attainment(tickets: pd.DataFrame, events: Mapping[str, pd.Series],
                   now: dt.datetime) -> dict[str, tuple[int, int]]:
    """{stage: (met, counted)} by ``stage_judgement``."""
    out = {}
    for stage in STAGES:
        counted, met = stage_judgement(tickets[f"{stage}时限"], events[stage], now)
        out[stage] = (int(met.sum()), int(counted.sum()))
    return out


OVERDUE_STAGES = ("首次响应", "解决")  # 超时率 judges these; the other stages have their attainment rates


def overdue_flags(tickets: pd.DataFrame, events: Mapping[str, pd.Series],
                  now: dt.datetime) -> tuple[np.ndarray, np.ndarray]:
    """(assessed, overdue) per ticket over 首次响应 and 解决 (see the module docstring)."""
    assessed = np.zeros(len(tickets), dtype=bool)
    overdue = np.zeros(len(tickets), dtype=bool)
    now_value = np.datetime64(pd.Timestamp(now).to_datetime64(), "ns")
    for stage in OVERDUE_STAGES:
        # One hash pass per status column: its codes say both "filled" and "which word".
        codes, words = pd.factorize(tickets[f"{stage}状态"])
        # 不适用 and 未开始 (the status of a stage without a deadline yet) judge nothing.
        has_state = np.isin(codes, [i for i, word in enumerate(words) if word not in ("不适用", "未开始")])
        late_by_state = np.isin(codes, [i for i, word in enumerate(words) if word in OVERDUE_STATES])
        due = tickets[f"{stage}时限"].to_numpy(dtype="datetime64[ns]")
        event = events[stage].to_numpy(dtype="datetime64[ns]")
        has_due = ~np.isnat(due)
        late_by_due = has_due & ((event > due) | (np.isnat(event) & (due < now_value)))
        assessed |= has_state | has_due
        overdue |= np.where(has_state, late_by_state, late_by_due)
    return assessed, overdue


def working_hours(starts: pd.Series, ends: pd.Series, calendar: BusinessCalendar) -> tuple[pd.Series, int]:
    """Working hours per row and how many rows fell in a year without holiday data (left NaN)."""
    present = starts.notna() & ends.notna() & (ends >= starts)
    out = pd.Series(np.nan, index=starts.index)
    if not present.any():
        return out, 0
    skipped = 0
    try:
        values = working_hours_between_many(starts[present].to_numpy(), ends[present].to_numpy(), calendar)
    except BatchError as exc:
        values, skipped = exc.partial, len(exc.errors)
    out[present] = values
    return out, skipped


def complaint_repeats(intake: pd.DataFrame, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(repeats, complaints with a phone) among the period's complaints (see the module docstring)."""
    window_start = pd.Timestamp(start) - REPEAT_WINDOW
    received = intake["受理时间"]
    nearby = within(received, window_start.date(), end)
    complaints = intake.loc[nearby, ["受理时间", "需求类型", "联系方式"]]
    complaints = complaints[complaints["需求类型"] == "投诉类"]
    customers = customer_key(complaints["联系方式"])
    known = customers.notna().to_numpy()
    codes, _ = pd.factorize(customers[known])
    moments = complaints["受理时间"].to_numpy(dtype="datetime64[ns]")[known]
    mine = within(complaints["受理时间"], start, end).to_numpy()[known]
    if not len(codes):
        return 0, 0
    order = np.lexsort((moments, codes))
    same_customer = np.r_[False, codes[order][1:] == codes[order][:-1]]
    gap = np.r_[np.timedelta64("NaT", "ns"), np.diff(moments[order])]
    repeat = np.empty(len(order), dtype=bool)
    repeat[order] = same_customer & (gap <= REPEAT_WINDOW.to_timedelta64())
    return int((repeat & mine).sum()), int(mine.sum())


def callback_completion(callbacks: pd.DataFrame, start: dt.date, end: dt.date,
                        now: dt.datetime) -> tuple[int, int]:
    """(done on time, counted) among the 回访计划 tasks due in the period (see the docstring)."""
    due = callbacks["应回访日期"]
    due_in_period = within(due, start, end)
    due_day = due.dt.normalize()
    actual_day = callbacks["实际回访时间"].dt.normalize()
    state = callbacks["回访状态"]
    done = actual_day.notna() & (state.isna() | (state == "已回访"))
    closed_undone = state.isin(["无法联系", "客户拒访"])
    past_due = due_day < pd.Timestamp(now).normalize()
    counted = due_in_period & (done | closed_undone | past_due)
    on_time = counted & done & (actual_day <= due_day)
    return int(on_time.sum()), int(counted.sum())


def staff_figures(tickets: pd.DataFrame, resolution_hours: pd.Series, resolution_met: pd.Series,
                  resolution_counted: pd.Series, surveys: pd.DataFrame, survey_handler: pd.Series,
                  csat_threshold: float, roster: pd.DataFrame) -> list[dict]:
    """Per 处理人: tickets, completed, mean resolution hours, resolution SLA rate, CSAT."""
    handler = tickets["处理人"]
    assigned = handler.notna()
    table = pd.DataFrame({
        "handler": handler[assigned],
        "completed": tickets.loc[assigned, "完成时间"].notna(),
        "hours": resolution_hours[assigned],
        "met": resolution_met[assigned],
        "counted": resolution_counted[assigned],
    })
    grouped = table.groupby("handler")
    per = pd.DataFrame({
        "tickets": grouped.size(),
        "completed": grouped["completed"].sum(),
        "hours": grouped["hours"].agg(_mean),
        "met": grouped["met"].sum(),
        "counted": grouped["counted"].sum(),
    })
    scored = surveys["总体满意度"].notna() & survey_handler.notna()
    survey_table = pd.DataFrame({"handler": survey_handler[scored],
                                 "happy": surveys.loc[scored, "总体满意度"] >= csat_threshold})
    by_survey = survey_table.groupby("handler")["happy"].agg(["size", "sum"])
    per = per.join(by_survey, how="outer").fillna({"tickets": 0, "completed": 0, "met": 0, "counted": 0,
                                                   "size": 0, "sum": 0})
    department = dict(zip(roster["姓名"], roster["部门"]))
    per = per.reset_index(names="handler").sort_values(["tickets", "handler"], ascending=[False, True])
    out = []
    for row in per.itertuples(index=False):
        out.append({
            "name": row.handler,
            "department": department.get(row.handler),
            "tickets": int(row.tickets),
            "completed": int(row.completed),
            "resolution_hours_avg": _number(row.hours),
            "resolution_sla_rate": _share(int(row.met), int(row.counted)),
            "surveys": int(row.size),
            "csat_rate": _share(int(row.sum), int(row.size)),
        })
    return out


# ---- the KPIs ------------------------------------------------------------------------------------
def one_visit_tickets(tickets: pd.DataFrame, service: pd.DataFrame, lookup: TicketLookup | None = None,
                      linked_from: pd.DataFrame | None = None) -> tuple[pd.Series, pd.Series]:
    """一次性问题解决率's parts: (has 完成时间, resolved at first contact) — SPEC §6.

    Resolved at first contact: completed, with exactly one 服务过程记录表 row, and not re-handled —
    no ticket of ``linked_from`` (the whole intake sheet: a 二次处理 may come in a later period;
    default ``tickets``) names it in 关联工单号. The one definition of first-contact resolution,
    used by the KPI看板, the monthly summary, the execution checklist and the reports.
    """
    lookup = lookup or TicketLookup(tickets["服务工单号"])
    completed = tickets["完成时间"].notna()
    linked = (tickets if linked_from is None else linked_from)["关联工单号"]
    reopened = np.zeros(len(tickets), dtype=bool)
    positions = lookup.positions(linked.dropna().astype(str).str.strip())
    reopened[positions[positions >= 0]] = True
    return completed, completed & (lookup.count(service, "工单号") == 1) & ~reopened


def compute_kpis(frames: Mapping[str, pd.DataFrame], start: dt.date, end: dt.date, *, now: dt.datetime,
                 csat_threshold: float = 8.0, calendar: BusinessCalendar | None = None) -> dict:
    """The KPIs of the tickets received from ``start`` to ``end`` (inclusive) as a JSON-ready dict.

    ``frames`` maps sheet names to typed frames: 客户服务信息登记表, 服务过程记录表, 服务结果确认表,
    客户满意度调研表, and optionally 回访计划 and 人员名单. Definitions: see the module docstring.
    """
    if end < start:
        raise ValueError(f"统计期间有误：结束日 {end:%Y-%m-%d} 早于开始日 {start:%Y-%m-%d}")
    intake = sheet_frame(frames, S.INTAKE)
    service = sheet_frame(frames, S.SERVICE)
    confirmations = sheet_frame(frames, S.CONFIRMATION)
    all_surveys = sheet_frame(frames, S.SURVEY)
    callbacks = sheet_frame(frames, S.CALLBACK_PLAN)
    roster = sheet_frame(frames, S.STAFF_ROSTER)

    in_period = within(intake["受理时间"], start, end)
    tickets = intake.loc[in_period, [h for h in intake.columns if h not in UNUSED_INTAKE_COLUMNS]]
    count = len(tickets)
    received = tickets["受理时间"]
    done = tickets["完成时间"]

    response_hours = hours_between(received, tickets["首次响应时间"])
    resolution_hours = hours_between(received, done)
    complaint = tickets["需求类型"] == "投诉类"

    work_response = work_resolution = None
    skipped = 0
    if calendar is not None:
        hours, skipped_response = working_hours(received, tickets["首次响应时间"], calendar)
        work_response = _mean(hours)
        hours, skipped_resolution = working_hours(received, done, calendar)
        work_resolution = _mean(hours)
        skipped = skipped_response + skipped_resolution

    lookup = TicketLookup(tickets["服务工单号"])
    completed, one_visit = one_visit_tickets(tickets, service, lookup, linked_from=intake)

    events = stage_events(tickets, lookup, confirmations, all_surveys, callbacks)
    attainment = sla_attainment(tickets, events, now)
    assessed, overdue = overdue_flags(tickets, events, now)

    received_by_now = intake["受理时间"].notna() & (intake["受理时间"] <= pd.Timestamp(now))
    open_now = received_by_now & S.open_tickets(intake)

    surveys = all_surveys[within(all_surveys["回访时间"], start, end)]
    overall = surveys["总体满意度"].dropna()
    recommend = surveys["推荐意愿"].dropna()
    promoters = int((recommend >= 9).sum())
    detractors = int((recommend <= 6).sum())

    repeats, complaints_with_phone = complaint_repeats(intake, start, end)
    staff_count = int(tickets["处理人"].dropna().nunique())
    from macros.callbacks import on_hold

    callbacks_on_time, callbacks_due = callback_completion(callbacks[~on_hold(callbacks, intake)], start, end, now)
    customers = len(set(customer_key(tickets["联系方式"], tickets["客户名称/姓名"]).dropna()))

    period_service = service[lookup.positions(service["工单号"]) >= 0]
    travel = _fsum(period_service["差旅费"])
    parts = _fsum(period_service["配件/维修费"])
    compensation = _fsum(period_service["赔偿金额"])
    cost_total = travel + parts + compensation
    cost_recorded = bool(period_service[["差旅费", "配件/维修费", "赔偿金额"]].notna().any(axis=None))

    resolution_counted, resolution_met = stage_judgement(tickets["解决时限"], events["解决"], now)
    survey_rows = TicketLookup(intake["服务工单号"]).positions(surveys["工单号"])
    handlers = np.append(intake["处理人"].to_numpy(dtype=object), None)  # position -1 → None
    survey_handlers = pd.Series(handlers[survey_rows], index=surveys.index, dtype=object)

    sla_rates = {stage: _share(met, counted) for stage, (met, counted) in attainment.items()}
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat(), "label": period_label(start, end)},
        "now": pd.Timestamp(now).isoformat(),
        "csat_threshold": float(csat_threshold),
        "tickets": count,
        "tickets_by_type": _counts(tickets["需求类型"], S.REQUEST_TYPES),
        "tickets_by_urgency": _counts(tickets["紧急程度"], S.URGENCIES),
        "tickets_by_channel": _counts(tickets["需求来源"], S.SOURCES),
        "tickets_by_department": _counts(tickets["责任部门"]),
        "tickets_by_store": _counts(tickets["所属店铺/区域"]),
        "completed": int(completed.sum()),
        "first_response_count": int(response_hours.notna().sum()),
        "first_response_hours_avg": _mean(response_hours),
        "first_response_hours_median": _median(response_hours),
        "first_response_work_hours_avg": work_response,
        "resolution_count": int(resolution_hours.notna().sum()),
        "resolution_hours_avg": _mean(resolution_hours),
        "resolution_hours_median": _median(resolution_hours),
        "resolution_work_hours_avg": work_resolution,
        "work_hours_skipped": skipped,
        "complaints": int(complaint.sum()),
        "complaint_first_response_count": int(response_hours[complaint].notna().sum()),
        "complaint_first_response_hours_avg": _mean(response_hours[complaint]),
        "fcr_tickets": int(one_visit.sum()),
        "fcr_rate": _share(int(one_visit.sum()), int(completed.sum())),
        "sla_rates": sla_rates,
        "sla_counted": {stage: counted for stage, (_met, counted) in attainment.items()},
        "response_sla_rate": sla_rates["首次响应"],
        "resolution_sla_rate": sla_rates["解决"],
        "overdue_assessed": int(assessed.sum()),
        "overdue_tickets": int(overdue.sum()),
        "overdue_rate": _share(int(overdue.sum()), int(assessed.sum())),
        "backlog": int(open_now.sum()),
        "backlog_by_state": _counts(intake.loc[open_now, "当前状态"]),
        "surveys": len(surveys),
        "csat_rate": csat_share(overall, csat_threshold),
        "satisfaction_score": _mean(overall * 10),
        "nps_responses": len(recommend),
        "nps": None if not len(recommend) else 100.0 * (promoters - detractors) / len(recommend),
        "complaint_repeats": repeats,
        "complaint_repeat_rate": _share(repeats, complaints_with_phone),
        "staff_count": staff_count,
        "tickets_per_staff": _share(count, staff_count),
        "callbacks_due": callbacks_due,
        "callback_completion_rate": _share(callbacks_on_time, callbacks_due),
        "customers": customers,
        "survey_sample_rate": _share(len(surveys), customers),
        "cost_travel": travel,
        "cost_parts_repair": parts,
        "cost_compensation": compensation,
        "cost_total": cost_total,
        "cost_per_ticket": _share(cost_total, count) if cost_recorded else None,
        "top_problem_types": _top(tickets["二级标签"]),
        "top_product_models": _top(tickets["购买产品型号"]),
        "staff": staff_figures(tickets, resolution_hours, resolution_met, resolution_counted, surveys,
                               survey_handlers, csat_threshold, roster),
    }


def period_label(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


# ---- the KPI看板 --------------------------------------------------------------------------------
# (类别, 指标 as on the KPI目标 sheet, kpi key, kind of value, 说明 — from its one home, S.KPI_DEFINITIONS)
# Kinds: rate (fraction), hours, points (0–100 or NPS), count, money, number.
BOARD_METRICS: tuple[tuple[str, str, str, str, str], ...] = (
    ("工单量", "工单量", "tickets", "count", S.KPI_DEFINITIONS["工单量"]),
    ("工单量", "积压工单", "backlog", "count", S.KPI_DEFINITIONS["积压工单"]),
    ("运营效率", "平均首次响应时长(小时)", "first_response_hours_avg", "hours", S.KPI_DEFINITIONS["平均首次响应时长(小时)"]),
    ("运营效率", "首次响应时长中位数(小时)", "first_response_hours_median", "hours", S.KPI_DEFINITIONS["首次响应时长中位数(小时)"]),
    ("运营效率", "平均首次响应时长(工作小时)", "first_response_work_hours_avg", "hours", S.KPI_DEFINITIONS["平均首次响应时长(工作小时)"]),
    ("运营效率", "平均解决时长(小时)", "resolution_hours_avg", "hours", S.KPI_DEFINITIONS["平均解决时长(小时)"]),
    ("运营效率", "解决时长中位数(小时)", "resolution_hours_median", "hours", S.KPI_DEFINITIONS["解决时长中位数(小时)"]),
    ("运营效率", "平均解决时长(工作小时)", "resolution_work_hours_avg", "hours", S.KPI_DEFINITIONS["平均解决时长(工作小时)"]),
    ("运营效率", "投诉平均首次响应时长(小时)", "complaint_first_response_hours_avg", "hours", S.KPI_DEFINITIONS["投诉平均首次响应时长(小时)"]),
    ("运营效率", "超时率", "overdue_rate", "rate", S.KPI_DEFINITIONS["超时率"]),
    ("运营效率", "一次性问题解决率", "fcr_rate", "rate", S.KPI_DEFINITIONS["一次性问题解决率"]),
    ("运营效率", "人均工单量", "tickets_per_staff", "number", S.KPI_DEFINITIONS["人均工单量"]),
    ("客户体验", "客户满意度(CSAT)", "csat_rate", "rate", S.KPI_DEFINITIONS["客户满意度(CSAT)"]),
    ("客户体验", "满意度得分", "satisfaction_score", "points", S.KPI_DEFINITIONS["满意度得分"]),
    ("客户体验", "NPS", "nps", "points", S.KPI_DEFINITIONS["NPS"]),
    ("客户体验", "投诉重复率", "complaint_repeat_rate", "rate", S.KPI_DEFINITIONS["投诉重复率"]),
    ("回访调研", "回访完成率", "callback_completion_rate", "rate", S.KPI_DEFINITIONS["回访完成率"]),
    ("回访调研", "调研样本率", "survey_sample_rate", "rate", S.KPI_DEFINITIONS["调研样本率"]),
    ("服务成本", "服务总成本(元)", "cost_total", "money", S.KPI_DEFINITIONS["服务总成本(元)"]),
    ("服务成本", "单均成本(元)", "cost_per_ticket", "money", S.KPI_DEFINITIONS["单均成本(元)"]),
)
# Targets that compare this period with the baseline period (系统参数 基线期).
BASELINE_METRICS = ("投诉首次响应缩短率", "CSAT提升(百分点)")
DECIMALS = {"rate": 4, "hours": 2, "points": 1, "count": 0, "money": 2, "number": 2}


def verdict(value: float | None, target, tolerance: float = 1e-9) -> str:
    """达标 / 未达标 / 无数据 for a value against a Target (value, compare ≥ or ≤)."""
    if value is None:
        return "无数据"
    if target.compare == "≤":
        return "达标" if value <= target.value + tolerance else "未达标"
    return "达标" if value >= target.value - tolerance else "未达标"


def _rounded(value: float | None, kind: str) -> float | int | None:
    if value is None:
        return None
    digits = DECIMALS.get(kind, 4)
    return float(round(value, digits)) if digits else int(round(value))


def baseline_changes(kpis: Mapping, baseline: Mapping | None) -> dict[str, float | None]:
    """{投诉首次响应缩短率: fraction, CSAT提升(百分点): points} of this period against the baseline."""
    out: dict[str, float | None] = {name: None for name in BASELINE_METRICS}
    if not baseline:
        return out
    before = baseline.get("complaint_first_response_hours_avg")
    after = kpis.get("complaint_first_response_hours_avg")
    if before and after is not None:
        out["投诉首次响应缩短率"] = 1.0 - after / before
    if baseline.get("csat_rate") is not None and kpis.get("csat_rate") is not None:
        out["CSAT提升(百分点)"] = (kpis["csat_rate"] - baseline["csat_rate"]) * 100.0
    return out


def dashboard_rows(kpis: Mapping, settings, alerts: Iterable = (), *, baseline: Mapping | None = None,
                   evaluation: Mapping | None = None) -> list[dict]:
    """Rows of the KPI看板 sheet: each KPI against its KPI目标 target, then the trigger alerts.

    ``settings`` is anything with ``targets`` ({指标: Target}) — the Settings object — or that
    mapping itself. ``alerts`` are ``macros.triggers.Alert``; ``baseline`` the KPIs of the
    baseline period, for the targets that compare with it, and ``evaluation`` those of the
    evaluation period they compare (default: ``kpis``). Percentages stay fractions.
    """
    targets = getattr(settings, "targets", settings) or {}
    period = kpis["period"]["label"]
    rows = []
    known = set()

    def add(category, name, value, kind, note):
        target = targets.get(name)
        known.add(name)
        rows.append({
            "类别": category, "指标": name, "本期数值": _rounded(value, kind),
            "目标值": target.value if target else None, "比较": target.compare if target else None,
            "是否达标": verdict(value, target) if target else ("无数据" if value is None else None),
            "说明": note, "统计期间": period,
        })

    for category, name, key, kind, note in BOARD_METRICS:
        add(category, name, kpis.get(key), kind, note + _sample_note(kpis, key))
    compared = evaluation or kpis
    changes = baseline_changes(compared, baseline)
    base_label = baseline["period"]["label"] if baseline else None
    which = f"评估期（{compared['period']['label']}）" if evaluation else "本期"
    start_at = len(rows)
    for name, kind in (("投诉首次响应缩短率", "rate"), ("CSAT提升(百分点)", "points")):
        add("优化成效", name, changes[name], kind, S.KPI_DEFINITIONS[name] + (
            f"（{which}对比基线期 {base_label}）" if base_label else "（未设置基线期：系统参数 基线期开始/结束）"))
    for row in rows[start_at:]:
        row["统计期间"] = compared["period"]["label"]
    for stage in STAGES:
        add("时限达标", f"{stage}达标率", kpis["sla_rates"].get(stage), "rate",
            S.KPI_DEFINITIONS[f"{stage}达标率"] + f"（计入 {kpis['sla_counted'].get(stage, 0)} 张）")
    for name, target in targets.items():
        if name not in known:
            rows.append({"类别": "其他", "指标": name, "本期数值": None, "目标值": target.value,
                         "比较": target.compare, "是否达标": "无数据",
                         "说明": f"「KPI目标」中的指标「{name}」没有对应的计算，请核对名称", "统计期间": period})
    for alert in alerts:
        rows.append({
            "类别": "优化预警", "指标": alert.name, "本期数值": _rounded(alert.value, "rate"), "目标值": alert.threshold,
            "比较": alert.compare, "是否达标": alert.verdict, "说明": alert.explanation, "统计期间": alert.period,
        })
    return rows


SAMPLE_NOTES = {  # kpi key → how many items the value rests on, shown after the definition
    "first_response_hours_avg": "（有首次响应的工单 {first_response_count} 张）",
    "resolution_hours_avg": "（已完成工单 {resolution_count} 张）",
    "complaint_first_response_hours_avg": "（已响应的投诉 {complaint_first_response_count} 张）",
    "fcr_rate": "（已完成工单 {completed} 张）",
    "overdue_rate": "（超时 {overdue_tickets} 张 / 已计算时限 {overdue_assessed} 张）",
    "tickets_per_staff": "（处理人 {staff_count} 人）",
    "csat_rate": "（调研 {surveys} 份）",
    "satisfaction_score": "（调研 {surveys} 份）",
    "nps": "（有推荐意愿的调研 {nps_responses} 份）",
    "complaint_repeat_rate": "（重复投诉 {complaint_repeats} 张）",
    "callback_completion_rate": "（计入的回访任务 {callbacks_due} 个）",
    "survey_sample_rate": "（调研 {surveys} 份，客户 {customers} 位）",
}


def _sample_note(kpis: Mapping, key: str) -> str:
    note = SAMPLE_NOTES.get(key)
    return note.format_map(kpis) if note else ""


# ---- the step ---------------------------------------------------------------------------------
KPI_SHEETS = (S.INTAKE, S.SERVICE, S.CONFIRMATION, S.SURVEY, S.CALLBACK_PLAN, S.STAFF_ROSTER)


def work_frames(work) -> dict[str, pd.DataFrame]:
    """The frames the KPIs read, as they stand in this run (sheets missing from the book left out)."""
    return {s.name: work.view(s.name) for s in KPI_SHEETS if s.name in work.snapshot}


def default_period(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The current month to date: what 「刷新KPI」 shows unless a period is given."""
    today = now.date()
    return today.replace(day=1), today


def kpi_period(now: dt.datetime, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period of ``--from``/``--to``: the month to date when neither is given, the month to
    ``end`` without ``start``, ``start`` to today without ``end``."""
    if start is None and end is None:
        return default_period(now)
    if start is None:
        return end.replace(day=1), end
    if end is None:
        return start, now.date()
    return start, end


@step("KPI", needs={"statuses"})
def kpi_step(work, start: dt.date | None = None, end: dt.date | None = None) -> None:
    """Compute the KPIs of a period (default: this month to date) and rebuild the KPI看板 sheet.

    Also evaluates the optimisation triggers and, when 系统参数 sets a 基线期, the KPIs of the
    baseline period for the targets that compare with it. Results go to ``work.results``
    ("kpi", "kpi_baseline", "triggers") for ``--json``.
    """
    from macros.triggers import evaluate_triggers

    start, end = kpi_period(work.now, start, end)
    settings = work.settings
    frames = work_frames(work)
    kpis = compute_kpis(frames, start, end, now=work.now, csat_threshold=settings.csat_threshold,
                        calendar=settings.calendar)
    from macros.kpiboard import board, previous_period

    baseline = None
    base_period = settings.period("基线期")
    if base_period is not None and base_period[0] <= base_period[1]:
        baseline = compute_kpis(frames, *base_period, now=work.now, csat_threshold=settings.csat_threshold,
                                calendar=None)
    # The baseline comparisons mean what the 执行检查表 means by them: 评估期 against 基线期 (the
    # board's own period only when no 评估期 is set).
    evaluation = None
    eval_period = settings.period("评估期")
    if baseline is not None and eval_period is not None and eval_period[0] <= eval_period[1]:
        evaluation = compute_kpis(frames, *eval_period, now=work.now, csat_threshold=settings.csat_threshold,
                                  calendar=None)
    alerts = evaluate_triggers(frames, now=work.now, settings_or_thresholds=settings, kpis=kpis)
    rows = dashboard_rows(kpis, settings, alerts, baseline=baseline, evaluation=evaluation)
    before = previous_period(start, end)
    previous = compute_kpis(frames, *before, now=work.now, csat_threshold=settings.csat_threshold,
                            calendar=settings.calendar)
    shown, looks = board(rows, dashboard_rows(previous, settings), previous["period"]["label"])
    from macros.calendar_year import dashboard_banner

    banner = dashboard_banner(work)  # "next year's holidays are missing", from 11-01 (SPEC §12)
    looks = {(i + len(banner), h): look for (i, h), look in looks.items()}
    work.rebuild(S.KPI_BOARD.name, banner + shown, looks=looks)
    work.results["kpi"] = kpis
    if baseline is not None:
        work.results["kpi_baseline"] = baseline
    work.results["triggers"] = [a.as_dict() for a in alerts]
    verdicts = [r["是否达标"] for r in rows if r["类别"] != "优化预警"]
    fired = [a.name for a in alerts if a.fired]
    line = (f"KPI看板：{kpis['period']['label']}，工单 {kpis['tickets']} 张；"
            f"达标 {verdicts.count('达标')} 项，未达标 {verdicts.count('未达标')} 项，无数据 {verdicts.count('无数据')} 项；"
            f"优化预警 {len(fired)} 项触发" + (f"（{'、'.join(fired)}）" if fired else ""))
    if kpis["work_hours_skipped"]:
        line += f"；{kpis['work_hours_skipped']} 个时长跨越未核对节假日的年份，未计入工作小时"
    work.lines.append(line)
