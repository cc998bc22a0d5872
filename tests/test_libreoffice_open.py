"""Workbooks we write are opened by a real spreadsheet engine (LibreOffice headless) and read back."""

from __future__ import annotations

import openpyxl
import pytest

from workbook import ChangeSet, diff, open_workbook
from workbook import schema as S

pytestmark = pytest.mark.libreoffice


def _reopened(libreoffice, path):
    """Let LibreOffice load the file and save it again, then read what it kept."""
    return openpyxl.load_workbook(libreoffice(path, "xlsx:Calc MS Excel 2007 XML"))


def _assert_schema_intact(wb):
    for sheet in S.SHEETS:
        assert sheet.name in wb.sheetnames, sheet.name
        assert [c.value for c in wb[sheet.name][1]][: len(sheet.headers)] == sheet.headers


def test_new_workbook_opens_in_libreoffice(new_book, libreoffice):
    wb = _reopened(libreoffice, new_book)
    _assert_schema_intact(wb)
    ws = wb["客户服务信息登记表"]
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "date", "custom"} <= kinds  # dropdowns, date checks and guards survive
    assert len([r for r in wb["执行检查表"].iter_rows(min_row=2) if r[0].value]) == 15
    assert "节假日列表" in wb.defined_names


def test_patched_demo_workbook_opens_in_libreoffice(demo_book, libreoffice):
    with open_workbook(demo_book) as session:
        data = session.snapshot["客户服务信息登记表"]
        new = data.frame.copy()
        new["解决状态"] = "进行中"
        new["数据异常"] = '=HYPERLINK("http://x","y")'
        changes = ChangeSet({"客户服务信息登记表": diff(data, new)})
        changes.sheet("数据问题").rebuild = [{"工作表": "客户服务信息登记表", "行号": 2, "问题": "<script>alert(1)</script>"}]
        session.commit(changes)
    wb = _reopened(libreoffice, demo_book)
    _assert_schema_intact(wb)
    ws = wb["客户服务信息登记表"]
    headers = [c.value for c in ws[1]]
    col = headers.index("数据异常") + 1
    assert ws.cell(row=2, column=col).value == '=HYPERLINK("http://x","y")'
    assert ws.cell(row=2, column=col).data_type == "s"  # text, not a formula
    assert ws.cell(row=2, column=headers.index("解决状态") + 1).value == "进行中"
    assert wb["数据问题"]["E2"].value == "<script>alert(1)</script>"
    assert len(ws.data_validations.dataValidation) >= 30


def test_a_workbook_from_before_13_laid_out_afresh_opens_in_libreoffice(tmp_path, libreoffice):
    """tests/data/made_before_issue_13.xlsx (see tests/test_workbook_relayout.py) after one refresh."""
    import shutil
    from pathlib import Path

    from macros.refresh import refresh_all
    from tests.conftest import NOW

    book = tmp_path / "旧版.xlsx"
    shutil.copy(Path(__file__).parent / "data" / "made_before_issue_13.xlsx", book)
    refresh_all(book, now=NOW)
    wb = _reopened(libreoffice, book)
    for sheet in S.SHEETS:  # columns added since as optional (执行检查表 判定值 …) may be absent
        headers = [c.value for c in wb[sheet.name][1]]
        assert {c.header for c in sheet.columns if not c.optional} <= set(headers), sheet.name
        if sheet.group == S.OUTPUT:
            assert headers[: len(sheet.headers)] == sheet.headers
    ws = wb["超时预警"]
    headers = [c.value for c in ws[1]]
    assert headers[-1] == "主管备注"
    notes = {ws.cell(r, headers.index("工单号") + 1).value: ws.cell(r, headers.index("处理意见") + 1).value
             for r in range(2, ws.max_row + 1)}
    assert notes["SV202606150004"] == "已电话联系，客户六月出差；配件已到，等客户约时间"
    assert "超时预警表" in ws.tables and "开始使用表" in wb["开始使用"].tables
