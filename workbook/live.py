"""Apply a ChangeSet to a workbook open in Excel, through xlwings, in block writes.

Excel round-trips are what make a button slow, so cells are never written one by one: each run
of consecutive changed rows in a column is one ``Range.value`` assignment, appended rows are one
2-D block, a rebuilt output sheet is one clear plus one block, and a report sheet is one block
plus one call per distinct cell look.
"""

from __future__ import annotations

from typing import Iterable

from workbook import schema as S
from workbook.changes import ChangeSet, ReportSheet
from workbook.formulas import Formula, formula_grid
from workbook.xlsxpatch import looks_like_formula


def excel_value(value, formulas: bool = True):
    """A value as xlwings should write it: text that looks like a formula gets Excel's ' prefix;
    a program Formula is written as its formula, or as its value where UDFs do not exist
    (``formulas=False``: macOS Excel)."""
    if isinstance(value, Formula):
        return value.excel if formulas else excel_value(value.value)
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def runs(by_row: dict[int, object]) -> Iterable[tuple[int, list]]:
    """Group {row: value} into (first row, [values]) runs of consecutive rows."""
    rows = sorted(by_row)
    start = prev = None
    values: list = []
    for r in rows:
        if prev is not None and r == prev + 1:
            values.append(by_row[r])
        else:
            if start is not None:
                yield start, values
            start, values = r, [by_row[r]]
        prev = r
    if start is not None:
        yield start, values


ROUND_TRIP_KINDS = (S.CHOICE, S.DATE, S.DATETIME)  # values Excel gives back exactly as written


def bridged(by_row: dict[int, object], data, header: str, formula_rows: set[int] | None = None
            ) -> dict[int, object]:
    """``by_row`` plus the unchanged cells between its rows that may safely be rewritten.

    Fewer, longer runs mean fewer Excel round-trips. A gap is bridged when every cell in it is
    program-owned (rewritten with the value it already has), blank (rewritten blank), or — given
    ``formula_rows``, the rows whose cell holds a formula — a staff value of a kind that Excel
    gives back exactly as written (a dropdown choice or a date), rewritten with that same value.
    A gap holding a formula, or a value that did not parse, is never bridged.
    """
    from workbook.changes import python_value

    if len(by_row) < 2:
        return by_row
    col = data.schema.column(header)
    frame = data.frame
    present = set(frame.index)
    nonblank = data.nonblank.get(header)

    def keep(r: int):
        """(can bridge, value to write) for an unchanged cell ``r``."""
        if r not in present:
            return False, None
        value = python_value(frame.at[r, header])
        if col.owner == S.PROGRAM:
            return True, value
        if nonblank is None:
            return False, None
        if not nonblank.get(r, False):
            return True, None
        if formula_rows is not None and r not in formula_rows and col.kind in ROUND_TRIP_KINDS \
                and value is not None:
            return True, value
        return False, None

    rows = sorted(by_row)
    out = dict(by_row)
    for a, b in zip(rows, rows[1:]):
        gap = [(r, *keep(r)) for r in range(a + 1, b)]
        if gap and all(ok for _r, ok, _v in gap):
            out.update({r: v for r, _ok, v in gap})
    return out


def _formula_rows(sheet, col: int, rows: list[int]) -> set[int]:
    """Rows in rows[0]..rows[-1] whose cell in column ``col`` holds a formula (one Excel call)."""
    first, last = min(rows), max(rows)
    formulas = formula_grid(sheet.range((first, col), (last, col)).formula)
    return {first + i for i, row in enumerate(formulas) if isinstance(row[0], str) and row[0].startswith("=")}


def apply_to_book(book, snapshot, changes: ChangeSet, *, formulas: bool = True) -> int:
    """Write ``changes`` into the live ``book``; return the number of Excel calls made.

    ``formulas=False`` writes each program Formula's value instead (Excel without UDFs: macOS).
    """
    calls = 0
    for name, sc in changes.sheets.items():
        if sc.is_empty:
            continue
        sheet_schema = S.sheet(name)
        if sc.rebuild is not None and (name not in [s.name for s in book.sheets]
                                       or snapshot.sheets[name].relayout):
            calls += _relayout(book, snapshot, name, sc, formulas)
            continue
        sheet = book.sheets[name]
        data = snapshot[name]
        for header, by_row in sc.cells.items():
            col = data.columns[header] + 1
            # A column holding program formulas is never bridged: a gap cell's formula would be
            # overwritten with its value.
            has_formulas = any(isinstance(v, Formula) for v in by_row.values())
            plan = by_row if has_formulas else bridged(by_row, data, header)
            if not has_formulas and sum(1 for _ in runs(plan)) > 2 and sheet_schema.column(header).kind in ROUND_TRIP_KINDS:
                plan = bridged(by_row, data, header, _formula_rows(sheet, col, list(by_row)))
                calls += 1
            for start, values in runs(plan):
                target = sheet.range((start, col), (start + len(values) - 1, col))
                target.value = [[excel_value(v, formulas)] for v in values]
                calls += 1
        width = max(data.width, max([*data.columns.values(), *data.extra_columns.values()], default=0) + 1)
        if sc.rebuild is not None:
            if data.last_row >= 2:
                sheet.range((2, 1), (data.last_row, width)).clear_contents()
                calls += 1
            first, rows = 2, sc.rebuild
        else:
            first, rows = data.last_row + 1, sc.appends
        if rows:
            block = []
            for values in rows:
                line = [None] * width
                for header, value in values.items():
                    line[data.column_index(header)] = excel_value(value, formulas)
                block.append(line)
            sheet.range((first, 1), (first + len(block) - 1, width)).value = block
            calls += 1
        if rows or sc.rebuild is not None:
            last = max(first + len(rows) - 1, 2)
            calls += _resize_table(sheet, sheet_schema.table, last, width)
        by_look: dict = {}
        for (i, header), look in sc.looks.items():
            by_look.setdefault(look, []).append((first + i, data.columns[header] + 1))
        for look, cells in by_look.items():
            calls += format_cells(sheet, cells, look)
    for name, report in changes.reports.items():
        calls += _write_report(book, report)
    return calls


def _relayout(book, snapshot, name: str, sc, formulas: bool) -> int:
    """An output sheet the workbook lacks, or has in an earlier version's layout: this version's
    header row and rows, people's added columns after the schema's (see workbook/relayout.py;
    the file path also renews formats, guards and colours — here the table is resized and
    Excel keeps the column formats it had)."""
    from workbook.relayout import layout_headers

    data = snapshot.sheets.get(name)
    calls = 0
    if data is None:
        names = [s.name for s in book.sheets]
        before = None
        for other in S.SHEETS:
            if other.name == name:
                break
            if other.name in names:
                before = other.name
        sheet = (book.sheets.add(name, after=book.sheets[before]) if before
                 else book.sheets.add(name, before=book.sheets[0]))
        extras: tuple[str, ...] = ()
        calls += 1
    else:
        sheet = book.sheets[name]
        extras = tuple(data.extra_columns)
        old_width = max(data.width, len(data.schema.headers))
        sheet.range((1, 1), (max(data.last_row, 2), old_width)).clear_contents()
        calls += 1
    headers = layout_headers(S.sheet(name), extras)
    index = {h: j for j, h in enumerate(headers)}
    block = [list(headers)]
    for values in sc.rebuild:
        line = [None] * len(headers)
        for header, value in values.items():
            if header in index:
                line[index[header]] = excel_value(value, formulas)
        block.append(line)
    sheet.range((1, 1), (len(block), len(headers))).value = block
    calls += 1
    calls += _resize_table(sheet, S.sheet(name).table, max(len(block), 2), len(headers))
    # Widths and number formats of the new columns (what xlwings can set on every platform; the
    # file path also renews colours and guards, see workbook/relayout.py).
    from workbook.builder import NUMBER_FORMATS

    last = max(len(block), 2)
    for j, header in enumerate(headers, start=1):
        col = S.sheet(name).by_header.get(header)
        if col is None:
            continue
        sheet.range((1, j)).column_width = col.display_width
        fmt = col.number_format or NUMBER_FORMATS.get(col.kind)
        if fmt and fmt != "@":  # text columns: the values are already text
            sheet.range((2, j), (last, j)).number_format = fmt
        calls += 2
    return calls


def _resize_table(sheet, table_name: str, last_row: int, width: int) -> int:
    tables = getattr(sheet, "tables", None)
    if tables is None:
        return 0
    names = [t.name for t in tables]
    if table_name not in names:
        return 0
    tables[table_name].resize(sheet.range((1, 1), (last_row, width)))
    return 1


def _write_report(book, report: ReportSheet) -> int:
    names = [s.name for s in book.sheets]
    if report.name in names:
        sheet = book.sheets[report.name]
        sheet.clear()
    else:
        after = book.sheets[report.after] if report.after in names else book.sheets[-1]
        sheet = book.sheets.add(report.name, after=after)
    calls = 1
    grid = report.grid()
    if grid:
        sheet.range((1, 1), (len(grid), len(grid[0]))).value = [
            [excel_value(v) for v in row] for row in grid
        ]
        calls += 1
    by_look: dict = {}
    for (r, c), (_value, look) in report.cells.items():
        if look is not None:
            by_look.setdefault(look, []).append((r, c))
    for look, cells in by_look.items():
        calls += format_cells(sheet, cells, look)
    for i, width in enumerate(report.widths, start=1):
        sheet.range((1, i)).column_width = width
        calls += 1
    for ref in report.merges:
        sheet.range(ref).merge()
    return calls


def areas(cells: list[tuple[int, int]]) -> list[str]:
    """A1-style areas covering ``cells`` (1-based): rows of consecutive columns, stacked into
    rectangles where consecutive rows span the same columns."""
    from workbook.xlsxpatch import col_letter

    runs: dict[tuple[int, int], list[int]] = {}  # (first col, last col) → rows
    for r in sorted({r for r, _ in cells}):
        cols = sorted(c for rr, c in cells if rr == r)
        start = prev = cols[0]
        for c in cols[1:] + [None]:
            if c is not None and c == prev + 1:
                prev = c
                continue
            runs.setdefault((start, prev), []).append(r)
            if c is not None:
                start = prev = c
    out = []
    for (c0, c1), rows in runs.items():
        top = last = rows[0]
        for r in rows[1:] + [None]:
            if r is not None and r == last + 1:
                last = r
                continue
            a, b = f"{col_letter(c0 - 1)}{top}", f"{col_letter(c1 - 1)}{last}"
            out.append(a if a == b else f"{a}:{b}")
            if r is not None:
                top = last = r
    return out


def format_cells(sheet, cells: list[tuple[int, int]], look, limit: int = 240) -> int:
    """Give ``cells`` one look in as few Excel calls as possible; return the calls made.

    Areas are joined into multi-area addresses ("A1:C1,A5:C7", Excel's union), each kept under
    Excel's 255-character limit for a range address.
    """
    calls = 0
    chunk: list[str] = []
    for area in areas(cells) + [None]:
        if area is not None and len(",".join(chunk + [area])) <= limit:
            chunk.append(area)
            continue
        if chunk:
            calls += _format(sheet.range(",".join(chunk)), look)
        chunk = [area] if area is not None else []
    return calls


def _format(rng, look) -> int:
    """Apply ``look`` to ``rng``; return the number of Excel calls (one per attribute set)."""
    attributes = [look.fill, look.bold, look.color, look.size, look.numfmt, look.wrap]
    if look.fill:
        rng.color = "#" + look.fill
    if look.bold:
        rng.font.bold = True
    if look.color:
        rng.font.color = "#" + look.color
    if look.size:
        rng.font.size = look.size
    if look.numfmt:
        rng.number_format = look.numfmt
    if look.wrap:
        rng.wrap_text = True
    return sum(1 for a in attributes if a)
