"""系统参数 时限计算方式 = 公式 (SPEC §13, issue 17): the intake's 时限 columns are SLA_DEADLINE
formulas carrying the values the 数值 mode writes.

Expected values come from an independent run: the same workbook refreshed in 数值 mode (the
routines' own deadlines, which tests/test_udfs_sla.py and the LibreOffice WORKDAY.INTL
comparison check). What Excel would show is the Excel stand-in recalculating the formulas through
the UDFs the way xlwings calls them; what LibreOffice shows is its CSV export.
"""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pandas as pd
import pytest

import udfs.live_settings as live
from macros import refresh
from tests import fakexw
from tests.conftest import NOW
from workbook import read_file

INTAKE = "客户服务信息登记表"
STAGES = ("登记", "分配", "首次响应", "解决", "结果反馈", "客户确认", "回访")
HEADERS = tuple(f"{s}时限" for s in STAGES)


def _set_param(path, name: str, value) -> None:
    """Type a 系统参数 value in Excel (the stand-in) and save."""
    book = fakexw.Book(path)
    ws = book.wb["系统参数"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == name)
    ws.cell(row=row, column=2).value = value
    book.save()


def _formulas(path, header: str) -> dict[int, str]:
    ws = openpyxl.load_workbook(path)[INTAKE]
    col = [c.value for c in ws[1]].index(header) + 1
    return {r: ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1)
            if str(ws.cell(row=r, column=col).value).startswith("=")}


def _py(value):
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()


@pytest.fixture
def books(demo_book, tmp_path):
    """(公式 workbook, 数值 workbook): the same demo data refreshed once in each mode."""
    values = tmp_path / "values.xlsx"
    shutil.copy(demo_book, values)
    refresh.refresh_all(values, now=NOW)
    _set_param(demo_book, "时限计算方式", "公式")
    refresh.refresh_all(demo_book, now=NOW)
    return demo_book, values


@pytest.mark.libreoffice
def test_formula_mode_deadlines_carry_the_value_mode_values(books, libreoffice_csv):
    formulas, values = books
    expected = read_file(values).frame(INTAKE)
    got = read_file(formulas).frame(INTAKE)
    cells = _formulas(formulas, "首次响应时限")
    # Every ticket of the 数值 run is there with the same deadline in every stage …
    for header in HEADERS:
        assert got[header].equals(expected[header]), header
    # … and 首次响应时限 is a formula on every row a pause did not move.
    paused = set(read_file(formulas).frame("暂停记录")["工单号"])
    moved = {int(r) for r in expected.index if expected.at[r, "服务工单号"] in paused}
    assert len(cells) >= len(expected) - len(moved) - 10  # the run's new 二次处理 rows wait for the next
    assert all(f.startswith('=SLA_DEADLINE("首次响应",') and "NOW(" not in f for f in cells.values())
    resolution = _formulas(formulas, "解决时限")
    some_paused_value = [r for r in moved if r not in resolution and not pd.isna(expected.at[r, "解决时限"])]
    assert some_paused_value, "the demo has tickets whose pause moved the resolution deadline: those stay values"

    # LibreOffice shows the cached values: cell for cell what it shows for the 数值 workbook.
    rows = libreoffice_csv(formulas)[INTAKE]
    plain = libreoffice_csv(values)[INTAKE]
    col = rows[0].index("首次响应时限")
    assert plain[0].index("首次响应时限") == col
    for r in cells:
        want = expected.at[r, "首次响应时限"]
        assert rows[r - 1][col] == plain[r - 1][col], r
        assert rows[r - 1][col][:16] == ("" if pd.isna(want) else want.strftime("%Y-%m-%d %H:%M")), r

    # Excel with the add-in (Ctrl+Alt+F9) calculates the same through SLA_SETTINGS / SLA_DEADLINE.
    live.clear_cache()
    book = fakexw.Book(formulas)
    calc = book.calculation()
    stats = calc.recalculate()
    ws = book.wb[INTAKE]
    heads = [c.value for c in ws[1]]
    checked = 0
    for header in HEADERS:
        c = heads.index(header) + 1
        for r in expected.index:
            if (INTAKE, r, c) in calc.formulas:
                assert calc.value((INTAKE, r, c)) == _py(expected.at[r, header]), (header, r)
                checked += 1
    assert checked > 1500
    assert stats.udf_calls["SLA_SETTINGS"] == 1 and live.stats["settings_builds"] == 1
    assert live.stats["range_reads"] == 0  # no row read the policy or calendar ranges


def test_a_ticket_typed_in_excel_shows_its_deadlines_at_once_without_moving_the_policy(books):
    formulas, _values = books
    book = fakexw.Book(formulas)
    calc = book.calculation()
    calc.recalculate()
    built = live.stats["settings_builds"]
    row, stats = calc.type_row("登记表", {"受理时间": dt.datetime(2026, 11, 20, 10, 0), "需求类型": "投诉类",
                                           "紧急程度": "一般", "客户名称/姓名": "新客户"})
    ws = book.wb[INTAKE]
    heads = [c.value for c in ws[1]]
    value = calc.value((INTAKE, row, heads.index("首次响应时限") + 1))
    # 投诉类 first feedback 24 h (SPEC §3, clock hours): Saturday 2026-11-21 10:00.
    assert value == dt.datetime(2026, 11, 21, 10, 0)
    # Resolution: 投诉类 5 working days vs 一般 3 working days — the stricter wins (SPEC §3): from
    # Friday 11-20, Mon 23, Tue 24, Wed 25 → 11-25 18:00 (no holiday in between).
    assert calc.value((INTAKE, row, heads.index("解决时限") + 1)) == dt.datetime(2026, 11, 25, 18, 0)
    assert stats.udf_calls == {"SLA_DEADLINE": 7}  # one call per 时限 column of the new row
    assert live.stats["settings_builds"] == built  # the policy and calendar came from the cache
    assert stats.cells_moved <= 7 * 5  # each call reads only its row's cells


def test_editing_the_policy_recalculates_the_settings_once_and_every_row(books):
    formulas, _values = books
    book = fakexw.Book(formulas)
    calc = book.calculation()
    calc.recalculate()
    ws = book.wb["时限标准"]
    row = next(r for r in range(2, ws.max_row + 1)
               if (ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value) == ("首次响应", "紧急"))
    built = live.stats["settings_builds"]
    stats = calc.edit("时限标准", row, "时限", 4)  # 紧急 first response: 2 h → 4 h
    assert stats.udf_calls["SLA_SETTINGS"] == 1 and live.stats["settings_builds"] == built + 1
    tickets = read_file(formulas).frame(INTAKE)
    heads = [c.value for c in book.wb[INTAKE][1]]
    c = heads.index("首次响应时限") + 1
    urgent = [r for r in tickets.index if tickets.at[r, "紧急程度"] == "紧急" and tickets.at[r, "需求类型"] != "投诉类"
              and (INTAKE, r, c) in calc.formulas and not pd.isna(tickets.at[r, "受理时间"])]
    assert urgent
    for r in urgent[:20]:
        received = tickets.at[r, "受理时间"].to_pydatetime()
        assert calc.value((INTAKE, r, c)) == received + dt.timedelta(hours=4)  # clock hours (SPEC §3)


def test_back_to_values_turns_the_formulas_into_the_same_values(books):
    formulas, values = books
    _set_param(formulas, "时限计算方式", "数值")
    refresh.refresh_all(formulas, now=NOW)
    for header in HEADERS:
        assert not _formulas(formulas, header), header
    assert read_file(formulas).frame(INTAKE)[list(HEADERS)].equals(read_file(values).frame(INTAKE)[list(HEADERS)])
    snap = read_file(formulas)
    assert not snap[INTAKE].table.calculated  # new rows typed in Excel get no formula either
    params = snap.frame("系统参数").set_index("参数")["值"]
    assert params.get("时限参数") is None


def test_a_value_typed_over_a_deadline_formula_is_kept(books):
    formulas, _values = books
    tickets = read_file(formulas).frame(INTAKE)
    cells = _formulas(formulas, "解决时限")
    row = sorted(cells)[5]
    book = fakexw.Book(formulas)
    calc = book.calculation()
    calc.recalculate()
    col = [c.value for c in book.wb[INTAKE][1]].index("解决时限") + 1
    typed = dt.datetime(2026, 12, 31, 12, 0)
    calc.edit(INTAKE, row, col, typed)
    book.save()
    result = refresh.refresh_all(formulas, now=NOW)
    assert read_file(formulas).frame(INTAKE).at[row, "解决时限"] == pd.Timestamp(typed)
    assert row not in _formulas(formulas, "解决时限")
    assert any(p.sheet == INTAKE and p.level == "提示" and "时限" in str(p.column) for p in result.problems)
    assert tickets.at[row, "解决时限"] != pd.Timestamp(typed)


def test_values_only_turns_every_program_formula_into_its_value_and_keeps_it_so(books):
    """`aftersales values-only` (macOS, WPS): no program formula is left, the values are the 数值
    mode's, a later refresh writes no formula; choosing 公式 again brings them back."""
    from click.testing import CliRunner

    from aftersales.cli import main

    formulas, values = books
    assert _formulas(formulas, "首次响应时限")
    outcome = CliRunner().invoke(main, ["values-only", str(formulas), "--now", "2026-11-20 16:00"])
    assert outcome.exit_code == 0, outcome.output
    assert "公式转数值" in outcome.output

    def program_formulas(path):
        wb = openpyxl.load_workbook(path)
        return [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f" and any(f in str(c.value) for f in ("SLA_", "CHECK_", "RECTIFICATION_"))]

    assert program_formulas(formulas) == []
    snap = read_file(formulas)
    assert snap.frame(INTAKE)[list(HEADERS)].equals(read_file(values).frame(INTAKE)[list(HEADERS)])
    checks, plain_checks = snap.frame("执行检查表"), read_file(values).frame("执行检查表")
    for header in ("检查结果", "整改状态"):
        assert checks[header].tolist() == plain_checks[header].tolist()
    params = snap.frame("系统参数").set_index("参数")["值"]
    assert (params["公式单元格"], params["时限计算方式"]) == ("不使用", "数值")
    refresh.refresh_all(formulas, now=NOW)
    assert program_formulas(formulas) == []

    _set_param(formulas, "时限计算方式", "公式")
    refresh.refresh_all(formulas, now=NOW)
    assert _formulas(formulas, "首次响应时限")
    ws = openpyxl.load_workbook(formulas)["执行检查表"]
    assert any("RECTIFICATION_STATUS" in str(c.value) for row in ws.iter_rows() for c in row)


def test_a_ribbon_run_in_macos_excel_writes_values_where_formulas_were(books, monkeypatch):
    """Excel on macOS has no UDFs: the ribbon's 全部刷新 turns the program formulas into values."""
    import macros.refresh as routines

    formulas, values = books
    monkeypatch.setattr(routines, "excel_has_udfs", lambda session: session.is_file)
    book = fakexw.Book(formulas, udfs=False)
    refresh.refresh_all(book, now=NOW)
    book.save()
    for header in HEADERS:
        assert not _formulas(formulas, header)
    assert read_file(formulas).frame(INTAKE)[list(HEADERS)].equals(read_file(values).frame(INTAKE)[list(HEADERS)])


def test_the_add_in_wraps_the_live_functions_and_hands_over_the_ranges_unread():
    """check-addin's udf_wrappers check compares the built add-in with these wrappers; the
    per-row function must receive the policy and calendar as Range objects (xlwings' "range"
    converter), or every row would move them through COM."""
    from addin import udf_wrappers
    from tests.fakexw import udf_arguments
    from udfs.excel_live import sla_deadline

    source = udf_wrappers.generate(["udfs"]).source
    assert "Function sla_deadline(stage, start, request_type, urgency, settings, Optional policy" in source
    assert "Function sla_settings(policy" in source
    options = dict(udf_arguments(sla_deadline))
    assert {name for name, o in options.items() if o.get("convert") == "range"} == {
        "policy", "holidays", "workdays", "hours", "weekend", "years"}


def test_an_older_workbook_can_choose_formulas_by_adding_the_row(tmp_path):
    """A workbook made before 时限计算方式 existed (tests/data/previous_version_demo.xlsx): the team
    adds the row 时限计算方式 = 公式 to 系统参数; the refresh adds 时限参数 and writes the formulas."""
    from pathlib import Path

    path = tmp_path / "old.xlsx"
    shutil.copy(Path(__file__).parent / "data" / "previous_version_demo.xlsx", path)
    values = tmp_path / "old-values.xlsx"
    shutil.copy(path, values)
    refresh.refresh_all(values, now=NOW)
    assert "时限计算方式" not in set(read_file(path).frame("系统参数")["参数"])
    book = fakexw.Book(path)
    book.calculation().type_row("参数表", {"参数": "时限计算方式", "值": "公式"})
    book.save()

    result = refresh.refresh_all(path, now=NOW)

    assert not result.errors, result.errors
    params = read_file(path).frame("系统参数").set_index("参数")["值"]
    assert str(params["时限参数"]).startswith("时限参数 ")
    assert _formulas(path, "首次响应时限")
    got, expected = read_file(path).frame(INTAKE), read_file(values).frame(INTAKE)
    for header in HEADERS:
        assert got[header].equals(expected[header]), header
