"""A ticket's life as the team types it: registered, answered, finished (issue 12, second pass).

Each test is a situation a small team meets, what its manager expects, and why. Expected values
are worked out by hand from the default 时限标准 (SPEC §3: 登记 10 分钟) and the calendar.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from macros import refresh
from tests.bookmaker import make_book
from workbook import read_file

D = dt.datetime
INTAKE = "客户服务信息登记表"
NOW = D(2026, 11, 20, 16, 0)  # a Friday


def ticket(**values):
    """A ticket as the 客服专员 types it following the guide: no 登记时间."""
    base = {"受理时间": D(2026, 11, 20, 9, 0), "客户名称/姓名": "王女士", "联系方式": "13812345678",
            "购买产品型号": "JS-200", "需求类型": "维修类", "问题描述": "运行时有异响",
            "所属店铺/区域": "三号店", "需求来源": "电话"}
    return {**base, **values}


# ---- a ticket in the sheet is registered ---------------------------------------------------------
def test_a_ticket_typed_without_registration_time_is_not_late_being_registered(tmp_path):
    # Monday morning the 客服专员 types three calls as the guide says (受理时间, customer, phone,
    # model, description — no 登记时间). By the evening the supervisor expects 超时预警 and 我的待办
    # to show what needs doing (the first responses), not "登记 已超时" on every ticket: a ticket
    # that is in the sheet has been registered.
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(),
        ticket(**{"客户名称/姓名": "李先生"}, 联系方式="13900001111", 受理时间=D(2026, 11, 20, 9, 30)),
        ticket(**{"客户名称/姓名": "赵女士"}, 联系方式="13700002222", 受理时间=D(2026, 11, 20, 10, 0),
               首次响应时间=D(2026, 11, 20, 11, 0)),
    ]})
    result = refresh.refresh_all(book, now=NOW)
    snap = read_file(book)
    t = snap.frame(INTAKE)
    assert t["登记状态"].tolist() == ["不适用"] * 3
    assert t["登记时限"].isna().all()
    for queue in ("超时预警", "我的待办"):
        assert "登记" not in set(snap.frame(queue)["环节"].dropna()), queue
    # Nobody records 登记时间: there is nothing to judge registration on — 无数据, not 0 %.
    assert result.results["kpi"]["sla_rates"]["登记"] is None


def test_registration_is_judged_on_the_tickets_whose_registration_time_is_typed(tmp_path):
    # A team that measures registration types 登记时间: one ticket registered 5 minutes after the
    # call (within the 10 minutes), one 30 minutes after (late), one typed without it. The
    # manager expects 登记达标率 1 of 2 = 50 % — the blank one is neither met nor missed.
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(登记时间=D(2026, 11, 20, 9, 5)),
        ticket(**{"客户名称/姓名": "李先生"}, 联系方式="13900001111", 登记时间=D(2026, 11, 20, 9, 30)),
        ticket(**{"客户名称/姓名": "赵女士"}, 联系方式="13700002222"),
    ]})
    result = refresh.refresh_all(book, now=NOW)
    t = read_file(book).frame(INTAKE)
    assert t["登记状态"].tolist() == ["按时完成", "超时完成", "不适用"]
    assert t["登记时限"].iloc[0] == D(2026, 11, 20, 9, 10)
    assert result.results["kpi"]["sla_rates"]["登记"] == 0.5


# ---- 当前状态 follows what the engineers type -----------------------------------------------------
def test_the_state_dispatch_wrote_follows_the_response_and_the_completion(tmp_path):
    # Monday 派单 gave four tickets to engineers and wrote 待响应. During the day one engineer
    # types his first response, another her completion; a third ticket is untouched; on the
    # fourth the engineer typed 待客户确认 herself. At the evening refresh the supervisor filtering
    # 当前状态 expects 处理中, 已完成, 待响应, and her 待客户确认 left alone — and the monthly report
    # must not list the finished job as 待响应.
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(), ticket(**{"客户名称/姓名": "李先生"}, 联系方式="13900001111"),
        ticket(**{"客户名称/姓名": "赵女士"}, 联系方式="13700002222"),
        ticket(**{"客户名称/姓名": "钱女士"}, 联系方式="13600003333"),
    ]})
    refresh.dispatch(book, now=D(2026, 11, 20, 9, 30))
    t = read_file(book).frame(INTAKE)
    assert t["当前状态"].tolist() == ["待响应"] * 4
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb[INTAKE]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(2, col["首次响应时间"], D(2026, 11, 20, 10, 0))
    ws.cell(3, col["首次响应时间"], D(2026, 11, 20, 10, 0))
    ws.cell(3, col["完成时间"], D(2026, 11, 20, 14, 0))
    ws.cell(5, col["首次响应时间"], D(2026, 11, 20, 11, 0))
    ws.cell(5, col["当前状态"], "待客户确认")
    wb.save(book)
    refresh.refresh_all(book, now=NOW)
    t = read_file(book).frame(INTAKE)
    assert t["当前状态"].tolist() == ["处理中", "已完成", "待响应", "待客户确认"]


# ---- a 完成时间 before 受理时间 is a typing error, not a completion -------------------------------
def test_a_completion_typed_before_the_call_does_not_close_the_ticket(tmp_path):
    # 卫先生 called today at 09:40; the engineer slipped and typed 完成时间 as yesterday 16:00.
    # Nothing was repaired yet. The manager expects an 错误 on 数据问题 saying where (row 2,
    # 完成时间), what and how to fix it, the ticket still open on the engineer's 我的待办, no
    # 维修回访 task for it, and the KPIs counting only the one real completion (李先生's). The
    # typed cell stays as it is — staff fix it.
    typo = D(2026, 11, 19, 16, 0)
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(**{"客户名称/姓名": "卫先生"}, 受理时间=D(2026, 11, 20, 9, 40), 完成时间=typo),
        ticket(**{"客户名称/姓名": "李先生"}, 联系方式="13900001111", 首次响应时间=D(2026, 11, 20, 10, 0),
               完成时间=D(2026, 11, 20, 15, 0)),
    ]})
    result = refresh.refresh_all(book, now=NOW)
    snap = read_file(book)
    t = snap.frame(INTAKE)
    wei, li = t.iloc[0], t.iloc[1]
    problems = snap.frame("数据问题")
    hit = problems[(problems["列"] == "完成时间") & (problems["级别"] == "错误")]
    assert hit["行号"].tolist() == [2]
    said = f"{hit['问题'].iloc[0]} — {hit['改法'].iloc[0]}"  # 数据问题 splits the problem from its fix
    assert "完成时间早于受理时间" in said and "请改正" in said
    assert "完成时间早于受理时间" in wei["数据异常"]
    import openpyxl

    ws = openpyxl.load_workbook(book)[INTAKE]
    col = {c.value: c.column for c in ws[1]}
    assert ws.cell(2, col["完成时间"]).value == typo  # what was typed is kept
    assert wei["当前状态"] == "待响应" and li["当前状态"] == "已完成"
    assert wei["解决状态"] in ("进行中", "即将超时")  # still being worked on, not 按时完成
    assert wei["服务工单号"] in set(snap.frame("我的待办")["工单号"])
    plan = snap.frame("回访计划")
    assert plan["工单号"].tolist() == [li["服务工单号"]]
    assert result.results["kpi"]["completed"] == 1


# ---- a callback task the program creates late is not born overdue ---------------------------------
def _new_purchase_book(path):
    # 吴先生 bought on 2026-10-20 and calls on Monday 11-23 with a question: his 新购回访 was due
    # a month after purchase, Friday 11-20 18:00 — before the program had ever seen him.
    return make_book(path, {INTAKE: [ticket(**{"客户名称/姓名": "吴先生"}, 需求类型="咨询类", 问题描述="滤芯多久更换",
                                             受理时间=D(2026, 11, 23, 9, 0), 购买日期=D(2026, 10, 20))]},
                     today=dt.date(2026, 11, 23))


def test_a_new_purchase_callback_found_late_is_due_by_the_end_of_the_next_working_hours(tmp_path):
    # The evening refresh (Monday 18:00, working hours 09:00–18:00 end now) creates the task.
    # The 回访专员 cannot have called earlier, so the manager expects it due by the end of the
    # next working day, Tuesday 11-24 18:00, not 已超时 3 天; called Tuesday 15:00, it counts as
    # done on time: 回访完成率 1 of 1 = 100 %, not 0 %.
    book = _new_purchase_book(tmp_path / "evening.xlsx")
    result = refresh.refresh_all(book, now=D(2026, 11, 23, 18, 0))
    plan = read_file(book).frame("回访计划")
    assert plan["回访类型"].tolist() == ["新购回访"]
    assert plan["应回访日期"].tolist() == [pd.Timestamp(2026, 11, 24, 18, 0)]
    assert plan["是否逾期"].isna().all()
    assert any("逾期未回访 0 项" in line for line in result.lines)
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["回访计划"]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(2, col["实际回访时间"], D(2026, 11, 24, 15, 0))
    ws.cell(2, col["回访状态"], "已回访")
    wb.save(book)
    result = refresh.kpi(book, now=D(2026, 11, 25, 10, 0))
    assert result.results["kpi"]["callback_completion_rate"] == 1.0


def test_a_new_purchase_callback_found_late_during_working_hours_is_due_that_evening(tmp_path):
    # Created by a refresh at Monday 10:00: the team still has today's working hours, so the task
    # is due Monday 18:00 (the end of the creation day's working hours).
    book = _new_purchase_book(tmp_path / "morning.xlsx")
    refresh.refresh_all(book, now=D(2026, 11, 23, 10, 0))
    plan = read_file(book).frame("回访计划")
    assert plan["应回访日期"].tolist() == [pd.Timestamp(2026, 11, 23, 18, 0)]
    assert plan["是否逾期"].isna().all()


def test_a_callback_task_waits_while_its_ticket_is_open_again(tmp_path):
    # Tuesday the engineer typed 完成时间 for 卫先生's repair and the refresh created the 维修回访
    # task. Thursday it turns out the repair is not done: he clears 完成时间. The 回访专员 must not
    # call 卫先生 for a satisfaction survey on an unfinished repair: the manager expects the task
    # off 我的待办, not 逾期 even once its due date passes, not counted in 回访完成率, and the run to
    # say why. The task row itself stays (回访计划 rows are the team's); completed again, it returns.
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(**{"客户名称/姓名": "卫先生"}, 受理时间=D(2026, 11, 16, 9, 0), 首次响应时间=D(2026, 11, 16, 10, 0),
               完成时间=D(2026, 11, 17, 15, 0))]})
    refresh.refresh_all(book, now=D(2026, 11, 17, 18, 0))
    plan = read_file(book).frame("回访计划")
    assert plan["回访类型"].tolist() == ["维修回访"]  # due 3 工作日 after Tue 11-17: Fri 11-20 18:00
    assert plan["应回访日期"].tolist() == [pd.Timestamp(2026, 11, 20, 18, 0)]
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb[INTAKE]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(2, col["完成时间"]).value = None  # cleared (cell(…, None) would leave it)
    ws.cell(2, col["当前状态"], "处理中")
    wb.save(book)
    result = refresh.refresh_all(book, now=D(2026, 11, 23, 18, 0))  # Monday: past the task's due date
    snap = read_file(book)
    plan = snap.frame("回访计划")
    assert len(plan) == 1 and plan["是否逾期"].isna().all()
    todo = snap.frame("我的待办")
    assert todo["环节"].tolist() == ["解决"]  # the engineer's open repair, no 回访 row
    assert result.results["kpi"]["callbacks_due"] == 0
    assert any("1 项的工单已重新打开" in line for line in result.lines)


# ---- a call received "in the future" is a typing error: not dispatched ----------------------------
def test_a_ticket_received_later_than_now_is_not_dispatched(tmp_path):
    # Friday 09:20 the supervisor dispatches. 秦女士's call was typed with 受理时间 14:30 — the hour
    # is wrong, it is not 14:30 yet. The supervisor expects it left unassigned with an 错误 saying
    # why and what to do (not assigned at 09:20 and then warned about a 分配时间 before its own
    # 受理时间); the ordinary call beside it is dispatched as usual.
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(**{"客户名称/姓名": "秦女士"}, 受理时间=D(2026, 11, 20, 14, 30)),
        ticket(**{"客户名称/姓名": "李先生"}, 联系方式="13900001111", 受理时间=D(2026, 11, 20, 9, 0)),
    ]})
    result = refresh.dispatch(book, now=D(2026, 11, 20, 9, 20))
    t = read_file(book).frame(INTAKE)
    assert pd.isna(t["处理人"].iloc[0]) and pd.isna(t["分配时间"].iloc[0])
    assert t["处理人"].iloc[1] is not None and t["当前状态"].iloc[1] == "待响应"
    errors = [p for p in result.problems if p.row == 2 and p.column == "受理时间"]
    assert [p.level for p in errors] == ["错误"]
    assert "受理时间晚于当前时间（2026-11-20 09:20），未派单" in errors[0].reason and "请改正受理时间" in errors[0].reason
    assert "受理时间晚于当前时间（未派单）" in t["数据异常"].iloc[0]
    assert not [p for p in result.problems if p.column == "分配时间"]


# ---- a 处理人 who is not on 人员名单 is nobody ---------------------------------------------------
def test_a_ticket_typed_with_a_handler_not_on_the_roster_shows_as_unassigned(tmp_path):
    # The 客服专员 typed 处理人 「王小强」 on 蒋女士's ticket — there is no such person on 人员名单
    # (she meant 工程师A, or a new hire nobody added). The manager expects an 错误 on 数据问题
    # saying how to fix it, and the ticket listed under （未分配） on 我的待办 so someone picks it
    # up — not a section for a person who will never open the list. What she typed stays.
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [ticket(**{"客户名称/姓名": "蒋女士"}, 处理人="王小强")]})
    result = refresh.refresh_all(book, now=NOW)
    snap = read_file(book)
    errors = [p for p in result.problems if p.column == "处理人" and p.row == 2]
    assert [p.level for p in errors] == ["错误"]
    assert "不在「人员名单」表中" in errors[0].reason and "请改为「人员名单」中的人" in errors[0].reason
    todo = snap.frame("我的待办")
    assert todo["处理人"].tolist() == ["（未分配）"]
    assert snap.frame(INTAKE)["处理人"].tolist() == ["王小强"]


def test_an_undispatched_ticket_is_reported_on_the_cell_that_stops_it(tmp_path):
    # 何先生's call was typed without 受理时间; 钱女士's with 需求类型 「维修内」 (a typo). The
    # supervisor reads 数据问题 to fix them: each 未派单 row must point at the cell to fix — the
    # blank 受理时间 for 何先生 (not his valid 需求类型 咨询类), the 需求类型 for 钱女士.
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(**{"客户名称/姓名": "何先生"}, 受理时间=None, 需求类型="咨询类"),
        ticket(**{"客户名称/姓名": "钱女士"}, 联系方式="13900001111", 需求类型="维修内"),
    ]})
    result = refresh.dispatch(book, now=NOW)
    stopped = {(p.row, p.column) for p in result.problems if "未派单" in p.reason}
    assert stopped == {(2, "受理时间"), (3, "需求类型")}


def test_a_finished_ticket_whose_completion_is_cleared_asks_for_its_state(tmp_path):
    # The refresh moved 李先生's repair to 已完成 when the engineer typed 完成时间. The next day the
    # customer calls: still leaking. The engineer clears 完成时间 but forgets 当前状态. The program
    # cannot tell its own 已完成 from one a person typed, so it does not change it — the manager
    # expects a 警告 on that ticket saying to set 处理中 if it is reopened.
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(**{"客户名称/姓名": "李先生"}, 首次响应时间=D(2026, 11, 20, 10, 0), 完成时间=D(2026, 11, 20, 15, 0))]})
    refresh.refresh_all(book, now=NOW)
    assert read_file(book).frame(INTAKE)["当前状态"].tolist() == ["已完成"]
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb[INTAKE]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(2, col["完成时间"]).value = None
    wb.save(book)
    result = refresh.refresh_all(book, now=D(2026, 11, 23, 10, 0))
    t = read_file(book).frame(INTAKE)
    assert t["当前状态"].tolist() == ["已完成"]  # not changed by the program
    said = [p for p in result.problems if p.column == "当前状态" and p.row == 2]
    assert [p.level for p in said] == ["警告"] and "请把当前状态改为「处理中」" in said[0].reason
    assert "没有有效的完成时间" in t["数据异常"].iloc[0]
