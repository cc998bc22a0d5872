"""Write changes into an .xlsx by patching only the parts that change, streaming, in the zip.

A busy team's workbook holds 100,000+ tickets; loading and saving it with openpyxl takes about a
minute and a gigabyte. Instead, the sheet XML of each changed sheet is scanned row by row: rows
without changes are copied byte for byte, changed rows get only their target cells replaced, and
every other part of the package (shared strings, styles, tables, validations, conditional
formats, names, VBA, ribbon) is copied untouched — compressed bytes and all — unless a change
needs it (a table's range after new rows; a new cell format; a new sheet).

New text goes in as inline strings, so the shared-string table (and with it every staff cell)
never changes.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import queue
import re
import struct
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Callable
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from lxml import etree

from udfs.values import to_excel_serial
from workbook.formulas import Formula
from workbook.styles import Look, StyleBook

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_WORKSHEET = f"{NS_R}/worksheet"
REL_TABLE = f"{NS_R}/table"
REL_CALCCHAIN = f"{NS_R}/calcChain"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "\n")

_ROW_RE = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL_RE = re.compile(rb"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]+)?(\d+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_ROW_STYLE = re.compile(rb'\bs="(\d+)"[^>]*?\bcustomFormat="(?:1|true)"|'
                        rb'\bcustomFormat="(?:1|true)"[^>]*?\bs="(\d+)"')
_SPANS = re.compile(rb'\sspans="[^"]*"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_ROW_START = re.compile(rb"<row\b")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff]")  # and CR, which XML reads as LF
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


# ---- cell references --------------------------------------------------------------------------
def col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A)."""
    index += 1
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode()
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


# ---- the package ------------------------------------------------------------------------------
@dataclass
class SheetEntry:
    name: str
    part: str  # e.g. xl/worksheets/sheet3.xml
    rid: str
    sheet_id: int


class Package:
    """An .xlsx opened for patching: which part holds which sheet, and its tables."""

    def __init__(self, path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())
        workbook_xml = self.zip.read("xl/workbook.xml")
        self.workbook = etree.fromstring(workbook_xml)
        rels = etree.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        self.workbook_rels = rels
        targets = {r.get("Id"): (r.get("Type"), r.get("Target")) for r in rels}
        self.sheets: dict[str, SheetEntry] = {}
        for el in self.workbook.iter(f"{{{NS_MAIN}}}sheet"):
            rid = el.get(f"{{{NS_R}}}id")
            _type, target = targets[rid]
            part = _resolve("xl/workbook.xml", target)
            self.sheets[el.get("name")] = SheetEntry(el.get("name"), part, rid, int(el.get("sheetId")))
        pr = self.workbook.find(f"{{{NS_MAIN}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")

    def close(self) -> None:
        self.zip.close()

    def read(self, part: str) -> bytes:
        return self.zip.read(part)

    def rels_part(self, part: str) -> str:
        p = PurePosixPath(part)
        return str(p.parent / "_rels" / (p.name + ".rels"))

    def tables_of(self, sheet_part: str) -> list[str]:
        rels = self.rels_part(sheet_part)
        if rels not in self.names:
            return []
        root = etree.fromstring(self.zip.read(rels))
        return [_resolve(sheet_part, r.get("Target")) for r in root if r.get("Type") == REL_TABLE]


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = list(PurePosixPath(base_part).parent.parts)
    for piece in PurePosixPath(target).parts:
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


# ---- values → cell XML --------------------------------------------------------------------------
def excel_text(value: str) -> str:
    """Text safe for a cell: XML-illegal control characters become Excel's _xHHHH_ escapes."""
    value = _EXCEL_ESCAPE.sub(r"_x005F_\1", value)
    return _ILLEGAL_XML.sub(lambda m: "_x%04X_" % ord(m.group()), value)


EXCEL_TEXT_LIMIT = 32_767  # UTF-16 code units a cell holds; Excel repairs a file with longer text


def fit_cell(text: str) -> str:
    """``text`` cut to what an Excel cell holds, ending in "…" when cut (copies of long staff text)."""
    if len(text) <= EXCEL_TEXT_LIMIT // 2:
        return text
    units = text.encode("utf-16-le")
    if len(units) <= EXCEL_TEXT_LIMIT * 2:
        return text
    return units[: (EXCEL_TEXT_LIMIT - 1) * 2].decode("utf-16-le", errors="ignore") + "…"


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_LEAD)


def to_serial(value, date1904: bool) -> float:
    return to_excel_serial(value, date1904)  # udfs.values: the one Excel-date rule


def is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT or (isinstance(value, np.datetime64) and np.isnat(value)):
        return True
    return isinstance(value, str) and value == ""


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


class CellWriter:
    """Renders values as <c> elements, choosing each cell's format."""

    def __init__(self, styles: StyleBook, date1904: bool, date_style: Callable[[], int]):
        self.styles = styles
        self.date1904 = date1904
        self._date_style = date_style

    def xml(self, ref: str, value, style: int) -> bytes:
        if isinstance(value, Formula):
            return self._formula_xml(ref, value, style)
        s = f' s="{style}"' if style else ""
        if is_empty(value):
            return f'<c r="{ref}"{s}/>'.encode()
        if isinstance(value, (bool, np.bool_)):
            return f'<c r="{ref}"{s} t="b"><v>{int(bool(value))}</v></c>'.encode()
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            if math.isinf(float(value)):
                return f'<c r="{ref}"{s}/>'.encode()
            return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'.encode()
        if isinstance(value, (dt.date, pd.Timestamp, np.datetime64)):
            if not style or not self.styles.is_date(style):
                style = self._date_style()
                s = f' s="{style}"'
            return f'<c r="{ref}"{s}><v>{_number(to_serial(value, self.date1904))}</v></c>'.encode()
        raw = fit_cell(str(value))
        text = excel_text(raw)
        if looks_like_formula(raw):
            # Stored as text, never as a formula; the prefix keeps it text when edited in Excel.
            style = self.styles.quote_prefixed(style)
            s = f' s="{style}"'
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return (f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>').encode()

    def _formula_xml(self, ref: str, formula: Formula, style: int) -> bytes:
        """A formula cell with its cached value, the way Excel stores one it has calculated."""
        f = f"<f>{escape(excel_text(formula.text))}</f>"
        value = formula.value
        if is_empty(value):
            s = f' s="{style}"' if style else ""
            return f'<c r="{ref}"{s} t="str">{f}<v></v></c>'.encode()
        plain = self.xml(ref, value, style)  # the value's own cell: its type and format
        if plain.endswith(b"/>"):  # a value with no cell content (infinity)
            return self._formula_xml(ref, Formula(formula.text), style)
        if b't="inlineStr"' in plain:
            text = escape(excel_text(fit_cell(str(value))))
            head = plain[: plain.index(b" t=")].decode()
            return f'{head} t="str">{f}<v>{text}</v></c>'.encode()
        head, rest = plain.split(b">", 1)
        return head + b">" + f.encode() + rest


# ---- sheet patching -----------------------------------------------------------------------------
@dataclass
class SheetPatch:
    """What to do to one worksheet part.

    ``cells``: {Excel row: {0-based column: value}} on rows that exist or are appended;
    ``clear_below``: drop every existing row below this Excel row first (rebuilt sheets).
    ``styles``: {(row, column): xf index} for cells whose look is set explicitly (reports).
    ``moves``: rows renumbered further down (a table's totals row making way for new rows); the
    rows they move to must be free.
    ``heights``: {row: points} for new rows whose wrapped text needs more than one line.
    """

    cells: dict[int, dict[int, object]] = field(default_factory=dict)
    clear_below: int | None = None
    styles: dict[tuple[int, int], int] = field(default_factory=dict)
    moves: dict[int, int] = field(default_factory=dict)  # {old row: new row}: a totals row below new rows
    heights: dict[int, float] = field(default_factory=dict)  # new rows: {Excel row: height in points}


def column_styles(head: bytes) -> dict[int, int]:
    """{0-based column: xf index} from the sheet's <cols> element."""
    out: dict[int, int] = {}
    for m in re.finditer(rb"<col\b([^>]*)/?>", head):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
        if b"style" not in attrs:
            continue
        lo, hi, style = int(attrs[b"min"]), int(attrs[b"max"]), int(attrs[b"style"])
        for c in range(lo - 1, min(hi, 16384)):
            out[c] = style
    return out


STREAM_CHUNK = 1 << 22  # bytes of sheet XML held at a time


def patch_sheet_stream(src, dst, patch: SheetPatch, writer: CellWriter) -> tuple[int, int]:
    """Apply ``patch`` to worksheet XML read from ``src`` and written to ``dst``, streaming.

    Rows without changes are copied byte for byte; memory stays bounded by ``STREAM_CHUNK``
    whatever the sheet's size. Returns (last row, last column index) of the dimension written.
    """
    buffer = b""
    while True:  # the head: everything up to and including <sheetData…>
        chunk = src.read(STREAM_CHUNK)
        buffer += chunk
        open_tag = buffer.find(b"<sheetData")
        if open_tag >= 0 and buffer.find(b">", open_tag) >= 0:
            break
        if not chunk:
            raise ValueError("worksheet has no sheetData")
    tag_end = buffer.index(b">", open_tag)
    empty = buffer[tag_end - 1: tag_end] == b"/"
    head = buffer[:open_tag] + b"<sheetData>"
    buffer = b"</sheetData>" + buffer[tag_end + 1:] if empty else buffer[tag_end + 1:]
    col_styles = column_styles(head)
    last_row, last_col = _planned_dimension(head, patch)
    dst.write(_update_dimension(head, last_row, last_col))

    pending = Pending(patch.cells)  # rows to write, ascending; shared-formula fixes join it
    shared = SharedFormulas(pending)
    first_row = _ROW_START.search(buffer)
    if patch.clear_below is None and not patch.moves and (
            first_row is None or buffer.startswith(b'<row r="', first_row.start())):
        buffer = _stream_rows_by_position(src, dst, buffer, pending, patch, col_styles, writer, shared)
    else:
        buffer = _stream_rows_one_by_one(src, dst, buffer, pending, patch, col_styles, writer, shared)
    while pending:
        dst.write(_new_row(writer, pending.pop(), patch, col_styles))
    dst.write(buffer)
    while True:
        chunk = src.read(STREAM_CHUNK)
        if not chunk:
            break
        dst.write(chunk)
    return last_row, last_col


class Pending:
    """Row numbers still to visit, ascending; rows can join while streaming (shared formulas)."""

    def __init__(self, rows):
        self._rows = sorted(rows)
        self._k = 0
        self._extra: list[int] = []  # a heap of rows added later
        self._seen = set()

    def _clean(self) -> None:
        while self._extra and (self._extra[0] in self._seen):
            heapq.heappop(self._extra)

    def peek(self) -> int | None:
        self._clean()
        a = self._rows[self._k] if self._k < len(self._rows) else None
        b = self._extra[0] if self._extra else None
        if a is None:
            return b
        return a if b is None or a <= b else b

    def pop(self) -> int:
        n = self.peek()
        if self._k < len(self._rows) and self._rows[self._k] == n:
            self._k += 1
        else:
            heapq.heappop(self._extra)
        self._seen.add(n)
        if self._extra and self._extra[0] == n:
            self._clean()
        return n

    def add(self, row: int) -> None:
        if row not in self._seen:
            heapq.heappush(self._extra, row)

    def __bool__(self) -> bool:
        return self.peek() is not None


def _complete_rows(buffer: bytes) -> int:
    """Where the complete rows at the start of ``buffer`` end (before </sheetData> if present)."""
    end = buffer.find(b"</sheetData>")
    if end >= 0:
        return end
    cut = buffer.rfind(b"</row>")
    return cut + len(b"</row>") if cut >= 0 else 0


def _stream_rows_by_position(src, dst, buffer, pending, patch, col_styles, writer, shared):
    """Copy unchanged rows in large spans; find each changed row directly by its r="N".

    Used when every row starts with its row number (as Excel, LibreOffice and openpyxl write
    them), which lets a changed row be found with one substring search instead of parsing every
    row of a 100,000-row sheet.
    """
    while True:
        cut = _complete_rows(buffer)
        pos = 0
        if cut:
            last = buffer.rfind(b'<row r="', 0, cut)
            last_number = int(_ROW_NUMBER.search(buffer, last).group(1)) if last >= 0 else 0
            while pending and pending.peek() <= last_number:
                number = pending.pop()
                start = buffer.find(b'<row r="%d"' % number, pos, cut)
                if start < 0:  # a row that does not exist yet between existing ones
                    later = _first_row_after(buffer, number, pos, cut)
                    dst.write(buffer[pos:later])
                    dst.write(_new_row(writer, number, patch, col_styles))
                    pos = later
                    if number not in patch.cells:  # a shared-formula repair: on to the next row
                        shared.skipped(number, int(_ROW_NUMBER.search(buffer, later).group(1))
                                       if later < cut else last_number + 1)
                else:
                    tag_end = buffer.index(b">", start)
                    end = tag_end + 1 if buffer[tag_end - 1] == 47 else buffer.index(b"</row>", tag_end) + 6
                    dst.write(buffer[pos:start])
                    dst.write(_visit_row(buffer[start:end], number, patch, col_styles, writer, shared))
                    pos = end
            dst.write(buffer[pos:cut])
        buffer = buffer[cut:]
        if buffer.startswith(b"</sheetData>"):
            return buffer
        chunk = src.read(STREAM_CHUNK)
        if not chunk:
            raise ValueError("worksheet XML ended inside sheetData")
        buffer += chunk


def _first_row_after(buffer: bytes, number: int, pos: int, cut: int) -> int:
    for m in _ROW_START.finditer(buffer, pos, cut):
        rm = _ROW_NUMBER.search(buffer, m.start(), buffer.index(b">", m.start()))
        if rm and int(rm.group(1)) > number:
            return m.start()
    return cut


def _stream_rows_one_by_one(src, dst, buffer, pending, patch, col_styles, writer, shared):
    """The general path: every row parsed (rebuilt sheets, moved rows, rows without numbers)."""
    held: list[tuple[int, bytes]] = []  # moved rows waiting for their new place

    def release(before: int | None) -> None:
        while held and (before is None or held[0][0] < before):
            new_number, xml = held.pop(0)
            while pending and pending.peek() < new_number:
                dst.write(_new_row(writer, pending.pop(), patch, col_styles))
            dst.write(xml)

    while True:
        pos = 0
        for m in _ROW_RE.finditer(buffer):
            row_xml = m.group()
            rm = _ROW_NUMBER.search(row_xml, 0, row_xml.index(b">"))
            number = int(rm.group(1))
            if number in patch.moves:
                pos = m.end()
                held.append((patch.moves[number], _renumber_row(row_xml, number, patch.moves[number])))
                held.sort()
                continue
            release(number)
            while pending and pending.peek() < number:
                dst.write(_new_row(writer, pending.pop(), patch, col_styles))
            pos = m.end()
            if patch.clear_below is not None and number > patch.clear_below:
                continue
            if pending and pending.peek() == number:
                pending.pop()
                dst.write(_visit_row(row_xml, number, patch, col_styles, writer, shared))
            elif shared.active:
                dst.write(_visit_row(row_xml, number, patch, col_styles, writer, shared))
            else:
                dst.write(row_xml)
        buffer = buffer[pos:]
        end = buffer.find(b"</sheetData>")
        if end >= 0 and _ROW_RE.search(buffer, 0, end) is None:
            release(None)
            while pending:
                dst.write(_new_row(writer, pending.pop(), patch, col_styles))
            return buffer[end:]
        chunk = src.read(STREAM_CHUNK)
        if not chunk:
            raise ValueError("worksheet XML ended inside sheetData")
        buffer += chunk


def _renumber_row(row_xml: bytes, old: int, new: int) -> bytes:
    """``row_xml`` moved from row ``old`` to ``new``: its own and its cells' references follow."""
    gt = row_xml.index(b">")
    head = re.sub(rb'\br="%d"' % old, b'r="%d"' % new, row_xml[: gt + 1], count=1)
    body = re.sub(rb'(<c\b[^>]*?\br="[A-Z]+)%d"' % old, rb'\g<1>%d"' % new, row_xml[gt + 1:])
    return head + body


def _visit_row(row_xml: bytes, number: int, patch: SheetPatch, col_styles, writer, shared) -> bytes:
    """One existing row: its target cells written, shared formulas it breaks or hosts kept whole."""
    values = patch.cells.get(number)
    out = _patch_row_fast(row_xml, number, values, col_styles, writer, patch) if values else row_xml
    if shared.active or (values and b'ref="' in row_xml and b't="shared"' in row_xml):
        out = shared.fix_row(row_xml, out, number, values or {})
    return out


# ---- shared (filled-down) formulas ----------------------------------------------------------------
_F_MASTER = re.compile(rb'<f\b([^>]*\bt="shared"[^>]*)>(.*?)</f>', re.S)
_F_SHARED_EMPTY = re.compile(rb'<f\b([^>]*\bt="shared"[^>]*?)(?:/>|></f>)')
_F_SI = re.compile(rb'\bsi="(\d+)"')
_F_REF = re.compile(rb'\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"')


@dataclass
class _Group:
    formula: str  # the master's formula text (unescaped), relative to (row, col)
    row: int
    col: int
    last_row: int
    first_col: int
    last_col: int
    move: bool  # a one-column or one-row group: the next cell becomes the master


class SharedFormulas:
    """Keeps filled-down formula groups whole when a cell of the group is written over.

    Excel stores a filled-down formula once, in the group's top-left cell
    (``<f t="shared" ref="N2:N520" si="0">formula</f>``); the others hold ``<f t="shared"
    si="0"/>`` and borrow it. Writing a value over that master cell would leave the rest pointing
    at nothing (LibreOffice shows them empty). So when a master is overwritten, the group is
    repaired as the stream goes on: in a one-column (or one-row) group the next cell that still
    borrows the formula becomes the master, with the formula moved to it and the range shortened;
    in a rectangle, every remaining cell gets its own copy of the formula. Writing over any
    other cell of a group needs nothing.
    """

    def __init__(self, pending: Pending):
        self.pending = pending
        self.groups: dict[bytes, _Group] = {}
        self.repaired = 0  # cells given a formula of their own or made master

    @property
    def active(self) -> bool:
        return bool(self.groups)

    def skipped(self, number: int, next_row: int) -> None:
        """A row asked for by a repair does not exist: look at the next existing one."""
        for g in self.groups.values():
            if number <= g.last_row:
                self.pending.add(next_row)
                return

    def fix_row(self, old_row: bytes, new_row: bytes, number: int, values: dict) -> bytes:
        if values:
            for m in _F_MASTER.finditer(old_row):
                attrs = m.group(1)
                ref, si = _F_REF.search(attrs), _F_SI.search(attrs)
                if not ref or not si or not m.group(2).strip():
                    continue
                cell = old_row.rfind(b"<c ", 0, m.start())
                cm = _CELL_REF.match(old_row, cell) if cell >= 0 else None
                if cm is None or col_index(cm.group(1)) not in values:
                    continue  # the master survives this write
                c0, r0 = col_index(ref.group(1)), int(ref.group(2))
                c1 = col_index(ref.group(3)) if ref.group(3) else c0
                r1 = int(ref.group(4)) if ref.group(4) else r0
                self.groups[si.group(1)] = _Group(_xml_unescape(m.group(2).decode()), number,
                                                  col_index(cm.group(1)), r1, c0, c1, c0 == c1 or r0 == r1)
        if not self.groups:
            return new_row
        out = self._repair(new_row, number)
        for si, g in list(self.groups.items()):
            if number >= g.last_row:
                del self.groups[si]
            else:
                self.pending.add(number + 1)
        return out

    def _repair(self, row_xml: bytes, number: int) -> bytes:
        parts, prev = [], 0
        for m in _F_SHARED_EMPTY.finditer(row_xml):
            si = _F_SI.search(m.group(1))
            g = self.groups.get(si.group(1)) if si else None
            if g is None:
                continue
            cell = row_xml.rfind(b"<c ", 0, m.start())
            cm = _CELL_REF.match(row_xml, cell) if cell >= 0 else None
            if cm is None:
                continue
            col = col_index(cm.group(1))
            text = escape(translate_formula(g.formula, g.row, g.col, number, col)).encode()
            attrs = re.sub(rb'\s*\b(?:t|si|ref)="[^"]*"', b"", m.group(1))
            if g.move:
                end = f"{col_letter(g.last_col)}{g.last_row}" if g.first_col != g.last_col else \
                    f"{col_letter(col)}{g.last_row}"
                ref = f"{col_letter(col)}{number}:{end}".encode()
                xml = b'<f t="shared" ref="' + ref + b'"' + attrs + b' si="' + si.group(1) + b'">' + text + b"</f>"
                del self.groups[si.group(1)]
            else:
                xml = b"<f" + attrs + b">" + text + b"</f>"
            parts.append(row_xml[prev:m.start()])
            parts.append(xml)
            prev = m.end()
            self.repaired += 1
        if not parts:
            return row_xml
        parts.append(row_xml[prev:])
        return b"".join(parts)


def translate_formula(formula: str, row: int, col: int, to_row: int, to_col: int) -> str:
    """``formula`` written in (row, col) as Excel reads it in (to_row, to_col): relative
    references move, ``$`` ones stay (openpyxl's Translator, which follows Excel's rules)."""
    from openpyxl.formula.translate import Translator

    origin = f"{col_letter(col)}{row}"
    target = f"{col_letter(to_col)}{to_row}"
    return Translator("=" + formula, origin=origin).translate_formula(target)[1:]


def _xml_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace(
        "&apos;", "'").replace("&amp;", "&")


def patch_sheet_xml(xml: bytes, patch: SheetPatch, writer: CellWriter) -> bytes:
    """``patch_sheet_stream`` on bytes (small sheets and tests)."""
    import io

    out = io.BytesIO()
    patch_sheet_stream(io.BytesIO(xml), out, patch, writer)
    return out.getvalue()


def _planned_dimension(head: bytes, patch: SheetPatch) -> tuple[int, int]:
    """The used area after the patch, known before streaming (the dimension precedes the rows)."""
    old_row, old_col = 1, 0
    m = _DIMENSION.search(head)
    if m:
        ref = re.search(rb'ref="[A-Z]*\d*:?([A-Z]+)(\d+)"', m.group())
        if ref:
            old_col, old_row = col_index(ref.group(1)), int(ref.group(2))
    if patch.clear_below is not None:
        old_row = min(old_row, patch.clear_below)
    rows = [r for r, cells in patch.cells.items() if cells]
    cols = [c for cells in patch.cells.values() for c in cells]
    return max([old_row, *rows]), max([old_col, *cols])


def resolve_style(patch: SheetPatch, row: int, col: int, col_styles: dict[int, int], *, own: int | None = None,
                  row_style: int | None = None) -> int:
    """The style index a rewritten or new cell takes — the one rule, used by every path.

    The routine's look for the cell (``patch.styles``) wins; else the cell keeps its own ``s=``;
    else a new cell takes its row's format (a row with customFormat), else its column's, else 0.
    """
    if (row, col) in patch.styles:
        return patch.styles[(row, col)]
    if own is not None:
        return own
    if row_style is not None:
        return row_style
    return col_styles.get(col, 0)


def _new_row(writer: CellWriter, number: int, patch: SheetPatch, col_styles) -> bytes:
    values = patch.cells.get(number)
    if not values:
        return b""  # a row visited for a shared-formula repair that does not exist
    cells = {c: writer.xml(f"{col_letter(c)}{number}", v, resolve_style(patch, number, c, col_styles))
             for c, v in values.items()}
    height = patch.heights.get(number)
    attrs = b' ht="%g" customHeight="1"' % height if height else b""
    return _row_xml(number, attrs, cells)


def _patch_row_fast(row_xml: bytes, number: int, values: dict[int, object], col_styles, writer,
                    patch: SheetPatch) -> bytes:
    """Replace or add the target cells of one row, touching nothing else in it.

    Cells are stored in column order, so targets are found by scanning forward from the last
    target found; targets right of the row's last cell are appended before </row>. Anything
    unusual (a target that must go between existing cells, cells without references) falls back
    to parsing the whole row.
    """
    if row_xml.endswith(b"/>"):
        return _patch_row(row_xml, number, values, col_styles, writer, patch)[0]
    close = len(row_xml) - len(b"</row>")
    last_start = row_xml.rfind(b"<c ", 0, close)
    last_col = -1
    if last_start >= 0:
        m = _ATTR_R.search(row_xml, last_start)
        if not m or not m.group(1):
            return _patch_row(row_xml, number, values, col_styles, writer, patch)[0]
        last_col = col_index(m.group(1))
    row_style = None
    gt = row_xml.index(b">")
    rs = _ROW_STYLE.search(row_xml, 0, gt + 1)
    if rs:
        row_style = int(rs.group(1) or rs.group(2))
    edits: list[tuple[int, int, bytes]] = []
    tail: list[bytes] = []
    pos = gt + 1
    suffix = f"{number}\"".encode()
    for c in sorted(values):
        ref = f"{col_letter(c)}{number}"
        if c > last_col:
            tail.append(writer.xml(ref, values[c], resolve_style(patch, number, c, col_styles, row_style=row_style)))
            continue
        start = row_xml.find(b'<c r="' + col_letter(c).encode() + suffix, pos, close)
        if start < 0:
            return _patch_row(row_xml, number, values, col_styles, writer, patch)[0]
        tag_end = row_xml.index(b">", start)
        end = tag_end + 1 if row_xml[tag_end - 1] == 47 else row_xml.index(b"</c>", tag_end) + 4  # 47 = "/"
        sm = _ATTR_S.search(row_xml, start, tag_end)
        style = resolve_style(patch, number, c, col_styles, own=int(sm.group(1)) if sm else None, row_style=row_style)
        edits.append((start, end, writer.xml(ref, values[c], style)))
        pos = end
    parts = []
    prev = 0
    for start, end, xml in edits:
        parts.append(row_xml[prev:start])
        parts.append(xml)
        prev = end
    parts.append(row_xml[prev:close])
    parts.extend(tail)
    parts.append(b"</row>")
    out = b"".join(parts)
    return _SPANS.sub(b"", out[: out.index(b">") + 1], count=1) + out[out.index(b">") + 1:]


def _row_xml(number: int, attrs: bytes, cells: dict[int, bytes]) -> bytes:
    inner = b"".join(cells[c] for c in sorted(cells))
    return b'<row r="%d"%s>%s</row>' % (number, attrs, inner)


def _patch_row(row_xml: bytes, number: int, values: dict[int, object], col_styles, writer, patch):
    gt = row_xml.index(b">")
    start_tag = row_xml[: gt + 1]
    self_closing = start_tag.endswith(b"/>")
    inner = b"" if self_closing else row_xml[gt + 1 : -len(b"</row>")]
    attrs = start_tag[len(b"<row"): -2 if self_closing else -1]
    attrs = _SPANS.sub(b"", attrs)
    attrs = re.sub(rb'\s*\br="\d+"', b"", attrs)
    row_style = None
    rs = _ROW_STYLE.search(start_tag)
    if rs:
        row_style = int(rs.group(1) or rs.group(2))
    cells: dict[int, bytes] = {}
    styles_of: dict[int, int] = {}
    implicit = -1
    for cm in _CELL_RE.finditer(inner):
        cell = cm.group()
        tag = cell[: cell.index(b">") + 1]
        rm = _ATTR_R.search(tag)
        c = col_index(rm.group(1)) if rm and rm.group(1) else implicit + 1
        implicit = c
        cells[c] = cell
        sm = _ATTR_S.search(tag)
        if sm:
            styles_of[c] = int(sm.group(1))
    for c, value in values.items():
        style = resolve_style(patch, number, c, col_styles, own=styles_of.get(c), row_style=row_style)
        cells[c] = writer.xml(f"{col_letter(c)}{number}", value, style)
    top = max(cells) if cells else 0
    return _row_xml(number, attrs, cells), top


def _update_dimension(head: bytes, last_row: int, last_col: int) -> bytes:
    m = _DIMENSION.search(head)
    if not m:
        return head
    ref = b"A1:%s%d" % (col_letter(max(last_col, 0)).encode(), max(last_row, 1))
    return head[: m.start()] + b'<dimension ref="' + ref + b'"/>' + head[m.end():]


def set_table_rows(table_xml: bytes, last_row: int, totals: int = 0) -> bytes:
    """Stretch or shrink a table to end at ``last_row`` (its totals row, if it has ``totals``);
    the autofilter covers the header and body, as Excel writes it."""
    root = etree.fromstring(table_xml)
    ref = root.get("ref")
    first, last = ref.split(":")
    last_letters = re.match(r"[A-Z]+", last).group()
    header_row = int(re.search(r"\d+", first).group())
    end = max(last_row, header_row + 1 + totals)
    new_ref = f"{first}:{last_letters}{end}"
    root.set("ref", new_ref)
    af = root.find(f"{{{NS_MAIN}}}autoFilter")
    if af is not None:
        af.set("ref", f"{first}:{last_letters}{end - totals}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_calculated_columns(table_xml: bytes, formulas: dict[str, str | None]) -> bytes:
    """Set (text, no "=") or remove (None) the calculated-column formula of the table's columns
    named in ``formulas``: Excel fills a calculated column into every row typed below the table."""
    root = etree.fromstring(table_xml)
    for column in root.iter(f"{{{NS_MAIN}}}tableColumn"):
        name = column.get("name")
        if name not in formulas:
            continue
        found = column.find(f"{{{NS_MAIN}}}calculatedColumnFormula")
        text = formulas[name]
        if text is None:
            if found is not None:
                column.remove(found)
            continue
        if found is None:
            found = etree.Element(f"{{{NS_MAIN}}}calculatedColumnFormula")
            column.insert(0, found)  # CT_TableColumn: calculatedColumnFormula comes first
        found.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def table_last_row(table_xml: bytes) -> int:
    ref = etree.fromstring(table_xml).get("ref")
    return int(re.search(r"\d+$", ref).group())


# ---- new sheets ---------------------------------------------------------------------------------
def new_sheet_xml(rows: dict[int, dict[int, object]], styles: dict[tuple[int, int], int],
                  writer: CellWriter, widths: list[float], merges: list[str],
                  tab_colour: str | None = None) -> bytes:
    """A complete worksheet part for a sheet the program owns outright (e.g. 月报_2026-11)."""
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'.encode()]
    if tab_colour:
        parts.append(f'<sheetPr><tabColor rgb="FF{tab_colour}"/></sheetPr>'.encode())
    last_row = max(rows, default=1)
    last_col = max((c for r in rows.values() for c in r), default=0)
    parts.append(f'<dimension ref="A1:{col_letter(last_col)}{last_row}"/>'.encode())
    parts.append(b'<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    parts.append(b'<sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:.1f}" customWidth="1"/>'
                       for i, w in enumerate(widths))
        parts.append(f"<cols>{cols}</cols>".encode())
    parts.append(b"<sheetData>")
    for r in sorted(rows):
        cells = {c: writer.xml(f"{col_letter(c)}{r}", v, styles.get((r, c), 0))
                 for c, v in rows[r].items()}
        parts.append(_row_xml(r, b"", cells))
    parts.append(b"</sheetData>")
    if merges:
        inner = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
        parts.append(f'<mergeCells count="{len(merges)}">{inner}</mergeCells>'.encode())
    parts.append(b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    parts.append(b"</worksheet>")
    return b"".join(parts)


# ---- zip rewriting ------------------------------------------------------------------------------
def copy_raw(src: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes as they are (no inflate/deflate round trip)."""
    fp = src.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    raw = fp.read(info.compress_size)
    clone = zipfile.ZipInfo(info.filename, info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    clone.flag_bits = info.flag_bits & ~0x08  # sizes go in the local header, no data descriptor
    clone.CRC = info.CRC
    clone.compress_size = info.compress_size
    clone.file_size = info.file_size
    clone.header_offset = dst.fp.tell()
    zip64 = clone.file_size > zipfile.ZIP64_LIMIT or clone.compress_size > zipfile.ZIP64_LIMIT
    dst.fp.write(clone.FileHeader(zip64))
    dst.fp.write(raw)
    dst.filelist.append(clone)
    dst.NameToInfo[clone.filename] = clone
    dst.start_dir = dst.fp.tell()
    dst._didModify = True


def rewrite_zip(src_path, dst_path, replaced: dict[str, bytes], added: dict[str, bytes],
                removed: set[str] = frozenset(),
                streamed: dict[str, Callable] | None = None) -> None:
    """Write ``dst_path``: every member of ``src_path``, with ``replaced`` and ``added`` parts.

    ``streamed`` maps a part to ``transform(src_file, dst_file)``: the part is rewritten from its
    old content as a stream, never held whole in memory. A ``replaced`` value may be a callable
    returning the bytes: it is called after everything else is written (styles that streaming
    added cell formats to).
    """
    streamed = streamed or {}
    late = {k: v for k, v in replaced.items() if callable(v)}
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(dst_path, "w") as dst:
        for info in src.infolist():
            name = info.filename
            if name in removed or name in late:
                continue
            if name in streamed:
                fresh = _fresh_info(info)
                fresh.compress_type = zipfile.ZIP_DEFLATED
                fresh._compresslevel = 1  # big sheets: fast deflate; size is secondary
                with src.open(info) as reader, dst.open(fresh, "w", force_zip64=True) as writer:
                    # Inflate and deflate run in their own threads (zlib releases the GIL), beside
                    # the patching in this one.
                    with Prefetch(reader) as ahead, Sink(writer) as behind:
                        streamed[name](ahead, behind)
            elif name in replaced:
                data = replaced[name]
                level = 1 if len(data) > 4_000_000 else 6
                dst.writestr(_fresh_info(info), data, compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=level)
            else:
                try:
                    copy_raw(src, info, dst)
                except (AttributeError, zipfile.BadZipFile):
                    dst.writestr(_fresh_info(info), src.read(name),
                                 compress_type=zipfile.ZIP_DEFLATED)
        for name, data in added.items():
            dst.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
        for name, produce in late.items():
            dst.writestr(_fresh_info(src.getinfo(name)), produce(), compress_type=zipfile.ZIP_DEFLATED)


class Prefetch:
    """Reads a stream ahead in a thread: ``read(n)`` returns the next chunk already inflated."""

    def __init__(self, stream, chunk: int = STREAM_CHUNK, depth: int = 3):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._chunk = chunk
        self._stream = stream
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while True:
                data = self._stream.read(self._chunk)
                self._queue.put(data)
                if not data:
                    return
        except BaseException as exc:  # handed to the reader
            self._queue.put(exc)

    def read(self, _size: int = -1) -> bytes:
        data = self._queue.get()
        if isinstance(data, BaseException):
            raise data
        if not data:
            self._queue.put(b"")  # stay at end of stream for later reads
        return data

    def __enter__(self) -> "Prefetch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        while self._thread.is_alive():  # drain so the thread can finish
            try:
                self._queue.get(timeout=0.1)
            except queue.Empty:
                pass
        self._thread.join()


class Sink:
    """Collects small writes into ~1 MB pieces and writes them from a thread (deflate there)."""

    def __init__(self, stream, piece: int = 1 << 20, depth: int = 4):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stream = stream
        self._parts: list[bytes] = []
        self._size = 0
        self._piece = piece
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    self._stream.write(data)
                except BaseException as exc:  # reported to the writer
                    self._error = exc

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._parts.append(data)
        self._size += len(data)
        if self._size >= self._piece:
            self._queue.put(b"".join(self._parts))
            self._parts, self._size = [], 0

    def __enter__(self) -> "Sink":
        self._thread.start()
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if self._parts:
            self._queue.put(b"".join(self._parts))
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc_type is None:
            raise self._error


def _fresh_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    fresh = zipfile.ZipInfo(info.filename, info.date_time)
    fresh.external_attr = info.external_attr
    return fresh


# ---- adding a sheet to the workbook parts -------------------------------------------------------
def add_sheet_entries(pkg: Package, name: str, part: str, content_types: bytes,
                      after: str | None = None, first: bool = False) -> tuple[bytes, bytes, bytes]:
    """New workbook.xml, workbook.xml.rels and [Content_Types].xml that include sheet ``name``
    (after sheet ``after``, else first when ``first``, else last)."""
    rels = pkg.workbook_rels
    ids = {r.get("Id") for r in rels}
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rid = f"rId{n}"
    rel = etree.SubElement(rels, f"{{{NS_PKG}}}Relationship")
    rel.set("Id", rid)
    rel.set("Type", REL_WORKSHEET)
    rel.set("Target", "/" + part)
    sheets = pkg.workbook.find(f"{{{NS_MAIN}}}sheets")
    sheet_id = max(e.sheet_id for e in pkg.sheets.values()) + 1
    el = etree.Element(f"{{{NS_MAIN}}}sheet")
    el.set("name", name)
    el.set("sheetId", str(sheet_id))
    el.set(f"{{{NS_R}}}id", rid)
    position = 0 if first else len(sheets)
    if after is not None:
        for i, existing in enumerate(sheets):
            if existing.get("name") == after:
                position = i + 1
    sheets.insert(position, el)
    # The workbook view counts tabs by position too: keep it on the sheet that was active (the
    # one whose sheetView says tabSelected), or Excel opens with two sheets grouped.
    for view in pkg.workbook.iter(f"{{{NS_MAIN}}}workbookView"):
        for attr in ("activeTab", "firstSheet"):
            value = int(view.get(attr, "0"))
            if value >= position:
                view.set(attr, str(value + 1))
    # Defined names with localSheetId count sheets by position: shift those after the insert.
    names = pkg.workbook.find(f"{{{NS_MAIN}}}definedNames")
    if names is not None:
        for dn in names:
            local = dn.get("localSheetId")
            if local is not None and int(local) >= position:
                dn.set("localSheetId", str(int(local) + 1))
    pkg.sheets[name] = SheetEntry(name, part, rid, sheet_id)
    ct = etree.fromstring(content_types)
    override = etree.SubElement(ct, f"{{{NS_CT}}}Override")
    override.set("PartName", "/" + part)
    override.set("ContentType", CT_WORKSHEET)
    dump = lambda root: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # noqa: E731
    return dump(pkg.workbook), dump(rels), dump(ct)


def without_calc_chain(pkg: Package, content_types: bytes) -> tuple[bytes, bytes] | None:
    """Workbook rels and content types minus calcChain.xml (Excel rebuilds it), if present."""
    if "xl/calcChain.xml" not in pkg.names:
        return None
    rels = pkg.workbook_rels
    for r in list(rels):
        if r.get("Type") == REL_CALCCHAIN:
            rels.remove(r)
    ct = etree.fromstring(content_types)
    for o in list(ct):
        if o.get("PartName") == "/xl/calcChain.xml":
            ct.remove(o)
    dump = lambda root: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # noqa: E731
    return dump(rels), dump(ct)


def next_sheet_part(pkg: Package) -> str:
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in pkg.names:
        n += 1
    pkg.names.add(f"xl/worksheets/sheet{n}.xml")
    return f"xl/worksheets/sheet{n}.xml"


__all__ = [
    "CellWriter", "Look", "Package", "SheetPatch", "StyleBook", "add_sheet_entries",
    "col_index", "col_letter", "new_sheet_xml", "patch_sheet_stream", "patch_sheet_xml", "rewrite_zip",
    "set_table_rows", "table_last_row", "without_calc_chain",
]
