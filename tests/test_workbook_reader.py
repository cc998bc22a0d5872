"""Reading sheets into typed frames, with a clear message for every bad cell."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from workbook import read_file
from workbook.errors import HeaderMissing, NotAWorkbook, SheetMissing
from workbook.problems import ERROR, NOTICE, WARNING

INTAKE = "客户服务信息登记表"


def _fill(path, sheet, rows, header_edit=None, merge=None):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    for r, values in rows.items():
        for header, value in values.items():
            ws.cell(row=r, column=headers.index(header) + 1, value=value)
    if header_edit:
        old, new = header_edit
        ws.cell(row=1, column=headers.index(old) + 1, value=new)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)


def test_typed_values_and_excel_rows(new_book):
    _fill(new_book, INTAKE, {2: {"受理时间": dt.datetime(2026, 3, 2, 9, 30), "客户名称/姓名": "张三",
                                 "需求类型": "维修类", "联系方式": "013812345678"},
                             3: {"受理时间": "2026/3/3 10:05", "客户名称/姓名": "李四", "需求类型": "咨询类"}})
    snap = read_file(new_book)
    frame = snap.frame(INTAKE)
    assert list(frame.index) == [2, 3]
    assert frame.loc[2, "受理时间"] == dt.datetime(2026, 3, 2, 9, 30)
    assert frame.loc[3, "受理时间"] == dt.datetime(2026, 3, 3, 10, 5)  # typed as text, still a date
    assert frame.loc[2, "联系方式"] == "013812345678"  # leading zero kept
    # ...and said, so staff know the cell is text (issue #12): one 提示, nothing worse.
    assert [(p.row, p.column, p.level) for p in snap.problems if p.sheet == INTAKE] == [(3, "受理时间", NOTICE)]


def test_text_in_a_date_column_names_sheet_row_and_column(new_book):
    _fill(new_book, INTAKE, {2: {"受理时间": "2025-13-01", "客户名称/姓名": "张三", "需求类型": "维修类"}})
    snap = read_file(new_book)
    (problem,) = [p for p in snap.problems if p.column == "受理时间"]
    assert (problem.sheet, problem.row, problem.level) == (INTAKE, 2, ERROR)
    assert str(problem) == f"{INTAKE} 第2行 受理时间：“2025-13-01” 不是有效的日期时间 — 请使用 YYYY-MM-DD HH:MM 格式"
    assert snap.frame(INTAKE).loc[2, "受理时间"] is not None  # row kept, value empty
    assert str(snap.frame(INTAKE).loc[2, "受理时间"]) == "NaT"


def test_dates_in_1900_and_2100_are_refused(new_book):
    _fill(new_book, INTAKE, {2: {"受理时间": dt.datetime(1900, 1, 1), "客户名称/姓名": "甲", "需求类型": "维修类"},
                             3: {"受理时间": dt.datetime(2100, 6, 1), "客户名称/姓名": "乙", "需求类型": "维修类"}})
    snap = read_file(new_book)
    rows = sorted(p.row for p in snap.problems if p.column == "受理时间")
    assert rows == [2, 3]


def test_blank_rows_are_skipped_with_a_notice(new_book):
    _fill(new_book, INTAKE, {2: {"客户名称/姓名": "甲", "受理时间": dt.datetime(2026, 3, 1), "需求类型": "维修类"},
                             5: {"客户名称/姓名": "乙", "受理时间": dt.datetime(2026, 3, 1), "需求类型": "维修类"}})
    snap = read_file(new_book)
    assert list(snap.frame(INTAKE).index) == [2, 5]
    notice = [p for p in snap.problems if p.level == NOTICE]
    assert len(notice) == 1 and "第3–4行" in notice[0].reason


def test_merged_cells_are_reported(new_book):
    _fill(new_book, INTAKE, {2: {"客户名称/姓名": "甲", "受理时间": dt.datetime(2026, 3, 1), "需求类型": "维修类"}},
          merge="D2:F2")
    snap = read_file(new_book)
    (merged,) = [p for p in snap.problems if "合并单元格" in p.reason]
    assert merged.row == 2 and merged.value == "D2:F2" and merged.level == WARNING


def test_a_value_outside_a_dropdown_is_an_error(new_book):
    _fill(new_book, INTAKE, {2: {"客户名称/姓名": "甲", "受理时间": dt.datetime(2026, 3, 1), "需求类型": "维修"}})
    snap = read_file(new_book)
    (p,) = [p for p in snap.problems if p.column == "需求类型"]
    assert "不在可选值中" in p.reason and "维修类" in p.reason


def test_required_cells(new_book):
    _fill(new_book, INTAKE, {2: {"受理时间": dt.datetime(2026, 3, 1)}})
    snap = read_file(new_book)
    missing = {p.column for p in snap.problems if p.reason == "必填项为空"}
    assert missing == {"客户名称/姓名", "需求类型"}


def test_phone_stored_as_number_is_warned(new_book):
    _fill(new_book, INTAKE, {2: {"客户名称/姓名": "甲", "受理时间": dt.datetime(2026, 3, 1), "需求类型": "维修类",
                                 "联系方式": 13812345678}})
    snap = read_file(new_book)
    assert snap.frame(INTAKE).loc[2, "联系方式"] == "13812345678"
    (p,) = [p for p in snap.problems if p.column == "联系方式"]
    assert p.level == WARNING and "0" in p.reason


def test_duplicate_ticket_numbers(new_book):
    base = {"客户名称/姓名": "甲", "受理时间": dt.datetime(2026, 3, 1), "需求类型": "维修类"}
    _fill(new_book, INTAKE, {2: {**base, "服务工单号": "SV1"}, 3: {**base, "服务工单号": "SV1"}})
    snap = read_file(new_book)
    (p,) = [p for p in snap.problems if p.column == "服务工单号"]
    assert p.row == 3 and "与第2行重复" in p.reason


def test_a_renamed_header_stops_the_run_with_its_name(new_book):
    _fill(new_book, INTAKE, {}, header_edit=("受理时间", "受理日期"))
    snap = read_file(new_book)
    with pytest.raises(HeaderMissing) as err:
        snap.frame(INTAKE)
    assert "「受理时间」" in str(err.value) and INTAKE in str(err.value)


def test_a_missing_sheet_stops_the_run_with_its_name(new_book):
    wb = openpyxl.load_workbook(new_book)
    del wb["时限标准"]
    wb.save(new_book)
    snap = read_file(new_book)
    with pytest.raises(SheetMissing, match="时限标准"):
        snap.frame("时限标准")


def test_not_a_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("not a zip")
    with pytest.raises(NotAWorkbook, match="x.xlsx"):
        read_file(path)


def test_error_values_are_reported(new_book):
    import zipfile

    _fill(new_book, INTAKE, {2: {"客户名称/姓名": "甲", "受理时间": dt.datetime(2026, 3, 1), "需求类型": "维修类",
                                 "购买日期": "PLACEHOLDER"}})
    # Turn the placeholder into a real #N/A error cell, as Excel writes it.
    from workbook.xlsxpatch import Package

    pkg = Package(new_book)
    part = pkg.sheets[INTAKE].part  # not sheet1: 开始使用 is the first tab
    pkg.close()
    tmp = new_book.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(new_book) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                import re

                data = re.sub(rb'<c r="I2"([^>]*?) t="(?:s|inlineStr)">.*?</c>', rb'<c r="I2"\1 t="e"><v>#N/A</v></c>', data)
            dst.writestr(info, data)
    tmp.replace(new_book)
    snap = read_file(new_book)
    (p,) = [p for p in snap.problems if p.column == "购买日期"]
    assert p.row == 2 and "错误值" in p.reason
