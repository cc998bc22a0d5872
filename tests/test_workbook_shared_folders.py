"""Workbooks on shared folders: other suites' lock files, permissions and owners kept, read-only
files and folders refused with a message and nothing written."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales.cli import main
from workbook import ChangeSet, open_workbook
from workbook.errors import FolderNotWritable, WorkbookOpenInExcel, WorkbookReadOnly
from workbook.officelocks import find_office_lock, parse_libreoffice_lock, parse_owner_file
from workbook.store import backups_of

from tests.conftest import NOW


def excel_owner_file(user: str) -> bytes:
    """165 bytes as Excel 2016 writes ``~$Book.xlsx`` (layout documented in LibreOffice's
    msodocumentlockfile.cxx): length, ANSI name padded with spaces to byte 55, two-byte length,
    UTF-16-LE name, then space/NUL pairs to the end."""
    ansi = user.encode("gbk")
    data = bytes([len(user)]) + ansi
    data += b" " * (55 - len(data))
    data += struct.pack("<H", len(user)) + user.encode("utf-16-le")
    while len(data) < 165:
        data += b" \x00"
    return data[:165]


def libreoffice_lock(user: str, sysuser: str, host: str, when: str) -> bytes:
    """One record as LibreOffice writes ``.~lock.Book.xlsx#`` (lockfilecommon.cxx)."""
    return f"{user},{sysuser},{host},{when},file:///home/{sysuser}/.config/libreoffice/4;".encode()


def _one_change() -> ChangeSet:
    changes = ChangeSet()
    changes.sheet("数据问题").rebuild = [{"工作表": "登记表", "行号": 2}]
    return changes


# ---- lock files of every suite ----------------------------------------------------------------
@pytest.mark.parametrize("lock_name, content, suite, who", [
    # Excel on Windows: the owner file names the user typed in Office's options.
    ("~$售后服务.xlsx", excel_owner_file("王小明"), "Excel", "「王小明」"),
    # LibreOffice: user name, system user, host and time, all shown to the user.
    (".~lock.售后服务.xlsx#", libreoffice_lock("李娜", "lina", "KF-PC07", "02.12.2026 09:15"),
     "LibreOffice", "「李娜」（电脑 KF-PC07，自 02.12.2026 09:15）"),
    # LibreOffice without a user name set: the system user is named instead.
    (".~lock.售后服务.xlsx#", libreoffice_lock("", "zhaolei", "kf-laptop", "02.12.2026 10:01"),
     "LibreOffice", "「zhaolei」（电脑 kf-laptop"),
    # WPS Office on Linux: .~NAME, with an MSO-style owner record.
    (".~售后服务.xlsx", excel_owner_file("陈静"), "WPS", "「陈静」"),
    # WPS for long names drops the first character(s) of the name.
    (".~后服务.xlsx", excel_owner_file("陈静"), "WPS", "「陈静」"),
    (".~服务.xlsx", b"", "WPS", "未知用户"),
])
def test_every_suites_lock_file_refuses_the_run_naming_who_holds_it(new_book, lock_name, content,
                                                                     suite, who):
    before = new_book.read_bytes()
    (new_book.parent / lock_name).write_bytes(content)
    with pytest.raises(WorkbookOpenInExcel) as refused:
        with open_workbook(new_book):
            pass
    message = str(refused.value)
    assert f"正在被 {suite} 打开" in message
    assert who in message
    assert lock_name in message and "--force" in message
    assert new_book.read_bytes() == before
    # --force: the user says the lock is stale; the run goes ahead.
    with open_workbook(new_book, force=True) as session:
        assert session.commit(_one_change(), now=NOW).written


def test_cli_names_the_libreoffice_user_and_exits_1(new_book):
    (new_book.parent / f".~lock.{new_book.name}#").write_bytes(
        libreoffice_lock("李娜", "lina", "KF-PC07", "02.12.2026 09:15"))
    result = CliRunner().invoke(main, ["refresh", str(new_book), "--now", "2026-11-20 16:00"])
    assert result.exit_code == 1
    assert "正在被 LibreOffice 打开" in result.output and "李娜" in result.output
    assert "Traceback" not in result.output


def test_lock_records_parse_as_their_suites_write_them():
    assert parse_owner_file(excel_owner_file("Administrator")) == "Administrator"
    assert parse_owner_file(b"\x00" * 165) is None
    # Escaped comma in a LibreOffice name (the writer escapes , ; and \ with a backslash).
    assert parse_libreoffice_lock(b"Wang\\, Li,wl,host,01.01.2026 08:00,file:///x;")[:3] == \
        ["Wang, Li", "wl", "host"]
    assert find_office_lock(Path(tempfile.gettempdir()) / "no-such-book-19.xlsx") is None


# ---- permissions, owner, group, ACLs, xattrs ------------------------------------------------
def _acl_xattr(entries: list[tuple[int, int, int]]) -> bytes:
    """Linux's system.posix_acl_access value (include/uapi/linux/posix_acl_xattr.h): version 2,
    then (tag, perm, id) entries. Tags: USER_OBJ 1, USER 2, GROUP_OBJ 4, MASK 0x10, OTHER 0x20."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, p, i) for t, p, i in entries)


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="needs root to hand files out")
def test_a_shared_workbook_keeps_mode_owner_group_acl_and_xattrs(new_book):
    os.chown(new_book, 65534, 100)  # nobody:users, as the shared folder has it
    os.chmod(new_book, 0o664)
    os.setxattr(new_book, "user.team", "售后".encode())
    acl = _acl_xattr([(1, 6, 0xFFFFFFFF), (2, 6, 1000), (4, 6, 0xFFFFFFFF), (0x10, 6, 0xFFFFFFFF),
                      (0x20, 4, 0xFFFFFFFF)])
    try:
        os.setxattr(new_book, "system.posix_acl_access", acl)
        has_acl = True
    except OSError:  # a filesystem without ACLs
        has_acl = False
    before_inode = new_book.stat().st_ino
    with open_workbook(new_book) as session:
        assert session.commit(_one_change(), now=NOW).written
    st = new_book.stat()
    assert st.st_ino != before_inode  # it was replaced, not edited in place
    assert (st.st_uid, st.st_gid) == (65534, 100)
    assert stat.S_IMODE(st.st_mode) == 0o664
    assert os.getxattr(new_book, "user.team") == "售后".encode()
    if has_acl:
        assert os.getxattr(new_book, "system.posix_acl_access") == acl
    assert backups_of(new_book)  # the old version was kept


def test_a_read_only_file_is_refused_with_a_message_and_left_alone(new_book):
    os.chmod(new_book, 0o444)
    before = new_book.read_bytes()
    with pytest.raises(WorkbookReadOnly, match="只读"):
        with open_workbook(new_book):
            pass
    result = CliRunner().invoke(main, ["dispatch", str(new_book), "--now", "2026-11-20 16:00"])
    assert result.exit_code == 1
    assert "只读" in result.output and "Traceback" not in result.output
    assert new_book.read_bytes() == before
    assert stat.S_IMODE(new_book.stat().st_mode) == 0o444
    assert not (new_book.parent / "备份").exists()


@pytest.fixture
def read_only_folder(new_book):
    """``new_book``'s folder bind-mounted read-only (root), or made 0555 for a non-root user."""
    folder = new_book.parent
    if os.geteuid() == 0:
        ro = Path(tempfile.mkdtemp(prefix="ro-mount-"))
        ok = subprocess.run(["mount", "--bind", str(folder), str(ro)], capture_output=True).returncode == 0
        ok = ok and subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)],
                                   capture_output=True).returncode == 0
        if not ok:
            subprocess.run(["umount", str(ro)], capture_output=True)
            ro.rmdir()
            pytest.skip("cannot bind-mount read-only here")
        yield ro / new_book.name
        subprocess.run(["umount", str(ro)], check=True)
        ro.rmdir()
    else:
        folder.chmod(0o555)
        yield new_book
        folder.chmod(0o755)


def test_a_read_only_folder_gets_a_chinese_message_naming_it_and_nothing_is_written(read_only_folder):
    book = read_only_folder
    listing = sorted(os.listdir(book.parent))
    before = book.read_bytes()
    result = subprocess.run([str(Path(sys.executable).parent / "aftersales"), "refresh", str(book),
                             "--now", "2026-11-20 16:00"], capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert f"无法在文件夹 {book.parent} 中写入" in output
    assert "可写的文件夹" in output  # the fix
    assert sorted(os.listdir(book.parent)) == listing
    assert book.read_bytes() == before


def test_an_unwritable_folder_is_refused_before_the_lock_file(new_book, monkeypatch):
    folder = new_book.parent
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == folder and mode & os.W_OK
                        else real_access(p, mode, **kw))
    with pytest.raises(FolderNotWritable, match="没有写入权限"):
        with open_workbook(new_book):
            pass
    assert not (folder / f".{new_book.name}.lock").exists()
