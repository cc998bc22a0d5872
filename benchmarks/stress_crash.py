"""Stress: kill -9 a headless run at random moments; the workbook must survive every time.

Each trial copies a demo workbook into its own folder, starts ``aftersales refresh`` or
``aftersales dispatch`` on it in a subprocess, and SIGKILLs it — either after a random delay over
the whole run, or a random moment after its temporary file appears (while the new version is
being written, the dangerous part). Then:

- the workbook is a valid zip that python-calamine reads completely, and it is either
  byte-identical to the old file or holds exactly the data (every sheet, every cell) of the same
  routine run to completion on another copy with the same ``--now``;
- a temporary file may be left (``.<name>.<pid>.<n>.tmp.xlsx``, hidden, clearly named), but the
  next run removes it, succeeds, and gives the result a completed run would have given.

POSIX only (SIGKILL). Prints counts; exits 1 if any workbook was corrupt or any recovery failed.

    .venv/bin/python benchmarks/stress_crash.py [--trials 100] [--tickets 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOW = dt.datetime(2026, 11, 20, 16, 0)
NOW_TEXT = NOW.strftime("%Y-%m-%d %H:%M")
ROUTINES = {"refresh": "refresh_all", "dispatch": "dispatch"}  # CLI command → library function
BOOK = "售后服务.xlsx"


def sheet_data(path: Path) -> dict[str, list[list]]:
    """Every sheet's cells as python-calamine reads them (raises if the file is unreadable)."""
    from python_calamine import CalamineWorkbook

    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad is not None:
            raise zipfile.BadZipFile(f"{bad} fails its CRC check")
    book = CalamineWorkbook.from_path(str(path))
    try:
        return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}
    finally:
        book.close()


def temp_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".tmp.xlsx"))


def cli(command: str, path: Path) -> list[str]:
    return [sys.executable, "-m", "aftersales.cli", command, str(path), "--now", NOW_TEXT]


@dataclass
class Reference:
    """What a completed run gives, and how long a run and its write take."""

    command: str
    new: dict[str, list[list]]  # the data after one completed run
    again: dict[str, list[list]]  # … and after a second one (a recovery run on a finished file)
    seconds: float  # a whole run, interpreter start included
    write_seconds: float  # how long the temporary file exists: writing it, the backup, the swap


@dataclass
class Fixture:
    original: Path
    old_bytes: bytes
    references: dict[str, Reference]


def _timed_run(command: str, path: Path) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cli(command, path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = gone = None
    while proc.poll() is None:
        present = bool(temp_files(path.parent))
        if seen is None and present:
            seen = time.perf_counter()
        elif seen is not None and gone is None and not present:
            gone = time.perf_counter()
        time.sleep(0.0005)
    end = time.perf_counter()
    if proc.returncode != 0:
        raise RuntimeError(f"aftersales {command} failed: {proc.stderr.read().decode()}")
    return end - start, (gone or end) - (seen or end)


def prepare(folder: Path, *, tickets: int = 300, seed: int = 7, commands=tuple(ROUTINES)) -> Fixture:
    """The demo workbook, and each command's completed result on a copy of it."""
    from workbook.sample import generate, write_sample

    base = folder / "original"
    base.mkdir(parents=True)
    original = base / BOOK
    write_sample(original, generate(tickets, seed=seed, now=NOW))
    references = {}
    for command in commands:
        work = folder / f"reference-{command}"
        work.mkdir()
        copy = work / BOOK
        shutil.copy(original, copy)
        seconds, write_seconds = _timed_run(command, copy)
        new = sheet_data(copy)
        subprocess.run(cli(command, copy), check=True, stdout=subprocess.DEVNULL)
        references[command] = Reference(command, new, sheet_data(copy), seconds, max(write_seconds, 0.01))
    return Fixture(original, original.read_bytes(), references)


@dataclass
class Trial:
    command: str
    mode: str  # "anytime" or "while writing"
    delay: float
    finished_before_kill: bool = False
    state: str = ""  # old / new / corrupt
    temp_left: int = 0
    temp_after_next_run: int = 0
    recovered: bool = False
    problems: list[str] = field(default_factory=list)


def run_trial(fixture: Fixture, command: str, folder: Path, rng: random.Random) -> Trial:
    """Copy, start, kill -9, inspect, then run again and inspect once more."""
    ref = fixture.references[command]
    folder.mkdir(parents=True)
    path = folder / BOOK
    shutil.copy(fixture.original, path)
    mode = rng.choice(("anytime", "while writing", "while writing"))
    trial = Trial(command, mode, 0.0)
    proc = subprocess.Popen(cli(command, path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.perf_counter()
    if mode == "anytime":
        trial.delay = rng.uniform(0, ref.seconds * 1.1)
        time.sleep(trial.delay)
    else:
        deadline = start + ref.seconds * 3
        while not temp_files(folder) and proc.poll() is None and time.perf_counter() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, ref.write_seconds * 1.2))
        trial.delay = time.perf_counter() - start
    trial.finished_before_kill = proc.poll() is not None
    if not trial.finished_before_kill:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    trial.temp_left = len(temp_files(folder))

    try:
        data = sheet_data(path)
    except BaseException as exc:  # noqa: BLE001 - a Rust panic is a BaseException
        if isinstance(exc, KeyboardInterrupt):
            raise
        trial.state = "corrupt"
        trial.problems.append(f"unreadable after the kill: {type(exc).__name__}: {exc}")
        return trial
    if path.read_bytes() == fixture.old_bytes:
        trial.state = "old"
    elif data == ref.new:
        trial.state = "new"
    else:
        trial.state = "corrupt"
        differs = [name for name in ref.new if data.get(name) != ref.new[name]]
        trial.problems.append(f"neither the old file nor a completed run's data; sheets differ: {differs[:5]}")
        return trial

    # The next run must clean up after the killed one and finish normally.
    from macros import refresh

    try:
        getattr(refresh, ROUTINES[command])(path, now=NOW)
    except Exception as exc:  # noqa: BLE001
        trial.problems.append(f"the next run failed: {type(exc).__name__}: {exc}")
        return trial
    trial.temp_after_next_run = len(temp_files(folder))
    expected = ref.new if trial.state == "old" else ref.again
    if sheet_data(path) != expected:
        trial.problems.append("the next run's result differs from a completed run's")
    elif trial.temp_after_next_run:
        trial.problems.append(f"temporary files left after the next run: {temp_files(folder)}")
    else:
        trial.recovered = True
    return trial


def summarise(trials: list[Trial]) -> Counter:
    counts = Counter(trials=len(trials))
    for t in trials:
        counts["killed mid-run" if not t.finished_before_kill else "finished before the kill"] += 1
        counts[f"workbook {t.state}"] += 1
        counts["temp files left by the kill"] += t.temp_left
        counts["temp files left after the next run"] += t.temp_after_next_run
        counts["next run recovered"] += t.recovered
        counts["failures"] += bool(t.problems)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if os.name != "posix":
        print("needs POSIX (SIGKILL)")
        return 2
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stress-crash-") as tmp:
        folder = Path(tmp)
        fixture = prepare(folder, tickets=args.tickets)
        for ref in fixture.references.values():
            print(f"aftersales {ref.command}: a run takes {ref.seconds:.2f} s, its write {ref.write_seconds:.2f} s")
        trials = []
        for i in range(args.trials):
            command = rng.choice(list(ROUTINES))
            trial = run_trial(fixture, command, folder / f"trial-{i:04d}", rng)
            trials.append(trial)
            if trial.problems:
                print(f"trial {i} ({command}, {trial.mode}, {trial.delay:.3f} s): " + "; ".join(trial.problems))
            shutil.rmtree(folder / f"trial-{i:04d}", ignore_errors=True)
    elapsed = time.perf_counter() - started
    counts = summarise(trials)
    print(f"{args.trials} trials in {elapsed:.0f} s ({args.tickets} tickets, seed {args.seed})")
    for key in ("trials", "killed mid-run", "finished before the kill", "workbook old", "workbook new",
                "workbook corrupt", "temp files left by the kill", "temp files left after the next run",
                "next run recovered", "failures"):
        print(f"  {key}: {counts.get(key, 0)}")
    return 1 if counts.get("workbook corrupt", 0) or counts.get("failures", 0) else 0


if __name__ == "__main__":
    sys.exit(main())
