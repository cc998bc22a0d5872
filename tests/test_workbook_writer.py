"""Writing back: only program cells change, staff cells stay byte-identical, files swap atomically."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
import zipfile

import openpyxl
import pytest

from workbook import ChangeSet, ReportSheet, diff, open_workbook, read_file
from workbook import schema as S
from workbook.errors import (
    OwnershipViolation, WorkbookBusy, WorkbookChanged, WorkbookOpenInExcel, WriteFailed,
)
from workbook.store import backups_of
from workbook.styles import Look
from workbook.xlsxpatch import Package

INTAKE = "客户服务信息登记表"
NOW = dt.datetime(2026, 11, 20, 16, 0)
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)


def cells_by_ref(path, sheet_name) -> dict[str, bytes]:
    pkg = Package(path)
    try:
        xml = pkg.read(pkg.sheets[sheet_name].part)
    finally:
        pkg.close()
    return {(m.group(1) + m.group(2)).decode(): m.group() for m in _CELL.finditer(xml)}


def staff_cells(path, sheet_name) -> dict[str, bytes]:
    """The raw XML of every cell in a staff-owned column (and every header cell)."""
    sheet = S.sheet(name=sheet_name)
    headers = sheet.headers
    staff_letters = set()
    wb = openpyxl.load_workbook(path, read_only=True)
    first = next(wb[sheet_name].iter_rows(min_row=1, max_row=1, values_only=True))
    wb.close()
    for j, header in enumerate(first):
        if header in headers and sheet.column(header).owner == S.STAFF or header not in headers:
            staff_letters.add(openpyxl.utils.get_column_letter(j + 1))
    out = {}
    for ref, xml in cells_by_ref(path, sheet_name).items():
        letters = re.match(r"[A-Z]+", ref).group()
        if letters in staff_letters or ref.endswith("1") and ref[len(letters):] == "1":
            out[ref] = xml
    return out


def test_program_columns_written_staff_cells_byte_identical(demo_book):
    before = {name: staff_cells(demo_book, name) for name in (INTAKE, "服务过程记录表", "客户满意度调研表")}
    with zipfile.ZipFile(demo_book) as z:
        strings_before = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in z.namelist() else b""
    with open_workbook(demo_book) as session:
        data = session.snapshot[INTAKE]
        new = data.frame.copy()
        new["解决时限"] = new["受理时间"] + dt.timedelta(days=3)
        new["数据异常"] = "测试"
        changes = ChangeSet()
        changes.sheets[INTAKE] = diff(data, new)
        result = session.commit(changes, now=NOW)
    assert result.written
    after = read_file(demo_book).frame(INTAKE)
    assert (after["解决时限"] == after["受理时间"] + dt.timedelta(days=3)).all()
    for name, cells in before.items():
        assert staff_cells(demo_book, name) == cells, f"staff cells changed on {name}"
    with zipfile.ZipFile(demo_book) as z:
        strings_after = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in z.namelist() else b""
    assert strings_after == strings_before


def test_untouched_parts_are_copied_byte_for_byte(demo_book):
    with zipfile.ZipFile(demo_book) as z:
        before = {i.filename: z.read(i.filename) for i in z.infolist()}
    with open_workbook(demo_book) as session:
        data = session.snapshot[INTAKE]
        new = data.frame.copy()
        new["数据异常"] = "x"
        session.commit(ChangeSet({INTAKE: diff(data, new)}), now=NOW)
    pkg = Package(demo_book)
    intake_part = pkg.sheets[INTAKE].part
    pkg.close()
    with zipfile.ZipFile(demo_book) as z:
        after = {i.filename: z.read(i.filename) for i in z.infolist()}
    assert set(after) == set(before)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {intake_part}


def test_nothing_to_write_leaves_the_file_alone(demo_book):
    stamp = demo_book.stat().st_mtime_ns
    with open_workbook(demo_book) as session:
        data = session.snapshot[INTAKE]
        result = session.commit(ChangeSet({INTAKE: diff(data, data.frame.copy())}), now=NOW)
    assert not result.written
    assert demo_book.stat().st_mtime_ns == stamp
    assert backups_of(demo_book) == []


def test_fill_columns_are_only_filled_when_blank(demo_book):
    with open_workbook(demo_book) as session:
        data = session.snapshot[INTAKE]
        new = data.frame.copy()
        before = new["处理人"].copy()
        new["处理人"] = "新来的人"
        changes = diff(data, new)
        filled_rows = set(changes.cells.get("处理人", {}))
        assert filled_rows == set(before[before.isna()].index)
        session.commit(ChangeSet({INTAKE: changes}), now=NOW)
    after = read_file(demo_book).frame(INTAKE)["处理人"]
    assert (after[before.notna()] == before[before.notna()]).all()
    assert (after[before.isna()] == "新来的人").all()


def test_a_routine_cannot_change_a_staff_column(demo_book):
    with open_workbook(demo_book) as session:
        data = session.snapshot[INTAKE]
        new = data.frame.copy()
        new.loc[new.index[0], "问题描述"] = "改掉"
        with pytest.raises(OwnershipViolation):
            diff(data, new)
        forged = ChangeSet()
        forged.sheet(INTAKE).cells["问题描述"] = {int(new.index[0]): "改掉"}
        with pytest.raises(OwnershipViolation):
            session.commit(forged, now=NOW)


def test_text_that_looks_like_a_formula_stays_text(new_book):
    hostile = '=HYPERLINK("http://x","y")'
    with open_workbook(new_book) as session:
        changes = ChangeSet()
        changes.sheet("数据问题").rebuild = [{"工作表": INTAKE, "行号": 2, "值": hostile, "问题": "@SUM(A1)"}]
        session.commit(changes, now=NOW)
    wb = openpyxl.load_workbook(new_book)
    ws = wb["数据问题"]
    assert ws["D2"].value == hostile and ws["D2"].data_type == "s"
    assert ws["D2"].quotePrefix  # stays text when someone edits the cell in Excel
    assert ws["E2"].value == "@SUM(A1)" and ws["E2"].data_type == "s"


def test_appended_rows_extend_the_table(new_book):
    rows = [{"服务工单号": f"SV{i}", "受理时间": dt.datetime(2026, 3, 1, 9, i), "客户名称/姓名": "甲",
             "需求类型": "维修类"} for i in range(5)]
    with open_workbook(new_book) as session:
        changes = ChangeSet()
        changes.sheet(INTAKE).appends = rows
        session.commit(changes, now=NOW)
    wb = openpyxl.load_workbook(new_book)
    table = wb[INTAKE].tables["登记表"]
    assert table.ref.endswith("6")
    snap = read_file(new_book)
    assert list(snap.frame(INTAKE)["服务工单号"]) == [f"SV{i}" for i in range(5)]
    assert wb[INTAKE]["B2"].number_format == "yyyy-mm-dd hh:mm"  # the column's date format


def test_rebuilding_an_output_sheet_replaces_its_rows(new_book):
    for n in (5, 2):
        with open_workbook(new_book) as session:
            changes = ChangeSet()
            changes.sheet("数据问题").rebuild = [{"工作表": "x", "行号": i} for i in range(n)]
            session.commit(changes, now=NOW)
    frame = read_file(new_book).frame("数据问题")
    assert list(frame["行号"]) == [0, 1]
    wb = openpyxl.load_workbook(new_book)
    assert wb["数据问题"].tables["数据问题表"].ref == "A1:I3"  # 9 columns since 改法


def test_monthly_report_sheet_is_added_next_to_the_dashboard(new_book):
    report = ReportSheet("月报_2026-10", {(1, 1): ("2026年10月", Look(bold=True, size=14)), (2, 1): ("工单量", None),
                                        (2, 2): (12, None)}, widths=[20, 10], merges=["A1:C1"], after="KPI看板")
    with open_workbook(new_book) as session:
        session.commit(ChangeSet(reports={report.name: report}), now=NOW)
    wb = openpyxl.load_workbook(new_book)
    names = wb.sheetnames
    assert names[names.index("KPI看板") + 1] == "月报_2026-10"
    ws = wb["月报_2026-10"]
    assert ws["A1"].value == "2026年10月" and ws["A1"].font.b and ws["B2"].value == 12
    assert "A1:C1" in [str(m) for m in ws.merged_cells.ranges]
    assert wb.defined_names["工作时间"].attr_text == "'系统参数'!$B$2"  # names survive


def test_backups_are_kept_and_pruned(new_book):
    for i in range(7):
        with open_workbook(new_book) as session:
            changes = ChangeSet()
            changes.sheet("数据问题").rebuild = [{"工作表": "x", "行号": i}]
            session.commit(changes, now=NOW + dt.timedelta(minutes=i))
    backups = backups_of(new_book)
    assert len(backups) == 5  # 系统参数 备份保留份数 default
    assert backups[-1].parent.name == "备份"
    # The newest backup is the version before the last write.
    assert read_file(backups[-1]).frame("数据问题")["行号"].tolist() == [5]


def test_refuses_a_workbook_open_in_excel(new_book):
    lock = new_book.with_name("~$" + new_book.name)
    lock.write_bytes(b"owner")
    with pytest.raises(WorkbookOpenInExcel, match="Excel"):
        with open_workbook(new_book):
            pass
    with open_workbook(new_book, force=True) as session:
        assert session.snapshot is not None


def test_a_failed_write_leaves_the_original_intact(new_book, monkeypatch):
    original = new_book.read_bytes()
    import workbook.writer as writer

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "rewrite_zip", disk_full)
    with open_workbook(new_book) as session:
        changes = ChangeSet()
        changes.sheet("数据问题").rebuild = [{"工作表": "x"}]
        with pytest.raises(WriteFailed, match="磁盘空间不足.*原文件未被修改"):
            session.commit(changes, now=NOW)
    assert new_book.read_bytes() == original
    assert [p.name for p in new_book.parent.iterdir() if p.name.endswith(".tmp.xlsx")] == []


def test_a_file_changed_after_reading_is_not_overwritten(new_book):
    with open_workbook(new_book) as session:
        time.sleep(0.01)
        new_book.write_bytes(new_book.read_bytes())  # someone else saved meanwhile
        os.utime(new_book, ns=(time.time_ns(), time.time_ns()))
        changes = ChangeSet()
        changes.sheet("数据问题").rebuild = [{"工作表": "x"}]
        with pytest.raises(WorkbookChanged):
            session.commit(changes, now=NOW)


def test_a_second_run_waits_then_refuses(new_book):
    entered = threading.Event()
    release = threading.Event()

    def hold():
        with open_workbook(new_book):
            entered.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    entered.wait(5)
    try:
        with pytest.raises(WorkbookBusy, match="另一个例程"):
            with open_workbook(new_book, wait=0.3):
                pass
    finally:
        release.set()
        t.join()
