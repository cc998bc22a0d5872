"""Benchmark: 100,000 SLA deadlines with udfs.sla.due_many. Prints figures; it is not a timed test.

Random starts across 2025–2026, a mix of units and amounts like the SLA policy sheet's, the
Chinese statutory calendar with a lunch break (09:00–12:00, 13:00–18:00). Deadlines that would
fall in 2027 (no holiday data yet) are refused per row, as in real use; their count is printed.

    .venv/bin/python benchmarks/bench_sla.py [--rows 100000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
import unicodedata

import numpy as np

from udfs import sla
from udfs.calendar import BusinessCalendar
from udfs.errors import BatchError

# (unit, amounts) as they appear in SPEC §3's SLA table
POLICIES = [
    ("分钟", [10, 30]),
    ("小时", [2, 24]),
    ("工作小时", [4, 8, 16]),
    ("工作日", [3, 5, 7]),
    ("自然日", [7]),
    ("月", [1]),
]


def make_inputs(rows: int, seed: int = 20250611):
    rng = np.random.default_rng(seed)
    first = np.datetime64("2025-01-01T00:00:00", "s")
    span = int((np.datetime64("2027-01-01T00:00:00", "s") - first).astype(np.int64))
    starts = first + rng.integers(0, span, rows).astype("timedelta64[s]")
    policy = rng.integers(0, len(POLICIES), rows)
    units = np.array([POLICIES[p][0] for p in range(len(POLICIES))], dtype=object)[policy]
    amounts = np.array([rng.choice(POLICIES[p][1]) for p in policy], dtype=np.float64)
    return starts, amounts, units


def compute(starts, amounts, units, cal) -> tuple[np.ndarray, int]:
    try:
        return sla.due_many(starts, amounts, units, cal), 0
    except BatchError as failed:
        return failed.partial, len(failed.errors)


def timed(function, repeat: int) -> tuple[float, object]:
    seconds, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), result


def padded(text: str, width: int) -> str:
    """Left-align text in a terminal column, counting Chinese characters as two columns wide."""
    shown = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - shown, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()

    cal = BusinessCalendar.chinese_statutory(hours="09:00-12:00,13:00-18:00")
    starts, amounts, units = make_inputs(options.rows)
    compute(starts[:10], amounts[:10], units[:10], cal)  # warm the statutory calendar cache

    total, (_, refused) = timed(lambda: compute(starts, amounts, units, cal), options.repeat)
    print(f"{options.rows:,} deadlines, mixed units: {total:.3f} s (median of {options.repeat}); "
          f"{refused:,} refused (due in 2027, no holiday data)")
    print(f"{padded('unit', 10)}{'rows':>9}{'seconds':>10}{'µs/row':>9}")
    for unit, _ in POLICIES:
        mask = units == unit
        seconds, _ = timed(lambda: compute(starts[mask], amounts[mask], units[mask], cal), options.repeat)
        print(f"{padded(unit, 10)}{int(mask.sum()):>9,}{seconds:>10.3f}{seconds / max(mask.sum(), 1) * 1e6:>9.2f}")
    per_100k = total * 100_000 / options.rows
    print(f"bar: under 1 s per 100,000 — {'met' if per_100k < 1 else 'NOT met'} ({per_100k:.3f} s per 100,000)")


if __name__ == "__main__":
    main()
