"""udfs.calendar: working hours and weekend parsing, the Chinese statutory calendar, lenient builders."""

from datetime import date, datetime, time, timedelta

import holidays as holidays_package
import pytest

from udfs.calendar import (
    BusinessCalendar,
    parse_hours,
    parse_weekend,
    statutory_days,
    statutory_years,
)
from udfs.errors import CalendarError, CalendarYearMissing, ConflictingDays, InvalidDate, InvalidHours, InvalidWeekend


# -- working hours -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        (None, ((time(9), time(18)),)),  # contract: hours omitted → 09:00–18:00
        ("", ((time(9), time(18)),)),
        ("09:00-18:00", ((time(9), time(18)),)),
        ("09:00-12:00,13:00-18:00", ((time(9), time(12)), (time(13), time(18)))),
        # people type full-width punctuation and other dashes in Chinese input methods
        ("9：00—12：00，13：00～18：00", ((time(9), time(12)), (time(13), time(18)))),
        (" 08:30 - 17:30 ", ((time(8, 30), time(17, 30)),)),
    ],
)
def test_working_hours_text_is_read_as_intervals(text, expected):
    assert parse_hours(text) == expected


@pytest.mark.parametrize(
    "text",
    ["9-18", "18:00-09:00", "09:00-09:00", "09:00-12:00,11:00-18:00", "13:00-18:00,09:00-12:00",
     "25:00-26:00", "09:00-24:00", "上午九点到下午六点", "09:00-18:00,"],
)
def test_malformed_working_hours_are_refused_naming_the_text(text):
    with pytest.raises(InvalidHours) as raised:
        parse_hours(text)
    assert raised.value.value == text
    assert text.strip() in str(raised.value) and "09:00-18:00" in str(raised.value)


# -- weekend --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, expected",
    [
        (None, "0000011"),  # contract: default "0000011"
        ("0000011", "0000011"),
        ("0000001", "0000001"),
        # Excel's WORKDAY.INTL weekend numbers (Microsoft's function reference):
        # 1 = Saturday+Sunday, 2 = Sunday+Monday, 7 = Friday+Saturday, 11 = Sunday only, 17 = Saturday only
        (1, "0000011"),
        (2.0, "1000001"),
        (7, "0000110"),
        (11, "0000001"),
        (17, "0000010"),
    ],
)
def test_weekend_accepts_excel_strings_and_numbers(value, expected):
    assert parse_weekend(value) == expected


@pytest.mark.parametrize("value", ["1111111", "000011", "00000111", "00000a1", 8, 18, 1.5, True])
def test_bad_weekend_is_refused(value):
    with pytest.raises(InvalidWeekend) as raised:
        parse_weekend(value)
    assert raised.value.value == value


# -- the 2026 statutory calendar ---------------------------------------------------------------------
# Expected values: 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号, 2025-11-04):
# 元旦 1/1–1/3 off, 1/4 (Sun) works; 春节 2/15–2/23 off, 2/14 (Sat) and 2/28 (Sat) work;
# 清明 4/4–4/6; 劳动节 5/1–5/5 off, 5/9 (Sat) works; 端午 6/19–6/21; 中秋 9/25–9/27;
# 国庆 10/1–10/7 off, 9/20 (Sun) and 10/10 (Sat) work.

def _days(first, last):
    day = date.fromisoformat(first)
    while day <= date.fromisoformat(last):
        yield day
        day += timedelta(days=1)


OFFICIAL_2026_OFF = {
    **{d: "元旦" for d in _days("2026-01-01", "2026-01-03")},
    **{d: "春节" for d in _days("2026-02-15", "2026-02-23")},
    **{d: "清明" for d in _days("2026-04-04", "2026-04-06")},
    **{d: "劳动节" for d in _days("2026-05-01", "2026-05-05")},
    **{d: "端午" for d in _days("2026-06-19", "2026-06-21")},
    **{d: "中秋" for d in _days("2026-09-25", "2026-09-27")},
    **{d: "国庆节" for d in _days("2026-10-01", "2026-10-07")},
}
OFFICIAL_2026_MAKEUP = {
    date(2026, 1, 4): "元旦",
    date(2026, 2, 14): "春节",
    date(2026, 2, 28): "春节",
    date(2026, 5, 9): "劳动节",
    date(2026, 9, 20): "国庆节",
    date(2026, 10, 10): "国庆节",
}


def test_statutory_days_2026_match_the_state_council_notice():
    off, makeup = statutory_days(2026)
    assert dict(off) == OFFICIAL_2026_OFF
    assert dict(makeup) == OFFICIAL_2026_MAKEUP
    assert [d for d, _ in off] == sorted(OFFICIAL_2026_OFF)


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 2, 13), True),  # Friday before the Spring Festival break
        (date(2026, 2, 14), True),  # Saturday make-up day (notice: 2月14日（周六）上班)
        (date(2026, 2, 15), False),  # first day of the break
        (date(2026, 2, 23), False),  # last day of the break (Monday)
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday make-up day
        (date(2026, 3, 1), False),  # an ordinary Sunday
        (date(2026, 9, 20), True),  # Sunday make-up day for National Day
        (date(2026, 9, 25), False),  # Mid-Autumn (Friday)
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),  # Wednesday, last day of National Day
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday make-up day
    ],
)
def test_chinese_statutory_calendar_knows_2026_working_days(day, working):
    assert BusinessCalendar.chinese_statutory().is_working_day(day) is working


def test_a_year_without_statutory_data_is_an_error_not_a_guess():
    # chinesecalendar 1.11 covers 2004–2026; 2027 is not published in it.
    assert 2027 not in statutory_years()
    with pytest.raises(CalendarYearMissing) as raised:
        statutory_days(2027)
    assert raised.value.year == 2027
    assert str(raised.value).startswith("2027年法定节假日数据缺失（「节假日数据年份」不含 2027）— 国务院放假通知发布后运行 aftersales calendar import")
    with pytest.raises(CalendarYearMissing):
        BusinessCalendar.chinese_statutory().is_working_day(date(2027, 1, 4))


def test_statutory_years_are_contiguous_from_2004():
    years = statutory_years()
    assert min(years) == 2004 and set(range(2004, max(years) + 1)) == years


@pytest.mark.parametrize("year", [2025, 2026])
def test_chinesecalendar_agrees_with_the_holidays_package(year):
    # Cross-check of two independent data sets. The holidays package lists only the weekday days
    # off (plus a few weekend ones) and the make-up Saturdays/Sundays as weekend_workdays.
    other = holidays_package.China(years=year)
    cal = BusinessCalendar.chinese_statutory()
    other_weekdays_off = {d for d in other if d.weekday() < 5}
    ours_weekdays_off = {d for d in _days(f"{year}-01-01", f"{year}-12-31") if d.weekday() < 5 and not cal.is_working_day(d)}
    assert ours_weekdays_off == other_weekdays_off
    assert {d for d in other.weekend_workdays if d.year == year} == {d for d, _ in statutory_days(year)[1]}


# -- lenient construction from cell values ------------------------------------------------------------

def test_from_values_accepts_dates_datetimes_serials_and_blanks():
    cal = BusinessCalendar.from_values(
        holidays=[[date(2025, 6, 12)], [None], [datetime(2025, 6, 13, 0, 0)], [""], [45658.0]],  # 45658 = 2025-01-01 in Excel
        workdays=datetime(2025, 6, 14),
        hours="09:00-12:00,13:00-18:00",
        weekend="0000011",
    )
    assert cal.holidays == {date(2025, 6, 12), date(2025, 6, 13), date(2025, 1, 1)}
    assert cal.workdays == {date(2025, 6, 14)}
    assert cal.covered_years is None
    assert cal.is_working_day(date(2025, 6, 14)) and not cal.is_working_day(date(2025, 6, 12))
    # explicit calendars have no coverage check: 2027 is just another year
    assert cal.is_working_day(date(2027, 1, 4))


def test_from_values_refuses_text_in_the_holiday_list_naming_it():
    with pytest.raises(InvalidDate) as raised:
        BusinessCalendar.from_values(holidays=[date(2025, 6, 12), "6月12日"])
    assert raised.value.value == "6月12日"
    assert "节假日「6月12日」不是日期" in str(raised.value)


def test_a_day_listed_as_holiday_and_make_up_day_is_refused():
    with pytest.raises(ConflictingDays) as raised:
        BusinessCalendar.from_values(holidays=[date(2025, 6, 14)], workdays=[date(2025, 6, 14)])
    assert "2025-06-14" in str(raised.value)


def test_covered_years_are_checked_when_given():
    cal = BusinessCalendar.from_values(holidays=[date(2025, 10, 1)], covered_years=[2025])
    assert cal.is_working_day(date(2025, 10, 2))
    with pytest.raises(CalendarYearMissing):
        cal.is_working_day(date(2026, 1, 5))


def test_calendar_errors_are_value_errors_for_callers_that_catch_broadly():
    assert issubclass(CalendarYearMissing, CalendarError) and issubclass(CalendarError, ValueError)


def test_day_table_matches_is_working_day():
    cal = BusinessCalendar.chinese_statutory()
    table = cal.day_table(date(2026, 1, 1), date(2026, 12, 31))
    expected = [cal.is_working_day(d) for d in _days("2026-01-01", "2026-12-31")]
    assert table.working.tolist() == expected
    assert table.working_before[-1] == sum(expected)
