"""Safe file handling for workbooks: Excel's lock, our own lock, atomic replace and backups.

A headless run never half-writes a workbook: the new version is written to a temporary file in
the same folder, flushed to disk, and swapped in with ``os.replace`` (atomic on POSIX and
Windows). The previous version is kept in a ``备份`` folder beside the workbook.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from workbook.errors import WorkbookBusy, WorkbookChanged, WorkbookOpenInExcel, WriteFailed

BACKUP_DIR = "备份"
DEFAULT_BACKUPS = 5
LOCK_WAIT_SECONDS = 60.0


def excel_lock_file(path: Path) -> Path | None:
    """Excel's owner file (``~$Book.xlsx``) if Excel holds ``path`` open, else None."""
    for name in (f"~${path.name}", f"~${path.name[2:]}"):
        candidate = path.with_name(name)
        if candidate.exists():
            return candidate
    return None


def refuse_if_open_in_excel(path: Path, *, force: bool = False) -> None:
    lock = excel_lock_file(path)
    if lock is not None and not force:
        raise WorkbookOpenInExcel(path, lock)


@contextlib.contextmanager
def routine_lock(path: Path, *, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Serialise routines on one workbook: a second run waits up to ``wait`` s, then refuses."""
    lock = FileLock(str(path.with_name(f".{path.name}.lock")), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise WorkbookBusy(path, wait) from None
    try:
        remove_stale_temps(path)
        yield
    finally:
        lock.release()


@dataclass(frozen=True)
class FileStamp:
    """Enough of a file's identity to notice that someone replaced or edited it."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> "FileStamp":
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


def _describe(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有写入权限"
    if exc.errno == errno.EROFS:
        return "文件系统为只读"
    if exc.errno == errno.EFBIG:
        return "文件超出系统允许的大小（ulimit -f）"
    if exc.errno == getattr(errno, "EDQUOT", None):
        return "超出磁盘配额"
    return exc.strerror or str(exc)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.stem}.{os.getpid()}.{time.monotonic_ns()}.tmp{path.suffix}")


STALE_TEMP_AGE = 3600.0  # seconds; where a process's liveness cannot be checked (not POSIX)


def _pid_alive(pid: int) -> bool:
    """POSIX only: on Windows os.kill(pid, 0) would terminate the process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete temporary files a killed run left beside ``path``; return what was removed.

    A run killed while writing (power cut, kill -9, a closed terminal) leaves
    ``.<stem>.<pid>.<n>.tmp.xlsx`` behind; the workbook itself is intact (it is only replaced
    once the new version is complete). Called with the routine lock held, so no other routine is
    writing; a temp file is removed only if the process that wrote it is gone (on POSIX), or it
    is older than an hour (elsewhere), and never one of this process's own.
    """
    pattern = re.compile(rf"^\.{re.escape(path.stem)}\.(\d+)\.\d+\.tmp{re.escape(path.suffix)}$")
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            if os.name == "posix":
                stale = not _pid_alive(int(m.group(1)))
            else:
                stale = time.time() - entry.stat().st_mtime > STALE_TEMP_AGE
            if stale:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # still open elsewhere, or already gone: leave it
    return removed


def _write_temp(path: Path, write: Callable[[Path], None]) -> Path:
    tmp = _temp_path(path)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteFailed(path, _describe(exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_new_file(path: Path, write: Callable[[Path], None]) -> None:
    """Create ``path`` from ``write(tmp)`` atomically (no backup: there was nothing before)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path, write)
    try:
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteFailed(path, _describe(exc)) from exc


def replace_file(
    path: Path,
    write: Callable[[Path], None],
    *,
    expected: FileStamp | None = None,
    backups: int = DEFAULT_BACKUPS,
    now: dt.datetime | None = None,
) -> Path | None:
    """Replace ``path`` with what ``write(tmp)`` produces; return the backup of the old version.

    ``expected`` is the stamp taken when the workbook was read: if the file changed since, the
    write is refused (no lost update). The old version is kept as ``备份/<stem>_<time>.xlsx``;
    only the newest ``backups`` are kept (0 keeps none).
    """
    path = Path(path)
    tmp = _write_temp(path, write)
    try:
        if expected is not None and FileStamp.of(path) != expected:
            raise WorkbookChanged(path)
        backup = _backup(path, backups, now or dt.datetime.now()) if backups > 0 else None
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteFailed(path, _describe(exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return backup


def _backup(path: Path, keep: int, now: dt.datetime) -> Path:
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}_{stamp}{path.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}_{stamp}-{n}{path.suffix}"
    try:
        os.link(path, target)  # the old inode lives on under the backup name: instant
    except OSError:
        shutil.copy2(path, target)
    _prune(folder, path, keep)
    return target


def backups_of(path: Path) -> list[Path]:
    """Backups of ``path``, oldest first."""
    folder = Path(path).parent / BACKUP_DIR
    if not folder.is_dir():
        return []
    stem, suffix = Path(path).stem, Path(path).suffix
    found = [
        p for p in folder.iterdir()
        if p.suffix == suffix and p.stem.startswith(f"{stem}_") and p.stem[len(stem) + 1:][:1].isdigit()
    ]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _prune(folder: Path, path: Path, keep: int) -> None:
    old = backups_of(path)
    for stale in old[: max(0, len(old) - keep)]:
        stale.unlink(missing_ok=True)
