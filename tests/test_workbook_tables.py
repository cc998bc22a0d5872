"""Rows that are not tickets: the table's totals row, content outside the table, Excel's last row."""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest

from macros.refresh import dispatch, refresh_all
from workbook import ChangeSet, open_workbook, read_file
from workbook.errors import RowsInTheWay, SheetFull
from workbook.reader import EXCEL_MAX_ROWS, TableLayout
from workbook.writer import _make_room
from workbook.xlsxpatch import SheetPatch

from tests.conftest import NOW
from tests.excelxml import cell_xml

INTAKE = "客户服务信息登记表"


def add_totals_row(path: Path) -> int:
    """Turn on 登记表's totals row as Excel does (表格设计 → 汇总行); returns its row."""
    wb = openpyxl.load_workbook(path)
    ws = wb[INTAKE]
    table = ws.tables["登记表"]
    first, last = table.ref.split(":")
    end = int(re.search(r"\d+", last).group())
    letters = re.match(r"[A-Z]+", last).group()
    totals = end + 1
    ws.cell(totals, 1).value = "汇总"
    ws.cell(totals, 2).value = "=SUBTOTAL(103,登记表[受理时间])"
    ws.cell(totals, 2).number_format = "0"
    table.ref = f"{first}:{letters}{totals}"
    table.totalsRowCount = 1
    table.autoFilter.ref = f"{first}:{letters}{end}"
    wb.save(path)
    return totals


def _table(path: Path) -> tuple[str, str]:
    """(ref, autoFilter ref) of the intake's table."""
    from workbook.xlsxpatch import Package

    pkg = Package(path)
    try:
        (part,) = pkg.tables_of(pkg.sheets[INTAKE].part)
        xml = pkg.read(part).decode()
    finally:
        pkg.close()
    return (re.search(r'<table[^>]*\bref="([^"]+)"', xml).group(1),
            re.search(r'<autoFilter ref="([^"]+)"', xml).group(1))


def test_a_totals_row_is_not_a_ticket(demo_book):
    totals = add_totals_row(demo_book)
    before = cell_xml(demo_book, INTAKE, f"B{totals}")
    snap = read_file(demo_book)
    frame = snap.frame(INTAKE)
    assert totals not in frame.index
    assert len(frame) == totals - 2  # every row between the header and the totals row
    result = refresh_all(demo_book, now=NOW)
    added = int(re.search(r"新增 (\d+) 行", " ".join(result.lines)).group(1))  # 二次处理 tickets
    moved = totals + added
    # The totals row keeps its formula and gets nothing written into it (no 数据异常, no number);
    # the new tickets went in above it.
    assert cell_xml(demo_book, INTAKE, f"B{moved}") == before.replace(
        f'r="B{totals}"'.encode(), f'r="B{moved}"'.encode())
    ws = openpyxl.load_workbook(demo_book)[INTAKE]
    assert [c.value for c in ws[moved]][:2] == ["汇总", "=SUBTOTAL(103,登记表[受理时间])"]
    assert all(v is None for v in [c.value for c in ws[moved]][2:])
    assert _table(demo_book)[0] == f"A1:AO{moved}"
    issues = read_file(demo_book).frame("数据问题")
    assert not {totals, moved} & set(issues.loc[issues["工作表"] == INTAKE, "行号"])


def test_new_tickets_go_above_the_totals_row_which_moves_down(demo_book):
    totals = add_totals_row(demo_book)
    with open_workbook(demo_book) as session:
        changes = ChangeSet()
        changes.sheet(INTAKE).appends = [
            {"受理时间": NOW, "客户名称/姓名": "新客户甲", "需求类型": "维修类"},
            {"受理时间": NOW, "客户名称/姓名": "新客户乙", "需求类型": "咨询类"},
        ]
        session.commit(changes, now=NOW)
    ws = openpyxl.load_workbook(demo_book)[INTAKE]
    assert ws.cell(totals, 4).value == "新客户甲" and ws.cell(totals + 1, 4).value == "新客户乙"
    assert [c.value for c in ws[totals + 2]][:2] == ["汇总", "=SUBTOTAL(103,登记表[受理时间])"]
    assert _table(demo_book) == (f"A1:AO{totals + 2}", f"A1:AO{totals + 1}")
    frame = read_file(demo_book).frame(INTAKE)
    assert frame.loc[[totals, totals + 1], "客户名称/姓名"].tolist() == ["新客户甲", "新客户乙"]
    assert totals + 2 not in frame.index


def test_a_note_in_excels_last_row_is_reported_and_costs_nothing(demo_book):
    wb = openpyxl.load_workbook(demo_book)
    wb[INTAKE].cell(EXCEL_MAX_ROWS, 1).value = "备注：数据截至11月"
    wb.save(demo_book)
    # In a fresh process, so its peak memory is the run's own.
    code = ("import resource, datetime as dt, sys; from macros.refresh import dispatch, refresh_all; "
            f"r = refresh_all(sys.argv[1], now=dt.datetime({NOW.year}, {NOW.month}, {NOW.day}, 16)); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", code, str(demo_book)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    peak_mb = int(proc.stdout.split()[-1]) / 1024
    # The issue measured 2 GB with the note (148 MB without); a million-row grid cannot fit here.
    assert peak_mb < 600, peak_mb
    snap = read_file(demo_book)
    data = snap[INTAKE]
    assert data.outside_rows == [EXCEL_MAX_ROWS]
    assert EXCEL_MAX_ROWS not in data.frame.index
    problems = [p for p in data.problems if p.row == EXCEL_MAX_ROWS]
    assert problems and "表格「登记表」之外还有内容" in problems[0].reason
    ws = openpyxl.load_workbook(demo_book, read_only=True)[INTAKE]
    note = [row for row in ws.iter_rows(min_row=EXCEL_MAX_ROWS, max_row=EXCEL_MAX_ROWS, values_only=True)]
    assert note[0][0] == "备注：数据截至11月" and all(v is None for v in note[0][1:])


def test_rows_typed_just_below_the_table_are_tickets_and_the_table_grows(demo_book):
    """LibreOffice and scripts do not grow an Excel table when a row is typed below it."""
    snap = read_file(demo_book)
    end = snap[INTAKE].table.ref_end
    wb = openpyxl.load_workbook(demo_book)
    ws = wb[INTAKE]
    heads = [c.value for c in ws[1]]
    ws.cell(end + 1, heads.index("受理时间") + 1).value = NOW
    ws.cell(end + 1, heads.index("客户名称/姓名") + 1).value = "表格下方的客户"
    ws.cell(end + 1, heads.index("需求类型") + 1).value = "咨询类"
    wb.save(demo_book)
    data = read_file(demo_book)[INTAKE]
    assert data.frame.at[end + 1, "客户名称/姓名"] == "表格下方的客户"
    assert data.outside_rows == []
    dispatch(demo_book, now=NOW)  # writes 登记表, adds no rows
    assert _table(demo_book)[0] == f"A1:AO{end + 1}"
    assert read_file(demo_book).frame(INTAKE).at[end + 1, "服务工单号"] is not None


def _stub(last_row: int, body_end: int, totals: int = 0, outside: list[int] | None = None):
    layout = TableLayout("登记表", "xl/tables/table1.xml", 1, 0, 40, body_end + totals, totals)
    return types.SimpleNamespace(table=layout, outside_rows=outside or [], last_row=last_row)


def test_nothing_is_written_past_excels_last_row():
    with pytest.raises(SheetFull, match="1,048,576"):
        _make_room(INTAKE, _stub(EXCEL_MAX_ROWS - 1, EXCEL_MAX_ROWS - 1), EXCEL_MAX_ROWS - 1,
                   EXCEL_MAX_ROWS + 1, SheetPatch())
    # A totals row needs its own row below the new ones.
    with pytest.raises(SheetFull):
        _make_room(INTAKE, _stub(EXCEL_MAX_ROWS - 2, EXCEL_MAX_ROWS - 2, totals=1), EXCEL_MAX_ROWS - 2,
                   EXCEL_MAX_ROWS, SheetPatch())
    patch = SheetPatch()
    _make_room(INTAKE, _stub(100, 100, totals=1), 100, 102, patch)
    assert patch.moves == {101: 103}


def test_new_rows_never_land_on_content_outside_the_table():
    with pytest.raises(RowsInTheWay, match="第102行"):
        _make_room(INTAKE, _stub(100, 100, outside=[102, 900]), 100, 103, SheetPatch())


def test_a_new_ticket_gets_the_tables_calculated_column(demo_book):
    from openpyxl.worksheet.table import TableColumn, TableFormula

    wb = openpyxl.load_workbook(demo_book)
    ws = wb[INTAKE]
    table = ws.tables["登记表"]
    end = int(re.search(r"\d+$", table.ref).group())
    ws.cell(1, 42).value = "受理日期"
    formula = "INT(登记表[[#This Row],[受理时间]])"
    for r in range(2, end + 1):
        ws.cell(r, 42).value = f"=INT(B{r})"
    table.ref = f"A1:AP{end}"
    table.autoFilter.ref = table.ref
    table.tableColumns.append(TableColumn(id=42, name="受理日期",
                                          calculatedColumnFormula=TableFormula(attr_text=formula)))
    wb.save(demo_book)
    assert read_file(demo_book)[INTAKE].table.calculated == {41: formula}
    with open_workbook(demo_book) as session:
        changes = ChangeSet()
        changes.sheet(INTAKE).appends = [{"受理时间": NOW, "客户名称/姓名": "新客户", "需求类型": "维修类"}]
        session.commit(changes, now=NOW)
    assert f"<f>{formula}</f>".encode() in cell_xml(demo_book, INTAKE, f"AP{end + 1}")
    with zipfile.ZipFile(demo_book) as z:  # no cached value yet: Excel computes it on open
        assert re.search(rb'<calcPr\b[^>]*fullCalcOnLoad="1"', z.read("xl/workbook.xml"))


def test_a_row_whose_date_is_na_gets_no_ticket_number_until_it_is_valid(new_book):
    wb = openpyxl.load_workbook(new_book)
    ws = wb[INTAKE]
    heads = [c.value for c in ws[1]]
    ws.cell(2, heads.index("受理时间") + 1).value = "=NA()"
    ws.cell(2, heads.index("客户名称/姓名") + 1).value = "张三"
    ws.cell(2, heads.index("需求类型") + 1).value = "维修类"
    wb.save(new_book)
    # Excel saves =NA() as an error cell with its cached #N/A.
    from workbook.xlsxpatch import Package

    pkg = Package(new_book)
    part = pkg.sheets[INTAKE].part  # not sheet1: 开始使用 is the first tab
    pkg.close()
    with zipfile.ZipFile(new_book) as z:
        xml = z.read(part)
    xml = xml.replace(b'<c r="B2"', b'<c r="B2" t="e"', 1).replace(b"<f>NA()</f><v></v>", b"<f>NA()</f><v>#N/A</v>")
    xml = xml.replace(b"<f>NA()</f></c>", b"<f>NA()</f><v>#N/A</v></c>")
    tmp = new_book.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(new_book) as z, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info, xml if info.filename == part else z.read(info.filename))
    tmp.replace(new_book)
    assert b"#N/A" in cell_xml(new_book, INTAKE, "B2")
    dispatch(new_book, now=NOW)
    assert read_file(new_book).frame(INTAKE).at[2, "服务工单号"] is None
    # Staff correct the date: the next run numbers it from that date.
    wb = openpyxl.load_workbook(new_book)
    wb[INTAKE].cell(2, heads.index("受理时间") + 1).value = NOW
    wb.save(new_book)
    dispatch(new_book, now=NOW)
    assert read_file(new_book).frame(INTAKE).at[2, "服务工单号"] == "SV202611200001"
