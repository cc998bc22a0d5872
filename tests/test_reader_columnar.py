"""The columnar read (workbook/columnar.py: fastexcel's Arrow arrays, typed column by column) gives
exactly the Snapshot the cell-by-cell read (python-calamine, one Python object per cell) gives:
the same frames and dtypes, problems, blank-cell marks, formulas, table rows — on the demo, the
stored fixtures, workbooks edited the ways staff edit them, and generated (fuzzed) workbooks.

The cell-by-cell read is the reference: every other reader test pins what it gives by hand.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from workbook import columnar, reader
from workbook import schema as S
from workbook.errors import WorkbookError

DATA = Path(__file__).parent / "data"


def assert_same_snapshot(old: reader.Snapshot, new: reader.Snapshot) -> None:
    assert new.present == old.present
    assert new.date1904 == old.date1904 and new.user_formulas == old.user_formulas
    assert list(new.sheets) == list(old.sheets)
    assert [p for p in new.problems] == [p for p in old.problems]
    assert [type(p.value) for p in new.problems] == [type(p.value) for p in old.problems]
    for name, a in old.sheets.items():
        b = new.sheets[name]
        pd.testing.assert_frame_equal(b.frame, a.frame, check_exact=True, obj=name)
        for attr in ("columns", "last_row", "width", "missing_headers", "relayout", "extra_columns",
                     "formulas", "table", "outside_rows", "program_formulas"):
            assert getattr(b, attr) == getattr(a, attr), (name, attr)
        assert list(b.nonblank) == list(a.nonblank), name
        for header, marks in a.nonblank.items():
            pd.testing.assert_series_equal(b.nonblank[header], marks, obj=f"{name} {header}")
        assert (b.extras is None) == (a.extras is None), name
        if a.extras is not None:
            pd.testing.assert_frame_equal(b.extras, a.extras, obj=name)


def read_both(path: Path, monkeypatch=None) -> tuple[reader.Snapshot, reader.Snapshot, list[str]]:
    """(cell by cell, columnar, the sheets the columnar read typed column by column)."""
    typed: list[str] = []
    parse = columnar.parse_sheet

    def spy(sheet, *args, **kwargs):
        typed.append(sheet.name)
        return parse(sheet, *args, **kwargs)

    old = reader._read_file(path, None, columns=False)
    columnar.parse_sheet = spy
    try:
        new = reader._read_file(path, None)
    finally:
        columnar.parse_sheet = parse
    assert_same_snapshot(old, new)
    return old, new, typed


def test_the_demo_reads_the_same_and_its_ticket_sheets_column_by_column(demo_book):
    old, new, typed = read_both(demo_book)
    # the big sheets — tickets, visits, results, callbacks — skip the per-cell Python objects
    assert {S.INTAKE.name, S.SERVICE.name, S.CONFIRMATION.name, S.CALLBACK_PLAN.name} <= set(typed)
    # 系统参数 mixes numbers, dates and text in 值: read cell by cell, still the same values
    assert S.PARAMS.name not in typed
    assert new.params() == old.params() and new.params()


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.xlsx")))
def test_the_stored_fixtures_read_the_same(name, tmp_path):
    path = tmp_path / name
    shutil.copy(DATA / name, path)
    read_both(path)


def _edited(demo_book: Path, edit) -> Path:
    wb = openpyxl.load_workbook(demo_book)
    edit(wb)
    wb.save(demo_book)
    return demo_book


def _cell(ws, header: str, row: int):
    col = [c.value for c in ws[1]].index(header) + 1
    return ws.cell(row=row, column=col)


def _problems(snapshot, sheet, header):
    return [(p.row, p.value, p.reason) for p in snapshot.problems if p.sheet == sheet and p.column == header]


def test_a_phone_typed_as_a_number_is_warned_about_either_way(demo_book):
    path = _edited(demo_book, lambda wb: setattr(_cell(wb[S.INTAKE.name], "联系方式", 5), "value", 13800138000))
    old, new, typed = read_both(path)
    assert S.INTAKE.name not in typed  # a number among texts: the column mixes types
    assert any(row == 5 and "电话号码被存为数字" in reason for row, _, reason in _problems(new, S.INTAKE.name, "联系方式"))


def test_a_date_typed_as_text_is_read_and_noted_either_way(demo_book):
    path = _edited(demo_book, lambda wb: setattr(_cell(wb[S.INTAKE.name], "受理时间", 4), "value", "2026/6/1 9:30"))
    old, new, _ = read_both(path)
    assert new.frame(S.INTAKE.name).at[4, "受理时间"] == pd.Timestamp(2026, 6, 1, 9, 30)
    assert any("日期写成了文字" in reason for *_, reason in _problems(new, S.INTAKE.name, "受理时间"))


def test_a_yes_no_in_a_money_column_is_not_a_number_either_way(demo_book):
    path = _edited(demo_book, lambda wb: setattr(_cell(wb[S.SERVICE.name], "差旅费", 3), "value", True))
    old, new, _ = read_both(path)
    assert (3, True, "不是数字 — 请只填写数字") in _problems(new, S.SERVICE.name, "差旅费")


def test_blanks_spaces_and_look_alike_texts_read_the_same(demo_book):
    def edit(wb):
        ws = wb[S.INTAKE.name]
        _cell(ws, "客户名称/姓名", 6).value = "   "  # spaces only: blank
        _cell(ws, "地址", 7).value = "NA"  # fastexcel's own reader would call this blank; it is text
        _cell(ws, "问题描述", 8).value = "  前后有空格  "  # long text kept as typed
        _cell(ws, "紧急程度", 9).value = "很急"  # not one of the choices
        for cell in ws[10]:
            cell.value = None  # an empty row inside the table
        _cell(ws, "受理时间", 11).value = dt.datetime(2026, 6, 1, 9, 59, 59, 600_000)  # rounds to 10:00
    old, new, typed = read_both(_edited(demo_book, edit))
    assert S.INTAKE.name in typed
    frame = new.frame(S.INTAKE.name)
    assert 10 not in frame.index and frame.at[11, "受理时间"] == pd.Timestamp(2026, 6, 1, 10, 0)
    assert frame.at[7, "地址"] == "NA" and frame.at[8, "问题描述"] == "  前后有空格  "
    assert pd.isna(frame.at[6, "客户名称/姓名"]) and pd.isna(frame.at[9, "紧急程度"])
    assert any(p.reason.startswith("空行已跳过（第10行）") for p in new.problems)


def test_headers_that_column_names_cannot_show_are_read_cell_by_cell(demo_book):
    def edit(wb):
        ws = wb[S.SERVICE.name]
        _cell(ws, "服务类型", 1).value = " 服务类型 "  # spaces around a header
        ws = wb[S.CONFIRMATION.name]
        _cell(ws, "客户评价", 1).value = "处理结果"  # a header twice
    old, new, typed = read_both(_edited(demo_book, edit))
    assert S.SERVICE.name not in typed and S.CONFIRMATION.name not in typed
    assert "服务类型" in new.frame(S.SERVICE.name)
    assert any(p.reason.startswith("表头重复") for p in new.problems if p.sheet == S.CONFIRMATION.name)


def test_an_empty_first_row_and_rows_below_the_table_read_the_same(demo_book):
    def edit(wb):
        ws = wb[S.PAUSES.name]
        last = ws.max_row
        _cell(ws, "暂停原因", last + 3).value = "表格下方的一行"
        ws = wb[S.HOLIDAYS.name]
        for t in list(ws.tables):
            del ws.tables[t]
        ws.insert_rows(1)  # the header now in row 2: the ordinary read sees no header in row 1
    old, new, typed = read_both(_edited(demo_book, edit))
    assert S.HOLIDAYS.name not in typed
    assert new.sheets[S.HOLIDAYS.name].missing_headers
    pauses = new.sheets[S.PAUSES.name]
    assert S.PAUSES.name in typed and pauses.last_row == pauses.table.body_end + 3


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(spec=__import__("tests.test_fuzz_workbooks", fromlist=["books"]).books())
def test_generated_workbooks_read_the_same(spec, tmp_path_factory):
    from tests.test_fuzz_workbooks import write_book

    path = write_book(tmp_path_factory.mktemp("columnar") / "fuzz.xlsx", spec)
    try:
        old = reader._read_file(path, None, columns=False)
    except WorkbookError as exc:
        with pytest.raises(type(exc)) as again:
            reader._read_file(path, None)
        assert str(again.value) == str(exc)
        return
    assert_same_snapshot(old, reader._read_file(path, None))


@pytest.mark.parametrize("value, by_column", [(dt.time(12, 0), False), (-1e8, False), (3e6, False),
                                              (2.9e6, True)])
def test_date_serials_out_of_range_read_the_same(demo_book, value, by_column):
    """A time of day (serial below 1) in a datetime column, serials past year 9999 or before year 1:
    python-calamine gives a time or the number itself, so the sheet is read cell by cell; year 9839
    is a date to both. Each is one problem on its row."""
    path = _edited(demo_book, lambda wb: setattr(_cell(wb[S.INTAKE.name], "受理时间", 3), "value", value))
    old, new, typed = read_both(path)
    assert (S.INTAKE.name in typed) == by_column
    assert [row for row, *_ in _problems(new, S.INTAKE.name, "受理时间")].count(3) == 1
