"""One routine run against one workbook: read once, decide, write once.

``open_workbook(source)`` accepts a path (headless) or an ``xw.Book`` (ribbon button). For a path
it refuses a workbook Excel holds open, serialises runs with a lock file, reads with
python-calamine, and writes by patching the file atomically with a backup. For a live book it
reads and writes through xlwings in a few block calls per sheet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from workbook.changes import ChangeSet, check_ownership
from workbook.reader import Snapshot, read_book, read_file
from workbook.store import (
    DEFAULT_BACKUPS, LOCK_WAIT_SECONDS, check_folder_writable, refuse_if_open_in_excel,
    refuse_if_read_only, routine_lock,
)


@dataclass
class CommitResult:
    """What a commit wrote: whether the file changed, its backup, and a line per sheet."""

    written: bool
    lines: list[str] = field(default_factory=list)
    backup: Path | None = None


class Session:
    def __init__(self, source, snapshot: Snapshot, *, is_file: bool, read_only: bool = False):
        self.source = source
        self.snapshot = snapshot
        self.is_file = is_file
        self.read_only = read_only
        self.committed = False

    def commit(self, changes: ChangeSet, *, now: dt.datetime | None = None,
               backups: int | None = None) -> CommitResult:
        """Write ``changes`` (only cells that differ); a second commit in one run is refused.

        ``backups``: how many backups to keep (default: 系统参数 备份保留份数; 0 for none)."""
        if self.read_only:
            raise RuntimeError("this session was opened read-only")
        if self.committed:
            raise RuntimeError("a run writes its workbook once")
        self.committed = True
        changes.prune()
        check_ownership(changes, self.snapshot)
        if self.is_file:  # a report sheet showing what the file already holds is not rewritten
            from workbook.writer import unchanged_reports

            for name in unchanged_reports(Path(self.source), changes):
                del changes.reports[name]
        lines = changes.summary()
        if changes.is_empty:
            return CommitResult(False, [])
        if self.is_file:
            from workbook.writer import apply_to_file

            result = apply_to_file(Path(self.source), self.snapshot, changes,
                                   backups=backup_count(self.snapshot) if backups is None else backups)
            if result.written:  # the team makes reports from this workbook: have its new snapshot ready
                from workbook import snapshot_cache

                snapshot_cache.renew_in_background(Path(self.source))
            return CommitResult(result.written, lines + result.notes, result.backup)
        from workbook.live import apply_to_book

        apply_to_book(self.source, self.snapshot, changes)
        relaid = [name for name, sc in changes.sheets.items() if sc.rebuild is not None
                  and name in self.snapshot.sheets and self.snapshot.sheets[name].relayout]
        lines += [f"{name}：已按新版本的列重新排版（在 Excel 中运行：列、列宽和数字格式已更新，状态颜色和"
                  "防误填检查沿用旧表；升级后先关闭工作簿、用命令行 aftersales refresh 运行一次，可完整更新）"
                  for name in relaid]
        return CommitResult(True, lines)


def backup_count(snapshot: Snapshot) -> int:
    value = snapshot.params().get("备份保留份数", DEFAULT_BACKUPS)
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError, OverflowError):  # OverflowError: "inf"
        return DEFAULT_BACKUPS


def is_path(source) -> bool:
    return isinstance(source, (str, Path))


@contextlib.contextmanager
def open_workbook(source, *, sheets: Iterable[str] | None = None, force: bool = False,
                  wait: float = LOCK_WAIT_SECONDS, read_only: bool = False) -> Iterator[Session]:
    """Open ``source`` (a path or an xw.Book) for one run: read once, commit at most once.

    ``read_only`` (reports, ``kpi --json``): no write will follow, so a workbook Excel holds open
    is read as last saved, without waiting for other runs — the file is only ever replaced
    atomically, so a reader sees the old or the new version, never a mix.
    """
    if not is_path(source):
        yield Session(source, read_book(source, sheets), is_file=False, read_only=read_only)
        return
    path = Path(source)
    if read_only:
        yield Session(path, read_file(path, sheets, cache="keep"), is_file=True, read_only=True)
        return
    refuse_if_open_in_excel(path, force=force)
    check_folder_writable(path.parent)
    refuse_if_read_only(path)
    with routine_lock(path, wait=wait):
        snapshot = read_file(path, sheets, cache="use")
        yield Session(path, snapshot, is_file=True)
