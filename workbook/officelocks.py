"""Lock files office suites leave beside a workbook they hold open, and who they name.

A headless run must not replace a workbook someone has open: their next save would fail or
silently overwrite the run. Each suite marks an open file differently (formats from LibreOffice's
own readers, ``svl/source/misc/msodocumentlockfile.cxx`` and ``lockfilecommon.cxx``, and from
Seafile's office-lock detection for WPS):

- Microsoft Excel, and WPS Office on Windows: ``~$NAME`` (Word-style names cut one or two
  leading characters of long names: ``~$` + NAME[2:]`` is checked too). 165 bytes: one byte
  with the user name's length, the name in the ANSI code page padded with spaces to byte 55, then
  a two-byte length and the name again in UTF-16-LE.
- LibreOffice (and OpenOffice): ``.~lock.NAME#``, one UTF-8 line
  ``user name,system user,host,DD.MM.YYYY HH:MM,profile URL;`` with ``\\`` escaping ``,;\\``.
- WPS Office on Linux/macOS: ``.~NAME``, and for long names ``.~`` + NAME[1:] or NAME[2:]; the
  content is the owner record of the first kind when present.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

EXCEL = "Excel"
LIBREOFFICE = "LibreOffice"
WPS = "WPS"


@dataclass(frozen=True)
class OfficeLock:
    """A lock file found beside a workbook: which suite, and who it says holds the file."""

    path: Path
    suite: str  # Excel (or WPS on Windows, indistinguishable), LibreOffice or WPS
    user: str | None = None
    host: str | None = None
    since: str | None = None  # as the suite wrote it (LibreOffice: DD.MM.YYYY HH:MM)

    @property
    def holder(self) -> str:
        """Who holds the file, in the words a message can show: 「张三」（电脑 PC-01，自 …）."""
        bits = []
        if self.host:
            bits.append(f"电脑 {self.host}")
        if self.since:
            bits.append(f"自 {self.since}")
        who = f"「{self.user}」" if self.user else "未知用户"
        return who + (f"（{'，'.join(bits)}）" if bits else "")


def lock_candidates(path: Path) -> list[tuple[Path, str]]:
    """Every lock-file name a suite may use for ``path``, with the suite that uses it."""
    name = path.name
    out = [(path.with_name(f"~${name}"), EXCEL), (path.with_name(f".~lock.{name}#"), LIBREOFFICE),
           (path.with_name(f".~{name}"), WPS)]
    for cut in (1, 2):
        if len(name) > cut + 1:
            if cut == 2:
                out.append((path.with_name(f"~${name[cut:]}"), EXCEL))
            out.append((path.with_name(f".~{name[cut:]}"), WPS))
    return out


def find_office_lock(path: Path) -> OfficeLock | None:
    """The first office suite's lock file beside ``path``, with what it records, else None."""
    path = Path(path)
    for candidate, suite in lock_candidates(path):
        try:
            if not candidate.is_file():
                continue
            data = candidate.read_bytes()[:4096]
        except OSError:
            if os.path.lexists(candidate):
                return OfficeLock(candidate, suite)
            continue
        return _parse(candidate, suite, data)
    return None


def _parse(path: Path, suite: str, data: bytes) -> OfficeLock:
    if suite == LIBREOFFICE:
        fields = parse_libreoffice_lock(data)
        if fields:
            user = fields[0] or fields[1] or None
            return OfficeLock(path, suite, user, fields[2] or None, fields[3] or None)
        return OfficeLock(path, suite)
    user = parse_owner_file(data)
    if user is None and data[:1] != b"\x00" and suite == WPS:
        fields = parse_libreoffice_lock(data)  # some builds write LibreOffice-style records
        if fields:
            return OfficeLock(path, suite, fields[0] or fields[1] or None, fields[2] or None)
    return OfficeLock(path, suite, user)


def parse_owner_file(data: bytes) -> str | None:
    """The user name in a Microsoft Office owner file (``~$NAME``), or None if it has none.

    Byte 0 is the name's length (1–52); the UTF-16-LE copy starts after a two-byte length at
    offset 54 (Word) or 55 (Excel, PowerPoint), as LibreOffice's reader decides.
    """
    if len(data) < 58:
        return None
    n = data[0]
    if not 0 < n <= 52:
        return None
    for at in (55, 54):
        m = data[at]
        if 0 < m <= 52 and len(data) >= at + 2 + 2 * m:
            try:
                name = data[at + 2: at + 2 + 2 * m].decode("utf-16-le")
            except UnicodeDecodeError:
                continue
            if name.isprintable() and name.strip():
                return name.strip()
    try:
        name = data[1: 1 + n].decode("gbk")  # the ANSI copy: GBK on a Chinese Windows
    except UnicodeDecodeError:
        return None
    return name.strip() if name.isprintable() and name.strip() else None


def parse_libreoffice_lock(data: bytes) -> list[str] | None:
    """The five fields of a LibreOffice lock record, or None if ``data`` is not one."""
    fields, current, escape = [], [], False
    text = data.decode("utf-8", errors="replace")
    for ch in text:
        if escape:
            current.append(ch)
            escape = False
        elif ch == "\\":
            escape = True
        elif ch in ",;":
            fields.append("".join(current).strip())
            current = []
            if ch == ";":
                break
        else:
            current.append(ch)
    if len(fields) < 4:
        return None
    return (fields + [""] * 5)[:5]
