"""What Excel shows when it opens the file: the active tab after a new 月报 sheet, and formulas of
the team's own recalculated after a run changed what they read."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl

from macros.refresh import refresh_all, summary
from workbook import read_file

from tests.conftest import NOW

DATA = Path(__file__).parent / "data"


def _views(path: Path) -> tuple[int, list[str], list[str]]:
    """(activeTab, sheet names in tab order, names of sheets whose view says tabSelected)."""
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        m = re.search(r'<(?:\w+:)?workbookView\b[^>]*\bactiveTab="(\d+)"', wb)
        active = int(m.group(1)) if m else 0
        names = re.findall(r'<(?:\w+:)?sheet\b[^>]*\bname="([^"]+)"', wb)
        rids = re.findall(r'<(?:\w+:)?sheet\b[^>]*\br:id="([^"]+)"', wb)
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
        selected = []
        for name, rid in zip(names, rids):
            part = targets[rid].lstrip("/")
            part = part if part.startswith("xl/") else "xl/" + part
            if re.search(r'<sheetView\b[^>]*tabSelected="(1|true)"', z.read(part).decode()):
                selected.append(name)
    return active, names, selected


def test_a_new_monthly_sheet_keeps_the_active_tab_on_the_selected_sheet(demo_book):
    wb = openpyxl.load_workbook(demo_book)
    target = "执行检查表"  # a tab after KPI看板, where the new 月报 goes
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == target
    wb.active = wb.sheetnames.index(target)
    wb.save(demo_book)
    active, names, selected = _views(demo_book)
    assert names[active] == target and selected == [target]
    assert names.index(target) > names.index("KPI看板")

    summary(demo_book, month="2026-10", now=NOW)
    active, names, selected = _views(demo_book)
    assert "月报_2026-10" in names and names.index("月报_2026-10") < names.index(target)
    # One sheet selected, and it is the active one: Excel does not open with two grouped.
    assert selected == [target]
    assert names[active] == target


def test_a_run_asks_excel_to_recalculate_the_teams_own_formulas(demo_book):
    wb = openpyxl.load_workbook(demo_book)
    ws = wb.create_sheet("我的统计")
    ws["A1"] = "已超时工单"
    ws["B1"] = '=COUNTIF(客户服务信息登记表!AF:AF,"已超时")'
    wb.save(demo_book)
    _as_excel_saves_it(demo_book)
    assert read_file(demo_book).user_formulas
    refresh_all(demo_book, now=NOW)
    with zipfile.ZipFile(demo_book) as z:
        assert re.search(rb'<calcPr\b[^>]*fullCalcOnLoad="1"', z.read("xl/workbook.xml"))


def _as_excel_saves_it(path: Path) -> None:
    """openpyxl (which made the demo) always writes fullCalcOnLoad; Excel drops it on saving."""
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            out.writestr(info, data)
    tmp.replace(path)


def test_no_recalculation_is_forced_when_no_formula_of_the_team_reads_the_sheets(demo_book):
    _as_excel_saves_it(demo_book)
    assert not read_file(demo_book).user_formulas
    refresh_all(demo_book, now=NOW)
    with zipfile.ZipFile(demo_book) as z:
        assert b"fullCalcOnLoad" not in z.read("xl/workbook.xml")


def test_libreoffice_shows_the_saved_result_even_with_full_calc_on_load(tmp_path, libreoffice):
    """What the README tells LibreOffice users: with its default "never recalculate" for Excel
    files, LibreOffice 7.4 shows the value saved in the file and ignores fullCalcOnLoad."""
    src = DATA / "shared_formula_reversed.xlsx"  # B1 = A1 with A1 = 1, saved by Excel
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="B1"><f>A1</f><v>1</v></c>', b'<c r="B1"><f>A1</f><v>999</v></c>')
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<calcPr([^>]*)/>", rb'<calcPr\1 fullCalcOnLoad="1"/>', data)
            out.writestr(info, data)
    rows = libreoffice(stale, "csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "1,999"
