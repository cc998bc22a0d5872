"""Staff data: after every routine, every cell staff typed is byte-identical — on every sheet.

Staff cells are the cells of staff-owned columns (and of columns the team added themselves), the
typed cells of fill columns (紧急程度, 处理人 … once filled, never overwritten), the header rows,
and every settings sheet. The check compares their raw XML inside the .xlsx before and after,
plus the shared-string table, on two versions of the demo workbook: as our builder writes it
(inline strings) and as LibreOffice saves it (a shared-string table, its own styles and XML) —
the latter is how a workbook the team has edited and saved really looks.
"""

from __future__ import annotations

import shutil

import pytest

from macros import refresh
from tests.test_fuzz_workbooks import overwritten_staff_cells, staff_cells

from tests.conftest import NOW

ROUTINES = ("dispatch", "escalate", "callbacks", "kpi", "summary", "refresh_all")


@pytest.fixture(scope="session")
def saved_by_libreoffice(demo_template, libreoffice, tmp_path_factory):
    """The demo workbook opened and saved by LibreOffice: shared strings, as office suites write."""
    folder = tmp_path_factory.mktemp("lo-demo")
    shutil.copy(demo_template, folder / "demo.xlsx")
    return libreoffice(folder / "demo.xlsx", "xlsx")


@pytest.fixture(params=["builder", "libreoffice"])
def demo_variant(request, demo_template, tmp_path):
    source = demo_template if request.param == "builder" else request.getfixturevalue("saved_by_libreoffice")
    path = tmp_path / "demo.xlsx"
    shutil.copy(source, path)
    return path


@pytest.mark.parametrize("routine", ROUTINES)
def test_every_staff_cell_is_byte_identical_after_the_routine(demo_variant, routine):
    before = staff_cells(demo_variant)
    guarded = sum(len(cells) for cells in before.cells.values())
    assert guarded > 5000, f"only {guarded} staff cells found: the check would prove little"
    result = getattr(refresh, routine)(demo_variant, now=NOW)
    assert result.written, "the routine wrote nothing: the comparison would be vacuous"
    assert overwritten_staff_cells(before, demo_variant) == []


def test_the_libreoffice_copy_really_uses_a_shared_string_table(saved_by_libreoffice):
    before = staff_cells(saved_by_libreoffice)
    assert before.shared_strings and before.shared_strings.count(b"<si>") > 1000
