"""The checklist UDFs (udfs.checklist): verdicts against seed 000's standards, statuses, errors, arrays."""

from __future__ import annotations

import ast
import inspect
from datetime import date, datetime

import pytest

import udfs
from udfs import checklist, excel_checklist
from workbook import schema as S

D = date
T = datetime
TODAY = D(2026, 11, 20)  # tests/conftest.py NOW's date

# 国务院办公厅 2026 arrangement (as chinesecalendar has it): 中秋 9-25, 国庆 10-1..10-7 off;
# Sunday 9-20 and Saturday 10-10 are make-up working days.
HOLIDAYS_2026 = [D(2026, 9, 25)] + [D(2026, 10, day) for day in range(1, 8)]
WORKDAYS_2026 = [D(2026, 9, 20), D(2026, 10, 10)]


def column(*values):
    """A one-column Excel range as xlwings passes it (ndim=2)."""
    return [[v] for v in values]


def test_the_results_are_the_sheets_own_words():
    assert checklist.VERDICTS == S.PASS_FAIL
    assert checklist.RECTIFICATION_STATES == S.RECTIFY_STATES
    assert checklist.QUADRANTS == S.QUADRANTS
    assert checklist.ROLLOUT_STATES == S.ROLLOUT_STATES
    assert (checklist.VERIFICATION_PASSED, checklist.VERIFICATION_FAILED) == S.VERIFY


# -- check_threshold ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value, target, compare, expected", [
    (0.87, 0.85, "≥", "合格"),  # seed 000: 一次性问题解决率 优化后达到≥85%
    (0.85, 0.85, "≥", "合格"),  # exactly at the standard passes
    (0.849, 0.85, "≥", "不合格"),
    (0.95, 0.95, None, "合格"),  # seed 000: 考核合格率≥95%, exactly; blank compare means ≥
    ("85%", 0.85, "≥", "合格"),  # a percentage typed as text
    (3, 3, "≤", "合格"),  # seed 000: 协作问题在3个工作日内解决
    (4, 3, "<=", "不合格"),
    (0.1 + 0.2, 0.3, "≤", "合格"),  # 0.30000000000000004: float noise is not a failure
    (24, 24, "<", "不合格"),  # strict comparisons are strict
    (None, 0.85, "≥", None),  # nothing measured: blank, not a verdict
    ("", 0.85, "≥", None),
])
def test_check_threshold(value, target, compare, expected):
    assert udfs.check_threshold(value, target, compare) == expected


@pytest.mark.parametrize("value, target, compare, message", [
    ("abc", 0.85, "≥", "#错误: 实测值「abc」不是数字 — 请填写数字，如 0.85 或 85%"),
    (True, 0.85, "≥", "#错误: 实测值「True」不是数字 — 请填写数字，如 0.85 或 85%"),
    (0.9, None, "≥", "#错误: 目标值为空 — 请填写目标值，例如 0.85"),
    (0.9, 0.85, "=", "#错误: 比较方式「=」无效 — 可用 ≥、≤、>、<（或 >=、<=）"),
])
def test_check_threshold_names_the_bad_value_and_the_fix(value, target, compare, message):
    assert udfs.check_threshold(value, target, compare) == message


# -- check_improvement / improvement ----------------------------------------------------------------
@pytest.mark.parametrize("before, after, required, direction, mode, expected", [
    # seed 000: 客户投诉首次响应时长 缩短≥30%（如从48小时缩短至33.6小时）: exactly 30% → 合格
    (48, 33.6, 0.3, "decrease", "relative", "合格"),
    (48, 33.7, 0.3, "decrease", "relative", "不合格"),  # 29.8% shorter
    ("48", "33.6", "30%", "缩短", "相对", "合格"),  # Chinese aliases and text numbers
    (40, 44, 0.3, "decrease", "relative", "不合格"),  # it got slower
    # seed 000: 客户满意度（CSAT）提升≥10个百分点（如从75%提升至85%）: exactly 10 points → 合格
    (0.75, 0.85, 10, "increase", "points", "合格"),
    (75, 85, 10, "提升", "百分点", "合格"),  # the same in percent numbers
    (0.75, 0.849, 10, "increase", "points", "不合格"),  # 9.9 points
    # seed 000: 试点问题解决率提升≥20% — relative ("%", where CSAT says "个百分点"):
    (0.70, 0.84, 0.2, "increase", "relative", "合格"),  # 0.84 / 0.70 − 1 is exactly 20%
    (0.66, 0.80, 0.2, "increase", "relative", "合格"),  # +21.2% relative …
    (0.66, 0.80, 20, "increase", "points", "不合格"),  # … though only +14 points
    (None, 33.6, 0.3, "decrease", "relative", None),  # no baseline: blank
    (48, "", 0.3, "decrease", "relative", None),
])
def test_check_improvement(before, after, required, direction, mode, expected):
    assert udfs.check_improvement(before, after, required, direction, mode) == expected


def test_check_improvement_defaults_to_a_relative_decrease():
    assert udfs.check_improvement(48, 33.6, 0.3) == "合格"


@pytest.mark.parametrize("before, after, direction, mode, expected", [
    (48, 33.6, "decrease", "relative", 0.3),  # seed 000's example
    (0.75, 0.85, "increase", "points", 10.0),  # seed 000's example
    (0.6, 0.72, "increase", "relative", 0.2),
    (40, 44, "decrease", "relative", -0.1),  # worse is negative
])
def test_improvement_gives_the_size_of_the_change(before, after, direction, mode, expected):
    assert udfs.improvement(before, after, direction, mode) == pytest.approx(expected)


@pytest.mark.parametrize("arguments, message", [
    ((0, 5, 0.3), "#错误: 优化前数值「0」须大于 0 才能计算相对变化 — 请检查基线数据，或改用 mode=points"),
    ((48, 30, 30), "#错误: 要求值「30」大于 1 — 相对改善请写成小数或百分比，如 0.3 或 30%；百分点请用 mode=points"),
    ((48, 30, -0.1), "#错误: 要求值「-0.1」不能为负数 — 请填写改善幅度，如 0.3 或 10"),
    ((48, 30, None), "#错误: 要求值为空 — 请填写要求值，例如 0.3（相对）或 10（百分点）"),
    ((48, 30, 0.3, "sideways"), "#错误: 方向 direction「sideways」无效 — 可用 decrease、increase"),
    ((48, 30, 0.3, "decrease", "ratio?"), "#错误: 方式 mode「ratio?」无效 — 可用 relative、points"),
    ((48, "快了", 0.3), "#错误: 优化后数值「快了」不是数字 — 请填写数字，如 0.85 或 85%"),
])
def test_check_improvement_errors(arguments, message):
    assert udfs.check_improvement(*arguments) == message


# -- rectification_status ---------------------------------------------------------------------------
MEASURE = "逐条核对话术并发布V2.0"


@pytest.mark.parametrize("result, deadline, measure, done, verification, expected", [
    ("合格", None, None, None, None, None),  # nothing to rectify
    (None, D(2026, 11, 30), None, None, None, None),  # not judged yet
    ("不合格", None, None, None, None, "待整改"),  # nothing done yet
    ("不合格", D(2026, 11, 30), None, None, None, "待整改"),
    ("不合格", D(2026, 11, 30), MEASURE, None, None, "整改中"),  # a measure is written
    ("不合格", D(2026, 11, 20), MEASURE, None, None, "整改中"),  # the deadline day itself is in time
    ("不合格", D(2026, 11, 19), MEASURE, None, None, "已逾期"),  # past the deadline, not done
    ("不合格", D(2026, 11, 19), None, None, None, "已逾期"),
    ("不合格", D(2026, 11, 30), MEASURE, D(2026, 11, 18), None, "待验证"),  # done, awaiting verification
    ("不合格", D(2026, 11, 10), MEASURE, D(2026, 11, 18), None, "待验证"),  # done late: still awaits verification
    ("不合格", D(2026, 11, 30), MEASURE, D(2026, 11, 18), "通过", "验证通过"),
    ("不合格", None, None, None, "通过", "验证通过"),  # a verifier's 通过 settles it
    ("不合格", D(2026, 11, 30), MEASURE, D(2026, 11, 18), "未通过", "整改中"),  # failed verification: redo
    ("不合格", D(2026, 11, 19), MEASURE, D(2026, 11, 18), "未通过", "已逾期"),  # … and the deadline has passed
    ("不合格", D(2026, 11, 30), MEASURE, D(2026, 11, 25), None, "整改中"),  # a future 完成日期 is a plan
])
def test_rectification_status(result, deadline, measure, done, verification, expected):
    assert udfs.rectification_status(result, deadline, measure, done, verification, TODAY) == expected


def test_rectification_status_reads_the_clock_only_when_today_is_omitted(monkeypatch):
    monkeypatch.setattr(excel_checklist, "excel_now", lambda: T(2026, 12, 1, 9, 0))
    assert udfs.rectification_status("不合格", D(2026, 11, 30), MEASURE, None, None) == "已逾期"


@pytest.mark.parametrize("arguments, message", [
    (("良好", None, None, None, None), "#错误: 检查结果「良好」无效 — 应为 合格 或 不合格（未判定则留空）"),
    (("不合格", None, None, None, "OK"), "#错误: 整改结果验证「OK」无效 — 应为 通过 或 未通过（未验证则留空）"),
    (("不合格", "下周", None, None, None), "#错误: 整改期限「下周」不是日期 — 请输入日期时间，例如 2025-06-09 10:00"),
])
def test_rectification_status_errors(arguments, message):
    assert udfs.rectification_status(*arguments, TODAY) == message


# -- priority_quadrant ------------------------------------------------------------------------------
@pytest.mark.parametrize("impact, urgency, threshold, expected", [
    # The demo's pain points (workbook.sample): P01 5/5, P03 4/3, P04 4/2, P06 3/2, P07 2/4, P08 2/2
    (5, 5, 3, "重要且紧急"),
    (4, 3, 3, "重要且紧急"),  # the midpoint 3 counts as high
    (4, 2, 3, "重要不紧急"),
    (3, 2, 3, "重要不紧急"),
    (2, 4, 3, "紧急不重要"),
    (2, 2, 3, "不重要不紧急"),
    (4, 3, 4, "重要不紧急"),  # a stricter cut-off on request
    (2.5, 3.5, None, "紧急不重要"),  # averaged scores; blank threshold means 3
    (None, 3, 3, None),  # not scored yet
])
def test_priority_quadrant(impact, urgency, threshold, expected):
    assert udfs.priority_quadrant(impact, urgency, threshold) == expected


@pytest.mark.parametrize("arguments, message", [
    ((6, 3), "#错误: 影响度「6」超出范围 — 应为 1–5 分"),
    ((3, 0), "#错误: 紧急度「0」超出范围 — 应为 1–5 分"),
    (("高", 3), "#错误: 影响度「高」不是数字 — 请填写数字，如 0.85 或 85%"),
    ((3, 3, 7), "#错误: 分界值 threshold「7」超出范围 — 应为 1–5 分"),
])
def test_priority_quadrant_errors(arguments, message):
    assert udfs.priority_quadrant(*arguments) == message


# -- working_days_between -----------------------------------------------------------------------------
@pytest.mark.parametrize("start, end, expected", [
    (D(2026, 9, 2), D(2026, 9, 4), 2),  # Wed → Fri: Thu, Fri (the start day is not counted)
    (D(2026, 9, 2), D(2026, 9, 2), 0),  # same day
    (D(2026, 9, 4), D(2026, 9, 7), 1),  # Fri → Mon: the weekend does not count
    (D(2026, 9, 24), D(2026, 9, 28), 1),  # 9-25 中秋 off, weekend off: only Monday
    (D(2026, 9, 18), D(2026, 9, 21), 2),  # Sunday 9-20 is a make-up working day
    # 9-28 → 10-12: 9-29, 9-30, 10-8, 10-9, Saturday 10-10 (make-up), 10-12 = 6 (the demo's C03)
    (D(2026, 9, 28), D(2026, 10, 12), 6),
    (T(2026, 9, 2, 17, 30), T(2026, 9, 3, 8, 0), 1),  # times of day are ignored
    (None, D(2026, 9, 4), None),
])
def test_working_days_between_with_the_workbook_calendar(start, end, expected):
    assert udfs.working_days_between(start, end, HOLIDAYS_2026, WORKDAYS_2026) == expected


def test_working_days_between_uses_the_statutory_calendar_when_none_is_given():
    assert udfs.working_days_between(D(2026, 9, 28), D(2026, 10, 12)) == 6


def test_working_days_between_takes_a_weekend_argument():
    # six-day week (only Sunday off): Fri 9-4 → Mon 9-7 counts Saturday and Monday
    assert udfs.working_days_between(D(2026, 9, 4), D(2026, 9, 7), [], [], "0000001") == 2


@pytest.mark.parametrize("start, end, message", [
    (D(2026, 9, 4), D(2026, 9, 2), "#错误: 结束日期 2026-09-02 早于开始日期 2026-09-04 — 请检查两个日期"),
    ("昨天", D(2026, 9, 2), "#错误: 开始日期「昨天」不是日期 — 请输入日期时间，例如 2025-06-09 10:00"),
    (D(2030, 1, 2), D(2030, 1, 4), "#错误: 2030年法定节假日数据缺失（「节假日数据年份」不含 2030）— 国务院放假通知发布后运行 aftersales calendar import"
                                   " 工作簿.xlsx 通知.txt（Excel 中点「售后服务」→「导入放假通知」），把 2030 年的节假日导入工作簿"),
])
def test_working_days_between_errors(start, end, message):
    assert udfs.working_days_between(start, end) == message


# -- check_within_hours / check_within_working_days -----------------------------------------------------
FOUND = T(2026, 10, 27, 10, 30)


@pytest.mark.parametrize("start, end, now, expected", [
    (FOUND, T(2026, 10, 28, 5, 30), None, "合格"),  # 19 h
    (FOUND, T(2026, 10, 28, 10, 30), None, "合格"),  # exactly 24 h: seed 000 "24小时内响应"
    (FOUND, T(2026, 10, 28, 16, 30), None, "不合格"),  # 30 h: the demo's late anomaly
    (FOUND, None, T(2026, 10, 28, 8, 0), None),  # not started, 21.5 h so far: still in time
    (FOUND, None, T(2026, 10, 28, 11, 0), "不合格"),  # not started after 24.5 h: already late
    (None, None, T(2026, 10, 28, 11, 0), None),  # nothing found
])
def test_check_within_hours(start, end, now, expected):
    assert udfs.check_within_hours(start, end, 24, now or T(2026, 11, 20, 16)) == expected


def test_check_within_hours_errors():
    assert udfs.check_within_hours(FOUND, T(2026, 10, 27, 9, 0), 24, FOUND) == (
        "#错误: 结束时间 2026-10-27 09:00 早于开始时间 2026-10-27 10:30 — 请检查两个时间")
    assert udfs.check_within_hours(FOUND, None, -1, FOUND) == "#错误: 时限（小时）「-1」不能为负数 — 例如 24"


@pytest.mark.parametrize("start, end, today, expected", [
    (D(2026, 9, 2), D(2026, 9, 4), TODAY, "合格"),  # 2 working days (the demo's C01)
    (D(2026, 9, 2), D(2026, 9, 7), TODAY, "合格"),  # Thu, Fri, Mon: exactly 3
    (D(2026, 9, 2), D(2026, 9, 8), TODAY, "不合格"),  # 4
    (D(2026, 9, 28), D(2026, 10, 12), TODAY, "不合格"),  # 6 over 国庆 (the demo's C03)
    (D(2026, 11, 17), None, D(2026, 11, 20), None),  # open, 3 working days old: not late yet
    (D(2026, 11, 16), None, D(2026, 11, 20), "不合格"),  # open, 4 working days old
    (D(2026, 11, 10), None, D(2026, 11, 20), "不合格"),  # the demo's C05
    (D(2026, 11, 21), None, D(2026, 11, 20), None),  # raised in the future: not judged
])
def test_check_within_working_days(start, end, today, expected):
    assert udfs.check_within_working_days(start, end, 3, today, HOLIDAYS_2026, WORKDAYS_2026) == expected


# -- rollout_status -----------------------------------------------------------------------------------
@pytest.mark.parametrize("plan_start, plan_end, actual_start, actual_end, expected", [
    # The demo's batches (workbook.sample), judged on 2026-11-20:
    (D(2026, 9, 1), D(2026, 9, 14), D(2026, 9, 1), D(2026, 9, 12), "已完成"),
    (D(2026, 9, 15), D(2026, 9, 30), D(2026, 9, 15), D(2026, 10, 9), "已完成"),  # late, but done
    (D(2026, 10, 12), D(2026, 10, 31), D(2026, 10, 12), None, "已延期"),  # past 计划完成, not done
    (D(2026, 11, 1), D(2026, 11, 20), D(2026, 11, 2), None, "进行中"),  # the plan's last day is in time
    (D(2026, 12, 1), D(2026, 12, 20), None, None, "未开始"),
    (D(2026, 11, 20), D(2026, 12, 20), None, None, "未开始"),  # starts today
    (D(2026, 11, 16), D(2026, 12, 20), None, None, "已延期"),  # should have started
    (None, None, None, None, "未开始"),
])
def test_rollout_status(plan_start, plan_end, actual_start, actual_end, expected):
    assert udfs.rollout_status(plan_start, plan_end, actual_start, actual_end, TODAY) == expected


def test_rollout_status_errors():
    assert udfs.rollout_status(D(2026, 9, 14), D(2026, 9, 1), None, None, TODAY) == (
        "#错误: 计划完成 2026-09-01 早于计划开始 2026-09-14 — 请核对计划日期")
    assert udfs.rollout_status(None, None, D(2026, 9, 14), D(2026, 9, 1), TODAY) == (
        "#错误: 实际完成 2026-09-01 早于实际开始 2026-09-14 — 请核对实际日期")


# -- training_result ------------------------------------------------------------------------------------
@pytest.mark.parametrize("score, mark, retake, expected", [
    (85, 80, None, "合格"),
    (80, 80, None, "合格"),  # the pass mark itself passes
    (79, 80, None, "不合格"),
    (62, 80, 86, "合格"),  # seed 000: 考核不合格者需二次培训 — the retake decides (the demo's 吴俊)
    (62, 80, 70, "不合格"),
    (None, 80, None, None),  # not assessed yet
])
def test_training_result(score, mark, retake, expected):
    assert udfs.training_result(score, mark, retake) == expected


def test_training_result_without_a_pass_mark_says_so():
    assert udfs.training_result(85, None) == "#错误: 合格线为空 — 请填写合格线，例如 80"


# -- arrays ------------------------------------------------------------------------------------------------
def test_a_column_in_gives_a_column_out_with_errors_only_where_bad():
    result = udfs.check_threshold(column(0.9, 0.8, "x", None), 0.85)
    assert result == [["合格"], ["不合格"], ["#错误: 实测值「x」不是数字 — 请填写数字，如 0.85 或 85%"], [None]]


def test_one_cell_from_excel_gives_one_value():
    assert udfs.check_threshold([[0.9]], [[0.85]]) == "合格"


def test_a_two_dimensional_range_keeps_its_shape():
    assert udfs.priority_quadrant([[5, 2], [3, 1]], [[5, 4], [2, 1]]) == [
        ["重要且紧急", "紧急不重要"], ["重要不紧急", "不重要不紧急"]]


def test_arguments_may_vary_by_row():
    result = udfs.check_improvement(column(48, 0.75), column(33.6, 0.85), column(0.3, 10),
                                    column("decrease", "increase"), column("relative", "points"))
    assert result == [["合格"], ["合格"]]


def test_ranges_of_different_sizes_are_an_error_not_a_guess():
    result = udfs.check_threshold(column(0.9, 0.8, 0.7), column(0.85, 0.85))
    assert result.startswith("#错误: 区域大小不一致")


def test_rectification_status_of_a_column_with_one_today():
    result = udfs.rectification_status(
        column("合格", "不合格", "不合格"), column(None, D(2026, 11, 30), D(2026, 11, 1)),
        column(None, MEASURE, None), None, None, TODAY)
    assert result == [[None], ["整改中"], ["已逾期"]]


def test_working_days_of_a_column_keep_a_bad_row_to_itself():
    result = udfs.working_days_between(column(D(2026, 9, 2), D(2026, 9, 9), None),
                                       column(D(2026, 9, 4), D(2026, 9, 1), D(2026, 9, 1)),
                                       HOLIDAYS_2026, WORKDAYS_2026)
    assert result == [[2], ["#错误: 结束日期 2026-09-01 早于开始日期 2026-09-09 — 请检查两个日期"], [None]]


def test_a_bad_calendar_argument_fills_every_cell_with_its_message():
    result = udfs.working_days_between(column(D(2026, 9, 2), D(2026, 9, 9)),
                                       column(D(2026, 9, 4), D(2026, 9, 11)), [], [], "weekend")
    assert result[0][0] == result[1][0]
    assert result[0][0].startswith("#错误: 周末参数「weekend」无效")


def test_an_unexpected_failure_is_a_message_not_a_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(excel_checklist, "threshold_verdict", broken)  # the face's own reference
    assert udfs.check_threshold(column(0.9, 0.8), 0.85) == [
        ["#错误: 计算失败（RuntimeError: boom）— 请把本单元格的输入发给维护人员"]] * 2


# -- the function wizard ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", excel_checklist.__all__)
def test_every_checklist_udf_is_exported_and_documented_for_the_function_wizard(name):
    function = getattr(udfs, name)
    assert name in udfs.__all__
    summary = inspect.getdoc(function).splitlines()[0]
    assert any("\u4e00" <= char <= "\u9fff" for char in summary)
    decorators = ast.parse(inspect.getsource(function)).body[0].decorator_list
    documented = {d.args[0].value for d in decorators
                  if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "arg"
                  and any(k.arg == "doc" for k in d.keywords)}
    assert documented == set(inspect.signature(function).parameters)
