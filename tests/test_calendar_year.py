"""Next year's calendar, as a team meets it every November–December (SPEC §12, issue 14).

The situations: a team imports the State Council's notice into its workbook (CLI or ribbon), imports
it again by mistake, imports a corrected notice, keeps its own company rest days; every run from
11-01 says next year is missing and how to fix it; `calendar update` takes a year from a library
only when the library really has it. Expected calendars come from ``chinesecalendar`` (independent
of the notices' text); expected rows and messages are read off the notices by hand.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import chinese_calendar
import pytest
from click.testing import CliRunner

from macros.calendar_year import chinesecalendar_days, holidays_days, next_year_reminder
from aftersales.cli import main
from macros.settings import Settings
from tests import fakexw
from tests.test_udfs_notice import LATER_NOTICES, NOTICES, days_of
from workbook import read_file
from workbook import schema as S
from workbook.builder import new_workbook

D = dt.date
TODAY = D(2026, 12, 2)  # the team's today: the 2027 notice is due any day


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "售后服务.xlsx"
    new_workbook(path, today=TODAY)  # pre-filled with 2026 only: chinesecalendar 1.11 stops there
    return path


def calendar_of(path: Path):
    return Settings.from_snapshot(read_file(path)).calendar


def rows(path: Path, sheet: str) -> list[tuple]:
    frame = read_file(path, [sheet]).frame(sheet)
    return [tuple(None if v != v else v for v in r) for r in frame.itertuples(index=False, name=None)]


def years_param(path: Path) -> str:
    return str(read_file(path, [S.PARAMS.name]).params()["节假日数据年份"])


# ---- the bar: a notice imported into a new workbook gives exactly the official year -----------------
@pytest.mark.parametrize("year", [2020, 2023, 2025])
def test_an_imported_notice_makes_every_date_of_its_year_official(book, year):
    result = run("calendar", "import", book, NOTICES / f"{year}.txt", "--now", "2026-12-02 09:00")
    assert result.exit_code == 0, result.output
    assert f"{year} 年节假日安排（来源：国务院办公厅" in result.output
    assert str(year) in years_param(book).split(",")
    calendar = calendar_of(book)
    wrong = [day for day in days_of(year)
             if calendar.is_working_day(day) != chinese_calendar.is_workday(day) and day not in LATER_NOTICES]
    assert wrong == []  # chinesecalendar agrees on all 365/366 days (but those later notices changed)


def test_import_prints_what_each_festival_gives_and_writes_rows_with_the_notice_as_source(book):
    result = run("calendar", "import", book, NOTICES / "2025.txt", "--now", "2026-12-02 09:00")
    assert "  春节：放假 1月28日至2月4日（8天），调休上班 1月26日、2月8日" in result.output
    assert "  国庆节、中秋节：放假 10月1日至10月8日（8天），调休上班 9月28日、10月11日" in result.output
    assert "「节假日数据年份」：2025,2026" in result.output
    holidays = [r for r in rows(book, S.HOLIDAYS.name) if r[0].year == 2025]
    assert len(holidays) == 28  # 1 + 8 + 3 + 5 + 3 + 8 days off, counted from the notice by hand
    assert set(r[2:] for r in holidays) == {("法定节假日", "国务院通知")}
    makeup = [r for r in rows(book, S.MAKEUP_DAYS.name) if r[0].year == 2025]
    assert [(r[0].date(), r[1], r[2]) for r in makeup] == [
        (D(2025, 1, 26), "春节", "调休上班"), (D(2025, 2, 8), "春节", "调休上班"), (D(2025, 4, 27), "劳动节", "调休上班"),
        (D(2025, 9, 28), "国庆节、中秋节", "调休上班"), (D(2025, 10, 11), "国庆节、中秋节", "调休上班"),
    ]


def test_a_notice_starting_in_the_old_year_adds_that_day_too(book):
    run("calendar", "import", book, NOTICES / "2023.txt", "--now", "2026-12-02 09:00")
    dates = [r[0].date() for r in rows(book, S.HOLIDAYS.name)]
    assert D(2022, 12, 31) in dates and D(2023, 1, 2) in dates


def test_importing_writes_once_with_a_backup_and_again_changes_nothing(book):
    first = run("calendar", "import", book, NOTICES / "2024.txt", "--now", "2026-12-02 09:00")
    assert first.exit_code == 0
    backups = list((book.parent / "备份").iterdir())
    assert len(backups) == 1  # the workbook as it was, kept before the write
    before = book.read_bytes()
    again = run("calendar", "import", book, NOTICES / "2024.txt", "--now", "2026-12-02 09:05")
    assert again.exit_code == 0 and "没有需要写入的变化" in again.output
    assert book.read_bytes() == before
    assert len(list((book.parent / "备份").iterdir())) == 1


def test_the_2026_notice_into_a_workbook_prefilled_for_2026_only_relabels_the_rows(book):
    before = {r[0]: r[2] for r in rows(book, S.HOLIDAYS.name)}
    run("calendar", "import", book, NOTICES / "2026.txt", "--now", "2026-12-02 09:00")
    after = rows(book, S.HOLIDAYS.name)
    assert {r[0]: r[2] for r in after} == before  # the same 33 dates (chinesecalendar agrees), no new rows
    assert {r[3] for r in after} == {"国务院通知"}


def _team_rows(path: Path) -> None:
    """The team's own days, typed in Excel: a company outing and a Saturday stock-take."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for sheet, day, name, kind in ((S.HOLIDAYS.name, dt.datetime(2026, 12, 24), "年会", "公司休息日"),
                                   (S.MAKEUP_DAYS.name, dt.datetime(2026, 12, 26), "盘点", "公司加班日")):
        ws = wb[sheet]
        ws.append([day, name, kind, "手工添加"])
        table = next(iter(ws.tables.values()))
        table.ref = f"A1:D{ws.max_row}"
    wb.save(path)


def _raw_rows(path: Path, sheet: str, day_serial: int) -> list[bytes]:
    """The raw XML of the row whose date cell holds ``day_serial`` (what Excel would show)."""
    import re

    from workbook.xlsxpatch import Package

    pkg = Package(path)
    try:
        xml = pkg.read(pkg.sheets[sheet].part)
    finally:
        pkg.close()
    return [row for row in re.findall(rb"<row [^>]*>.*?</row>", xml) if f"<v>{day_serial}</v>".encode() in row]


def test_a_corrected_notice_replaces_that_years_notice_rows_and_never_the_teams(book):
    _team_rows(book)
    run("calendar", "import", book, NOTICES / "2026.txt", "--now", "2026-12-02 09:00")
    team_before = (_raw_rows(book, S.HOLIDAYS.name, 46380), _raw_rows(book, S.MAKEUP_DAYS.name, 46382))
    assert all(team_before)  # 46380 = 2026-12-24, 46382 = 2026-12-26 (Excel serials, 46023 = 2026-01-01)
    # A correction: National Day to 10-08, make-up days moved to 09-19 and 10-11 (hypothetical).
    corrected = (NOTICES / "2026.txt").read_text(encoding="utf-8").replace(
        "10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。",
        "10月1日（周四）至8日（周四）放假调休，共8天。9月19日（周六）、10月11日（周日）上班。")
    notice = book.parent / "更正.txt"
    notice.write_text(corrected, encoding="utf-8")
    result = run("calendar", "import", book, notice, "--now", "2026-12-02 10:00")
    assert "  国庆节：放假 10月1日至10月8日（8天），调休上班 9月19日、10月11日" in result.output
    calendar = calendar_of(book)
    assert not calendar.is_working_day(D(2026, 10, 8)) and calendar.is_working_day(D(2026, 9, 19))
    assert not calendar.is_working_day(D(2026, 9, 20)) and not calendar.is_working_day(D(2026, 10, 10))
    made = [r[0].date() for r in rows(book, S.MAKEUP_DAYS.name) if r[3] == "国务院通知"]
    assert D(2026, 9, 20) not in made and D(2026, 10, 10) not in made
    # the team's rows: byte for byte what they typed
    assert (_raw_rows(book, S.HOLIDAYS.name, 46380), _raw_rows(book, S.MAKEUP_DAYS.name, 46382)) == team_before
    assert not calendar.is_working_day(D(2026, 12, 24)) and calendar.is_working_day(D(2026, 12, 26))


def test_an_unreadable_notice_is_an_error_quoting_the_sentence_and_writes_nothing(book, tmp_path):
    before = book.read_bytes()
    bad = tmp_path / "通知.txt"
    bad.write_text("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
                   "二、春节：2月6日至12日放假调休，另行通知上班日期2月20日。", encoding="gb18030")  # Notepad's ANSI
    result = run("calendar", "import", book, bad, "--now", "2026-12-02 09:00")
    assert result.exit_code == 1
    assert "读不懂「2月6日至12日放假调休,另行通知上班日期2月20日。」" in result.output
    assert "未导入任何日期" in result.output
    assert book.read_bytes() == before and not (book.parent / "备份").exists()


# ---- the reminder: every run from 11-01 while next year is missing -------------------------------------
def test_every_run_from_november_says_once_that_next_year_is_missing_with_the_fix(book):
    result = run("dispatch", book, "--now", "2026-12-02 09:00")
    reminders = [line for line in result.output.splitlines() if "还没有 2027 年" in line]
    assert reminders == [
        f"注意：「节假日数据年份」还没有 2027 年（现有：2026），跨入 2027 年的工作日/工作小时时限会在相应行报错 — "
        f"国务院放假通知发布后运行 aftersales calendar import {book} 通知.txt（Excel 中点「售后服务」→「导入放假通知」），"
        f"把 2027 年的节假日导入工作簿"
    ]
    october = run("dispatch", book, "--now", "2026-10-31 18:00")
    assert "还没有 2027 年" not in october.output  # before 11-01: nothing to say yet


def test_the_kpi_board_shows_the_reminder_as_its_first_row(book):
    run("kpi", book, "--now", "2026-12-02 09:00")
    board = rows(book, S.KPI_BOARD.name)
    assert board[0][:2] == ("提醒", "2027年节假日未导入")  # still the first row, above the sections
    assert "aftersales calendar import" in board[0][S.KPI_BOARD.headers.index("说明")]


def test_after_importing_next_years_notice_the_reminder_stops(tmp_path):
    path = tmp_path / "去年.xlsx"
    new_workbook(path, today=D(2023, 6, 1))  # 2023 and 2024 pre-filled
    assert "还没有 2025 年" in run("escalate", path, "--now", "2024-11-15 09:00").output
    imported = run("calendar", "import", path, NOTICES / "2025.txt", "--now", "2024-11-15 09:00")
    assert "还没有 2025 年" not in imported.output
    assert "还没有" not in run("escalate", path, "--now", "2024-11-15 09:30").output
    assert years_param(path) == "2023,2024,2025"


def test_a_deadline_needing_the_missing_year_is_a_row_error_with_the_same_fix(book):
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb[S.INTAKE.name]
    values = {"受理时间": dt.datetime(2026, 12, 30, 10), "客户名称/姓名": "王先生", "联系电话": "13800138000",
              "需求类型": "咨询类", "紧急程度": "常规", "需求描述": "净水器滤芯怎么换"}
    headers = [c.value for c in ws[1]]
    ws.append([values.get(h) for h in headers])
    next(iter(ws.tables.values())).ref = f"A1:{openpyxl.utils.get_column_letter(len(headers))}{ws.max_row}"
    wb.save(book)
    result = run("dispatch", book, "--now", "2026-12-30 10:05")
    errors = [line for line in result.output.splitlines() if "2027年法定节假日数据缺失" in line]
    assert errors and all("aftersales calendar import 工作簿.xlsx 通知.txt" in line for line in errors)


def test_the_reminder_rule():
    assert next_year_reminder(dt.datetime(2026, 10, 31, 23, 59), {2026}) is None
    assert next_year_reminder(dt.datetime(2026, 11, 1, 0, 0), {2026}).startswith("注意：「节假日数据年份」还没有 2027 年")
    assert next_year_reminder(dt.datetime(2026, 12, 31, 9), {2026, 2027}) is None
    assert "现有：无" in next_year_reminder(dt.datetime(2026, 11, 5), set())


# ---- calendar update: a library only when it really has the year ---------------------------------------
def test_update_fills_a_missing_year_from_chinesecalendar_and_says_so(tmp_path):
    path = tmp_path / "旧.xlsx"
    new_workbook(path, today=D(2024, 3, 1))  # 2024 and 2025
    result = run("calendar", "update", path, "--now", "2025-11-20 09:00")
    assert result.exit_code == 0, result.output
    assert "2026 年节假日安排（来源：chinesecalendar 1.11" in result.output
    assert years_param(path) == "2024,2025,2026"
    assert {r[3] for r in rows(path, S.HOLIDAYS.name) if r[0].year == 2026} == {"chinesecalendar"}
    calendar = calendar_of(path)
    assert all(calendar.is_working_day(d) == chinese_calendar.is_workday(d) for d in days_of(2026))


def test_update_refuses_a_year_the_libraries_only_estimate(book):
    before = book.read_bytes()
    result = run("calendar", "update", book, "--now", "2026-12-02 09:00")
    assert result.exit_code == 1
    assert "2027 年：已安装的 chinesecalendar 1.11" in result.output
    assert "holidays 对 2027 年只有按规则推算的日期、没有调休上班日，不采用" in result.output
    assert book.read_bytes() == before


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_holidays_package_is_used_only_for_official_years_and_then_agrees_with_chinesecalendar(year):
    # Two independent maintained sources: every date of an official year must agree.
    days = holidays_days(year)
    assert days is not None and days.source == "holidays"
    reference = chinesecalendar_days(year)
    assert set(days.working_days) == set(reference.working_days)
    for day in days_of(year):
        working = day in days.working_days or (day not in days.days_off and day.weekday() < 5)
        assert working == chinese_calendar.is_workday(day), day


def test_the_holidays_package_2027_is_an_estimate_and_is_refused():
    assert holidays_days(2027) is None and chinesecalendar_days(2027) is None


# ---- the ribbon button ----------------------------------------------------------------------------
def test_the_ribbon_button_imports_a_notice_pasted_into_cells(book, monkeypatch):
    from aftersales import ribbon

    xl = fakexw.Book(book)
    ws = xl.wb.create_sheet("粘贴")
    for i, line in enumerate((NOTICES / "2025.txt").read_text(encoding="utf-8").splitlines(), start=1):
        ws.cell(row=i, column=1, value=line or None)
    xl.select("粘贴", f"A1:A{ws.max_row}")
    fakexw.set_mock_caller(xl)
    monkeypatch.setattr(ribbon, "_caller", fakexw.Book.caller)
    ribbon.import_holiday_notice()
    title, message = xl.app.alerts[-1]
    assert title == "售后服务"
    assert "2025 年节假日安排（来源：国务院办公厅 2024年11月12日通知）" in message
    params = {r[0].value: r[1].value for r in xl.wb[S.PARAMS.name].iter_rows(min_row=2)}
    assert params["节假日数据年份"] == "2025,2026"


def test_the_ribbon_button_names_an_unreadable_notice_and_changes_nothing(book, monkeypatch):
    from aftersales import ribbon

    xl = fakexw.Book(book)
    ws = xl.wb[S.KPI_BOARD.name]
    ws["K1"] = "国务院办公厅关于2027年部分节假日安排的通知 一、元旦：1月1日（周四）放假。"
    xl.select(S.KPI_BOARD.name, "K1")
    fakexw.set_mock_caller(xl)
    monkeypatch.setattr(ribbon, "_caller", fakexw.Book.caller)
    ribbon.import_holiday_notice()
    title, message = xl.app.alerts[-1]
    assert title == "售后服务 — 未导入"
    assert "1月1日 标注为周四，但 2027年1月1日 是周五" in message
    params = {r[0].value: r[1].value for r in xl.wb[S.PARAMS.name].iter_rows(min_row=2)}
    assert params["节假日数据年份"] == "2026"


def test_report_and_new_say_it_too_and_a_notice_can_come_from_stdin(book, tmp_path):
    out = tmp_path / "报告.html"
    result = run("report", book, "--kind", "checklist", "--out", out, "--now", "2026-12-02 09:00")
    assert result.exit_code == 0 and out.exists()
    assert result.output.splitlines()[-1].startswith("注意：「节假日数据年份」还没有 2027 年")
    fresh = tmp_path / "新.xlsx"
    assert "aftersales calendar import" in run("new", fresh).output  # chinesecalendar 1.11 has no 2027
    piped = CliRunner().invoke(main, ["calendar", "import", str(book), "-", "--now", "2026-12-02 09:00"],
                               input=(NOTICES / "2021.txt").read_text(encoding="utf-8"))
    assert piped.exit_code == 0 and "2021 年节假日安排" in piped.output
