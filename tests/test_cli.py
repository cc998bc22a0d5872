"""The command line: exit codes, messages, and that every command documents itself."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from aftersales.cli import main
from workbook import read_file


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if hasattr(command, "commands"):  # a group: its subcommands too (aftersales calendar import)
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help_with_an_example(run):
    for names, command in _commands(main):
        assert command.help, f"{names} has no help"
        assert "示例：" in command.help, f"{names} help lacks an example"
        result = run(*names, "--help")
        assert result.exit_code == 0
        assert " ".join(command.help.splitlines()[0].split()) in " ".join(result.output.split())


def test_new_writes_a_workbook_and_names_missing_holiday_years(run, tmp_path):
    book = tmp_path / "售后.xlsx"
    result = run("new", book)
    assert result.exit_code == 0
    assert f"已创建 {book}" in result.output
    assert book.exists()
    assert "执行检查表" in read_file(book).sheets


def test_new_refuses_an_existing_file_with_exit_1(run, tmp_path):
    book = tmp_path / "售后.xlsx"
    book.write_bytes(b"x")
    result = CliRunner().invoke(main, ["new", str(book)])
    assert result.exit_code == 1
    assert "已存在" in result.output
    assert book.read_bytes() == b"x"


def test_a_workbook_open_in_excel_is_refused(run, tmp_path, new_book):
    (new_book.parent / ("~$" + new_book.name)).write_bytes(b"")
    result = CliRunner().invoke(main, ["dispatch", str(new_book)])
    assert result.exit_code == 1
    assert "正在被 Excel 打开" in result.output


def _all_frames(path):
    snap = read_file(path)
    return {name: data.frame for name, data in snap.sheets.items()}


def test_demo_same_seed_same_workbook(run, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run("demo", "--out", a, "--seed", 3, "--tickets", 150).exit_code == 0
    assert run("demo", "--out", b, "--seed", 3, "--tickets", 150).exit_code == 0
    fa, fb = _all_frames(a / "售后服务示例.xlsx"), _all_frames(b / "售后服务示例.xlsx")
    assert fa.keys() == fb.keys()
    for name in fa:
        pd.testing.assert_frame_equal(fa[name], fb[name], obj=name)
    intake = fa["客户服务信息登记表"]
    assert intake["关联工单号"].isna().sum() == 150  # plus the 二次处理 tickets refresh opened


def test_demo_contains_the_forms_and_the_checklist(run, tmp_path):
    result = run("demo", "--out", tmp_path, "--tickets", 120)
    assert result.exit_code == 0
    assert "售后服务示例.xlsx" in result.output
    snap = read_file(tmp_path / "售后服务示例.xlsx")
    for name in ("客户服务信息登记表", "服务过程记录表", "服务结果确认表", "客户满意度调研表"):
        assert len(snap.frame(name)) > 0, name
    assert len(snap.frame("执行检查表")) == 15


def test_protect_hides_personal_columns_and_undo_shows_them(run, new_book):
    import openpyxl

    assert run("protect", new_book, "--password", "pw").exit_code == 0
    ws = openpyxl.load_workbook(new_book)["回访计划"]
    headers = [c.value for c in ws[1]]
    letter = openpyxl.utils.get_column_letter(headers.index("联系方式") + 1)
    assert ws.column_dimensions[letter].hidden and ws.protection.sheet
    result = CliRunner().invoke(main, ["protect", str(new_book), "--undo", "--password", "wrong"])
    assert result.exit_code == 1 and "密码不正确" in result.output
    assert run("protect", new_book, "--undo", "--password", "pw").exit_code == 0
    ws = openpyxl.load_workbook(new_book)["回访计划"]
    assert not ws.column_dimensions[letter].hidden and not ws.protection.sheet


def test_kpi_json_has_the_documented_keys_and_writes_nothing(demo_book):
    import datetime as dt
    import json

    before = demo_book.read_bytes()
    result = CliRunner().invoke(main, ["kpi", str(demo_book), "--from", "2026-09-01", "--to", "2026-09-30",
                                       "--now", "2026-11-20 16:00", "--json"])
    assert result.exit_code == 0, result.output
    kpis = json.loads(result.stdout)  # stdout is pure JSON; the 2027 reminder goes to stderr
    assert result.stderr.startswith("注意：「节假日数据年份」还没有 2027 年")
    assert demo_book.read_bytes() == before
    tickets = read_file(demo_book).frame("客户服务信息登记表")
    in_period = tickets[(tickets["受理时间"] >= dt.datetime(2026, 9, 1)) & (tickets["受理时间"] < dt.datetime(2026, 10, 1))]
    assert kpis["tickets"] == len(in_period)
    assert kpis["tickets_by_type"] == {t: int((in_period["需求类型"] == t).sum()) for t in ("维修类", "咨询类", "投诉类", "回访类")}
    responded = in_period.dropna(subset=["首次响应时间"])
    expected = ((responded["首次响应时间"] - responded["受理时间"]).dt.total_seconds() / 3600).mean()
    assert kpis["first_response_hours_avg"] == pytest.approx(expected)
    for key in ("fcr_rate", "csat_rate", "response_sla_rate", "resolution_sla_rate"):
        assert kpis[key] is None or 0 <= kpis[key] <= 1, key
    for key in ("resolution_hours_avg", "satisfaction_score", "nps"):
        assert key in kpis


def test_kpi_and_summary_refuse_bad_dates_with_usage_errors(demo_book):
    bad_from = CliRunner().invoke(main, ["kpi", str(demo_book), "--from", "2026-13-01"])
    assert bad_from.exit_code == 2 and "不是有效日期" in bad_from.output
    reversed_period = CliRunner().invoke(main, ["kpi", str(demo_book), "--from", "2026-10-01", "--to", "2026-09-01"])
    assert reversed_period.exit_code == 2 and "开始日期晚于结束日期" in reversed_period.output
    bad_month = CliRunner().invoke(main, ["summary", str(demo_book), "--month", "2026-13"])
    assert bad_month.exit_code == 2 and "不是有效月份" in bad_month.output


def test_summary_writes_the_month_sheet(run, demo_book):
    from python_calamine import CalamineWorkbook

    result = run("summary", demo_book, "--month", "2026-10", "--now", "2026-11-03 09:00")
    assert result.exit_code == 0
    assert "月报_2026-10" in result.output
    assert "月报_2026-10" in CalamineWorkbook.from_path(str(demo_book)).sheet_names
