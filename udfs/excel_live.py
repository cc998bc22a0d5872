"""Deadline formulas for whole table columns (系统参数 时限计算方式 = 公式), without per-row COM traffic.

A calculated column calls a UDF once per row. Passing the 时限标准 table and the calendar ranges
to each call would move them through COM for every row and rebuild the calendar each time. So
the work is split in two:

- ``sla_settings(policy, holidays, workdays, hours, weekend, years)`` sits in ONE cell (系统参数
  row 时限参数). Excel recalculates it only when one of those ranges changes ("once per workbook
  state"). It parses the rules and the calendar, keeps them in this process's cache under a
  digest of their content, and returns a short token: "时限参数 <digest>（…）".
- ``sla_deadline(stage, start, type, urgency, settings, policy, …)`` is the per-row function. It
  receives the token (a short text) and the row's own cells; the policy and calendar arguments
  are declared ``"range"``, so xlwings hands over the Range *objects* without reading their
  values (xlwings' call_udf reads a range argument's value unless its converter is "range").
  They are read only on a cache miss — the first row after the Python process restarted, when
  Excel did not recalculate the token cell — and the settings are then kept under the token's
  digest too, so the next rows hit the cache.

Every row formula depends on the token cell, so Excel recalculates the token before the rows,
and an edit to 时限标准 changes the digest and with it every row. Nothing here is volatile and
nothing reads the clock: a deadline depends only on its inputs. The rules and calendar are the
routines' own (udfs.policy, udfs._excel.excel_calendar): the formula's value is the value
派单/全部刷新 writes for a ticket without pauses.
"""

from __future__ import annotations

import xlwings as xw

from udfs._excel import cell_error
from udfs.live_settings import build_settings, remember, settings_for, stage_due_cells

__all__ = ["sla_settings", "sla_deadline"]

_CATEGORY = "售后服务 SLA"
_POLICY_DOC = "「时限标准」表区域，如 时限标准表[#全部]"
_YEARS_DOC = "「节假日数据年份」单元格（系统参数）；其他年份的时限计算会报错"


@xw.func(category=_CATEGORY)
@xw.arg("policy", ndim=2, doc=_POLICY_DOC)
@xw.arg("holidays", ndim=2, doc="节假日列表（不上班的日期）")
@xw.arg("workdays", ndim=2, doc="调休上班日列表（周末也上班的日期）")
@xw.arg("hours", doc="工作时间，如 09:00-18:00")
@xw.arg("weekend", doc="每周休息日，7 位 0/1，如 0000011")
@xw.arg("years", doc=_YEARS_DOC)
def sla_settings(policy, holidays=None, workdays=None, hours=None, weekend=None, years=None):
    """读入「时限标准」和工作日历（只在它们改变时重算），供整列的 SLA_DEADLINE 公式共用。

    Returns the token "时限参数 <digest>（…）" that sla_deadline takes as its ``settings``.
    """
    try:
        return remember(build_settings(policy, holidays, workdays, hours, weekend, years)).token
    except Exception as error:  # noqa: BLE001 - a cell must show a message, never a traceback
        return cell_error(error)


@xw.func(category=_CATEGORY)
@xw.arg("stage", doc="环节：登记/分配/首次响应/解决/结果反馈/客户确认/回访")
@xw.arg("start", ndim=2, doc="该环节开始计时的时间（如受理时间）")
@xw.arg("request_type", ndim=2, doc="需求类型（投诉类按其专门时限）")
@xw.arg("urgency", ndim=2, doc="紧急程度（紧急/一般/常规）")
@xw.arg("settings", doc="「时限参数」单元格（系统参数中 SLA_SETTINGS 的结果）")
@xw.arg("policy", "range", doc=_POLICY_DOC + "；只在需要时读取")
@xw.arg("holidays", "range", doc="节假日列表；只在需要时读取")
@xw.arg("workdays", "range", doc="调休上班日列表；只在需要时读取")
@xw.arg("hours", "range", doc="工作时间；只在需要时读取")
@xw.arg("weekend", "range", doc="每周休息日；只在需要时读取")
@xw.arg("years", "range", doc=_YEARS_DOC + "；只在需要时读取")
@xw.arg("start_if_blank", ndim=2, doc="开始时间为空时改用的时间（分配环节：登记时间为空则按受理时间）")
def sla_deadline(stage, start, request_type, urgency, settings, policy=None, holidays=None, workdays=None,
                 hours=None, weekend=None, years=None, start_if_blank=None):
    """按「时限标准」计算某环节的截止时间（与派单/全部刷新写入的时限相同，不含暂停顺延）。

    The per-row function of the 时限 columns in 公式 mode: the policy and calendar come from the
    cache the 时限参数 cell fills; the ranges are read only when the cache does not have them.
    """
    try:
        live = settings_for(settings, policy, holidays, workdays, hours, weekend, years)
    except Exception as error:  # noqa: BLE001
        return cell_error(error)
    return stage_due_cells(stage, live.rules, lambda: live.calendar, start, request_type, urgency,
                           start_if_blank)
