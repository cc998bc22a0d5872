"""A team's workbook made by the version before #13 keeps working: the program's own sheets whose
columns changed (超时预警, KPI看板) are laid out afresh on the next run, the new ones (我的待办,
开始使用) are added, and what people typed on them stays with its ticket.

``tests/data/made_before_issue_13.xlsx`` is ``aftersales demo --seed 3 --tickets 60`` of the
commit before #13 (now 2026-11-20 16:00), then edited as a supervisor would (openpyxl): 处理意见 on
both rows of SV202606150004 (首次响应 and 解决 — that version listed each stage), and a column of
their own, 主管备注, with a note on SV202608100001's 解决 row.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from macros import refresh
from tests import fakexw
from tests.conftest import NOW
from workbook import read_file
from workbook import schema as S

OLD = Path(__file__).parent / "data" / "made_before_issue_13.xlsx"
# The fixture's 超时预警 (read off the file): four tickets, each on two rows.
OLD_TICKETS = {"SV202606150004", "SV202606170001", "SV202607030002", "SV202608100001"}


@pytest.fixture
def old_book(tmp_path) -> Path:
    path = tmp_path / "旧版.xlsx"
    shutil.copy(OLD, path)
    return path


def test_the_fixture_really_has_the_old_layout():
    wb = openpyxl.load_workbook(OLD)
    assert [c.value for c in wb["超时预警"][1]][:11] == [
        "工单号", "客户名称", "需求类型", "紧急程度", "处理人", "上级主管", "环节", "截止时间", "状态",
        "超时(小时)", "刷新时间"]
    assert "我的待办" not in wb.sheetnames and "开始使用" not in wb.sheetnames


def test_a_workbook_from_before_refreshes_cleanly(old_book):
    result = refresh.refresh_all(old_book, now=NOW)
    assert result.written and not result.errors
    assert any(line.startswith("超时预警：已按新版本的列重新排版") and "主管备注" in line for line in result.lines)
    assert any(line.startswith("KPI看板：已按新版本的列重新排版") for line in result.lines)
    assert not any("图表" in line for line in result.lines)  # the sheets' own tables are not news

    snap = read_file(old_book)
    alerts = snap.frame("超时预警")
    assert list(alerts.columns) == S.ESCALATION.headers
    assert not snap["超时预警"].relayout and not snap["KPI看板"].relayout
    # One row per ticket now; both notes of the ticket's two old rows, in their old row order.
    tickets = alerts["工单号"].tolist()
    assert OLD_TICKETS <= set(tickets) and len(tickets) == len(set(tickets))
    noted = alerts.set_index("工单号")["处理意见"].dropna().to_dict()
    assert noted == {"SV202606150004": "已电话联系，客户六月出差；配件已到，等客户约时间"}
    extras = snap["超时预警"].extras
    kept = extras["主管备注"].dropna()
    assert [alerts.at[r, "工单号"] for r in kept.index] == ["SV202608100001"]
    assert kept.tolist() == ["周五前关闭"]
    # The old 状态 column was the program's: gone, not kept as a column people added.
    assert list(extras.columns) == ["主管备注"]

    board = snap.frame("KPI看板")
    assert list(board.columns) == S.KPI_BOARD.headers
    assert board["单位"].notna().any() and board["上期数值"].notna().any()
    assert len(snap.frame("我的待办")) > 0 and len(snap.frame("开始使用")) > 0


def test_the_new_layout_is_a_real_table_with_its_formats(old_book):
    refresh.refresh_all(old_book, now=NOW)
    wb = openpyxl.load_workbook(old_book)
    # New sheets take their place among the tabs, as in a new workbook.
    assert wb.sheetnames[0] == "开始使用"
    assert wb.sheetnames.index("我的待办") == wb.sheetnames.index("超时预警") + 1
    ws = wb["超时预警"]
    (name, ref), = ws.tables.items()
    assert name == "超时预警表" and ref == f"A1:U{ws.max_row}"  # 20 columns + 主管备注
    assert [c.name for c in ws.tables[name].tableColumns][-2:] == ["处理意见", "主管备注"]
    # The builder's look: 超时(小时) shows one decimal, 处理意见 stays open to typing.
    hours = S.ESCALATION.headers.index("超时(小时)") + 1
    assert ws.cell(2, hours).number_format == "0.0"
    guards = {str(dv.sqref) for dv in ws.data_validations.dataValidation if dv.formula1 == "FALSE"}
    note_col = openpyxl.utils.get_column_letter(S.ESCALATION.headers.index("处理意见") + 1)
    assert f"{note_col}2:{note_col}1048576" not in guards and "A2:A1048576" in guards
    for sheet in ("我的待办", "开始使用"):
        (table, _ref), = wb[sheet].tables.items()
        assert table == S.sheet(sheet).table
    with zipfile.ZipFile(old_book) as z:
        ids = [re.search(rb'<table [^>]*\bid="(\d+)"', z.read(n)).group(1)
               for n in z.namelist() if n.startswith("xl/tables/")]
    assert len(ids) == len(set(ids))  # Excel refuses a file with two tables of one id


def test_the_second_run_reads_the_new_layout(old_book):
    refresh.refresh_all(old_book, now=NOW)
    result = refresh.refresh_all(old_book, now=NOW)
    assert not any("重新排版" in line for line in result.lines)
    alerts = read_file(old_book).frame("超时预警")
    assert alerts.set_index("工单号")["处理意见"].dropna().to_dict() == {
        "SV202606150004": "已电话联系，客户六月出差；配件已到，等客户约时间"}


def test_the_ribbon_path_lays_out_the_old_sheets_too(old_book):
    book = fakexw.Book(old_book)
    result = refresh.refresh_all(book, now=NOW)
    assert not result.errors
    assert any(line.startswith("超时预警：已按新版本的列重新排版（在 Excel 中运行") for line in result.lines)
    book.save()
    ws = openpyxl.load_workbook(old_book)["超时预警"]
    hours = openpyxl.utils.get_column_letter(S.ESCALATION.headers.index("超时(小时)") + 1)
    assert ws[f"{hours}2"].number_format == "0.0" and ws.column_dimensions[hours].width == 10
    snap = read_file(old_book)
    alerts = snap.frame("超时预警")
    assert list(alerts.columns) == S.ESCALATION.headers
    assert alerts.set_index("工单号")["处理意见"].dropna().to_dict() == {
        "SV202606150004": "已电话联系，客户六月出差；配件已到，等客户约时间"}
    assert snap["超时预警"].extras["主管备注"].dropna().tolist() == ["周五前关闭"]
    assert len(snap.frame("我的待办")) > 0


def test_a_protected_workbook_keeps_its_personal_columns_hidden(old_book):
    from workbook.protect import protect_personal

    protect_personal(old_book, password="秘密")
    refresh.refresh_all(old_book, now=NOW)
    ws = openpyxl.load_workbook(old_book)["超时预警"]
    name_col = openpyxl.utils.get_column_letter(S.ESCALATION.headers.index("客户名称") + 1)  # D since #13
    assert ws.column_dimensions[name_col].hidden
    assert not ws.column_dimensions["A"].hidden  # 处理顺序 (the old A, 工单号, was not hidden either)
    assert ws.protection.sheet
    # 我的待办, new in this version, is protected like its siblings: its personal columns hidden.
    todo = openpyxl.load_workbook(old_book)["我的待办"]
    phone_col = openpyxl.utils.get_column_letter(S.MY_TASKS.headers.index("联系方式") + 1)
    assert todo.column_dimensions[phone_col].hidden and todo.protection.sheet


def test_a_chart_on_the_old_board_stays_and_a_link_that_cannot_is_named(old_book):
    from openpyxl.chart import BarChart, Reference

    from tests.test_workbook_rebuilt_sheets import _orphans

    wb = openpyxl.load_workbook(old_book)
    ws = wb["KPI看板"]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=3, min_row=2, max_row=6))
    ws.add_chart(chart, "K2")
    ws["J1"].hyperlink = "https://example.com/看板说明"
    wb.save(old_book)
    result = refresh.refresh_all(old_book, now=NOW)
    assert any(line.startswith("KPI看板：") and "图表" in line and "保留" in line for line in result.lines)
    assert any(line.startswith("KPI看板：") and "超链接" in line and "已移除" in line for line in result.lines)
    assert len(openpyxl.load_workbook(old_book)["KPI看板"]._charts) == 1
    assert _orphans(old_book) == set()
