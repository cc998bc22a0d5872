"""Formula cells the program writes carry their computed value (SPEC §13).

Other programs show a formula cell's cached value on open: LibreOffice 7.4 does not recalculate
an .xlsx on load (its default), so what it prints is exactly the value the writer stored.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from workbook import ChangeSet, open_workbook, read_file
from workbook.formulas import Formula
from workbook.xlsxpatch import CellWriter
from workbook.styles import StyleBook

NOW = dt.datetime(2026, 11, 20, 16, 0)
CHECKLIST = "执行检查表"


def _write(book, cells: dict[str, dict[int, object]]):
    with open_workbook(book) as session:
        changes = ChangeSet()
        changes.sheet(CHECKLIST).cells.update(cells)
        assert session.commit(changes, now=NOW).written


def test_formula_cell_xml_holds_formula_and_cached_value():
    styles = StyleBook(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       b'<numFmts count="0"/><cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>')
    writer = CellWriter(styles, False, lambda: 7)
    # Hand-written expectations: Excel's own spelling of a calculated formula cell.
    assert writer.xml("F2", Formula('CHECK_THRESHOLD(A2,"≥")', "合格"), 0) == (
        '<c r="F2" t="str"><f>CHECK_THRESHOLD(A2,"≥")</f><v>合格</v></c>').encode()
    assert writer.xml("F3", Formula("X(A3)", None), 0) == b'<c r="F3" t="str"><f>X(A3)</f><v></v></c>'
    assert writer.xml("F4", Formula("X(A4)", 2.5), 0) == b'<c r="F4"><f>X(A4)</f><v>2.5</v></c>'
    # 2026-11-20 12:00 is serial 46346.5 (days since 1899-12-30); a date gets a date format.
    assert writer.xml("F5", Formula("X(A5)", dt.datetime(2026, 11, 20, 12)), 0) == (
        b'<c r="F5" s="7"><f>X(A5)</f><v>46346.5</v></c>')
    assert writer.xml("F6", Formula("A1<B1", "a&b"), 0) == (
        b'<c r="F6" t="str"><f>A1&lt;B1</f><v>a&amp;b</v></c>')
    with pytest.raises(ValueError):
        Formula("=A1")


def test_formula_cells_read_back_as_their_values_and_formulas(new_book):
    # Rows 2 and 3 of the checklist are seed rows; 整改状态 is a program column.
    _write(new_book, {"整改状态": {2: Formula('"待"&"整改"', "待整改"), 3: Formula("1+1", None)}})
    assert read_file(new_book).frame(CHECKLIST)["整改状态"].loc[[2, 3]].tolist() == ["待整改", None]
    ws = openpyxl.load_workbook(new_book)[CHECKLIST]
    column = [c.value for c in ws[1]].index("整改状态") + 1
    assert ws.cell(2, column).value == '="待"&"整改"'
    assert ws.cell(3, column).value == "=1+1"


@pytest.mark.libreoffice
def test_libreoffice_shows_the_cached_value_not_a_recalculation(new_book, libreoffice_csv):
    # The cached values deliberately differ from what the formulas would compute: LibreOffice
    # must print the stored value, which proves it did not recalculate (and so never shows
    # #NAME? for an add-in function it does not have).
    _write(new_book, {"整改状态": {2: Formula("NO_SUCH_FUNCTION(1)", "待验证"), 3: Formula("1+1", "验证通过")}})
    rows = libreoffice_csv(new_book)[CHECKLIST]
    column = rows[0].index("整改状态")
    assert [rows[1][column], rows[2][column]] == ["待验证", "验证通过"]

