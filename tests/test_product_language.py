"""The product speaks to its users in their words: no internal label reaches a sheet, a report or
the help. (The source documents were filed as 「种子文档000」… while the product was specified; a
team never saw those names and should not meet them.)"""

from __future__ import annotations

import shutil
import zipfile

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
