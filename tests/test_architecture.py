"""The package layering docs/architecture.md documents is the real import graph, and it has no cycle.

Every ``import`` in the product's packages is read with ``ast`` — including the lazy ones inside
functions — so a dependency hidden in a function body still counts. The expected graph is the one
the document's table states (column "may import"), not a copy kept here.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("udfs", "workbook", "macros", "reports", "addin", "aftersales")


def imported_modules(path: Path) -> set[str]:
    """Absolute module names ``path`` imports anywhere in its body (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.parent.name
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([package] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def module_graph() -> dict[str, set[str]]:
    """{module: our modules it imports}, e.g. "macros.kpi" → {"workbook.schema", …}."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            modules[name] = path
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in imported_modules(path) if m in modules and m != name}
    return graph


def package_graph() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for module, targets in module_graph().items():
        source = module.split(".")[0]
        out[source] |= {t.split(".")[0] for t in targets} - {source}
    return out


def documented_graph() -> dict[str, set[str]]:
    """The "may import" column of the folder table in docs/architecture.md (our packages only)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3:
            continue
        folder = re.fullmatch(r"`(\w+)/`", cells[0])
        if folder and folder.group(1) in PACKAGES:
            out[folder.group(1)] = set(re.findall(r"`(\w+)`", cells[2])) & set(PACKAGES)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's smallest member rotation, found by depth-first search."""
    found = set()

    def visit(node, path):
        for nxt in graph.get(node, ()):
            if nxt == path[0]:
                cycle = path[:]
                k = cycle.index(min(cycle))
                found.add(tuple(cycle[k:] + cycle[:k]))
            elif nxt not in path and nxt > path[0]:
                visit(nxt, path + [nxt])

    for start in graph:
        visit(start, [start])
    return [list(c) for c in sorted(found)]


def test_the_documented_layering_is_the_real_import_graph():
    documented = documented_graph()
    assert set(documented) == set(PACKAGES), "docs/architecture.md's table must list every package"
    actual = package_graph()
    assert actual == documented


def test_packages_import_each_other_without_cycles():
    assert cycles(package_graph()) == []


def test_the_cycle_finder_finds_a_planted_cycle():  # the test above would pass vacuously otherwise
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert documented_graph()["udfs"] == set()


def loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "; import sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_the_pure_core_loads_no_excel_plotting_or_xlsx_library():
    loaded = loaded_after("import udfs.sla, udfs.calendar")
    assert not loaded & {"xlwings", "matplotlib", "openpyxl"}


def test_a_routine_loads_no_excel_or_plotting_library():
    # `from udfs import sla` (as macros.deadlines writes it) once pulled in the xlwings faces and
    # with them matplotlib: about 0.5 s of every headless run's start-up.
    loaded = loaded_after("import macros.refresh, macros.deadlines, macros.callbacks, macros.escalate, macros.project")
    assert not loaded & {"xlwings", "matplotlib"}


def test_the_cli_entry_loads_only_what_help_needs():
    loaded = loaded_after("import aftersales.cli")
    assert not loaded & {"pandas", "numpy", "openpyxl", "xlwings", "matplotlib", "jinja2", "python_calamine"}


@pytest.mark.slow
def test_help_starts_within_three_times_bare_click():
    """Benchmark: the best of five starts of each, measured in this one run (printed for the record)."""
    import shutil
    import time

    script = shutil.which("aftersales", path=str(Path(sys.executable).parent))
    assert script, "the aftersales script is not installed next to this Python"

    def best(argv):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        return min(times)

    click_time = best([sys.executable, "-c", "import click"])
    help_time = best([script, "--help"])
    print(f"python -c 'import click': {click_time:.3f} s; aftersales --help: {help_time:.3f} s "
          f"({help_time / click_time:.2f}×)")
    assert help_time <= 3 * click_time
