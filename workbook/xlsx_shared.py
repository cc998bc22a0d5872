"""Shared (filled-down) formulas: keeping a group valid when some of its cells are rewritten.

Part of the file patcher (see ``workbook.xlsxpatch`` for how the pieces fit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from workbook.xlsx_cells import col_index, col_letter

if TYPE_CHECKING:
    from workbook.xlsx_rows import Pending

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
