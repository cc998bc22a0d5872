"""Excel tables (ranges, calculated columns) and whole new sheets.

Part of the file patcher (see ``workbook.xlsxpatch`` for how the pieces fit).
"""

from __future__ import annotations

import re

from lxml import etree

from workbook.xlsx_cells import CellWriter, col_letter
from workbook.xlsx_package import NS_MAIN, NS_R
from workbook.xlsx_rows import _row_xml

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
