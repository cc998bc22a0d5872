"""SLA deadlines, elapsed working time, deadline statuses and pauses — scalar and vectorised.

Units (SPEC §3): 分钟 / 小时 / 自然日 are clock time and ignore the calendar; 月 is EDATE (same
day-of-month, clipped to the month's end, same time); 工作小时 walks only through working intervals
of working days; 工作日 takes its date from WORKDAY.INTL and its time from the end of that day's
working hours.

Decisions where the contract is silent:

- 0 工作小时 → the start itself (no time allowed). 0 工作日 → the end of the working day on which the
  ticket is first workable: the start's own day when it starts before that day's end of working
  hours, else the next working day. (Literal WORKDAY.INTL(d, 0) = d would put the deadline before
  an evening start, or on a holiday.)
- 工作日 and 月 need whole numbers (Excel silently truncates; a half day is 4 工作小时, not 0 工作日).
- A deadline more than 100 years after its start is refused as a typing error.
- Holiday-data coverage: every year from the start's to the due's must be covered, otherwise
  CalendarYearMissing. Clock units never consult the calendar, so they work in any year.
- working_hours_between is 0 when end <= start (never negative).
- Statuses: see ``status``. Pauses: see ``extend_for_pauses``.

Every function takes the current time as an argument; nothing here reads the clock.
"""

from __future__ import annotations

import calendar as _month_calendar
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from numbers import Real
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from udfs.calendar import BusinessCalendar, DayTable
from udfs.errors import (
    BatchError,
    CalendarYearMissing,
    InvalidAmount,
    InvalidPause,
    InvalidWarning,
    MissingNow,
    SlaError,
    UdfError,
    UnknownUnit,
)
from udfs.values import is_blank, to_datetime

__all__ = [
    "BatchError",
    "SlaError",
    "UNITS",
    "STATUSES",
    "NOT_STARTED",
    "IN_PROGRESS",
    "AT_RISK",
    "OVERDUE",
    "DONE_ON_TIME",
    "DONE_LATE",
    "normalize_unit",
    "due",
    "status",
    "working_hours_between",
    "extend_for_pauses",
    "due_many",
    "status_many",
    "working_hours_between_many",
    "extend_for_pauses_many",
]

MINUTES, HOURS, WORK_HOURS, WORKDAYS, DAYS, MONTHS = "分钟", "小时", "工作小时", "工作日", "自然日", "月"
UNITS = (MINUTES, HOURS, WORK_HOURS, WORKDAYS, DAYS, MONTHS)
WORKING_UNITS = frozenset({WORK_HOURS, WORKDAYS})
_CLOCK_SECONDS = {MINUTES: 60, HOURS: 3600, DAYS: 86400}

NOT_STARTED, IN_PROGRESS, AT_RISK, OVERDUE, DONE_ON_TIME, DONE_LATE = (
    "未开始", "进行中", "即将超时", "已超时", "按时完成", "超时完成",
)
STATUSES = (NOT_STARTED, IN_PROGRESS, AT_RISK, OVERDUE, DONE_ON_TIME, DONE_LATE)
# A stage that does not exist for a ticket (no 时限标准 row for it: no callback for 咨询类; the
# 登记 stage of a ticket without 登记时间 or one the program registered itself). Written by the
# routines, never by status().
NOT_APPLICABLE = "不适用"
DEFAULT_WARNING = 0.8

MAX_SPAN_DAYS = 36525  # a deadline 100 years out is a typing error, not a policy
_MAX_MONTHS = 1200
_LAST_MOMENT = np.datetime64("9999-12-31T23:59:59", "s")

_UNIT_ALIASES = {
    MINUTES: ("分钟", "分", "min", "mins", "minute", "minutes"),
    HOURS: ("小时", "时", "h", "hr", "hrs", "hour", "hours"),
    WORK_HOURS: ("工作小时", "工时", "work_hours", "work_hour", "working_hours", "business_hours"),
    WORKDAYS: ("工作日", "workday", "workdays", "working_days", "business_days"),
    DAYS: ("自然日", "天", "日", "day", "days", "calendar_days"),
    MONTHS: ("月", "个月", "month", "months"),
}
_UNIT_BY_ALIAS = {alias: unit for unit, aliases in _UNIT_ALIASES.items() for alias in aliases}


def normalize_unit(text: Any) -> str:
    """Return the canonical Chinese unit name for a unit or alias ("workdays" → "工作日").

    Raises UnknownUnit for anything else, including a blank.
    """
    if isinstance(text, str):
        key = text.strip().lower().replace(" ", "_").replace("-", "_")
        unit = _UNIT_BY_ALIAS.get(key)
        if unit:
            return unit
    raise UnknownUnit(text)


def _default_calendar(cal: BusinessCalendar | None) -> BusinessCalendar:
    return BusinessCalendar.chinese_statutory() if cal is None else cal


# -- amounts ------------------------------------------------------------------------------------


def _checked_amount(amount: Any, unit: str, cal: BusinessCalendar | None = None) -> float:
    """Validate an amount for a unit; returns it as a float. Raises InvalidAmount."""
    if is_blank(amount):
        raise InvalidAmount("", "为空 — 请填写数字")
    if isinstance(amount, (bool, np.bool_)):
        raise InvalidAmount(amount, "不是数字")
    if isinstance(amount, str):
        try:
            value = float(amount.strip())
        except ValueError:
            raise InvalidAmount(amount, "不是数字") from None
    elif isinstance(amount, Real):
        value = float(amount)
    else:
        raise InvalidAmount(amount, "不是数字")
    if not np.isfinite(value):
        raise InvalidAmount(amount, "不是有限的数字")
    if value < 0:
        raise InvalidAmount(amount, "不能为负数")
    if unit in (WORKDAYS, MONTHS) and not value.is_integer():
        hint = "不足一天请用 工作小时" if unit == WORKDAYS else "不足一月请用 自然日"
        raise InvalidAmount(amount, f"{unit}须为整数 — {hint}")
    if _too_long(value, unit, cal):
        raise InvalidAmount(amount, "时限过长（超过 100 年）— 请检查数量和单位")
    return value


def _too_long(value: float, unit: str, cal: BusinessCalendar | None) -> bool:
    if unit in _CLOCK_SECONDS:
        return value * _CLOCK_SECONDS[unit] > MAX_SPAN_DAYS * 86400
    if unit == MONTHS:
        return value > _MAX_MONTHS
    if unit == WORKDAYS:
        return value > MAX_SPAN_DAYS
    per_day = _default_calendar(cal).seconds_per_day
    return value * 3600 > MAX_SPAN_DAYS * per_day


def _too_long_error(amount: Any) -> InvalidAmount:
    return InvalidAmount(amount, "时限过长（超过 100 年）— 请检查数量和单位")


# -- scalar deadlines -----------------------------------------------------------------------------


def due(start: Any, amount: Any, unit: Any, cal: BusinessCalendar | None = None) -> datetime | None:
    """The deadline ``amount`` ``unit`` after ``start`` under calendar ``cal`` (default: Chinese statutory).

    A blank start gives None. Raises UnknownUnit, InvalidAmount, InvalidDate or CalendarYearMissing.
    """
    start = to_datetime(start, "开始时间")
    if start is None:
        return None  # a row not yet started: nothing to check, nothing to compute
    unit = normalize_unit(unit)
    value = _checked_amount(amount, unit, cal)
    try:
        if unit in _CLOCK_SECONDS:
            return start + timedelta(seconds=round(value * _CLOCK_SECONDS[unit]))
        if unit == MONTHS:
            return add_months(start, int(value))
        cal = _default_calendar(cal)
        if unit == WORK_HOURS:
            return add_working_seconds(start, round(value * 3600), cal)
        return add_working_days(start, int(value), cal)
    except OverflowError:
        raise InvalidAmount(amount, "结果超出可表示的日期范围（9999 年以后）") from None


def add_months(start: datetime, months: int) -> datetime:
    """EDATE with the time kept: same day-of-month ``months`` later, clipped to the month's end."""
    year, month_index = divmod(start.month - 1 + months, 12)
    year += start.year
    if not 1 <= year <= 9999:
        raise OverflowError(f"year {year} is out of range")
    last_day = _month_calendar.monthrange(year, month_index + 1)[1]
    return start.replace(year=year, month=month_index + 1, day=min(start.day, last_day))


def _seconds_of_day(moment: datetime) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _at(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(seconds=seconds)


def add_working_seconds(start: datetime, seconds: int, cal: BusinessCalendar) -> datetime:
    """Walk ``seconds`` of working time from ``start``; lands on an interval's end when it runs out there.

    A start outside working time begins at the next working moment; 0 seconds returns the start.
    """
    cal.check_year(start.year)
    if seconds == 0:
        return start
    remaining = seconds
    day, position = start.date(), _seconds_of_day(start)
    for _ in range(MAX_SPAN_DAYS + 1):
        if cal.is_working_day(day):
            if position == 0 and remaining > cal.seconds_per_day:
                remaining -= cal.seconds_per_day  # a whole working day: skip the interval loop
            else:
                for interval_start, interval_end in cal.intervals:
                    begin = max(interval_start, position)
                    if begin < interval_end:
                        if remaining <= interval_end - begin:
                            return _at(day, begin + remaining)
                        remaining -= interval_end - begin
        day, position = day + timedelta(days=1), 0
    raise _too_long_error(seconds / 3600)


def add_working_days(start: datetime, days: int, cal: BusinessCalendar) -> datetime:
    """WORKDAY.INTL(start's date, days) at the end of that day's working hours (see module doc for 0)."""
    cal.check_year(start.year)
    day = start.date()
    if days == 0:
        if not (cal.is_working_day(day) and _seconds_of_day(start) < cal.day_end):
            day = _next_working_day(day, start.date(), cal)
    else:
        counted = 0
        while counted < days:
            day = _next_working_day(day, start.date(), cal)
            counted += 1
    return _at(day, cal.day_end)


def _next_working_day(day: date, origin: date, cal: BusinessCalendar) -> date:
    while True:
        day += timedelta(days=1)
        if (day - origin).days > MAX_SPAN_DAYS:
            raise _too_long_error((day - origin).days)
        if cal.is_working_day(day):
            return day


def working_seconds_between(start: datetime, end: datetime, cal: BusinessCalendar) -> int:
    """Working seconds in [start, end); 0 when end <= start."""
    if end <= start:
        return 0
    cal.check_years(start, end)
    total = 0
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            low = _seconds_of_day(start) if day == start.date() else 0
            high = _seconds_of_day(end) if day == end.date() else 86400
            for interval_start, interval_end in cal.intervals:
                total += max(0, min(interval_end, high) - max(interval_start, low))
        day += timedelta(days=1)
    return total


def working_hours_between(start: Any, end: Any, cal: BusinessCalendar | None = None) -> float | None:
    """Working hours elapsed from ``start`` to ``end`` (0.0 when end <= start; None if either is blank)."""
    start, end = to_datetime(start, "开始时间"), to_datetime(end, "结束时间")
    if start is None or end is None:
        return None
    return working_seconds_between(start, end, _default_calendar(cal)) / 3600


# -- statuses -------------------------------------------------------------------------------------


def _checked_warning(warning: Any) -> float:
    if is_blank(warning):
        return DEFAULT_WARNING
    if isinstance(warning, (bool, np.bool_)) or not isinstance(warning, Real):
        raise InvalidWarning(warning)
    value = float(warning)
    if not 0 <= value <= 1:
        raise InvalidWarning(warning)
    return value


def status(
    due: Any, done: Any = None, now: Any = None, start: Any = None, warning: Any = DEFAULT_WARNING,
    unit: Any = None, cal: BusinessCalendar | None = None,
) -> str:
    """The status of one deadline: 未开始 / 进行中 / 即将超时 / 已超时 / 按时完成 / 超时完成.

    - 未开始: no due, no start (the clock has not started), or now is before the start.
    - 按时完成 / 超时完成: done is set; done <= due is on time.
    - 已超时: not done and now > due.
    - 即将超时: not done, now <= due and now >= start + warning × (due − start).
    - 进行中: otherwise.
    ``warning`` is the fraction of the allowed time after which a deadline is at risk (blank: 0.8),
    measured in the target's ``unit`` (SPEC §3): working time under ``cal`` for 工作小时/工作日, clock
    time otherwise (also when no unit is given).
    Raises MissingNow when the deadline is open and ``now`` is not given.
    """
    due, done = to_datetime(due, "截止时间"), to_datetime(done, "完成时间")
    now, start = to_datetime(now, "当前时间"), to_datetime(start, "开始时间")
    fraction = _checked_warning(warning)
    if due is None or start is None:
        return NOT_STARTED
    if done is not None:
        return DONE_ON_TIME if done <= due else DONE_LATE
    if now is None:
        raise MissingNow("判断未完成时限的状态")
    if now < start:
        return NOT_STARTED
    if now > due:
        return OVERDUE
    if not is_blank(unit) and normalize_unit(unit) in WORKING_UNITS:
        cal = _default_calendar(cal)
        allowed, elapsed = working_seconds_between(start, due, cal), working_seconds_between(start, now, cal)
    else:
        allowed, elapsed = (due - start).total_seconds(), (now - start).total_seconds()
    return AT_RISK if elapsed >= fraction * allowed else IN_PROGRESS


# -- pauses ---------------------------------------------------------------------------------------


def merge_pauses(pauses: Iterable[Sequence[Any]], now: Any, start: Any = None) -> list[tuple[datetime, datetime]]:
    """Validate pause intervals, end open ones at ``now``, drop what lies before ``start``, merge overlaps.

    Returns sorted, non-overlapping (begin, end) pairs with begin < end.
    """
    now, start = to_datetime(now, "当前时间"), to_datetime(start, "开始时间")
    intervals = []
    for pause in pauses:
        begin_value, end_value = pause
        begin, end = to_datetime(begin_value, "暂停开始"), to_datetime(end_value, "暂停结束")
        if begin is None and end is None:
            continue
        if begin is None:
            raise InvalidPause((begin, end), "缺少暂停开始时间")
        if end is None:
            if now is None:
                raise MissingNow("计算未结束的暂停")
            end = max(now, begin)
        elif end < begin:
            raise InvalidPause((begin, end), "结束早于开始")
        if start is not None:
            begin = max(begin, start)
        if begin < end:
            intervals.append((begin, end))
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in sorted(intervals):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def extend_for_pauses(
    due: Any,
    pauses: Iterable[Sequence[Any]],
    unit: Any,
    cal: BusinessCalendar | None,
    now: Any,
    *,
    start: Any,
    done: Any = None,
) -> datetime | None:
    """Push a deadline back by the time the ticket spent paused (暂停: waiting for customer or parts).

    ``pauses`` are (begin, end) pairs; end None means still paused, counted up to ``now``. Paused
    time counts once however pauses overlap, only from ``start`` on (a stage's clock does not owe
    pauses from before it started), and only for pauses that begin before the deadline as extended
    so far — a ticket already overdue when paused stays overdue. For 工作小时/工作日 the paused
    *working* time is walked through working time from the deadline (a pause over a night or a
    weekend costs nothing); for clock units the paused clock time is added. ``start`` is required
    (pass None explicitly to count pauses from any time). A blank due gives None.

    ``done``: when the stage ended (its event: first response, completion). A pause affects only
    a stage still open when it starts (SPEC §3): pauses beginning at or after ``done`` are
    ignored — never an error, whatever was typed — and the others count only up to ``done``
    (a pause left open on a finished ticket ends there).
    """
    due = to_datetime(due, "截止时间")
    unit = normalize_unit(unit)
    done = to_datetime(done, "完成时间")
    if done is not None:
        pauses = _before(pauses, done)
    merged = merge_pauses(pauses, now, start)
    if due is None:
        return None
    working = unit in WORKING_UNITS
    cal = _default_calendar(cal) if working else cal
    for begin, end in merged:
        if begin >= due:
            break
        if working:
            due = add_working_seconds(due, working_seconds_between(begin, end, cal), cal)
        else:
            due = due + (end - begin)
    return due


def _before(pauses: Iterable[Sequence[Any]], done: datetime) -> list[tuple[Any, Any]]:
    """The pauses that began before ``done``, each ending at ``done`` at the latest."""
    kept = []
    for begin_value, end_value in pauses:
        begin, end = to_datetime(begin_value, "暂停开始"), to_datetime(end_value, "暂停结束")
        if begin is None:
            kept.append((begin_value, end_value))  # merge_pauses reports what is missing
        elif begin < done:
            kept.append((begin, done if end is None or end > done else end))
    return kept


# -- vectorised -----------------------------------------------------------------------------------


def _moments(values: Any, what: str, errors: dict[int, UdfError] | None = None) -> np.ndarray:
    """Convert a Series / array / list / scalar of moments to datetime64[s] rounded to the second.

    Typed datetime64 input takes a fast path. Object input is converted element by element: text
    is never parsed; a bad element becomes NaT and its error goes to ``errors`` (or is raised).
    """
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    array = np.asarray(values)
    if array.dtype.kind == "M":
        if np.datetime_data(array.dtype)[0] in ("ms", "us", "ns", "ps", "fs", "as"):
            array = array + np.timedelta64(500, "ms")  # round half up to the second, like to_datetime
        return array.astype("datetime64[s]").reshape(-1)
    flat = array.reshape(-1) if array.ndim else array.reshape(1)
    result = np.full(len(flat), np.datetime64("NaT"), dtype="datetime64[s]")
    for position, value in enumerate(flat):
        try:
            moment = to_datetime(value, what)
        except UdfError as error:
            if errors is None:
                raise
            errors.setdefault(position, error)
            continue
        if moment is not None:
            result[position] = np.datetime64(moment, "s")
    return result


def _broadcast(values: Any, size: int) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if array.ndim == 0:
        return np.full(size, array.item(), dtype=object)
    array = array.reshape(-1)
    if len(array) != size:
        raise ValueError(f"length {len(array)} does not match the {size} starts")
    return array


def _canonical_units(units: Any, size: int, valid: np.ndarray, errors: dict[int, UdfError]) -> np.ndarray:
    """Canonical unit per element (object array, None where invalid or not needed)."""
    raw = _broadcast(units, size).astype(object)
    canonical = np.full(size, None, dtype=object)
    inverse, uniques = pd.factorize(raw, use_na_sentinel=False)
    for code in range(len(uniques)):
        rows = valid & (inverse == code)
        if not rows.any():
            continue
        text = raw[np.flatnonzero(rows)[0]]  # the value as given: factorize turns None into NaN
        try:
            canonical[rows] = normalize_unit(text)
        except UnknownUnit as error:
            for position in np.flatnonzero(rows):
                errors.setdefault(int(position), error)
    return canonical


def _amount_array(amounts: Any, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Amounts as float64 (NaN where not a plain number) and the raw objects for messages."""
    if isinstance(amounts, (pd.Series, pd.Index)):
        amounts = amounts.to_numpy()
    array = np.asarray(amounts)
    if array.dtype.kind in "fiu":
        numeric = array.astype(np.float64).reshape(-1)
        if array.ndim == 0:
            numeric = np.broadcast_to(numeric, (size,))
        if len(numeric) != size:
            raise ValueError(f"length {len(numeric)} does not match the {size} starts")
        return numeric, numeric
    raw = _broadcast(amounts, size)
    numeric = np.full(size, np.nan)
    for position, value in enumerate(raw):
        if isinstance(value, (bool, np.bool_)):
            continue
        if isinstance(value, Real):
            numeric[position] = float(value)
        elif isinstance(value, str):
            try:
                numeric[position] = float(value.strip())
            except ValueError:
                pass
    return numeric, raw


def _validate_amounts(
    numeric: np.ndarray, raw: np.ndarray, units: np.ndarray, cal: BusinessCalendar | None,
    rows: np.ndarray, errors: dict[int, UdfError],
) -> np.ndarray:
    """Rows whose amount is valid for their unit; records an error for each bad row."""
    with np.errstate(invalid="ignore"):
        fast_ok = rows & np.isfinite(numeric) & (numeric >= 0)
    for unit in UNITS:
        unit_rows = fast_ok & (units == unit)
        if not unit_rows.any():
            continue
        values = numeric[unit_rows]
        bad = np.zeros(len(values), dtype=bool)
        if unit in (WORKDAYS, MONTHS):
            bad |= values != np.floor(values)
        if unit in _CLOCK_SECONDS:
            bad |= values * _CLOCK_SECONDS[unit] > MAX_SPAN_DAYS * 86400
        elif unit == MONTHS:
            bad |= values > _MAX_MONTHS
        elif unit == WORKDAYS:
            bad |= values > MAX_SPAN_DAYS
        else:
            bad |= values * 3600 > MAX_SPAN_DAYS * _default_calendar(cal).seconds_per_day
        fast_ok[np.flatnonzero(unit_rows)[bad]] = False
    for position in np.flatnonzero(rows & ~fast_ok):
        try:
            _checked_amount(raw[position], units[position], cal)
        except InvalidAmount as error:
            errors.setdefault(int(position), error)
        else:  # pragma: no cover - the fast check and the scalar check disagree
            raise AssertionError(f"amount {raw[position]!r} passed the scalar check only")
    return fast_ok


def due_many(starts: Any, amounts: Any, units: Any, cal: BusinessCalendar | None = None) -> np.ndarray:
    """Deadlines for a column of starts: a datetime64[s] array, NaT where the start is blank.

    ``starts``: pandas Series / numpy datetime64 array (NaT for blanks) / list of datetimes.
    ``amounts`` and ``units``: scalars or arrays of the same length. Results are rounded to whole
    seconds and equal ``due()`` element by element.

    One bad row never stops the column: if any element fails (unknown unit, bad amount, a due in a
    year without holiday data...), BatchError is raised after every element was computed;
    ``error.partial`` is the full result with NaT at the failed positions and ``error.errors``
    maps each failed 0-based position to its error, whose ``str()`` is the Chinese message::

        try:
            resolution_due = due_many(frame["受理时间"], 3, "工作日", cal)
        except BatchError as failed:
            resolution_due = failed.partial
            for position, error in failed.errors.items():
                problems.append(f"row {frame.index[position]}: {error}")
    """
    errors: dict[int, UdfError] = {}
    start_values = _moments(starts, "开始时间", errors)
    size = len(start_values)
    result = np.full(size, np.datetime64("NaT"), dtype="datetime64[s]")
    valid = ~np.isnat(start_values)
    unit_names = _canonical_units(units, size, valid, errors)
    numeric, raw = _amount_array(amounts, size)
    valid &= np.array([name is not None for name in unit_names], dtype=bool)
    valid = _validate_amounts(numeric, raw, unit_names, cal, valid, errors)

    for unit in UNITS:
        rows = np.flatnonzero(valid & (unit_names == unit))
        if not len(rows):
            continue
        if unit in _CLOCK_SECONDS:
            seconds = np.rint(numeric[rows] * _CLOCK_SECONDS[unit]).astype(np.int64)
            result[rows] = start_values[rows] + seconds.astype("timedelta64[s]")
        elif unit == MONTHS:
            result[rows] = _add_months_many(start_values[rows], numeric[rows].astype(np.int64))
    calendar_rows = np.flatnonzero(valid & np.isin(unit_names, list(WORKING_UNITS)))
    if len(calendar_rows):
        _working_dues(start_values, numeric, unit_names, calendar_rows, _default_calendar(cal), result, raw, errors)

    late = valid & ~np.isnat(result) & (result > _LAST_MOMENT)
    for position in np.flatnonzero(late):
        beyond = InvalidAmount(raw[position], "结果超出可表示的日期范围（9999 年以后）")
        errors.setdefault(int(position), beyond)
    if errors:
        result[list(errors)] = np.datetime64("NaT")
        raise BatchError(dict(sorted(errors.items())), result)
    return result


def _add_months_many(starts: np.ndarray, months: np.ndarray) -> np.ndarray:
    month_of_start = starts.astype("datetime64[M]")
    day_of_month = starts.astype("datetime64[D]") - month_of_start.astype("datetime64[D]")
    time_of_day = starts - starts.astype("datetime64[D]").astype("datetime64[s]")
    target_month = month_of_start + months.astype("timedelta64[M]")
    month_length = (target_month + 1).astype("datetime64[D]") - target_month.astype("datetime64[D]")
    day = np.minimum(day_of_month, month_length - np.timedelta64(1, "D"))
    return (target_month.astype("datetime64[D]") + day).astype("datetime64[s]") + time_of_day


def _table_for(
    cal: BusinessCalendar, first: np.datetime64, last_start: np.datetime64, working_days_needed: int
) -> DayTable:
    """A day table from ``first`` long enough to hold ``working_days_needed`` working days after ``last_start``."""
    first_day = first.astype("datetime64[D]").item()
    last_start_day = last_start.astype("datetime64[D]").item()
    rest_days = cal.weekend.count("1")
    span = (working_days_needed + 2) * 7 // (7 - rest_days) + 45  # weeks of working days + a holiday season
    while True:
        span = min(span, MAX_SPAN_DAYS + 1)
        last_day = date.max if (date.max - last_start_day).days < span else last_start_day + timedelta(days=span)
        table = cal.day_table(first_day, last_day)
        last_index = (last_start_day - first_day).days
        available = table.working_before[-1] - table.working_before[last_index + 1]
        if available >= working_days_needed or span >= MAX_SPAN_DAYS + 1:
            return table
        span *= 2


def _working_dues(
    starts: np.ndarray, amounts: np.ndarray, units: np.ndarray, rows: np.ndarray,
    cal: BusinessCalendar, result: np.ndarray, raw: np.ndarray, errors: dict[int, UdfError],
) -> None:
    """Fill ``result`` at ``rows`` (工作小时 / 工作日) from one per-day table and array lookups."""
    row_starts = starts[rows]
    is_hours = units[rows] == WORK_HOURS
    seconds = np.where(is_hours, np.rint(amounts[rows] * 3600), 0).astype(np.int64)
    days = np.where(is_hours, 0, amounts[rows]).astype(np.int64)
    needed = int(max(seconds.max(initial=0) // cal.seconds_per_day + 2, days.max(initial=0) + 1))
    table = _table_for(cal, row_starts.min(), row_starts.max(), needed)
    day_index = table.index_of(row_starts)
    time_of_day = (row_starts - row_starts.astype("datetime64[D]")).astype(np.int64)

    hours_nth, hours_time = _nth_day_for_working_hours(table, cal, day_index, time_of_day, seconds)
    days_nth = _nth_day_for_working_days(table, cal, day_index, time_of_day, days)
    nth = np.where(is_hours, hours_nth, days_nth)  # -1: the start's own day
    due_time = np.where(is_hours, hours_time, cal.day_end)
    zero_hours = is_hours & (seconds == 0)  # no time allowed: due at the start itself

    last_working_day = len(table.working_days) - 1
    out_of_table = nth > last_working_day
    lookup = table.working_days[np.clip(nth, 0, max(last_working_day, 0))] if last_working_day >= 0 else day_index
    due_index = np.where((nth < 0) | zero_hours, day_index, lookup)
    dues = (table.first_day + due_index).astype("datetime64[s]") + due_time.astype("timedelta64[s]")
    result[rows] = np.where(zero_hours, row_starts, dues)

    # A walk past the table or past 100 years went through every day up to its 100-year limit; the
    # scalar walk stops at the first uncovered year on the way, so that error wins over "too long".
    too_long = ~zero_hours & (out_of_table | (due_index - day_index > MAX_SPAN_DAYS))
    walked_to = np.where(too_long, np.minimum(day_index + MAX_SPAN_DAYS, len(table) - 1), due_index)
    uncovered = table.uncovered_between(day_index, walked_to)
    for local in np.flatnonzero(uncovered):
        year = table.first_uncovered_year(int(day_index[local]), int(walked_to[local]))
        errors.setdefault(int(rows[local]), CalendarYearMissing(year))
    for local in np.flatnonzero(too_long & ~uncovered):
        errors.setdefault(int(rows[local]), _too_long_error(raw[rows[local]]))


def _nth_day_for_working_hours(
    table: DayTable, cal: BusinessCalendar, day_index: np.ndarray, time_of_day: np.ndarray, seconds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """工作小时: (which working day of the table, time of day) of the earliest moment at which the
    working time elapsed since the table's start equals the start's plus ``seconds``."""
    per_day = cal.seconds_per_day
    position = table.working_before[day_index] * per_day + table.working[day_index] * cal.worked_before(time_of_day)
    target = position + seconds
    nth = np.maximum(target - 1, 0) // per_day  # a target of exactly k days ends day k-1, at its end
    worked_that_day = np.clip(target - nth * per_day, 1, per_day)
    return nth, cal.time_of_worked(worked_that_day)


def _nth_day_for_working_days(
    table: DayTable, cal: BusinessCalendar, day_index: np.ndarray, time_of_day: np.ndarray, days: np.ndarray
) -> np.ndarray:
    """工作日: which working day of the table is WORKDAY.INTL(start, days); -1 for the start's own day."""
    worked_through_start_day = table.working_before[day_index + 1]
    workable_today = table.working[day_index] & (time_of_day < cal.day_end)
    zero_days = np.where(workable_today, -1, worked_through_start_day)
    return np.where(days > 0, worked_through_start_day + days - 1, zero_days)


def status_many(
    due: Any, done: Any = None, now: Any = None, start: Any = None, warning: Any = DEFAULT_WARNING,
    units: Any = None, cal: BusinessCalendar | None = None,
) -> np.ndarray:
    """Statuses for columns of deadlines: an object array of 未开始/进行中/即将超时/已超时/按时完成/超时完成.

    Same rules as ``status``; a NaT due or start gives 未开始. ``now`` is one moment (or an array);
    ``warning`` a fraction or an array of fractions (NaN → 0.8); ``units`` (one or per row) say
    where the warning is measured in working time under ``cal``. Bad elements (an out-of-range
    warning, text in a date column) raise BatchError after the rest is computed, with None at
    those positions in ``partial``.
    """
    errors: dict[int, UdfError] = {}
    due_values = _moments(due, "截止时间", errors)
    size = len(due_values)
    done_values = _column(done, size, "完成时间", errors)
    start_values = _column(start, size, "开始时间", errors)
    now_values = _column(now, size, "当前时间", errors)
    fractions = _warning_array(warning, size, errors)

    result = np.full(size, IN_PROGRESS, dtype=object)
    not_started = np.isnat(due_values) | np.isnat(start_values)
    finished = ~not_started & ~np.isnat(done_values)
    open_rows = ~not_started & ~finished
    missing_now = open_rows & np.isnat(now_values)
    for position in np.flatnonzero(missing_now):
        errors.setdefault(int(position), MissingNow("判断未完成时限的状态"))
    open_rows &= ~missing_now
    before_start = open_rows & (now_values < start_values)
    overdue = open_rows & ~before_start & (now_values > due_values)
    allowed = (due_values - start_values).astype(np.float64)
    elapsed = (now_values - start_values).astype(np.float64)
    if units is not None:
        unit_values = _broadcast(units, size)
        working = open_rows & ~before_start & ~overdue & np.isin(unit_values, list(WORKING_UNITS))
        if working.any():
            cal = _default_calendar(cal)
            for target, end in ((allowed, due_values), (elapsed, now_values)):
                try:
                    hours = working_hours_between_many(start_values[working], end[working], cal)
                except BatchError as failed:  # a year without holiday data: reported with the deadline
                    hours = failed.partial
                target[working] = hours * 3600
    with np.errstate(invalid="ignore"):
        at_risk = open_rows & ~before_start & ~overdue & (elapsed >= fractions * allowed)

    result[not_started | before_start] = NOT_STARTED
    result[finished & (done_values <= due_values)] = DONE_ON_TIME
    result[finished & (done_values > due_values)] = DONE_LATE
    result[overdue] = OVERDUE
    result[at_risk] = AT_RISK
    if errors:
        result[list(errors)] = None
        raise BatchError(dict(sorted(errors.items())), result)
    return result


def _column(values: Any, size: int, what: str, errors: dict[int, UdfError]) -> np.ndarray:
    if values is None:
        return np.full(size, np.datetime64("NaT"), dtype="datetime64[s]")
    column = _moments(values, what, errors)
    if len(column) == 1 and size != 1 and np.ndim(values) == 0:
        return np.full(size, column[0], dtype="datetime64[s]")
    if len(column) != size:
        raise ValueError(f"{what}: length {len(column)} does not match the {size} deadlines")
    return column


def _warning_array(warning: Any, size: int, errors: dict[int, UdfError]) -> np.ndarray:
    raw = _broadcast(warning if warning is not None else DEFAULT_WARNING, size)
    if raw.dtype.kind == "f":  # the routines' case: a float column, checked in one go
        fractions = np.where(np.isnan(raw), DEFAULT_WARNING, raw)
        bad = (fractions < 0) | (fractions > 1)
        for position in np.flatnonzero(bad):
            errors.setdefault(int(position), InvalidWarning(raw[position]))
        return np.where(bad, DEFAULT_WARNING, fractions)
    fractions = np.full(size, DEFAULT_WARNING)
    for position, value in enumerate(raw):
        try:
            fractions[position] = _checked_warning(value)
        except InvalidWarning as error:
            errors.setdefault(position, error)
    return fractions


def working_hours_between_many(starts: Any, ends: Any, cal: BusinessCalendar | None = None) -> np.ndarray:
    """Working hours from each start to its end: float64, NaN where either is blank, 0 where end <= start.

    Raises BatchError (``partial`` with NaN at failed positions) when a row spans a year without
    holiday data or holds a value that is not a date.
    """
    errors: dict[int, UdfError] = {}
    start_values = _moments(starts, "开始时间", errors)
    size = len(start_values)
    end_values = _column(ends, size, "结束时间", errors)
    result = np.full(size, np.nan)
    present = ~np.isnat(start_values) & ~np.isnat(end_values)
    result[present] = 0.0
    rows = np.flatnonzero(present & (end_values > start_values))
    if len(rows):
        cal = _default_calendar(cal)
        row_starts, row_ends = start_values[rows], end_values[rows]
        first_day = row_starts.min().astype("datetime64[D]").item()
        table = cal.day_table(first_day, row_ends.max().astype("datetime64[D]").item())
        start_index, end_index = table.index_of(row_starts), table.index_of(row_ends)
        seconds = _positions(table, cal, row_starts, start_index)
        seconds = _positions(table, cal, row_ends, end_index) - seconds
        result[rows] = seconds / 3600
        for local in np.flatnonzero(table.uncovered_between(start_index, end_index)):
            year = table.first_uncovered_year(int(start_index[local]), int(end_index[local]))
            errors.setdefault(int(rows[local]), CalendarYearMissing(year))
    if errors:
        result[list(errors)] = np.nan
        raise BatchError(dict(sorted(errors.items())), result)
    return result


def _positions(table: DayTable, cal: BusinessCalendar, moments: np.ndarray, day_index: np.ndarray) -> np.ndarray:
    """Working seconds from the table's first day to each moment."""
    time_of_day = (moments - moments.astype("datetime64[D]")).astype(np.int64)
    worked_today = table.working[day_index] * cal.worked_before(time_of_day)
    return table.working_before[day_index] * cal.seconds_per_day + worked_today


def extend_for_pauses_many(
    dues: Any,
    units: Any,
    cal: BusinessCalendar | None,
    now: Any,
    *,
    starts: Any,
    pause_rows: Any,
    pause_starts: Any,
    pause_ends: Any,
    dones: Any = None,
) -> np.ndarray:
    """``extend_for_pauses`` for a column: deadlines pushed back by each row's pauses.

    The pauses are a long table: ``pause_rows[k]`` is the 0-based position (in ``dues``) of the
    ticket that paused from ``pause_starts[k]`` to ``pause_ends[k]`` (NaT/None = still paused).
    ``dones``: each row's stage event (NaT: still open) — see ``extend_for_pauses``'s ``done``.
    Rows without pauses are returned unchanged. Raises BatchError (``partial`` with NaT at the
    failed positions) for bad pauses or uncovered years; the other rows are still computed.
    """
    errors: dict[int, UdfError] = {}
    due_values = _moments(dues, "截止时间", errors)
    size = len(due_values)
    start_values = _column(starts, size, "开始时间", errors)
    done_values = _column(dones, size, "完成时间", errors)
    unit_values = _broadcast(units, size)
    result = due_values.copy()
    owners = np.asarray(pause_rows, dtype=np.int64).reshape(-1)
    pause_errors: dict[int, UdfError] = {}
    begins = _moments(pause_starts, "暂停开始", pause_errors)
    if pause_ends is None:
        ends = np.full(len(owners), np.datetime64("NaT"), dtype="datetime64[s]")
    else:
        ends = _moments(pause_ends, "暂停结束", pause_errors)
    for pause, error in pause_errors.items():
        errors.setdefault(int(owners[pause]), error)
    by_row: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    for owner, begin, end in zip(owners, begins, ends):
        by_row[int(owner)].append((_as_python(begin), _as_python(end)))
    cal = _default_calendar(cal)
    for row, pauses in by_row.items():
        if row in errors or np.isnat(due_values[row]):
            continue
        try:
            extended = extend_for_pauses(
                _as_python(due_values[row]), pauses, unit_values[row], cal, now, start=_as_python(start_values[row]),
                done=_as_python(done_values[row]),
            )
        except UdfError as error:
            errors.setdefault(row, error)
            continue
        result[row] = np.datetime64(extended, "s")
    if errors:
        result[list(errors)] = np.datetime64("NaT")
        raise BatchError(dict(sorted(errors.items())), result)
    return result


def _as_python(moment: np.datetime64) -> datetime | None:
    return None if np.isnat(moment) else moment.astype("datetime64[s]").item()
