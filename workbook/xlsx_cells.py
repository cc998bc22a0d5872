"""Cell references and values turned into cell XML (inline strings, numbers, dates, formulas).

Part of the file patcher (see ``workbook.xlsxpatch`` for how the pieces fit).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Callable
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from udfs.values import to_excel_serial
from workbook.formulas import Formula
from workbook.styles import StyleBook

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "\n")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff]")  # and CR, which XML reads as LF
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A)."""
    index += 1
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode()
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def excel_text(value: str) -> str:
    """Text safe for a cell: XML-illegal control characters become Excel's _xHHHH_ escapes."""
    value = _EXCEL_ESCAPE.sub(r"_x005F_\1", value)
    return _ILLEGAL_XML.sub(lambda m: "_x%04X_" % ord(m.group()), value)


EXCEL_TEXT_LIMIT = 32_767  # UTF-16 code units a cell holds; Excel repairs a file with longer text


def fit_cell(text: str) -> str:
    """``text`` cut to what an Excel cell holds, ending in "…" when cut (copies of long staff text)."""
    if len(text) <= EXCEL_TEXT_LIMIT // 2:
        return text
    units = text.encode("utf-16-le")
    if len(units) <= EXCEL_TEXT_LIMIT * 2:
        return text
    return units[: (EXCEL_TEXT_LIMIT - 1) * 2].decode("utf-16-le", errors="ignore") + "…"


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_LEAD)


def to_serial(value, date1904: bool) -> float:
    return to_excel_serial(value, date1904)  # udfs.values: the one Excel-date rule


def is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT or (isinstance(value, np.datetime64) and np.isnat(value)):
        return True
    return isinstance(value, str) and value == ""


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


class CellWriter:
    """Renders values as <c> elements, choosing each cell's format."""

    def __init__(self, styles: StyleBook, date1904: bool, date_style: Callable[[], int]):
        self.styles = styles
        self.date1904 = date1904
        self._date_style = date_style

    def xml(self, ref: str, value, style: int) -> bytes:
        if isinstance(value, Formula):
            return self._formula_xml(ref, value, style)
        s = f' s="{style}"' if style else ""
        if is_empty(value):
            return f'<c r="{ref}"{s}/>'.encode()
        if isinstance(value, (bool, np.bool_)):
            return f'<c r="{ref}"{s} t="b"><v>{int(bool(value))}</v></c>'.encode()
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            if math.isinf(float(value)):
                return f'<c r="{ref}"{s}/>'.encode()
            return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'.encode()
        if isinstance(value, (dt.date, pd.Timestamp, np.datetime64)):
            if not style or not self.styles.is_date(style):
                style = self._date_style()
                s = f' s="{style}"'
            return f'<c r="{ref}"{s}><v>{_number(to_serial(value, self.date1904))}</v></c>'.encode()
        raw = fit_cell(str(value))
        text = excel_text(raw)
        if looks_like_formula(raw):
            # Stored as text, never as a formula; the prefix keeps it text when edited in Excel.
            style = self.styles.quote_prefixed(style)
            s = f' s="{style}"'
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return (f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>').encode()

    def _formula_xml(self, ref: str, formula: Formula, style: int) -> bytes:
        """A formula cell with its cached value, the way Excel stores one it has calculated."""
        f = f"<f>{escape(excel_text(formula.text))}</f>"
        value = formula.value
        if is_empty(value):
            s = f' s="{style}"' if style else ""
            return f'<c r="{ref}"{s} t="str">{f}<v></v></c>'.encode()
        plain = self.xml(ref, value, style)  # the value's own cell: its type and format
        if plain.endswith(b"/>"):  # a value with no cell content (infinity)
            return self._formula_xml(ref, Formula(formula.text), style)
        if b't="inlineStr"' in plain:
            text = escape(excel_text(fit_cell(str(value))))
            head = plain[: plain.index(b" t=")].decode()
            return f'{head} t="str">{f}<v>{text}</v></c>'.encode()
        head, rest = plain.split(b">", 1)
        return head + b">" + f.encode() + rest
