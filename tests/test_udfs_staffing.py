"""STAFF_REQUIRED and SERVICE_LEVEL (udfs.staffing): Erlang C head-counts for real-time queues.

Expected values come from two places: the published pyworkforce example (100 contacts per
30 minutes, AHT 180 s, 80 % within 20 s → 14 agents, 20 with 30 % shrinkage, service level
0.888 at 14), and an independent Erlang C written here in the textbook form — the Poisson sum
with factorials, in exact fractions — which shares no code with the product's Erlang B recursion.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import udfs
from udfs import staffing


# -- the independent Erlang C ----------------------------------------------------------------------
def textbook_erlang_c(agents: int, erlangs: Fraction) -> Fraction:
    """P(wait) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), exactly."""
    top = erlangs**agents / math.factorial(agents) * Fraction(agents) / (agents - erlangs)
    below = sum(erlangs**k / math.factorial(k) for k in range(agents))
    return top / (below + top)


def textbook_service_level(agents: int, calls: int, interval_s: int, aht_s: int, target_s: int) -> float:
    erlangs = Fraction(calls * aht_s, interval_s)
    if agents <= erlangs:
        return 0.0
    wait = textbook_erlang_c(agents, erlangs)
    return 1.0 - float(wait) * math.exp(-float(agents - erlangs) * target_s / aht_s)


def textbook_agents(calls: int, interval_s: int, aht_s: int, target_s: int, level: float) -> int:
    erlangs = Fraction(calls * aht_s, interval_s)
    agents = math.floor(erlangs) + 1
    while textbook_service_level(agents, calls, interval_s, aht_s, target_s) < level:
        agents += 1
    return agents


# -- the published example (pyworkforce README: ErlangC(transactions=100, asa=20/60, aht=3,
#    interval=30, shrinkage=0.3) → raw_positions 14, positions 20, service_level 0.888) ------------
def test_the_published_example_needs_14_agents():
    assert udfs.staff_required(100, 30, 180, 20, 0.8) == 14


def test_the_published_example_rosters_20_with_30_percent_shrinkage():
    # 14 ÷ 0.7 is 20.000000000000004 in floating point: still 20 people, not 21.
    assert udfs.staff_required(100, 30, 180, 20, 0.8, 0.3) == 20


def test_the_published_example_answers_88_8_percent_within_20_seconds_with_14_agents():
    assert round(udfs.service_level(14, 100, 30, 180, 20), 3) == 0.888


def test_one_agent_fewer_misses_the_target():
    # Independent: the textbook formula gives 0.7965 with 13 agents (< 0.8), hence 14.
    assert udfs.service_level(13, 100, 30, 180, 20) == pytest.approx(textbook_service_level(13, 100, 1800, 180, 20))
    assert udfs.service_level(13, 100, 30, 180, 20) < 0.8


def test_the_occupancy_cap_adds_agents_when_erlang_c_alone_would_run_them_too_hot():
    # A = 10 Erlangs; with a 60 % cap at least ⌈10 ÷ 0.6⌉ = 17 agents; 85 % allows ⌈11.8⌉ = 12 < 14.
    assert udfs.staff_required(100, 30, 180, 20, 0.8, None, 0.6) == 17
    assert udfs.staff_required(100, 30, 180, 20, 0.8, None, 0.85) == 14
    # cap first, then shrinkage: ⌈17 ÷ 0.7⌉ = 25
    assert udfs.staff_required(100, 30, 180, 20, 0.8, 0.3, 0.6) == 25


# -- 36 other cases against the textbook formula -----------------------------------------------------
GRID = [
    (calls, interval, aht, target, level)
    for calls, interval in ((12, 60), (45, 30), (160, 60), (400, 60))
    for aht in (120, 300, 540)
    for target, level in ((20, 0.8), (30, 0.9), (60, 0.7))
]


def test_the_grid_has_36_cases_and_none_is_the_published_one():
    assert len(GRID) == 36 and (100, 30, 180, 20, 0.8) not in GRID


@pytest.mark.parametrize("calls, interval, aht, target, level", GRID)
def test_head_count_and_service_level_agree_with_the_textbook_erlang_c(calls, interval, aht, target, level):
    expected = textbook_agents(calls, interval * 60, aht, target, level)
    assert udfs.staff_required(calls, interval, aht, target, level) == expected
    for agents in (expected - 1, expected, expected + 2):
        assert udfs.service_level(agents, calls, interval, aht, target) == pytest.approx(
            textbook_service_level(agents, calls, interval * 60, aht, target), abs=1e-12)


# -- large queues: no overflow, sensible answers ----------------------------------------------------
def test_a_very_large_queue_is_computed_without_overflow():
    # 30,000 calls an hour at 300 s: 2,500 Erlangs. Factorials of 2,500 overflow floats; the
    # recursion does not. Square-root staffing says n ≈ A + β√A with β ≈ 1 here: 2,500 + ~50.
    agents = udfs.staff_required(30000, 60, 300, 20, 0.8)
    assert 2500 < agents < 2600
    assert udfs.service_level(agents, 30000, 60, 300, 20) >= 0.8
    assert udfs.service_level(agents - 1, 30000, 60, 300, 20) < 0.8


def test_economies_of_scale_ten_times_the_calls_needs_far_less_than_ten_times_the_agents():
    small = udfs.staff_required(100, 30, 180, 20, 0.8)
    large = udfs.staff_required(1000, 30, 180, 20, 0.8)
    assert 100 < large < 10 * small


def test_no_calls_need_no_agents_and_are_all_answered():
    assert udfs.staff_required(0, 30, 180, 20, 0.8, 0.3) == 0
    assert udfs.service_level(3, 0, 30, 180, 20) == 1.0


def test_as_many_agents_as_erlangs_answers_nobody_in_time():
    # A = 10 Erlangs and 10 agents: the queue grows without bound.
    assert udfs.service_level(10, 100, 30, 180, 20) == 0.0


def test_percent_text_is_read_as_a_share():
    assert udfs.staff_required(100, 30, 180, 20, "80%", "30％") == 20


# -- clear errors for impossible inputs ----------------------------------------------------------------
@pytest.mark.parametrize("arguments, message", [
    ((100, 30, 180, 20, 1.0), "#错误: 服务水平目标「1」须大于 0且小于 1（100%） — 请写成小数或百分比，例如 0.8 或 80%"),
    ((100, 30, 180, 20, 80), "#错误: 服务水平目标「80」须大于 0且小于 1（100%） — 请写成小数或百分比，例如 0.8 或 80%"),
    ((100, 0, 180, 20, 0.8), "#错误: 时段长度(分钟)「0」须大于 0 — 例如 30"),
    ((100, 30, 0, 20, 0.8), "#错误: 平均处理时长(秒)「0」须大于 0 — 例如 180"),
    ((-5, 30, 180, 20, 0.8), "#错误: 来电/会话量「-5」不能为负数 — 例如 100"),
    ((100, 30, 180, -1, 0.8), "#错误: 目标接通时间(秒)「-1」不能为负数 — 例如 20"),
    ((100, 30, 180, 20, 0.8, 1), "#错误: 缺勤与非生产时间占比「1」须不小于 0且小于 1（100%） — 请写成小数或百分比，例如 0.3 或 30%"),
    ((100, 30, 180, 20, 0.8, None, 0), "#错误: 最大占用率「0」须大于 0且不大于 1（100%） — 请写成小数或百分比，例如 0.85 或 85%"),
    (("很多", 30, 180, 20, 0.8), "#错误: 来电/会话量「很多」不是数字 — 请填写数字，例如 100"),
    ((None, 30, 180, 20, 0.8), "#错误: 来电/会话量为空 — 请填写来电/会话量，例如 100"),
])
def test_impossible_inputs_name_the_value_and_the_fix(arguments, message):
    assert udfs.staff_required(*arguments) == message


def test_a_fractional_agent_count_is_refused():
    assert udfs.service_level(13.5, 100, 30, 180, 20) == "#错误: 座席数「13.5」须为整数 — 例如 14"


def test_the_pure_layer_raises_a_named_error():
    with pytest.raises(staffing.StaffingError) as raised:
        staffing.required_staff(100, 30, 180, 20, 1.5)
    assert raised.value.value == 1.5


# -- ranges: one answer per cell, a bad cell spoils only itself ----------------------------------------
def test_a_column_of_volumes_gives_a_column_of_head_counts():
    column = [[100], [0], ["x"], [1000]]
    result = udfs.staff_required(column, 30, 180, 20, 0.8)
    assert result[0] == [14] and result[1] == [0]
    assert result[2][0].startswith("#错误: 来电/会话量「x」不是数字")
    assert result[3] == [textbook_agents(1000, 1800, 180, 20, 0.8)]


def test_the_functions_are_exported_for_excel():
    assert {"staff_required", "service_level"} <= set(udfs.__all__)


def test_the_add_in_wraps_both_functions_with_their_arguments_in_vba():
    from addin import udf_wrappers

    wrappers = udf_wrappers.generate(["udfs"])
    assert {"staff_required", "service_level"} <= {udf.name for udf in wrappers.udfs}
    assert ("Function staff_required(volume, interval_minutes, aht_seconds, target_seconds, target_level, "
            "Optional shrinkage, Optional max_occupancy)") in wrappers.source
    assert "Function service_level(agents, volume, interval_minutes, aht_seconds, target_seconds)" in wrappers.source
