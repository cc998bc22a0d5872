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

SETTINGS_SHEET = "汇总设置"  # the HQ workbook's own settings (门店工作簿位置, 统计开始/结束, 试点门店…)

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
    return book


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
