"""Properties of udfs.sla that must hold for any calendar and input, and vectorised == scalar."""

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from udfs import sla
from udfs.calendar import BusinessCalendar
from udfs.errors import BatchError, UdfError

D = datetime
HOURS = ["09:00-18:00", "09:00-12:00,13:00-18:00", "10:00-18:00", "08:30-12:00,13:30-17:30,18:00-20:00", "00:00-23:59"]
WEEKENDS = ["0000011", "0000001", "1000001", "0000000", "0101010", "1111110"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def calendars(draw):
    hours = draw(st.sampled_from(HOURS))
    if draw(st.booleans()):
        return BusinessCalendar.chinese_statutory(hours=hours)
    days = st.dates(date(2025, 1, 1), date(2026, 12, 31))
    holidays = draw(st.sets(days, max_size=40))
    workdays = draw(st.sets(days, max_size=10)) - holidays
    return BusinessCalendar.from_values(list(holidays), list(workdays), hours, draw(st.sampled_from(WEEKENDS)))


def moments(last=D(2026, 3, 31, 23, 59, 59)):
    """Any second, or (half the time) a quarter hour, so that walks often land on interval ends."""
    any_second = st.datetimes(min_value=D(2025, 1, 1), max_value=last).map(lambda moment: moment.replace(microsecond=0))
    quarter_hour = st.builds(
        lambda day, quarter: datetime.combine(day, datetime.min.time()) + timedelta(minutes=15 * quarter),
        st.dates(date(2025, 1, 1), last.date()),
        st.integers(0, 95),
    )
    return st.one_of(any_second, quarter_hour)


work_minutes = st.integers(min_value=0, max_value=60 * 60)  # up to 60 working hours, in whole minutes


@SETTINGS
@given(calendars(), moments(), work_minutes, work_minutes)
def test_working_hours_walk_is_additive(cal, start, first, second):
    # walking a then b working hours equals walking a + b
    halfway = sla.due(start, first / 60, "工作小时", cal)
    assert sla.due(halfway, second / 60, "工作小时", cal) == sla.due(start, (first + second) / 60, "工作小时", cal)


@SETTINGS
@given(calendars(), moments(), work_minutes)
def test_elapsed_working_time_to_the_due_is_the_amount(cal, start, minutes):
    deadline = sla.due(start, minutes / 60, "工作小时", cal)
    assert sla.working_hours_between(start, deadline, cal) * 60 == pytest.approx(minutes)


@SETTINGS
@given(calendars(), moments(), st.integers(min_value=1, max_value=60 * 60))
def test_a_working_hours_due_is_the_end_of_working_time_not_the_next_start(cal, start, minutes):
    # the second just before the due is working time, so the due never sits at 09:00 of a later day
    # when the amount ran out at 18:00 the evening before
    deadline = sla.due(start, minutes / 60, "工作小时", cal)
    assert sla.working_hours_between(deadline - timedelta(seconds=1), deadline, cal) * 3600 == pytest.approx(1)


@SETTINGS
@given(calendars(), moments(), st.integers(min_value=1, max_value=40))
def test_working_days_count_working_days_after_the_start_day(cal, start, days):
    deadline = sla.due(start, days, "工作日", cal)
    assert cal.is_working_day(deadline.date())
    counted = sum(
        cal.is_working_day(start.date() + timedelta(days=offset))
        for offset in range(1, (deadline.date() - start.date()).days + 1)
    )
    assert counted == days
    assert deadline.time() == cal.hours[-1][1]


amounts_by_unit = st.one_of(
    st.tuples(st.just("分钟"), st.integers(0, 5000)),
    st.tuples(st.just("小时"), st.integers(0, 500)),
    # quarter hours, so that walks from quarter-hour starts often end exactly on an interval's end
    st.tuples(st.just("工作小时"), st.integers(0, 200).map(lambda quarters: quarters / 4)),
    st.tuples(st.just("工作日"), st.one_of(st.just(0), st.integers(0, 40))),
    st.tuples(st.just("自然日"), st.integers(0, 90)),
    st.tuples(st.just("月"), st.integers(0, 12)),
)


@SETTINGS
@given(calendars(), moments(), amounts_by_unit, st.integers(0, 50))
def test_due_is_never_before_start_and_grows_with_the_amount(cal, start, unit_amount, extra):
    unit, amount = unit_amount
    deadline = sla.due(start, amount, unit, cal)
    assert deadline >= start
    assert sla.due(start, amount + extra, unit, cal) >= deadline


def _scalar_results(starts, amounts, units, cal):
    results, errors = [], {}
    for position, (start, amount, unit) in enumerate(zip(starts, amounts, units)):
        try:
            results.append(sla.due(start, amount, unit, cal))
        except UdfError as error:
            results.append(None)
            errors[position] = error
    return results, errors


rows = st.lists(
    st.tuples(
        st.one_of(st.none(), moments(last=D(2026, 12, 31, 23, 59, 59))),
        st.one_of(amounts_by_unit, st.tuples(st.sampled_from(["工作日", "周"]), st.sampled_from([-1, 1.5, 3]))),
    ),
    min_size=1,
    max_size=30,
)


@SETTINGS
@given(calendars(), rows)
def test_vectorised_deadlines_equal_scalar_deadlines(cal, table):
    starts = [start for start, _ in table]
    units = [unit for _, (unit, _) in table]
    amounts = [amount for _, (_, amount) in table]
    expected, expected_errors = _scalar_results(starts, amounts, units, cal)
    series = pd.Series(pd.to_datetime(starts))
    try:
        got, errors = sla.due_many(series, np.array(amounts, dtype=object), np.array(units, dtype=object), cal), {}
    except BatchError as failed:
        got, errors = failed.partial, failed.errors
    assert [None if np.isnat(value) else value.item() for value in got] == expected
    assert {position: (type(error), str(error)) for position, error in errors.items()} == {
        position: (type(error), str(error)) for position, error in expected_errors.items()
    }


@SETTINGS
@given(calendars(), st.lists(st.tuples(st.one_of(st.none(), moments()), moments()), min_size=1, max_size=20))
def test_vectorised_elapsed_working_time_equals_scalar(cal, pairs):
    starts = [start for start, _ in pairs]
    ends = [end for _, end in pairs]
    got = sla.working_hours_between_many(pd.Series(pd.to_datetime(starts)), np.array(ends, dtype="datetime64[s]"), cal)
    expected = [sla.working_hours_between(start, end, cal) for start, end in pairs]
    assert [None if np.isnan(value) else pytest.approx(value) for value in got] == expected


optional_moment = st.one_of(st.none(), moments())


@SETTINGS
@given(st.lists(st.tuples(optional_moment, optional_moment, optional_moment, st.sampled_from([0, 0.5, 0.8, 1, None]))),
       moments())
def test_vectorised_statuses_equal_scalar_statuses(rows, now):
    dues = [row[0] for row in rows]
    done = [row[1] for row in rows]
    starts = [row[2] for row in rows]
    warnings = [row[3] for row in rows]
    expected = [sla.status(*row[:2], now, row[2], row[3]) for row in rows]
    got = sla.status_many(
        np.array(dues, dtype="datetime64[s]"), np.array(done, dtype="datetime64[s]"), now,
        np.array(starts, dtype="datetime64[s]"), np.array([np.nan if w is None else w for w in warnings]),
    )
    assert list(got) == expected


def test_vectorised_deadlines_report_rows_without_holiday_data_and_keep_the_rest():
    cal = BusinessCalendar.chinese_statutory()
    starts = pd.Series(pd.to_datetime(["2026-12-01 10:00", "2026-12-30 10:00", None, "2026-12-30 10:00"]))
    with pytest.raises(BatchError) as raised:
        sla.due_many(starts, [3, 5, 1, 5], ["工作日", "工作日", "工作日", "小时"], cal)
    assert list(raised.value.errors) == [1]
    assert str(raised.value.errors[1]).startswith("2027年法定节假日数据缺失")
    assert raised.value.partial.astype("datetime64[s]").tolist() == [
        D(2026, 12, 4, 18), None, None, D(2026, 12, 30, 15),
    ]


def test_vectorised_deadlines_take_scalar_amounts_and_units_and_return_whole_seconds():
    cal = BusinessCalendar.chinese_statutory()
    starts = np.array(["2025-06-09T10:00:00.600", "NaT"], dtype="datetime64[ms]")
    got = sla.due_many(starts, 1 / 7, "工作小时", cal)  # 514.2857 s
    assert got.dtype == np.dtype("datetime64[s]")
    assert got.tolist() == [D(2025, 6, 9, 10, 8, 35), None]  # 10:00:01 + 514 s


def _vectorised(start, amount, unit, cal):
    return sla.due_many(np.array([start], dtype="datetime64[s]"), amount, unit, cal)[0].item()


@SETTINGS
@given(calendars(), moments(), st.integers(0, 10), st.integers(0, 2))
def test_a_walk_that_runs_out_at_an_interval_end_lands_on_that_end(cal, start, day_offset, pick):
    # SPEC §3: 18:00, not the next 09:00; 12:00 before lunch, not 13:00 — in both paths
    day = start.date() + timedelta(days=day_offset)
    assume(cal.is_working_day(day))
    interval_end = datetime.combine(day, cal.hours[pick % len(cal.hours)][1])
    hours = sla.working_hours_between(start, interval_end, cal)
    assume(hours > 0)
    assert sla.due(start, hours, "工作小时", cal) == interval_end
    assert _vectorised(start, hours, "工作小时", cal) == interval_end


@SETTINGS
@given(calendars(), moments(), st.integers(0, 3))
def test_vectorised_working_days_equal_scalar_working_days(cal, start, days):
    assert _vectorised(start, days, "工作日", cal) == sla.due(start, days, "工作日", cal)
