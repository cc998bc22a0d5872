"""Read a sheet column by column (fastexcel: Arrow arrays from the calamine core python-calamine
also uses, parsed with the GIL released) instead of one Python object per cell.

Only where that provably gives what the cell-by-cell read gives: every column of the sheet holds
one type of cell (fastexcel's strict mode refuses a column mixing numbers and text, dates and
text, numbers and booleans …), the sheet has no error cells and no merged ranges, its header row
is where the cell-by-cell read looks for it, and each column's type fits its schema kind (see
``_fits``). Anything else returns None and the sheet is read the ordinary way
(workbook/reader.py). The typing rules are workbook/frames.py's: whole columns go through
``typed_datetimes``, ``typed_numbers`` and ``_coerce_plain_text``, any other column through
``_coerce`` cell by cell, exactly as from a grid.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from workbook import schema as S
from workbook.frames import SheetData, _coerce, _coerce_plain_text, parse_rows, typed_datetimes, typed_numbers

# fastexcel warns (per column) when a column holds only blank text; the columns are typed here.
logging.getLogger("fastexcel").setLevel(logging.ERROR)

_UNNAMED = re.compile(r"__UNNAMED__\d+$")
_ALIAS = re.compile(r"(.*)_\d+$")  # fastexcel's name for a repeated header: 工单号_1


def open_book(path):
    """A fastexcel reader for ``path``, or None (then every sheet is read the ordinary way)."""
    try:
        import fastexcel

        return fastexcel.read_excel(str(path))
    except Exception:  # noqa: BLE001 — the ordinary read reports what is wrong with the file
        return None


def load(book, name: str):
    """(column infos, Arrow arrays) of sheet ``name`` when every column holds one type of cell."""
    if book is None:
        return None
    try:
        sheet = book.load_sheet(name, header_row=0, schema_sample_rows=None, dtype_coercion="strict")
        # One RecordBatch: each column one contiguous array. A cell its column's type cannot hold
        # (a date serial out of range: python-calamine gives the number) is a CellError.
        batch, errors = sheet.to_arrow_with_errors()
        if errors is not None and errors.errors:
            return None
        return sheet.available_columns(), [batch.column(j) for j in range(batch.num_columns)]
    except Exception:  # noqa: BLE001 — mixed columns, or anything fastexcel cannot read: the ordinary read
        return None
    except BaseException as exc:  # a Rust panic arrives as a BaseException
        if type(exc).__name__ != "PanicException":
            raise
        return None


def _fits(kind: str, arrow_type) -> bool:
    """Whether a column of ``arrow_type`` gives, for ``kind``, what its cells one by one give.

    A column of dates is read as datetimes where python-calamine gives a date for a midnight date
    cell: the same for date and text columns (shown as YYYY-MM-DD), not for a number column (the
    problem shows the value) or an any-value column (which keeps the value itself).
    """
    import pyarrow as pa

    if pa.types.is_null(arrow_type) or pa.types.is_string(arrow_type):
        return True
    if kind == S.ANY:
        return False
    if pa.types.is_float64(arrow_type) or pa.types.is_boolean(arrow_type):
        return True
    if pa.types.is_timestamp(arrow_type):
        return kind not in S.NUMERIC
    return False


# python-calamine gives a date cell below serial 1 as a time of day and one past year 9999 as its
# number; fastexcel gives both as timestamps. Between these bounds both give the same moment
# (a date for a whole serial, a datetime otherwise). 1904-01-03 is serial 1 and more in either
# date system.
_FIRST_MOMENT = np.datetime64("1904-01-03")
_LAST_MOMENT = np.datetime64("9999-01-01")


def _moments_fit(arr) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    if arr.null_count == len(arr):
        return True
    span = pc.min_max(arr.cast(pa.int64()))  # units since 1970 (as_py fails past year 9999)
    low, high = (np.datetime64(span[k].as_py(), arr.type.unit) for k in ("min", "max"))
    return low >= _FIRST_MOMENT and high < _LAST_MOMENT


def header_of(sheet: S.Sheet, infos) -> list | None:
    """The header row's values as the ordinary read would see them, or None where fastexcel's
    column names cannot say (repeated headers renamed, spaces around a header, added columns)."""
    names = [c.name for c in infos]
    if [c.absolute_index for c in infos] != list(range(len(infos))):
        return None  # the sheet's used area does not start in column A
    header: list = []
    for name in names:
        if _UNNAMED.match(name):
            header.append(None)
            continue
        alias = _ALIAS.match(name)
        if name != name.strip() or (alias and alias.group(1) in names):
            return None
        if sheet.group == S.OUTPUT and name not in sheet.by_header:
            return None  # added columns are kept with their raw values, former ones relaid out
        header.append(name)
    return header


class ArrowColumns:
    """A sheet's body as Arrow arrays, column by column (the interface of frames.GridColumns)."""

    def __init__(self, arrays: list, index: pd.Index):
        self.arrays = arrays
        self.index = index
        self._codes: dict[int, tuple[np.ndarray, list[str]]] = {}

    def _array(self, j: int):
        import pyarrow as pa

        arr = self.arrays[j] if j < len(self.arrays) else None
        return None if arr is None or pa.types.is_null(arr.type) else arr

    def codes(self, j: int) -> tuple[np.ndarray, list[str]]:
        """A text column as factor codes (-1 = blank) and its distinct texts."""
        if j not in self._codes:
            encoded = self.arrays[j].dictionary_encode()
            codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
            self._codes[j] = (codes, encoded.dictionary.to_pylist())
        return self._codes[j]

    def values(self, j: int) -> pd.Series:
        arr = self._array(j)
        cells = [None] * len(self.index) if arr is None else arr.to_pylist()
        return pd.Series(cells, index=self.index, dtype=object)

    def typed(self, sheet: str, col: S.Column, j: int, date1904: bool):
        import pyarrow as pa

        arr = self._array(j)
        kind = col.kind
        if arr is not None:
            if kind in S.TEMPORAL and pa.types.is_timestamp(arr.type):
                moments = arr.to_numpy(zero_copy_only=False).astype("datetime64[us]")
                return typed_datetimes(sheet, col, pd.Series(moments, index=self.index))
            if kind in S.NUMERIC and pa.types.is_float64(arr.type):
                return typed_numbers(sheet, col, self.index, arr.to_numpy(zero_copy_only=False).astype(float))
            if kind not in S.TEMPORAL and kind not in S.NUMERIC and pa.types.is_string(arr.type):
                codes, uniques = self.codes(j)
                return _coerce_plain_text(sheet, col, self.index, codes, uniques, kind in (S.LONGTEXT, S.ANY))
        return _coerce(sheet, col, self.values(j), date1904)

    def nonblank(self, j: int) -> pd.Series:
        import pyarrow as pa

        arr = self._array(j)
        if arr is None:
            filled = np.zeros(len(self.index), dtype=bool)
        elif pa.types.is_string(arr.type):
            codes, uniques = self.codes(j)
            filled = np.array([bool(u.strip()) for u in uniques] + [False], dtype=bool)[codes]
        else:
            filled = arr.is_valid().to_numpy(zero_copy_only=False)
        return pd.Series(filled, index=self.index)

    def extra(self, j: int) -> list | None:
        raise AssertionError("sheets with added columns are read the ordinary way (header_of)")


def blank_rows(arrays: list) -> np.ndarray:
    """Per row: every cell empty or spaces (udfs.values.is_blank), across all the sheet's columns."""
    import pyarrow as pa

    n = len(arrays[0]) if arrays else 0
    blank = np.ones(n, dtype=bool)
    holder = ArrowColumns(arrays, pd.RangeIndex(n))
    for j, arr in enumerate(arrays):
        if pa.types.is_null(arr.type):
            continue
        if pa.types.is_string(arr.type):
            codes, uniques = holder.codes(j)
            blank &= np.array([not u.strip() for u in uniques] + [True], dtype=bool)[codes]
        else:
            blank &= ~arr.is_valid().to_numpy(zero_copy_only=False)
    return blank


def parse_sheet(sheet: S.Sheet, loaded, head: int, end: int | None, blank: np.ndarray,
                date1904: bool) -> SheetData:
    """Parse Excel rows ``head`` (the header) to ``end`` (all when None) of a loaded sheet whose
    first row is its header row ``head``; ``blank`` is ``blank_rows`` of its arrays."""
    infos, arrays = loaded
    header = header_of(sheet, infos)
    body = len(blank) if end is None else max(0, min(len(blank), end - head))
    keep = np.flatnonzero(~blank[:body])
    numbers = head + 1 + np.arange(body)
    blank_runs = numbers[blank[:body]].tolist()
    index = pd.Index(numbers[keep].tolist(), name="行号")  # as parse_grid builds it (empty: object)
    if len(keep) != len(blank):
        import pyarrow as pa

        positions = pa.array(keep, type=pa.int64())
        arrays = [a.take(positions) for a in arrays]
    return parse_rows(sheet, header, index, blank_runs, len(infos), ArrowColumns(arrays, index),
                      merged=[], date1904=date1904, first_row=head)


def eligible(sheet: S.Sheet, loaded) -> np.ndarray | None:
    """``blank_rows`` of a loaded sheet when it can be parsed column by column, else None."""
    infos, arrays = loaded
    if header_of(sheet, infos) is None:
        return None
    import pyarrow as pa

    for info, arr in zip(infos, arrays):
        column = sheet.by_header.get(info.name)
        if column is not None and not _fits(column.kind, arr.type):
            return None
        if column is not None and pa.types.is_timestamp(arr.type) and not _moments_fit(arr):
            return None
    return blank_rows(arrays)
