"""Benchmark: where the time of one refresh or one report goes, stage by stage, without a profiler.

Wraps the read's pieces (python-calamine's parse, ``to_python``, the typing in ``parse_grid``,
the table layouts, ``check_lists``) and, for a report, its steps, context and rendering with wall
clocks, then runs ``refresh_all`` on a copy of BOOK (the next morning) or ``render_report``.
Prints one JSON line: seconds per stage, the total and peak RSS. Run it in a fresh process,
interleaved with the calamine floor of the same file (``bench_refresh.py`` does the floor):

    python benchmarks/bench_stages.py BOOK.xlsx refresh
    python benchmarks/bench_stages.py BOOK.xlsx evaluation      # or monthly, checklist
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

NEXT_MORNING = dt.datetime(2026, 11, 21, 9, 30)  # the day after bench_refresh.py's demo
T: dict[str, float] = defaultdict(float)


def timed(owner, name: str, label: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            T[label] += time.perf_counter() - start

    setattr(owner, name, wrapper)


class _Book:
    def __init__(self, book):
        self._book = book

    def __getattr__(self, name):
        return getattr(self._book, name)

    def get_sheet_by_name(self, name):
        start = time.perf_counter()
        sheet = self._book.get_sheet_by_name(name)
        T["read: calamine parse"] += time.perf_counter() - start
        return _Sheet(sheet)


class _Sheet:
    def __init__(self, sheet):
        self._sheet = sheet

    def __getattr__(self, name):
        return getattr(self._sheet, name)

    def to_python(self, **kwargs):
        start = time.perf_counter()
        grid = self._sheet.to_python(**kwargs)
        T["read: to_python"] += time.perf_counter() - start
        return grid


def main() -> None:
    book, kind = Path(sys.argv[1]), sys.argv[2]
    start = time.perf_counter()
    import python_calamine

    import workbook.reader as reader
    T["import"] = time.perf_counter() - start
    from_path = python_calamine.CalamineWorkbook.from_path

    class Workbook:
        @staticmethod
        def from_path(path):
            return _Book(from_path(path))

    python_calamine.CalamineWorkbook = Workbook
    timed(reader, "_parse_table", "read: typing (parse_grid)")
    timed(reader, "table_layouts", "read: table layouts")
    timed(reader, "check_lists", "read: check_lists")
    with tempfile.TemporaryDirectory() as folder:
        if kind == "refresh":
            from macros.refresh import refresh_all

            copy = Path(folder) / book.name
            shutil.copy(book, copy)
            start = time.perf_counter()
            result = refresh_all(copy, now=NEXT_MORNING)
            out = dict(result.timings)
        else:
            import macros.deadlines as deadlines
            import macros.project as project
            import reports.render as render

            for owner, name in ((deadlines, "deadlines_step"), (deadlines, "statuses_step"),
                                (project, "project_step"), (project, "checklist_step")):
                timed(owner, name, f"step: {name}")
            timed(render, "_context", "context (KPIs, charts)")
            timed(render, "render_html", "render (Jinja2)")
            start = time.perf_counter()
            render.render_report(book, kind=kind, out=Path(folder) / f"{kind}.html", now=NEXT_MORNING)
            out = {}
        out["total"] = time.perf_counter() - start
    out.update(T)
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
