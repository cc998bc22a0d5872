"""Dispatch decided without a workbook: macros.dispatch.assign on a plain frame, rules and roster.

The decision is a pure function (tickets, 人员名单, 派单规则, now → plan), so its rules can be
checked one situation at a time without writing and re-reading an xlsx. Expected people are
worked out by hand from the rule in the module docstring: the store's dedicated owner while on
duty with room, else the least-loaded holder of the role, ties to whoever was assigned least
recently, then roster order.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from macros.dispatch import apply_assignments, assign
from macros.settings import DispatchRule, StaffMember

NOW = dt.datetime(2026, 12, 2, 9, 30)
RULES = [DispatchRule("维修类", None, (), "维修部", "维修工程师"),
         DispatchRule("投诉类", None, (), "客服部", "客服主管")]


def person(name, role="维修工程师", stores=(), on_duty=True, capacity=None, order=0):
    return StaffMember(name, "维修部", role, tuple(stores), on_duty, capacity, None, order)


def tickets(*rows):
    columns = ["服务工单号", "受理时间", "需求类型", "二级标签", "问题描述", "所属店铺/区域", "处理人", "分配时间",
               "责任部门", "重新分配", "当前状态", "首次响应时间", "完成时间"]
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], index=range(2, 2 + len(rows)))
    for c in ("受理时间", "分配时间", "首次响应时间", "完成时间"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def ticket(number, hour, store="一号店", kind="维修类", **extra):
    return {"服务工单号": number, "受理时间": dt.datetime(2026, 12, 2, hour), "需求类型": kind,
            "所属店铺/区域": store, "当前状态": "待分配", **extra}


def test_the_store_owner_first_then_the_least_loaded_in_received_order():
    staff = [person("王工", stores=["一号店"], capacity=1, order=1), person("李工", order=2), person("赵工", order=3)]
    frame = tickets(ticket("T2", 9), ticket("T1", 8), ticket("T3", 9, store="二号店"))
    plan = assign(frame, staff, RULES, NOW)
    # T1 (08:00) first: 一号店's owner 王工 (room for 1). T2: 王工 full → 李工 and 赵工 both 0
    # open, never assigned → roster order → 李工. T3 (二号店, no owner): 赵工 (0) beats 李工 (1).
    assert [(a.row, a.person, a.reason) for a in plan.assignments] == [
        (3, "王工", "专人专店"), (2, "李工", "负荷最低"), (4, "赵工", "负荷最低")]
    assert plan.problems == [] and plan.missing_roles == set()
    assert frame["处理人"].isna().all()  # deciding wrote nothing


def test_a_role_nobody_on_duty_holds_is_named_and_the_ticket_left_for_later():
    staff = [person("王工"), person("孙主管", role="客服主管", on_duty=False)]
    plan = assign(tickets(ticket("T1", 9, kind="投诉类")), staff, RULES, NOW)
    assert plan.assignments == []
    assert plan.missing_roles == {"客服主管"}
    [problem] = plan.problems
    assert (problem.row, problem.column) == (2, "处理人") and "没有在岗的「客服主管」" in problem.reason


def test_reassignment_goes_to_someone_else_and_clears_the_request():
    staff = [person("王工", order=1), person("李工", order=2)]
    frame = tickets(ticket("T1", 9, 处理人="王工", 责任部门="售后部", 重新分配="是"))
    plan = assign(frame, staff, RULES, NOW)
    [decision] = plan.assignments
    assert (decision.person, decision.department, decision.reassigned) == ("李工", "维修部", True)
    assert apply_assignments(frame, plan.assignments, NOW) == 1
    assert frame.loc[2, ["处理人", "责任部门"]].tolist() == ["李工", "维修部"]
    assert pd.isna(frame.at[2, "重新分配"])  # the request is cleared
    assert frame.at[2, "分配时间"] == pd.Timestamp(NOW)


def test_a_department_staff_typed_is_kept_on_first_assignment():
    plan = assign(tickets(ticket("T1", 9, 责任部门="上门服务组")), [person("王工")], RULES, NOW)
    assert plan.assignments[0].department is None  # None: keep what staff typed
