"""The value rules: how a cell value is read, once for the whole product.

The reader (workbook.frames), the UDFs (udfs.*), the routines (macros.*) and the reports and
masking (reports.*, workbook.masking) all use these functions; do not write a second copy.

- Blank: None, '', spaces, NaN, NaT (``is_blank``).
- Numbers: ``parse_number`` — numbers as floats; text with thousands separators, full-width
  digits, ``，`` and a trailing ``%`` or full-width ``％`` ("85％" = 0.85).
- Shares (percent columns, percentage thresholds and targets): ``parse_share`` / ``as_share`` —
  85 typed means 85 %, 0.85 means 85 %; "85%" is 85 % (an explicit sign is never divided again).
- Excel serial dates: ``excel_serial_to_datetime`` / ``to_excel_serial`` — the 1900 date system
  with Excel's fictitious 1900-02-29 (serial 60, which has no date) and the 1904 system.
- Phones: ``parse_phone`` / ``phone_key`` / ``phone_problem`` — one customer whether written
  "+86 138 1234 5678", "0086-138-1234-5678" or "13812345678"; landlines with or without the
  area code's separators ("021-12345678", "(021)1234 5678", "+86 21 12345678").

Excel hands Python dates as datetime, numbers as float, blanks as None; sheets read by pandas
add NaN/NaT; a date typed into a General-formatted cell arrives as an Excel serial number. All
of these are accepted. Text in a date cell is refused rather than guessed at.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from udfs.errors import InvalidDate, UdfError

# Excel's day 0 is 1899-12-30 for every serial after its fictitious 1900-02-29 (serial 60); serials
# 1–59 count from 1899-12-31 (serial 1 = 1900-01-01). The 1904 system has no such day.
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_EPOCH_1904 = datetime(1904, 1, 1)
_LAST_EXCEL_SERIAL = 2958466  # 10000-01-01, the first day Excel cannot show
_FIRST_REAL_DAY = datetime(1900, 3, 1)  # serial 61: from here on day 0 is 1899-12-30


def is_blank(value: Any) -> bool:
    """True for an empty cell in any of its disguises: None, '', spaces, NaN, NaT."""
    if value is None:
        return True
    cls = value.__class__
    if cls is str:  # the common cases first: the reader asks this of every cell
        return not value.strip()
    if cls is float:
        return value != value
    if cls is int or cls is datetime:
        return False
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if value is pd.NaT:
        return True
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def round_to_second(moment: datetime) -> datetime:
    """Round to the nearest whole second: Excel stores 10:00 as a float that may read 09:59:59.9999."""
    if moment.tzinfo is not None:
        moment = moment.replace(tzinfo=None)
    whole = moment.replace(microsecond=0)
    return whole + timedelta(seconds=1) if moment.microsecond >= 500_000 else whole


def excel_serial_to_datetime(serial: float, date1904: bool = False) -> datetime | None:
    """An Excel serial day number as a datetime (to the second), as Excel shows it; None if it has none.

    1900 system: 1 = 1900-01-01, 59 = 1900-02-28, 60 is Excel's fictitious 1900-02-29 (None),
    61 = 1900-03-01; 0 ≤ serial < 1 is a time of Excel's day "1900-01-00" (1899-12-31 here).
    1904 system: 0 = 1904-01-01. Negative serials and serials from 10000-01-01 on are None.
    """
    serial = float(serial)
    if not math.isfinite(serial) or serial < 0:
        return None
    if date1904:
        moment = EXCEL_EPOCH_1904 + timedelta(seconds=round(serial * 86400))
        return moment if moment.year < 10000 else None
    if serial >= _LAST_EXCEL_SERIAL or 60 <= serial < 61:
        return None
    epoch = EXCEL_EPOCH if serial >= 61 else EXCEL_EPOCH + timedelta(days=1)
    return epoch + timedelta(seconds=round(serial * 86400))


def to_excel_serial(value: date | datetime, date1904: bool = False) -> float:
    """A date or datetime as Excel's serial number (the inverse of ``excel_serial_to_datetime``)."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif isinstance(value, np.datetime64):
        value = pd.Timestamp(value).to_pydatetime()
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if date1904:
        epoch = EXCEL_EPOCH_1904
    else:
        epoch = EXCEL_EPOCH if value >= _FIRST_REAL_DAY else EXCEL_EPOCH + timedelta(days=1)
    delta = value - epoch
    return round(delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000, 10)


def from_excel_serial(serial: float, what: str = "日期") -> datetime:
    """Convert an Excel serial day number (1900 date system) to a datetime, to the second.

    Raises InvalidDate for serials below 1 (no day), 60 (1900-02-29 never existed) and too large.
    """
    moment = excel_serial_to_datetime(serial) if serial >= 1 else None
    if moment is None:
        raise InvalidDate(serial, what)
    return moment


def to_datetime(value: Any, what: str = "日期") -> datetime | None:
    """Convert a cell value to a naive datetime rounded to the second; None for a blank cell.

    Raises InvalidDate for text, booleans and numbers that are not Excel serial dates.
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime):  # also pandas.Timestamp
        return round_to_second(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, np.datetime64):
        return round_to_second(pd.Timestamp(value).to_pydatetime())
    if isinstance(value, (bool, np.bool_)):
        raise InvalidDate(value, what)
    if isinstance(value, Real):
        return from_excel_serial(float(value), what)
    raise InvalidDate(value, what)


def to_date(value: Any, what: str = "日期") -> date | None:
    """Convert a cell value to a date (the time of day is dropped); None for a blank cell."""
    moment = to_datetime(value, what)
    return None if moment is None else moment.date()


def flatten(values: Any) -> list[Any]:
    """Flatten a cell, a 1-D or 2-D range (nested lists), an array or a Series into a list."""
    if values is None:
        return []
    if isinstance(values, (pd.Series, pd.Index, np.ndarray)):
        return list(np.asarray(values, dtype=object).ravel())
    if isinstance(values, (list, tuple, set, frozenset)):
        flat: list[Any] = []
        for item in values:
            flat.extend(flatten(item) if isinstance(item, (list, tuple)) else [item])
        return flat
    return [values]


# ============================================================================================
# Numbers and shares
# ============================================================================================
PERCENT_SIGNS = ("%", "％")
_NUMBER_NOISE = re.compile(r"[,\s_]")  # thousands separators (after NFKC: ，→ ,) and spaces


class NotANumber(UdfError):
    """A value that is not a number; callers usually say so in their own words."""

    def __init__(self, value: Any) -> None:
        super().__init__(value, f"「{value}」不是数字 — 请只填写数字，如 0.85 或 85%")


def number_text(text: str) -> tuple[float, bool]:
    """(number, had a percent sign) for typed text: "1,234.5", "８５％", "85 %", "-3". Raises NotANumber."""
    folded = unicodedata.normalize("NFKC", text).strip()  # full-width digits, ％ and ， become ASCII
    percent = folded.endswith("%")
    if percent:
        folded = folded[:-1]
    folded = _NUMBER_NOISE.sub("", folded)
    try:
        number = float(folded)
    except ValueError:
        raise NotANumber(text) from None
    return (number / 100.0 if percent else number), percent


def parse_number(value: Any) -> float | None:
    """A cell value as a float; None for a blank cell. "85%" and "85％" are 0.85. Raises NotANumber.

    Booleans are not numbers (Excel's TRUE is not 1 in a number column). Infinity and NaN typed as
    text ("inf") parse; callers that need a finite number check ``math.isfinite``.
    """
    if is_blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        raise NotANumber(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, str):
        return number_text(value)[0]
    raise NotANumber(value)


def as_share(number):
    """A percentage typed as a whole number read as a fraction: 85 → 0.85; 0.85 and 1 stay.

    Works on a float or element-wise on a NumPy array. Only for numbers without a percent sign.
    """
    if isinstance(number, np.ndarray):
        with np.errstate(invalid="ignore"):
            return np.where(number > 1, number / 100.0, number)
    return number / 100.0 if number > 1 else number


def parse_share(value: Any) -> float | None:
    """A share (a percentage) from a cell: 0.85, 85, "85%", "85％" and "0.85" all mean 85 %.

    None for a blank cell; raises NotANumber. "150%" stays 1.5: an explicit sign is never rescaled.
    """
    if is_blank(value):
        return None
    if isinstance(value, str):
        number, percent = number_text(value)
        return number if percent else as_share(number)
    number = parse_number(value)
    return None if number is None else as_share(number)


# ============================================================================================
# Phones
# ============================================================================================
MOBILE, LANDLINE, SERVICE = "手机", "座机", "服务号"
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area code: 010 and 02X are 3 digits with the 0, all others 4 (0571, 0755 …); a number has 7–8
# digits and does not start with 0 (the seeds' own example is 021-12345678).
_AREA_SHORT = re.compile(r"0(?:10|2\d)")
_LANDLINE = re.compile(r"(0\d{2,3})([1-9]\d{6,7})")
_SERVICE = re.compile(r"[48]00\d{7}")
_EXTENSION = re.compile(r"^(.*?\d)\s*(?:转|分机|ext\.?|x|#|-)\s*(\d{1,6})$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-–—()（）.·]")
_COUNTRY = re.compile(r"^(?:\+|00)?86")


@dataclass(frozen=True)
class Phone:
    """A phone number as written, understood: its kind and the one key that names the customer."""

    kind: str | None  # 手机 / 座机 / 服务号; None when it is not a plausible mainland number
    key: str  # digits in national form: "13812345678", "02112345678", "4001234567"
    area: str | None = None  # a landline's area code with its 0: "021"
    local: str | None = None  # a landline's number without the area code
    extension: str | None = None  # "021-12345678-801" / "…转801": "801"


def phone_text(value: Any) -> str | None:
    """A phone cell as text: a phone stored as a number loses its ".0" (13812345678.0)."""
    if is_blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def _split_landline(digits: str, area_typed: str | None) -> tuple[str, str] | None:
    if area_typed is not None:  # the area code was set off by a separator: take it as typed
        match = _LANDLINE.fullmatch(digits)
        local = digits[len(area_typed):]
        if match and re.fullmatch(r"0\d{2,3}", area_typed) and re.fullmatch(r"[1-9]\d{6,7}", local):
            return area_typed, local
    size = 3 if _AREA_SHORT.match(digits) else 4
    area, local = digits[:size], digits[size:]
    if re.fullmatch(r"[1-9]\d{6,7}", local):
        return area, local
    match = _LANDLINE.fullmatch(digits)  # an unusual area code length, as typed
    return (match.group(1), match.group(2)) if match else None


def parse_phone(value: Any) -> Phone | None:
    """Read a phone cell; None when it holds no digits at all.

    Memoised: one customer's phone recurs on many tickets, and a refresh reads every phone
    several times (checks, duplicates, KPIs). ``Phone`` is frozen, so sharing results is safe.

    The key drops the country code (+86, 0086, 86 before a mobile), separators (spaces, dashes,
    brackets, dots) and a landline's extension; a landline written internationally ("+86 21
    12345678") gets its area code's 0 back. Text that is no mainland number keeps its digits as
    the key (kind None), so identical typing still matches.
    """
    try:
        return _parse_phone_cached(value)
    except TypeError:  # an unhashable cell value
        return _parse_phone(value)


_PLAIN_MOBILE = re.compile(r"1[3-9][0-9]{9}")  # ASCII digits only: what most cells hold


def _plain_mobile(value: Any) -> bool:
    """The common cell: exactly 11 ASCII digits of a mobile, which the general parse reads as
    itself (kind 手机, key = the text). Checked first by the functions a refresh calls per ticket."""
    return value.__class__ is str and _PLAIN_MOBILE.fullmatch(value) is not None


def _parse_phone(value: Any) -> Phone | None:
    if _plain_mobile(value):
        return Phone(MOBILE, value)
    text = phone_text(value)
    if text is None:
        return None
    extension = None
    body = text
    international = bool(re.match(r"^\s*(?:\+|00)\s*86", body))
    body = re.sub(r"^\s*(?:\+|00)\s*86", "", body) if international else body
    first = re.match(r"^\s*[(（]?\s*(0\d{2,3})\s*[)）\-–—\s]", body)
    area_typed = first.group(1) if first else None
    digits = re.sub(r"\D", "", _SEPARATORS.sub("", body))
    if not digits:
        return None
    if not international and len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]  # 8613812345678
    if _MOBILE.fullmatch(digits):
        return Phone(MOBILE, digits)
    if _SERVICE.fullmatch(digits):
        return Phone(SERVICE, digits)
    if international and not digits.startswith("0"):
        digits = "0" + digits  # +86 21 12345678 is 021-12345678
    split = _split_landline(digits, area_typed)
    if split is None:
        ext = _EXTENSION.match(body)
        if ext:
            main = re.sub(r"\D", "", ext.group(1))
            if international and not main.startswith("0"):
                main = "0" + main
            split = _split_landline(main, area_typed)
            if split is not None:
                extension = ext.group(2)
    if split is not None:
        area, local = split
        return Phone(LANDLINE, area + local, area, local, extension)
    return Phone(None, digits)


_parse_phone_cached = functools.lru_cache(maxsize=1 << 18, typed=True)(_parse_phone)


def phone_key(value: Any) -> str | None:
    """The customer a phone cell names: "+86 138 1234 5678" and "13812345678" are one key. None if blank."""
    if _plain_mobile(value):
        return value
    phone = parse_phone(value)
    return None if phone is None else phone.key


def phone_problem(value: Any) -> str | None:
    """Why a phone cell is not a plausible mainland number (Chinese, for 数据问题), or None if it is."""
    if _plain_mobile(value) or is_blank(value):
        return None
    phone = parse_phone(value)
    if phone is not None and phone.kind is not None:
        return None
    digits = phone.key if phone is not None else ""
    if digits.isdigit() and digits.startswith("1"):
        return f"手机号应为11位（现为{len(digits)}位）"
    return "电话格式不正确（手机11位，座机如 021-12345678）"
