"""The product speaks to its users in their words: no internal label reaches a sheet, a report or
the help. (The source documents were filed as 「种子文档000」… while the product was specified; a
team never saw those names and should not meet them.)"""

from __future__ import annotations

import shutil
import zipfile

import click
import pytest

from reports import KINDS, render_report
from tests.conftest import NOW

INTERNAL_LABELS = ("种子文档", "seed 00", "seed-00", "SPEC §")


def _workbook_text(path) -> str:
    """Every string a user can see in the workbook: cell text, shared strings, comments, table names."""
    parts = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                parts.append(archive.read(name).decode("utf-8", "replace"))
    return "\n".join(parts)


def test_a_new_workbook_carries_no_internal_label(tmp_path):
    from workbook.builder import new_workbook

    book = tmp_path / "new.xlsx"
    new_workbook(book)
    text = _workbook_text(book)
    for label in INTERNAL_LABELS:
        assert label not in text, label


def test_the_demo_workbook_after_every_routine_carries_no_internal_label(demo_template, tmp_path):
    from macros.refresh import refresh_all

    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    refresh_all(book, now=NOW)
    text = _workbook_text(book)
    for label in INTERNAL_LABELS:
        assert label not in text, label


@pytest.mark.parametrize("kind", KINDS)
def test_no_report_carries_an_internal_label(demo_template, tmp_path, kind):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    html = render_report(book, kind=kind, out=tmp_path / f"{kind}.html", now=NOW).read_text("utf-8")
    for label in INTERNAL_LABELS:
        assert label not in html, label


def _cli(*args) -> str:
    from click.testing import CliRunner

    from aftersales.cli import main

    result = CliRunner().invoke(main, list(args), prog_name="aftersales")
    assert result.exit_code == 0, result.output
    return result.output


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_help_is_in_chinese_with_the_english_command_names_kept():
    from aftersales.cli import main

    page = _cli("--help")
    assert page.startswith("用法：aftersales [选项] 命令 [参数]...")
    assert "选项" in page and "命令" in page and "显示本帮助并退出" in page
    for english in ("Usage:", "Options:", "Commands:", "Show this message"):
        assert english not in page
    for name, command in main.commands.items():
        assert name in page  # command names stay as they are typed
        sub = _cli(name, "--help")
        summary = (command.help or "").strip().splitlines()[0]
        assert _has_chinese(summary), (name, summary)  # the one-line summary is Chinese
        assert "示例：" in sub, name  # every command shows an example
        assert "Usage:" not in sub and "Show this message" not in sub, name
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                assert _has_chinese(param.help), (name, param.name, param.help)


def test_the_readme_links_the_chinese_user_guide_first():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text("utf-8")
    first_link = readme[readme.index("]("):].split(")")[0]
    assert first_link == "](docs/使用指南.md"
    guide = (root / "docs" / "使用指南.md").read_text("utf-8")
    for heading in ("准备工作", "每天怎么用", "每月怎么用", "功能区按钮与命令", "各工作表", "出现提示时怎么办"):
        assert heading in guide
