"""Which style a rewritten cell keeps: the rule staff see as "my formatting stayed".

A cell the program rewrites keeps its own format (s="…"); a cell it creates takes the row's
format when the row has one, else the column's; a look set explicitly by the routine (reports)
wins over both. Expected XML is written by hand from that rule. Both ways the patcher edits a row
are covered: the fast scan (targets found in column order) and the full parse (a target between
existing cells, a self-closing row).
"""

from __future__ import annotations

import re

import pytest

from workbook.styles import StyleBook
from workbook.xlsxpatch import CellWriter, SheetPatch, patch_sheet_xml

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = (f'<styleSheet xmlns="{NS}"><cellXfs count="10">' + '<xf numFmtId="0"/>' * 10
          + "</cellXfs></styleSheet>").encode()
SHEET = (
    f'<worksheet xmlns="{NS}"><dimension ref="A1:C7"/>'
    '<cols><col min="3" max="3" width="10" style="4" customWidth="1"/></cols><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>'
    '<row r="2"><c r="A2" s="7"><v>1</v></c><c r="B2" s="5"><v>2</v></c></row>'
    '<row r="3" s="6" customFormat="1"><c r="A3"><v>1</v></c></row>'
    '<row r="4"/>'
    '<row r="5"><c r="A5" s="8"><v>1</v></c><c r="C5"><v>3</v></c></row>'
    '<row r="7" s="6" customFormat="1"><c r="A7" s="2"><v>1</v></c><c r="C7" s="3"><v>1</v></c></row>'
    "</sheetData></worksheet>"
).encode()


def patched(cells: dict[int, dict[int, object]], styles: dict | None = None) -> dict[str, str]:
    writer = CellWriter(StyleBook(STYLES), date1904=False, date_style=lambda: 1)
    xml = patch_sheet_xml(SHEET, SheetPatch(cells=cells, styles=styles or {}), writer).decode()
    return {m.group(1): m.group(0) for m in re.finditer(r'<c r="([A-Z]+\d+)".*?(?:</c>|/>)', xml)}


def style_of(cell_xml: str) -> str | None:
    m = re.search(r' s="(\d+)"', cell_xml)
    return m.group(1) if m else None


def test_a_rewritten_cell_keeps_its_own_format():  # fast scan
    cells = patched({2: {1: 99}})
    assert cells["B2"] == '<c r="B2" s="5"><v>99</v></c>'
    assert cells["A2"] == '<c r="A2" s="7"><v>1</v></c>'  # untouched


def test_a_rewritten_cell_keeps_its_own_format_when_the_row_is_parsed_whole():
    # B5 must go between A5 and C5: the patcher parses the row; A5 still keeps s="8".
    cells = patched({5: {0: 10, 1: 20}})
    assert cells["A5"] == '<c r="A5" s="8"><v>10</v></c>'
    assert style_of(cells["B5"]) is None  # no own, row or column format: the default
    assert cells["C5"] == '<c r="C5"><v>3</v></c>'


@pytest.mark.parametrize("cells, ref, style", [
    ({3: {0: 5}}, "A3", "6"),  # existing cell without a format in a formatted row: the row's
    ({3: {2: 5}}, "C3", "6"),  # new cell in a formatted row: the row's, not the column's
    ({2: {2: 5}}, "C2", "4"),  # new cell in a plain row: the column's
    ({4: {2: 5}}, "C4", "4"),  # new cell in a self-closing row (parsed whole): the column's
    ({6: {2: 5}}, "C6", "4"),  # appended row: the column's
])
def test_a_new_cell_takes_the_row_format_else_the_column_format(cells, ref, style):
    assert style_of(patched(cells)[ref]) == style


def test_a_look_set_by_the_routine_wins_over_the_cell_format():
    cells = patched({2: {0: 3, 1: 4}, 5: {0: 1, 1: 2}}, styles={(2, 0): 9, (5, 0): 9})
    assert style_of(cells["A2"]) == "9" and style_of(cells["B2"]) == "5"
    assert style_of(cells["A5"]) == "9"


def test_a_cell_with_its_own_format_keeps_it_in_a_formatted_row():
    # Row 7 has a row format (s=6) but A7 and C7 were formatted by hand (s=2, s=3): staff's cell
    # format is closer to what they typed than the row's, so it stays — on the fast scan (A7, C7
    # found in column order) and when the row is parsed whole (B7 must go between them).
    fast = patched({7: {0: 10}})
    assert fast["A7"] == '<c r="A7" s="2"><v>10</v></c>'
    whole = patched({7: {1: 20, 2: 30}})
    assert style_of(whole["B7"]) == "6"  # new: the row's
    assert whole["C7"] == '<c r="C7" s="3"><v>30</v></c>'
