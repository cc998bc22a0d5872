"""Dispatch (派单) on hand-built workbooks: who gets which ticket, and what else is stamped."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from macros import refresh
from tests.bookmaker import make_book
from workbook import read_file

NOW = dt.datetime(2026, 11, 20, 16, 0)  # a Friday
INTAKE = "客户服务信息登记表"


def ticket(**values):
    base = {"受理时间": dt.datetime(2026, 11, 20, 9, 0), "登记时间": dt.datetime(2026, 11, 20, 9, 5),
            "客户名称/姓名": "客户", "联系方式": "13812345678", "购买产品型号": "JS-200",
            "需求类型": "维修类", "问题描述": "运行时有异响", "所属店铺/区域": "三号店"}
    return {**base, **values}


@pytest.fixture
def routing_book(tmp_path):
    # Row 2 is an open ticket engineer B already holds; rows 3–9 wait for dispatch.
    return make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(服务工单号="SV202611190001", 受理时间=dt.datetime(2026, 11, 19, 9), 处理人="工程师B",
               责任部门="维修部", 分配时间=dt.datetime(2026, 11, 19, 10), 当前状态="处理中"),
        ticket(**{"所属店铺/区域": "一号店"}),  # T1
        ticket(**{"所属店铺/区域": "一号店"}),  # T2
        ticket(**{"所属店铺/区域": "一号店"}),  # T3
        ticket(**{"所属店铺/区域": "二号店"}),  # T4
        ticket(**{"所属店铺/区域": "三号店"}),  # T5
        ticket(需求类型="咨询类", 问题描述="请问滤芯多久更换"),  # T6
        ticket(需求类型="投诉类", 问题描述="客服电话无人接听"),  # T7
    ]})


def test_dedicated_owner_first_then_least_loaded_with_fair_ties(routing_book):
    refresh.dispatch(routing_book, now=NOW)
    t = read_file(routing_book).frame(INTAKE)
    # T1, T2: 一号店 belongs to 工程师A (capacity 2) → A, A.
    # T3: A is full → least loaded of B (1 open ticket) and C (0) → C.
    # T4: 二号店's owner D is on leave → B (1) vs C (1): B was assigned longer ago → B.
    # T5: B (2) vs C (1) → C.
    assert t["处理人"].tolist() == ["工程师B", "工程师A", "工程师A", "工程师C", "工程师B", "工程师C",
                                 "专员E", "主管乙"]
    assert t["责任部门"].tolist()[1:] == ["维修部"] * 5 + ["咨询部", "客服部"]
    assert (t.loc[3:, "分配时间"] == NOW).all()
    assert t.at[2, "分配时间"] == dt.datetime(2026, 11, 19, 10)  # untouched
    assert t.loc[3:, "当前状态"].eq("待响应").all()


def test_ticket_numbers_are_generated_and_unique(routing_book):
    refresh.dispatch(routing_book, now=NOW)
    numbers = read_file(routing_book).frame(INTAKE)["服务工单号"].tolist()
    assert numbers[0] == "SV202611190001"
    assert numbers[1:] == [f"SV20261120{i:04d}" for i in range(1, 8)]


def test_second_run_writes_nothing(routing_book):
    refresh.dispatch(routing_book, now=NOW)
    before = routing_book.read_bytes()
    result = refresh.dispatch(routing_book, now=NOW + dt.timedelta(hours=2))
    assert not result.written
    assert routing_book.read_bytes() == before


def test_urgency_and_warranty_are_derived_only_where_blank(tmp_path):
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(问题描述="设备无法开机，指示灯不亮"),  # keyword 无法开机 → 紧急
        ticket(问题描述="设备无法开机", 紧急程度="常规"),  # typed by staff: kept
        ticket(问题描述="想了解保养方法"),  # 保养 → 常规
        ticket(问题描述="说不清楚"),  # no keyword → 一般
        ticket(购买日期=dt.date(2025, 1, 10), 购买产品型号="JS-200"),  # 24 months → until 2027-01-10
        ticket(购买日期=dt.date(2025, 6, 1), 购买产品型号="KJ-500"),  # 12 months → ended 2026-06-01
        ticket(购买日期=dt.date(2025, 6, 1), 购买产品型号="KJ-500", 保修状态="在保"),  # typed: kept
    ]})
    refresh.dispatch(book, now=NOW)
    t = read_file(book).frame(INTAKE)
    assert t["紧急程度"].tolist()[:4] == ["紧急", "常规", "常规", "一般"]
    assert t["保修状态"].tolist()[4:] == ["在保", "过保", "在保"]


def test_reassign_flag_gives_the_ticket_to_someone_else_and_is_cleared(routing_book):
    refresh.dispatch(routing_book, now=NOW)
    wb = openpyxl.load_workbook(routing_book)
    ws = wb[INTAKE]
    headers = [c.value for c in ws[1]]
    ws.cell(row=3, column=headers.index("重新分配") + 1, value="是")  # T1, held by 工程师A
    wb.save(routing_book)
    later = NOW + dt.timedelta(hours=1)
    refresh.dispatch(routing_book, now=later)
    t = read_file(routing_book).frame(INTAKE)
    # Loads without T1: A 1, B 2, C 2 — A is excluded as the previous owner; B and C tie on
    # load, C was assigned last in the first run (T5) and B before it (T4) → B.
    assert t.at[3, "处理人"] == "工程师B"
    assert t.at[3, "分配时间"] == later
    assert t.at[3, "重新分配"] is None
    assert t.loc[[4, 5, 6, 7], "处理人"].tolist() == ["工程师A", "工程师C", "工程师B", "工程师C"]


def test_a_ticket_that_cannot_be_routed_is_reported_not_dropped(tmp_path):
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(需求类型=None),
        ticket(受理时间="昨天下午"),
        ticket(),
    ]})
    result = refresh.dispatch(book, now=NOW)
    t = read_file(book).frame(INTAKE)
    assert t["处理人"].isna().tolist() == [True, True, False]
    issues = read_file(book).frame("数据问题")
    rows = set(zip(issues["行号"].astype(int), issues["列"]))
    assert (2, "需求类型") in rows and (3, "受理时间") in rows
    assert any("未派单" in p.reason for p in result.problems)


def test_anomalies_are_flagged_on_the_ticket_and_listed(tmp_path):
    book = make_book(tmp_path / "b.xlsx", {INTAKE: [
        ticket(联系方式="1381234567"),  # 10 digits
        ticket(联系方式="021-62345678"),  # a Shanghai landline: fine
        ticket(联系方式="8888"),
        ticket(联系方式=None),
        ticket(购买产品型号=None),
        ticket(受理时间=dt.datetime(2026, 11, 21, 9)),  # tomorrow
        ticket(联系方式="13900000001", 问题描述="净水器漏水", 受理时间=dt.datetime(2026, 11, 19, 10)),
        ticket(联系方式="13900000001", 问题描述="净水器漏水，再次来电催促", 受理时间=dt.datetime(2026, 11, 20, 8)),
        ticket(联系方式="13900000001", 问题描述="想咨询新品", 受理时间=dt.datetime(2026, 11, 20, 9)),
    ]})
    refresh.dispatch(book, now=NOW)
    t = read_file(book).frame(INTAKE)
    flags = t["数据异常"].tolist()
    assert "手机号应为11位（现为10位）" in flags[0]
    assert flags[1] is None
    assert "电话格式不正确" in flags[2]
    assert "缺少联系方式" in flags[3]
    assert "缺少产品型号" in flags[4]
    assert "受理时间晚于当前时间" in flags[5]
    assert flags[6] is None
    # "净水器漏水" is contained in the later description: 可能性高.
    assert "疑似重复（可能性高）" in flags[7] and "第8行" in flags[7] and "22小时" in flags[7]
    # Same customer and model an hour later, other words: still a likely duplicate, shown less sure.
    assert "疑似重复（可能性中）" in flags[8] and "第9行" in flags[8] and "1小时" in flags[8]
    listed = read_file(book).frame("数据问题")
    assert (listed["工单号"] == t.at[9, "服务工单号"]).any()
