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
    """``udfs=True``: Excel on Windows with the add-in loaded — formulas calling the UDFs calculate
    as soon as they are written (automatic calculation) and are saved with their values;
    ``udfs=False``: Excel without them (macOS) — such a formula shows #NAME?."""

    def __init__(self, path, udfs: bool = True):
        self.path = Path(path)
        self.wb = openpyxl.load_workbook(self.path)
        self.calculated = {}
        self._cached = None
        self.udfs = udfs
        self._calculation = None
        self._written: set = set()  # cells written since the last calculation
        self.app = App()
        self.sheets = Sheets(self)

    def calculation(self) -> "Calculation":
        if self._calculation is None:
            import udfs

            self._calculation = Calculation(self, udfs)
        return self._calculation

    def calculate_pending(self) -> None:
        """Excel's automatic calculation after writes: new UDF formulas and their dependents."""
        if not self._written:
            return
        written, self._written = self._written, set()
        calc = self.calculation()
        new = set()
        for key in written:
            title, row, col = key
            cell = self.wb[title].cell(row=row, column=col)
            if cell.data_type == "f" and calc._ours(cell.value):
                calc.formulas[key] = cell.value
                calc._parsed.pop(key, None)
                new.add(key)
            else:
                calc.formulas.pop(key, None)
                self.calculated.pop(key, None)
        if not self.udfs:
            for key in new:
                self.calculated[key] = "#NAME?"
            return
        calc.recalculate(new | calc.dependents(written))

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
        """Save as Excel does: formulas with the values they calculated."""
        self.calculate_pending()
        target = Path(path or self.path)
        self.wb.save(target)
        if self.calculated:
            _store_calculated(target, self.calculated)

    # ---- what Excel shows in a formula cell -----------------------------------------------
    calculated: dict  # (sheet title, row, col) → value of a formula cell Excel (re)calculated

    def cell_value(self, ws, row: int, col: int):
        """The value Excel holds for a cell: a formula cell's calculated (or cached) value."""
        cell = ws.cell(row=row, column=col)
        if cell.data_type != "f":
            return _read(cell.value)
        self.calculate_pending()
        key = (ws.title, row, col)
        if key in self.calculated:
            return _read(self.calculated[key])
        cached = self.cached_value(ws.title, row, col)
        # A formula this stand-in neither calculated nor found a stored value for (one openpyxl
        # wrote) reads as its text: not blank, as Excel's calculated value would not be.
        return _read(cell.value if cached is None else cached)

    def cached_value(self, title: str, row: int, col: int):
        """The value stored with a formula in the file (what Excel shows before recalculating)."""
        if self._cached is None:
            self._cached = openpyxl.load_workbook(self.path, data_only=True)
        return self._cached[title].cell(row=row, column=col).value


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
    def address(self) -> str:
        (r0, c0), (r1, c1) = self.first, self.last
        a, b = f"${get_column_letter(c0)}${r0}", f"${get_column_letter(c1)}${r1}"
        return a if a == b else f"{a}:{b}"

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
            rows.append([self.sheet.book.cell_value(self.sheet.ws, r, c) for c in range(c0, c1 + 1)])
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
        """Like Excel's Range.Formula, which xlwings returns as it is: formulas as "=…" text,
        constants as text ("" for blank); one cell's as a str, a block's as a tuple of row tuples
        (``options()`` does not apply to it)."""
        self.sheet.book.app.calls += 1
        (r0, c0), (r1, c1) = self.first, self.last
        rows = tuple(tuple(_formula(self.sheet.ws.cell(row=r, column=c)) for c in range(c0, c1 + 1))
                     for r in range(r0, r1 + 1))
        return rows[0][0] if r0 == r1 and c0 == c1 else rows

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
                self.sheet.book._written.add((self.sheet.ws.title, r0 + i, c0 + j))

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


_ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!")


def _store_calculated(path: Path, values: dict) -> None:
    """Put calculated values into the formula cells openpyxl saved without one (as Excel saves)."""
    import zipfile
    from xml.sax.saxutils import escape

    from workbook.xlsxpatch import Package, to_serial

    pkg = Package(path)
    parts = {name: entry.part for name, entry in pkg.sheets.items()}
    pkg.close()
    by_part: dict[str, dict[str, object]] = {}
    for (title, row, col), value in values.items():
        by_part.setdefault(parts[title], {})[f"{get_column_letter(col)}{row}"] = value
    with zipfile.ZipFile(path) as z:
        members = {info.filename: z.read(info.filename) for info in z.infolist()}
    cell_re = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*)><f>(.*?)</f>(?:<v>[^<]*</v>|<v/>)?</c>', re.S)
    for part, cells in by_part.items():
        def fill(m):
            ref = m.group(1).decode()
            if ref not in cells:
                return m.group()
            value = cells[ref]
            attrs = re.sub(rb'\s*\bt="[^"]*"', b"", m.group(2))
            if value is None:
                return b'<c r="%s"%s t="str"><f>%s</f><v></v></c>' % (m.group(1), attrs, m.group(3))
            if isinstance(value, bool):
                return b'<c r="%s"%s t="b"><f>%s</f><v>%d</v></c>' % (m.group(1), attrs, m.group(3), value)
            if isinstance(value, (dt.date, dt.datetime)):
                value = to_serial(value, False)
            if isinstance(value, (int, float)):
                return b'<c r="%s"%s><f>%s</f><v>%s</v></c>' % (m.group(1), attrs, m.group(3), repr(float(value)).encode())
            if value in _ERRORS:  # an error value, stored as Excel stores one
                return b'<c r="%s"%s t="e"><f>%s</f><v>%s</v></c>' % (m.group(1), attrs, m.group(3), value.encode())
            return b'<c r="%s"%s t="str"><f>%s</f><v>%s</v></c>' % (m.group(1), attrs, m.group(3),
                                                                  escape(str(value)).encode())
        members[part] = cell_re.sub(fill, members[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


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


# ============================================================================================
# Excel's recalculation of UDF formulas, as xlwings runs them
# ============================================================================================
# Excel calls a UDF for each formula cell it recalculates; xlwings' call_udf then converts each
# argument: a range argument is read with one COM call (its cells cross the process boundary)
# unless the UDF declares it ``"range"``, which hands over the Range object unread. This stand-in
# recalculates the cells Excel would (the dependents of what changed, precedents first) and counts
# UDF calls, range reads and cells moved. It understands the formulas the program writes:
# FUNC(arg, …) whose arguments are text/number literals, structured references
# (T[[#This Row],[列]], T[#All], T[列]), defined names and A1 references such as 系统参数!$B$18.

import ast as _ast
import inspect as _inspect
import time as _time
from dataclasses import dataclass as _dataclass, field as _field

_FUNCTION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\((.*)\)\s*$", re.S)
_THIS_ROW = re.compile(r"^(.+?)\[\[#This Row\],\[(.+)\]\]$")
_TABLE_ALL = re.compile(r"^(.+?)\[#(?:All|全部)\]$")
_TABLE_COLUMN = re.compile(r"^(.+?)\[([^\[\]#]+)\]$")
_A1 = re.compile(r"^(?:'?([^'!]+)'?!)?\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def udf_arguments(function) -> list[tuple[str, dict]]:
    """(parameter, xlwings options) in order, read from the ``@xw.arg`` decorators in the source.

    Off Windows the decorators leave no metadata, so this reads what xlwings would record.
    """
    tree = _ast.parse(_inspect.getsource(function).lstrip())
    node = tree.body[0]
    options: dict[str, dict] = {}
    for deco in node.decorator_list:
        if isinstance(deco, _ast.Call) and getattr(deco.func, "attr", None) == "arg":
            name = deco.args[0].value
            opts = {k.arg: _ast.literal_eval(k.value) for k in deco.keywords if k.arg != "doc"}
            if len(deco.args) > 1:
                opts["convert"] = _ast.literal_eval(deco.args[1])
            options[name] = opts
    params = [p for p in _inspect.signature(function).parameters]
    return [(p, options.get(p, {})) for p in params]


def _split_arguments(text: str) -> list[str]:
    out, depth, quoted, current = [], 0, False, ""
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "([":
            depth += 1
        elif not quoted and ch in ")]":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            out.append(current.strip())
            current = ""
            continue
        current += ch
    out.append(current.strip())
    return out


@_dataclass
class CalcStats:
    """What one recalculation cost: the figures docs/addin.md reports."""

    udf_calls: dict = _field(default_factory=dict)  # function → calls
    range_reads: int = 0  # COM reads of range arguments (xlwings' conversion of each argument)
    cells_moved: int = 0  # cells those reads carried from Excel to Python
    text_chars_moved: int = 0  # characters of text among them
    seconds: float = 0.0  # Python time of the UDF calls (COM latency not included)

    @property
    def calls(self) -> int:
        return sum(self.udf_calls.values())


class Calculation:
    """Recalculate a stand-in book's UDF formula cells the way Excel + xlwings would."""

    def __init__(self, book: Book, module):
        self.book = book
        self.wb = book.wb
        self.functions = {name.upper(): getattr(module, name) for name in module.__all__}
        self.arguments = {name: udf_arguments(f) for name, f in self.functions.items()}
        self.tables = {}
        for ws in self.wb.worksheets:
            for name in list(ws.tables):
                self.tables[name] = (ws, ws.tables[name])
        self._inside_cache: dict = {}
        self._parsed: dict = {}
        self.formulas: dict[tuple, str] = {}  # (title, row, col) → formula text
        for ws in self.wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f" and self._ours(cell.value):
                        self.formulas[(ws.title, cell.row, cell.column)] = cell.value

    def _ours(self, text) -> bool:
        m = _FUNCTION.match(_unguarded(str(text).lstrip("="))[0])
        return bool(m and m.group(1).upper() in self.functions)

    # ---- references --------------------------------------------------------------------
    def _table_box(self, name: str, header: str | None, row: int | None):
        ws, table = self.tables[name]
        (c0, r0), (c1, r1) = _bounds(table.ref)
        if header is None:
            return ws.title, r0, c0, r1, c1
        headers = [ws.cell(row=r0, column=c).value for c in range(c0, c1 + 1)]
        col = c0 + headers.index(header)
        if row is None:
            return ws.title, r0 + 1, col, r1, col
        return ws.title, row, col, row, col

    def _box(self, ref: str, row: int, title: str):
        m = _THIS_ROW.match(ref)
        if m:
            return self._table_box(m.group(1), m.group(2), row)
        m = _TABLE_ALL.match(ref)
        if m:
            return self._table_box(m.group(1), None, None)
        m = _TABLE_COLUMN.match(ref)
        if m and m.group(1) in self.tables:
            return self._table_box(m.group(1), m.group(2), None)
        if ref in self.wb.defined_names:
            ref = self.wb.defined_names[ref].attr_text
        m = _A1.match(ref)
        if not m:
            raise ValueError(f"reference not understood by the stand-in: {ref!r}")
        sheet = m.group(1) or title
        c0, r0 = column_index_from_string(m.group(2)), int(m.group(3))
        c1, r1 = (column_index_from_string(m.group(4)), int(m.group(5))) if m.group(4) else (c0, r0)
        return sheet, r0, c0, r1, c1

    def parse(self, key):
        """(function name, [("literal", v) | ("box", box)]) of a formula cell."""
        if key not in self._parsed:
            self._parsed[key] = self._parse(key)
        return self._parsed[key]

    def _parse(self, key):
        """(function, [("literal", v) | ("box", box)], guard) — guard: the native IF around the
        call, (box, "=" | "<>", text) meaning "blank when the cell compares so", else None."""
        title, row, _col = key
        text, guard = _unguarded(self.formulas[key].lstrip("="))
        if guard is not None:
            ref, op, literal = guard
            guard = (self._box(ref, row, title), op, literal)
        m = _FUNCTION.match(text)
        args = []
        for arg in _split_arguments(m.group(2)) if m.group(2).strip() else []:
            if arg.startswith('"') and arg.endswith('"'):
                args.append(("literal", arg[1:-1].replace('""', '"')))
            elif re.fullmatch(r"-?\d+(\.\d+)?", arg):
                args.append(("literal", float(arg)))
            elif arg == "":
                args.append(("literal", None))
            else:
                args.append(("box", self._box(arg, row, title)))
        return m.group(1).upper(), args, guard

    # ---- dependencies --------------------------------------------------------------------
    def dependents(self, changed: set[tuple]) -> set[tuple]:
        """Formula cells Excel marks dirty when ``changed`` cells change (transitively)."""
        parsed = {key: self.parse(key) for key in self.formulas}
        dirty: set[tuple] = set()
        frontier = set(changed)
        while frontier:
            found = set()
            for key, entry in parsed.items():
                if key in dirty:
                    continue
                if any(_touches(box, frontier) for box in _boxes(entry)):
                    found.add(key)
            dirty |= found
            frontier = found
        return dirty

    def _formulas_in(self, box) -> list[tuple]:
        """Formula cells inside ``box`` (cached per box: a table range is shared by every row)."""
        if box[1] == box[3] and box[2] == box[4]:
            key = (box[0], box[1], box[2])
            return [key] if key in self.formulas else []
        if box not in self._inside_cache:
            self._inside_cache[box] = [k for k in self.formulas if _inside(k, box)]
        return self._inside_cache[box]

    def _level(self, key, parsed, memo) -> int:
        """0 for a formula over constants; 1 + its formula precedents' level otherwise."""
        if key in memo:
            return memo[key]
        memo[key] = 0  # a circular reference would stop here
        entry = parsed.get(key) or self.parse(key)
        level = 0
        for box in _boxes(entry):
            for other in self._formulas_in(box):
                if other != key:
                    level = max(level, self._level(other, parsed, memo) + 1)
        memo[key] = level
        return level

    # ---- evaluation ------------------------------------------------------------------------
    def recalculate(self, cells: set[tuple] | None = None) -> CalcStats:
        """Recalculate ``cells`` (default: every formula, Ctrl+Alt+F9), precedents first."""
        keys = set(self.formulas) if cells is None else set(cells)
        self._inside_cache = {}
        parsed = {key: self.parse(key) for key in keys}
        memo: dict = {}
        order = sorted(keys, key=lambda k: (self._level(k, parsed, memo), k))
        stats = CalcStats()
        for key in order:
            self._evaluate(key, parsed[key], stats)
        return stats

    def _evaluate(self, key, entry, stats: CalcStats) -> None:
        name, args, guard = entry
        if guard is not None:  # Excel evaluates IF natively; the UDF runs only on the other branch
            (sheet, r0, c0, _r1, _c1), op, literal = guard
            shown = self.book.cell_value(self.wb[sheet], r0, c0)
            shown = "" if shown is None else str(shown)
            if shown in _ERRORS:  # comparing an error value gives that error
                self.book.calculated[key] = shown
                return
            if (shown == literal) == (op == "="):
                self.book.calculated[key] = None
                return
        if not self.book.udfs:  # Excel without the add-in: the function does not exist
            self.book.calculated[key] = "#NAME?"
            return
        function = self.functions[name]
        params = self.arguments[name]
        values = []
        for i, (kind, item) in enumerate(args):
            _param, options = params[min(i, len(params) - 1)]
            if kind == "literal":
                values.append([[item]] if options.get("ndim") == 2 else item)
                continue
            sheet, r0, c0, r1, c1 = item
            rng = Range(Sheet(self.book, self.wb[sheet]), (r0, c0), (r1, c1))
            if options.get("convert") == "range":
                values.append(rng)  # the Range object, unread
                continue
            calls = self.book.app.calls
            value = rng.options(ndim=options.get("ndim")).value
            self.book.app.calls = calls  # counted below as a range read, not as a routine call
            stats.range_reads += 1
            stats.cells_moved += (r1 - r0 + 1) * (c1 - c0 + 1)
            stats.text_chars_moved += sum(len(v) for v in _flat(value) if isinstance(v, str))
            values.append(value)
        clock = _time.perf_counter()
        result = function(*values)
        stats.seconds += _time.perf_counter() - clock
        stats.udf_calls[name] = stats.udf_calls.get(name, 0) + 1
        while isinstance(result, list):  # a single cell's [[v]]
            result = result[0][0] if result and isinstance(result[0], list) else (result[0] if result else None)
        self.book.calculated[key] = result

    def value(self, key):
        title, row, col = key
        return self.book.cell_value(self.wb[title], row, col)

    # ---- what staff do ---------------------------------------------------------------------
    def type_row(self, table_name: str, values: dict) -> tuple[int, CalcStats]:
        """Type a new row under a table: the table grows, its calculated columns fill in (as
        Excel does), and the new row's formulas calculate. Returns (row, stats)."""
        ws, table = self.tables[table_name]
        (c0, r0), (c1, r1) = _bounds(table.ref)
        row = r1 + 1
        headers = [ws.cell(row=r0, column=c).value for c in range(c0, c1 + 1)]
        for header, value in values.items():
            ws.cell(row=row, column=c0 + headers.index(header)).value = value
        table.ref = f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
        self._parsed = {}  # table ranges moved
        new = set()
        for i, column in enumerate(table.tableColumns):
            formula = column.calculatedColumnFormula
            if formula is not None:
                text = formula.attr_text if hasattr(formula, "attr_text") else str(formula)
                ws.cell(row=row, column=c0 + i).value = "=" + text
                self.formulas[(ws.title, row, c0 + i)] = "=" + text
                new.add((ws.title, row, c0 + i))
        changed = {(ws.title, row, c0 + headers.index(h)) for h in values}
        return row, self.recalculate(new | self.dependents(changed))

    def edit(self, sheet: str, row: int, header_or_col, value) -> CalcStats:
        """Staff edit one cell; Excel recalculates its dependents."""
        ws = self.wb[sheet]
        col = header_or_col
        if isinstance(col, str):
            col = [c.value for c in ws[1]].index(col) + 1
        ws.cell(row=row, column=col).value = value
        return self.recalculate(self.dependents({(sheet, row, col)}))


_GUARD = re.compile(r'^IF\((.+?)(<>|=)"([^"]*)","",(.+)\)$', re.S)


def _unguarded(text: str):
    """(the UDF call, guard) of ``IF(ref="x","",CALL(…))`` / ``IF(ref<>"x","",CALL(…))``; else (text, None)."""
    m = _GUARD.match(text.strip())
    if not m:
        return text, None
    return m.group(4), (m.group(1), m.group(2), m.group(3))


def _boxes(entry):
    """The ranges a parsed formula reads (its precedents)."""
    _name, args, guard = entry
    out = [box for kind, box in args if kind == "box"]
    if guard is not None:
        out.append(guard[0])
    return out


def _bounds(ref: str):
    a, b = ref.split(":")
    ma, mb = re.match(r"([A-Z]+)(\d+)", a), re.match(r"([A-Z]+)(\d+)", b)
    return ((column_index_from_string(ma.group(1)), int(ma.group(2))),
            (column_index_from_string(mb.group(1)), int(mb.group(2))))


def _touches(box, cells) -> bool:
    return any(_inside(cell, box) for cell in cells)


def _inside(cell, box) -> bool:
    title, row, col = cell
    sheet, r0, c0, r1, c1 = box
    return title == sheet and r0 <= row <= r1 and c0 <= col <= c1


def _flat(value):
    if isinstance(value, list):
        for v in value:
            yield from _flat(v)
    else:
        yield value
