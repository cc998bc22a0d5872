"""Write changes into an .xlsx by patching only the parts that change, streaming, in the zip.

A busy team's workbook holds 100,000+ tickets; loading and saving it with openpyxl takes about a
minute and a gigabyte. Instead, the sheet XML of each changed sheet is scanned row by row: rows
without changes are copied byte for byte, changed rows get only their target cells replaced, and
every other part of the package (shared strings, styles, tables, validations, conditional
formats, names, VBA, ribbon) is copied untouched — compressed bytes and all — unless a change
needs it (a table's range after new rows; a new cell format; a new sheet).

New text goes in as inline strings, so the shared-string table (and with it every staff cell)
never changes.

The pieces, one module each: ``xlsx_package`` (parts, relationships, workbook.xml edits),
``xlsx_cells`` (cell references, values → cell XML), ``xlsx_rows`` (row streaming, which style a
written cell takes), ``xlsx_shared`` (shared formulas), ``xlsx_tables`` (tables, new sheets) and
``xlsx_zip`` (the zip copy). This module re-exports their public names for the writer and tests.
"""

from __future__ import annotations

from workbook.xlsx_package import (  # noqa: F401 - the facade re-exports
    NS_MAIN, NS_R, NS_PKG, NS_CT, REL_WORKSHEET, REL_TABLE, REL_CALCCHAIN, CT_WORKSHEET, CT_TABLE,
    SheetEntry, Package, add_sheet_entries, without_calc_chain, next_sheet_part,
)
from workbook.xlsx_cells import (  # noqa: F401 - the facade re-exports
    col_letter, col_index, FORMULA_LEAD, excel_text, EXCEL_TEXT_LIMIT, fit_cell, looks_like_formula,
    to_serial, is_empty, CellWriter,
)
from workbook.xlsx_shared import (  # noqa: F401 - the facade re-exports
    SharedFormulas, translate_formula,
)
from workbook.xlsx_rows import (  # noqa: F401 - the facade re-exports
    SheetPatch, column_styles, STREAM_CHUNK, patch_sheet_stream, Pending, patch_sheet_xml,
    resolve_style,
)
from workbook.xlsx_tables import (  # noqa: F401 - the facade re-exports
    set_table_rows, set_calculated_columns, table_last_row, new_sheet_xml,
)
from workbook.xlsx_zip import (  # noqa: F401 - the facade re-exports
    copy_raw, rewrite_zip, Prefetch, Sink,
)
from workbook.styles import Look, StyleBook  # noqa: F401 - part of the patcher's face

