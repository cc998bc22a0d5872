"""Benchmark: a year of tickets through the full headless refresh, against the calamine floor.

For each size: build a sample workbook with `aftersales demo --tickets N` (which already runs
every routine once, as a team's workbook would have been), then, each in a fresh process:
  - the floor: python-calamine reading every sheet of that file (to_python), nothing else;
  - `aftersales refresh` the next morning (--now one day later): per-stage seconds, peak RSS;
  - rendering each HTML report.
Prints a table and the ratio refresh ÷ floor (the bar: ≤ 4 at 100k, with peak memory ≤ 1 GB).

    python benchmarks/bench_refresh.py                 # 10k and 100k
    python benchmarks/bench_refresh.py 10000 100000 300000 --keep out/bench
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO_NOW = "2026-11-20 16:00"
NEXT_MORNING = "2026-11-21 09:30"

FLOOR = """
import json, resource, sys, time
from python_calamine import CalamineWorkbook
t = time.perf_counter()
book = CalamineWorkbook.from_path(sys.argv[1])
rows = sum(len(book.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in book.sheet_names)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": rows,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

REFRESH = """
import datetime as dt, json, resource, sys, time
from macros.refresh import refresh_all
t = time.perf_counter()
result = refresh_all(sys.argv[1], now=dt.datetime.fromisoformat(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t, "timings": result.timings, "written": result.written,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, ensure_ascii=False))
"""

REPORTS = """
import datetime as dt, json, sys, time
from pathlib import Path
from reports.render import KINDS, render_report
out = {}
for kind in KINDS:
    t = time.perf_counter()
    render_report(sys.argv[1], kind=kind, out=Path(sys.argv[3]) / f"{kind}.html",
                  now=dt.datetime.fromisoformat(sys.argv[2]))
    out[kind] = time.perf_counter() - t
print(json.dumps(out))
"""


def run_python(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter (it reports its own peak RSS); return its JSON output."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench(tickets: int, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aftersales.cli", "demo", "--out", str(folder), "--tickets", str(tickets),
                    "--now", DEMO_NOW], check=True, capture_output=True)
    demo_seconds = time.perf_counter() - t
    book = folder / "售后服务示例.xlsx"
    work = folder / "refresh.xlsx"
    shutil.copy(book, work)
    floor = run_python(FLOOR, str(work))
    refresh = run_python(REFRESH, str(work), NEXT_MORNING.replace(" ", "T"))
    reports = run_python(REPORTS, str(work), NEXT_MORNING.replace(" ", "T"), str(folder))
    return {
        "tickets": tickets, "file_mb": book.stat().st_size / 1e6, "demo_s": demo_seconds,
        "floor_s": floor["seconds"], "refresh_s": refresh["seconds"], "ratio": refresh["seconds"] / floor["seconds"],
        "peak_rss_mb": refresh["rss_mb"], "floor_rss_mb": floor["rss_mb"], "stages": refresh["timings"],
        "reports": reports,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="keep the workbooks in this folder")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        for n in sorted(args.sizes):
            r = bench(n, root / f"{n}")
            print(f"\n== {n:,} tickets  (file {r['file_mb']:.1f} MB, demo built in {r['demo_s']:.1f} s)")
            print(f"floor (calamine, every sheet): {r['floor_s']:6.2f} s")
            print(f"refresh (aftersales refresh):  {r['refresh_s']:6.2f} s   ratio {r['ratio']:.2f}×   "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB (floor's {r['floor_rss_mb']:.0f} MB)")
            for stage, seconds in r["stages"].items():
                print(f"    {stage:<10} {seconds:6.2f} s")
            print("reports: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["reports"].items()))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
