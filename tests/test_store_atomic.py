"""workbook.store.write_atomically: the one way a report, a snapshot or a key file is written.

What a user relies on: a report opened while it is being rewritten is the old one or the new one,
never half; a failed write leaves the old file as it was and no temporary file behind; a report
keeps the permissions someone gave it, a new one is an ordinary 0644 document.
"""

from __future__ import annotations

import os
import stat

import pytest

from workbook.store import write_atomically

posix = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")


def test_text_is_written_as_utf8_and_pieces_in_order(tmp_path):
    out = write_atomically(tmp_path / "报告.html", "月度报告\n")
    assert out.read_bytes() == "月度报告\n".encode("utf-8")
    write_atomically(out, [b"AB", b"CD"])
    assert out.read_bytes() == b"ABCD"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    out = tmp_path / "报告.html"
    out.write_text("旧报告", encoding="utf-8")
    with pytest.raises(TypeError):
        write_atomically(out, [b"half of the new ", None])  # fails after the first piece is written
    assert out.read_text(encoding="utf-8") == "旧报告"
    assert [p.name for p in tmp_path.iterdir()] == ["报告.html"]


@posix
def test_permissions_an_existing_file_had_are_kept_and_a_new_file_is_0644(tmp_path):
    shared = tmp_path / "共享.html"
    shared.write_text("x")
    shared.chmod(0o640)
    write_atomically(shared, "y")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
    old_umask = os.umask(0o077)  # even under a strict umask a report is an ordinary document
    try:
        fresh = write_atomically(tmp_path / "新.html", "z")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    private = write_atomically(tmp_path / "key", b"k", mode=0o600)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
