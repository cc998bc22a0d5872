"""Live cells in Windows Excel (SPEC §13): the checklist's verdicts and rectification statuses are
UDF formulas that carry their computed values, so every other program shows the same values.

Three independent views of one cell are compared: the value the routine computed (stored in the
file, read back by python-calamine), what LibreOffice shows on open (its CSV export), and what
Excel would calculate (the Excel stand-in recalculating the formula through the UDFs the way
xlwings calls them).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from macros import refresh
from tests import fakexw
from tests.conftest import NOW
from workbook import read_file

CHECKLIST = "执行检查表"
DATA = Path(__file__).parent / "data"


def _column(ws, header: str) -> int:
    return [c.value for c in ws[1]].index(header) + 1


def _formula_cells(path):
    """{(row, header): formula} of the checklist's 检查结果 and 整改状态 cells."""
    ws = openpyxl.load_workbook(path)[CHECKLIST]
    out = {}
    for header in ("检查结果", "整改状态"):
        col = _column(ws, header)
        for row in range(2, ws.max_row + 1):
            value = ws.cell(row=row, column=col).value
            if isinstance(value, str) and value.startswith("="):
                out[(row, header)] = value
    return out


@pytest.fixture
def refreshed(demo_book):
    refresh.refresh_all(demo_book, now=NOW)
    return demo_book


def test_checklist_verdicts_and_statuses_are_udf_formulas_without_volatile_functions(refreshed):
    cells = _formula_cells(refreshed)
    checks = read_file(refreshed).frame(CHECKLIST)
    automatic = set(checks.index[checks["判定方式"] == "自动"])
    assert {r for r, h in cells if h == "检查结果"} == automatic  # the inspector's rows stay values
    assert {r for r, h in cells if h == "整改状态"} == set(checks.index)
    for (row, header), formula in cells.items():
        # blank results come from a native IF; the verdict and the status from the UDFs
        assert formula.startswith("=IF(")
        assert ("CHECK_THRESHOLD(" if header == "检查结果" else "RECTIFICATION_STATUS(") in formula
        assert "NOW(" not in formula and "TODAY(" not in formula
    # the as-of date is a cell the routine stamps
    assert set(checks["状态日期"]) == {dt.datetime(2026, 11, 20)}


@pytest.mark.libreoffice
def test_libreoffice_shows_exactly_what_the_routine_computed_and_excel_would(refreshed, libreoffice_csv):
    cells = _formula_cells(refreshed)
    stored = read_file(refreshed).frame(CHECKLIST)
    rows = libreoffice_csv(refreshed)[CHECKLIST]
    header = rows[0]
    shown = {(i + 2, h): line[header.index(h)] for i, line in enumerate(rows[1:]) for h in ("检查结果", "整改状态")}
    book = fakexw.Book(refreshed)
    calc = book.calculation()
    calc.recalculate()  # Ctrl+Alt+F9 in Excel with the add-in
    sheet = book.wb[CHECKLIST]
    for (row, h) in cells:
        routine = stored.at[row, h]
        excel = calc.value((CHECKLIST, row, _column(sheet, h)))
        assert shown[(row, h)] == ("" if routine is None else routine), (row, h)
        assert excel == routine, (row, h)
    # Not vacuous: the demo data fails some rows (see tests/test_project.py for why), and a
    # failed row has a rectification status.
    verdicts = [shown[k] for k in cells if k[1] == "检查结果"]
    assert "不合格" in verdicts and "合格" in verdicts
    assert {"整改中", "待整改"} <= {shown[k] for k in cells if k[1] == "整改状态"}


def test_a_second_refresh_leaves_the_formula_cells_alone(refreshed):
    before = _formula_cells(refreshed)
    result = refresh.refresh_all(refreshed, now=NOW)
    assert not any(f"{CHECKLIST}：更新" in line for line in result.lines), result.lines
    assert _formula_cells(refreshed) == before


def test_an_owner_sees_the_status_change_as_they_type(refreshed):
    """In Excel with the add-in: typing 整改完成日期, then 通过, updates 整改状态 at once."""
    book = fakexw.Book(refreshed)
    calc = book.calculation()
    sheet = book.wb[CHECKLIST]
    checks = read_file(refreshed).frame(CHECKLIST)
    row = int(checks.index[checks["检查项"] == "流程手册及知识库是否更新"][0])  # 不合格, measure under way
    status = (CHECKLIST, row, _column(sheet, "整改状态"))
    assert calc.value(status) == "整改中"
    stats = calc.edit(CHECKLIST, row, "整改完成日期", dt.datetime(2026, 11, 20))
    assert calc.value(status) == "待验证"
    assert stats.udf_calls == {"RECTIFICATION_STATUS": 1}  # only that row's status recalculates
    calc.edit(CHECKLIST, row, "整改结果验证", "通过")
    assert calc.value(status) == "验证通过"


def test_a_value_staff_type_over_a_formula_is_never_overwritten(refreshed):
    """The inspector overrules an automatic verdict by typing over its formula in Excel: the
    next refresh keeps what they typed and says how to get the formula back."""
    checks = read_file(refreshed).frame(CHECKLIST)
    row = int(checks.index[checks["检查项"] == "全面推广是否按计划进行"][0])
    assert checks.at[row, "检查结果"] == "不合格"  # the demo's late rollout batch (tests/test_project.py)
    book = fakexw.Book(refreshed)
    calc = book.calculation()
    calc.recalculate()
    col = _column(book.wb[CHECKLIST], "检查结果")
    calc.edit(CHECKLIST, row, "检查结果", "合格")
    book.save()

    result = refresh.refresh_all(refreshed, now=NOW)

    cell = openpyxl.load_workbook(refreshed)[CHECKLIST].cell(row=row, column=col)
    assert cell.value == "合格"
    assert [p.level for p in result.problems if (p.sheet, p.row, p.column) == (CHECKLIST, row, "检查结果")] == ["提示"]
    after = read_file(refreshed).frame(CHECKLIST)
    assert after.at[row, "整改状态"] is None  # its status follows the typed verdict: nothing to rectify
    assert (row, "检查结果") not in _formula_cells(refreshed)


def test_a_workbook_made_by_the_previous_version_refreshes_cleanly(tmp_path):
    """tests/data/previous_version_demo.xlsx was made by the version before live cells
    (``aftersales demo --tickets 120 --seed 3 --now '2026-11-20 16:00'``): its 执行检查表 has no
    判定值, 目标值 or 状态日期. Refreshed at the same moment it keeps the verdicts and statuses
    that version computed, as values, and writes nothing to the checklist."""
    path = tmp_path / "old.xlsx"
    shutil.copy(DATA / "previous_version_demo.xlsx", path)
    before = read_file(path).frame(CHECKLIST)
    assert "判定值" not in before.columns

    result = refresh.refresh_all(path, now=NOW)

    assert not result.errors, result.errors
    after = read_file(path).frame(CHECKLIST)
    # Nothing changes but 实测值, whose wording says which reading is judged since #12.
    for header in before.columns.drop("实测值"):
        assert after[header].fillna("").tolist() == before[header].fillna("").tolist(), header
    assert "不合格" in after["检查结果"].tolist()
    assert _formula_cells(path) == {}


def test_after_excel_without_the_add_in_saved_name_errors_a_refresh_restores_the_values(refreshed):
    """macOS Excel recalculates the checklist (the UDFs do not exist there) and saves #NAME? in the
    cells that call a UDF — not where the native IF gives a blank. A refresh writes the computed
    values back, with their formulas."""
    expected = read_file(refreshed).frame(CHECKLIST)
    book = fakexw.Book(refreshed, udfs=False)
    book.calculation().recalculate()
    book.save()
    ws = openpyxl.load_workbook(refreshed, data_only=True)[CHECKLIST]
    col = _column(ws, "整改状态")
    saved = {r: ws.cell(row=r, column=col).value for r in expected.index}
    # #NAME? where the verdict is the UDF's (the error reaches the status through its IF) or is
    # the inspector's 不合格; blank on the inspector's 合格 rows.
    calling = set(expected.index[(expected["判定方式"] == "自动") | (expected["检查结果"] == "不合格")])
    assert {r for r, v in saved.items() if v == "#NAME?"} == calling
    assert all(saved[r] in (None, "") for r in set(expected.index) - calling)

    result = refresh.refresh_all(refreshed, now=NOW)

    # an error cached in a program formula is not a data problem to report
    assert not [p for p in result.problems if p.sheet == CHECKLIST and "#NAME?" in str(p.value)]

    after = read_file(refreshed).frame(CHECKLIST)
    for header in ("检查结果", "整改状态"):
        assert after[header].tolist() == expected[header].tolist()


def test_the_ribbon_writes_the_same_formulas_and_a_second_click_writes_none(demo_book, tmp_path):
    """全部刷新 from the ribbon (Excel with the add-in): the checklist gets the same formulas as a
    headless run, they calculate to the routine's values, and clicking again changes nothing —
    Excel's Range.Formula spells this-row references [@列], the file 表[[#This Row],[列]]."""
    headless = tmp_path / "headless.xlsx"
    shutil.copy(demo_book, headless)
    refresh.refresh_all(headless, now=NOW)
    book = fakexw.Book(demo_book)
    refresh.refresh_all(book, now=NOW)
    book.save()
    assert _formula_cells(demo_book) == _formula_cells(headless)
    expected = read_file(headless).frame(CHECKLIST)
    live = read_file(demo_book).frame(CHECKLIST)  # values Excel calculated and saved
    for header in ("检查结果", "整改状态"):
        assert live[header].tolist() == expected[header].tolist()

    book = fakexw.Book(demo_book)
    sheet = book.sheets[CHECKLIST]
    col = _column(book.wb[CHECKLIST], "整改状态")
    for row in range(2, 17):  # the spelling Excel's Range.Formula gives back
        cell = book.wb[CHECKLIST].cell(row=row, column=col)
        cell.value = re.sub(r"执行检查表\[\[#This Row\],\[([^\]]+)\]\]", r"[@\1]", cell.value)
    result = refresh.refresh_all(book, now=NOW)
    assert not any(line.startswith(f"{CHECKLIST}：更新") for line in result.lines), result.lines
    assert sheet.range((2, col)).formula.startswith("=IF([@检查结果]<>")  # not rewritten
