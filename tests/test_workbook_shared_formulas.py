"""Formulas people put in the workbook: filled-down (shared) formula groups survive a write over
any of their cells; a formula in a column staff may fill is theirs, whatever it shows."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from macros.refresh import dispatch, refresh_all
from workbook import read_file
from workbook.styles import StyleBook
from workbook.xlsxpatch import CellWriter, Package, SheetPatch, col_letter, patch_sheet_xml, rewrite_zip

from tests.conftest import NOW
from tests.excelxml import cell_xml, put_formulas

DATA = Path(__file__).parent / "data"
INTAKE = "客户服务信息登记表"


def _patched_copy(src: Path, dst: Path, cells: dict[int, dict[int, object]]) -> Path:
    """``src`` with ``cells`` written into its first sheet by the patcher, as a routine would."""
    pkg = Package(src)
    try:
        styles = StyleBook(pkg.read("xl/styles.xml"))
        part = next(iter(pkg.sheets.values())).part
    finally:
        pkg.close()
    writer = CellWriter(styles, False, lambda: 0)
    patch = SheetPatch(cells=cells)
    rewrite_zip(src, dst, {}, {}, set(),
                {part: lambda s, d: d.write(patch_sheet_xml(s.read(), patch, writer))})
    return dst


def _sheet_data(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    return xml[xml.index(b"<sheetData"): xml.index(b"</sheetData>")]


# ---- Excel-saved files (tests/data, from calamine's test corpus, saved by Excel 16 for Mac) ----
def test_writing_over_the_master_of_a_filled_down_column_moves_the_master(tmp_path, libreoffice):
    # shared_formula_reversed.xlsx: A1:A5 = 1..5, B1 = A1, B2:B5 filled down from B2 = A2.
    out = _patched_copy(DATA / "shared_formula_reversed.xlsx", tmp_path / "out.xlsx", {2: {1: 99}})
    xml = _sheet_data(out)
    assert b'<c r="B2"><v>99</v></c>' in xml
    assert b'<f t="shared" ref="B3:B5" si="0">A3</f>' in xml  # the next cell carries the formula
    ws = openpyxl.load_workbook(out).active
    assert [ws[f"B{r}"].value for r in range(1, 6)] == ["=A1", 99, "=A3", "=A4", "=A5"]
    # LibreOffice shows the group's values (empty cells here were the data loss).
    rows = list(csv.reader(libreoffice(out, "csv").open(encoding="utf-8")))
    assert [r[1] for r in rows] == ["1", "99", "3", "4", "5"]


def test_writing_over_the_master_of_a_rectangle_gives_each_cell_its_formula(tmp_path):
    # issue_567_absolute_shared.xlsx: B1:E3 shared from B1 = B$1 (row absolute), A2:A3 from A$1.
    out = _patched_copy(DATA / "issue_567_absolute_shared.xlsx", tmp_path / "out.xlsx", {1: {1: 7}})
    ws = openpyxl.load_workbook(out).active
    # Expected by hand: the column letter follows the cell, the $1 row stays.
    assert ws["B1"].value == 7
    for r in (1, 2, 3):
        for c in "CDE":
            assert ws[f"{c}{r}"].value == f"={c}$1", (c, r)
    assert [ws[f"B{r}"].value for r in (2, 3)] == ["=B$1", "=B$1"]
    assert ws["A3"].value == "=A$1"  # the other group is untouched
    xml = _sheet_data(out)
    assert b'si="0"' not in xml and b'<f t="shared" ref="A2:A3" ca="1" si="1">A$1</f>' in xml


def test_writing_over_a_dependent_leaves_the_group_as_it_was(tmp_path):
    out = _patched_copy(DATA / "shared_formula_reversed.xlsx", tmp_path / "out.xlsx", {4: {1: 40}})
    xml = _sheet_data(out)
    assert b'<f t="shared" ref="B2:B5" si="0">A2</f>' in xml
    ws = openpyxl.load_workbook(out).active
    assert [ws[f"B{r}"].value for r in range(2, 6)] == ["=A2", "=A3", 40, "=A5"]


# ---- the team's workbook ------------------------------------------------------------------------
@pytest.fixture
def refreshed(demo_book) -> Path:
    refresh_all(demo_book, now=NOW)
    return demo_book


def test_a_filled_down_formula_in_a_program_column_keeps_all_its_rows(refreshed, libreoffice_csv):
    """解决时限 filled down by a supervisor (as Excel saves it): the run rewrites the top cell's
    value; the other rows must keep their formula and value (the issue lost 518 of 520)."""
    book = refreshed
    snap = read_file(book)
    data = snap[INTAKE]
    col = data.columns["解决时限"]
    due = data.frame["解决时限"]
    filled = set(due.index[due.notna()])
    start = next(r for r in sorted(filled) if all(r + i in filled for i in range(40)))
    rows = list(range(start, start + 40))  # forty rows in a run, all with a deadline
    serial = {r: (due[r] - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1) for r in rows}
    accepted = data.columns["受理时间"]
    letter = col_letter(accepted)
    # Cached values: what the program computed (a live UDF would show the same), except the top
    # row's, which is stale — so the run writes over exactly the master cell.
    put_formulas(book, INTAKE, col, rows, lambda r: f"{letter}{r}+3",
                 lambda r: 1.0 if r == rows[0] else round(serial[r], 10))
    assert b't="shared" ref=' in cell_xml(book, INTAKE, f"{col_letter(col)}{rows[0]}")

    refresh_all(book, now=NOW)
    target = col_letter(col)
    assert b"<f" not in cell_xml(book, INTAKE, f"{target}{rows[0]}")  # the program's value
    master = cell_xml(book, INTAKE, f"{target}{rows[1]}")
    assert f'ref="{target}{rows[1]}:{target}{rows[-1]}"'.encode() in master
    assert f">{letter}{rows[1]}+3</f>".encode() in master
    ws = openpyxl.load_workbook(book)[INTAKE]
    assert [ws[f"{target}{r}"].value for r in rows[1:]] == [f"={letter}{r}+3" for r in rows[1:]]
    # LibreOffice shows a date in every row of the group.
    shown = libreoffice_csv(book)[INTAKE]
    j = shown[0].index("解决时限")
    assert all(shown[r - 1][j] for r in rows), [r for r in rows if not shown[r - 1][j]]


def test_staff_formulas_in_a_fill_column_are_never_replaced(demo_book):
    """紧急程度 filled down with a staff formula; where it shows "" the program used to write its
    own value over it (505 cells in the issue)."""
    data = read_file(demo_book)[INTAKE]
    col = data.columns["紧急程度"]
    desc = col_letter(data.columns["问题描述"])
    rows = list(data.frame.index)
    complaint = {r: "投诉" in str(data.frame.at[r, "问题描述"] or "") for r in rows}
    put_formulas(demo_book, INTAKE, col, rows,
                 lambda r: f'IF(ISNUMBER(SEARCH("投诉",{desc}{r})),"紧急","")',
                 lambda r: "紧急" if complaint[r] else "")
    before = {r: cell_xml(demo_book, INTAKE, f"{col_letter(col)}{r}") for r in rows}
    assert sum(1 for r in rows if not complaint[r]) > 50  # many cells show ""

    snap = read_file(demo_book)
    assert snap[INTAKE].formulas["紧急程度"] == frozenset(rows)
    result = refresh_all(demo_book, now=NOW)
    assert result.written
    after = {r: cell_xml(demo_book, INTAKE, f"{col_letter(col)}{r}") for r in rows}
    changed = [r for r in rows if after[r] != before[r]]
    assert changed == []
    # The run still did its work: deadlines were computed for these tickets.
    assert read_file(demo_book).frame(INTAKE)["解决时限"].notna().sum() > 0


def test_a_formula_in_a_fill_column_is_kept_by_dispatch_even_when_blank(demo_book):
    data = read_file(demo_book)[INTAKE]
    col = data.columns["处理人"]
    first = int(data.frame.index[0])
    put_formulas(demo_book, INTAKE, col, [first], lambda r: 'IF(1=0,"王志刚","")', lambda r: "",
                 shared=False)
    dispatch(demo_book, now=NOW)
    assert re.search(rb'<f>IF\(1=0,&quot;|<f>IF\(1=0,"', cell_xml(demo_book, INTAKE, f"{col_letter(col)}{first}"))
