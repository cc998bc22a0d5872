"""Golden files: each report of the demo workbook, rendered with the fixed ``now``, compared with
``tests/golden/<name>.html``.

Regenerate after an intended change with::

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_reports_golden.py

then review the diff of ``tests/golden/`` like any other change.

What is compared (XlsxWriter-style: the whole file, known noise stripped): every byte outside the
charts, and inside each ``<svg>`` its structure, text (titles, labels, values), colours and
styles. Only geometry — path data, coordinates, sizes, transforms and ids
— is masked, because it moves with any change of layout; the text
widths are estimated. That the SVG itself is deterministic (same bytes on every run, no date) is tested in
tests/test_reports.py.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

import pytest

from reports import render_report
from tests.conftest import NOW

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
CASES = {  # golden file → (workbook, kind, month)
    "evaluation": ("demo", "evaluation", None),
    "monthly_2026-10": ("demo", "monthly", "2026-10"),
    "checklist": ("demo", "checklist", None),
    "evaluation_empty": ("new", "evaluation", None),
    "monthly_empty": ("new", "monthly", None),
}
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_GEOMETRY = re.compile(
    r'\s(d|x|y|x1|x2|y1|y2|cx|cy|r|rx|ry|width|height|points|transform|viewBox|clip-path|id|xlink:href|href)="[^"]*"')
_ID_REF = re.compile(r"url\(#[^)]*\)")


def normalise(html: str) -> str:
    """The HTML with chart geometry masked (see the module docstring)."""
    def svg(match: re.Match) -> str:
        text = _GEOMETRY.sub(lambda m: f' {m.group(1)}="…"', match.group(0))
        return _ID_REF.sub("url(#…)", text)

    return _SVG.sub(svg, html)


@pytest.fixture(scope="module")
def books(demo_template, tmp_path_factory) -> dict[str, Path]:
    from workbook.builder import new_workbook

    folder = tmp_path_factory.mktemp("golden")
    demo = folder / "demo.xlsx"
    shutil.copy(demo_template, demo)
    empty = folder / "售后服务.xlsx"
    new_workbook(empty, today=NOW.date())
    return {"demo": demo, "new": empty}


@pytest.mark.parametrize("name", CASES)
def test_report_matches_its_golden_file(books, tmp_path, name):
    book, kind, month = CASES[name]
    html = render_report(books[book], kind=kind, out=tmp_path / f"{name}.html", now=NOW, month=month).read_text("utf-8")
    golden = GOLDEN / f"{name}.html"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(html, "utf-8", newline="\n")
    assert golden.exists(), f"no golden file {golden.name}: run UPDATE_GOLDEN=1 pytest {Path(__file__).name}"
    expected, actual = normalise(golden.read_text("utf-8")), normalise(html)
    if actual != expected:
        diff = "\n".join(list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), f"golden/{name}.html",
                                                   "rendered", lineterm="", n=1))[:80])
        pytest.fail(f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept):\n{diff}")


def test_normalise_masks_geometry_but_keeps_chart_text():
    svg = ('<svg viewBox="0 0 10 10"><g id="k-axes_1"><path d="M 0 0 L 1 1" clip-path="url(#k-p1)" '
           'style="fill: #1f5fa8"/><text x="1.5" y="2" style="font-size: 9px">92.1%</text></g></svg>')
    shown = normalise(f"<p>x=1</p>{svg}")
    assert shown.startswith("<p>x=1</p>")
    assert "92.1%" in shown and "fill: #1f5fa8" in shown
    assert "M 0 0" not in shown and "k-axes_1" not in shown and 'x="1.5"' not in shown
