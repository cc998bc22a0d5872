"""Who an overdue stage is escalated to (超时预警 上级主管), worked out by hand from the roster.

SPEC §5 / seed 001 step 3: the owner's 上级主管 from 人员名单; when the owner has none (the
supervisor's own tickets) or the ticket has no owner yet, the 系统参数 客服经理.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from macros.deadlines import STAGES
from macros.escalate import escalation_rows
from udfs import sla

NOW = dt.datetime(2026, 11, 20, 16, 0)


def ticket(number: str, owner: str | None, hours_late: float) -> dict:
    row = {"服务工单号": number, "客户名称/姓名": "王伟", "需求类型": "维修类", "紧急程度": "一般",
           "处理人": owner, "当前状态": "处理中", "完成时间": pd.NaT}
    for stage in STAGES:
        row[f"{stage.name}时限"] = pd.NaT
        row[f"{stage.name}状态"] = None
    row["解决时限"] = pd.Timestamp(NOW) - pd.Timedelta(hours=hours_late)
    row["解决状态"] = sla.OVERDUE
    return row


def test_escalation_goes_to_the_supervisor_else_the_manager():
    tickets = pd.DataFrame([ticket("T1", "工程师A", 3), ticket("T2", "主管乙", 2), ticket("T3", None, 1)])
    roster = {"工程师A": "主管乙", "主管乙": None}  # 主管乙 is a supervisor: no 上级主管 on the roster
    rows = escalation_rows(tickets, roster, "经理甲", NOW)
    # All three breached less than a day ago: the queue puts the freshest first (#13 处理顺序).
    assert [(r["工单号"], r["上级主管"], r["超时(小时)"]) for r in rows] == [
        ("T3", "经理甲", 1.0),  # nobody assigned yet: 客服经理
        ("T2", "经理甲", 2.0),  # the supervisor's own ticket: 客服经理
        ("T1", "主管乙", 3.0),  # 工程师A's 上级主管
    ]


def test_closed_tickets_are_not_escalated():
    done = ticket("T4", "工程师A", 5) | {"当前状态": "已关闭"}
    finished = ticket("T5", "工程师A", 5) | {"完成时间": pd.Timestamp(NOW)}
    assert escalation_rows(pd.DataFrame([done, finished]), {"工程师A": "主管乙"}, "经理甲", NOW) == []
