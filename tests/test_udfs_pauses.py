"""udfs.sla.extend_for_pauses: paused time (暂停) does not consume the SLA.

Calendar: Monday–Friday 10:00–18:00 (Frappe's test SLA). The ticket starts Thursday 2025-06-12
15:00 with 2 working hours, so without pauses it is due Thursday 17:00.
"""

from datetime import datetime

import numpy as np
import pytest

from udfs import sla
from udfs.calendar import BusinessCalendar
from udfs.errors import BatchError, CalendarYearMissing, InvalidPause, MissingNow

D = datetime
CAL = BusinessCalendar.from_values(holidays=[], hours="10:00-18:00")
START = D(2025, 6, 12, 15)
DUE = D(2025, 6, 12, 17)
NOW = D(2025, 6, 20, 12)  # long after everything, for closed pauses


def extended(pauses, unit="工作小时", now=NOW, start=START, due=DUE):
    return sla.extend_for_pauses(due, pauses, unit, CAL, now, start=start)


@pytest.mark.parametrize(
    "pauses, expected",
    [
        ([], DUE),
        # Frappe Helpdesk test_response_resolution_with_holdtime: 1 h of hold → 17:00 + 1 h = 18:00,
        # the end of the day, not the next morning …
        ([(D(2025, 6, 12, 15, 30), D(2025, 6, 12, 16, 30))], D(2025, 6, 12, 18)),
        # … and 1 h + 1 s of hold → the next working day 10:00:01
        ([(D(2025, 6, 12, 15, 30), D(2025, 6, 12, 16, 30, 1))], D(2025, 6, 13, 10, 0, 1)),
        # a pause over the night costs no working time (ERPNext test_hold_time_on_replied adds
        # wall-clock hold time instead — see test_pause_outside_working_hours_costs_nothing)
        ([(D(2025, 6, 11, 18, 30), D(2025, 6, 12, 9, 30))], DUE),
        # paused at 16:00 (1 h left) until Friday 11:00 → 1 h from Friday 11:00 = 12:00
        ([(D(2025, 6, 12, 16), D(2025, 6, 13, 11))], D(2025, 6, 13, 12)),
        # overlapping pauses count once: 15:30–16:00 ∪ 15:45–16:30 = 1 h
        ([(D(2025, 6, 12, 15, 30), D(2025, 6, 12, 16)), (D(2025, 6, 12, 15, 45), D(2025, 6, 12, 16, 30))],
         D(2025, 6, 12, 18)),
        # the same pause typed twice counts once
        ([(D(2025, 6, 12, 15, 30), D(2025, 6, 12, 16, 30))] * 2, D(2025, 6, 12, 18)),
        # pause time before the start does not count: only 15:00–15:30 of 14:00–15:30
        ([(D(2025, 6, 12, 14), D(2025, 6, 12, 15, 30))], D(2025, 6, 12, 17, 30)),
        # a pause beginning after the due does not rescue an overdue ticket
        ([(D(2025, 6, 12, 17, 30), D(2025, 6, 13, 11))], DUE),
        # … but one beginning before the *extended* due does: the first pause moves the due to
        # 18:00, so the second (from 17:30, 0.5 h left) counts → Friday 10:30 + 0.5 h
        ([(D(2025, 6, 12, 16), D(2025, 6, 12, 17)), (D(2025, 6, 12, 17, 30), D(2025, 6, 13, 10, 30))],
         D(2025, 6, 13, 11)),
    ],
)
def test_paused_working_time_is_walked_through_working_time(pauses, expected):
    assert extended(pauses) == expected


def test_an_open_pause_counts_up_to_now():
    # paused since Thursday 16:00 with 1 h left; at Friday 10:30 the due is 1 h after "now"
    assert extended([(D(2025, 6, 12, 16), None)], now=D(2025, 6, 13, 10, 30)) == D(2025, 6, 13, 11, 30)


def test_a_ticket_resolved_straight_from_pause_keeps_its_pause():
    # Frappe Helpdesk PR #3776: hold time was lost when a ticket went from paused to resolved.
    resolved = D(2025, 6, 13, 10, 30)
    due = extended([(D(2025, 6, 12, 16), resolved)])
    assert sla.status(due, resolved, resolved, START) == "按时完成"
    assert sla.status(DUE, resolved, resolved, START) == "超时完成"  # without the pause


def test_pause_outside_working_hours_costs_nothing():
    # ERPNext test_hold_time_on_replied: created 2020-03-04 04:00 (6 h resolution → 16:00), on hold
    # 04:15–05:00, and ERPNext expects 16:45 because it adds the 45 min of wall-clock hold. That hold
    # lies before 10:00, when no working time passes, so the deadline must stay at 16:00.
    start = D(2020, 3, 4, 4)
    due = sla.due(start, 6, "工作小时", CAL)
    assert due == D(2020, 3, 4, 16)
    pauses = [(D(2020, 3, 4, 4, 15), D(2020, 3, 4, 5))]
    assert sla.extend_for_pauses(due, pauses, "工作小时", CAL, D(2020, 3, 4, 5, 5), start=start) == due


def test_working_day_deadlines_move_by_paused_working_hours():
    # 1 工作日 from Wednesday 10:00 → Thursday 18:00; paused Thursday 10:00–14:00 (4 working hours)
    start = D(2025, 6, 11, 10)
    due = sla.due(start, 1, "工作日", CAL)
    assert due == D(2025, 6, 12, 18)
    pauses = [(D(2025, 6, 12, 10), D(2025, 6, 12, 14))]
    assert sla.extend_for_pauses(due, pauses, "工作日", CAL, NOW, start=start) == D(2025, 6, 13, 14)


@pytest.mark.parametrize(
    "pauses, expected",
    [
        ([(D(2025, 6, 12, 15, 30), D(2025, 6, 12, 16, 30))], D(2025, 6, 12, 18)),
        # clock units add paused clock time, nights and weekends included: 42 h
        ([(D(2025, 6, 12, 16), D(2025, 6, 14, 10))], D(2025, 6, 14, 11)),
        ([(D(2025, 6, 12, 20), D(2025, 6, 12, 21))], DUE),  # after the due: does not count
    ],
)
def test_clock_unit_deadlines_move_by_paused_clock_time(pauses, expected):
    assert extended(pauses, unit="小时") == expected


def test_start_none_counts_pauses_from_any_time():
    # all 1.5 h of 14:00–15:30 count: 17:00–18:00, then Friday 10:00–10:30
    assert extended([(D(2025, 6, 12, 14), D(2025, 6, 12, 15, 30))], start=None) == D(2025, 6, 13, 10, 30)


def test_bad_pauses_are_refused():
    with pytest.raises(InvalidPause):
        extended([(D(2025, 6, 12, 16), D(2025, 6, 12, 15))])
    with pytest.raises(InvalidPause):
        extended([(None, D(2025, 6, 12, 15))])
    with pytest.raises(MissingNow):
        extended([(D(2025, 6, 12, 16), None)], now=None)
    assert extended([(None, None)]) == DUE  # an empty row of the pause log


def test_pauses_reaching_a_year_without_holiday_data_are_an_error():
    china = BusinessCalendar.chinese_statutory()
    start = D(2026, 12, 30, 10)
    due = sla.due(start, 8, "工作小时", china)
    with pytest.raises(CalendarYearMissing):
        sla.extend_for_pauses(due, [(D(2026, 12, 30, 11), D(2027, 1, 5, 10))], "工作小时", china, NOW, start=start)


def test_vectorised_pauses_extend_only_the_rows_that_paused():
    dues = np.array([DUE, DUE, DUE, None], dtype="datetime64[s]")
    starts = np.array([START, START, START, None], dtype="datetime64[s]")
    result = sla.extend_for_pauses_many(
        dues, "工作小时", CAL, NOW, starts=starts,
        pause_rows=[0, 2, 2],
        pause_starts=[D(2025, 6, 12, 15, 30), D(2025, 6, 12, 16), D(2025, 6, 12, 17, 30)],
        pause_ends=[D(2025, 6, 12, 16, 30), D(2025, 6, 12, 17), D(2025, 6, 13, 10, 30)],
    )
    assert result.tolist() == [D(2025, 6, 12, 18), DUE, D(2025, 6, 13, 11), None]


def test_vectorised_pauses_report_bad_rows_and_compute_the_rest():
    dues = np.array([DUE, DUE], dtype="datetime64[s]")
    with pytest.raises(BatchError) as raised:
        sla.extend_for_pauses_many(
            dues, "工作小时", CAL, NOW, starts=[START, START], pause_rows=[0, 1],
            pause_starts=[D(2025, 6, 12, 16), D(2025, 6, 12, 15, 30)],
            pause_ends=[D(2025, 6, 12, 15), D(2025, 6, 12, 16, 30)],
        )
    assert list(raised.value.errors) == [0]
    assert isinstance(raised.value.errors[0], InvalidPause)
    assert raised.value.partial.tolist() == [None, D(2025, 6, 12, 18)]
