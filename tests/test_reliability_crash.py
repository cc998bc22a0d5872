"""Crash safety: a killed run, a full disk or a file-size limit never costs the team their workbook.

The new version is written to a temporary file and swapped in atomically, so whatever happens the
workbook is either the old file, byte for byte, or the complete new one. A run killed mid-write
leaves its temporary file behind; the next run removes it. A write that fails says so in Chinese
and that the original was not changed ("原文件未被修改").
"""

from __future__ import annotations

import errno
import os
import random
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks import stress_crash
from macros import refresh
from aftersales.cli import main
from workbook import read_file
from workbook.errors import WriteFailed
from workbook.store import backups_of, remove_stale_temps

NOW = stress_crash.NOW
NOW_TEXT = stress_crash.NOW_TEXT
posix_only = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and RLIMIT_FSIZE are POSIX")


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp.xlsx"))


# ---- kill -9 -----------------------------------------------------------------------------------
@pytest.mark.slow
@posix_only
def test_killed_runs_leave_the_old_or_the_new_workbook_and_the_next_run_cleans_up(tmp_path):
    """A handful of ``benchmarks/stress_crash.py`` trials (the script runs 100+)."""
    fixture = stress_crash.prepare(tmp_path / "fixture", tickets=120, commands=("refresh",))
    rng = random.Random(20261120)
    trials = [stress_crash.run_trial(fixture, "refresh", tmp_path / f"trial-{i}", rng) for i in range(5)]
    for trial in trials:
        assert trial.state in ("old", "new"), trial.problems
        assert trial.recovered, trial.problems
        assert trial.temp_after_next_run == 0


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@posix_only
def test_the_next_run_removes_temp_files_of_killed_runs_only(demo_book):
    folder = demo_book.parent
    stale = folder / f".{demo_book.stem}.{_dead_pid()}.123.tmp.xlsx"
    stale.write_bytes(b"half a workbook")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = folder / f".{demo_book.stem}.{sleeper.pid}.456.tmp.xlsx"  # a run still writing
        live.write_bytes(b"being written")
        other = folder / f".{demo_book.stem}x.{_dead_pid()}.789.tmp.xlsx"  # another workbook's
        other.write_bytes(b"not ours")
        refresh.escalate(demo_book, now=NOW)
        assert not stale.exists()
        assert live.exists() and other.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_cleanup_ignores_names_that_only_look_like_temp_files(tmp_path):
    book = tmp_path / "a.xlsx"
    names = [".a.notapid.1.tmp.xlsx", "a.1.2.tmp.xlsx", ".a.1.2.tmp.xlsm", ".a.1.2.tmp.xlsx.bak"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    assert remove_stale_temps(book) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


# ---- write errors ------------------------------------------------------------------------------
def _half_written_then_disk_full(src_path, dst_path, *args, **kwargs):
    Path(dst_path).write_bytes(Path(src_path).read_bytes()[:1000])
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_midway_leaves_the_original_intact_and_says_so(demo_book, monkeypatch):
    import workbook.writer

    original = demo_book.read_bytes()
    monkeypatch.setattr(workbook.writer, "rewrite_zip", _half_written_then_disk_full)
    with pytest.raises(WriteFailed) as failed:
        refresh.dispatch(demo_book, now=NOW)
    assert "磁盘空间不足" in str(failed.value) and "原文件未被修改" in str(failed.value)
    assert demo_book.read_bytes() == original
    assert _temps(demo_book.parent) == []
    assert backups_of(demo_book) == []


def test_the_cli_reports_a_failed_write_with_exit_code_1(demo_book, monkeypatch):
    import workbook.writer

    original = demo_book.read_bytes()
    monkeypatch.setattr(workbook.writer, "rewrite_zip", _half_written_then_disk_full)
    result = CliRunner().invoke(main, ["refresh", str(demo_book), "--now", NOW_TEXT])
    assert result.exit_code == 1
    assert "磁盘空间不足" in result.output and "原文件未被修改" in result.output
    assert "Traceback" not in result.output
    assert demo_book.read_bytes() == original


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG

    return apply


@posix_only
def test_a_file_size_limit_makes_the_write_fail_cleanly(demo_book):
    """RLIMIT_FSIZE (ulimit -f) is a real write failure, no mocks: the new file cannot be written."""
    original = demo_book.read_bytes()
    limit = len(original) // 2
    proc = subprocess.run([sys.executable, "-m", "aftersales.cli", "dispatch", str(demo_book), "--now", NOW_TEXT],
                          capture_output=True, text=True, timeout=120, preexec_fn=_limit_file_size(limit))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "文件超出系统允许的大小" in proc.stderr and "原文件未被修改" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert demo_book.read_bytes() == original
    assert _temps(demo_book.parent) == []
    assert backups_of(demo_book) == []
    refresh.dispatch(demo_book, now=NOW)  # without the limit the same run succeeds
    assert read_file(demo_book).frame("客户服务信息登记表")["处理人"].notna().all()


def test_a_truncated_workbook_is_refused_by_name_not_with_a_traceback(demo_book):
    demo_book.write_bytes(demo_book.read_bytes()[: demo_book.stat().st_size // 2])
    result = CliRunner().invoke(main, ["dispatch", str(demo_book), "--now", NOW_TEXT])
    assert result.exit_code == 1
    assert demo_book.name in result.output and "备份" in result.output
    assert "Traceback" not in result.output
