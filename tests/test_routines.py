"""Deadlines, statuses, escalation and callbacks on a hand-built workbook.

Expected deadlines are worked out by hand from SPEC §3 and the 2026 calendar published by the
State Council (国办发明电〔2025〕7号): 10-01..10-07 off with Saturday 10-10 working; 02-15..02-23 off
with Saturday 02-14 working; working hours 09:00–18:00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from macros import refresh
from tests.bookmaker import make_book
from workbook import read_file

NOW = dt.datetime(2026, 11, 20, 16, 0)  # a Friday
INTAKE = "客户服务信息登记表"
D = dt.datetime


def ticket(**values):
    base = {"登记时间": None, "客户名称/姓名": "客户", "联系方式": "13812345678", "购买产品型号": "JS-200",
            "问题描述": "运行时有异响", "处理人": "工程师A", "责任部门": "维修部",
            "分配时间": None, "当前状态": "处理中"}
    row = {**base, **values}
    row["分配时间"] = row["分配时间"] or row["受理时间"] + dt.timedelta(minutes=20)
    row["登记时间"] = row["登记时间"] or row["受理时间"] + dt.timedelta(minutes=5)
    return row


@pytest.fixture
def book(tmp_path):
    tickets = [
        # T1 (row 2): a repair received Wednesday 10:00, finished Thursday 16:00.
        ticket(服务工单号="T1", 受理时间=D(2026, 11, 18, 10), 需求类型="维修类", 紧急程度="一般",
               首次响应时间=D(2026, 11, 18, 11), 完成时间=D(2026, 11, 19, 16), 当前状态="已完成",
               购买日期=dt.date(2026, 11, 1)),
        # T2 (row 3): an urgent complaint on the eve of National Day, never answered.
        ticket(服务工单号="T2", 受理时间=D(2026, 9, 30, 15), 需求类型="投诉类", 紧急程度="紧急", 处理人="主管乙",
               责任部门="客服部"),
        # T3 (row 4): a routine question on the Friday before Spring Festival, 17:00.
        ticket(服务工单号="T3", 受理时间=D(2026, 2, 13, 17), 需求类型="咨询类", 紧急程度="常规", 处理人="专员E",
               责任部门="咨询部"),
        # T4 (row 5): a repair paused while waiting for parts.
        ticket(服务工单号="T4", 受理时间=D(2026, 11, 16, 9), 需求类型="维修类", 紧急程度="一般",
               首次响应时间=D(2026, 11, 16, 15)),
        # T5 (row 6): a complaint finished ten days ago.
        ticket(服务工单号="T5", 受理时间=D(2026, 11, 9, 9), 需求类型="投诉类", 紧急程度="一般", 处理人="主管乙",
               首次响应时间=D(2026, 11, 9, 10), 完成时间=D(2026, 11, 10, 10), 当前状态="已完成",
               购买日期=dt.date(2024, 1, 1)),
        # T6 (row 7): a repair finished long before the callback look-back window.
        ticket(服务工单号="T6", 受理时间=D(2026, 8, 31, 9), 需求类型="维修类", 紧急程度="一般",
               首次响应时间=D(2026, 8, 31, 10), 完成时间=D(2026, 9, 1, 10), 当前状态="已完成"),
    ]
    return make_book(tmp_path / "b.xlsx", {
        INTAKE: tickets,
        "暂停记录": [{"工单号": "T4", "暂停开始": D(2026, 11, 17, 14), "暂停结束": D(2026, 11, 18, 11),
                   "暂停原因": "等待配件"}],
        "服务结果确认表": [{"工单号": "T1", "确认时间": D(2026, 11, 20, 10)}],
        "客户满意度调研表": [
            {"工单号": "T1", "回访对象": "客户", "回访时间": D(2026, 11, 20, 11), "服务态度评分": 9,
             "专业能力评分": 8, "解决效率评分": 6, "总体满意度": 8, "推荐意愿": 7, "改进建议": "上门太慢"},
            {"工单号": "T5", "回访对象": "客户", "回访时间": D(2026, 11, 12, 11), "服务态度评分": 9,
             "专业能力评分": 9, "解决效率评分": 9, "总体满意度": 9, "推荐意愿": 9},
        ],
    })


@pytest.fixture
def escalated(book):
    refresh.escalate(book, now=NOW)
    return read_file(book)


@pytest.mark.parametrize("row, column, expected", [
    (2, "登记时限", D(2026, 11, 18, 10, 10)),  # 10 分钟 after 受理
    (2, "分配时限", D(2026, 11, 18, 10, 35)),  # 30 分钟 after 登记 (10:05)
    (2, "首次响应时限", D(2026, 11, 19, 10)),  # 一般: 24 clock hours
    (2, "解决时限", D(2026, 11, 23, 18)),  # 一般: 3 工作日 — Thu, Fri, Mon; end of Monday
    (2, "结果反馈时限", D(2026, 11, 19, 18)),  # 2 小时 after 完成
    (2, "客户确认时限", D(2026, 11, 20, 16)),  # 24 小时 after 完成
    (2, "回访时限", D(2026, 11, 24, 18)),  # 维修类: 3 工作日 after 完成 — Fri, Mon, Tue
    # 投诉类 + 紧急: both rows apply, the stricter (earlier) deadline wins (SPEC §3).
    (3, "首次响应时限", D(2026, 9, 30, 17)),  # 紧急 2 小时 (15:00 + 2 h) beats 投诉类 24 小时
    # 紧急 24 clock hours (10-01 15:00, a holiday — clock units ignore the calendar) beats
    # 投诉类 5 工作日 (10-08, 10-09, 10-10 调休, 10-12, 10-13 → 10-13 18:00).
    (3, "解决时限", D(2026, 10, 1, 15)),
    (4, "首次响应时限", D(2026, 2, 25, 18)),  # 常规 3 工作日: 02-14 (调休), 02-24, 02-25
    (5, "解决时限", D(2026, 11, 20, 15)),  # Thu 18:00 + 6 paused working hours (Tue 14–18, Wed 9–11)
    (5, "首次响应时限", D(2026, 11, 17, 9)),  # the pause began after this deadline: no extension
])
def test_deadlines(escalated, row, column, expected):
    assert escalated.frame(INTAKE).at[row, column] == expected


def test_paused_working_hours_are_recorded(escalated):
    assert escalated.frame(INTAKE).at[5, "暂停工时"] == 6.0


@pytest.mark.parametrize("row, column, expected", [
    (2, "首次响应状态", "按时完成"),
    (2, "解决状态", "按时完成"),
    (2, "结果反馈状态", "已超时"),  # no 结果反馈时间, due Thursday 18:00
    (2, "客户确认状态", "按时完成"),  # confirmed Friday 10:00, due 16:00
    (2, "回访状态", "按时完成"),  # surveyed Friday 11:00
    (3, "首次响应状态", "已超时"),
    (5, "解决状态", "已超时"),  # due 15:00, now 16:00
    (4, "结果反馈状态", "未开始"),  # not finished: that clock has not started
])
def test_statuses(escalated, row, column, expected):
    assert escalated.frame(INTAKE).at[row, column] == expected


def test_escalation_lists_each_open_overdue_ticket_once_with_the_supervisor(escalated):
    rows = escalated.frame("超时预警")
    listed = dict(zip(rows["工单号"], rows["环节"]))
    # T2's response and T3's both stages are overdue: each ticket is listed once, on the stage
    # that fell due first (T3: 首次响应 02-25 before 解决).
    assert listed == {"T4": "解决", "T2": "首次响应", "T3": "首次响应"}  # T1, T5, T6 are finished
    t4 = rows[rows["工单号"] == "T4"].iloc[0]
    assert t4["处理人"] == "工程师A" and t4["上级主管"] == "主管乙"
    assert t4["超时(小时)"] == 1.0
    t2 = rows[rows["工单号"] == "T2"].iloc[0]
    assert t2["上级主管"] == "经理甲"  # the supervisor's own ticket goes to their manager
    assert (rows["预警状态"] == "已超时").all()


def test_callback_tasks_are_created_once(book):
    refresh.callbacks(book, now=NOW)
    plan = read_file(book).frame("回访计划")
    tasks = {(t, k): due for t, k, due in zip(plan["工单号"], plan["回访类型"], plan["应回访日期"])}
    assert tasks[("T1", "维修回访")] == D(2026, 11, 24, 18)
    # 7 工作日 after Tue 11-10 is Thu 11-19 18:00, before this first run could create it: due by the
    # end of the creation day's working hours instead (Fri 11-20 18:00), not born overdue.
    assert tasks[("T5", "投诉回访")] == D(2026, 11, 20, 18)
    # A month after the purchase on 11-01, by the end of that day's working hours (09:00-18:00).
    assert tasks[("T1", "新购回访")] == D(2026, 12, 1, 18)
    assert ("T6", "维修回访") not in tasks  # finished before the 30-day look-back
    assert ("T5", "新购回访") not in tasks  # bought in 2024
    assert set(plan["回访专员"]) == {"回访F"}
    overdue = dict(zip(plan["工单号"] + plan["回访类型"], plan["是否逾期"]))
    assert overdue["T5投诉回访"] is None and overdue["T1维修回访"] is None
    again = refresh.callbacks(book, now=NOW)
    assert len(read_file(book).frame("回访计划")) == len(plan)
    assert not again.written


def test_low_survey_score_opens_one_linked_followup_ticket(book):
    refresh.callbacks(book, now=NOW)
    snap = read_file(book)
    tickets = snap.frame(INTAKE)
    follow = tickets[tickets["关联工单号"] == "T1"]
    assert len(follow) == 1
    new = follow.iloc[0]
    assert new["需求类型"] == "回访类" and new["二级标签"] == "二次处理"
    assert new["客户名称/姓名"] == "客户" and new["联系方式"] == "13812345678"
    assert "解决效率6分" in new["问题描述"] and "上门太慢" in new["问题描述"]
    assert new["受理时间"] == D(2026, 11, 20, 11)
    surveys = snap.frame("客户满意度调研表")
    assert surveys.iloc[0]["二次处理工单号"] == new["服务工单号"]
    assert surveys.iloc[1]["二次处理工单号"] is None  # all scores ≥ 7
    refresh.callbacks(book, now=NOW + dt.timedelta(hours=1))
    assert (read_file(book).frame(INTAKE)["关联工单号"] == "T1").sum() == 1
    refresh.dispatch(book, now=NOW + dt.timedelta(hours=1))
    routed = read_file(book).frame(INTAKE).loc[follow.index[0]]
    assert routed["处理人"] == "主管乙" and routed["责任部门"] == "客服部"  # 派单规则: 回访类/二次处理
