"""The command line: exit codes, messages, and that every command documents itself."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from macros.cli import main
from workbook import read_file


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_every_command_has_help_with_an_example(run):
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help"
        assert "Example:" in command.help, f"{name} help lacks an example"
        result = run(name, "--help")
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
