"""Formula cells the program writes: the formula together with the value it computes.

A ``Formula`` is a cell value like any other in a change set: the file writer stores the formula
with its cached value (so LibreOffice, WPS, Excel without the add-in and macOS Excel show the
right value on open, without recalculating), and the live Excel writer sets the cell's formula.

``text`` is the formula as stored in the file, without the leading "=": structured references are
spelled out (``登记表[[#This Row],[受理时间]]``, not ``[@受理时间]``), which every program reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import unescape

from workbook import schema as S


@dataclass(frozen=True)
class Formula:
    text: str  # e.g. 'CHECK_THRESHOLD(执行检查表[[#This Row],[判定值]],…)', no leading "="
    value: Any = None  # the cached value: str, float, datetime/date, bool or None (blank)

    def __post_init__(self) -> None:
        if self.text.startswith("="):
            raise ValueError("Formula.text is stored without the leading '='")

    @property
    def excel(self) -> str:
        """The formula as typed in Excel's formula bar (what xlwings' ``Range.formula`` takes)."""
        return "=" + self.text


# ---- which cells may hold program formulas ---------------------------------------------------
# Program-owned columns (or row-owned cells) the program writes formulas into. Only these are
# scanned for formulas when a workbook is read; a formula anywhere else is never the program's.
FORMULA_COLUMNS: dict[str, tuple[str, ...]] = {
    S.CHECKLIST.name: ("检查结果", "整改状态"),
    S.INTAKE.name: tuple(f"{stage}时限" for stage in S.SLA_STAGES),
    S.PARAMS.name: ("值",),
}

# The UDFs whose formulas the program writes; a formula calling one of them is the
# program's (staff formulas in program columns are something else, and #19's "a cell holding a
# formula is staff's" applies to them).
PROGRAM_FUNCTIONS = ("CHECK_THRESHOLD", "RECTIFICATION_STATUS", "SLA_DEADLINE", "SLA_SETTINGS")

_THIS_ROW_LONG = re.compile(r"(?:[^\s\[\](),!'\"]+)?\[\[#This Row\],\[([^\]]+)\]\]", re.I)
_THIS_ROW_SHORT = re.compile(r"(?:[^\s\[\](),!'\"]+)?\[@\[?([^\]\[]+)\]?\]")


@lru_cache(maxsize=4096)  # a column's formulas share a few texts: each is normalised once
def canonical(text: str) -> str:
    """A formula's text in one spelling, for comparing what a file or Excel holds with what the
    program would write: no "=", this-row references as [@列] (Excel's Range.Formula gives
    ``[@受理时间]`` where the file holds ``登记表[[#This Row],[受理时间]]``), no spaces."""
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    text = _THIS_ROW_LONG.sub(lambda m: f"[@{m.group(1)}]", text)
    text = _THIS_ROW_SHORT.sub(lambda m: f"[@{m.group(1)}]", text)
    text = text.replace("[#全部]", "[#All]")
    return re.sub(r"\s+", "", text).upper()


_PROGRAM_CALL = re.compile(r"(?:^|[^A-Z0-9_.])(?:" + "|".join(PROGRAM_FUNCTIONS) + r")\(", re.I)


def is_program_formula(text: str | None) -> bool:
    """Whether a cell's formula is one the program writes: it calls one of the program's UDFs
    (possibly inside the IF that gives blank results natively)."""
    return bool(text) and _PROGRAM_CALL.search(text.lstrip("=")) is not None


# ---- reading formulas ---------------------------------------------------------------------------
_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f\b([^>]*?)(/>|>(.*?)</f>)', re.S)
_SHARED_INDEX = re.compile(rb'\bsi="(\d+)"')


def formula_texts(window: bytes, shared: dict):
    """(column letters, Excel row, formula text) of the formula cells in a piece of worksheet XML.

    A shared formula's dependents get the text of the group's first cell (``shared`` carries the
    groups across pieces); the program's formulas use structured references, which read the same
    in every row, so that text is theirs too.
    """
    for m in _FORMULA_CELL.finditer(window):
        attrs, body = m.group(3), m.group(5)
        text = unescape(body.decode("utf-8"), {"&quot;": '"', "&apos;": "'"}) if body else ""
        si = _SHARED_INDEX.search(attrs)
        if si is not None:
            if text:
                shared[si.group(1)] = text
            else:
                text = shared.get(si.group(1), "")
        yield m.group(1), int(m.group(2)), text


def split_program_formulas(data, texts: dict[tuple[int, int], str]) -> set[tuple[int, int]]:
    """Put the program's formulas among ``texts`` ({(row0, col0): text}) into
    ``data.program_formulas``; return their cells (the other formulas are staff's)."""
    ours: set[tuple[int, int]] = set()
    rows = set(data.frame.index)
    for header in FORMULA_COLUMNS.get(data.name, ()):
        j = data.columns.get(header)
        if j is None:
            continue
        found = {r + 1: text for (r, c), text in texts.items()
                 if c == j and r + 1 in rows and is_program_formula(text)}
        if found:
            data.program_formulas[header] = found
            ours |= {(r - 1, j) for r in found}
            # An error cached in one of them (#NAME? saved by Excel without the add-in) is no
            # problem of the data: the next write puts the computed value back.
            data.problems = [p for p in data.problems if not (p.column == header and p.row in found)]
    return ours


def formula_grid(formula) -> list[list]:
    """xlwings' ``Range.formula`` (Excel's Range.Formula as it is: a str for one cell, rows of a
    block as tuples) as a list of rows."""
    if formula is None:
        return []
    if isinstance(formula, str):
        return [[formula]]
    return [list(row) if isinstance(row, (list, tuple)) else [row] for row in formula]


def read_live_formulas(sheet, data) -> None:
    """The program's formulas in a sheet open in Excel: one ``Range.formula`` read per column
    that may hold them (only on sheets that have such columns)."""
    if data.last_row < 2:
        return
    for header in FORMULA_COLUMNS.get(data.name, ()):
        j = data.columns.get(header)
        if j is None:
            continue
        cells = formula_grid(sheet.range((2, j + 1), (data.last_row, j + 1)).formula)
        found = {2 + i: row[0][1:] for i, row in enumerate(cells)
                 if row and isinstance(row[0], str) and row[0].startswith("=") and is_program_formula(row[0])}
        if found:
            data.program_formulas[header] = found


# ---- change sets with formulas -------------------------------------------------------------------
def _may_write(data, header: str, row: int) -> bool:
    """Program columns, and row-owned cells on the rows the program owns; never anything else."""
    col = data.schema.column(header)
    if col.owner == S.PROGRAM:
        return True
    if col.owner == S.ROW:
        frame = data.frame
        return row in frame.index and frame.at[row, col.owner_when[0]] in col.owner_values
    return False


def typed_over(data, header: str) -> set[int]:
    """Rows where staff typed over the program's formula: in a column that holds program formulas,
    a cell holding a value (or a formula of their own) instead. The program never overwrites
    those; a column without program formulas (a workbook from before them, or after
    ``values-only``) has none."""
    from workbook.changes import python_value

    ours = data.program_formulas.get(header)
    if not ours or header not in data.frame:
        return set()
    staff = data.formulas.get(header, frozenset())
    column = data.frame[header]
    return {int(r) for r, v in column.items()
            if r not in ours and (r in staff or python_value(v) is not None) and _may_write(data, header, r)}


def apply_formulas(sc, data, frame, wanted: dict[str, dict[int, str]]) -> None:
    """Turn ``sc`` (a diff of values) into the writes that leave each decided cell holding what the
    step wants: its program formula with the current value cached, or a plain value.

    A cell is rewritten when its value changed, when it lacks the wanted formula (or holds
    another one), and — in a column the step decided — when it holds a program formula the step
    no longer wants (back to a value: 数值 mode, ``values-only``). Staff formulas, values staff
    typed over a program formula (``typed_over``) and cells the program does not own are never
    touched.
    """
    from workbook.changes import python_value

    for header, want in wanted.items():
        if header not in frame.columns or header not in data.columns:
            continue
        current = data.program_formulas.get(header, {})
        staff = data.formulas.get(header, frozenset())
        # A value where the step wants its formula is staff's (steps also leave those rows out of
        # ``want`` and keep their value; this is the last line of defence). Other rows — values
        # the step decided (want[row] None) or ordinary cells of the column — follow the diff.
        typed = {r for r in typed_over(data, header) if want.get(r) is not None}
        cells = {r: v for r, v in sc.cells.get(header, {}).items() if r not in typed}
        for row in sorted(set(want) | set(current)):
            if row not in frame.index or row in typed or not _may_write(data, header, row):
                continue
            if row in staff and data.schema.column(header).owner != S.PROGRAM:
                continue
            text = want.get(row)
            value = python_value(frame.at[row, header])
            if text is not None:
                if row in cells or canonical(current.get(row, "")) != canonical(text):
                    cells[row] = Formula(text, value)
            elif row in current:  # a program formula the step no longer wants: back to a value
                cells[row] = value
        if cells:
            sc.cells[header] = cells
        else:
            sc.cells.pop(header, None)


def changed_calculated(data, wanted: dict[str, str | None]) -> dict[str, str | None]:
    """The calculated-column formulas of ``wanted`` that the sheet's table does not hold yet."""
    layout = data.table
    if layout is None:
        return {}
    out = {}
    for header, text in wanted.items():
        j = data.columns.get(header)
        if j is None:
            continue
        current = layout.calculated.get(j)
        if (text is None) != (current is None) or (text is not None and canonical(text) != canonical(current)):
            out[header] = text
    return out


def appended_formulas(appends: list[dict], labels, wanted: dict[str, dict[int, str]]) -> None:
    """Rows a step appended get their wanted formulas, with the values the step computed."""
    for values, label in zip(appends, labels):
        for header, want in wanted.items():
            text = want.get(int(label))
            if text is not None:
                values[header] = Formula(text, values.get(header))


def this_row(table: str, header: str) -> str:
    """A structured reference to ``header`` in the formula's own row, as stored in a file."""
    escaped = re.sub(r"([\[\]#'])", r"'\1", header)
    return f"{table}[[#This Row],[{escaped}]]"


__all__ = ["FORMULA_COLUMNS", "Formula", "appended_formulas", "apply_formulas", "canonical", "changed_calculated", "formula_grid", "formula_texts",
           "is_program_formula", "read_live_formulas", "split_program_formulas", "this_row", "typed_over"]
