"""The ribbon path (xlwings, through a stand-in for Excel) gives the same workbook as the CLI path."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from macros import refresh
from tests import fakexw
from tests.conftest import NOW
from workbook import read_file


def _frames(path):
    snap = read_file(path)
    return {name: data.frame for name, data in snap.sheets.items()}


def _assert_same_content(a, b):
    fa, fb = _frames(a), _frames(b)
    assert fa.keys() == fb.keys()
    for name in fa:
        pd.testing.assert_frame_equal(fa[name], fb[name], check_dtype=False, obj=name)


@pytest.mark.parametrize("routines", [
    ("dispatch",), ("dispatch", "callbacks", "escalate"),
])
def test_same_scenario_same_workbook_both_ways(demo_book, tmp_path, routines):
    live_copy = tmp_path / "live.xlsx"
    shutil.copy(demo_book, live_copy)
    book = fakexw.Book(live_copy)
    for name in routines:
        getattr(refresh, name)(demo_book, now=NOW)
        getattr(refresh, name)(book, now=NOW)
    book.save()
    _assert_same_content(demo_book, live_copy)


def test_ribbon_button_acts_on_the_calling_book(demo_book, monkeypatch):
    import aftersales.ribbon as ribbon

    book = fakexw.Book(demo_book)
    fakexw.set_mock_caller(book)
    monkeypatch.setattr(ribbon, "_caller", fakexw.Book.caller)
    ribbon.dispatch()
    (title, message), = book.app.alerts
    assert title == "售后服务" and "派单" in message
    assert any("派单" in s for s in book.app.status_history)  # progress shown in the status bar
    assert book.app.status_bar is False  # and cleared at the end
    book.save()
    tickets = read_file(demo_book).frame("客户服务信息登记表")
    assert tickets["处理人"].notna().all()


def test_live_writes_are_blocks_not_cells(demo_book):
    book = fakexw.Book(demo_book)
    before = book.app.calls
    refresh.dispatch(book, now=NOW)
    calls = book.app.calls - before
    tickets = read_file(demo_book).frame("客户服务信息登记表")
    # One read per sheet plus a few writes per changed column run: far fewer calls than cells.
    assert calls < 120, calls
    assert calls < len(tickets) / 2


def test_formula_like_text_is_written_as_text_through_excel(new_book):
    import datetime as dt

    import openpyxl

    wb = openpyxl.load_workbook(new_book)
    ws = wb["客户服务信息登记表"]
    headers = [c.value for c in ws[1]]
    row = {"受理时间": dt.datetime(2026, 11, 20, 9), "客户名称/姓名": '=HYPERLINK("http://x","y")',
           "需求类型": "维修类", "问题描述": "无法开机", "联系方式": "13812345678", "购买产品型号": "X"}
    for k, v in row.items():
        ws.cell(row=2, column=headers.index(k) + 1, value=v).data_type = "s"
    wb.save(new_book)
    book = fakexw.Book(new_book)
    refresh.dispatch(book, now=NOW)
    ws = book.wb["数据问题"]
    for r in ws.iter_rows(min_row=2):
        for cell in r:
            assert cell.data_type != "f", f"{cell.coordinate} became a formula: {cell.value}"


def test_bridged_writes_never_touch_staff_formulas_or_unparsed_text(new_book):
    import datetime as dt

    import openpyxl

    wb = openpyxl.load_workbook(new_book)
    ws = wb["客户服务信息登记表"]
    headers = [c.value for c in ws[1]]
    col = {h: headers.index(h) + 1 for h in headers}
    for r in range(2, 12):
        values = {"受理时间": dt.datetime(2026, 11, 20, 9, r), "客户名称/姓名": f"客户{r}", "需求类型": "咨询类",
                  "问题描述": "想了解日常保养方法", "联系方式": "13812345678", "购买产品型号": "X"}
        for k, v in values.items():
            ws.cell(row=r, column=col[k], value=v)
    ws.cell(row=4, column=col["紧急程度"], value='=IF(1,"紧急","一般")')  # a staff formula
    ws.cell(row=6, column=col["紧急程度"], value="一般")  # a plain staff choice
    ws.cell(row=8, column=col["紧急程度"], value="很急")  # not a valid choice: left alone
    wb.save(new_book)
    book = fakexw.Book(new_book)
    refresh.dispatch(book, now=NOW)
    ws = book.wb["客户服务信息登记表"]
    assert ws.cell(row=4, column=col["紧急程度"]).value == '=IF(1,"紧急","一般")'
    assert ws.cell(row=6, column=col["紧急程度"]).value == "一般"
    assert ws.cell(row=8, column=col["紧急程度"]).value == "很急"
    assert ws.cell(row=3, column=col["紧急程度"]).value == "常规"  # filled from the keyword rules


def test_full_refresh_gives_the_same_workbook_both_ways_including_the_monthly_sheet(demo_book, tmp_path):
    from python_calamine import CalamineWorkbook

    live_copy = tmp_path / "live.xlsx"
    shutil.copy(demo_book, live_copy)
    book = fakexw.Book(live_copy)
    refresh.refresh_all(demo_book, now=NOW)
    refresh.refresh_all(book, now=NOW)
    book.save()
    _assert_same_content(demo_book, live_copy)
    a, b = CalamineWorkbook.from_path(str(demo_book)), CalamineWorkbook.from_path(str(live_copy))
    months = [n for n in a.sheet_names if n.startswith("月报_")]
    assert months and months == [n for n in b.sheet_names if n.startswith("月报_")]
    def cells(workbook, name):  # Excel keeps 15 significant digits; compare at 12
        return [[round(v, 12 - len(str(int(abs(v))))) if isinstance(v, float) else v for v in row]
                for row in workbook.get_sheet_by_name(name).to_python()]

    for name in months:
        assert cells(a, name) == cells(b, name)


def test_the_monthly_report_button_says_when_its_month_is_empty(new_book, monkeypatch):
    import webbrowser

    import aftersales.ribbon as ribbon

    book = fakexw.Book(new_book)  # a new workbook: no tickets in any month
    fakexw.set_mock_caller(book)
    monkeypatch.setattr(ribbon, "_caller", fakexw.Book.caller)
    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    ribbon.report_monthly()
    (title, message), = book.app.alerts
    assert title == "售后服务" and "没有受理工单，报告各项为空" in message and "--month" not in message
    assert len(opened) == 1  # the (empty) report is still shown
