"""Sheet XML patched row by row, streaming: unchanged rows copied byte for byte, target cells replaced.

Part of the file patcher (see ``workbook.xlsxpatch`` for how the pieces fit).
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field

from workbook.xlsx_cells import CellWriter, col_index, col_letter
from workbook.xlsx_shared import SharedFormulas

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
