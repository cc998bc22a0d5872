"""Concurrency: two runs on one workbook never lose an update, and Excel's open file is respected.

A second routine waits for the first (our lock file beside the workbook), then reads what the first
wrote — so both runs' effects are in the file at the end, exactly as if they had run one after the
other. A run that cannot get the lock in time refuses with a message and changes nothing; so does
a run whose file was saved by someone else meanwhile (Excel does not take our lock). A workbook
Excel holds open (its ``~$`` owner file) is refused unless ``--force``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from benchmarks.stress_crash import sheet_data
from macros import refresh
from aftersales.cli import main
from workbook import open_workbook, read_file
from workbook.errors import WorkbookChanged
from workbook.store import backups_of

from tests.conftest import NOW

NOW_TEXT = NOW.strftime("%Y-%m-%d %H:%M")


def _cli(command: str, path) -> list[str]:
    return [sys.executable, "-m", "aftersales.cli", command, str(path), "--now", NOW_TEXT]


@pytest.mark.slow
def test_two_routines_at_once_both_take_effect_as_if_run_one_after_the_other(demo_book, tmp_path):
    # The two possible serial orders, computed in this process on copies.
    orders = {}
    for first, second in (("callbacks", "dispatch"), ("dispatch", "callbacks")):
        copy = tmp_path / f"{first}-{second}" / demo_book.name
        copy.parent.mkdir()
        shutil.copy(demo_book, copy)
        getattr(refresh, first)(copy, now=NOW)
        getattr(refresh, second)(copy, now=NOW)
        orders[(first, second)] = sheet_data(copy)
    assert orders[("callbacks", "dispatch")] != orders[("dispatch", "callbacks")]  # order shows

    # Both started together while a third run holds the lock, so they must queue behind it.
    with open_workbook(demo_book):
        procs = [subprocess.Popen(_cli(c, demo_book), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for c in ("callbacks", "dispatch")]
        time.sleep(3)  # both are started and waiting for the lock
        assert all(p.poll() is None for p in procs), "a run did not wait for the lock"
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    final = sheet_data(demo_book)
    assert final in orders.values(), "an update was lost: the result matches neither serial order"
    assert len(backups_of(demo_book)) == 2  # one backup per write: both wrote


def test_a_run_that_cannot_get_the_lock_refuses_with_a_message_and_changes_nothing(demo_book, monkeypatch):
    import workbook.session
    import workbook.store

    monkeypatch.setattr(workbook.session, "routine_lock",
                        lambda path, wait: workbook.store.routine_lock(path, wait=0.3))
    original = demo_book.read_bytes()
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with open_workbook(demo_book):
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert entered.wait(10)
        result = CliRunner().invoke(main, ["escalate", str(demo_book), "--now", NOW_TEXT])
    finally:
        release.set()
        holder.join()
    assert result.exit_code == 1
    assert "正被另一个例程写入" in result.output and "请稍后再试" in result.output
    assert demo_book.read_bytes() == original


def test_a_save_by_someone_else_during_a_run_is_never_overwritten(demo_book, tmp_path):
    """Excel saving while a headless run computes: the run refuses, the other save survives."""
    other = tmp_path / "saved-by-excel.xlsx"
    shutil.copy(demo_book, other)
    refresh.escalate(other, now=NOW)  # stands in for someone else's edit
    theirs = other.read_bytes()

    def save_meanwhile(text: str) -> None:
        if text.startswith("写入工作簿"):  # the run has decided and is about to write
            tmp = demo_book.with_name("excel-save.tmp")
            tmp.write_bytes(theirs)
            tmp.replace(demo_book)

    with pytest.raises(WorkbookChanged, match="被其他程序修改"):
        refresh.dispatch(demo_book, now=NOW, progress=save_meanwhile)
    assert demo_book.read_bytes() == theirs
    assert [p for p in demo_book.parent.iterdir() if p.name.endswith(".tmp.xlsx")] == []


@pytest.mark.parametrize("lock_name", ["~$demo.xlsx", "~$mo.xlsx"], ids=["short name", "long name"])
def test_a_workbook_open_in_excel_is_refused_unless_forced(demo_book, lock_name):
    """Excel's owner file is ``~$`` + the name (or + the name minus its first two characters)."""
    original = demo_book.read_bytes()
    lock = demo_book.with_name(lock_name)
    lock.write_bytes(b"\x05someone")
    result = CliRunner().invoke(main, ["dispatch", str(demo_book), "--now", NOW_TEXT])
    assert result.exit_code == 1
    assert "正在被 Excel 打开" in result.output and lock_name in result.output and "--force" in result.output
    assert demo_book.read_bytes() == original and backups_of(demo_book) == []

    forced = CliRunner().invoke(main, ["dispatch", str(demo_book), "--now", NOW_TEXT, "--force"])
    assert forced.exit_code == 0, forced.output
    assert demo_book.read_bytes() != original
    assert read_file(demo_book).frame("客户服务信息登记表")["处理人"].notna().all()
