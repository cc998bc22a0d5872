"""Lenient conversion of cell values (Excel, openpyxl, pandas) into Python dates and numbers.

Excel hands Python dates as datetime, numbers as float, blanks as None; sheets read by pandas
add NaN/NaT; a date typed into a General-formatted cell arrives as an Excel serial number. All
of these are accepted. Text in a date cell is refused rather than guessed at.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from udfs.errors import InvalidDate

# Excel's day 0 is 1899-12-30 for every serial after its fictitious 1900-02-29 (serial 60).
EXCEL_EPOCH = datetime(1899, 12, 30)
_LAST_EXCEL_SERIAL = 2958466  # 10000-01-01, the first day Excel cannot show


def is_blank(value: Any) -> bool:
    """True for an empty cell in any of its disguises: None, '', spaces, NaN, NaT."""
    if value is None:
        return True
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


def from_excel_serial(serial: float, what: str = "日期") -> datetime:
    """Convert an Excel serial day number (1900 date system) to a datetime, to the second."""
    if not 1 <= serial < _LAST_EXCEL_SERIAL or serial == 60:
        raise InvalidDate(serial, what)
    epoch = EXCEL_EPOCH if serial >= 61 else EXCEL_EPOCH + timedelta(days=1)
    return epoch + timedelta(seconds=round(serial * 86400))


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
