"""The monthly summary sheet (月报_YYYY-MM, SPEC §6, seed 001 step 6), laid out for people to read.

``monthly_summary`` is pure: frames, the month, ``now`` and the settings in, a ``ReportSheet`` out
(a title, sections with bold headers, values formatted and coloured red/green against the KPI目标
targets). ``summary_step`` is the routine step.

Seed 001 wants last month's data summarised by the 5th (系统参数 月报截止日). The sheet says when it
was produced against that deadline: 按时 (after the month ended, on or before the deadline day),
逾期 (after the deadline day) or 提前 (before the month ended — the figures are month to date).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Callable, Mapping

import pandas as pd

from macros.kpi import BOARD_METRICS, STAGES, compute_kpis, verdict, work_frames
from macros.steps import step
from workbook import ReportSheet
from workbook import schema as S
from workbook.styles import Look

DEFAULT_DEADLINE_DAY = 5
ON_TIME, LATE, EARLY = "按时", "逾期", "提前"

# ---- looks ----------------------------------------------------------------------------------------
TITLE = Look(bold=True, size=16)
NOTE = Look(color="595959")
SECTION = Look(bold=True, size=12, fill="DDEBF7")
SUBSECTION = Look(bold=True)
HEADER = Look(bold=True, fill="F2F2F2", border=True, align="center")
CELL = Look(border=True)
FORMATS = {"count": "0", "hours": "0.0", "rate": "0.0%", "points": "0.0", "money": "#,##0.00", "number": "0.0"}
GOOD = {"fill": "C6EFCE", "color": "006100"}
BAD = {"fill": "FFC7CE", "color": "9C0006"}
PENDING = {"fill": "FFEB9C", "color": "9C5700"}
VERDICT_COLOURS = {"达标": GOOD, "未达标": BAD, ON_TIME: GOOD, LATE: BAD, EARLY: PENDING}
COLUMN_WIDTHS = [30.0, 16.0, 14.0, 14.0, 18.0, 14.0, 12.0, 12.0]
LAST_COLUMN = len(COLUMN_WIDTHS)
SECTION_NUMBERS = "一二三四五六七八九十"


def look(kind: str | None = None, outcome: str | None = None, **extra) -> Look:
    """A bordered cell look: number format of ``kind``, coloured by ``outcome`` (达标/未达标…)."""
    base = replace(CELL, numfmt=FORMATS.get(kind) if kind else None, **extra)
    colours = VERDICT_COLOURS.get(outcome)
    return replace(base, **colours) if colours else base


# ---- the month and its deadline -------------------------------------------------------------------
def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of a "YYYY-MM" month; ValueError with the fix for anything else."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", str(month).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"月份“{month}”格式有误 — 请用 YYYY-MM，如 2026-11")
    year, number = int(match.group(1)), int(match.group(2))
    return dt.date(year, number, 1), dt.date(year, number, _calendar.monthrange(year, number)[1])


def month_name(first: dt.date) -> str:
    return f"{first:%Y-%m}"


def summary_deadline(month_end: dt.date, deadline_day: int) -> dt.date:
    """The deadline for a month's summary: day ``deadline_day`` of the next month (clipped to its end)."""
    first_next = month_end + dt.timedelta(days=1)
    last_day = _calendar.monthrange(first_next.year, first_next.month)[1]
    return first_next.replace(day=max(1, min(int(deadline_day), last_day)))


def deadline_verdict(month_end: dt.date, deadline: dt.date, now: dt.datetime) -> tuple[str, str]:
    """(按时/逾期/提前, the sentence the sheet shows)."""
    today = now.date()
    if today <= month_end:
        outcome = EARLY
        tail = "本月尚未结束，数据截至生成时"
    elif today <= deadline:
        outcome, tail = ON_TIME, ""
    else:
        outcome, tail = LATE, f"晚于截止日 {(today - deadline).days} 天"
    sentence = f"本月报生成于 {today:%Y-%m-%d}，截止 {deadline:%Y-%m-%d}，{outcome}"
    return outcome, sentence + (f"（{tail}）" if tail else "")


# ---- layout -----------------------------------------------------------------------------------------
class _Layout:
    """A cursor over the report's cells: titles, section bands, tables, one row at a time."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[object, Look | None]] = {}
        self.merges: list[str] = []
        self.row = 1
        self.sections = 0

    def put(self, col: int, value, cell_look: Look | None = None) -> None:
        self.cells[(self.row, col)] = (value, cell_look)

    def line(self, value, cell_look: Look | None = None) -> None:
        """A line of text across the sheet's width (merged, so long sentences stay readable)."""
        self.put(1, value, cell_look)
        self.merges.append(f"A{self.row}:{chr(ord('A') + LAST_COLUMN - 1)}{self.row}")
        self.row += 1

    def skip(self, rows: int = 1) -> None:
        self.row += rows

    def section(self, title: str) -> None:
        self.skip()
        label = f"{SECTION_NUMBERS[self.sections]}、{title}"
        self.sections += 1
        self.put(1, label, SECTION)
        for col in range(2, LAST_COLUMN + 1):
            self.put(col, None, SECTION)
        self.row += 1

    def subsection(self, title: str) -> None:
        self.put(1, title, SUBSECTION)
        self.row += 1

    def header(self, *titles: str) -> None:
        for col, title in enumerate(titles, start=1):
            self.put(col, title, HEADER)
        self.row += 1

    def values(self, *cells: tuple[object, Look | None]) -> None:
        for col, (value, cell_look) in enumerate(cells, start=1):
            self.put(col, value, cell_look)
        self.row += 1


def _text(value) -> tuple[object, Look]:
    return (value, CELL)


def _value(value, kind: str, outcome: str | None = None) -> tuple[object, Look]:
    return (value, look(kind, outcome))


def _board_kinds() -> dict[str, str]:
    kinds = {name: kind for _cat, name, _key, kind, _note in BOARD_METRICS}
    kinds.update({f"{stage}达标率": "rate" for stage in STAGES})
    return kinds


TARGET_METRICS = (  # (指标 on the KPI目标 sheet, kpi key) shown in section 一, in this order
    ("平均首次响应时长(小时)", "first_response_hours_avg"),
    ("平均解决时长(小时)", "resolution_hours_avg"),
    ("首次响应达标率", "response_sla_rate"),
    ("解决达标率", "resolution_sla_rate"),
    ("超时率", "overdue_rate"),
    ("一次性问题解决率", "fcr_rate"),
    ("客户满意度(CSAT)", "csat_rate"),
    ("满意度得分", "satisfaction_score"),
    ("NPS", "nps"),
    ("投诉重复率", "complaint_repeat_rate"),
    ("回访完成率", "callback_completion_rate"),
    ("调研样本率", "survey_sample_rate"),
    ("单均成本(元)", "cost_per_ticket"),
)


# ---- the model: what the summary says, rendered twice (this sheet and reports/monthly.py) ------------
@dataclass(frozen=True)
class Figure:
    """One line of the summary: its label, the KPI it shows, how to format it, what it means."""

    name: str
    key: str  # in compute_kpis' result
    kind: str  # count / hours / rate / points / money / number
    note: str | Callable[[Mapping], str] | None = None  # the definition, said to the reader
    target: str | None = None  # the KPI目标 指标 whose verdict colours it

    def note_for(self, kpis: Mapping) -> str | None:
        return self.note(kpis) if callable(self.note) else self.note


VOLUME = (
    Figure("本月受理工单", "tickets", "count"),
    Figure("其中已完成", "completed", "count"),
    Figure("当前积压（全部未完成工单，截至生成时）", "backlog", "count"),
    Figure("人均工单量", "tickets_per_staff", "number"),
)
BREAKDOWNS = (("按需求类型", "tickets_by_type"), ("按紧急程度", "tickets_by_urgency"),
              ("按需求来源（渠道）", "tickets_by_channel"), ("按责任部门", "tickets_by_department"),
              ("按所属店铺/区域", "tickets_by_store"))
TIMES = (  # (环节, mean hours, median hours, mean working hours, tickets counted); None: not computed
    ("首次响应（首次响应时间−受理时间）", "first_response_hours_avg", "first_response_hours_median",
     "first_response_work_hours_avg", "first_response_count"),
    ("解决（完成时间−受理时间）", "resolution_hours_avg", "resolution_hours_median", "resolution_work_hours_avg",
     "resolution_count"),
    ("投诉首次响应", "complaint_first_response_hours_avg", None, None, "complaint_first_response_count"),
)
EXPERIENCE = (
    Figure("调研份数", "surveys", "count", "回访时间在本月的满意度调研"),
    Figure("客户满意度(CSAT)", "csat_rate", "rate", lambda k: f"总体满意度≥{k['csat_threshold']:g}分的占比",
           target="客户满意度(CSAT)"),
    Figure("满意度得分", "satisfaction_score", "points", "总体满意度均值×10", target="满意度得分"),
    Figure("NPS", "nps", "points", lambda k: f"推荐者(9–10)−贬损者(0–6)，{k['nps_responses']} 份有推荐意愿", target="NPS"),
    Figure("调研样本率", "survey_sample_rate", "rate", lambda k: f"调研份数÷本月客户数（{k['customers']} 位）",
           target="调研样本率"),
    Figure("回访完成率", "callback_completion_rate", "rate",
           lambda k: f"到期回访任务 {k['callbacks_due']} 个中按期完成的占比", target="回访完成率"),
    Figure("一次性问题解决率", "fcr_rate", "rate", S.KPI_DEFINITIONS["一次性问题解决率"], target="一次性问题解决率"),
    Figure("投诉量", "complaints", "count", "需求类型为投诉类的工单"),
    Figure("投诉重复率", "complaint_repeat_rate", "rate", lambda k: f"30天内同一客户再次投诉 {k['complaint_repeats']} 张",
           target="投诉重复率"),
)
COSTS = (
    Figure("差旅费", "cost_travel", "money"),
    Figure("配件/维修费", "cost_parts_repair", "money"),
    Figure("赔偿金额", "cost_compensation", "money"),
    Figure("合计", "cost_total", "money"),
    Figure("单均成本", "cost_per_ticket", "money", target="单均成本(元)"),
)
TOP = (("问题类型（二级标签）", "top_problem_types"), ("产品型号", "top_product_models"))


def figure_verdict(figure: Figure, kpis: Mapping, targets: Mapping) -> str | None:
    """达标/未达标 for a figure with a target, else None."""
    target = targets.get(figure.target) if figure.target else None
    return verdict(kpis.get(figure.key), target) if target else None


def _targets_section(sheet: _Layout, kpis: Mapping, targets: Mapping) -> None:
    kinds = _board_kinds()
    sheet.section("关键指标对照目标")
    sheet.header("指标", "本月数值", "目标值", "比较", "是否达标")
    for name, key in TARGET_METRICS:
        target = targets.get(name)
        value = kpis.get(key)
        outcome = verdict(value, target) if target else ("无数据" if value is None else "—")
        kind = kinds.get(name, "number")
        sheet.values(_text(name), _value(value, kind, outcome),
                     _value(target.value if target else None, kind), _text(target.compare if target else None),
                     (outcome, look(None, outcome, align="center")))


def _volume_section(sheet: _Layout, kpis: Mapping) -> None:
    sheet.section("工单量")
    sheet.header("项目", "数量")
    for figure in VOLUME:
        sheet.values(_text(figure.name), _value(kpis[figure.key], figure.kind))
    total = kpis["tickets"]
    for title, key in BREAKDOWNS:
        sheet.skip()
        sheet.subsection(title)
        sheet.header("分类", "数量", "占比")
        for name, count in kpis[key].items():
            sheet.values(_text(name), _value(count, "count"), _value(count / total if total else None, "rate"))


def _time_section(sheet: _Layout, kpis: Mapping) -> None:
    sheet.section("响应与解决时长")
    sheet.header("环节", "平均(小时)", "中位数(小时)", "平均(工作小时)", "计入工单数")
    for name, mean, median, work, counted in TIMES:
        sheet.values(_text(name), *(_value(kpis[key], "hours") if key else _text(None) for key in (mean, median, work)),
                     _value(kpis[counted], "count"))
    if kpis.get("work_hours_skipped"):
        sheet.line(f"注：{kpis['work_hours_skipped']} 个时长跨越「节假日」未核对的年份，未计入工作小时。", NOTE)


def _sla_section(sheet: _Layout, kpis: Mapping, targets: Mapping) -> None:
    sheet.section("各环节时限达标率")
    sheet.header("环节", "达标率", "计入工单数", "目标值", "是否达标")
    for stage in STAGES:
        rate = kpis["sla_rates"][stage]
        target = targets.get(f"{stage}达标率")
        outcome = verdict(rate, target) if target else ("无数据" if rate is None else "—")
        sheet.values(_text(stage), _value(rate, "rate", outcome if target else None),
                     _value(kpis["sla_counted"][stage], "count"),
                     _value(target.value if target else None, "rate"), (outcome, look(None, outcome, align="center")))
    target = targets.get("超时率")
    overdue = kpis["overdue_rate"]
    outcome = verdict(overdue, target) if target else ("无数据" if overdue is None else "—")
    sheet.values(_text("超时率（首次响应或解决超时的工单占比）"), _value(overdue, "rate", outcome if target else None),
                 _value(kpis["overdue_assessed"], "count"), _value(target.value if target else None, "rate"),
                 (outcome, look(None, outcome, align="center")))


def _experience_section(sheet: _Layout, kpis: Mapping, targets: Mapping) -> None:
    sheet.section("客户满意度与投诉")
    sheet.header("指标", "数值", "说明")
    for figure in EXPERIENCE:
        sheet.values(_text(figure.name), _value(kpis[figure.key], figure.kind, figure_verdict(figure, kpis, targets)),
                     _text(figure.note_for(kpis)))


def _cost_section(sheet: _Layout, kpis: Mapping, targets: Mapping) -> None:
    sheet.section("服务成本")
    sheet.header("项目", "金额(元)")
    for figure in COSTS:
        sheet.values(_text(figure.name), _value(kpis[figure.key], figure.kind, figure_verdict(figure, kpis, targets)))


def _top_section(sheet: _Layout, kpis: Mapping) -> None:
    sheet.section("高频问题类型与产品型号（前5）")
    total = kpis["tickets"]
    for position, (title, key) in enumerate(TOP):
        if position:
            sheet.skip()
        sheet.subsection(title)
        sheet.header("名称", "工单数", "占比")
        for item in kpis[key]:
            sheet.values(_text(item["name"]), _value(item["count"], "count"),
                         _value(item["count"] / total if total else None, "rate"))
        if not kpis[key]:
            sheet.values(_text("（无）"), _text(None), _text(None))


def _staff_section(sheet: _Layout, kpis: Mapping, targets: Mapping) -> None:
    sheet.section("人员绩效")
    sheet.header("处理人", "部门", "工单量", "已完成", "平均解决时长(小时)", "解决达标率", "调研份数", "CSAT")
    sla_target, csat_target = targets.get("解决达标率"), targets.get("客户满意度(CSAT)")
    for person in kpis["staff"]:
        sla, csat = person["resolution_sla_rate"], person["csat_rate"]
        sheet.values(
            _text(person["name"]), _text(person["department"]), _value(person["tickets"], "count"),
            _value(person["completed"], "count"), _value(person["resolution_hours_avg"], "hours"),
            _value(sla, "rate", verdict(sla, sla_target) if sla_target and sla is not None else None),
            _value(person["surveys"], "count"),
            _value(csat, "rate", verdict(csat, csat_target) if csat_target and csat is not None else None),
        )
    if not kpis["staff"]:
        sheet.values(_text("（本月没有已分配的工单）"))


NOTES = (
    "工单按受理时间归入月份；时长为自然小时，工作小时按「工作日历」只计工作时间。",
    "各环节达标率只计入该环节已发生且有时限的工单；红色为未达标，绿色为达标（目标见「KPI目标」）。",
    "调研、满意度、NPS 按回访时间归入月份；成本为本月工单的服务过程记录合计。",
)


def monthly_summary(frames: Mapping[str, pd.DataFrame], month: str, *, now: dt.datetime, settings) -> ReportSheet:
    """The 月报_YYYY-MM sheet for ``month`` ("YYYY-MM"): volumes, times, SLA, satisfaction, costs, staff.

    ``settings`` gives the CSAT threshold, the calendar, the KPI目标 targets and 月报截止日.
    """
    first, last = month_bounds(month)
    kpis = compute_kpis(frames, first, last, now=now, csat_threshold=settings.csat_threshold,
                        calendar=settings.calendar)
    targets = settings.targets
    deadline = summary_deadline(last, int(settings.number("月报截止日", DEFAULT_DEADLINE_DAY)))
    outcome, sentence = deadline_verdict(last, deadline, now)

    sheet = _Layout()
    sheet.line(f"{first.year}年{first.month}月 售后服务月度汇总", TITLE)
    sheet.line(f"统计期间：{first:%Y-%m-%d} 至 {last:%Y-%m-%d}（按受理时间）　生成时间：{now:%Y-%m-%d %H:%M}", NOTE)
    sheet.line(sentence, replace(Look(bold=True), **VERDICT_COLOURS[outcome]))
    _targets_section(sheet, kpis, targets)
    _volume_section(sheet, kpis)
    _time_section(sheet, kpis)
    _sla_section(sheet, kpis, targets)
    _experience_section(sheet, kpis, targets)
    _cost_section(sheet, kpis, targets)
    _top_section(sheet, kpis)
    _staff_section(sheet, kpis, targets)
    sheet.skip()
    sheet.subsection("口径说明")
    for note in NOTES:
        sheet.line(note, NOTE)
    return ReportSheet(name=f"{S.MONTHLY_PREFIX}{month_name(first)}", cells=sheet.cells,
                       widths=list(COLUMN_WIDTHS), merges=sheet.merges, after=S.KPI_BOARD.name)


# ---- the step ---------------------------------------------------------------------------------------
def default_months(now: dt.datetime, deadline_day: int) -> list[str]:
    """The months 「月度汇总」 writes: last month while its deadline has not passed, and this month.

    Until the 月报截止日 the previous month's summary is still due, so it is (re)written with the
    late entries; after that it is left as delivered.
    """
    this_month = now.date().replace(day=1)
    previous = (this_month - dt.timedelta(days=1)).replace(day=1)
    months = [month_name(this_month)]
    if now.date() <= summary_deadline(this_month - dt.timedelta(days=1), deadline_day):
        months.insert(0, month_name(previous))
    return months


@step("月报", needs={"statuses"})
def summary_step(work, month: str | None = None) -> None:
    """Write the monthly summary sheet(s): ``month``, or by default this month (and last month until its deadline)."""
    settings = work.settings
    deadline_day = int(settings.number("月报截止日", DEFAULT_DEADLINE_DAY))
    months = [month] if month else default_months(work.now, deadline_day)
    frames = work_frames(work)
    existing = sorted(n for n in work.snapshot.present if S.is_monthly_sheet(n))
    for name in sorted(months):
        report = monthly_summary(frames, name, now=work.now, settings=settings)
        # Month tabs stay in calendar order after KPI看板: a new one goes after the latest earlier one.
        earlier = [n for n in existing if n < report.name]
        report.after = earlier[-1] if earlier else S.KPI_BOARD.name
        existing = sorted(set(existing) | {report.name})
        work.reports[report.name] = report
        first, last = month_bounds(name)
        outcome, _sentence = deadline_verdict(last, summary_deadline(last, deadline_day), work.now)
        work.lines.append(f"{report.name}：已生成月度汇总（{outcome}，截止 {summary_deadline(last, deadline_day):%Y-%m-%d}）")
