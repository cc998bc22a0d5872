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
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from workbook.errors import (
    FolderNotWritable, WorkbookBusy, WorkbookChanged, WorkbookOpenInExcel, WorkbookReadOnly, WriteFailed,
)
from workbook.officelocks import find_office_lock

BACKUP_DIR = "备份"
DEFAULT_BACKUPS = 5
LOCK_WAIT_SECONDS = 60.0


def excel_lock_file(path: Path) -> Path | None:
    """The lock file of whichever office suite holds ``path`` open (Excel, WPS, LibreOffice)."""
    lock = find_office_lock(Path(path))
    return lock.path if lock is not None else None


def refuse_if_open_in_excel(path: Path, *, force: bool = False) -> None:
    """Refuse (unless ``force``) a workbook Excel, WPS or LibreOffice holds open, naming who."""
    if force:
        return
    lock = find_office_lock(Path(path))
    if lock is not None:
        raise WorkbookOpenInExcel(path, lock.path, suite=lock.suite, holder=lock.holder)


refuse_if_open = refuse_if_open_in_excel


def refuse_if_read_only(path: Path) -> None:
    """A file without write permission (0444, Windows' 只读) is the owner's choice: not replaced."""
    try:
        st = Path(path).stat()
    except OSError:
        return  # a missing file is reported by the reader
    if not st.st_mode & 0o222:
        raise WorkbookReadOnly(path)
    if not os.access(path, os.W_OK):
        if _on_read_only_mount(Path(path).parent):
            raise FolderNotWritable(Path(path).parent, "文件系统为只读")
        raise WorkbookReadOnly(path)


def check_folder_writable(folder: Path) -> None:
    """Refuse early, before anything is written, when ``folder`` cannot take new files."""
    folder = Path(folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        reason = "文件系统为只读" if _on_read_only_mount(folder) else "没有写入权限"
        raise FolderNotWritable(folder, reason)


def _on_read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


@contextlib.contextmanager
def routine_lock(path: Path, *, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Serialise routines on one workbook: a second run waits up to ``wait`` s, then refuses."""
    path = Path(path)
    check_folder_writable(path.parent)
    # 0o666: on a shared folder the next user's run must be able to take the same lock file.
    lock = FileLock(str(path.with_name(f".{path.name}.lock")), timeout=wait, mode=0o666)
    try:
        lock.acquire()
    except Timeout:
        raise WorkbookBusy(path, wait) from None
    except OSError as exc:  # a folder that refuses the lock file (ACLs, a read-only share)
        raise FolderNotWritable(path.parent, _describe(exc)) from None
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


def write_atomically(path: Path, data: bytes | str | list[bytes], *, mode: int | None = None) -> Path:
    """Create or replace ``path`` with ``data`` (str: UTF-8; a list: its pieces in order, never
    joined in memory), all or nothing — the one home of that.

    The bytes go to a temporary file beside ``path`` (created private, 0600), are flushed to disk,
    get their permissions — ``mode``, else the replaced file's, else 0644 (an ordinary document) —
    and are renamed over ``path``; a reader never sees half a file, and a failure leaves the old
    file as it was. Raises OSError (callers decide whether a failure matters).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    tmp = _temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as out:
            for piece in data if isinstance(data, list) else [data]:
                out.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


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
    notes: list[str] | None = None,
) -> Path | None:
    """Replace ``path`` with what ``write(tmp)`` produces; return the backup of the old version.

    ``expected`` is the stamp taken when the workbook was read: if the file changed since, the
    write is refused (no lost update). The old version is kept as ``备份/<stem>_<time>.xlsx``;
    only the newest ``backups`` are kept (0 keeps none). The new file keeps the old one's
    permissions, owner, group, ACLs and extended attributes (a shared ``0664 nobody:users``
    workbook stays so); what the platform would not let us keep is added to ``notes``.
    """
    path = Path(path)
    refuse_if_read_only(path)
    tmp = _write_temp(path, write)
    try:
        if expected is not None and FileStamp.of(path) != expected:
            raise WorkbookChanged(path)
        kept = keep_metadata(path, tmp)
        if notes is not None:
            notes.extend(kept)
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


def keep_metadata(old: Path, new: Path) -> list[str]:
    """Give ``new`` the mode, owner, group, ACLs and extended attributes of ``old``.

    Returns a Chinese note for each thing the platform refused (a user who is not the owner
    cannot hand a file to someone else); the replace goes ahead, since refusing would leave the
    routine unable to run at all for that user.
    """
    st = old.stat()
    notes: list[str] = []
    if hasattr(os, "chown"):
        cur = new.stat()
        if (cur.st_uid, cur.st_gid) != (st.st_uid, st.st_gid):
            try:
                os.chown(new, st.st_uid, st.st_gid)
            except OSError:
                try:  # at least the group, if we belong to it
                    os.chown(new, -1, st.st_gid)
                except OSError:
                    pass
                cur = new.stat()
                lost = []
                if cur.st_uid != st.st_uid:
                    lost.append(f"所有者 {_user_name(st.st_uid)}→{_user_name(cur.st_uid)}")
                if cur.st_gid != st.st_gid:
                    lost.append(f"组 {_group_name(st.st_gid)}→{_group_name(cur.st_gid)}")
                if lost:
                    notes.append(f"注意：当前用户无权保留 {old.name} 的原" + "、".join(lost)
                                 + " — 如需恢复请由管理员执行 chown")
    _copy_xattrs(old, new)
    os.chmod(new, stat.S_IMODE(st.st_mode))
    _copy_acl_xattrs(old, new)  # after chmod: the ACL's mask is exactly the old one
    return notes


_ACL_XATTRS = ("system.posix_acl_access", "system.posix_acl_default")


def _xattr_names(path: Path) -> list[str]:
    if not hasattr(os, "listxattr"):
        return []
    try:
        return os.listxattr(path)
    except OSError:
        return []


def _copy_xattrs(old: Path, new: Path) -> None:
    for name in _xattr_names(old):
        if name in _ACL_XATTRS:
            continue
        try:
            os.setxattr(new, name, os.getxattr(old, name))
        except OSError:
            pass  # e.g. security.* without the privilege: nothing a user can fix here


def _copy_acl_xattrs(old: Path, new: Path) -> None:
    for name in _xattr_names(old):
        if name in _ACL_XATTRS:
            try:
                os.setxattr(new, name, os.getxattr(old, name))
            except OSError:
                pass


def _user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def _group_name(gid: int) -> str:
    try:
        import grp

        return grp.getgrgid(gid).gr_name
    except (ImportError, KeyError):
        return str(gid)


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
