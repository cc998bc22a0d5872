"""Stress: every routine on 1,000+ generated workbooks full of bad input; count what goes wrong.

The workbooks come from the Hypothesis strategy of ``tests/test_fuzz_workbooks.py`` (wrong types,
32,767-character text, emoji, control characters, formula text and real formulas, error cells,
merged cells, blank rows, duplicate ticket numbers, dates in 1900 and 2100, damaged settings,
deleted sheets and renamed headers), a few rows per sheet. On each, dispatch, escalate,
callbacks, kpi, summary and refresh_all run one after another, and ``check_book`` counts:

- crashes: any exception other than a WorkbookError naming the damaged sheet (or a run over 120 s);
- corrupt outputs: a file that is not a valid zip, has malformed XML, a sheet python-calamine
  cannot read, a cell longer than 32,767 characters, or a formula the input did not have;
- overwritten staff cells: a staff-typed cell whose raw XML changed, or a changed string table;
- unreported bad cells: a planted bad value with no problem naming its sheet, row and column.

    .venv/bin/python benchmarks/stress_fuzz.py [--workbooks 1000] [--jobs 2] [--seed 1]

Exits 1 if any count but the first three lines is non-zero.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RUN_LIMIT_SECONDS = 120
BAD = ("crashes", "corrupt outputs", "overwritten staff cells", "unreported bad cells")


def _alarm(_signum, _frame):
    raise TimeoutError(f"a workbook took more than {RUN_LIMIT_SECONDS} s")


def worker(args: tuple[int, int]) -> tuple[Counter, set[str], list[str]]:
    """Check ``count`` generated workbooks with Hypothesis seed ``seed``."""
    seed_value, count = args
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from tests.test_fuzz_workbooks import books, check_book, summarise

    outcomes, distinct, failures = [], set(), []
    base = Path(tempfile.mkdtemp(prefix="stress-fuzz-"))
    signal.signal(signal.SIGALRM, _alarm)

    @seed(seed_value)
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(books())
    def trial(spec):
        folder = base / str(len(outcomes))
        distinct.add(hashlib.sha1(repr(spec).encode()).hexdigest())
        signal.alarm(RUN_LIMIT_SECONDS)
        try:
            outcome = check_book(spec, folder)
        finally:
            signal.alarm(0)
            shutil.rmtree(folder, ignore_errors=True)
        outcomes.append(outcome)
        if not outcome.ok and len(failures) < 20:
            failures.append(outcome.explain(spec))

    try:
        trial()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return summarise(outcomes), distinct, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbooks", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    per_job = math.ceil(args.workbooks / args.jobs)
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        results = pool.map(worker, [(args.seed * 1000 + j, per_job) for j in range(args.jobs)])
    elapsed = time.perf_counter() - started
    totals: Counter = Counter()
    distinct: set[str] = set()
    failures: list[str] = []
    for counts, seen, failed in results:
        totals.update(counts)
        distinct |= seen
        failures += failed
    for text in failures[:10]:
        print(text, end="\n\n")
    n = totals["workbooks"]
    print(f"{n} workbooks ({len(distinct)} distinct) in {elapsed:.0f} s with {args.jobs} processes "
          f"({elapsed * args.jobs / max(n, 1):.2f} s of one core per workbook), seed {args.seed}")
    for key in ("workbooks", "routine runs", "refused with a clear message", *BAD):
        print(f"  {key}: {totals.get(key, 0)}")
    return 1 if any(totals.get(k, 0) for k in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
