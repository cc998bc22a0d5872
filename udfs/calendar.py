"""Business calendar: which days are working days and which hours of them are working time.

A day is a working day when it is a make-up working day (调休上班日), or else when it is neither
a holiday nor a weekly rest day. Every working day has the same working hours, possibly split by
a lunch break. The Chinese statutory calendar comes from the maintained ``chinesecalendar``
package; a year it has no data for raises CalendarYearMissing instead of being guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property, lru_cache
from typing import Any, Iterable

import chinese_calendar
import numpy as np

from udfs.errors import CalendarError, CalendarYearMissing, ConflictingDays, InvalidHours, InvalidWeekend
from udfs.values import flatten, is_blank, to_date

__all__ = [
    "BusinessCalendar",
    "CalendarError",
    "CalendarYearMissing",
    "DEFAULT_HOURS",
    "DEFAULT_WEEKEND",
    "DayTable",
    "parse_hours",
    "parse_weekend",
    "statutory_days",
    "statutory_years",
]

DEFAULT_HOURS: tuple[tuple[time, time], ...] = ((time(9, 0), time(18, 0)),)
DEFAULT_WEEKEND = "0000011"

# Excel WORKDAY.INTL weekend numbers: 1-7 are two-day weekends, 11-17 single days (Monday first).
_EXCEL_WEEKEND_NUMBERS = {
    1: "0000011", 2: "1000001", 3: "1100000", 4: "0110000", 5: "0011000", 6: "0001100", 7: "0000110",
    11: "0000001", 12: "1000000", 13: "0100000", 14: "0010000", 15: "0001000", 16: "0000100", 17: "0000010",
}

# People type hours with full-width punctuation and assorted dashes; read them all the same way.
_HOURS_PUNCTUATION = str.maketrans({"：": ":", "，": ",", "、": ",", "；": ",", ";": ",",
                                    "－": "-", "—": "-", "–": "-", "~": "-", "～": "-", "至": "-", "到": "-"})
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_hours(text: str | None) -> tuple[tuple[time, time], ...]:
    """Parse working hours like "09:00-18:00" or "09:00-12:00,13:00-18:00"; blank means 09:00-18:00.

    Intervals must be in order, inside one day and must not overlap. Raises InvalidHours.
    """
    if is_blank(text):
        return DEFAULT_HOURS
    if not isinstance(text, str):
        raise InvalidHours(text, "应为文字")
    compact = re.sub(r"\s+", "", text.translate(_HOURS_PUNCTUATION))
    intervals = []
    for part in compact.split(","):
        match = _INTERVAL.match(part)
        if not match:
            raise InvalidHours(text, f"「{part}」不是 时:分-时:分 的格式")
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
            raise InvalidHours(text, f"「{part}」不是有效时刻（不支持 24:00 或跨零点，请用 23:59）")
        start, end = time(start_h, start_m), time(end_h, end_m)
        if start >= end:
            raise InvalidHours(text, f"「{part}」的结束时刻不晚于开始时刻")
        intervals.append((start, end))
    return _checked_intervals(intervals, text)


def _checked_intervals(intervals: Iterable[tuple[time, time]], shown: Any) -> tuple[tuple[time, time], ...]:
    checked = tuple((start, end) for start, end in intervals)
    if not checked:
        raise InvalidHours(shown, "没有任何工作时段")
    for (start, end) in checked:
        if not (isinstance(start, time) and isinstance(end, time) and start < end):
            raise InvalidHours(shown, "每个时段须是 (开始, 结束) 且开始早于结束")
    for (_, previous_end), (next_start, _) in zip(checked, checked[1:]):
        if next_start < previous_end:
            raise InvalidHours(shown, "时段须按先后排列且不能重叠")
    return checked


def parse_weekend(text: str | float | int | None) -> str:
    """Parse Excel's weekend argument: a 7-character 0/1 string (Monday first, 1 = rest day) or a
    WORKDAY.INTL weekend number (1-7, 11-17); blank means "0000011". Raises InvalidWeekend."""
    if is_blank(text):
        return DEFAULT_WEEKEND
    if isinstance(text, str):
        mask = text.strip()
        if len(mask) == 7 and set(mask) <= {"0", "1"} and mask != "1111111":
            return mask
        raise InvalidWeekend(text)
    if isinstance(text, (int, float)) and not isinstance(text, bool) and float(text).is_integer():
        mask = _EXCEL_WEEKEND_NUMBERS.get(int(text))
        if mask:
            return mask
    raise InvalidWeekend(text)


@lru_cache(maxsize=None)
def statutory_years() -> frozenset[int]:
    """The years the installed chinesecalendar has holiday and make-up day data for."""
    return frozenset(day.year for day in chinese_calendar.holidays) | frozenset(
        day.year for day in chinese_calendar.workdays
    )


def _holiday_name(english: Any) -> str:
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return str(english)


def statutory_days(year: int) -> tuple[list[tuple[date, str]], list[tuple[date, str]]]:
    """The statutory days off and make-up working days of a year, each with its holiday's Chinese name.

    Returns (holidays, workdays), both sorted by date, e.g. ((2026-02-15, "春节"), ...) and
    ((2026-02-14, "春节"), ...). Raises CalendarYearMissing for a year without data.
    """
    if year not in statutory_years():
        raise CalendarYearMissing(year)
    holidays = sorted((d, _holiday_name(n)) for d, n in chinese_calendar.holidays.items() if d.year == year)
    workdays = sorted((d, _holiday_name(n)) for d, n in chinese_calendar.workdays.items() if d.year == year)
    return holidays, workdays


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and working hours, with the years the holiday data is known to cover.

    ``covered_years`` None means no coverage check (the user supplied the days explicitly).
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    hours: tuple[tuple[time, time], ...] = DEFAULT_HOURS
    weekend: str = DEFAULT_WEEKEND
    covered_years: frozenset[int] | None = field(default=None)

    def __post_init__(self) -> None:
        _checked_intervals(self.hours, self.hours)
        if parse_weekend(self.weekend) != self.weekend:
            raise InvalidWeekend(self.weekend)
        conflicts = self.holidays & self.workdays
        if conflicts:
            raise ConflictingDays(sorted(conflicts))

    @classmethod
    def chinese_statutory(cls, hours: Any = None, weekend: Any = None) -> BusinessCalendar:
        """The Chinese statutory calendar (holidays and 调休) from chinesecalendar; hours default 09:00-18:00."""
        return _chinese_statutory(_as_hours(hours), parse_weekend(weekend))

    @classmethod
    def from_values(
        cls,
        holidays: Any = None,
        workdays: Any = None,
        hours: Any = None,
        weekend: Any = None,
        covered_years: Iterable[int] | None = None,
    ) -> BusinessCalendar:
        """Build a calendar from cell values: ranges (nested lists), lists, arrays or single values.

        Dates may be date, datetime, pandas Timestamp or Excel serial numbers; blanks are skipped.
        Omitted holidays or workdays mean none (this constructor never adds statutory days).
        Raises InvalidDate naming the first value that is not a date.
        """
        return cls(
            holidays=_date_set(holidays, "节假日"),
            workdays=_date_set(workdays, "调休上班日"),
            hours=_as_hours(hours),
            weekend=parse_weekend(weekend),
            covered_years=None if covered_years is None else frozenset(int(y) for y in covered_years),
        )

    # -- facts about days -------------------------------------------------------------------

    def check_year(self, year: int) -> None:
        """Raise CalendarYearMissing when the holiday data does not cover ``year``."""
        if self.covered_years is not None and year not in self.covered_years:
            raise CalendarYearMissing(year)

    def check_years(self, first: date | datetime, last: date | datetime) -> None:
        """Raise CalendarYearMissing for the first uncovered year from ``first`` to ``last``."""
        for year in range(first.year, last.year + 1):
            self.check_year(year)

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day; raises CalendarYearMissing for an uncovered year."""
        if isinstance(day, datetime):
            day = day.date()
        self.check_year(day.year)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return self.weekend[day.weekday()] == "0"

    # -- facts about hours (seconds since midnight) -------------------------------------------

    @cached_property
    def intervals(self) -> tuple[tuple[int, int], ...]:
        """Working intervals of a working day as (start, end) seconds since midnight."""
        return tuple((_seconds(start), _seconds(end)) for start, end in self.hours)

    @cached_property
    def seconds_per_day(self) -> int:
        """Working seconds in one working day."""
        return sum(end - start for start, end in self.intervals)

    @cached_property
    def day_end(self) -> int:
        """End of the last working interval, in seconds since midnight (18:00 → 64800)."""
        return self.intervals[-1][1]

    def worked_before(self, seconds: np.ndarray | int) -> np.ndarray:
        """Working seconds of a working day that lie before the given times of day."""
        points = [0.0]
        worked = [0.0]
        total = 0
        for start, end in self.intervals:
            points += [start, end]
            worked += [total, total + end - start]
            total += end - start
        points.append(86400.0)
        worked.append(float(total))
        return np.rint(np.interp(seconds, points, worked)).astype(np.int64)

    def time_of_worked(self, worked: np.ndarray) -> np.ndarray:
        """Inverse of worked_before: the earliest time of day by which ``worked`` (1..seconds_per_day)
        working seconds have elapsed — so a total that runs out at 12:00 lands on 12:00, not 13:00."""
        starts = np.array([start for start, _ in self.intervals], dtype=np.int64)
        lengths = np.array([end - start for start, end in self.intervals], dtype=np.int64)
        ends_cumulative = np.cumsum(lengths)
        index = np.searchsorted(ends_cumulative, worked, side="left")
        return starts[index] + worked - (ends_cumulative[index] - lengths[index])

    # -- vectorised facts -----------------------------------------------------------------------

    def day_table(self, first: date, last: date) -> DayTable:
        """A per-day table from ``first`` to ``last`` inclusive, for vectorised calculations.

        Days in uncovered years are marked uncovered and treated by the weekly pattern; callers
        must refuse any result whose walk touched them (see DayTable.covered).
        """
        days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
        rest_weekday = np.array([flag == "1" for flag in self.weekend])
        working = ~rest_weekday[weekday]
        if self.holidays:
            working &= ~np.isin(days, np.array(sorted(self.holidays), dtype="datetime64[D]"))
        if self.workdays:
            working |= np.isin(days, np.array(sorted(self.workdays), dtype="datetime64[D]"))
        years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        if self.covered_years is None:
            covered = np.ones(len(days), dtype=bool)
        else:
            covered = np.isin(years, np.array(sorted(self.covered_years), dtype=np.int64))
        working_before = np.concatenate(([0], np.cumsum(working, dtype=np.int64)))
        return DayTable(
            first_day=np.datetime64(first, "D"),
            working=working,
            covered=covered,
            years=years,
            working_before=working_before,
            working_days=np.flatnonzero(working).astype(np.int64),
        )


@dataclass(frozen=True, eq=False)
class DayTable:
    """Per-day arrays of a calendar over a date range; index i is ``first_day + i`` days."""

    first_day: np.datetime64
    working: np.ndarray  # bool per day
    covered: np.ndarray  # bool per day: the holiday data covers this day's year
    years: np.ndarray  # int64 year per day
    working_before: np.ndarray  # int64, len n+1: working days before day i
    working_days: np.ndarray  # int64: index of each working day, in order

    def __len__(self) -> int:
        return len(self.working)

    def index_of(self, days: np.ndarray) -> np.ndarray:
        """Day indexes of datetime64 values (their date part)."""
        return (days.astype("datetime64[D]") - self.first_day).astype(np.int64)

    def uncovered_between(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """True where some day in first..last (indexes, inclusive) lies in an uncovered year."""
        uncovered_before = np.concatenate(([0], np.cumsum(~self.covered, dtype=np.int64)))
        return uncovered_before[last + 1] - uncovered_before[first] > 0

    def first_uncovered_year(self, first: int, last: int) -> int:
        """The first uncovered year among the days first..last (indexes, inclusive)."""
        offsets = np.flatnonzero(~self.covered[first : last + 1])
        return int(self.years[first + offsets[0]])


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _as_hours(hours: Any) -> tuple[tuple[time, time], ...]:
    if hours is None or isinstance(hours, str) or is_blank(hours):
        return parse_hours(hours)
    if isinstance(hours, (list, tuple)):
        flat = flatten(hours)
        if len(flat) == 1:
            return parse_hours(flat[0])
        if all(isinstance(item, time) for item in flat) and len(flat) % 2 == 0:
            return _checked_intervals(zip(flat[::2], flat[1::2]), hours)
    raise InvalidHours(hours, "应为文字，例如 09:00-18:00")


def _date_set(values: Any, what: str) -> frozenset[date]:
    days = set()
    for value in flatten(values):
        day = to_date(value, what)
        if day is not None:
            days.add(day)
    return frozenset(days)


@lru_cache(maxsize=32)
def _chinese_statutory(hours: tuple[tuple[time, time], ...], weekend: str) -> BusinessCalendar:
    return BusinessCalendar(
        holidays=frozenset(chinese_calendar.holidays),
        workdays=frozenset(chinese_calendar.workdays),
        hours=hours,
        weekend=weekend,
        covered_years=statutory_years(),
    )
