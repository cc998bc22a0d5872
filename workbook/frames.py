"""Turn a sheet's raw grid (rows of cell values) into a typed DataFrame plus per-cell problems.

The same parser serves every source: python-calamine on a file, xlwings on a live workbook, or a
grid built in a test. Bad values never stop the parse: each becomes a ``Problem`` naming sheet,
row, column, value and reason, and the typed cell is left empty (NaT/NaN/None).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from udfs.values import NotANumber, as_share, excel_serial_to_datetime, is_blank, number_text
from workbook import schema as S
from workbook.problems import ERROR, NOTICE, WARNING, Problem

EXCEL_ERRORS = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"}
)
EARLIEST = dt.datetime(1990, 1, 1)
LATEST = dt.datetime(2100, 1, 1)


class ExcelError(str):
    """An error value (#N/A, #DIV/0! …) read from an error cell, unlike the same text typed."""


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})(?:日\s*|日?[ T]+)(\d{1,2})[:：时](\d{1,2})"
               r"(?:[:：分](\d{1,2})(?:\.\d+)?秒?|分)?$"),
)


@dataclass
class SheetData:
    """One sheet as read: typed frame (index = Excel row number) and what was wrong with it."""

    schema: S.Sheet
    frame: pd.DataFrame
    columns: dict[str, int]  # header → 0-based column index in the sheet
    nonblank: dict[str, pd.Series]  # fill/request/row columns: did the cell hold anything?
    last_row: int  # last Excel row with content (1 = header only)
    width: int  # number of columns in the sheet's used area
    problems: list[Problem] = field(default_factory=list)
    missing_headers: list[str] = field(default_factory=list)
    # Output sheets laid out by an earlier version (other headers): read for what people own on
    # them, then laid out afresh when rebuilt (workbook/relayout.py). The schema's columns the
    # sheet lacks are blank in ``frame``.
    relayout: bool = False
    # Output sheets: columns people added (header → 0-based index) and their raw values, so a
    # rebuild can keep them with their rows (workbook/carry.py).
    extra_columns: dict[str, int] = field(default_factory=dict)
    extras: pd.DataFrame | None = None
    # Excel rows whose cell holds a formula, per declared header (file reads; see reader.py).
    formulas: dict[str, frozenset[int]] = field(default_factory=dict)
    table: object = None  # reader.TableLayout of the sheet's Excel table, when the file has one
    outside_rows: list[int] = field(default_factory=list)  # rows with content outside the table
    # The program's own formulas (workbook.formulas: a call to one of its UDFs in a column of
    # FORMULA_COLUMNS): header → {Excel row: formula text}. These rows are not in ``formulas``
    # (staff's); the frame holds the cells' cached values.
    program_formulas: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.schema.name

    def column_index(self, header: str) -> int:
        """0-based sheet column of a declared header, or of a column people added."""
        if header in self.columns:
            return self.columns[header]
        return self.extra_columns[header]

    def bad_rows(self, header: str) -> set[int]:
        """Excel rows whose ``header`` cell had an error-level problem."""
        return {p.row for p in self.problems if p.column == header and p.level == ERROR}


def parse_datetime_text(text: str) -> dt.datetime | None:
    """Parse the date spellings staff type: 2026-03-01, 2026/3/1 9:30, 2026年3月1日 …"""
    text = text.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            parts = [int(g) if g else 0 for g in m.groups()]
            try:
                return dt.datetime(*parts)
            except ValueError:
                return None
    return None


def parse_grid(
    sheet: S.Sheet,
    grid: list[list],
    *,
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None,
    date1904: bool = False,
    first_row: int = 1,
) -> SheetData:
    """Parse ``grid`` (row 0 = the header row, at Excel row ``first_row``) against ``sheet``."""
    header = grid[0] if grid else []
    body = grid[1:]
    numbers, rows = [], []
    blank_runs: list[int] = []
    for i, row in enumerate(body):
        if not any(row) and all(is_blank(v) for v in row):
            blank_runs.append(first_row + 1 + i)
            continue
        numbers.append(first_row + 1 + i)
        rows.append(row)
    width = max((len(r) for r in grid), default=0)
    raw = pd.DataFrame(rows, index=pd.Index(numbers, name="行号"), dtype=object)
    return parse_rows(sheet, header, raw.index, blank_runs, width, GridColumns(raw), merged=merged,
                      date1904=date1904, first_row=first_row)


class GridColumns:
    """A sheet's body as Python cell values (one object per cell), column by column."""

    def __init__(self, raw: pd.DataFrame):
        self.raw = raw

    def values(self, j: int) -> pd.Series:
        raw = self.raw
        if j in raw.columns:
            return raw[j]
        return pd.Series([None] * len(raw), index=raw.index, dtype=object)

    def typed(self, sheet: str, col: S.Column, j: int, date1904: bool):
        """(typed Series, problems) for the cells of sheet column ``j`` read as ``col``."""
        return _coerce(sheet, col, self.values(j), date1904)

    def nonblank(self, j: int) -> pd.Series:
        values = self.values(j)
        return pd.Series(np.fromiter((not (v is None or v == "" or (v.__class__ is str and not v.strip()))
                                      for v in values.tolist()), dtype=bool, count=len(values)),
                         index=values.index)

    def extra(self, j: int) -> list | None:
        """The raw values of a column people added (blanks as None)."""
        raw = self.raw
        return [None if is_blank(v) else v for v in raw[j].tolist()] if j in raw.columns else None


def parse_rows(sheet: S.Sheet, header: list, index: pd.Index, blank_runs: list[int], width: int, source,
               *, merged=None, date1904: bool = False, first_row: int = 1) -> SheetData:
    """Type a sheet's body against ``sheet``: ``header`` is the header row's values (at Excel row
    ``first_row``), ``index`` the Excel rows read (blank rows left out, listed in ``blank_runs``) and
    ``source`` gives their cells column by column (GridColumns, or workbook.columnar's Arrow
    columns: the same rules, applied to whole columns)."""
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for j, value in enumerate(header):
        text = str(value).strip() if not is_blank(value) else ""
        if text in sheet.by_header:
            if text in columns:
                problems.append(Problem(sheet.name, first_row, text, text,
                                        "表头重复 — 请删除或改名其中一列", ERROR))
                continue
            columns[text] = j
    missing = [c.header for c in sheet.columns if c.header not in columns and not c.optional]
    extra_columns: dict[str, int] = {}
    relayout = False
    if sheet.group == S.OUTPUT:
        for j, value in enumerate(header):
            text = str(value).strip() if not is_blank(value) else ""
            if text in sheet.former_headers:
                relayout = True  # a column an earlier version wrote: not one people added
            elif text and text not in sheet.by_header and text not in extra_columns:
                extra_columns[text] = j
        relayout = relayout or bool(missing)
        missing = []  # the program owns the layout: the next rebuild writes this version's

    last_row = int(index[-1]) if len(index) else first_row
    interior_blanks = [r for r in blank_runs if r < last_row]
    if interior_blanks:
        problems.append(Problem(sheet.name, interior_blanks[0], None, None,
                                f"空行已跳过（{_ranges(interior_blanks)}）", NOTICE))

    frame = pd.DataFrame(index=index)
    nonblank: dict[str, pd.Series] = {}
    for col in sheet.columns:
        if col.header not in columns:
            continue
        j = columns[col.header]
        typed, found = source.typed(sheet.name, col, j, date1904)
        frame[col.header] = typed
        problems += found
        if col.owner in (S.FILL, S.REQUEST, S.ROW):
            nonblank[col.header] = source.nonblank(j)

    if relayout:
        for col in sheet.columns:
            if col.header not in frame.columns:
                frame[col.header] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        frame = frame[sheet.headers]
    extras = None
    if extra_columns:
        extras = pd.DataFrame({h: source.extra(j) for h, j in extra_columns.items()},
                              index=index, dtype=object)
    problems += _merged_problems(sheet, merged or [], first_row, last_row)
    problems += _duplicate_keys(sheet, frame)
    problems += _time_order(sheet, frame)
    if relayout:  # what the earlier version wrote is replaced, not checked against today's rules
        staff = {c.header for c in sheet.owned_by(S.STAFF)}
        problems = [p for p in problems if p.column in staff or (p.column is None and p.row != first_row)]
    return SheetData(sheet, frame, columns, nonblank, last_row, width, problems, missing,
                     relayout, extra_columns, extras)


def _ranges(rows: list[int]) -> str:
    out, start, prev = [], rows[0], rows[0]
    for r in rows[1:] + [None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        out.append(f"第{start}行" if start == prev else f"第{start}–{prev}行")
        if r is not None:
            start = prev = r
        if len(out) >= 10:
            out.append("…")
            break
    return "、".join(out)


def _coerce(sheet: str, col: S.Column, values: pd.Series, date1904: bool):
    kind = col.kind
    if kind in S.TEMPORAL:
        return _coerce_datetime(sheet, col, values, date1904)
    if kind in S.NUMERIC:
        return _coerce_number(sheet, col, values)
    return _coerce_text(sheet, col, values)


def _problem(sheet, row, col, value, reason, level=ERROR) -> Problem:
    return Problem(sheet, int(row), col.header, value, reason, level)


def _required(sheet, col, row, found) -> None:
    if col.required:
        found.append(_problem(sheet, row, col, None, "必填项为空"))


def _coerce_text(sheet: str, col: S.Column, values: pd.Series):
    """Text columns: strings stripped (long text kept as typed), blanks → None, one tight loop."""
    found: list[Problem] = []
    vals = values.tolist()
    keep_as_typed = col.kind in (S.LONGTEXT, S.ANY)
    if len(vals) > FACTORISE_FROM:
        codes, uniques = pd.factorize(np.asarray(vals, dtype=object))
        # Plain text only: NaN/None are code -1; a number, date or boolean shows as a non-str
        # unique (it never equals a str); an error cell (ExcelError, a str subclass that equals
        # its code typed as text) is ruled out with every text starting "#".
        if all(u.__class__ is str and not u.startswith("#") for u in uniques):
            return _coerce_plain_text(sheet, col, values.index, codes, uniques, keep_as_typed)
    out: list = [None] * len(vals)
    odd: list[int] = []  # positions holding numbers, dates, booleans…
    for i, v in enumerate(vals):
        if v.__class__ is str:
            t = v.strip()
            if t:
                out[i] = v if keep_as_typed else t
        elif v is not None and not (v.__class__ is float and v != v):
            odd.append(i)  # including ExcelError, a str subclass
    rows = values.index
    for i in odd:
        value = vals[i]
        if isinstance(value, ExcelError):
            found.append(_problem(sheet, rows[i], col, value, "单元格为错误值 — 请检查公式或改为文字"))
            continue
        if col.kind == S.ANY:
            out[i] = value
            continue
        if col.kind == S.PHONE and isinstance(value, (int, float)):
            found.append(_problem(sheet, rows[i], col, value,
                                  "电话号码被存为数字，开头的0可能已丢失 — 请把该列设为文本后重新输入", WARNING))
        out[i] = _as_text(value)
    if col.required:
        found += [_problem(sheet, rows[i], col, None, "必填项为空") for i, t in enumerate(out) if t is None]
    if col.kind != S.ANY:
        if col.kind == S.CHOICE and col.choices:
            allowed = set(col.choices)
            for i in [i for i, t in enumerate(out) if t is not None and t not in allowed]:
                found.append(_problem(sheet, rows[i], col, out[i], "不在可选值中 — 可选：" + "、".join(col.choices)))
                out[i] = None
    return pd.Series(out, index=rows, dtype=object), found


FACTORISE_FROM = 256  # rows; below this the plain loop is as fast


def _coerce_plain_text(sheet: str, col: S.Column, rows: pd.Index, codes: np.ndarray, uniques,
                       keep_as_typed: bool):
    """``_coerce_text`` for a column holding only text and blanks (the usual case): the same
    rules applied once per distinct value (a column of 100,000 cells often has a few hundred),
    then spread back to the rows by the factor codes."""
    texts: list = []
    for value in uniques:
        t = value.strip()
        texts.append((value if keep_as_typed else t) if t else None)
    texts.append(None)  # code -1: None
    table = np.empty(len(texts), dtype=object)
    table[:] = texts
    out = table[codes]
    found: list[Problem] = []
    if col.required:
        blank = np.array([t is None for t in texts], dtype=bool)[codes]
        found += [_problem(sheet, rows[i], col, None, "必填项为空") for i in np.flatnonzero(blank)]
    if col.kind == S.CHOICE and col.choices:
        allowed = set(col.choices)
        stray = np.array([t is not None and t not in allowed for t in texts], dtype=bool)[codes]
        for i in np.flatnonzero(stray):
            found.append(_problem(sheet, rows[i], col, out[i], "不在可选值中 — 可选：" + "、".join(col.choices)))
        out[stray] = None
    return pd.Series(out, index=rows, dtype=object), found


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if (value.hour or value.minute) else "%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _coerce_datetime(sheet: str, col: S.Column, values: pd.Series, date1904: bool):
    found: list[Problem] = []
    what = "日期" if col.kind == S.DATE else "日期时间"
    example = "YYYY-MM-DD" if col.kind == S.DATE else "YYYY-MM-DD HH:MM"
    vals = values.tolist()
    # 0 = a date or datetime (the usual case), 1 = blank, 2 = anything else (checked one by one)
    kind = np.fromiter((0 if (v.__class__ is dt.datetime or v.__class__ is dt.date) else
                        1 if (v is None or v == "") else 2 for v in vals), dtype=np.int8, count=len(vals))
    fast = kind == 0
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if fast.any():
        out[fast] = pd.to_datetime(values[fast].astype(object), errors="coerce")
    if col.required:
        for row in values.index[kind == 1]:
            _required(sheet, col, row, found)
    for row, value in values[kind == 2].items():
        if is_blank(value):
            _required(sheet, col, row, found)
            continue
        parsed = None
        if isinstance(value, bool):
            parsed = None
        elif isinstance(value, (int, float)):
            if float(value) > 0:
                parsed = excel_serial_to_datetime(value, date1904)
        elif isinstance(value, str):
            if value.strip() in EXCEL_ERRORS:
                found.append(_problem(sheet, row, col, value, "单元格为错误值 — 请填写" + what))
                continue
            parsed = parse_datetime_text(value)
            if parsed is not None:
                # Read as the date it spells, and said: the cell stays text (what staff typed is
                # theirs), so Excel's own sorting and filters still see text until it is retyped.
                shown = parsed.strftime("%Y-%m-%d" if col.kind == S.DATE else "%Y-%m-%d %H:%M")
                found.append(_problem(sheet, row, col, value,
                                      f"日期写成了文字，已按 {shown} 读取 — 建议重新输入为日期（如 {example}），"
                                      "以便 Excel 排序和筛选", NOTICE))
        elif isinstance(value, pd.Timestamp):
            parsed = value.to_pydatetime()
        if parsed is None:
            found.append(_problem(sheet, row, col, value, f"不是有效的{what} — 请使用 {example} 格式"))
            continue
        out[row] = parsed
    return _checked_datetimes(sheet, col, out, found)


def typed_datetimes(sheet: str, col: S.Column, out: pd.Series):
    """``_coerce_datetime`` for a column holding only dates/datetimes and blanks (NaT), already
    as datetime64[us] (a columnar read): the same blank and range rules, without a loop."""
    found: list[Problem] = []
    if col.required:
        for row in out.index[out.isna().to_numpy()]:
            _required(sheet, col, row, found)
    return _checked_datetimes(sheet, col, out, found)


def _checked_datetimes(sheet: str, col: S.Column, out: pd.Series, found: list[Problem]):
    what = "日期" if col.kind == S.DATE else "日期时间"
    # Dates outside 1990–2100 are typing slips (a year of 1900 is Excel's zero date).
    odd = out.notna() & ((out < EARLIEST) | (out >= LATEST))
    for row in out.index[odd]:
        found.append(_problem(sheet, row, col, out[row].strftime("%Y-%m-%d"),
                              f"{what}不合理（应在1990–2100年之间）— 请核对"))
        out[row] = pd.NaT
    if col.kind == S.DATE:
        out = out.dt.normalize()
    else:
        out = out.dt.round("s")
    return out, found


def _coerce_number(sheet: str, col: S.Column, values: pd.Series):
    found: list[Problem] = []
    vals = values.to_numpy(dtype=object)
    is_num = np.fromiter((v.__class__ is float or v.__class__ is int for v in vals), dtype=bool, count=len(vals))
    out = np.full(len(vals), np.nan)
    signed = np.zeros(len(vals), dtype=bool)  # typed with a percent sign: already a fraction
    if is_num.any():
        out[is_num] = np.asarray(vals[is_num], dtype=float)
    for i in np.flatnonzero(~is_num):
        row, value = values.index[i], vals[i]
        if is_blank(value):
            _required(sheet, col, row, found)
            continue
        if isinstance(value, bool) or not isinstance(value, str):
            found.append(_problem(sheet, row, col, value, "不是数字 — 请只填写数字"))
            continue
        if value.strip() in EXCEL_ERRORS:
            found.append(_problem(sheet, row, col, value, "单元格为错误值 — 请填写数字"))
            continue
        try:
            out[i], signed[i] = number_text(value)  # "85％" and "1,234" too (udfs.values)
        except NotANumber:
            found.append(_problem(sheet, row, col, value, "不是数字 — 请只填写数字"))
    return _checked_numbers(sheet, col, values.index, out, signed, vals, found)


def typed_numbers(sheet: str, col: S.Column, index: pd.Index, numbers: np.ndarray):
    """``_coerce_number`` for a column holding only numbers and blanks (NaN), already as float64
    (a columnar read): the same blank, range and integer rules, without a loop."""
    found: list[Problem] = []
    blank = np.isnan(numbers)
    if col.required:
        for row in index[blank]:
            _required(sheet, col, row, found)
    vals = numbers.astype(object)  # the values problems show: Python floats, as typed
    return _checked_numbers(sheet, col, index, numbers.copy(), np.zeros(len(numbers), dtype=bool), vals, found)


def _checked_numbers(sheet: str, col: S.Column, index: pd.Index, out: np.ndarray, signed: np.ndarray,
                     vals: np.ndarray, found: list[Problem]):
    bad = np.zeros(len(vals), dtype=bool)
    with np.errstate(invalid="ignore"):
        if col.kind == S.PERCENT and (col.maximum is None or col.maximum <= 1):
            out = np.where(signed, out, as_share(out))  # 85 typed into a percentage column means 85%
        checks = []
        if col.kind in (S.INT, S.SCORE):
            checks.append((np.isfinite(out) & (out != np.floor(out)), "应为整数"))
        lo, hi = col.minimum, col.maximum
        if lo is not None or hi is not None:
            span = f"{_fmt(lo)}–{_fmt(hi)}" if lo is not None and hi is not None else (
                f"不小于{_fmt(lo)}" if lo is not None else f"不大于{_fmt(hi)}")
            outside = ((out < lo) if lo is not None else False) | ((out > hi) if hi is not None else False)
            checks.append((np.asarray(outside, dtype=bool), f"超出范围（应为{span}）"))
        checks.append((np.isinf(out), "不是有效数字"))
    for mask, reason in checks:
        for i in np.flatnonzero(mask & ~bad):
            found.append(_problem(sheet, index[i], col, vals[i], reason))
        bad |= mask
    out[bad] = np.nan
    return pd.Series(out, index=index, dtype="float64"), found


def _fmt(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _merged_problems(sheet: S.Sheet, merged, first_row: int, last_row: int) -> list[Problem]:
    if not merged:
        return []  # and openpyxl (0.3–0.5 s to import) stays unloaded
    from openpyxl.utils import get_column_letter

    out = []
    for (r0, c0), (r1, c1) in merged:
        top = first_row + r0
        if top <= first_row and first_row + r1 <= first_row:
            continue  # a merged title above the header is harmless
        ref = f"{get_column_letter(c0 + 1)}{first_row + r0}:{get_column_letter(c1 + 1)}{first_row + r1}"
        out.append(Problem(sheet.name, top, None, ref,
                           "是合并单元格 — 只有左上角的值被读取，请取消合并后逐格填写", WARNING))
    return out


def _time_order(sheet: S.Sheet, frame: pd.DataFrame) -> list[Problem]:
    """schema.TIME_ORDER: a time before the one it cannot precede is an error and left out of the
    frame (NaT; the cell keeps what was typed)."""
    found: list[Problem] = []
    for name, later, earlier, reason in S.TIME_ORDER:
        if name != sheet.name or later not in frame or earlier not in frame:
            continue
        slack = pd.Timedelta(minutes=S.TIME_ORDER_SLACK_MINUTES)
        bad = (frame[later] < frame[earlier] - slack).fillna(False).to_numpy(dtype=bool)
        if not bad.any():
            continue
        key = sheet.key if sheet.key in frame else None
        for row in frame.index[bad]:
            ticket = frame.at[row, key] if key else None
            found.append(Problem(sheet.name, int(row), later, frame.at[row, later],
                                 f"{later}早于{earlier}（{earlier} {frame.at[row, earlier]:%Y-%m-%d %H:%M}）："
                                 f"{reason}", ERROR,
                                 ticket=None if ticket is None or pd.isna(ticket) else ticket))
        frame.loc[frame.index[bad], later] = pd.NaT
    return found


def _duplicate_keys(sheet: S.Sheet, frame: pd.DataFrame) -> list[Problem]:
    key = sheet.key
    if key is None or key not in frame:
        return []
    values = frame[key]
    present = values[values.notna()]
    dup = present[present.duplicated(keep="first")]
    if dup.empty:
        return []
    first = present[~present.duplicated(keep="first")]
    first_row = {v: r for r, v in first.items()}
    return [
        Problem(sheet.name, int(r), key, v, f"与第{first_row[v]}行重复 — {key}必须唯一", ERROR)
        for r, v in dup.items()
    ]
