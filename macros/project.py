"""The optimisation project's sheets (seeds 000, 004): their computed columns, and the execution
checklist's (执行检查表) automatic verdicts and rectification statuses.

Two steps, each ``step(work)`` (macros.work): ``project_step`` fills the program columns of
痛点清单, 试点运行日志, 培训考核记录, 全面推广进度, 关键指标监控日报 and 跨部门协作问题;
``checklist_step`` fills 执行检查表: 实测值 on every row with a measurement, 检查结果 on rows whose
判定方式 is 自动 (the inspector's own verdict elsewhere is never touched), 整改状态 on 不合格 rows.
The per-row rules live in udfs.checklist (also the UDFs); this module reads frames and decides.

Measurements of the automatic rows (targets from KPI目标 where it has a row, else the seed's):

- 方案宣贯培训是否覆盖全员 — share of employees (distinct 员工姓名) whose every 最终结果 is 合格 ≥ 95%.
  最终结果 counts the retake (seed 000: "考核不合格者需二次培训，直至全员达标"); an employee listed
  without a score counts as not passed (not covered). The first-attempt rate is shown beside it.
- 试点运行是否有效 — pooled 问题解决率 (Σ已解决量 ÷ Σ工单量) of 试点中 vs 试点前基线 rows, improved
  by ≥ 20% *relative* (seed 000: "试点问题解决率提升≥20%" — "%" here, "个百分点" for CSAT).
- 全面推广是否按计划进行 — the standard's three parts plus the schedule, all required: every batch
  has 推广范围 and planned dates (范围明确); a 监控日报 row for every working day from the first
  实际开始 to yesterday, or to the last 实际完成 once every batch is done (日报完整); every anomaly's
  investigation started within 24 clock hours (异常24小时内响应); no batch currently 已延期 (a batch
  finished late is 已完成 and reported, not failed: the rollout caught up).
- 客户投诉首次响应时长 — mean (首次响应时间 − 受理时间) hours of 投诉类 tickets received in each period
  (responded ones only), shortened ≥ 30% relative.
- 一次性问题解决率 — of tickets received in the evaluation period and completed (回访类 excluded:
  a callback is not a problem to solve), the share with exactly one 服务过程记录表 row and not
  reopened (no other ticket names it in 关联工单号; SPEC §6), ≥ 85%.
- 客户满意度（CSAT） — share of surveys (回访时间 in the period) with 总体满意度 ≥ CSAT达标分数,
  up ≥ 10 percentage points.
- 是否存在跨部门协作障碍 — every resolved problem within 3 working days and no unresolved one past 3.
- 客户反馈是否失真 — for every complete calendar month overlapping the evaluation period (or the
  last complete month before today when none does): surveys with 回访时间 in the month ÷ distinct
  customers (联系方式 digits, else the name — as macros.kpi counts them) of tickets received that
  month ≥ 10%. A month still running is not judged: its surveys lag its tickets by days.

A part that has no data makes the row's 检查结果 blank, with 实测值 saying what is missing, unless
another part already fails it (then 不合格 is certain).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from macros import kpi
from macros.steps import step
from macros.work import Work
from udfs import checklist as C
from udfs.calendar import BusinessCalendar
from udfs.errors import CalendarError, UdfError, show
from workbook import Problem
from workbook import schema as S
from workbook.formulas import this_row, typed_over
from workbook.problems import ERROR, NOTICE, WARNING

PAINS, PILOT, TRAINING = S.PAIN_POINTS.name, S.PILOT_LOG.name, S.TRAINING.name
ROLLOUT, MONITOR, COLLAB = S.ROLLOUT.name, S.DAILY_MONITOR.name, S.COLLAB_ISSUES.name
CHECKLIST = S.CHECKLIST.name
INTAKE, SERVICE, SURVEY = S.INTAKE.name, S.SERVICE.name, S.SURVEY.name

AUTOMATIC = "自动"
BASELINE_PHASE, PILOT_PHASE = "试点前基线", "试点中"
COMPLAINT = "投诉类"

# Seed 000's standards. The last four are also KPI目标 rows (named in the comment): a value typed there wins.
TRAINING_PASS_RATE = 0.95  # 考核合格率≥95%
PILOT_IMPROVEMENT = 0.20  # 试点问题解决率提升≥20% (relative)
ANOMALY_RESPONSE_HOURS = 24  # 异常问题24小时内响应
COLLABORATION_WORKING_DAYS = 3  # 协作问题在3个工作日内解决
# The KPI目标 defaults (workbook.schema.TARGET_DEFAULTS), one home for the seed's numbers.
COMPLAINT_RESPONSE_CUT = S.TARGET_DEFAULTS["投诉首次响应缩短率"][0]  # 0.30
FCR_TARGET = S.TARGET_DEFAULTS["一次性问题解决率"][0]  # 0.85
CSAT_POINTS = float(S.TARGET_DEFAULTS["CSAT提升(百分点)"][0])  # 10 points
SAMPLE_RATE = S.TARGET_DEFAULTS["调研样本率"][0]  # 0.10

MISSING_OWNER = "不合格项须指定整改责任人和整改期限"


@dataclass(frozen=True)
class Measurement:
    """What an automatic checklist row measured: 实测值 text and the verdict (None: cannot judge).

    ``value`` ``compare`` ``target`` is the comparison the verdict comes from, written to 判定值 and
    目标值 so that 检查结果 can be the formula CHECK_THRESHOLD(判定值, 目标值, compare):
    threshold_verdict(value, target, compare) == verdict always (value is None when verdict is).
    """

    text: str
    verdict: str | None = None
    value: float | None = None
    target: float | None = None
    compare: str = "≥"


# ============================================================================================
# project_step: the computed columns of the project sheets
# ============================================================================================
@step("项目表")
def project_step(work: Work) -> None:
    """Fill the program columns of the project sheets (痛点清单 … 跨部门协作问题)."""
    today = work.now.date()
    done = []
    for name, fill in (
        (PAINS, lambda f: _fill_quadrants(f, work.problems)),
        (PILOT, lambda f: _fill_pilot_rates(f, work.problems)),
        (TRAINING, lambda f: _fill_training(f, work.problems)),
        (ROLLOUT, lambda f: _fill_rollout(f, today, work.problems)),
        (MONITOR, lambda f: _fill_monitor(f, work.now, work.problems)),
        (COLLAB, lambda f: _fill_collaboration(f, today, work.settings.calendar, work.problems)),
    ):
        if name not in work.snapshot:
            work.lines.append(f"项目表：工作簿中没有「{name}」表，已跳过")
            continue
        frame = work.frame(name)
        fill(frame)
        done.append(f"{name} {len(frame)} 行")
    if done:
        work.lines.append("项目表：已计算 " + "、".join(done))


def _row_values(frame: pd.DataFrame, sheet: str, header: str, decide: Callable[[dict], Any],
                problems: list[Problem], dtype: str = "object") -> pd.Series:
    """``decide(row)`` for every row; a row whose inputs are bad becomes a problem and stays blank."""
    values = []
    for row_number, row in zip(frame.index, frame.to_dict("records")):
        try:
            values.append(decide(row))
        except UdfError as error:
            problems.append(Problem(sheet, int(row_number), header, _shown(error.value), str(error), ERROR))
            values.append(None)
    series = pd.Series(values, index=frame.index, dtype=object)
    return pd.to_numeric(series, errors="coerce") if dtype == "float" else series


def _shown(value: Any) -> Any:
    """A problem's value; a (start, end) pair as "start / end"."""
    if isinstance(value, tuple):
        return " / ".join("" if v is None or v is pd.NaT else show(v) for v in value)
    return value


def pain_quadrants(pains: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """优先级象限 of each pain point from 影响度 and 紧急度 (threshold 3, see udfs.checklist)."""
    return _row_values(pains, PAINS, "优先级象限",
                       lambda r: C.quadrant_of(r["影响度"], r["紧急度"]), problems)


def _fill_quadrants(pains: pd.DataFrame, problems: list[Problem]) -> None:
    pains["优先级象限"] = pain_quadrants(pains, problems)


def pilot_resolution_rates(pilot: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """问题解决率 = 已解决量 ÷ 工单量 per day; blank when either is blank or 工单量 is 0."""

    def rate(row: dict) -> float | None:
        volume, solved = row["工单量"], row["已解决量"]
        if pd.isna(volume) or pd.isna(solved) or volume == 0:
            return None
        if solved > volume:
            raise C.ChecklistError(solved, f"已解决量 {solved:g} 大于工单量 {volume:g} — 请核对两列")
        return solved / volume

    return _row_values(pilot, PILOT, "问题解决率", rate, problems, dtype="float")


def _fill_pilot_rates(pilot: pd.DataFrame, problems: list[Problem]) -> None:
    pilot["问题解决率"] = pilot_resolution_rates(pilot, problems)


def training_results(training: pd.DataFrame, problems: list[Problem]) -> tuple[pd.Series, pd.Series]:
    """(考核结果, 最终结果) per row: 考核成绩 ≥ 合格线; the final one uses 二次考核成绩 when present."""
    first = _row_values(training, TRAINING, "考核结果",
                        lambda r: C.training_verdict(r["考核成绩"], r["合格线"]), problems)
    final = _row_values(training, TRAINING, "最终结果",
                        lambda r: C.training_verdict(r["考核成绩"], r["合格线"], r["二次考核成绩"]), [])
    return first, final


def _fill_training(training: pd.DataFrame, problems: list[Problem]) -> None:
    training["考核结果"], training["最终结果"] = training_results(training, problems)


def rollout_states(rollout: pd.DataFrame, today: dt.date, problems: list[Problem]) -> pd.Series:
    """进度状态 of each batch: 未开始/进行中/已完成/已延期 (see udfs.checklist.rollout_state)."""
    return _row_values(rollout, ROLLOUT, "进度状态", lambda r: C.rollout_state(
        r["计划开始"], r["计划完成"], r["实际开始"], r["实际完成"], today), problems)


def _fill_rollout(rollout: pd.DataFrame, today: dt.date, problems: list[Problem]) -> None:
    rollout["进度状态"] = rollout_states(rollout, today, problems)


def _is_anomaly(monitor: pd.DataFrame) -> pd.Series:
    return monitor["是否异常"] == S.YES


def anomaly_response_hours(monitor: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """响应用时(小时) = 开始排查时间 − 发现时间, on anomaly rows only, to 0.01 h."""
    hours = _row_values(monitor, MONITOR, "响应用时(小时)", lambda r: C.hours_between(
        r["发现时间"], r["开始排查时间"]) if r["是否异常"] == S.YES else None, problems, dtype="float")
    return hours.round(2)


def anomaly_response_verdicts(monitor: pd.DataFrame, now: dt.datetime, problems: list[Problem]) -> pd.Series:
    """24小时内响应 per anomaly row: 合格/不合格, blank while an open anomaly is still within 24 h."""

    def verdict(row: dict) -> str | None:
        if row["是否异常"] != S.YES:
            return None
        return C.within_hours_verdict(row["发现时间"], row["开始排查时间"], ANOMALY_RESPONSE_HOURS, now)

    return _row_values(monitor, MONITOR, "24小时内响应", verdict, problems)


def _fill_monitor(monitor: pd.DataFrame, now: dt.datetime, problems: list[Problem]) -> None:
    monitor["响应用时(小时)"] = anomaly_response_hours(monitor, problems)
    monitor["24小时内响应"] = anomaly_response_verdicts(monitor, now, [])  # same bad rows as above
    unfound = monitor.index[_is_anomaly(monitor) & monitor["发现时间"].isna()]
    for row in unfound:
        problems.append(Problem(MONITOR, int(row), "发现时间", None,
                                "异常行缺少发现时间，无法判断是否24小时内响应 — 请填写发现时间", WARNING))


def collaboration_days(collab: pd.DataFrame, calendar: BusinessCalendar, problems: list[Problem]) -> pd.Series:
    """用时(工作日): working days after 提出日期 up to and including 解决日期 (blank while unresolved)."""
    return _row_values(collab, COLLAB, "用时(工作日)", lambda r: C.count_working_days(
        r["提出日期"], r["解决日期"], calendar), problems, dtype="float")


def collaboration_verdicts(collab: pd.DataFrame, today: dt.date, calendar: BusinessCalendar,
                           problems: list[Problem]) -> pd.Series:
    """是否达标: resolved within 3 working days → 合格; late or unresolved past 3 → 不合格; else blank."""
    return _row_values(collab, COLLAB, "是否达标", lambda r: C.within_working_days_verdict(
        r["提出日期"], r["解决日期"], COLLABORATION_WORKING_DAYS, today, calendar), problems)


def _fill_collaboration(collab: pd.DataFrame, today: dt.date, calendar: BusinessCalendar,
                        problems: list[Problem]) -> None:
    found: list[Problem] = []
    collab["用时(工作日)"] = collaboration_days(collab, calendar, found)
    collab["是否达标"] = collaboration_verdicts(collab, today, calendar, found)
    problems += _unique(found)


def _unique(problems: list[Problem]) -> list[Problem]:
    """Drop repeats: two columns computed from the same bad cell report it once."""
    seen, out = set(), []
    for problem in problems:
        key = (problem.row, problem.reason)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


# ============================================================================================
# Measurements of the automatic checklist rows (pure: frames and values in, Measurement out)
# ============================================================================================
Period = tuple[dt.date, dt.date]


def _in_period(moments: pd.Series, period: Period) -> pd.Series:
    return kpi.within(moments, *period)


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _change(value: float, up: str, down: str, percent: bool = True) -> str:
    word = up if value >= 0 else down
    amount = _percent(abs(value)) if percent else f"{abs(value):.1f} 个百分点"
    return f"{word} {amount}"


def measure_training(training: pd.DataFrame) -> Measurement:
    """Share of employees whose every 最终结果 is 合格, against 95%."""
    rows = training[training["员工姓名"].notna()]
    if rows.empty:
        return Measurement("无培训考核记录")
    first, final = training_results(rows, [])
    people = rows["员工姓名"]
    passed_final = (final == C.PASS).groupby(people).all()
    passed_first = (first == C.PASS).groupby(people).all()
    unassessed = final.isna().groupby(people).all()
    total = len(passed_final)
    rate = passed_final.sum() / total
    # Which reading is judged, said in 实测值: seed 000 retrains until everyone passes, so the
    # final result (retake included) is the one compared with 95 %; the first attempt is shown.
    text = f"按最终合格率（含二次培训后补考）判定：{_percent(rate)}（{passed_final.sum()}/{total}人）"
    if unassessed.any():
        text += f"，未考核 {unassessed.sum()} 人"
    text += f"；首次合格率 {_percent(passed_first.sum() / total)}（仅供参考）"
    return Measurement(text, C.threshold_verdict(rate, TRAINING_PASS_RATE), float(rate), TRAINING_PASS_RATE)


def measure_pilot(pilot: pd.DataFrame, required: float = PILOT_IMPROVEMENT) -> Measurement:
    """Pooled 问题解决率 of 试点中 against 试点前基线, improved by ≥ 20% relative."""
    usable = pilot[(pilot["工单量"] > 0) & pilot["已解决量"].notna() & (pilot["已解决量"] <= pilot["工单量"])]
    base = usable[usable["阶段"] == BASELINE_PHASE]
    trial = usable[usable["阶段"] == PILOT_PHASE]
    if base.empty:
        return Measurement("无试点前基线数据（阶段为「试点前基线」且有工单量的行）")
    if trial.empty:
        return Measurement("无试点中数据（阶段为「试点中」且有工单量的行）")
    before = base["已解决量"].sum() / base["工单量"].sum()
    after = trial["已解决量"].sum() / trial["工单量"].sum()
    text = f"基线 {_percent(before)} → 试点 {_percent(after)}"
    if before == 0:
        return Measurement(text + "，基线为 0 无法计算相对提升")
    gain = C.improvement_of(before, after, C.INCREASE, C.RELATIVE)
    points = C.improvement_of(before, after, C.INCREASE, C.POINTS)
    # 「提升≥20%」 is a relative improvement (seed 000 says 个百分点 where it means points); 实测值
    # says so and shows the points too.
    text += f"，按相对提升判定：相对{_change(gain, '提升', '下降')}（绝对差 {points:+.1f} 个百分点，仅供参考）"
    return Measurement(text, C.improvement_verdict(before, after, required, C.INCREASE, C.RELATIVE), gain, required)


def monitoring_span(rollout: pd.DataFrame, today: dt.date) -> Period | None:
    """The days a 监控日报 is due: first 实际开始 to yesterday, or to the last 实际完成 when all are done."""
    started = rollout["实际开始"].dropna()
    if started.empty:
        return None
    first = started.min().date()
    finished = rollout["实际完成"]
    last = finished.max().date() if len(rollout) and finished.notna().all() else today - dt.timedelta(days=1)
    return (first, last) if last >= first else None


def missing_report_days(monitor: pd.DataFrame, span: Period, calendar: BusinessCalendar) -> list[dt.date]:
    """Working days of ``span`` without a 监控日报 row. Raises CalendarYearMissing."""
    first, last = span
    calendar.check_years(first, last)
    table = calendar.day_table(first, last)
    due = [first + dt.timedelta(days=int(i)) for i in table.working_days]
    reported = {d.date() for d in monitor["日期"].dropna()}
    return [d for d in due if d not in reported]


def measure_rollout(rollout: pd.DataFrame, monitor: pd.DataFrame, *, now: dt.datetime,
                    calendar: BusinessCalendar) -> Measurement:
    """Batches clear and on schedule, a daily report every working day, anomalies answered within 24 h."""
    if rollout.empty and monitor.empty:
        return Measurement("无推广进度与监控日报数据")
    today = now.date()
    parts: list[str] = []
    failed = unknown = False
    shortfalls = 0  # 判定值: batches unclear or late, days without a report, anomalies answered late

    if rollout.empty:
        parts.append("无推广批次")
        unknown = True
    else:
        states = rollout_states(rollout, today, [])
        unclear = rollout[["推广范围", "计划开始", "计划完成"]].isna().any(axis=1)
        late_done = (states == C.DONE) & (rollout["实际完成"] > rollout["计划完成"])
        counts = [f"{state}{(states == state).sum()}" for state in C.ROLLOUT_STATES if (states == state).any()]
        text = f"{len(rollout)}批：" + "、".join(counts)
        if late_done.any():
            text += f"（其中延期完成{late_done.sum()}）"
        parts.append(text)
        if unclear.any():
            parts.append(f"{unclear.sum()}批范围或计划日期未填")
        if states.isna().any():
            parts.append(f"{states.isna().sum()}批日期有误")
            unknown = True
        failed |= bool(unclear.any() or (states == C.DELAYED).any())
        shortfalls += int(unclear.sum()) + int((states == C.DELAYED).sum())

        span = monitoring_span(rollout, today)
        if span is not None:
            try:
                missing = missing_report_days(monitor, span, calendar)
                parts.append(f"日报缺{len(missing)}天" + (f"（如 {missing[0]:%m-%d}）" if missing else ""))
                failed |= bool(missing)
                shortfalls += len(missing)
            except CalendarError as error:
                parts.append(f"日报完整性无法核对：{error}")
                unknown = True

    anomalies = monitor[_is_anomaly(monitor)]
    if anomalies.empty:
        parts.append("无异常")
    else:
        verdicts = anomaly_response_verdicts(anomalies, now, [])
        unjudged = anomalies["发现时间"].isna() | (anomalies["开始排查时间"].notna() & verdicts.isna())
        late = (verdicts == C.FAIL).sum()
        text = f"异常{len(anomalies)}次，24小时内响应{(verdicts == C.PASS).sum()}次"
        if late:
            text += f"、超时{late}次"
        if unjudged.any():
            text += f"、无法判定{unjudged.sum()}次"
            unknown = True
        parts.append(text)
        failed |= bool(late)
        shortfalls += int(late)

    verdict = C.FAIL if failed else (None if unknown else C.PASS)
    return Measurement("；".join(parts), verdict, None if verdict is None else float(shortfalls), 0.0, "≤")


def _period_problem(name: str, period: Period | None) -> str | None:
    if period is None:
        return f"未设置{name}（系统参数「{name}开始」「{name}结束」）"
    if period[0] > period[1]:
        return f"{name}开始晚于结束（系统参数）— 请核对"
    return None


def _periods_problem(baseline: Period | None, evaluation: Period | None) -> str | None:
    return _period_problem("基线期", baseline) or _period_problem("评估期", evaluation)


def complaint_response_hours(tickets: pd.DataFrame, period: Period) -> pd.Series:
    """首次响应时间 − 受理时间 in hours of 投诉类 tickets received in ``period`` (responded ones),
    as the KPI看板's complaint_first_response_hours_avg counts them."""
    chosen = tickets[(tickets["需求类型"] == COMPLAINT) & _in_period(tickets["受理时间"], period)]
    return kpi.hours_between(chosen["受理时间"], chosen["首次响应时间"]).dropna()


def measure_complaint_response(tickets: pd.DataFrame, baseline: Period | None, evaluation: Period | None,
                               required: float = COMPLAINT_RESPONSE_CUT) -> Measurement:
    """Mean first response on complaints, baseline vs evaluation, shortened ≥ 30%."""
    problem = _periods_problem(baseline, evaluation)
    if problem:
        return Measurement(problem)
    before, after = complaint_response_hours(tickets, baseline), complaint_response_hours(tickets, evaluation)
    if before.empty:
        return Measurement("基线期无已响应的投诉工单")
    if after.empty:
        return Measurement("评估期无已响应的投诉工单")
    old, new = before.mean(), after.mean()
    text = f"基线 {old:.1f}h（{len(before)}单）→ 评估 {new:.1f}h（{len(after)}单）"
    if old == 0:
        return Measurement(text + "，基线为 0 无法计算缩短比例")
    gain = C.improvement_of(old, new, C.DECREASE, C.RELATIVE)
    text += "，" + _change(gain, "缩短", "延长")
    return Measurement(text, C.improvement_verdict(old, new, required, C.DECREASE, C.RELATIVE), gain, required)


def first_contact_resolution(tickets: pd.DataFrame, services: pd.DataFrame, period: Period) -> tuple[int, int]:
    """(completed tickets received in ``period``, of them resolved at first contact) — the
    KPI看板's definition (macros.kpi.one_visit_tickets: one service record, no linked 二次处理)."""
    completed, one_visit = kpi.one_visit_tickets(tickets[_in_period(tickets["受理时间"], period)], services,
                                                 linked_from=tickets)
    return int(completed.sum()), int(one_visit.sum())


def measure_first_contact_resolution(tickets: pd.DataFrame, services: pd.DataFrame, evaluation: Period | None,
                                     target: float = FCR_TARGET) -> Measurement:
    """一次性问题解决率 in the evaluation period, against 85%."""
    problem = _period_problem("评估期", evaluation)
    if problem:
        return Measurement(problem)
    total, solved = first_contact_resolution(tickets, services, evaluation)
    if total == 0:
        return Measurement("评估期无已完成工单")
    rate = solved / total
    return Measurement(f"评估期已完成 {total} 单，一次解决 {solved} 单（{_percent(rate)}）",
                       C.threshold_verdict(rate, target), rate, target)


def csat_rate(surveys: pd.DataFrame, period: Period, threshold: float) -> tuple[int, float | None]:
    """(surveys in ``period`` with a 总体满意度, share of them scoring ≥ ``threshold``)."""
    scores = surveys.loc[_in_period(surveys["回访时间"], period), "总体满意度"].dropna()
    if scores.empty:
        return 0, None
    return len(scores), float((scores >= threshold).mean())


def measure_csat(surveys: pd.DataFrame, baseline: Period | None, evaluation: Period | None, *,
                 threshold: float, required: float = CSAT_POINTS) -> Measurement:
    """CSAT of the evaluation period against the baseline's, up ≥ 10 percentage points."""
    problem = _periods_problem(baseline, evaluation)
    if problem:
        return Measurement(problem)
    before_n, before = csat_rate(surveys, baseline, threshold)
    after_n, after = csat_rate(surveys, evaluation, threshold)
    if before is None:
        return Measurement("基线期无调研数据")
    if after is None:
        return Measurement("评估期无调研数据")
    points = C.improvement_of(before, after, C.INCREASE, C.POINTS)
    text = (f"基线 {_percent(before)}（{before_n}份）→ 评估 {_percent(after)}（{after_n}份），"
            + _change(points, "提升", "下降", percent=False))
    return Measurement(text, C.improvement_verdict(before, after, required, C.INCREASE, C.POINTS), points, required)


def measure_collaboration(collab: pd.DataFrame, today: dt.date, calendar: BusinessCalendar) -> Measurement:
    """Every collaboration problem solved within 3 working days; none open past 3."""
    rows = collab[collab["提出日期"].notna()]
    if rows.empty:
        return Measurement("无跨部门协作问题记录")
    verdicts = collaboration_verdicts(rows, today, calendar, [])
    resolved = rows["解决日期"].notna()
    ok = (verdicts == C.PASS).sum()
    late = (resolved & (verdicts == C.FAIL)).sum()
    open_late = (~resolved & (verdicts == C.FAIL)).sum()
    open_in_time = (~resolved & verdicts.isna()).sum()
    unjudged = (resolved & verdicts.isna()).sum()
    parts = [f"{len(rows)}项：{COLLABORATION_WORKING_DAYS}个工作日内解决{ok}项"]
    for count, label in ((late, "超时解决"), (open_late, "未解决已超时"), (open_in_time, "未解决未超时"),
                         (unjudged, "无法判定")):
        if count:
            parts.append(f"{label}{count}项")
    if late or open_late:
        verdict = C.FAIL
    elif unjudged or not ok:
        verdict = None  # a bad row, or nothing resolved yet: too early to say
    else:
        verdict = C.PASS
    # 判定值: problems not solved within the limit (late or overdue); none allowed.
    failing = None if verdict is None else float(late + open_late)
    return Measurement("，".join(parts), verdict, failing, 0.0, "≤")


def sample_months(evaluation: Period | None, today: dt.date) -> list[pd.Period]:
    """Complete calendar months overlapping the evaluation period; else the last complete month."""
    last_complete = pd.Period(today, "M") - 1
    if evaluation is not None and evaluation[0] <= evaluation[1]:
        first = pd.Period(evaluation[0], "M")
        last = min(pd.Period(evaluation[1], "M"), last_complete)
        if first <= last:
            return list(pd.period_range(first, last, freq="M"))
    return [last_complete]


def customer_keys(tickets: pd.DataFrame) -> pd.Series:
    """Who each ticket's customer is, as the KPIs count customers (macros.kpi.customer_key)."""
    return kpi.customer_key(tickets["联系方式"], tickets["客户名称/姓名"])


def survey_sample(tickets: pd.DataFrame, surveys: pd.DataFrame, month: pd.Period) -> tuple[int, int]:
    """(surveys with 回访时间 in ``month``, distinct customers of the tickets received in it)."""
    period = (month.start_time.date(), month.end_time.date())
    customers = customer_keys(tickets[_in_period(tickets["受理时间"], period)]).dropna().nunique()
    sample = int(_in_period(surveys["回访时间"], period).sum())
    return sample, int(customers)


def measure_survey_sample(tickets: pd.DataFrame, surveys: pd.DataFrame, evaluation: Period | None,
                          today: dt.date, target: float = SAMPLE_RATE) -> Measurement:
    """Survey sample ≥ 10% of the month's customers, in every month measured."""
    results = []
    months = sample_months(evaluation, today)
    for month in months:
        sample, customers = survey_sample(tickets, surveys, month)
        if customers:
            results.append((month, sample, customers, sample / customers))
    if not results:
        # Name the months checked (complete months only: the current one is still running).
        named = "、".join(f"{m.year}年{m.month}月" for m in months)
        return Measurement(f"{named}无客户工单（按完整月份检查，本月未结束不计）")
    shown = results if len(results) <= 3 else [min(results, key=lambda r: r[3])]
    text = "；".join(f"{m.strftime('%Y-%m')} {_percent(rate)}（{s}/{c}）" for m, s, c, rate in shown)
    if len(results) > 3:
        text = f"{len(results)}个月中最低：" + text
    lowest = min(rate for *_, rate in results)  # every month must reach the target: the lowest decides
    return Measurement(text, C.threshold_verdict(lowest, target), lowest, target)


# ============================================================================================
# checklist_step: 执行检查表
# ============================================================================================
def _target(work: Work, name: str, default: float) -> float:
    """A KPI目标 value (Settings reads a percentage typed as 85 as 0.85), else the seed's default."""
    target = work.settings.targets.get(name)
    return default if target is None else target.value


def _sheets_missing(work: Work, *names: str) -> Measurement | None:
    absent = [n for n in names if n not in work.snapshot]
    return Measurement("工作簿中没有" + "、".join(f"「{n}」" for n in absent) + "表") if absent else None


@dataclass(frozen=True)
class Periods:
    """系统参数's 基线期 and 评估期, read once per run."""

    baseline: Period | None
    evaluation: Period | None

    @classmethod
    def of(cls, work: Work) -> "Periods":
        return cls(work.settings.period("基线期"), work.settings.period("评估期"))


def _training_row(work: Work, periods: Periods) -> Measurement:
    return _sheets_missing(work, TRAINING) or measure_training(work.view(TRAINING))


def _pilot_row(work: Work, periods: Periods) -> Measurement:
    return _sheets_missing(work, PILOT) or measure_pilot(work.view(PILOT))


def _rollout_row(work: Work, periods: Periods) -> Measurement:
    return _sheets_missing(work, ROLLOUT, MONITOR) or measure_rollout(
        work.view(ROLLOUT), work.view(MONITOR), now=work.now, calendar=work.settings.calendar)


def _complaint_row(work: Work, periods: Periods) -> Measurement:
    return _sheets_missing(work, INTAKE) or measure_complaint_response(
        work.view(INTAKE), periods.baseline, periods.evaluation,
        _target(work, "投诉首次响应缩短率", COMPLAINT_RESPONSE_CUT))


def _fcr_row(work: Work, periods: Periods) -> Measurement:
    return _sheets_missing(work, INTAKE, SERVICE) or measure_first_contact_resolution(
        work.view(INTAKE), work.view(SERVICE), periods.evaluation, _target(work, "一次性问题解决率", FCR_TARGET))


def _csat_row(work: Work, periods: Periods) -> Measurement:
    return _sheets_missing(work, SURVEY) or measure_csat(
        work.view(SURVEY), periods.baseline, periods.evaluation,
        threshold=work.settings.csat_threshold, required=_target(work, "CSAT提升(百分点)", CSAT_POINTS))


def _collaboration_row(work: Work, periods: Periods) -> Measurement:
    return _sheets_missing(work, COLLAB) or measure_collaboration(
        work.view(COLLAB), work.now.date(), work.settings.calendar)


def _sample_row(work: Work, periods: Periods) -> Measurement:
    return _sheets_missing(work, INTAKE, SURVEY) or measure_survey_sample(
        work.view(INTAKE), work.view(SURVEY), periods.evaluation, work.now.date(),
        _target(work, "调研样本率", SAMPLE_RATE))


def item_key(text: Any) -> str:
    """A 检查项 as a lookup key: spaces dropped, full-width brackets made half-width."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return re.sub(r"\s+", "", str(text)).replace("（", "(").replace("）", ")")


# 检查项 (seed 000's words, as in schema.CHECKLIST_ROWS) → how the row is measured.
MEASURES: dict[str, Callable[[Work, Periods], Measurement]] = {
    item_key("方案宣贯培训是否覆盖全员"): _training_row,
    item_key("试点运行是否有效"): _pilot_row,
    item_key("全面推广是否按计划进行"): _rollout_row,
    item_key("客户投诉首次响应时长"): _complaint_row,
    item_key("一次性问题解决率"): _fcr_row,
    item_key("客户满意度（CSAT）"): _csat_row,
    item_key("是否存在跨部门协作障碍"): _collaboration_row,
    item_key("客户反馈是否失真"): _sample_row,
}


@step("执行检查表")
def checklist_step(work: Work) -> None:
    """Fill 执行检查表: 实测值, 检查结果 of the automatic rows, and 整改状态 of the 不合格 rows."""
    if CHECKLIST not in work.snapshot:
        work.lines.append(f"执行检查表：工作簿中没有「{CHECKLIST}」表，已跳过")
        return
    checks = work.frame(CHECKLIST)
    data = work.snapshot[CHECKLIST]
    # The formulas read 判定值, 目标值 and 状态日期; a workbook made before those columns keeps
    # plain values (it reads and refreshes as before).
    live = all(h in data.columns for h in LIVE_COLUMNS) and work.formulas_wanted()
    typed = {h: typed_over(data, h) for h in ("检查结果", "整改状态")} if live else {}
    periods = Periods.of(work)
    measured: dict[str, Measurement] = {}
    verdicts: list[str | None] = []
    verdict_formulas: dict[int, str] = {}
    by_hand = 0  # 自动 rows whose 检查结果 staff typed (kept) or the data changed (said)
    for row, item, mode in zip(checks.index, checks["检查项"], checks["判定方式"]):
        key = item_key(item)
        measure = MEASURES.get(key)
        if measure is not None and key not in measured:
            measured[key] = measure(work, periods)
        measurement = measured.get(key)
        checks.at[row, "实测值"] = measurement.text if measurement else None
        if live:
            checks.at[row, "判定值"] = measurement.value if measurement else None
            checks.at[row, "目标值"] = measurement.target if measurement else None
        if mode != AUTOMATIC:
            continue
        if measurement is None:
            work.problems.append(Problem(CHECKLIST, int(row), "判定方式", item,
                                         "判定方式为「自动」，但该检查项没有自动判定规则 — 请改为「人工」由检查人判定",
                                         WARNING))
            continue
        found = checks.at[row, "检查结果"]
        if live and int(row) in typed["检查结果"]:
            work.problems.append(_typed_over_notice(row, "检查结果", found, measurement.verdict))
            verdicts.append(found)
            by_hand += 1
            continue
        ours = int(row) in data.program_formulas.get("检查结果", {})
        if not ours and found is not None and not pd.isna(found) and found != measurement.verdict:
            # A value that is not the program's formula: typed by hand before the first refresh,
            # or (a workbook without the live formulas) yesterday's verdict — the two cannot be
            # told apart, so the change is said, never made silently.
            work.problems.append(Problem(
                CHECKLIST, int(row), "检查结果", found,
                f"判定方式为「自动」：原为「{found}」，按数据判定为「{measurement.verdict or '无数据'}」，已更新"
                f"（实测：{measurement.text}）— 如需由检查人判定，请把判定方式改为「人工」", WARNING))
            by_hand += 1
        checks.at[row, "检查结果"] = measurement.verdict
        if live:
            verdict_formulas[int(row)] = verdict_formula(measurement.compare)
        verdicts.append(measurement.verdict)
    today = work.now.date()
    if live:
        checks["状态日期"] = pd.Timestamp(today)
    states = rectification_states(checks, today, work.problems)
    for row in typed.get("整改状态", ()):
        work.problems.append(_typed_over_notice(row, "整改状态", checks.at[row, "整改状态"]))
        states[row] = checks.at[row, "整改状态"]
    checks["整改状态"] = states
    if live:
        # Live in Windows Excel: the verdicts and statuses are UDF formulas over the cells above,
        # written with the values just computed (what every other program shows).
        work.decide_formulas(CHECKLIST, "检查结果", verdict_formulas)
        work.decide_formulas(CHECKLIST, "整改状态", {int(row): STATUS_FORMULA for row in checks.index
                                                 if int(row) not in typed["整改状态"]})
    else:  # formulas not wanted (公式单元格 不使用, macOS): any program formula becomes its value
        work.decide_formulas(CHECKLIST, "检查结果", {})
        work.decide_formulas(CHECKLIST, "整改状态", {})
    work.problems += unassigned_failures(checks)
    line = _checklist_line(verdicts, states)
    if by_hand:
        line += f"；{by_hand} 项自动判定行的检查结果为手工填写或已改变（见「数据问题」）"
    work.lines.append(line)


LIVE_COLUMNS = ("判定值", "目标值", "状态日期")


def _typed_over_notice(row, header: str, value, computed=None) -> Problem:
    differs = (f"（按数据判定为「{computed or '无数据'}」）"
               if header == "检查结果" and computed != value else "")
    return Problem(CHECKLIST, int(row), header, value,
                   f"此格原为程序公式，现为手工填写的「{value}」{differs}，程序不覆盖 — "
                   "如需恢复自动计算，请清空该单元格后点「全部刷新」", NOTICE)


def _here(header: str) -> str:
    return this_row(S.CHECKLIST.table, header)


# The blank results come from a native IF, not from the UDF: a program that recalculates a
# formula whose stored result is empty text (LibreOffice does, on open) then shows a blank, not
# #NAME?, and the UDF is not called for rows with nothing to judge.
def verdict_formula(compare: str) -> str:
    """检查结果 of an automatic row: CHECK_THRESHOLD(判定值, 目标值, compare); blank without 判定值."""
    value = _here("判定值")
    return f'IF({value}="","",CHECK_THRESHOLD({value},{_here("目标值")},"{compare}"))'


# 整改状态 of every row, as of 状态日期 (stamped by the routine: no volatile TODAY()); blank
# unless 检查结果 is 不合格 (udfs.checklist.rectification_state).
STATUS_FORMULA = (f'IF({_here("检查结果")}<>"{C.FAIL}","",RECTIFICATION_STATUS(' + ",".join(_here(h) for h in (
    "检查结果", "整改期限", "整改措施", "整改完成日期", "整改结果验证", "状态日期")) + "))")


def rectification_states(checks: pd.DataFrame, today: dt.date, problems: list[Problem]) -> pd.Series:
    """整改状态 of every row (blank unless 检查结果 is 不合格)."""
    return _row_values(checks, CHECKLIST, "整改状态", lambda r: C.rectification_state(
        r["检查结果"], r["整改期限"], r["整改措施"], r["整改完成日期"], r["整改结果验证"], today), problems)


def unassigned_failures(checks: pd.DataFrame) -> list[Problem]:
    """A 警告 for each 不合格 row without 整改责任人 or 整改期限."""
    out = []
    failing = checks[checks["检查结果"] == C.FAIL]
    for row, item, owner, deadline in zip(failing.index, failing["检查项"], failing["整改责任人"],
                                          failing["整改期限"]):
        missing = [h for h, v in (("整改责任人", owner), ("整改期限", deadline)) if v is None or pd.isna(v)]
        if missing:
            out.append(Problem(CHECKLIST, int(row), "/".join(missing), item,
                               f"{MISSING_OWNER} — 请填写{'和'.join(missing)}", WARNING))
    return out


def _checklist_line(verdicts: list[str | None], states: pd.Series) -> str:
    passed, failed = verdicts.count(C.PASS), verdicts.count(C.FAIL)
    unjudged = len(verdicts) - passed - failed
    line = f"执行检查表：自动判定 {len(verdicts)} 项（合格 {passed}，不合格 {failed}"
    line += f"，无数据 {unjudged}）" if unjudged else "）"
    counts = states.dropna().value_counts()
    if len(counts):
        line += "；整改：" + "、".join(f"{s} {counts[s]}" for s in C.RECTIFICATION_STATES if s in counts)
    return line
