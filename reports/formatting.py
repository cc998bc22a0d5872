"""Numbers, dates and verdicts as the reports show them (Chinese units; 无数据 for a missing value)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

NO_DATA = "无数据"
MET, MISSED = "达标", "未达标"
# Verdict words → the CSS class that colours them (met green, missed red, the rest grey/amber).
VERDICT_CLASSES = {
    MET: "good", MISSED: "bad", NO_DATA: "na", "合格": "good", "不合格": "bad", "未判定": "na",
    "按时": "good", "逾期": "bad", "提前": "warn", "触发": "bad", "未触发": "good",
    "待整改": "warn", "整改中": "warn", "已逾期": "bad", "待验证": "warn", "验证通过": "good",
    "改善": "good", "恶化": "bad", "持平": "na",
}


def missing(value) -> bool:
    """Whether a value is absent: None, NaN or NaT."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def verdict_class(word: str | None) -> str:
    return VERDICT_CLASSES.get(word or "", "na")


def count(value) -> str:
    return NO_DATA if missing(value) else f"{int(value):,}"


def rate(value, digits: int = 1) -> str:
    """A fraction as a percentage: 0.921 → 92.1%."""
    return NO_DATA if missing(value) else f"{value * 100:.{digits}f}%"


def hours(value) -> str:
    return NO_DATA if missing(value) else f"{value:,.1f} 小时"


def money(value) -> str:
    return NO_DATA if missing(value) else f"{value:,.2f} 元"


def points(value, digits: int = 1) -> str:
    """A score or NPS on a 0–100 scale: 36.8 分."""
    return NO_DATA if missing(value) else f"{value:.{digits}f} 分"


def number(value, digits: int = 1) -> str:
    return NO_DATA if missing(value) else f"{value:,.{digits}f}"


FORMATS = {"rate": rate, "hours": hours, "money": money, "points": points, "count": count, "number": number}


def value(kind: str, amount) -> str:
    """``amount`` formatted as ``kind`` (rate, hours, money, points, count, number)."""
    return FORMATS[kind](amount)


def signed(amount: float, digits: int = 1) -> str:
    """+1.5 / −1.5 (a real minus sign) / 0.0."""
    if round(amount, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{'+' if amount > 0 else '−'}{abs(amount):,.{digits}f}"


def change(kind: str, before, after) -> str:
    """How a figure moved between two periods, in the figure's own unit."""
    if missing(before) or missing(after):
        return NO_DATA
    delta = after - before
    if kind == "rate":
        return f"{signed(delta * 100)} 个百分点"
    relative = f"（{signed(delta / before * 100)}%）" if before else ""
    if kind == "hours":
        return f"{signed(delta)} 小时{relative}"
    if kind == "money":
        return f"{signed(delta, 2)} 元{relative}"
    if kind == "points":
        return f"{signed(delta)} 分"
    return f"{signed(delta)}{relative}"


def date(value) -> str:
    if missing(value):
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return f"{value:%Y-%m-%d}"
    return f"{value:%Y-%m-%d}" if isinstance(value, dt.date) else str(value)


def moment(value) -> str:
    return "" if missing(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def period(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


def days_in(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def finite(value) -> float | None:
    """A float for a chart, None for a missing value."""
    if missing(value):
        return None
    number_ = float(value)
    return None if math.isinf(number_) else number_
