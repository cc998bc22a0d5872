"""Put formula cells into a workbook exactly as Excel writes them, for tests.

Excel stores a filled-down formula once: the group's top cell holds
``<f t="shared" ref="N2:N520" si="0">B2+3</f>`` and every other cell ``<f t="shared" si="0"/>``,
each with its cached value (``<v>``; text results carry ``t="str"``). The XML below is what
Excel 16 writes (compare tests/data/shared_formula_reversed.xlsx, saved by Excel).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from workbook.xlsxpatch import Package, col_letter

_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _style(attrs: bytes) -> bytes:
    m = re.search(rb'\ss="\d+"', attrs)
    return m.group() if m else b""


def formula_cell(ref: str, style: bytes, formula: str | None, cached, *, si: int | None = None,
                 group: str | None = None) -> bytes:
    """One ``<c>`` as Excel writes it: a plain, shared-master or shared-dependent formula."""
    if si is None:
        f = f"<f>{escape(formula)}</f>"
    elif group is not None:
        f = f'<f t="shared" ref="{group}" si="{si}">{escape(formula)}</f>'
    else:
        f = f'<f t="shared" si="{si}"/>'
    if isinstance(cached, str):
        return f'<c r="{ref}"'.encode() + style + f' t="str">{f}<v>{escape(cached)}</v></c>'.encode()
    v = "" if cached is None else f"<v>{cached!r}</v>" if isinstance(cached, float) else f"<v>{cached}</v>"
    return f'<c r="{ref}"'.encode() + style + f">{f}{v}</c>".encode()


def put_formulas(path: Path, sheet: str, col: int, rows: list[int], formula, cached, *,
                 shared: bool = True, si: int = 0) -> None:
    """Replace column ``col`` (0-based) on ``rows`` of ``sheet`` with formula cells.

    ``formula(row)`` is the formula as Excel shows it in that row (only the first row's text is
    stored when ``shared``); ``cached(row)`` the value Excel saved with it.
    """
    pkg = Package(path)
    try:
        part = pkg.sheets[sheet].part
        xml = pkg.read(part)
    finally:
        pkg.close()
    letter = col_letter(col)
    group = f"{letter}{rows[0]}:{letter}{rows[-1]}" if shared else None
    wanted = set(rows)
    first = rows[0]

    def cell_for(row: int, style: bytes) -> bytes:
        ref = f"{letter}{row}"
        if not shared:
            return formula_cell(ref, style, formula(row), cached(row))
        if row == first:
            return formula_cell(ref, style, formula(row), cached(row), si=si, group=group)
        return formula_cell(ref, style, None, cached(row), si=si)

    def fix_row(m: re.Match) -> bytes:
        row_xml = m.group()
        number = int(re.search(rb'r="(\d+)"', row_xml).group(1))
        if number not in wanted:
            return row_xml
        done = False

        def fix_cell(cm: re.Match) -> bytes:
            nonlocal done
            if cm.group(1).decode() != letter:
                return cm.group()
            done = True
            return cell_for(number, _style(cm.group(3)))

        out = _CELL.sub(fix_cell, row_xml)
        if done:
            return out
        new_cell = cell_for(number, b"")
        for cm in _CELL.finditer(out):  # cells are in column order: insert before the next one
            if _col(cm.group(1)) > col:
                return out[:cm.start()] + new_cell + out[cm.start():]
        return out[: out.rindex(b"</row>")] + new_cell + b"</row>"

    new = re.sub(rb"<row\b[^>]*?(?:/>|>.*?</row>)", fix_row, xml, flags=re.S)
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, new if info.filename == part else src.read(info.filename))
    shutil.move(tmp, path)


def cell_xml(path: Path, sheet: str, ref: str) -> bytes:
    pkg = Package(path)
    try:
        xml = pkg.read(pkg.sheets[sheet].part)
    finally:
        pkg.close()
    m = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
    return m.group() if m else b""
