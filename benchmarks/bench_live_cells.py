"""UDF calls and data moved by the live cells (时限计算方式 = 公式), measured with the Excel stand-in.

    python benchmarks/bench_live_cells.py 2000 20000

For each size: a demo workbook in 公式 mode (one refresh), then in the stand-in (tests/fakexw.py,
which calls the UDFs the way Excel + xlwings does: a range argument is read through COM on every
call unless the UDF declares it "range"):

- full recalculation (Ctrl+Alt+F9 — and what Excel does on opening a file another program saved);
- one ticket typed below the table (its calculated 时限 columns fill in and calculate);
- one 时限标准 value edited (the 时限参数 cell and every row recalculate).

"cells read" counts the cells range arguments carried from Excel to Python; "Python s" is the
time spent inside the UDFs (COM round trips, about 0.1–1 ms each in real Excel, not included).
Figures in docs/addin.md were taken on a shared 2-core machine.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import udfs.live_settings as live  # noqa: E402
from macros import refresh  # noqa: E402
from tests import fakexw  # noqa: E402
from workbook.sample import generate, write_sample  # noqa: E402

NOW = dt.datetime(2026, 11, 20, 16, 0)


def _row(name, stats, wall):
    calls = ", ".join(f"{k} {v}" for k, v in sorted(stats.udf_calls.items()))
    print(f"| {name} | {stats.calls} ({calls}) | {stats.range_reads} | {stats.cells_moved} | "
          f"{stats.text_chars_moved} | {stats.seconds:.2f} | {wall:.1f} |")


def measure(tickets: int, folder: Path) -> None:
    path = folder / f"live-{tickets}.xlsx"
    write_sample(path, generate(tickets, seed=1, now=NOW))
    book = fakexw.Book(path)
    ws = book.wb["系统参数"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "时限计算方式")
    ws.cell(row=row, column=2).value = "公式"
    book.save()
    clock = time.perf_counter()
    refresh.refresh_all(path, now=NOW)
    print(f"\n{tickets} tickets: refresh in 公式 mode {time.perf_counter() - clock:.1f} s")
    print("| action | UDF calls | range reads | cells read | text chars | Python s | stand-in s |")
    print("|---|---|---|---|---|---|---|")
    live.clear_cache()
    book = fakexw.Book(path)
    calc = book.calculation()
    clock = time.perf_counter()
    stats = calc.recalculate()
    _row("full recalculation", stats, time.perf_counter() - clock)
    clock = time.perf_counter()
    _new, stats = calc.type_row("登记表", {"受理时间": dt.datetime(2026, 11, 20, 10, 0), "需求类型": "维修类",
                                            "紧急程度": "一般", "客户名称/姓名": "新客户"})
    _row("one ticket typed", stats, time.perf_counter() - clock)
    ws = book.wb["时限标准"]
    policy_row = next(r for r in range(2, ws.max_row + 1)
                      if (ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value) == ("首次响应", "紧急"))
    clock = time.perf_counter()
    stats = calc.edit("时限标准", policy_row, "时限", 4)
    _row("时限标准 edited", stats, time.perf_counter() - clock)
    print(f"settings built {live.stats['settings_builds']}×, cache hits {live.stats['cache_hits']}, "
          f"policy/calendar range reads by rows {live.stats['range_reads']}")


def main(sizes: list[int]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aftersales-live-"))
    try:
        for size in sizes:
            measure(size, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2000])
