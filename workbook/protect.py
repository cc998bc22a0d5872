"""Protect the personal columns of a workbook file: hide them, and lock them where that costs nothing.

Personal columns (``personal=True`` in ``workbook/schema.py``: 客户名称/姓名, 联系方式, 地址,
客户名称, 回访对象) are treated by where they live:

- **Sheets only the program adds rows to** — 回访计划, 超时预警 and 我的待办: the columns are hidden and
  the sheet is protected (optionally with a password), so they cannot be unhidden or edited without
  it. Sorting and filtering stay allowed; the cells staff work in on 回访计划 (回访专员, 回访状态,
  实际回访时间, 备注) are unlocked by the builder and stay editable. Headless routines keep
  writing these sheets (the file patcher keeps the protection).
- **Forms staff add rows to** — 客户服务信息登记表, 服务结果确认表, 客户满意度调研表: the columns
  are only hidden. Protecting these sheets would stop the team's daily work, because Excel does
  not let a table grow on a protected sheet. Hidden columns keep customer data off screens, screen
  shares and printouts, but anyone can unhide them.

This is a privacy screen, not encryption: Excel's sheet protection stops casual viewing, not a
determined reader (the data is still in the file; a formula elsewhere can show it). To share data
outside the team, share a report (``aftersales report`` masks personal data) — not the workbook.

Trade-offs the team should know: the callback specialist needs the phone numbers on 回访计划 —
with protection on, they unprotect the sheet (Excel: 审阅 → 撤消工作表保护, with the password) or
read the number on the intake sheet. In Excel with the ribbon, a routine that writes a protected
sheet (超时预警, 回访计划) fails until the sheet is unprotected; headless runs are unaffected.

    protect_personal("售后服务.xlsx", password="秘密")
    unprotect_personal("售后服务.xlsx", password="秘密")
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workbook import schema as S
from workbook.errors import WorkbookError
from workbook.store import (
    DEFAULT_BACKUPS, FileStamp, check_folder_writable, refuse_if_open_in_excel, refuse_if_read_only,
    replace_file, routine_lock,
)

LOCKED_SHEETS = (S.CALLBACK_PLAN.name, S.ESCALATION.name, S.MY_TASKS.name)  # staff never add rows here
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_COLS = re.compile(rb"<cols>.*?</cols>|<cols/>", re.S)
_PROTECTION = re.compile(rb"<sheetProtection\b[^>]*?(?:/>|>.*?</sheetProtection>)", re.S)
_CALC_PR = re.compile(rb"\s*<sheetCalcPr\b[^>]*?(?:/>|>.*?</sheetCalcPr>)", re.S)
_HEAD_ANCHOR = re.compile(rb"<sheetData\b")
_CHUNK = 1 << 22


class WrongPassword(WorkbookError):
    def __init__(self, path, sheet: str):
        self.path, self.sheet = path, sheet
        super().__init__(f"{path}：工作表「{sheet}」的保护密码不正确 — 请输入设置保护时使用的密码")


class UnknownProtection(WorkbookError):
    def __init__(self, path, sheet: str):
        self.path, self.sheet = path, sheet
        super().__init__(f"{path}：工作表「{sheet}」是在 Excel 中加的保护 — 请在 Excel 中用「审阅 → 撤消工作表保护」解除")


@dataclass
class ProtectionReport:
    """What was done: per sheet, the personal columns hidden, and which sheets are locked."""

    path: Path
    hidden: dict[str, list[str]] = field(default_factory=dict)  # sheet → columns hidden (or shown)
    locked: list[str] = field(default_factory=list)  # sheets protected (or unprotected)
    backup: Path | None = None
    protected: bool = True  # False: this reports an unprotect

    @property
    def lines(self) -> list[str]:
        """One Chinese line per sheet, for the CLI."""
        out = []
        for sheet, columns in self.hidden.items():
            if not self.protected:
                how = "恢复显示并解除保护" if sheet in self.locked else "恢复显示"
            else:
                how = "隐藏并锁定" if sheet in self.locked else "隐藏（该表需要新增行，未加保护）"
            out.append(f"{sheet}：{how} {'、'.join(columns)}")
        return out


def protect_personal(path: str | Path, *, password: str | None = None, force: bool = False,
                     now: dt.datetime | None = None) -> ProtectionReport:
    """Hide the personal columns on every sheet; also protect the sheets staff never add rows to.

    ``password`` (optional) is needed to unprotect; ``force`` writes even though Excel's lock
    file is present. The previous version is kept in ``备份`` like every headless write.
    """
    return _apply(Path(path), protect=True, password=password, force=force, now=now)


def unprotect_personal(path: str | Path, *, password: str | None = None, force: bool = False,
                       now: dt.datetime | None = None) -> ProtectionReport:
    """Undo ``protect_personal``: show the personal columns and remove the sheet protection.

    Raises WrongPassword if a sheet was protected with a different password.
    """
    return _apply(Path(path), protect=False, password=password, force=force, now=now)


def _apply(path: Path, *, protect: bool, password: str | None, force: bool,
           now: dt.datetime | None) -> ProtectionReport:
    from workbook.reader import read_file
    from workbook.session import backup_count
    from workbook.xlsxpatch import Package, rewrite_zip

    refuse_if_open_in_excel(path, force=force)
    check_folder_writable(path.parent)
    refuse_if_read_only(path)
    with routine_lock(path):
        targets = sorted({s.name for s, _c in S.personal_columns()}, key=lambda n: S.SHEETS.index(S.sheet(n)))
        snapshot = read_file(path, sheets=[*targets, S.PARAMS.name])
        stamp = FileStamp.of(path)
        report = ProtectionReport(path, protected=protect)
        streamed = {}
        pkg = Package(path)
        try:
            for name in targets:
                if name not in snapshot.sheets or name not in pkg.sheets:
                    continue
                data = snapshot[name]
                columns = [c.header for c in data.schema.columns if c.personal and c.header in data.columns]
                if not columns:
                    continue
                indices = {data.columns[h] + 1 for h in columns}
                lock = name in LOCKED_SHEETS
                part = pkg.sheets[name].part
                if not protect:
                    _check_password(path, name, _tail_protection(pkg, part), password)
                element = _protection_xml(password) if protect and lock else None
                streamed[part] = (lambda src, dst, i=indices, e=element:
                                  _transform(src, dst, columns=i, hidden=protect, protection=e))
                report.hidden[name] = columns
                if lock:
                    report.locked.append(name)
        finally:
            pkg.close()
        if streamed:
            backups = backup_count(snapshot) if S.PARAMS.name in snapshot.sheets else DEFAULT_BACKUPS
            report.backup = replace_file(path, lambda tmp: rewrite_zip(path, tmp, {}, {}, set(), streamed),
                                         expected=stamp, backups=backups, now=now)
        return report


# ---- passwords ----------------------------------------------------------------------------------
def _protection_xml(password: str | None) -> bytes:
    # Sheet, objects and scenarios protected; formatting columns stays forbidden (so hidden columns
    # stay hidden); sorting and filtering allowed, as staff sort the callback list every day.
    attrs = 'sheet="1" objects="1" scenarios="1" sort="0" autoFilter="0"'
    if password:
        attrs += f' password="{_legacy_hash(password)}"'
    return f"<sheetProtection {attrs}/>".encode()


def _legacy_hash(password: str) -> str:
    """Excel's sheet-protection password hash (the 16-bit one every spreadsheet program reads)."""
    from openpyxl.worksheet.protection import hash_password

    return hash_password(password)


def _tail_protection(pkg, part: str) -> bytes | None:
    with pkg.zip.open(part) as fh:
        tail = fh.read()[-(1 << 20):]  # the protection element sits after the rows
    m = _PROTECTION.search(tail)
    return m.group() if m else None


def _check_password(path: Path, sheet: str, element: bytes | None, password: str | None) -> None:
    if element is None:
        return
    attrs = dict(re.findall(rb'(\w+)="([^"]*)"', element))
    if b"algorithmName" in attrs or b"hashValue" in attrs:
        raise UnknownProtection(path, sheet)
    stored = attrs.get(b"password")
    if stored and (not password or _legacy_hash(password).upper() != stored.decode().upper()):
        raise WrongPassword(path, sheet)


# ---- the sheet part, streamed --------------------------------------------------------------------
def _transform(src, dst, *, columns: set[int], hidden: bool, protection: bytes | None) -> None:
    """Rewrite one worksheet part: ``<cols>`` and ``<sheetProtection>`` change, rows are copied."""
    buffer = b""
    while True:
        chunk = src.read(_CHUNK)
        buffer += chunk
        m = _HEAD_ANCHOR.search(buffer)
        if m and buffer.find(b">", m.start()) >= 0:
            break
        if not chunk:
            raise ValueError("worksheet has no sheetData")
    start = m.start()
    dst.write(_set_hidden(buffer[:start], columns, hidden))
    rest = buffer[start:]
    tag_end = rest.index(b">")
    if rest[tag_end - 1:tag_end] == b"/":  # <sheetData/>
        dst.write(rest[:tag_end + 1])
        tail = rest[tag_end + 1:] + src.read()
    else:
        while True:  # copy the rows through unchanged, keeping a margin for a split end tag
            end = rest.find(b"</sheetData>")
            if end >= 0:
                dst.write(rest[:end + len(b"</sheetData>")])
                tail = rest[end + len(b"</sheetData>"):] + src.read()
                break
            keep = len(b"</sheetData>")
            dst.write(rest[:-keep])
            rest = rest[-keep:]
            chunk = src.read(_CHUNK)
            if not chunk:
                raise ValueError("worksheet XML ended inside sheetData")
            rest += chunk
    tail = _PROTECTION.sub(b"", tail)
    if protection is not None:
        calc = _CALC_PR.match(tail)
        at = calc.end() if calc else 0
        tail = tail[:at] + protection + tail[at:]
    dst.write(tail)


def _set_hidden(head: bytes, columns: set[int], hidden: bool) -> bytes:
    """``head`` (the XML before <sheetData>) with the 1-based ``columns`` hidden or shown."""
    m = _COLS.search(head)
    ranges: list[dict[str, str]] = []
    if m:
        root = etree.fromstring(m.group().replace(b"<cols", f'<cols xmlns="{NS_MAIN}"'.encode(), 1))
        ranges = [dict(col.attrib) for col in root]
    out: list[dict[str, str]] = []
    covered: set[int] = set()
    for attrs in ranges:
        lo, hi = int(attrs["min"]), int(attrs["max"])
        covered |= set(range(lo, hi + 1)) & columns
        for a, b, member in _pieces(lo, hi, columns):
            piece = {**attrs, "min": str(a), "max": str(b)}
            if member:
                piece.pop("hidden", None)
                if hidden:
                    piece["hidden"] = "1"
            out.append(piece)
    for c in sorted(columns - covered):
        if hidden:
            out.append({"min": str(c), "max": str(c), "width": "12", "customWidth": "1", "hidden": "1"})
    out.sort(key=lambda a: int(a["min"]))
    xml = b"<cols>" + b"".join(_col_xml(a) for a in out) + b"</cols>" if out else b""
    if m:
        return head[:m.start()] + xml + head[m.end():]
    # No <cols> yet: it goes after <sheetFormatPr> (or <sheetViews>, <dimension>, <sheetPr>).
    for tag in (b"<sheetFormatPr", b"<sheetViews", b"<dimension", b"<sheetPr"):
        at = head.rfind(tag)
        if at >= 0:
            close = head.find(b"</" + tag[1:] + b">", at)
            end = close + len(tag) + 2 if close >= 0 else head.index(b">", at) + 1
            return head[:end] + xml + head[end:]
    return head + xml


def _pieces(lo: int, hi: int, columns: set[int]):
    """Split [lo, hi] into runs of columns inside / outside ``columns``: (start, end, inside)."""
    start, inside = lo, lo in columns
    for c in range(lo + 1, hi + 2):
        now = c in columns if c <= hi else None
        if now != inside:
            yield start, c - 1, inside
            start, inside = c, now


def _col_xml(attrs: dict[str, str]) -> bytes:
    order = ["min", "max"] + [k for k in attrs if k not in ("min", "max")]
    body = " ".join(f'{k}="{attrs[k]}"' for k in order)
    return f"<col {body}/>".encode()
