"""The Excel face of the SLA calculations: thin xlwings wrappers over udfs.sla.

Each function also works as plain Python (off Windows the xlwings decorators do nothing). Bad
input never raises: the cell shows "#错误: <message>". A range of starts gives a range of results
of the same shape, and a bad element only spoils its own cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xlwings as xw

from udfs import policy as sla_policy
from udfs import sla
from udfs._excel import Cells, cell_error, compute_cells, excel_calendar, excel_now
from udfs.errors import BatchError, UdfError
from udfs.live_settings import stage_due_cells
from udfs.values import flatten

__all__ = ["sla_due", "sla_status", "working_hours_between", "sla_due_paused", "sla_stage_due"]

_CATEGORY = "售后服务 SLA"
_HOLIDAYS_DOC = "节假日（不上班的日期）区域，空格忽略；与「调休上班日」都省略时使用国家法定节假日及调休"
_WORKDAYS_DOC = "调休上班日（周末也上班的日期）区域；与「节假日」都省略时使用国家法定安排"
_HOURS_DOC = "工作时间文字，如 09:00-18:00 或 09:00-12:00,13:00-18:00；省略为 09:00-18:00"
_WEEKEND_DOC = "周末：7 位 0/1 文字，周一在前，1 为休息，如 \"0000011\"（省略即周六、周日休息）"
_YEARS_DOC = "节假日区域已核对的年份，如 节假日数据年份（2026,2027）；省略则按区域中出现的年份。其他年份报错"


def _values_and_errors(call: Any) -> tuple[np.ndarray, dict[int, UdfError]]:
    try:
        return call(), {}
    except BatchError as failed:
        return failed.partial, failed.errors


@xw.func(category=_CATEGORY)
@xw.arg("start", ndim=2, doc="开始计时的时间（如受理时间）；可选一整列")
@xw.arg("amount", ndim=2, doc="时限数量，如 3；可为单个值或与开始时间同样大小的区域")
@xw.arg("unit", ndim=2, doc="单位：分钟/小时/工作小时/工作日/自然日/月")
@xw.arg("holidays", doc=_HOLIDAYS_DOC)
@xw.arg("workdays", doc=_WORKDAYS_DOC)
@xw.arg("hours", doc=_HOURS_DOC)
@xw.arg("weekend", doc=_WEEKEND_DOC)
@xw.arg("years", doc=_YEARS_DOC)
def sla_due(start, amount, unit, holidays=None, workdays=None, hours=None, weekend=None, years=None):
    """计算 SLA 截止时间：开始时间加上时限（工作小时/工作日按工作时间和节假日计算）。

    工作日: the date of WORKDAY.INTL(start, amount, weekend, holidays) with make-up days working,
    at the end of that day's working hours. Blank start → blank cell.
    """

    def compute(grid: Cells):
        cal = excel_calendar(holidays, workdays, hours, weekend, years)
        columns = grid.columns
        return _values_and_errors(lambda: sla.due_many(columns["start"], columns["amount"], columns["unit"], cal))

    return compute_cells({"start": start, "amount": amount, "unit": unit}, compute)


@xw.func(category=_CATEGORY)
@xw.arg("due", ndim=2, doc="截止时间（如 sla_due 的结果）；可选一整列")
@xw.arg("done", ndim=2, doc="完成时间；未完成留空")
@xw.arg("now", ndim=2, doc="当前时间；省略则取电脑当前时间（按 F9 重算刷新）")
@xw.arg("start", ndim=2, doc="开始计时的时间；为空表示计时尚未开始 → 未开始")
@xw.arg("warning", ndim=2, doc="预警比例：已用时间达到该比例即「即将超时」，如 0.8；省略为 0.8")
def sla_status(due, done=None, now=None, start=None, warning=0.8):
    """判断时限状态：未开始/进行中/即将超时/已超时/按时完成/超时完成。

    未开始 when due or start is blank; 即将超时 when now >= start + warning × (due − start).
    """
    if now is None:
        now = excel_now()

    def compute(grid: Cells):
        c = grid.columns
        return _values_and_errors(lambda: sla.status_many(c["due"], c["done"], c["now"], c["start"], c["warning"]))

    arguments = {"due": due, "done": done, "now": now, "start": start, "warning": warning}
    return compute_cells(arguments, compute)


@xw.func(category=_CATEGORY)
@xw.arg("start", ndim=2, doc="开始时间；可选一整列")
@xw.arg("end_time", ndim=2, doc="结束时间（如首次响应时间）")
@xw.arg("holidays", doc=_HOLIDAYS_DOC)
@xw.arg("workdays", doc=_WORKDAYS_DOC)
@xw.arg("hours", doc=_HOURS_DOC)
@xw.arg("weekend", doc=_WEEKEND_DOC)
@xw.arg("years", doc=_YEARS_DOC)
def working_hours_between(start, end_time, holidays=None, workdays=None, hours=None, weekend=None, years=None):
    """计算两个时间之间的工作小时数（只计工作日的工作时段；结束不晚于开始时为 0）。

    The second argument is ``end_time``, not ``end``: End is a reserved word in VBA, where xlwings
    writes a wrapper with the same parameter names.
    """

    def compute(grid: Cells):
        cal = excel_calendar(holidays, workdays, hours, weekend, years)
        c = grid.columns
        return _values_and_errors(lambda: sla.working_hours_between_many(c["start"], c["end"], cal))

    return compute_cells({"start": start, "end": end_time}, compute)


@xw.func(category=_CATEGORY)
@xw.arg("start", doc="开始计时的时间（单个单元格）")
@xw.arg("amount", doc="时限数量")
@xw.arg("unit", doc="单位：分钟/小时/工作小时/工作日/自然日/月")
@xw.arg("pause_starts", doc="该工单各次暂停的开始时间区域")
@xw.arg("pause_ends", doc="对应的暂停结束时间区域；仍在暂停则留空（计到当前时间）")
@xw.arg("now", doc="当前时间；省略则取电脑当前时间")
@xw.arg("holidays", doc=_HOLIDAYS_DOC)
@xw.arg("workdays", doc=_WORKDAYS_DOC)
@xw.arg("hours", doc=_HOURS_DOC)
@xw.arg("weekend", doc=_WEEKEND_DOC)
@xw.arg("years", doc=_YEARS_DOC)
def sla_due_paused(
    start, amount, unit, pause_starts=None, pause_ends=None, now=None,
    holidays=None, workdays=None, hours=None, weekend=None, years=None,
):
    """计算扣除暂停时间后的 SLA 截止时间（暂停期间不消耗时限，按工作时间顺延）。

    One ticket per call. Pauses before the start or beginning after the (extended) deadline do not count.
    """
    try:
        cal = excel_calendar(holidays, workdays, hours, weekend, years)
        begins, ends = flatten(pause_starts), flatten(pause_ends)
        longest = max(len(begins), len(ends))
        begins += [None] * (longest - len(begins))
        ends += [None] * (longest - len(ends))
        deadline = sla.due(start, amount, unit, cal)
        if deadline is None:
            return None
        moment = excel_now() if now is None else now
        return sla.extend_for_pauses(deadline, list(zip(begins, ends)), unit, cal, moment, start=start)
    except Exception as error:  # noqa: BLE001 - a cell must show a message, never a traceback
        return cell_error(error)


@xw.func(category=_CATEGORY)
@xw.arg("stage", doc="环节：登记/分配/首次响应/解决/结果反馈/客户确认/回访")
@xw.arg("start", ndim=2, doc="该环节开始计时的时间（如受理时间）；可选一整列")
@xw.arg("request_type", ndim=2, doc="需求类型（维修类/咨询类/投诉类/回访类）；投诉类按其专门时限")
@xw.arg("urgency", ndim=2, doc="紧急程度（紧急/一般/常规）")
@xw.arg("policy", ndim=2, doc="「时限标准」表区域，如 时限标准表[#全部]")
@xw.arg("holidays", doc=_HOLIDAYS_DOC)
@xw.arg("workdays", doc=_WORKDAYS_DOC)
@xw.arg("hours", doc=_HOURS_DOC)
@xw.arg("weekend", doc=_WEEKEND_DOC)
@xw.arg("years", doc=_YEARS_DOC)
def sla_stage_due(stage, start, request_type, urgency, policy, holidays=None, workdays=None, hours=None,
                  weekend=None, years=None):
    """按「时限标准」计算某环节的截止时间（需求类型与紧急程度均有规定时取更早者，否则用「全部」）。

    The same rule the routines use for the 时限 columns, without pauses (暂停 extends those in
    the routines). A ticket with no rule at this stage gets a blank cell.
    """
    try:
        rules = sla_policy.rules_from_rows(policy or [])
    except UdfError as error:
        return cell_error(error)
    return stage_due_cells(stage, rules, lambda: excel_calendar(holidays, workdays, hours, weekend, years),
                           start, request_type, urgency)
