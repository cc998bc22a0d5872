"""Benchmark: 总部汇总 of many store workbooks — first run, rerun after one store changed, memory.

Builds ``--stores`` store workbooks of ``--tickets`` tickets each, every ticket of workbook i in
store 门店i, ten regions. By default (``--shape copies``) the demo generator writes one store
workbook and the others are byte copies of it with the store and region names rewritten in the
sheet XML (same length, so every file has the same shape and size but its own content, content
key and store): the read, extract and cache work per file is that of a distinct workbook, while
building 100 of them costs seconds instead of minutes of a shared machine. ``--shape distinct``
generates each workbook from its own seed instead. Then, each in a fresh process:
  - the floor: python-calamine reading every sheet of every store workbook (to_python), one after
    the other — the sum of the stores' read floors;
  - the first run: ``consolidate`` with an empty Parquet cache (worker processes, ``--jobs``),
    writing the HQ workbook; seconds per stage, peak RSS of the main process and of the largest
    worker;
  - one store workbook replaced by a changed one (another seed), then the rerun with the cache:
    it must re-read exactly one file.
Prints a table.

    nice -n 10 python benchmarks/bench_consolidate.py                  # 100 stores × 3,000 tickets
    python benchmarks/bench_consolidate.py --stores 6 --tickets 300     # a quick look
    python benchmarks/bench_consolidate.py --keep out/bench-hq          # keep (and reuse) the workbooks
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

NOW = "2026-11-20T16:00"

FLOOR = """
import json, resource, sys, time
from pathlib import Path
from python_calamine import CalamineWorkbook
total = 0.0
rows = 0
for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
    t = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    rows += sum(len(book.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in book.sheet_names)
    book.close()
    total += time.perf_counter() - t
print(json.dumps({"seconds": total, "rows": rows,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

RUN = """
import datetime as dt, json, resource, sys, time
from macros.consolidate import consolidate
t = time.perf_counter()
result = consolidate([sys.argv[1]], out=sys.argv[2], cache_dir=sys.argv[3], now=dt.datetime.fromisoformat(sys.argv[4]),
                     start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 20), jobs=int(sys.argv[5]))
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "timings": result.timings, "stores": len(result.stores),
                  "tickets": result.kpis["tickets"], "pooled_rows": len(result.frames["客户服务信息登记表"]),
                  "reread": [r.name for r in result.covered if not r.cached],
                  "issues": [str(i) for i in result.issues if not i.included],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024},
                 ensure_ascii=False))
"""


def store_name(i: int) -> str:
    return f"门店{i:03d}"


def make_store(args: tuple[Path, int, int, int]) -> str:
    """One store workbook: the demo generator's data with every ticket in this store."""
    from workbook import schema as S
    from workbook.sample import generate, write_sample

    folder, i, tickets, seed = args
    data = generate(tickets, seed=seed)
    name = store_name(i)
    for row in data.forms[S.INTAKE.name]:
        row["所属店铺/区域"] = name
    data.settings[S.STORES.name] = [(name, f"大区{i % 10 + 1:02d}", "")]
    path = folder / f"{name}.xlsx"
    write_sample(path, data)
    return path.name


def _xml_forms(text: str) -> list[bytes]:
    """The byte forms ``text`` takes in sheet XML: UTF-8, and numeric character references."""
    return [text.encode(), "".join(ch if ch.isascii() else f"&#{ord(ch)};" for ch in text).encode()]


def clone_store(template: Path, folder: Path, i: int) -> str:
    """Store i's workbook: ``template`` (门店001 of 大区02) with the store and region renamed."""
    import zipfile

    renames = [(old, new) for a, b in ((store_name(1), store_name(i)), ("大区02", f"大区{i % 10 + 1:02d}"))
               for old, new in zip(_xml_forms(a), _xml_forms(b))]
    target = folder / f"{store_name(i)}.xlsx"
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                for old, new in renames:
                    data = data.replace(old, new)
            out.writestr(item, data)
    return target.name


def run_python(code: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if proc.returncode:
        sys.exit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="folder for the workbooks (reused when it already has them)")
    parser.add_argument("--shape", choices=("copies", "distinct"), default="copies",
                        help="copies: one generated workbook, renamed copies (default); distinct: one seed each")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-hq-"))
    stores = base / "stores"
    stores.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    missing = [i for i in range(1, args.stores + 1) if not (stores / f"{store_name(i)}.xlsx").exists()]
    if args.shape == "distinct":
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(make_store, [(stores, i, args.tickets, 1000 + i) for i in missing]))
    elif missing:
        template = stores / f"{store_name(1)}.xlsx"
        if not template.exists():
            make_store((stores, 1, args.tickets, 1001))
        for i in missing:
            if i != 1:
                clone_store(template, stores, i)
    if 1 not in missing:  # a kept folder: undo the previous run's change of 门店001
        make_store((stores, 1, args.tickets, 1001))
    built = time.perf_counter() - t
    size = sum(p.stat().st_size for p in stores.glob("*.xlsx")) / 1e6
    print(f"{args.stores} store workbooks × {args.tickets} tickets ({args.shape}): {size:.0f} MB "
          f"(built {len(missing)} in {built:.0f} s)", flush=True)

    cache = base / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    out = base / "总部汇总.xlsx"
    floor = run_python(FLOOR, str(stores))
    print(f"floor (python-calamine, every sheet of every store, summed): {floor['seconds']:.1f} s", flush=True)
    first = run_python(RUN, str(stores), str(out), str(cache), NOW, str(args.jobs))
    print(f"first run: {first['seconds']:.1f} s {first['timings']}", flush=True)
    make_store((stores, 1, args.tickets, 99_999))  # 门店001 changed: a different workbook of the same store
    rerun = run_python(RUN, str(stores), str(out), str(cache), NOW, str(args.jobs))
    print(f"rerun: {rerun['seconds']:.1f} s {rerun['timings']}", flush=True)

    print()
    print("| run | seconds | ÷ floor | files re-read | peak RSS main | peak RSS largest worker |")
    print("|---|---|---|---|---|---|")
    print(f"| floor: calamine reads of the {args.stores} workbooks, summed | {floor['seconds']:.1f} | 1.0 | "
          f"{args.stores} | {floor['rss_mb']:.0f} MB | — |")
    for label, run in (("first run (empty cache)", first), ("rerun, one store changed", rerun)):
        print(f"| {label} | {run['seconds']:.1f} | {run['seconds'] / floor['seconds']:.2f} | {len(run['reread'])} | "
              f"{run['rss_mb']:.0f} MB | {run['worker_rss_mb']:.0f} MB |")
    print()
    print(f"pooled: {first['stores']} stores, {first['pooled_rows']} tickets, {first['tickets']} in the period; "
          f"re-read on the rerun: {', '.join(rerun['reread'])}; jobs={args.jobs}")
    if first["issues"] or rerun["issues"]:
        print("issues:", first["issues"] + rerun["issues"])
    print(json.dumps({"floor": floor, "first": first, "rerun": rerun}, ensure_ascii=False))
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
