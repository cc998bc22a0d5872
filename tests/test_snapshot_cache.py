"""The typed snapshot kept beside a workbook: reused only for identical content, never run if forged."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import shutil
import stat
from pathlib import Path

import pytest

from reports.render import render_report
from workbook import snapshot_cache
from workbook.reader import read_file

NOW = dt.datetime(2026, 11, 21, 9, 30)


@pytest.fixture(autouse=True)
def private_key(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_cache, "KEY_FILE", tmp_path / "home" / ".aftersales" / "snapshot.key")


@pytest.fixture
def book(demo_template, tmp_path) -> Path:
    folder = tmp_path / "team"
    folder.mkdir()
    target = folder / "售后服务.xlsx"
    shutil.copy(demo_template, target)
    return target


def _no_calamine(monkeypatch):
    """A full read of the workbook's sheets fails the test (a small read of the report sheets,
    workbook.writer.unchanged_reports, is allowed)."""
    import workbook.reader as reader

    def refused(*_args, **_kwargs):
        raise AssertionError("the workbook was read again")

    monkeypatch.setattr(reader, "_read_file", refused)


def test_a_second_report_on_the_same_file_reads_no_sheet_and_is_identical(book, tmp_path, monkeypatch):
    first = render_report(book, kind="evaluation", out=tmp_path / "a.html", now=NOW)
    assert snapshot_cache.cache_path(book).exists()
    _no_calamine(monkeypatch)
    second = render_report(book, kind="evaluation", out=tmp_path / "b.html", now=NOW)
    assert first.read_bytes() == second.read_bytes()
    # …and the other reports come from it too
    render_report(book, kind="checklist", out=tmp_path / "c.html", now=NOW)


def test_one_changed_byte_means_the_workbook_is_read_again(book, tmp_path, monkeypatch):
    render_report(book, kind="checklist", out=tmp_path / "a.html", now=NOW)
    data = bytearray(book.read_bytes())
    data[-30] ^= 0x01  # inside the zip's end record comment/offsets: content differs
    book.write_bytes(bytes(data))
    reads = []
    original = read_file.__globals__["_read_file"]
    monkeypatch.setitem(read_file.__globals__, "_read_file", lambda *a: reads.append(1) or original(*a))
    try:
        read_file(book, cache="use")
    except Exception:  # noqa: BLE001 - the flipped byte may well damage the file: then it says so
        pass
    assert reads == [1]


def test_a_refresh_uses_a_valid_snapshot_and_leaves_the_same_file_as_without(book, tmp_path, monkeypatch):
    from macros.refresh import refresh_all

    plain = tmp_path / "plain" / book.name
    plain.parent.mkdir()
    shutil.copy(book, plain)
    refresh_all(plain, now=NOW)
    render_report(book, kind="checklist", out=tmp_path / "a.html", now=NOW)  # keeps the snapshot
    _no_calamine(monkeypatch)
    refresh_all(book, now=NOW)

    def parts(path):
        import zipfile
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}

    assert parts(book) == parts(plain)


def test_a_snapshot_someone_else_wrote_is_never_unpickled(book, tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.write_text, (marker, "code ran"))

    content = snapshot_cache.content_key(book)
    header = (f'{{"content": "{content}", "code": "{snapshot_cache.code_key()}"}}').encode() + b"\n"
    payload = pickle.dumps(Payload())
    forged = snapshot_cache.MAGIC + header + hashlib.sha256(payload).digest() + payload  # no key: a guess
    path = snapshot_cache.cache_path(book)
    path.parent.mkdir()
    path.write_bytes(forged)
    snapshot = read_file(book, cache="keep")
    assert not marker.exists()
    assert "客户服务信息登记表" in snapshot.sheets
    assert path.read_bytes() != forged  # replaced by this user's own


def test_the_snapshot_is_no_more_readable_than_the_workbook(book, tmp_path):
    os.chmod(book, 0o640)
    read_file(book, cache="keep")
    mode = stat.S_IMODE(snapshot_cache.cache_path(book).stat().st_mode)
    assert mode == 0o640
    assert stat.S_IMODE(snapshot_cache.KEY_FILE.stat().st_mode) == 0o600


def test_a_folder_that_cannot_hold_it_only_means_no_snapshot(book, tmp_path):
    (book.parent / snapshot_cache.CACHE_DIR).write_text("a file where the folder would go")
    out = render_report(book, kind="checklist", out=tmp_path / "a.html", now=NOW)
    assert out.exists()


def test_refresh_renders_the_reports_it_is_asked_for_as_the_report_command_would(book, tmp_path):
    import subprocess
    import sys

    cli = str(Path(sys.executable).parent / "aftersales")
    run = subprocess.run([cli, "refresh", str(book), "--now", "2026-11-21 09:30",
                          "--report", "evaluation", str(tmp_path / "r-eval.html"),
                          "--report", "checklist", str(tmp_path / "r-check.html")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"已生成报告：{tmp_path / 'r-eval.html'}" in run.stdout
    for kind, name in (("evaluation", "r-eval.html"), ("checklist", "r-check.html")):
        alone = render_report(book, kind=kind, out=tmp_path / f"alone-{kind}.html", now=NOW)
        assert (tmp_path / name).read_text(encoding="utf-8") == alone.read_text(encoding="utf-8"), kind


def test_after_a_refresh_the_next_report_finds_the_new_snapshot_ready(book, tmp_path, monkeypatch):
    import time

    from macros.refresh import refresh_all

    render_report(book, kind="checklist", out=tmp_path / "a.html", now=NOW)  # the team makes reports
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the detached reader finds the same key
    refresh_all(book, now=NOW)
    content = snapshot_cache.content_key(book)
    deadline = time.monotonic() + 120  # the background read of the refreshed file
    while time.monotonic() < deadline and snapshot_cache.load(book, content) is None:
        time.sleep(0.5)
    assert snapshot_cache.load(book, content) is not None
    _no_calamine(monkeypatch)
    render_report(book, kind="evaluation", out=tmp_path / "b.html", now=NOW)


def test_a_workbook_without_reports_gets_no_background_read(book):
    from macros.refresh import refresh_all

    refresh_all(book, now=NOW)
    assert not snapshot_cache.cache_path(book).parent.exists()
