"""Optimisation triggers of seed 004, on hand-built complaint counts, scores and feedback texts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from macros.triggers import complete_weeks, evaluate_triggers, thresholds_of
from workbook import schema as S

D = dt.datetime
NOW = D(2026, 11, 20, 16, 0)  # a Friday: the week of 11-16 is not complete
# The last three complete ISO weeks before NOW (two week-on-week changes).
W1, W2, W3 = dt.date(2026, 10, 26), dt.date(2026, 11, 2), dt.date(2026, 11, 9)
PERIOD = {"start": "2026-11-01", "end": "2026-11-20", "label": "2026-11-01 至 2026-11-20"}
CALM_KPIS = {"period": PERIOD, "first_response_hours_avg": 1.0, "satisfaction_score": 90.0, "surveys": 10}
DEFAULTS = {row[0]: row[1] for row in S.TRIGGER_ROWS}


def complaints(per_week: dict[dt.date, int], tags: dict[dt.date, list[str]] | None = None,
               request_type: str = "投诉类") -> list[dict]:
    """``count`` tickets in each week, spread over Monday to Sunday 23:00."""
    rows = []
    for monday, count in per_week.items():
        for k in range(count):
            moment = D.combine(monday, dt.time(9)) + dt.timedelta(hours=(k * 13) % 158)
            tag = tags[monday][k] if tags else "处理时效"
            rows.append({"服务工单号": f"{monday:%m%d}-{k}", "受理时间": moment, "需求类型": request_type,
                         "二级标签": tag, "问题描述": "产品有异响"})
    return rows


def alerts_by_name(intake_rows, *, kpis=CALM_KPIS, thresholds=None, surveys=None) -> dict:
    frames = {S.INTAKE.name: pd.DataFrame(intake_rows)}
    if surveys is not None:
        frames[S.SURVEY.name] = pd.DataFrame(surveys)
    found = evaluate_triggers(frames, now=NOW, settings_or_thresholds=thresholds or DEFAULTS, kpis=kpis)
    return {alert.name: alert for alert in found}


def test_complete_weeks_end_before_the_week_holding_now():
    assert complete_weeks(NOW, 3) == [W1, W2, W3]
    # A Monday morning: the week just ended counts, the new one does not.
    assert complete_weeks(D(2026, 11, 16, 8, 0), 1) == [W3]


# ---- complaints up week on week ----------------------------------------------------------------------
def test_complaints_up_thirty_percent_two_weeks_running_fire():
    # 10 → 13 (+30%, exactly the threshold) → 17 (+30.8%).
    alert = alerts_by_name(complaints({W1: 10, W2: 13, W3: 17}))["投诉量连续激增"]
    assert alert.fired
    assert alert.value == pytest.approx(0.30)  # the smaller of the two changes
    assert "10、13、17" in alert.explanation and "触发" in alert.explanation


def test_one_week_of_growth_is_not_enough():
    # 10 → 13 (+30%) → 16 (+23%): the second week falls short.
    alert = alerts_by_name(complaints({W1: 10, W2: 13, W3: 16}))["投诉量连续激增"]
    assert not alert.fired
    assert alert.value == pytest.approx(3 / 13)


def test_the_unfinished_week_and_other_ticket_types_do_not_count():
    rows = complaints({W1: 10, W2: 13, W3: 16})
    rows += complaints({dt.date(2026, 11, 16): 40})  # this week, not complete yet
    rows += complaints({W3: 30}, request_type="维修类")  # repairs, not complaints
    assert not alerts_by_name(rows)["投诉量连续激增"].fired


def test_growth_from_a_week_without_complaints_does_not_count():
    alert = alerts_by_name(complaints({W2: 5, W3: 8}))["投诉量连续激增"]  # W1: none
    assert not alert.fired
    assert alert.value == pytest.approx(0.6)  # only the 5 → 8 change is defined


def test_the_number_of_weeks_and_the_growth_come_from_the_thresholds():
    # 13 → 17 alone is enough when one week is asked for.
    rows = complaints({W1: 10, W2: 12, W3: 17})
    assert not alerts_by_name(rows)["投诉量连续激增"].fired
    one_week = dict(DEFAULTS, 投诉增幅连续周数=1)
    assert alerts_by_name(rows, thresholds=one_week)["投诉量连续激增"].fired
    steeper = dict(DEFAULTS, 投诉增幅连续周数=1, 投诉量周环比增幅="50%")  # 12 → 17 is +41.7%
    assert not alerts_by_name(rows, thresholds=steeper)["投诉量连续激增"].fired


# ---- one problem type -------------------------------------------------------------------------------
def test_complaints_concentrated_in_one_problem_type_fire():
    tags = {W1: ["处理时效"] * 3, W2: ["处理时效", "服务态度", "产品质量"], W3: ["处理时效", "服务态度", "产品质量", "服务态度"]}
    # 处理时效 5 of 10 = 50% > 40%.
    alert = alerts_by_name(complaints({W1: 3, W2: 3, W3: 4}, tags))["投诉集中于单一问题类型"]
    assert alert.fired
    assert alert.value == pytest.approx(0.5)
    assert "「处理时效」5 张" in alert.explanation


def test_a_share_equal_to_the_threshold_does_not_fire():
    tags = {W1: ["处理时效"] * 2 + ["服务态度"], W2: ["服务态度"] * 2 + ["产品质量"],
            W3: ["处理时效", "处理时效", "服务态度", "产品质量"]}
    # 处理时效 4, 服务态度 4, 产品质量 2 of 10: the top share is 40%, not above it.
    alert = alerts_by_name(complaints({W1: 3, W2: 3, W3: 4}, tags))["投诉集中于单一问题类型"]
    assert not alert.fired
    assert alert.value == pytest.approx(0.4)


def test_no_recent_complaints_means_no_data():
    alert = alerts_by_name(complaints({dt.date(2026, 9, 7): 5}))["投诉集中于单一问题类型"]
    assert not alert.fired and alert.value is None and alert.verdict == "无数据"


# ---- response, satisfaction --------------------------------------------------------------------------
def test_average_response_slower_than_the_benchmark_fires():
    kpis = dict(CALM_KPIS, first_response_hours_avg=2.5)
    ecommerce = dict(DEFAULTS, **{"行业响应基准(小时)": 2})
    finance = dict(DEFAULTS, **{"行业响应基准(小时)": 4})
    assert alerts_by_name([], kpis=kpis, thresholds=ecommerce)["平均响应慢于行业基准"].fired
    assert not alerts_by_name([], kpis=kpis, thresholds=finance)["平均响应慢于行业基准"].fired


def test_satisfaction_score_below_eighty_fires():
    low = alerts_by_name([], kpis=dict(CALM_KPIS, satisfaction_score=79.9))["满意度得分低于下限"]
    assert low.fired and "79.9" in low.explanation
    assert not alerts_by_name([], kpis=dict(CALM_KPIS, satisfaction_score=80.0))["满意度得分低于下限"].fired
    assert alerts_by_name([], kpis=dict(CALM_KPIS, satisfaction_score=None))["满意度得分低于下限"].verdict == "无数据"


# ---- negative keywords -------------------------------------------------------------------------------
def survey(day: int, score: float, suggestion: str | None) -> dict:
    return {"工单号": "S", "回访时间": D(2026, 11, day, 10), "总体满意度": score, "改进建议": suggestion}


def test_negative_feedback_mentioning_the_keywords_above_forty_percent_fires():
    surveys = [
        survey(3, 5, "流程繁琐，希望简化"),  # unhappy, mentions a keyword
        survey(4, 6, "希望工程师更准时"),  # unhappy, no keyword
        survey(5, 9, "处理周期长"),  # happy customer: not negative feedback
        survey(6, 7, "处理周期长"),  # 7 is not below 7: not negative feedback
        survey(7, 3, None),  # no text
        survey(8, 2, "处理周期长"),  # unhappy, mentions a keyword
        survey(21, 2, "流程繁琐"),  # after the period (ends 11-20)
    ]
    rows = [{"服务工单号": "C1", "受理时间": D(2026, 11, 2, 9), "需求类型": "投诉类", "问题描述": "报修一周仍未上门，处理周期长"},
            {"服务工单号": "C2", "受理时间": D(2026, 11, 2, 9), "需求类型": "投诉类", "问题描述": "产品质量差"},
            {"服务工单号": "R1", "受理时间": D(2026, 11, 2, 9), "需求类型": "维修类", "问题描述": "流程繁琐"},
            {"服务工单号": "C0", "受理时间": D(2026, 10, 2, 9), "需求类型": "投诉类", "问题描述": "流程繁琐"}]
    # Negative texts: 3 suggestions (scores 5, 6, 2) + 2 November complaints = 5; with keywords: 3 → 60%.
    alert = alerts_by_name(rows, surveys=surveys)["负面反馈关键词占比过高"]
    assert alert.value == pytest.approx(3 / 5)
    assert alert.fired
    assert "负面反馈 5 条" in alert.explanation


def test_negative_feedback_below_the_share_does_not_fire():
    surveys = [survey(3, 5, "流程繁琐"), survey(4, 6, "希望更准时"), survey(5, 4, "配件太贵")]
    alert = alerts_by_name([], surveys=surveys)["负面反馈关键词占比过高"]
    assert alert.value == pytest.approx(1 / 3)
    assert not alert.fired


def test_keywords_come_from_the_threshold_sheet():
    surveys = [survey(3, 5, "客服推诿"), survey(4, 6, "希望更准时")]
    only_slow = dict(DEFAULTS, 负面关键词="流程繁琐，处理周期长")  # staff wrote a Chinese comma
    assert alerts_by_name([], surveys=surveys)["负面反馈关键词占比过高"].fired  # 推诿 is a default word: 50%
    assert not alerts_by_name([], surveys=surveys, thresholds=only_slow)["负面反馈关键词占比过高"].fired


# ---- thresholds --------------------------------------------------------------------------------------
def test_thresholds_accept_percent_text_and_whole_percentages_for_shares():
    limits = thresholds_of({"单一问题类型投诉占比": 40, "负面关键词占比": "35%", "投诉量周环比增幅": 0.3})
    assert limits["单一问题类型投诉占比"] == pytest.approx(0.40)
    assert limits["负面关键词占比"] == pytest.approx(0.35)
    assert limits["投诉量周环比增幅"] == pytest.approx(0.30)
    assert limits["行业响应基准(小时)"] == pytest.approx(2)  # the 系统参数 default
    assert limits["负面关键词"] == ("流程繁琐", "处理周期长", "太慢", "推诿", "重复描述")


def test_every_rule_reports_an_alert_even_when_nothing_fires():
    found = alerts_by_name([])
    assert list(found) == ["投诉量连续激增", "投诉集中于单一问题类型", "平均响应慢于行业基准", "满意度得分低于下限",
                           "负面反馈关键词占比过高"]
    assert not any(alert.fired for alert in found.values())
