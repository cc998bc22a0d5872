"""udfs.sla: deadlines, elapsed working time and statuses, as conformance tables.

Each expected value says where it comes from. The Frappe Helpdesk and ERPNext cases restate the
facts of their SLA tests (a Mon–Fri 10:00–18:00 calendar) on fixed dates instead of "this week".
"""

from datetime import date, datetime

import numpy as np
import pytest

from udfs import sla
from udfs.calendar import BusinessCalendar
from udfs.errors import (
    BatchError, CalendarYearMissing, InvalidAmount, InvalidDate, InvalidWarning, MissingNow, UnknownUnit,
)

D = datetime


def _due_vectorised(start, amount, unit, cal):
    """sla.due_many on a one-row column, with its per-row error re-raised like the scalar's."""
    try:
        return sla.due_many(np.array([start], dtype="datetime64[s]"), amount, unit, cal)[0].item()
    except BatchError as failed:
        raise failed.errors[0] from None


def _hours_between_vectorised(start, end, cal):
    starts, ends = np.array([start], dtype="datetime64[s]"), np.array([end], dtype="datetime64[s]")
    try:
        value = sla.working_hours_between_many(starts, ends, cal)[0]
    except BatchError as failed:
        raise failed.errors[0] from None
    return None if np.isnan(value) else float(value)


@pytest.fixture(params=["scalar", "vectorised"])
def due(request):
    """Every deadline table runs through both sla.due and sla.due_many."""
    return sla.due if request.param == "scalar" else _due_vectorised


@pytest.fixture(params=["scalar", "vectorised"])
def hours_between(request):
    return sla.working_hours_between if request.param == "scalar" else _hours_between_vectorised


def frappe_calendar(*holidays):
    """Frappe's test SLA: Monday–Friday 10:00–18:00 with a holiday list."""
    return BusinessCalendar.from_values(holidays=list(holidays), hours="10:00-18:00", weekend="0000011")


LUNCH = BusinessCalendar.from_values(holidays=[], hours="09:00-12:00,13:00-18:00")
CHINA_LUNCH = BusinessCalendar.chinese_statutory(hours="09:00-12:00,13:00-18:00")

# -- (a) Frappe Helpdesk: helpdesk/helpdesk/doctype/hd_ticket/test_hd_ticket.py ------------------------
# Priorities there: High 1 h response / 4 h resolution, Urgent 0.5 h / 2 h, Low 24 h / 72 h, all in
# working hours. Our week: Monday 2025-06-09 … Sunday 2025-06-15, then Monday 2025-06-16.

HELPDESK_CASES = [
    # test_response_resolution_working_day: Monday 11:00, +1 h and +4 h
    (D(2025, 6, 9, 11), 1, (), D(2025, 6, 9, 12)),
    (D(2025, 6, 9, 11), 4, (), D(2025, 6, 9, 15)),
    # test_response_resolution_before_working_hours: Monday 08:00 starts at 10:00
    (D(2025, 6, 9, 8), 1, (), D(2025, 6, 9, 11)),
    (D(2025, 6, 9, 8), 4, (), D(2025, 6, 9, 14)),
    # test_response_resolution_after_working_hours: Monday 20:00 → Tuesday 10:30 and 12:00
    (D(2025, 6, 9, 20), 0.5, (), D(2025, 6, 10, 10, 30)),
    (D(2025, 6, 9, 20), 2, (), D(2025, 6, 10, 12)),
    # test_response_resolution_non_working_day: Saturday 15:00, 24 h → Wednesday 18:00 (lands on the
    # end of the day and stays there), 72 h → Thursday of the following week 18:00
    (D(2025, 6, 14, 15), 24, (), D(2025, 6, 18, 18)),
    (D(2025, 6, 14, 15), 72, (), D(2025, 6, 26, 18)),
    # test_response_resolution_friday_in_working_hours: Friday 17:00, 0.5 h → 17:30; 2 h → Monday 11:00
    (D(2025, 6, 13, 17), 0.5, (), D(2025, 6, 13, 17, 30)),
    (D(2025, 6, 13, 17), 2, (), D(2025, 6, 16, 11)),
    # test_response_resolution_friday_after_working_hours: Friday 19:00 → Monday 11:00 and 14:00
    (D(2025, 6, 13, 19), 1, (), D(2025, 6, 16, 11)),
    (D(2025, 6, 13, 19), 4, (), D(2025, 6, 16, 14)),
    # test_response_resolution_holiday: Thursday 15:00 with Thursday and Friday holidays → Monday
    (D(2025, 6, 12, 15), 0.5, (date(2025, 6, 12), date(2025, 6, 13)), D(2025, 6, 16, 10, 30)),
    (D(2025, 6, 12, 15), 2, (date(2025, 6, 12), date(2025, 6, 13)), D(2025, 6, 16, 12)),
]


@pytest.mark.parametrize("start, hours, holidays, expected", HELPDESK_CASES)
def test_working_hours_walk_matches_frappe_helpdesk(due, start, hours, holidays, expected):
    assert due(start, hours, "工作小时", frappe_calendar(*holidays)) == expected


# -- (a) ERPNext: erpnext/support/doctype/issue/test_issue.py -------------------------------------------
# Default SLA: 4 h response, 6 h resolution; holiday list 2019-03-05 and 2019-03-07 (and 2019-02-11).
ERPNEXT_HOLIDAYS = (date(2019, 3, 5), date(2019, 3, 7), date(2019, 2, 11))


@pytest.mark.parametrize(
    "start, hours, expected",
    [
        # "make issue with default SLA": Monday 12:00
        (D(2019, 3, 4, 12), 4, D(2019, 3, 4, 16)),
        (D(2019, 3, 4, 12), 6, D(2019, 3, 4, 18)),  # lands exactly on 18:00 and stays
        # "before working hours": 07:00
        (D(2019, 3, 4, 7), 4, D(2019, 3, 4, 14)),
        (D(2019, 3, 4, 7), 6, D(2019, 3, 4, 16)),
        # "after working hours": 20:00, Tuesday 03-05 is a holiday → Wednesday
        (D(2019, 3, 4, 20), 4, D(2019, 3, 6, 14)),
        (D(2019, 3, 4, 20), 6, D(2019, 3, 6, 16)),
        # "next day": 14:00 → 18:00 the same day; 6 h skips the holiday → Wednesday 12:00
        (D(2019, 3, 4, 14), 4, D(2019, 3, 4, 18)),
        (D(2019, 3, 4, 14), 6, D(2019, 3, 6, 12)),
    ],
)
def test_working_hours_walk_matches_erpnext(due, start, hours, expected):
    assert due(start, hours, "工作小时", frappe_calendar(*ERPNEXT_HOLIDAYS)) == expected


# ERPNext TestFirstResponseTime cases 1–29 (Mon–Fri 10:00–18:00; 2021-06-25 is a Friday,
# 06-27 a Sunday). Where ERPNext asserts 1.0 s (its floor for "no working time") we expect 0.
FRT_CASES = [
    ("2021-06-28 11:00", "2021-06-28 12:00", 3600), ("2021-06-28 12:00", "2021-06-28 20:00", 21600),
    ("2021-06-28 06:00", "2021-06-28 12:00", 7200), ("2021-06-28 19:00", "2021-06-28 20:00", 0),
    ("2021-06-27 10:00", "2021-06-27 11:00", 0), ("2021-06-28 06:00", "2021-06-29 06:00", 28800),
    ("2021-06-28 06:00", "2021-06-29 11:00", 32400), ("2021-06-28 06:00", "2021-06-29 20:00", 57600),
    ("2021-06-25 06:00", "2021-06-26 11:00", 28800), ("2021-06-28 12:00", "2021-06-29 06:00", 21600),
    ("2021-06-28 12:00", "2021-06-29 11:00", 25200), ("2021-06-28 12:00", "2021-06-29 20:00", 50400),
    ("2021-06-25 12:00", "2021-06-26 11:00", 21600), ("2021-06-28 20:00", "2021-06-29 06:00", 0),
    ("2021-06-28 20:00", "2021-06-29 11:00", 3600), ("2021-06-28 20:00", "2021-06-29 20:00", 28800),
    ("2021-06-25 20:00", "2021-06-26 11:00", 0), ("2021-06-28 06:00", "2021-07-01 06:00", 86400),
    ("2021-06-28 06:00", "2021-07-01 11:00", 90000), ("2021-06-28 06:00", "2021-07-01 20:00", 115200),
    ("2021-06-25 06:00", "2021-06-27 11:00", 28800), ("2021-06-28 12:00", "2021-07-01 06:00", 79200),
    ("2021-06-28 12:00", "2021-07-01 11:00", 82800), ("2021-06-28 12:00", "2021-07-01 20:00", 108000),
    ("2021-06-25 12:00", "2021-06-27 11:00", 21600), ("2021-06-28 20:00", "2021-07-01 06:00", 57600),
    ("2021-06-28 20:00", "2021-07-01 11:00", 61200), ("2021-06-28 20:00", "2021-07-01 20:00", 86400),
    ("2021-06-25 20:00", "2021-06-27 11:00", 0),
]


@pytest.mark.parametrize("start, end, seconds", FRT_CASES)
def test_elapsed_working_time_matches_erpnext_first_response_time(hours_between, start, end, seconds):
    elapsed = hours_between(D.fromisoformat(start), D.fromisoformat(end), frappe_calendar())
    assert elapsed * 3600 == pytest.approx(seconds)


def test_elapsed_working_time_is_zero_when_end_is_not_after_start(hours_between):
    assert hours_between(D(2025, 6, 10, 12), D(2025, 6, 9, 12), frappe_calendar()) == 0.0
    assert hours_between(D(2025, 6, 10, 12), D(2025, 6, 10, 12), frappe_calendar()) == 0.0
    assert hours_between(None, D(2025, 6, 10, 12), frappe_calendar()) is None


# -- (b) the 2026 Chinese calendar, with a lunch break ------------------------------------------------------
# Days from the 2026 notice (see test_udfs_calendar.py); hours 09:00–12:00, 13:00–18:00.

@pytest.mark.parametrize(
    "start, amount, unit, expected",
    [
        # Friday 02-13 + 1 working day → the make-up Saturday 02-14, at its end of day
        (D(2026, 2, 13, 10), 1, "工作日", D(2026, 2, 14, 18)),
        # the make-up Saturday + 1 working day jumps the whole 02-15..02-23 break
        (D(2026, 2, 14, 10), 1, "工作日", D(2026, 2, 24, 18)),
        (D(2026, 2, 13, 10), 2, "工作日", D(2026, 2, 24, 18)),
        # received on the first day of the break: counts from the next working day
        (D(2026, 2, 15, 10), 1, "工作日", D(2026, 2, 24, 18)),
        # 02-27 (Fri) + 1 → the make-up Saturday 02-28
        (D(2026, 2, 27, 10), 1, "工作日", D(2026, 2, 28, 18)),
        # 2 working hours from 17:00 on the make-up Saturday: 1 h that day, 1 h on 02-24
        (D(2026, 2, 14, 17), 2, "工作小时", D(2026, 2, 24, 10)),
        # National Day: Wednesday 09-30 17:00 + 3 working hours → 1 h, then 10-08 09:00–11:00
        (D(2026, 9, 30, 17), 3, "工作小时", D(2026, 10, 8, 11)),
        # Saturday 09-19 is a rest day; Sunday 09-20 is a make-up working day
        (D(2026, 9, 19, 10), 1, "工作小时", D(2026, 9, 20, 10)),
        (D(2026, 10, 9, 10), 1, "工作日", D(2026, 10, 10, 18)),
        # Mid-Autumn 09-25..09-27 off: Thursday 09-24 + 1 working day → Monday 09-28
        (D(2026, 9, 24, 10), 1, "工作日", D(2026, 9, 28, 18)),
        # clock hours ignore the calendar (SPEC §3: "24 小时" are clock hours)
        (D(2026, 2, 14, 10), 24, "小时", D(2026, 2, 15, 10)),
        (D(2026, 9, 30, 17), 3, "自然日", D(2026, 10, 3, 17)),
    ],
)
def test_deadlines_follow_the_2026_statutory_calendar(due, start, amount, unit, expected):
    assert due(start, amount, unit, CHINA_LUNCH) == expected


# -- (c) lunch breaks ---------------------------------------------------------------------------------------------
# SPEC §3: "a target that runs out exactly at the end of an interval lands on that end (… 12:00 before
# a lunch break, not 13:00)"; "a start outside working time begins at the next working moment".

@pytest.mark.parametrize(
    "start, hours, expected",
    [
        (D(2025, 6, 9, 9), 3, D(2025, 6, 9, 12)),  # runs out at 12:00 → stays 12:00
        (D(2025, 6, 9, 11), 1, D(2025, 6, 9, 12)),
        (D(2025, 6, 9, 11), 2, D(2025, 6, 9, 14)),  # 1 h before lunch, 1 h after
        (D(2025, 6, 9, 12, 30), 1, D(2025, 6, 9, 14)),  # a start in the lunch break starts at 13:00
        (D(2025, 6, 9, 12), 0.5, D(2025, 6, 9, 13, 30)),
        (D(2025, 6, 9, 17), 1, D(2025, 6, 9, 18)),  # runs out at 18:00 → stays 18:00
        (D(2025, 6, 9, 17), 9, D(2025, 6, 10, 18)),  # 1 h + a full 8 h day
        (D(2025, 6, 9, 17, 30), 0.75, D(2025, 6, 10, 9, 15)),
    ],
)
def test_lunch_break_is_not_working_time(due, start, hours, expected):
    assert due(start, hours, "工作小时", LUNCH) == expected


# -- (d) 工作日 ----------------------------------------------------------------------------------------------------

WEEK = BusinessCalendar.from_values(holidays=[date(2025, 6, 12)])  # Thursday 2025-06-12 is a holiday


@pytest.mark.parametrize(
    "start, days, expected",
    [
        # SPEC §3 example: received Wednesday 10:00, 3 working days, Thursday a holiday. The rule in
        # the same paragraph — the date is WORKDAY.INTL(start, 3, "0000011", {Thursday}) — gives
        # Friday (1), Monday (2), Tuesday (3); LibreOffice agrees (test_udfs_workday_libreoffice.py).
        # The SPEC's prose says "due Monday 18:00", which is one working day short: reported.
        (D(2025, 6, 11, 10), 3, D(2025, 6, 17, 18)),
        (D(2025, 6, 11, 10), 1, D(2025, 6, 13, 18)),  # the holiday is skipped
        (D(2025, 6, 13, 10), 1, D(2025, 6, 16, 18)),  # Friday → Monday
        (D(2025, 6, 14, 10), 1, D(2025, 6, 16, 18)),  # Saturday start counts from Monday (WORKDAY.INTL)
        (D(2025, 6, 12, 10), 1, D(2025, 6, 13, 18)),  # holiday start counts from the next working day
        (D(2025, 6, 10, 20), 1, D(2025, 6, 11, 18)),  # the start day is never counted, whatever the hour
        (D(2025, 6, 10, 7), 1, D(2025, 6, 11, 18)),
        # amount 0 (our decision, documented in udfs.sla): the end of the working day on which the
        # ticket is first workable — its own day if received before 18:00 on a working day
        (D(2025, 6, 10, 10), 0, D(2025, 6, 10, 18)),
        (D(2025, 6, 10, 20), 0, D(2025, 6, 11, 18)),
        (D(2025, 6, 14, 10), 0, D(2025, 6, 16, 18)),
        (D(2025, 6, 12, 10), 0, D(2025, 6, 13, 18)),
    ],
)
def test_working_days_follow_workday_intl(due, start, days, expected):
    assert due(start, days, "工作日", WEEK) == expected


def test_working_days_end_at_the_end_of_the_last_interval(due):
    assert due(D(2025, 6, 9, 10), 1, "工作日", LUNCH) == D(2025, 6, 10, 18)
    evening = BusinessCalendar.from_values(holidays=[], hours="13:00-21:30")
    assert due(D(2025, 6, 9, 10), 1, "工作日", evening) == D(2025, 6, 10, 21, 30)


# -- (e) 月 = EDATE -------------------------------------------------------------------------------------------------
# Excel EDATE clips to the month's end: EDATE("2025-01-31", 1) = 2025-02-28; in a leap year 02-29.

@pytest.mark.parametrize(
    "start, months, expected",
    [
        (D(2025, 1, 31, 10, 30), 1, D(2025, 2, 28, 10, 30)),
        (D(2024, 1, 31, 10, 30), 1, D(2024, 2, 29, 10, 30)),
        (D(2025, 3, 31, 9), 1, D(2025, 4, 30, 9)),
        (D(2025, 8, 31, 9), 6, D(2026, 2, 28, 9)),
        (D(2025, 12, 15, 9), 2, D(2026, 2, 15, 9)),
        (D(2025, 5, 20, 9), 12, D(2026, 5, 20, 9)),
        (D(2025, 5, 20, 9), 0, D(2025, 5, 20, 9)),
        # the calendar is ignored, so a year without holiday data is fine
        (D(2026, 12, 15, 9), 1, D(2027, 1, 15, 9)),
    ],
)
def test_months_work_like_edate(due, start, months, expected):
    assert due(start, months, "月", CHINA_LUNCH) == expected


@pytest.mark.parametrize(
    "amount, unit, expected",
    [
        (10, "分钟", D(2025, 6, 14, 10, 10)),
        (2, "小时", D(2025, 6, 14, 12)),  # Saturday: clock hours ignore weekends
        (1.5, "自然日", D(2025, 6, 15, 22)),
        (90, "minutes", D(2025, 6, 14, 11, 30)),
    ],
)
def test_clock_units_are_plain_clock_arithmetic(due, amount, unit, expected):
    assert due(D(2025, 6, 14, 10), amount, unit, WEEK) == expected


# -- (f) 2027: an error, never a guess --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "start, amount, unit",
    [
        (D(2026, 12, 30, 10), 5, "工作日"),  # walks into 2027
        (D(2026, 12, 31, 17), 8, "工作小时"),
        (D(2027, 1, 4, 10), 1, "工作小时"),  # starts in 2027
        (D(2027, 1, 4, 10), 0, "工作小时"),
        (D(2027, 1, 4, 10), 1, "工作日"),
    ],
)
def test_deadline_in_a_year_without_holiday_data_is_an_error(due, start, amount, unit):
    with pytest.raises(CalendarYearMissing) as raised:
        due(start, amount, unit, CHINA_LUNCH)
    assert raised.value.year == 2027
    assert "2027年法定节假日数据缺失" in str(raised.value)


def test_working_time_spanning_2027_is_an_error(hours_between):
    with pytest.raises(CalendarYearMissing):
        hours_between(D(2026, 12, 30, 10), D(2027, 1, 5, 10), CHINA_LUNCH)


def test_clock_units_do_not_need_holiday_data(due):
    assert due(D(2027, 3, 1, 10), 24, "小时", CHINA_LUNCH) == D(2027, 3, 2, 10)


# -- units and bad input ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, canonical",
    [("分钟", "分钟"), ("minutes", "分钟"), (" Hours ", "小时"), ("work_hours", "工作小时"),
     ("work hours", "工作小时"), ("工作日", "工作日"), ("workdays", "工作日"), ("days", "自然日"),
     ("天", "自然日"), ("months", "月"), ("个月", "月")],
)
def test_units_and_their_aliases_normalise_to_chinese(text, canonical):
    assert sla.normalize_unit(text) == canonical


@pytest.mark.parametrize("unit", ["周", "weeks", "", None, 3])
def test_unknown_unit_is_named_in_the_error(due, unit):
    with pytest.raises(UnknownUnit) as raised:
        due(D(2025, 6, 9, 10), 1, unit, LUNCH)
    assert raised.value.value == unit
    assert "可用 分钟/小时/工作小时/工作日/自然日/月" in str(raised.value)


def test_unknown_unit_message_matches_the_contract():
    with pytest.raises(UnknownUnit) as raised:
        sla.normalize_unit("周")
    assert str(raised.value) == "单位「周」无效 — 可用 分钟/小时/工作小时/工作日/自然日/月"


@pytest.mark.parametrize(
    "amount, unit, words",
    [(-1, "小时", "不能为负数"), (1.5, "工作日", "须为整数"), (0.5, "月", "须为整数"), ("三", "小时", "不是数字"),
     (None, "小时", "为空"), (True, "小时", "不是数字"), (float("inf"), "小时", "有限"), (1e7, "小时", "时限过长")],
)
def test_bad_amounts_are_refused_with_the_reason(due, amount, unit, words):
    with pytest.raises(InvalidAmount) as raised:
        due(D(2025, 6, 9, 10), amount, unit, LUNCH)
    assert words in str(raised.value)


def test_numeric_text_amount_is_accepted():
    assert sla.due(D(2025, 6, 9, 10), " 2 ", "小时", LUNCH) == D(2025, 6, 9, 12)


def test_text_start_is_refused_but_a_blank_start_gives_no_deadline():
    with pytest.raises(InvalidDate) as raised:
        sla.due("2025-06-09 10:00", 1, "小时", LUNCH)
    assert raised.value.value == "2025-06-09 10:00"
    assert sla.due(None, 1, "小时", LUNCH) is None
    assert sla.due(float("nan"), 1, "周", LUNCH) is None  # an empty row is not an error


def test_excel_serial_start_is_accepted():
    # Excel serial 45817.4375 = 2025-06-09 10:30 (45658 = 2025-01-01, +159 days, + 0.4375 day)
    assert sla.due(45817.4375, 1, "小时", LUNCH) == D(2025, 6, 9, 11, 30)


def test_start_times_are_rounded_to_the_second():
    # Excel stores 10:00 as a binary fraction that can come back as 09:59:59.999999
    assert sla.due(D(2025, 6, 9, 9, 59, 59, 999_999), 1, "小时", LUNCH) == D(2025, 6, 9, 11)


# -- statuses -------------------------------------------------------------------------------------------------------
# Rules from the contract: 即将超时 when now >= start + warning × (due − start) and now <= due.
START, DUE = D(2025, 6, 9, 9), D(2025, 6, 9, 19)  # 10 h allowed; at 0.8 the warning begins at 17:00


@pytest.mark.parametrize(
    "done, now, start, warning, expected",
    [
        (None, D(2025, 6, 9, 10), START, 0.8, "进行中"),
        (None, D(2025, 6, 9, 16, 59, 59), START, 0.8, "进行中"),
        (None, D(2025, 6, 9, 17), START, 0.8, "即将超时"),  # exactly 80 % elapsed
        (None, D(2025, 6, 9, 19), START, 0.8, "即将超时"),  # at the due: not yet overdue
        (None, D(2025, 6, 9, 19, 0, 1), START, 0.8, "已超时"),
        (None, D(2025, 6, 9, 14), START, 0.5, "即将超时"),
        (None, D(2025, 6, 9, 17), START, None, "即将超时"),  # blank 预警比例 → 0.8
        (None, D(2025, 6, 9, 8), START, 0.8, "未开始"),  # now before the clock starts
        (None, D(2025, 6, 9, 10), None, 0.8, "未开始"),  # e.g. the service is not done yet
        (D(2025, 6, 9, 18), D(2025, 6, 10, 9), START, 0.8, "按时完成"),
        (D(2025, 6, 9, 19), None, START, 0.8, "按时完成"),  # done at the due is on time
        (D(2025, 6, 9, 19, 1), None, START, 0.8, "超时完成"),
    ],
)
def test_status_follows_the_rules(done, now, start, warning, expected):
    assert sla.status(DUE, done, now, start, warning) == expected
    as_column = lambda moment: np.array([moment], dtype="datetime64[s]")  # noqa: E731
    column_warning = np.array([np.nan if warning is None else warning])
    vectorised = sla.status_many(as_column(DUE), as_column(done), now, as_column(start), column_warning)
    assert vectorised.tolist() == [expected]


def test_status_without_a_due_is_not_started():
    assert sla.status(None, None, D(2025, 6, 9, 10), START) == "未开始"


def test_open_status_needs_now():
    with pytest.raises(MissingNow):
        sla.status(DUE, None, None, START)


@pytest.mark.parametrize("warning", [1.5, -0.1, 80, "高"])
def test_warning_outside_zero_to_one_is_refused(warning):
    with pytest.raises(InvalidWarning) as raised:
        sla.status(DUE, None, D(2025, 6, 9, 10), START, warning)
    assert raised.value.value == warning
