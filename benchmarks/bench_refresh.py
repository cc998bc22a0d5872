"""Benchmark: a year of tickets through the full headless refresh, against the calamine floor.

For each size: build a sample workbook with `aftersales demo --tickets N` (which already runs
every routine once, as a team's workbook would have been), then, each in a fresh process:
  - the floor: python-calamine reading every sheet of that file (to_python), nothing else;
  - `aftersales refresh` the next morning (--now one day later): per-stage seconds, peak RSS;
  - rendering each HTML report cold (no snapshot in 缓存/), then again from the snapshot the
    cold run kept (workbook/snapshot_cache.py).
Repeats that ``--repeat`` times interleaved and prints medians and each run's ratio to the floor
(round 2's bar at 100k: refresh ≤ 1.0×, evaluation report ≤ 0.25×, peak RSS ≤ 600 MB).

    python benchmarks/bench_refresh.py                 # 10k and 100k
    python benchmarks/bench_refresh.py 10000 100000 300000 --keep out/bench
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
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

REPORT = """
import datetime as dt, json, resource, sys, time
from pathlib import Path
from reports.render import render_report
t = time.perf_counter()
render_report(sys.argv[1], kind=sys.argv[3], out=Path(sys.argv[4]), now=dt.datetime.fromisoformat(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

KINDS = ("evaluation", "monthly", "checklist")


def run_python(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter (it reports its own peak RSS); return its JSON output."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench(tickets: int, folder: Path, repeat: int) -> dict:
    """Build the demo once, then ``repeat`` rounds of floor → refresh → each report cold → each
    report from the snapshot, interleaved so that the machine's load affects all alike; medians."""
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aftersales.cli", "demo", "--out", str(folder), "--tickets", str(tickets),
                    "--now", DEMO_NOW], check=True, capture_output=True)
    demo_seconds = time.perf_counter() - t
    book = folder / "售后服务示例.xlsx"
    runs: dict[str, list[dict]] = {}
    morning = NEXT_MORNING.replace(" ", "T")
    for _ in range(repeat):
        runs.setdefault("floor", []).append(run_python(FLOOR, str(book)))
        work = folder / "run" / "refresh.xlsx"
        shutil.rmtree(work.parent, ignore_errors=True)
        work.parent.mkdir()
        shutil.copy(book, work)
        runs.setdefault("refresh", []).append(run_python(REFRESH, str(work), morning))
        for kind in KINDS:
            shutil.rmtree(folder / "缓存", ignore_errors=True)  # cold: no snapshot beside the workbook
            runs.setdefault(f"{kind} cold", []).append(
                run_python(REPORT, str(book), morning, kind, str(folder / f"{kind}.html")))
            runs.setdefault(f"{kind} from snapshot", []).append(
                run_python(REPORT, str(book), morning, kind, str(folder / f"{kind}.html")))
    median = {name: statistics.median(r["seconds"] for r in rs) for name, rs in runs.items()}
    return {
        "tickets": tickets, "file_mb": book.stat().st_size / 1e6, "demo_s": demo_seconds, "median": median,
        "rss_mb": {name: max(r["rss_mb"] for r in rs) for name, rs in runs.items()},
        "stages": {k: statistics.median(r["timings"].get(k, 0.0) for r in runs["refresh"])
                   for k in runs["refresh"][0]["timings"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="keep the workbooks in this folder")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds per size (medians)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        for n in sorted(args.sizes):
            r = bench(n, root / f"{n}", args.repeat)
            floor = r["median"]["floor"]
            print(f"\n== {n:,} tickets  (file {r['file_mb']:.1f} MB, demo built in {r['demo_s']:.1f} s; "
                  f"medians of {args.repeat} interleaved rounds)")
            for name, seconds in r["median"].items():
                print(f"{name:<26} {seconds:7.2f} s  {seconds / floor:5.2f}× floor   peak RSS {r['rss_mb'][name]:.0f} MB")
            print("refresh stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["stages"].items()))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
