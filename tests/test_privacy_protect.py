"""Protecting the personal columns in the workbook (workbook/protect.py).

Hidden everywhere; hidden and locked (sheet protection) only on 回访计划 and 超时预警, where staff
never add rows — the forms stay unprotected, because Excel stops a table growing on a protected
sheet. Protection never touches a cell, survives every routine, opens in LibreOffice, and comes
off again only with the password.
"""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from macros import refresh
from tests.test_fuzz_workbooks import overwritten_staff_cells, sheet_parts, staff_cells
from workbook import read_file
from workbook import schema as S
from workbook.errors import WorkbookOpenInExcel
from workbook.protect import LOCKED_SHEETS, WrongPassword, protect_personal, unprotect_personal
from workbook.store import backups_of

from tests.conftest import NOW

PASSWORD = "售后2026"
FORMS = (S.INTAKE.name, S.CONFIRMATION.name, S.SURVEY.name)


def personal_letters(path, sheet: str) -> set[str]:
    data = read_file(path, sheets=[sheet])[sheet]
    return {openpyxl.utils.get_column_letter(data.columns[c.header] + 1)
            for c in data.schema.columns if c.personal}


def hidden_letters(ws) -> set[str]:
    out = set()
    for key, dim in ws.column_dimensions.items():
        if dim.hidden:
            lo, hi = dim.min or openpyxl.utils.column_index_from_string(key), dim.max
            out |= {openpyxl.utils.get_column_letter(c) for c in range(lo, (hi or lo) + 1)}
    return out


def assert_protected(path):
    wb = openpyxl.load_workbook(path)
    for sheet in (*FORMS, *LOCKED_SHEETS):
        ws = wb[sheet]
        assert hidden_letters(ws) == personal_letters(path, sheet), sheet
        assert ws.protection.sheet == (sheet in LOCKED_SHEETS), sheet
    for sheet in LOCKED_SHEETS:
        protection = wb[sheet].protection
        assert protection.password == openpyxl.worksheet.protection.hash_password(PASSWORD)
        assert protection.formatColumns and not protection.sort and not protection.autoFilter
    assert not wb[S.SERVICE.name].protection.sheet and not hidden_letters(wb[S.SERVICE.name])


def test_personal_columns_are_hidden_and_locked_where_staff_never_add_rows(demo_book):
    before = staff_cells(demo_book)
    frames = {name: data.frame for name, data in read_file(demo_book).sheets.items()}
    report = protect_personal(demo_book, password=PASSWORD, now=NOW)
    assert set(report.hidden) == {*FORMS, *LOCKED_SHEETS} and set(report.locked) == set(LOCKED_SHEETS)
    assert any("隐藏并锁定" in line for line in report.lines)
    assert report.backup is not None and backups_of(demo_book) == [report.backup]
    assert_protected(demo_book)
    assert overwritten_staff_cells(before, demo_book) == []  # not one cell changed
    after = read_file(demo_book)
    for name, frame in frames.items():
        assert after.frame(name).equals(frame), name


def test_protection_survives_every_routine_and_routines_still_write(demo_book):
    protect_personal(demo_book, password=PASSWORD, now=NOW)
    before = staff_cells(demo_book)
    plan_rows = len(read_file(demo_book).frame(S.CALLBACK_PLAN.name))
    result = refresh.refresh_all(demo_book, now=NOW)
    assert result.written
    assert len(read_file(demo_book).frame(S.CALLBACK_PLAN.name)) > plan_rows  # appended under protection
    assert len(read_file(demo_book).frame(S.ESCALATION.name)) > 0  # rebuilt under protection
    assert_protected(demo_book)
    assert overwritten_staff_cells(before, demo_book) == []
    with zipfile.ZipFile(demo_book) as z:
        for sheet in LOCKED_SHEETS:
            assert z.read(sheet_parts(demo_book)[sheet]).count(b"<sheetProtection") == 1


def test_protecting_twice_changes_nothing_more(demo_book):
    protect_personal(demo_book, password=PASSWORD, now=NOW)
    with zipfile.ZipFile(demo_book) as z:
        first = {i.filename: z.read(i.filename) for i in z.infolist()}
    protect_personal(demo_book, password=PASSWORD, now=NOW)
    with zipfile.ZipFile(demo_book) as z:
        second = {i.filename: z.read(i.filename) for i in z.infolist()}
    assert first == second


def test_unprotecting_needs_the_password_and_restores_the_columns(demo_book):
    protect_personal(demo_book, password=PASSWORD, now=NOW)
    protected = demo_book.read_bytes()
    with pytest.raises(WrongPassword, match="密码不正确"):
        unprotect_personal(demo_book, password="猜的")
    with pytest.raises(WrongPassword):
        unprotect_personal(demo_book)
    assert demo_book.read_bytes() == protected
    report = unprotect_personal(demo_book, password=PASSWORD, now=NOW)
    assert any("恢复显示" in line for line in report.lines)
    wb = openpyxl.load_workbook(demo_book)
    for sheet in (*FORMS, *LOCKED_SHEETS):
        assert not hidden_letters(wb[sheet]) and not wb[sheet].protection.sheet, sheet


def test_protection_without_a_password_comes_off_without_one(demo_book):
    protect_personal(demo_book, now=NOW)
    wb = openpyxl.load_workbook(demo_book)
    assert wb[S.CALLBACK_PLAN.name].protection.sheet and not wb[S.CALLBACK_PLAN.name].protection.password
    unprotect_personal(demo_book, now=NOW)
    assert not openpyxl.load_workbook(demo_book)[S.CALLBACK_PLAN.name].protection.sheet


def test_a_workbook_open_in_excel_is_not_touched(demo_book):
    demo_book.with_name("~$" + demo_book.name).write_bytes(b"")
    original = demo_book.read_bytes()
    with pytest.raises(WorkbookOpenInExcel):
        protect_personal(demo_book, password=PASSWORD)
    assert demo_book.read_bytes() == original


def test_a_sheet_without_column_formats_gets_its_columns_hidden(new_book):
    """A workbook saved by another program may have no <cols> at all on a sheet."""
    from workbook.xlsxpatch import Package

    pkg = Package(new_book)
    part = pkg.sheets[S.ESCALATION.name].part
    pkg.close()
    with zipfile.ZipFile(new_book) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[part] = re.sub(rb"<cols>.*?</cols>", b"", parts[part], flags=re.S)
    with zipfile.ZipFile(new_book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    protect_personal(new_book, now=NOW)
    ws = openpyxl.load_workbook(new_book)[S.ESCALATION.name]
    assert hidden_letters(ws) == personal_letters(new_book, S.ESCALATION.name) == {"D"}  # 客户名称 is the fourth column
    assert ws.protection.sheet


@pytest.mark.libreoffice
def test_libreoffice_opens_the_protected_workbook_with_columns_hidden_and_sheets_locked(demo_book, libreoffice):
    protect_personal(demo_book, password=PASSWORD, now=NOW)
    converted = libreoffice(demo_book, "xlsx")
    wb = openpyxl.load_workbook(converted)
    for sheet in LOCKED_SHEETS:
        assert wb[sheet].protection.sheet, sheet
        assert personal_letters(demo_book, sheet) <= hidden_letters(wb[sheet]), sheet
    for sheet in FORMS:
        assert not wb[sheet].protection.sheet, sheet
        assert personal_letters(demo_book, sheet) <= hidden_letters(wb[sheet]), sheet
