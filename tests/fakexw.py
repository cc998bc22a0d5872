"""A stand-in for the slice of the xlwings API the routines use, backed by an openpyxl workbook.

Microsoft Excel cannot run here, so this behaves like xlwings talking to Excel where it matters:
numbers come back as floats, blanks as None, a 2-D range as a list of lists; writing a string
that starts with "=" makes a formula (as Excel would) and a leading apostrophe makes the rest
literal text; ``Book.caller()`` returns the book set with ``set_mock_caller``. Every call that
would be an Excel round-trip is counted in ``book.app.calls``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter

_caller = None


def set_mock_caller(book: "Book") -> None:
    global _caller
    _caller = book


class App:
    def __init__(self):
        self.status_bar: str | bool = False
        self.status_history: list[str] = []
        self.alerts: list[tuple[str, str]] = []
        self.calls = 0

    def __setattr__(self, key, value):
        if key == "status_bar" and isinstance(value, str):
            self.__dict__.setdefault("status_history", []).append(value)
        super().__setattr__(key, value)

    def alert(self, prompt, title=None, **_kwargs):
        self.alerts.append((title, prompt))


class Book:
    def __init__(self, path):
        self.path = Path(path)
        self.wb = openpyxl.load_workbook(self.path)
        self.app = App()
        self.sheets = Sheets(self)

    @classmethod
    def caller(cls) -> "Book":
        if _caller is None:
            raise RuntimeError("no caller set: use set_mock_caller(book)")
        return _caller

    @property
    def selection(self) -> "Range | None":
        """Like xlwings' Book.selection: the selected cells as a Range (tests choose it with select)."""
        return getattr(self, "_selection", None)

    def select(self, sheet_name: str, first: str, last: str | None = None) -> None:
        self._selection = self.sheets[sheet_name].range(first, last)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def fullname(self) -> str:
        return str(self.path)

    def save(self, path=None) -> None:
        self.wb.save(path or self.path)


class Sheets:
    def __init__(self, book: Book):
        self.book = book

    def __iter__(self):
        return (Sheet(self.book, ws) for ws in self.book.wb.worksheets)

    def __len__(self):
        return len(self.book.wb.worksheets)

    def __getitem__(self, key):
        if isinstance(key, int):
            return Sheet(self.book, self.book.wb.worksheets[key])
        return Sheet(self.book, self.book.wb[key])

    def add(self, name, before=None, after=None):
        self.book.app.calls += 1
        index = len(self.book.wb.worksheets)
        if after is not None:
            index = self.book.wb.worksheets.index(after.ws) + 1
        ws = self.book.wb.create_sheet(name, index)
        return Sheet(self.book, ws)


class Sheet:
    def __init__(self, book: Book, ws):
        self.book, self.ws = book, ws

    @property
    def name(self) -> str:
        return self.ws.title

    @property
    def used_range(self) -> "Range":
        return Range(self, (1, 1), (max(self.ws.max_row, 1), max(self.ws.max_column, 1)))

    def range(self, first, second=None) -> "Range":
        if isinstance(first, str) and "," in first:  # a multi-area address, as Excel's Union
            return MultiRange([self.range(part) for part in first.split(",")])
        a = _cell(first)
        b = _cell(second) if second is not None else None
        if isinstance(first, str) and ":" in first:
            left, right = first.split(":")
            a, b = _cell(left), _cell(right)
        return Range(self, a, b or a)

    def clear(self) -> None:
        self.book.app.calls += 1
        for merged in list(self.ws.merged_cells.ranges):
            self.ws.unmerge_cells(str(merged))
        for row in self.ws.iter_rows():
            for c in row:
                c.value = None

    @property
    def tables(self) -> "Tables":
        return Tables(self)


def _cell(ref):
    if isinstance(ref, tuple):
        return ref
    m = re.match(r"([A-Z]+)(\d+)", ref)
    return int(m.group(2)), column_index_from_string(m.group(1))


class MultiRange:
    """Several areas addressed as one ("A1:B1,D3"): formatting applies to each; one Excel call."""

    def __init__(self, parts):
        object.__setattr__(self, "parts", parts)

    @property
    def font(self):
        self.parts[0].sheet.book.app.calls += 1
        return _MultiFont([Font(p) for p in self.parts])

    def __setattr__(self, key, value):
        for i, part in enumerate(self.parts):
            setattr(part, key, value)
        self.parts[0].sheet.book.app.calls -= len(self.parts) - 1  # one call for the union


class _MultiFont:
    def __init__(self, fonts):
        object.__setattr__(self, "fonts", fonts)

    def __setattr__(self, key, value):
        for font in self.fonts:
            setattr(font, key, value)


class Tables:
    def __init__(self, sheet: Sheet):
        self.sheet = sheet

    def __iter__(self):
        return (Table(self.sheet, name) for name in self.sheet.ws.tables)

    def __getitem__(self, name):
        if name not in self.sheet.ws.tables:
            raise KeyError(name)
        return Table(self.sheet, name)


class Table:
    def __init__(self, sheet: Sheet, name: str):
        self.sheet, self.name = sheet, name

    def resize(self, rng: "Range") -> None:
        self.sheet.book.app.calls += 1
        (r0, c0), (r1, c1) = rng.first, rng.last
        ref = f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"
        table = self.sheet.ws.tables[self.name]
        table.ref = ref
        if table.autoFilter is not None:
            table.autoFilter.ref = ref


class Font:
    def __init__(self, rng):
        self._rng = rng

    def __setattr__(self, key, value):
        if key == "_rng":
            return super().__setattr__(key, value)
        name = {"bold": "b", "color": "color", "size": "sz"}.get(key, key)
        for cell in self._rng._cells():
            font = copy.copy(cell.font)
            setattr(font, name, _colour(value) if key == "color" else value)
            cell.font = font


def _colour(value):
    return value.lstrip("#").upper() if isinstance(value, str) else value


class Range:
    def __init__(self, sheet: Sheet, first, last, ndim=None):
        self.sheet, self.first, self.last, self.ndim = sheet, first, last, ndim

    def options(self, ndim=None, **_kwargs) -> "Range":
        return Range(self.sheet, self.first, self.last, ndim)

    @property
    def row(self) -> int:
        return self.first[0]

    @property
    def column(self) -> int:
        return self.first[1]

    def _cells(self):
        (r0, c0), (r1, c1) = self.first, self.last
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                yield self.sheet.ws.cell(row=r, column=c)

    @property
    def value(self):
        self.sheet.book.app.calls += 1
        (r0, c0), (r1, c1) = self.first, self.last
        rows = []
        for r in range(r0, r1 + 1):
            rows.append([_read(self.sheet.ws.cell(row=r, column=c).value) for c in range(c0, c1 + 1)])
        if self.ndim == 2:
            return rows
        if r0 == r1 and c0 == c1:
            return rows[0][0]
        if r0 == r1:
            return rows[0]
        if c0 == c1:
            return [r[0] for r in rows]
        return rows

    @property
    def formula(self):
        """Like Excel's Range.Formula: formulas as "=…" text, constants as they are."""
        self.sheet.book.app.calls += 1
        (r0, c0), (r1, c1) = self.first, self.last
        return [[_formula(self.sheet.ws.cell(row=r, column=c)) for c in range(c0, c1 + 1)]
                for r in range(r0, r1 + 1)]

    @value.setter
    def value(self, data):
        self.sheet.book.app.calls += 1
        r0, c0 = self.first
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [list(data)]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                _write(self.sheet.ws.cell(row=r0 + i, column=c0 + j), v)

    def clear_contents(self) -> None:
        self.sheet.book.app.calls += 1
        for cell in self._cells():
            cell.value = None

    @property
    def font(self) -> Font:
        self.sheet.book.app.calls += 1
        return Font(self)

    def __setattr__(self, key, value):
        if key in ("color", "number_format", "wrap_text", "column_width"):
            self.sheet.book.app.calls += 1
            for cell in self._cells():
                if key == "color":
                    cell.fill = openpyxl.styles.PatternFill("solid", fgColor=_colour(value))
                elif key == "number_format":
                    cell.number_format = value
                elif key == "wrap_text":
                    alignment = copy.copy(cell.alignment)
                    alignment.wrap_text = value
                    cell.alignment = alignment
            if key == "column_width":
                self.sheet.ws.column_dimensions[get_column_letter(self.first[1])].width = value
            return
        super().__setattr__(key, value)

    def merge(self) -> None:
        self.sheet.book.app.calls += 1
        (r0, c0), (r1, c1) = self.first, self.last
        self.sheet.ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)


def _formula(cell):
    if cell.value is None:
        return ""
    return cell.value if cell.data_type == "f" else str(cell.value)


def _read(value):
    """What xlwings hands back for a cell value: floats for numbers, None for blanks."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if value == "":
        return None
    return value


def _write(cell, value):
    """What Excel does with a value assigned through COM."""
    if isinstance(value, str) and value.startswith("'"):
        cell.value = value[1:]
        cell.data_type = "s"
        cell.quotePrefix = True
        return
    if isinstance(value, (dt.datetime, dt.date)) and cell.number_format == "General":
        cell.number_format = "yyyy-mm-dd hh:mm"
    cell.value = value  # a string starting with "=" becomes a formula, as in Excel
