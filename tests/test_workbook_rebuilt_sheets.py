"""A chart (or comment, or link) people put on a rebuilt 月报 sheet is kept or named — never
dropped silently, never left as an orphan part in the package."""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference

from macros.refresh import summary

from tests.conftest import NOW

MONTH = "月报_2026-10"


def _referenced_parts(path: Path) -> tuple[set[str], set[str]]:
    """(every part in the zip, every part some relationship points at)."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        targets = set()
        for rels in (n for n in names if n.endswith(".rels")):
            base = posixpath.dirname(posixpath.dirname(rels))
            for target, mode in re.findall(r'Target="([^"]+)"(?:[^>]*TargetMode="(\w+)")?',
                                           z.read(rels).decode()):
                if mode == "External":
                    continue
                targets.add(target.lstrip("/") if target.startswith("/")
                            else posixpath.normpath(posixpath.join(base, target)))
    return names, targets


def _orphans(path: Path) -> set[str]:
    names, targets = _referenced_parts(path)
    return {n for n in names if not n.endswith(".rels") and n != "[Content_Types].xml" and n not in targets}


def test_a_chart_on_the_monthly_sheet_survives_its_rebuild(demo_book):
    summary(demo_book, month="2026-10", now=NOW)
    wb = openpyxl.load_workbook(demo_book)
    ws = wb[MONTH]
    chart = BarChart()
    chart.title = "主管加的图"
    chart.add_data(Reference(ws, min_col=2, min_row=4, max_row=8))
    ws.add_chart(chart, "J2")
    wb.save(demo_book)
    assert _orphans(demo_book) == set()

    result = summary(demo_book, month="2026-10", now=NOW.replace(hour=17))
    assert result.written
    assert _orphans(demo_book) == set()
    wb = openpyxl.load_workbook(demo_book)
    charts = wb[MONTH]._charts
    assert len(charts) == 1 and charts[0].anchor._from.col == 9  # still at J2
    assert any("图表" in line and "保留" in line for line in result.lines)


def test_a_link_that_cannot_be_kept_is_named_and_leaves_no_part_behind(demo_book):
    summary(demo_book, month="2026-10", now=NOW)
    wb = openpyxl.load_workbook(demo_book)
    wb[MONTH]["J1"].hyperlink = "https://example.com/月报说明"
    wb.save(demo_book)
    result = summary(demo_book, month="2026-10", now=NOW.replace(hour=17))
    assert any("超链接" in line and "已移除" in line for line in result.lines)
    assert any("不属于本次月报的单元格已清除" in line for line in result.lines)  # J1's text
    assert _orphans(demo_book) == set()
    with zipfile.ZipFile(demo_book) as z:
        rels = [n for n in z.namelist() if n.endswith(".rels")]
        assert not any(b"hyperlink" in z.read(n) for n in rels)


def test_a_second_identical_refresh_writes_nothing_and_keeps_the_backups(demo_book):
    """Tester's week (P11): an idle refresh rewrote the file for the regenerated 月报 and pushed a
    useful backup out; now the month's report is compared with what the file holds."""
    from macros.refresh import refresh_all

    refresh_all(demo_book, now=NOW)
    before = demo_book.read_bytes()
    backups = sorted((demo_book.parent / "备份").iterdir())
    again = refresh_all(demo_book, now=NOW)
    assert not again.written and again.lines[-1] == "没有需要写入的变化"
    assert demo_book.read_bytes() == before
    assert sorted((demo_book.parent / "备份").iterdir()) == backups
    # A change the report shows is still written.
    later = refresh_all(demo_book, now=NOW.replace(hour=17))
    assert later.written
