"""The Excel face of udfs.checklist: thin xlwings UDFs over its pure functions (see there).

Kept apart so that the routines (macros.project) import the checklist rules without xlwings;
``udfs.checklist.check_threshold`` and the other names still resolve here, on first use.
"""

from __future__ import annotations

import xlwings as xw

from udfs._excel import Cells, compute_cells, excel_calendar, excel_now
from udfs._excel import cellwise as _cellwise
from udfs._excel import each as _each
from udfs.checklist import (
    count_working_days, improvement_of, improvement_verdict, quadrant_of, rectification_state, rollout_state,
    threshold_verdict, training_verdict, within_hours_verdict, within_working_days_verdict,
)

__all__ = [
    "check_threshold",
    "improvement",
    "check_improvement",
    "rectification_status",
    "priority_quadrant",
    "working_days_between",
    "check_within_hours",
    "check_within_working_days",
    "rollout_status",
    "training_result",
]

# ============================================================================================
# The Excel face
# ============================================================================================
_CATEGORY = "售后服务 检查表"
_HOLIDAYS_DOC = "节假日（不上班的日期）区域，如 节假日列表；与「调休上班日」都省略时使用国家法定节假日及调休"
_WORKDAYS_DOC = "调休上班日（周末也上班的日期）区域，如 调休上班日列表；与「节假日」都省略时使用国家法定安排"
_WEEKEND_DOC = "周末：7 位 0/1 文字，周一在前，1 为休息，如 \"0000011\"（省略即周六、周日休息）"


@xw.func(category=_CATEGORY)
@xw.arg("value", ndim=2, doc="实测值，如 0.87 或 87%；可选一整列；空白则结果为空")
@xw.arg("target", ndim=2, doc="目标值，如 0.85")
@xw.arg("compare", ndim=2, doc="比较方式：≥（默认）、≤、>、<，也可写 >= 或 <=")
def check_threshold(value, target, compare="≥"):
    """判断实测值是否达到目标值：合格/不合格（实测值为空则留空）。"""
    return _each({"value": value, "target": target, "compare": compare}, threshold_verdict)


@xw.func(category=_CATEGORY)
@xw.arg("before", ndim=2, doc="优化前（基线期）数值，如 48（小时）或 75%")
@xw.arg("after", ndim=2, doc="优化后（评估期）数值，如 33.6 或 85%")
@xw.arg("direction", ndim=2, doc="改善方向：decrease/缩短（越小越好，默认）或 increase/提升（越大越好）")
@xw.arg("mode", ndim=2, doc="relative/相对（变化÷优化前，默认）或 points/百分点（两数之差；0–1 的比率按 ×100 计）")
def improvement(before, after, direction="decrease", mode="relative"):
    """计算优化后较优化前的改善幅度：相对比例（如 0.3 即 30%）或百分点；变差为负数。"""
    return _each({"before": before, "after": after, "direction": direction, "mode": mode}, improvement_of)


@xw.func(category=_CATEGORY)
@xw.arg("before", ndim=2, doc="优化前（基线期）数值，如 48（小时）或 75%")
@xw.arg("after", ndim=2, doc="优化后（评估期）数值，如 33.6 或 85%")
@xw.arg("required", ndim=2, doc="要求的改善幅度：相对方式写 0.3 或 30%；百分点方式写 10")
@xw.arg("direction", ndim=2, doc="改善方向：decrease/缩短（越小越好，默认）或 increase/提升（越大越好）")
@xw.arg("mode", ndim=2, doc="relative/相对（变化÷优化前，默认）或 points/百分点（两数之差；0–1 的比率按 ×100 计）")
def check_improvement(before, after, required, direction="decrease", mode="relative"):
    """判断优化后较优化前是否改善达标（如缩短≥30%、提升≥10个百分点）：合格/不合格。"""
    arguments = {"before": before, "after": after, "required": required, "direction": direction, "mode": mode}
    return _each(arguments, improvement_verdict)


@xw.func(category=_CATEGORY)
@xw.arg("result", ndim=2, doc="检查结果：合格/不合格；只有不合格的行才有整改状态")
@xw.arg("deadline", ndim=2, doc="整改期限（日期）")
@xw.arg("measure", ndim=2, doc="整改措施；填写后视为整改中")
@xw.arg("done_date", ndim=2, doc="整改完成日期；填写后待验证")
@xw.arg("verification", ndim=2, doc="整改结果验证：通过/未通过；未验证留空")
@xw.arg("today", ndim=2, doc="今天的日期；省略则取电脑当前日期（按 F9 重算刷新）")
def rectification_status(result, deadline, measure, done_date, verification, today=None):
    """计算整改状态：待整改/整改中/已逾期/待验证/验证通过（检查结果不是不合格则留空）。

    通过 → 验证通过; completed, not verified → 待验证; past the deadline → 已逾期;
    measure written or 未通过 → 整改中; else 待整改.
    """
    if today is None:
        today = excel_now()
    arguments = {"result": result, "deadline": deadline, "measure": measure, "done_date": done_date,
                 "verification": verification, "today": today}
    return _each(arguments, rectification_state)


@xw.func(category=_CATEGORY)
@xw.arg("impact", ndim=2, doc="影响度（1–5 分）；可选一整列")
@xw.arg("urgency", ndim=2, doc="紧急度（1–5 分）")
@xw.arg("threshold", ndim=2, doc="分界值：分数≥此值为「重要」或「紧急」；省略为 3")
def priority_quadrant(impact, urgency, threshold=3):
    """按影响度-紧急度矩阵判断优先级象限：重要且紧急/重要不紧急/紧急不重要/不重要不紧急。"""
    return _each({"impact": impact, "urgency": urgency, "threshold": threshold}, quadrant_of)


@xw.func(category=_CATEGORY)
@xw.arg("start", ndim=2, doc="开始日期（如提出日期）；可选一整列；当天不计")
@xw.arg("end_date", ndim=2, doc="结束日期（如解决日期）；当天计入")
@xw.arg("holidays", doc=_HOLIDAYS_DOC)
@xw.arg("workdays", doc=_WORKDAYS_DOC)
@xw.arg("weekend", doc=_WEEKEND_DOC)
def working_days_between(start, end_date, holidays=None, workdays=None, weekend=None):
    """计算开始日期之后到结束日期（含）之间的工作日数；同一天为 0。"""

    def compute(grid: Cells):
        cal = excel_calendar(holidays, workdays, None, weekend)
        return _cellwise(grid, lambda start, end: count_working_days(start, end, cal))

    return compute_cells({"start": start, "end": end_date}, compute)


@xw.func(category=_CATEGORY)
@xw.arg("start", ndim=2, doc="开始时间（如异常发现时间）；可选一整列")
@xw.arg("end_time", ndim=2, doc="结束时间（如开始排查时间）；未结束留空")
@xw.arg("limit", ndim=2, doc="时限小时数；省略为 24")
@xw.arg("now", ndim=2, doc="当前时间，用于判断未结束的事项是否已超时；省略则取电脑当前时间")
def check_within_hours(start, end_time, limit=24, now=None):
    """判断是否在时限小时数内完成（如异常24小时内响应）：合格/不合格；未结束且未超时留空。"""
    if now is None:
        now = excel_now()
    return _each({"start": start, "end": end_time, "limit": limit, "now": now}, within_hours_verdict)


@xw.func(category=_CATEGORY)
@xw.arg("start", ndim=2, doc="开始日期（如提出日期）；可选一整列")
@xw.arg("end_date", ndim=2, doc="结束日期（如解决日期）；未解决留空")
@xw.arg("limit", ndim=2, doc="时限工作日数；省略为 3")
@xw.arg("today", ndim=2, doc="今天的日期，用于判断未解决的事项是否已超时；省略则取电脑当前日期")
@xw.arg("holidays", doc=_HOLIDAYS_DOC)
@xw.arg("workdays", doc=_WORKDAYS_DOC)
@xw.arg("weekend", doc=_WEEKEND_DOC)
def check_within_working_days(start, end_date, limit=3, today=None, holidays=None, workdays=None, weekend=None):
    """判断是否在时限工作日内解决（如协作问题3个工作日内解决）：合格/不合格；未解决且未超时留空。"""
    if today is None:
        today = excel_now()

    def compute(grid: Cells):
        cal = excel_calendar(holidays, workdays, None, weekend)
        return _cellwise(grid, lambda start, end, limit, today: within_working_days_verdict(
            start, end, limit, today, cal))

    return compute_cells({"start": start, "end": end_date, "limit": limit, "today": today}, compute)


@xw.func(category=_CATEGORY)
@xw.arg("plan_start", ndim=2, doc="计划开始日期；可选一整列")
@xw.arg("plan_end", ndim=2, doc="计划完成日期")
@xw.arg("actual_start", ndim=2, doc="实际开始日期；未开始留空")
@xw.arg("actual_end", ndim=2, doc="实际完成日期；未完成留空")
@xw.arg("today", ndim=2, doc="今天的日期；省略则取电脑当前日期")
def rollout_status(plan_start, plan_end, actual_start, actual_end, today=None):
    """计算推广批次的进度状态：未开始/进行中/已完成/已延期。"""
    if today is None:
        today = excel_now()
    arguments = {"plan_start": plan_start, "plan_end": plan_end, "actual_start": actual_start,
                 "actual_end": actual_end, "today": today}
    return _each(arguments, rollout_state)


@xw.func(category=_CATEGORY)
@xw.arg("score", ndim=2, doc="考核成绩；可选一整列")
@xw.arg("pass_mark", ndim=2, doc="合格线，如 80")
@xw.arg("retake_score", ndim=2, doc="二次考核成绩；有则以它为准，没有留空")
def training_result(score, pass_mark, retake_score=None):
    """判断培训考核结果：合格/不合格（有二次考核成绩时以二次成绩为准）。"""
    return _each({"score": score, "pass_mark": pass_mark, "retake_score": retake_score}, training_verdict)
