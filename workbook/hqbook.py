"""The HQ workbook (总部汇总.xlsx): report sheets laid out by ``macros.hq``, written as one new file.

Every sheet of the HQ workbook is the program's (no staff columns), so the file is written whole
with openpyxl — to a temporary file swapped in atomically; an existing HQ workbook is kept in
``备份/`` first, and one Excel holds open is refused. In Excel (the 总部汇总 ribbon button) the
same sheets are written into the open workbook through xlwings block writes instead.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path
from typing import Sequence

from workbook.changes import ReportSheet
from workbook.styles import Look

SETTINGS_SHEET = "汇总设置"  # the HQ workbook's own settings (门店工作簿位置, 统计开始, 统计结束)

FONT = "等线"


def _style_parts(look: Look):
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    font = Font(name=FONT, bold=look.bold, size=look.size or 11, color=look.color and f"FF{look.color}")
    fill = PatternFill("solid", fgColor=f"FF{look.fill}") if look.fill else None
    align = Alignment(horizontal=look.align, vertical="center" if look.wrap else None, wrap_text=look.wrap or None)
    side = Side(style="thin", color="FFBFBFBF")
    border = Border(left=side, right=side, top=side, bottom=side) if look.border else None
    return font, fill, align, border


def build_hq_workbook(sheets: Sequence[ReportSheet]):
    """An openpyxl Workbook holding ``sheets`` in order (values, looks, widths, merges, frozen title)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from workbook.xlsxpatch import excel_text, fit_cell, looks_like_formula

    book = Workbook()
    book.remove(book.active)
    parts: dict[Look, object] = {}
    for report in sheets:
        ws = book.create_sheet(report.name)
        for (r, c), (value, look) in sorted(report.cells.items()):
            if isinstance(value, str):
                value = excel_text(fit_cell(value))
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and looks_like_formula(value):
                cell.data_type, cell.quotePrefix = "s", True  # text stays text, never a formula
            if look is None:
                continue
            if look in parts:  # the look's style indices, found once (openpyxl's setters are slow)
                cell._style = copy(parts[look])
                continue
            font, fill, align, border = _style_parts(look)
            cell.font = font
            if fill is not None:
                cell.fill = fill
            cell.alignment = align
            if border is not None:
                cell.border = border
            if look.numfmt:
                cell.number_format = look.numfmt
            parts[look] = copy(cell._style)
        for i, width in enumerate(report.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        for ref in report.merges:
            ws.merge_cells(ref)
        for row, height in wrapped_row_heights(report).items():
            ws.row_dimensions[row].height = height
        _print_one_page_wide(ws, report.widths)
    return book


LINE_HEIGHT = 15.0  # points per line of 11 pt 等线 text
DEFAULT_WIDTH = 8.43  # Excel's default column width


def text_width(text: str) -> int:
    """Column-width units ``text`` needs on one line: a CJK or full-width character takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_row_heights(report: ReportSheet) -> dict[int, float]:
    """{row: height in points} for rows holding wrapped text longer than its cell (merged cells
    counted at their full width): Excel and LibreOffice do not grow such rows by themselves, so the
    text would be cut off or run over the row below."""
    import math

    from openpyxl.utils.cell import range_boundaries

    def width(col: int) -> float:
        return report.widths[col - 1] if col <= len(report.widths) else DEFAULT_WIDTH

    spans: dict[tuple[int, int], float] = {}
    for ref in report.merges:
        first_col, first_row, last_col, _last_row = range_boundaries(ref)
        spans[(first_row, first_col)] = sum(width(c) for c in range(first_col, last_col + 1))
    heights: dict[int, float] = {}
    for (r, c), (value, look) in report.cells.items():
        if look is None or not look.wrap or not isinstance(value, str) or not value:
            continue
        room = max(1.0, spans.get((r, c), width(c)) - 1)  # a little padding each side
        lines = sum(max(1, math.ceil(text_width(part) / room)) for part in value.split("\n"))
        if lines > 1:
            size = (look.size or 11) / 11
            heights[r] = max(heights.get(r, 0), round(lines * LINE_HEIGHT * size, 1))
    return heights


PORTRAIT_WIDTH = 100  # column-width units that fit across an A4 portrait page at a readable size


def _print_one_page_wide(ws, widths: Sequence[float]) -> None:
    """Print (and PDF) every column on one A4 page width — landscape for the wide comparison sheets —
    so a printed 门店对比 is one table, not its columns scattered over separate pages."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(widths) > PORTRAIT_WIDTH else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_hq_workbook(path: str | Path, sheets: Sequence[ReportSheet], *, force: bool = False) -> Path:
    """Write the HQ workbook to ``path`` atomically (the previous one kept in 备份/)."""
    from workbook.store import DEFAULT_BACKUPS, refuse_if_open_in_excel, replace_file, write_new_file

    path = Path(path)
    book = build_hq_workbook(sheets)
    if path.exists():
        refuse_if_open_in_excel(path, force=force)
        replace_file(path, book.save, backups=DEFAULT_BACKUPS)
    else:
        write_new_file(path, book.save)
    return path


def write_hq_sheets_to_book(book, sheets: Sequence[ReportSheet]) -> None:
    """Write ``sheets`` into a live Excel workbook (the ribbon path), each cleared and rewritten."""
    from workbook.live import _write_report

    previous = None
    for report in sheets:
        report.after = previous
        _write_report(book, report)
        previous = report.name


def read_hq_settings(book) -> dict[str, object]:
    """The 汇总设置 sheet of a live HQ workbook as {参数: 值} (empty when the sheet is missing)."""
    names = [s.name for s in book.sheets]
    if SETTINGS_SHEET not in names:
        return {}
    grid = book.sheets[SETTINGS_SHEET].used_range.options(ndim=2).value or []
    return {str(row[0]).strip(): row[1] for row in grid[1:] if row and row[0]}
