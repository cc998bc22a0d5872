"""The SLA policy rule (时限标准) shared by the routines and the SLA_STAGE_DUE function."""

from __future__ import annotations

import datetime as dt

import pytest

import udfs
import numpy as np

from udfs.policy import applicable_rules, find_rule, rules_from_rows, stage_dues
from workbook import schema as S

D = dt.datetime
POLICY = [["环节", "适用对象", "时限", "单位", "预警比例", "依据"], *[list(r) for r in S.SLA_ROWS]]


@pytest.mark.parametrize("stage, request_type, urgency, expected", [
    # SPEC §3: the type's and the urgency's rows both apply (type first); 全部 only when neither.
    ("首次响应", "投诉类", "紧急", [(24, "小时"), (2, "小时")]),
    ("首次响应", "投诉类", None, [(24, "小时")]),
    ("首次响应", "维修类", "紧急", [(2, "小时")]),
    ("首次响应", "维修类", "常规", [(3, "工作日")]),
    ("登记", "咨询类", "一般", [(10, "分钟")]),  # only a 全部 row
    ("回访", "维修类", "一般", [(3, "工作日")]),
    ("回访", "咨询类", "一般", []),  # no callback target for a question
])
def test_the_type_and_urgency_rows_both_apply_else_all(stage, request_type, urgency, expected):
    rules = applicable_rules(rules_from_rows(POLICY), stage, request_type, urgency)
    assert [(r.amount, r.unit) for r in rules] == expected
    first = find_rule(rules_from_rows(POLICY), stage, request_type, urgency)
    assert (first.amount, first.unit) == expected[0] if expected else first is None


@pytest.mark.parametrize("stage, start, request_type, urgency, expected, unit", [
    # An urgent complaint: 紧急's 2 h first response beats 投诉类's 24 h …
    ("首次响应", D(2026, 11, 18, 10), "投诉类", "紧急", D(2026, 11, 18, 12), "小时"),
    # … and 紧急's 24 h resolution beats 投诉类's 5 工作日 (Thu, Fri, Mon, Tue, Wed → 11-25 18:00).
    ("解决", D(2026, 11, 18, 10), "投诉类", "紧急", D(2026, 11, 19, 10), "小时"),
    # 常规 complaint: 投诉类 24 h beats 常规 3 工作日 (first response) …
    ("首次响应", D(2026, 11, 18, 10), "投诉类", "常规", D(2026, 11, 19, 10), "小时"),
    # … and at resolution 投诉类 5 工作日 and 常规 5 工作日 tie: the type's row is kept.
    ("解决", D(2026, 11, 18, 10), "投诉类", "常规", D(2026, 11, 25, 18), "工作日"),
    # Friday 17:00, 常规 complaint: 投诉类 24 h → Sat 17:00; 常规 3 工作日 → Wed 18:00. 24 h wins.
    ("首次响应", D(2026, 11, 20, 17), "投诉类", "常规", D(2026, 11, 21, 17), "小时"),
])
def test_the_stricter_deadline_wins(stage, start, request_type, urgency, expected, unit):
    chosen = stage_dues(rules_from_rows(POLICY), stage, [start], [request_type], [urgency])
    assert chosen.due[0] == np.datetime64(expected) and chosen.units[0] == unit and not chosen.errors


def test_first_row_wins_and_percent_warnings_are_read_as_fractions():
    rules = rules_from_rows([["解决", "一般", 3, "工作日", 80], ["解决", "一般", 9, "工作日", 0.5]])
    assert rules[("解决", "一般")].amount == 3 and rules[("解决", "一般")].warning == 0.8


@pytest.mark.parametrize("stage, start, request_type, urgency, expected", [
    # 一般 resolution: 3 working days from Wednesday 11-18 → Thu, Fri, Mon → Monday 18:00
    ("解决", D(2026, 11, 18, 10), "维修类", "一般", D(2026, 11, 23, 18)),
    # an urgent complaint on National Day's eve: 紧急 24 clock hours (10-01 15:00) beats 投诉类
    # 5 working days (10-08, 10-09, 10-10 调休, 10-12, 10-13 → 10-13 18:00)
    ("解决", D(2026, 9, 30, 15), "投诉类", "紧急", D(2026, 10, 1, 15)),
    # a 一般 complaint then: 一般 3 工作日 (10-08, 10-09, 10-10 调休 → 10-10 18:00) beats 5 工作日
    ("解决", D(2026, 9, 30, 15), "投诉类", "一般", D(2026, 10, 10, 18)),
    ("首次响应", D(2026, 11, 18, 10), "维修类", "紧急", D(2026, 11, 18, 12)),
    ("回访", D(2026, 11, 18, 10), "咨询类", "一般", None),
])
def test_sla_stage_due_in_excel(stage, start, request_type, urgency, expected):
    assert udfs.sla_stage_due(stage, start, request_type, urgency, POLICY) == expected


def test_sla_stage_due_for_a_column_keeps_its_shape():
    starts = [[D(2026, 11, 18, 10)], [None], [D(2026, 11, 18, 10)]]
    types = [["维修类"], ["维修类"], ["投诉类"]]
    levels = [["一般"], ["一般"], ["一般"]]
    out = udfs.sla_stage_due("首次响应", starts, types, levels, POLICY)
    assert out == [[D(2026, 11, 19, 10)], [None], [D(2026, 11, 19, 10)]]


def test_a_bad_policy_range_shows_a_message_not_a_traceback():
    out = udfs.sla_stage_due("解决", D(2026, 11, 18, 10), "维修类", "一般", [["解决", "一般", "三", "工作日"]])
    assert out.startswith("#错误:") and "时限标准" in out
