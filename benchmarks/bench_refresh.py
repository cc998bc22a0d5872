"""Benchmark: a year of tickets through the headless routines, against the calamine floor.

For each size: build a sample workbook with `aftersales demo --tickets N` (which already runs
every routine once, as a team's workbook would have been; its time and peak RSS are the "demo
build" figures), then, each as a whole command in a fresh process (interpreter start included,
wall clock and the process's own peak RSS from ``wait4``):
  - the floor: python-calamine reading every sheet of that file (``to_python``), nothing else;
  - ``aftersales refresh`` the next morning (``--now`` one day later) on a copy of the file:
    cold (no snapshot beside it) and, when the demo left one, with the snapshot in ``缓存/``;
    with ``--resaved``, also on a copy LibreOffice re-saved (shared strings, every part rewritten);
  - each HTML report with ``aftersales report`` cold (no snapshot), then again from the snapshot
    the cold run kept.
A write starts a detached low-priority process that renews the snapshot; the benchmark waits for
it before the next measurement (and prints how long it took), so runs do not overlap.
``--repeat`` rounds are interleaved; medians, each also ÷ the floor of the same round's file.
Round 2's bar at 100k: refresh ≤ 1.0×, evaluation report ≤ 0.25×, peak RSS ≤ 600 MB.

    python benchmarks/bench_refresh.py                        # 10k and 100k
    python benchmarks/bench_refresh.py 10000 30000 100000 300000 --keep out/bench --resaved
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO_NOW = "2026-11-20 16:00"
NEXT_MORNING = "2026-11-21 09:30"
BOOK = "售后服务示例.xlsx"

FLOOR = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
rows = sum(len(book.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in book.sheet_names)
"""

KINDS = ("evaluation", "monthly", "checklist")


def timed(*command: str) -> dict:
    """Run ``command``; its wall seconds and its own peak RSS (MB, from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{command} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024}


def cli(*args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", "aftersales", *args)


def wait_for_renewal(book: Path) -> float:
    """Wait until no detached snapshot renewal of ``book`` is running; seconds waited."""
    start = time.perf_counter()
    while subprocess.run(["pgrep", "-f", f"workbook.snapshot_cache {book}"],
                         stdout=subprocess.DEVNULL).returncode == 0:
        time.sleep(0.2)
    return time.perf_counter() - start


def resave(book: Path, out: Path) -> Path:
    """``book`` opened and saved by LibreOffice (its own profile), as a team's copy would be."""
    out.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    try:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(book)],
                       check=True, capture_output=True, timeout=3600)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    saved = out / book.name
    if not saved.exists():  # soffice may exit 0 after "source file could not be loaded"
        raise SystemExit(f"LibreOffice did not re-save {book}")
    return saved


def refresh_copy(book: Path, folder: Path, *, snapshot: bool) -> tuple[dict, float]:
    """A next-morning refresh of a copy of ``book`` (with its snapshot or without)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    copy = folder / book.name
    shutil.copy(book, copy)
    cache = book.parent / "缓存"
    if snapshot and cache.exists():
        shutil.copytree(cache, folder / "缓存")
    result = timed(*cli("refresh", str(copy), "--now", NEXT_MORNING))
    return result, wait_for_renewal(copy)


def bench(tickets: int, folder: Path, repeat: int, resaved: bool) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    demo = timed(*cli("demo", "--out", str(folder), "--tickets", str(tickets), "--now", DEMO_NOW))
    book = folder / BOOK
    wait_for_renewal(book)
    has_snapshot = (folder / "缓存").exists()
    other = resave(book, folder / "resaved") if resaved else None
    runs: dict[str, list[dict]] = {}
    renewals: list[float] = []

    def add(name: str, result: dict) -> None:
        runs.setdefault(name, []).append(result)

    for _ in range(repeat):
        floor = timed(sys.executable, "-c", FLOOR, str(book))
        add("floor", floor)
        result, renewal = refresh_copy(book, folder / "run", snapshot=False)
        add("refresh, cold", result)
        renewals.append(renewal)
        if has_snapshot:
            add("refresh, with snapshot", refresh_copy(book, folder / "run", snapshot=True)[0])
        if other is not None:
            add("floor, re-saved copy", timed(sys.executable, "-c", FLOOR, str(other)))
            add("refresh, re-saved copy", refresh_copy(other, folder / "run-resaved", snapshot=False)[0])
        reports = folder / "reports"
        shutil.rmtree(reports, ignore_errors=True)
        reports.mkdir()
        shutil.copy(book, reports / BOOK)
        for kind in KINDS:
            shutil.rmtree(reports / "缓存", ignore_errors=True)  # cold: no snapshot beside it
            for label in ("cold", "from snapshot"):
                add(f"{kind} report, {label}",
                    timed(*cli("report", str(reports / BOOK), "--kind", kind, "--now", NEXT_MORNING,
                               "--out", str(reports / f"{kind}.html"))))
    return {"tickets": tickets, "file_mb": book.stat().st_size / 1e6, "demo": demo, "runs": runs,
            "renewal_s": statistics.median(renewals)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="keep the workbooks in this folder")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds per size (medians)")
    parser.add_argument("--resaved", action="store_true", help="also refresh a LibreOffice-re-saved copy")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-"))
    rows = []
    try:
        for n in sorted(args.sizes):
            r = bench(n, root / f"{n}", args.repeat, args.resaved)
            floor = statistics.median(x["seconds"] for x in r["runs"]["floor"])
            print(f"\n== {n:,} tickets  (file {r['file_mb']:.1f} MB; demo built in {r['demo']['seconds']:.0f} s, "
                  f"peak RSS {r['demo']['rss_mb']:.0f} MB; medians of {args.repeat} interleaved rounds; "
                  f"snapshot renewal after a refresh {r['renewal_s']:.1f} s)")
            for name, results in r["runs"].items():
                seconds = statistics.median(x["seconds"] for x in results)
                ratio = statistics.median(x["seconds"] / f["seconds"] for x, f in zip(results, r["runs"]["floor"]))
                rss = max(x["rss_mb"] for x in results)
                print(f"{name:<32} {seconds:7.2f} s  {ratio:5.2f}× floor   peak RSS {rss:5.0f} MB")
            rows.append((n, r, floor))
        print("\n| tickets | file | floor | refresh cold | ÷ floor | refresh RSS | evaluation cold / from snapshot |"
              " ÷ floor | demo build |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n, r, floor in rows:
            med = {k: statistics.median(x["seconds"] for x in v) for k, v in r["runs"].items()}
            rss = {k: max(x["rss_mb"] for x in v) for k, v in r["runs"].items()}
            print(f"| {n:,} | {r['file_mb']:.1f} MB | {floor:.2f} s | {med['refresh, cold']:.2f} s | "
                  f"{med['refresh, cold'] / floor:.2f} | {rss['refresh, cold']:.0f} MB | "
                  f"{med['evaluation report, cold']:.2f} / {med['evaluation report, from snapshot']:.2f} s | "
                  f"{med['evaluation report, cold'] / floor:.2f} / "
                  f"{med['evaluation report, from snapshot'] / floor:.2f} | "
                  f"{r['demo']['seconds']:.0f} s, {r['demo']['rss_mb']:.0f} MB |")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
