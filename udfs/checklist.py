"""Execution-checklist verdicts (执行检查表, seed 000) and the project sheets' statuses (seeds 000, 004).

Two layers:

- pure functions here (``threshold_verdict``, ``improvement_verdict``, ``rectification_state`` …):
  one row's values in, one value out; bad input raises ``ChecklistError`` naming the value, the
  problem and the fix. The routines (macros.project) call these, without loading xlwings.
- the Excel face in ``udfs.excel_checklist`` (``check_threshold``, ``check_improvement``,
  ``rectification_status`` …, listed in its ``__all__`` and reachable as attributes of this module):
  thin xlwings UDFs over the pure functions. Element-wise arguments may be single cells or ranges
  of one shape; a bad element shows "#错误: <message>" in its own cell only.

Results are the sheets' own words: 合格/不合格, 待整改/整改中/已逾期/待验证/验证通过, the four
quadrants, 未开始/进行中/已完成/已延期. A blank result (None) means "nothing to judge yet".

Decisions where the seeds are silent (the seed 000 standard quoted where it applies):

- Blank measured value → blank result, not "无数据": 检查结果 only allows 合格/不合格, and a blank
  cell says "not judged" without breaking the dropdown.
- Comparisons allow for floating-point noise (1e-9), so a standard met exactly passes:
  48h → 33.6h is 30% shorter, 75% → 85% is 10 points up (seed 000's own examples).
- Improvement, ``mode``:
  ``relative`` = change ÷ before (before must be > 0): "缩短≥30%", and "试点问题解决率提升≥20%" — the
  seed writes "%" here but "个百分点" for CSAT ("提升≥10个百分点"), so the pilot's 20% is relative
  (66% → 80% is +21% relative and passes; it is only +14 points).
  ``points`` = percentage points: rates given as fractions (both within 0..1, as Excel stores 75%)
  count ×100; numbers above 1 are taken as already in points (75 → 85 is 10 points).
  A relative requirement is a fraction (0.3 or "30%"); a number above 1 is refused with the fix
  rather than guessed, so requirements above 100% are not supported.
- Rectification (整改状态), for rows whose 检查结果 is 不合格 (blank otherwise), first match wins:
  整改结果验证 = 通过 → 验证通过;
  整改完成日期 set (not after today) and not yet verified → 待验证;
  past 整改期限 (today > 期限) → 已逾期 — also after a 未通过 verification;
  整改措施 written, or verification 未通过 (the work must be redone) → 整改中;
  otherwise → 待整改.
  A 整改完成日期 after today is a plan, not a completion.
- Priority quadrant: 影响度 ≥ threshold is 重要, 紧急度 ≥ threshold is 紧急; the default threshold 3
  is the midpoint of the 1–5 scale, so a moderate score counts as high and nothing of middling
  impact sinks to 不重要不紧急 (seed 000: "优先解决对客户体验影响大、当前亟需改进的问题"). Pass 4 for a
  stricter split. Scores may be fractional (an average of raters) but must lie within 1–5.
- Working days between two dates: the working days after the start date up to and including the
  end date (same day → 0), i.e. resolved within N working days ⇔ resolved on or before
  WORKDAY.INTL(start, N) — the same rule as the SLA's 工作日. End before start is an error.
- Within a limit (24 小时 for anomalies, 3 工作日 for collaboration problems): finished → 合格 when
  the elapsed time is ≤ the limit, else 不合格; unfinished → 不合格 once the limit has passed, blank
  while it has not. Hours are clock hours (SPEC §3: the seeds' "24 小时" are clock hours).
- Rollout status: 实际完成 set → 已完成 (even if late); past 计划完成 → 已延期; 实际开始 set → 进行中;
  past 计划开始 without 实际开始 → 已延期; otherwise 未开始. "Past" means today is after the date.
- Training: 最终结果 is the 二次考核成绩's verdict when there is one, else the first attempt's
  (seed 000: "考核不合格者需二次培训，直至全员达标").

Nothing here reads the clock; only the Excel face does, and only when ``now``/``today`` is omitted.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np

from udfs.calendar import BusinessCalendar
from udfs.errors import UdfError, show
from udfs.values import NotANumber, is_blank, parse_number, to_date, to_datetime

PASS, FAIL = "合格", "不合格"
VERDICTS = (PASS, FAIL)

TO_RECTIFY, RECTIFYING, OVERDUE, TO_VERIFY, VERIFIED = "待整改", "整改中", "已逾期", "待验证", "验证通过"
RECTIFICATION_STATES = (TO_RECTIFY, RECTIFYING, OVERDUE, TO_VERIFY, VERIFIED)
VERIFICATION_PASSED, VERIFICATION_FAILED = "通过", "未通过"

IMPORTANT_URGENT, IMPORTANT, URGENT, NEITHER = "重要且紧急", "重要不紧急", "紧急不重要", "不重要不紧急"
QUADRANTS = (IMPORTANT_URGENT, IMPORTANT, URGENT, NEITHER)
DEFAULT_QUADRANT_THRESHOLD = 3.0
SCORE_RANGE = (1.0, 5.0)

NOT_STARTED, IN_PROGRESS, DONE, DELAYED = "未开始", "进行中", "已完成", "已延期"
ROLLOUT_STATES = (NOT_STARTED, IN_PROGRESS, DONE, DELAYED)

DECREASE, INCREASE = "decrease", "increase"
RELATIVE, POINTS = "relative", "points"

TOLERANCE = 1e-9  # float noise: 14.4 / 48 is 0.29999999999999993, and 30% shorter must pass

_COMPARE = {"≥": "≥", ">=": "≥", "＞＝": "≥", "≤": "≤", "<=": "≤", "＜＝": "≤",
            ">": ">", "＞": ">", "<": "<", "＜": "<"}
_DIRECTIONS = {
    DECREASE: ("decrease", "down", "lower", "减少", "缩短", "降低", "下降"),
    INCREASE: ("increase", "up", "higher", "提升", "提高", "增加", "上升"),
}
_MODES = {
    RELATIVE: ("relative", "ratio", "相对", "比例", "%"),
    POINTS: ("points", "point", "pp", "百分点", "个百分点", "绝对"),
}


class ChecklistError(UdfError):
    """Bad input to a checklist or project-sheet calculation; ``str()`` is the Chinese message."""


# ============================================================================================
# Reading cell values
# ============================================================================================
def _number(value: Any, what: str) -> float | None:
    """A cell value as a float; None for a blank cell. Accepts "85%" text. Raises ChecklistError."""
    if is_blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        raise ChecklistError(value, f"{what}「{show(value)}」不是数字 — 请填写数字，如 0.85 或 85%")
    try:
        number = parse_number(value)  # "85%", "85％", "1,234" (udfs.values)
    except NotANumber:
        raise ChecklistError(value, f"{what}「{show(value)}」不是数字 — 请填写数字，如 0.85 或 85%") from None
    if not math.isfinite(number):
        raise ChecklistError(value, f"{what}「{show(value)}」不是有限的数字 — 请检查公式")
    return number


def _required_number(value: Any, what: str, example: str) -> float:
    number = _number(value, what)
    if number is None:
        raise ChecklistError(value, f"{what}为空 — 请填写{what}，例如 {example}")
    return number


def _text(value: Any) -> str | None:
    return None if is_blank(value) else str(value).strip()


def _choice(value: Any, aliases: dict[str, tuple[str, ...]], what: str, default: str) -> str:
    if is_blank(value):
        return default
    key = str(value).strip().lower()
    for canonical, names in aliases.items():
        if key in names:
            return canonical
    choices = "、".join(names[0] for names in aliases.values())
    raise ChecklistError(value, f"{what}「{show(value)}」无效 — 可用 {choices}")


def normalize_compare(compare: Any) -> str:
    """"≥", ">=", "≤", "<=", ">" or "<" (full-width too) as one of ≥ ≤ > <; blank means ≥."""
    if is_blank(compare):
        return "≥"
    key = str(compare).strip().replace(" ", "")
    if key in _COMPARE:
        return _COMPARE[key]
    raise ChecklistError(compare, f"比较方式「{show(compare)}」无效 — 可用 ≥、≤、>、<（或 >=、<=）")


def _holds(value: float, compare: str, target: float) -> bool:
    slack = TOLERANCE * max(1.0, abs(target))
    if compare == "≥":
        return value >= target - slack
    if compare == "≤":
        return value <= target + slack
    if compare == ">":
        return value > target + slack
    return value < target - slack


def _verdict(ok: bool) -> str:
    return PASS if ok else FAIL


def _result(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if text not in VERDICTS:
        raise ChecklistError(value, f"检查结果「{text}」无效 — 应为 合格 或 不合格（未判定则留空）")
    return text


def _verification(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if text not in (VERIFICATION_PASSED, VERIFICATION_FAILED):
        raise ChecklistError(value, f"整改结果验证「{text}」无效 — 应为 通过 或 未通过（未验证则留空）")
    return text


def _today(today: Any, what: str = "今天的日期 today") -> date:
    day = to_date(today, "今天")
    if day is None:
        raise ChecklistError(today, f"缺少{what} — 请传入日期，例如 TODAY()")
    return day


def _now(now: Any) -> datetime:
    moment = to_datetime(now, "当前时间")
    if moment is None:
        raise ChecklistError(now, "缺少当前时间 now — 未结束的事项需要它判断是否已超时，请传入当前时间，例如 NOW()")
    return moment


# ============================================================================================
# Pure functions
# ============================================================================================
def threshold_verdict(value: Any, target: Any, compare: Any = "≥") -> str | None:
    """合格 when ``value`` ``compare`` ``target`` holds (≥ by default), else 不合格; None for a blank value."""
    measured = _number(value, "实测值")
    goal = _required_number(target, "目标值", "0.85")
    op = normalize_compare(compare)
    if measured is None:
        return None
    return _verdict(_holds(measured, op, goal))


def improvement_of(before: Any, after: Any, direction: Any = DECREASE, mode: Any = RELATIVE) -> float | None:
    """How much ``after`` improved on ``before``: a fraction (relative) or percentage points.

    Negative when it got worse. None when either value is blank. Raises ChecklistError.
    """
    way = _choice(direction, _DIRECTIONS, "方向 direction", DECREASE)
    kind = _choice(mode, _MODES, "方式 mode", RELATIVE)
    old, new = _number(before, "优化前数值"), _number(after, "优化后数值")
    if old is None or new is None:
        return None
    change = new - old if way == INCREASE else old - new
    if kind == RELATIVE:
        if old <= 0:
            raise ChecklistError(
                before, f"优化前数值「{show(before)}」须大于 0 才能计算相对变化 — 请检查基线数据，或改用 mode=points")
        return change / old
    scale = 100.0 if 0 <= old <= 1 and 0 <= new <= 1 else 1.0
    return change * scale


def _requirement(required: Any, kind: str) -> float:
    value = _required_number(required, "要求值", "0.3（相对）或 10（百分点）")
    if value < 0:
        raise ChecklistError(required, f"要求值「{show(required)}」不能为负数 — 请填写改善幅度，如 0.3 或 10")
    if kind == RELATIVE and value > 1:
        raise ChecklistError(
            required, f"要求值「{show(required)}」大于 1 — 相对改善请写成小数或百分比，如 0.3 或 30%；"
                      f"百分点请用 mode=points")
    return value


def improvement_verdict(before: Any, after: Any, required: Any, direction: Any = DECREASE,
                        mode: Any = RELATIVE) -> str | None:
    """合格 when ``after`` improved on ``before`` by at least ``required``; None when either is blank."""
    kind = _choice(mode, _MODES, "方式 mode", RELATIVE)
    needed = _requirement(required, kind)
    gain = improvement_of(before, after, direction, kind)
    if gain is None:
        return None
    return _verdict(_holds(gain, "≥", needed))


def rectification_state(result: Any, deadline: Any, measure: Any, done_date: Any, verification: Any,
                        today: Any) -> str | None:
    """整改状态 of a checklist row: 待整改/整改中/已逾期/待验证/验证通过; None unless 检查结果 is 不合格.

    Rules (first match wins): 通过 → 验证通过; completed and not verified → 待验证; past the
    deadline → 已逾期; measure written or verification 未通过 → 整改中; else 待整改.
    """
    judged = _result(result)
    checked = _verification(verification)
    limit = to_date(deadline, "整改期限")
    finished = to_date(done_date, "整改完成日期")
    if judged != FAIL:
        return None
    day = _today(today)
    if checked == VERIFICATION_PASSED:
        return VERIFIED
    completed = finished is not None and finished <= day
    if completed and checked is None:
        return TO_VERIFY
    if limit is not None and day > limit:
        return OVERDUE
    if _text(measure) is not None or checked == VERIFICATION_FAILED:
        return RECTIFYING
    return TO_RECTIFY


def _score(value: Any, what: str) -> float | None:
    score = _number(value, what)
    low, high = SCORE_RANGE
    if score is not None and not low <= score <= high:
        raise ChecklistError(value, f"{what}「{show(value)}」超出范围 — 应为 1–5 分")
    return score


def quadrant_of(impact: Any, urgency: Any, threshold: Any = DEFAULT_QUADRANT_THRESHOLD) -> str | None:
    """The 影响度-紧急度 quadrant: 重要且紧急/重要不紧急/紧急不重要/不重要不紧急; None if a score is blank."""
    cut = _score(threshold, "分界值 threshold")
    cut = DEFAULT_QUADRANT_THRESHOLD if cut is None else cut
    high_impact, high_urgency = _score(impact, "影响度"), _score(urgency, "紧急度")
    if high_impact is None or high_urgency is None:
        return None
    important, urgent = high_impact >= cut, high_urgency >= cut
    if important and urgent:
        return IMPORTANT_URGENT
    if important:
        return IMPORTANT
    return URGENT if urgent else NEITHER


def count_working_days(start: Any, end: Any, cal: BusinessCalendar) -> int | None:
    """Working days after ``start``'s date up to and including ``end``'s (same day → 0); None if blank.

    Raises ChecklistError when end is before start, CalendarYearMissing for an uncovered year.
    """
    first, last = to_date(start, "开始日期"), to_date(end, "结束日期")
    if first is None or last is None:
        return None
    if last < first:
        raise ChecklistError(
            (start, end), f"结束日期 {last.isoformat()} 早于开始日期 {first.isoformat()} — 请检查两个日期")
    if last == first:
        return 0
    cal.check_years(first, last)
    table = cal.day_table(first, last)
    return int(table.working_before[-1] - table.working_before[1])


def _limit(limit: Any, what: str, example: str) -> float:
    value = _required_number(limit, what, example)
    if value < 0:
        raise ChecklistError(limit, f"{what}「{show(limit)}」不能为负数 — 例如 {example}")
    return value


def _within(elapsed: float, limit: float, finished: bool) -> str | None:
    if finished:
        return _verdict(_holds(elapsed, "≤", limit))
    return FAIL if not _holds(elapsed, "≤", limit) else None


def hours_between(start: Any, end: Any) -> float | None:
    """Clock hours from ``start`` to ``end``; None if either is blank. Raises if end is before start."""
    begin, finish = to_datetime(start, "开始时间"), to_datetime(end, "结束时间")
    if begin is None or finish is None:
        return None
    if finish < begin:
        raise ChecklistError(
            (start, end), f"结束时间 {show(finish)} 早于开始时间 {show(begin)} — 请检查两个时间")
    return (finish - begin).total_seconds() / 3600


def within_hours_verdict(start: Any, end: Any, limit: Any = 24, now: Any = None) -> str | None:
    """合格 when ``end`` came within ``limit`` clock hours of ``start``; 不合格 when late or overdue.

    Blank end: 不合格 once ``now`` is more than ``limit`` hours after start, else None (still in time).
    """
    hours = _limit(limit, "时限（小时）", "24")
    begin = to_datetime(start, "开始时间")
    if begin is None:
        return None
    if not is_blank(end):
        return _within(hours_between(begin, end), hours, finished=True)
    moment = _now(now)
    if moment <= begin:
        return None
    return _within((moment - begin).total_seconds() / 3600, hours, finished=False)


def within_working_days_verdict(start: Any, end: Any, limit: Any, today: Any, cal: BusinessCalendar) -> str | None:
    """合格 when ``end`` came within ``limit`` working days after ``start``; 不合格 when late or overdue.

    Blank end: 不合格 once more than ``limit`` working days have passed by ``today``, else None.
    """
    days = _limit(limit, "时限（工作日）", "3")
    first = to_date(start, "开始日期")
    if first is None:
        return None
    if not is_blank(end):
        return _within(count_working_days(first, end, cal), days, finished=True)
    day = _today(today)
    if day <= first:
        return None
    return _within(count_working_days(first, day, cal), days, finished=False)


def rollout_state(plan_start: Any, plan_end: Any, actual_start: Any, actual_end: Any, today: Any) -> str:
    """进度状态 of a rollout batch: 未开始/进行中/已完成/已延期 from its planned and actual dates."""
    planned_from, planned_to = to_date(plan_start, "计划开始"), to_date(plan_end, "计划完成")
    started, finished = to_date(actual_start, "实际开始"), to_date(actual_end, "实际完成")
    if planned_from and planned_to and planned_to < planned_from:
        raise ChecklistError((plan_start, plan_end),
                             f"计划完成 {planned_to.isoformat()} 早于计划开始 {planned_from.isoformat()} — 请核对计划日期")
    if started and finished and finished < started:
        raise ChecklistError((actual_start, actual_end),
                             f"实际完成 {finished.isoformat()} 早于实际开始 {started.isoformat()} — 请核对实际日期")
    if finished is not None:
        return DONE
    day = _today(today)
    if planned_to is not None and day > planned_to:
        return DELAYED
    if started is not None:
        return IN_PROGRESS
    if planned_from is not None and day > planned_from:
        return DELAYED
    return NOT_STARTED


def training_verdict(score: Any, pass_mark: Any, retake_score: Any = None) -> str | None:
    """合格/不合格 of a training assessment: the retake's score when there is one, else the first."""
    latest = retake_score if not is_blank(retake_score) else score
    what = "二次考核成绩" if not is_blank(retake_score) else "考核成绩"
    points = _number(latest, what)
    if points is None:
        return None
    mark = _required_number(pass_mark, "合格线", "80")
    return _verdict(_holds(points, "≥", mark))


# ---- the Excel face lives in udfs/excel_checklist.py (it imports xlwings, ≈ 0.5–1.5 s) ---------
def __getattr__(name: str):
    """``udfs.checklist.check_threshold`` etc.: the Excel functions (``excel_checklist.__all__``, their
    one list), loaded on first use."""
    if not name.startswith("_"):
        from udfs import excel_checklist

        if name in excel_checklist.__all__:
            return getattr(excel_checklist, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
