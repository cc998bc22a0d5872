"""The team's settings sheets as plain objects the routines use (calendar, SLA policy, rules…)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import pandas as pd

from udfs.calendar import BusinessCalendar
from udfs.policy import HEADERS, SlaRule, find_rule, rules_from_rows
from udfs.errors import CalendarError
from udfs.values import as_share, excel_serial_to_datetime, parse_number
from workbook import Problem, Snapshot
from workbook import schema as S
from workbook.problems import ERROR, NOTICE, WARNING

DEFAULT_HOURS = "09:00-18:00"
DEFAULT_WEEKEND = "0000011"
DEFAULT_ZONE = "Asia/Shanghai"  # 系统参数 时区 when blank or missing: the team lives in Beijing time


def zone_named(name, problems: list[Problem] | None = None):
    """The ZoneInfo for 系统参数 时区 (IANA name); blank or unknown → Asia/Shanghai (reported)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = str(name).strip() if name not in (None, "") and not (isinstance(name, float) and math.isnan(name)) else ""
    if text:
        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            if problems is not None:
                problems.append(Problem(S.PARAMS.name, None, "时区", text,
                                        f"不是有效的时区名称 — 已按 {DEFAULT_ZONE} 计算，请填写如 Asia/Shanghai",
                                        WARNING))
    return ZoneInfo(DEFAULT_ZONE)


def team_now(zone) -> dt.datetime:
    """The clock read in the team's time zone, as a naive local time to the second.

    The only place the routines read the clock: everything downstream gets ``now`` passed in.
    """
    return dt.datetime.now(zone).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class DispatchRule:
    request_type: str
    subtag: str | None
    keywords: tuple[str, ...]
    department: str
    role: str


@dataclass(frozen=True)
class StaffMember:
    name: str
    department: str | None
    role: str | None
    stores: tuple[str, ...]
    on_duty: bool
    capacity: float | None
    supervisor: str | None
    order: int


@dataclass(frozen=True)
class Target:
    value: float
    compare: str  # ≥ or ≤
    unit: str | None


@dataclass
class Settings:
    params: dict[str, object]
    calendar: BusinessCalendar
    sla: dict[tuple[str, str], SlaRule]  # (环节, 适用对象) → rule
    dispatch_rules: list[DispatchRule]
    urgency_rules: list[tuple[tuple[str, ...], str]]
    staff: list[StaffMember]
    warranty_months: dict[str, float]  # 产品型号 → 保修期(月)
    targets: dict[str, Target]
    triggers: dict[str, object]
    problems: list[Problem] = field(default_factory=list)

    # ---- parameters ----------------------------------------------------------------------
    def number(self, name: str, default: float) -> float:
        value = self.params.get(name)
        try:
            number = parse_number(value)  # text too: "1,000", full-width digits (udfs.values)
            number = default if number is None else number
            if not math.isfinite(number):  # "nan", "inf" parse as floats but mean nothing here
                raise ValueError(value)
            return number
        except (TypeError, ValueError):
            self.problems.append(Problem(S.PARAMS.name, None, name, value, f"应为数字，已按默认值 {default} 处理", WARNING))
            return default

    def date(self, name: str) -> dt.date | None:
        value = self.params.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)):
            moment = excel_serial_to_datetime(value)
            if moment is None:
                self.problems.append(Problem(S.PARAMS.name, None, name, value, "不是有效日期 — 请使用 YYYY-MM-DD", ERROR))
                return None
            return moment.date()
        from workbook.frames import parse_datetime_text

        parsed = parse_datetime_text(str(value))
        if parsed is None:
            self.problems.append(Problem(S.PARAMS.name, None, name, value, "不是有效日期 — 请使用 YYYY-MM-DD", ERROR))
            return None
        return parsed.date()

    def period(self, which: str) -> tuple[dt.date, dt.date] | None:
        """The 基线期 or 评估期 from 系统参数 as (start, end), both inclusive."""
        start, end = self.date(f"{which}开始"), self.date(f"{which}结束")
        if start is None or end is None:
            return None
        return start, end

    @property
    def zone(self):
        """系统参数 时区 as a ZoneInfo (default Asia/Shanghai)."""
        return zone_named(self.params.get("时区"), self.problems)

    @property
    def csat_threshold(self) -> float:
        return self.number("CSAT达标分数", 8.0)

    def sla_rule(self, stage: str, request_type: str | None, urgency: str | None) -> SlaRule | None:
        """The first applicable rule (type's row, else urgency's, else 全部) — for a stage whose start alone
        decides (新购客户's callback); ticket deadlines take the stricter of two (udfs.policy.stage_dues)."""
        return find_rule(self.sla, stage, request_type, urgency)

    # ---- building ------------------------------------------------------------------------
    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, problems: list[Problem] | None = None) -> "Settings":
        problems = problems if problems is not None else []
        params = snapshot.params()
        calendar = _calendar(snapshot, params, problems)
        out = cls(
            params=params,
            calendar=calendar,
            sla=_sla(snapshot),
            dispatch_rules=_dispatch_rules(snapshot),
            urgency_rules=_urgency_rules(snapshot),
            staff=_staff(snapshot),
            warranty_months=_warranty(snapshot),
            targets=_targets(snapshot, problems),
            triggers=_triggers(snapshot),
            problems=problems,
        )
        return out


def _frame(snapshot: Snapshot, name: str) -> pd.DataFrame:
    if name not in snapshot.sheets:
        return pd.DataFrame(columns=S.sheet(name).headers)
    return snapshot.frame(name)


def split_list(text) -> tuple[str, ...]:
    """'a, b，c；d' → ('a', 'b', 'c', 'd'): staff separate lists with any comma."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ()
    return tuple(p.strip() for p in re.split(r"[,，;；、\s]+", str(text)) if p.strip())


def listed_years(value) -> set[int]:
    """The years typed in 系统参数 节假日数据年份: "2026,2027", "2026，2027", 2026 (a number) → {2026, 2027}."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {int(value)} if value == value else set()
    return {int(y) for y in split_list(value) if y.isdigit()}


def _calendar(snapshot: Snapshot, params: dict, problems: list[Problem]) -> BusinessCalendar:
    holidays = [pd.Timestamp(d).date() for d in _frame(snapshot, S.HOLIDAYS.name)["日期"].dropna()]
    workdays = [pd.Timestamp(d).date() for d in _frame(snapshot, S.MAKEUP_DAYS.name)["日期"].dropna()]
    clash = sorted(set(holidays) & set(workdays))
    if clash:
        problems.append(Problem(S.MAKEUP_DAYS.name, None, "日期", clash[0].isoformat(),
                                "同一天既在「节假日」又在「调休上班日」— 已按上班日计算，请删除其中一处", ERROR))
        holidays = [d for d in holidays if d not in set(clash)]
    hours = params.get("工作时间") or DEFAULT_HOURS
    weekend = params.get("每周休息日") or DEFAULT_WEEKEND
    if isinstance(weekend, float):
        weekend = f"{int(weekend):07d}"  # typed as a number, Excel dropped the leading zeros
    years = listed_years(params.get("节假日数据年份"))
    if not years:
        # Blank: the years the team has listed holidays for are the years they checked.
        years = {d.year for d in holidays + workdays}
        if years:
            problems.append(Problem(S.PARAMS.name, None, "节假日数据年份", None,
                                    "为空 — 已按「节假日」表中出现的年份（" + "、".join(map(str, sorted(years)))
                                    + "）计算，请填写已核对的年份", WARNING))
    try:
        return BusinessCalendar.from_values(holidays=holidays, workdays=workdays, hours=str(hours),
                                            weekend=str(weekend), covered_years=years)
    except CalendarError as exc:
        problems.append(Problem(S.PARAMS.name, None, "工作时间/每周休息日", f"{hours} / {weekend}",
                                f"{exc} — 已按 {DEFAULT_HOURS}、{DEFAULT_WEEKEND} 计算", ERROR))
        return BusinessCalendar.from_values(holidays=holidays, workdays=workdays, hours=DEFAULT_HOURS,
                                            weekend=DEFAULT_WEEKEND, covered_years=years)


def _sla(snapshot: Snapshot) -> dict[tuple[str, str], SlaRule]:
    frame = _frame(snapshot, S.SLA_POLICY.name)
    return rules_from_rows(frame[list(HEADERS)].itertuples(index=False, name=None))


def _dispatch_rules(snapshot: Snapshot) -> list[DispatchRule]:
    frame = _frame(snapshot, S.DISPATCH_RULES.name)
    rules = []
    for t, tag, keywords, dept, role in frame[["需求类型", "二级标签", "关键词", "责任部门", "处理角色"]].itertuples(
            index=False, name=None):
        if t and dept and role:
            rules.append(DispatchRule(t, tag or None, split_list(keywords), dept, role))
    return rules


def _urgency_rules(snapshot: Snapshot) -> list[tuple[tuple[str, ...], str]]:
    frame = _frame(snapshot, S.URGENCY_RULES.name)
    return [(split_list(k), level) for k, level in frame[["关键词", "紧急程度"]].itertuples(index=False, name=None)
            if k and level]


def _staff(snapshot: Snapshot) -> list[StaffMember]:
    frame = _frame(snapshot, S.STAFF_ROSTER.name)
    out = []
    for i, (name, dept, role, stores, duty, capacity, boss) in enumerate(frame[
            ["姓名", "部门", "角色", "负责店铺", "在岗状态", "最大在办工单数", "上级主管"]].itertuples(index=False, name=None)):
        if not name:
            continue
        out.append(StaffMember(name, dept, role, split_list(stores), duty == "在岗",
                               None if pd.isna(capacity) else float(capacity), boss, i))
    return out


def _warranty(snapshot: Snapshot) -> dict[str, float]:
    frame = _frame(snapshot, S.PRODUCTS.name)
    return {m: float(w) for m, w in zip(frame["产品型号"], frame["保修期(月)"]) if m and not pd.isna(w)}


def is_rate_target(name: str, unit) -> bool:
    """Whether a KPI目标 row is a share: its 单位 says %, or the KPI is one (by its default row, or
    any 「…率」 — 首次响应达标率, 超时率 …) whatever the 单位 says."""
    default_unit = S.TARGET_DEFAULTS.get(name, (None, None, None))[2]
    return unit == "%" or default_unit == "%" or str(name).endswith("率")


def _targets(snapshot: Snapshot, problems: list[Problem] | None = None) -> dict[str, Target]:
    """KPI目标 rows. A share typed as a whole number is a percentage (90 → 0.90, udfs.values); when
    the row's 单位 does not say % that reading is reported, never silently judged either way."""
    frame = _frame(snapshot, S.KPI_TARGETS.name)
    out = {}
    columns = frame.reindex(columns=["指标", "目标值", "比较", "单位", "说明"])
    for row, (k, v, c, u, note) in zip(frame.index, columns.itertuples(index=False, name=None)):
        if k and problems is not None and note in S.FORMER_KPI_NOTES.get(k, ()):
            problems.append(Problem(S.KPI_TARGETS.name, int(row) if isinstance(row, (int, float)) else None, "说明", note,
                                    f"「{k}」的说明是旧版口径，现按：{S.KPI_DEFINITIONS[k]} — 可把说明改为这句（与「KPI看板」一致）",
                                    NOTICE))
        if not k or pd.isna(v):
            continue
        value = float(v)
        if is_rate_target(k, u):
            value = as_share(value)
            if value != float(v) and u != "%" and problems is not None:
                problems.append(Problem(S.KPI_TARGETS.name, int(row) if isinstance(row, (int, float)) else None, "目标值", v,
                                        f"「{k}」是比例，目标值 {float(v):g} 按 {value * 100:g}% 理解 — 请把单位填为 %，"
                                        f"或直接填 {value:g}", WARNING))
        out[k] = Target(value, c or "≥", u)
    return out


def _triggers(snapshot: Snapshot) -> dict[str, object]:
    frame = _frame(snapshot, S.TRIGGERS.name)
    return {k: v for k, v in zip(frame["触发条件"], frame["阈值"]) if k}
