"""KPIs of a period: each expected value is worked out by hand from a handful of tickets."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from macros.kpi import compute_kpis, dashboard_rows, kpi_step
from macros.settings import Settings, Target
from macros.triggers import Alert
from udfs.calendar import BusinessCalendar
from workbook import read_file
from workbook import schema as S

D = dt.datetime
NOV_1, NOV_30 = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
NOW = D(2026, 12, 5, 9, 0)  # after the month: every November deadline has passed
H = pd.Timedelta(hours=1)

P1, P3, P6 = "13800000001", "13800000003", "13800000006"


def make_settings(**params) -> Settings:
    """Settings as a fresh workbook has them: the schema's KPI targets and trigger thresholds."""
    values = {row[0]: row[1] for row in S.PARAMS_ROWS}
    values.update(params)
    return Settings(
        params=values, calendar=BusinessCalendar.from_values(), sla={}, dispatch_rules=[], urgency_rules=[],
        staff=[], warranty_months={},
        targets={name: Target(float(value), compare, unit) for name, value, compare, unit, _ in S.KPI_TARGET_ROWS},
        triggers={row[0]: row[1] for row in S.TRIGGER_ROWS},
    )


def november() -> dict[str, pd.DataFrame]:
    """Seven tickets around November 2026; four of them (T1, T2, T5, T6) are received in November."""
    t1 = D(2026, 11, 1, 0, 0)  # first moment of the period: inside
    t2 = D(2026, 11, 30, 23, 59)  # last minute of the period: inside
    t5 = D(2026, 11, 10, 10, 0)
    t6 = D(2026, 11, 15, 9, 0)
    intake = pd.DataFrame([
        {"服务工单号": "T1", "受理时间": t1, "需求类型": "维修类", "二级标签": "硬件故障", "紧急程度": "紧急",
         "需求来源": "电话", "责任部门": "维修部", "所属店铺/区域": "杭州西湖店", "购买产品型号": "JS-200",
         "客户名称/姓名": "王伟", "联系方式": P1, "处理人": "张三",
         "首次响应时间": t1 + 2 * H, "完成时间": t1 + 10 * H, "当前状态": "已完成",
         "首次响应时限": t1 + 2 * H,  # responded exactly at the deadline: met
         "解决时限": t1 + 24 * H, "客户确认时限": t1 + 34 * H, "回访时限": D(2026, 11, 3, 18, 0)},
        {"服务工单号": "T2", "受理时间": t2, "需求类型": "咨询类", "二级标签": "使用咨询", "紧急程度": "一般",
         "需求来源": "在线客服", "责任部门": "咨询部", "所属店铺/区域": "杭州西湖店", "购买产品型号": "JS-200",
         "客户名称/姓名": "王伟", "联系方式": "138-0000-0001",  # T1's customer, typed with dashes
         "处理人": "李四", "当前状态": "处理中",
         "解决时限": D(2026, 12, 2, 18, 0)},  # not done and past due at NOW: overdue
        {"服务工单号": "T3", "受理时间": D(2026, 10, 31, 23, 59), "需求类型": "投诉类", "二级标签": "服务态度",
         "联系方式": P3, "处理人": "张三", "首次响应时间": D(2026, 11, 1, 1, 0), "完成时间": D(2026, 11, 2, 0, 0),
         "当前状态": "已完成"},  # one minute before the period: outside
        {"服务工单号": "T4", "受理时间": D(2026, 12, 1, 0, 0), "需求类型": "维修类", "联系方式": "13900000004",
         "当前状态": "待分配"},  # first moment after the period: outside, but open at NOW
        {"服务工单号": "T5", "受理时间": t5, "需求类型": "投诉类", "二级标签": "处理时效", "紧急程度": "一般",
         "需求来源": "电话", "责任部门": "客服部", "所属店铺/区域": "南京新街口店", "购买产品型号": "KJ-500",
         "客户名称/姓名": "李娜", "联系方式": "138 0000 0003",  # T3's customer: complained 9.4 days earlier
         "处理人": "张三", "首次响应时间": t5 + 4 * H, "完成时间": t5 + 30 * H, "当前状态": "已关闭",
         "首次响应时限": t5 + 3 * H,  # responded an hour late
         "解决时限": t5 + 20 * H,  # resolved ten hours late
         "客户确认时限": t5 + 54 * H},  # never confirmed: not counted for the 客户确认 rate
        {"服务工单号": "T6", "受理时间": t6, "需求类型": "投诉类", "二级标签": "处理时效",
         "需求来源": "公众号", "责任部门": "客服部", "所属店铺/区域": "南京新街口店",
         "客户名称/姓名": "赵敏", "联系方式": P6, "首次响应时间": t6 + 6 * H, "当前状态": "处理中",
         "首次响应状态": "按时完成"},  # a status but no deadline: assessed, not late, not in the SLA rate
        {"服务工单号": "T7", "受理时间": D(2026, 10, 15, 8, 0), "需求类型": "投诉类", "联系方式": P6,
         "当前状态": "已关闭"},  # T6's customer 31 days + 1 h before T6: too long ago to be a repeat
    ])
    service = pd.DataFrame([
        {"工单号": "T1", "服务时间": t1 + 9 * H, "差旅费": 100.0, "配件/维修费": 50.0, "赔偿金额": 0.0},
        {"工单号": "T5", "服务时间": t5 + 20 * H, "差旅费": 80.0, "配件/维修费": 0.0, "赔偿金额": 200.0},
        {"工单号": "T5", "服务时间": t5 + 29 * H, "差旅费": 20.0},
        {"工单号": "T3", "服务时间": D(2026, 11, 1, 20, 0), "差旅费": 1000.0},  # T3 is outside the period
    ])
    confirmations = pd.DataFrame([{"工单号": "T1", "确认时间": t1 + 15 * H, "客户评价": "满意"}])
    surveys = pd.DataFrame([
        {"工单号": "T1", "回访时间": D(2026, 11, 2, 10, 0), "总体满意度": 9.0, "推荐意愿": 10.0},
        {"工单号": "T5", "回访时间": D(2026, 11, 12, 10, 0), "总体满意度": 8.0, "推荐意愿": 9.0},
        {"工单号": "T5", "回访时间": D(2026, 11, 20, 10, 0), "总体满意度": 6.0, "推荐意愿": 3.0},
        {"工单号": "T1", "回访时间": D(2026, 11, 30, 23, 0), "总体满意度": 7.0, "推荐意愿": None},
        {"工单号": "T3", "回访时间": D(2026, 12, 1, 9, 0), "总体满意度": 1.0, "推荐意愿": 0.0},  # December
    ])
    callbacks = pd.DataFrame([
        {"任务编号": "C1", "工单号": "T1", "应回访日期": D(2026, 11, 5), "回访状态": "已回访",
         "实际回访时间": D(2026, 11, 5, 15, 0)},  # same day, later hour: on time (compared by date)
        {"任务编号": "C2", "工单号": "T5", "应回访日期": D(2026, 11, 10), "回访状态": "已回访",
         "实际回访时间": D(2026, 11, 12, 10, 0)},  # two days late
        {"任务编号": "C3", "工单号": "T6", "应回访日期": D(2026, 11, 20), "回访状态": "待回访"},  # past due, open
        {"任务编号": "C4", "工单号": "T3", "应回访日期": D(2026, 10, 30), "回访状态": "已回访",
         "实际回访时间": D(2026, 10, 30, 9, 0)},  # due in October: outside
        {"任务编号": "C5", "工单号": "T2", "应回访日期": D(2026, 11, 25), "回访状态": "无法联系",
         "实际回访时间": D(2026, 11, 25, 11, 0)},  # tried, not reached: counted, not done
    ])
    return {S.INTAKE.name: intake, S.SERVICE.name: service, S.CONFIRMATION.name: confirmations,
            S.SURVEY.name: surveys, S.CALLBACK_PLAN.name: callbacks}


@pytest.fixture(scope="module")
def kpis() -> dict:
    return compute_kpis(november(), NOV_1, NOV_30, now=NOW)


# ---- volumes ----------------------------------------------------------------------------------------
def test_tickets_are_counted_by_receipt_day_with_both_period_ends_included(kpis):
    # T1 (11-01 00:00) and T2 (11-30 23:59) are in; T3 (10-31 23:59) and T4 (12-01 00:00) are out.
    assert kpis["tickets"] == 4
    assert kpis["tickets_by_type"] == {"维修类": 1, "咨询类": 1, "投诉类": 2, "回访类": 0}


def test_volumes_by_urgency_channel_department_and_store_count_blanks_separately(kpis):
    assert kpis["tickets_by_urgency"] == {"紧急": 1, "一般": 2, "常规": 0, "（未填写）": 1}  # T6 blank
    assert kpis["tickets_by_channel"]["电话"] == 2  # T1, T5
    assert kpis["tickets_by_channel"]["公众号"] == 1
    assert kpis["tickets_by_department"] == {"客服部": 2, "咨询部": 1, "维修部": 1}  # by count, then name
    assert kpis["tickets_by_store"] == {"南京新街口店": 2, "杭州西湖店": 2}


# ---- times ------------------------------------------------------------------------------------------
def test_average_first_response_leaves_out_tickets_without_a_response(kpis):
    # T1 2 h, T5 4 h, T6 6 h; T2 has no response and is not counted as 0.
    assert kpis["first_response_hours_avg"] == pytest.approx((2 + 4 + 6) / 3)
    assert kpis["first_response_hours_median"] == pytest.approx(4)
    assert kpis["first_response_count"] == 3


def test_average_resolution_is_over_completed_tickets(kpis):
    assert kpis["resolution_hours_avg"] == pytest.approx((10 + 30) / 2)  # T1 10 h, T5 30 h
    assert kpis["completed"] == 2


def test_complaint_first_response_counts_complaints_only(kpis):
    assert kpis["complaints"] == 2
    assert kpis["complaint_first_response_hours_avg"] == pytest.approx((4 + 6) / 2)  # T5, T6


def test_working_hours_skip_nights_and_weekends():
    # Received Friday 17:00, answered Monday 10:00: 65 clock hours, 1 + 1 = 2 working hours (09–18).
    frames = {S.INTAKE.name: pd.DataFrame([{"服务工单号": "W1", "受理时间": D(2026, 11, 6, 17, 0),
                                            "首次响应时间": D(2026, 11, 9, 10, 0), "完成时间": D(2026, 11, 9, 18, 0)}])}
    calendar = BusinessCalendar.from_values(hours="09:00-18:00", weekend="0000011")
    with_calendar = compute_kpis(frames, NOV_1, NOV_30, now=NOW, calendar=calendar)
    assert with_calendar["first_response_hours_avg"] == pytest.approx(65)
    assert with_calendar["first_response_work_hours_avg"] == pytest.approx(2)
    assert with_calendar["resolution_work_hours_avg"] == pytest.approx(1 + 9)  # Fri 17–18, Mon 09–18
    without = compute_kpis(frames, NOV_1, NOV_30, now=NOW)
    assert without["first_response_work_hours_avg"] is None


# ---- resolution, SLA, overdue ---------------------------------------------------------------------
def test_first_contact_resolution_needs_exactly_one_service_record(kpis):
    # Completed: T1 (one record) and T5 (two records) → 1 of 2.
    assert kpis["fcr_rate"] == pytest.approx(1 / 2)


def test_a_completed_ticket_without_service_record_is_not_resolved_at_first_contact():
    frames = {S.INTAKE.name: pd.DataFrame([
        {"服务工单号": "A", "受理时间": D(2026, 11, 2, 9), "完成时间": D(2026, 11, 2, 12)},
        {"服务工单号": "B", "受理时间": D(2026, 11, 2, 9), "完成时间": D(2026, 11, 2, 12)},
        {"服务工单号": "C", "受理时间": D(2026, 11, 2, 9)},  # open: not in the denominator
    ]), S.SERVICE.name: pd.DataFrame([{"工单号": "A", "服务时间": D(2026, 11, 2, 11)},
                                      {"工单号": "C", "服务时间": D(2026, 11, 2, 11)}])}
    assert compute_kpis(frames, NOV_1, NOV_30, now=NOW)["fcr_rate"] == pytest.approx(1 / 2)


def test_sla_rates_count_open_items_past_their_deadline_as_misses(kpis):
    # SPEC §6: a manager counts an open item already past its deadline as a miss.
    # 首次响应: T1 on the deadline (met), T5 an hour late; T6 has no deadline → 1 of 2.
    assert kpis["response_sla_rate"] == pytest.approx(1 / 2)
    # 解决: T1 met, T5 late, T2 still open past its 12-02 18:00 deadline at NOW 12-05 → 1 of 3.
    assert kpis["resolution_sla_rate"] == pytest.approx(1 / 3)
    assert kpis["sla_counted"]["解决"] == 3
    # 客户确认: T1 confirmed at +15 h against +34 h; T5 never confirmed, deadline long past → 1 of 2.
    assert kpis["sla_rates"]["客户确认"] == pytest.approx(1 / 2)
    # 回访: T1's first survey 11-02 10:00 before its 11-03 18:00 deadline → 1 of 1.
    assert kpis["sla_rates"]["回访"] == pytest.approx(1.0)
    assert kpis["sla_rates"]["登记"] is None  # no 登记时限 anywhere


def test_an_open_item_whose_deadline_is_still_ahead_is_not_counted_yet():
    # Received 12-04 09:00, resolution due 12-06 18:00, NOW 12-05 09:00: it can still be met.
    frames = {S.INTAKE.name: pd.DataFrame([
        {"服务工单号": "A", "受理时间": D(2026, 12, 4, 9), "解决时限": D(2026, 12, 6, 18)},
        {"服务工单号": "B", "受理时间": D(2026, 12, 1, 9), "解决时限": D(2026, 12, 3, 18)},  # past due, open
    ])}
    result = compute_kpis(frames, dt.date(2026, 12, 1), dt.date(2026, 12, 31), now=NOW)
    assert (result["sla_counted"]["解决"], result["resolution_sla_rate"]) == (1, 0.0)


def test_a_callback_task_done_in_time_meets_the_callback_deadline():
    due = D(2026, 11, 9, 18, 0)
    frames = {
        S.INTAKE.name: pd.DataFrame([{"服务工单号": "A", "受理时间": D(2026, 11, 2, 9), "回访时限": due},
                                     {"服务工单号": "B", "受理时间": D(2026, 11, 2, 9), "回访时限": due}]),
        S.CALLBACK_PLAN.name: pd.DataFrame([
            {"工单号": "A", "回访状态": "已回访", "实际回访时间": D(2026, 11, 6, 10)},  # in time
            {"工单号": "B", "回访状态": "待回访", "实际回访时间": D(2026, 11, 6, 10)},  # not marked done
        ]),
        # B's survey came after the deadline: B was called back late.
        S.SURVEY.name: pd.DataFrame([{"工单号": "B", "回访时间": D(2026, 11, 10, 9), "总体满意度": 9.0}]),
    }
    result = compute_kpis(frames, NOV_1, NOV_30, now=NOW)
    assert result["sla_counted"]["回访"] == 2
    assert result["sla_rates"]["回访"] == pytest.approx(1 / 2)


def test_a_ticket_number_typed_twice_counts_its_service_records_once():
    frames = {S.INTAKE.name: pd.DataFrame([
        {"服务工单号": "A", "受理时间": D(2026, 11, 2, 9), "完成时间": D(2026, 11, 2, 12)},
        {"服务工单号": "A", "受理时间": D(2026, 11, 2, 9), "完成时间": D(2026, 11, 2, 12)},  # the duplicate
        {"服务工单号": None, "受理时间": D(2026, 11, 2, 9), "完成时间": D(2026, 11, 2, 12)},  # not numbered yet
    ]), S.SERVICE.name: pd.DataFrame([{"工单号": "A", "服务时间": D(2026, 11, 2, 11), "差旅费": 60.0}])}
    result = compute_kpis(frames, NOV_1, NOV_30, now=NOW)
    assert result["fcr_tickets"] == 1  # the first A; the copy and the unnumbered ticket have no record
    assert result["cost_total"] == pytest.approx(60)


def test_overdue_rate_counts_late_events_open_past_deadlines_and_overdue_statuses(kpis):
    # Assessed on 首次响应 or 解决 (a deadline or a status): T1, T2, T5, T6. Overdue: T2 (open past
    # 12-02 18:00), T5 (late response and resolution). T6's status 按时完成 is not overdue → 2 of 4.
    assert kpis["overdue_tickets"] == 2
    assert kpis["overdue_rate"] == pytest.approx(2 / 4)


def test_a_written_status_wins_over_the_deadline_arithmetic():
    frames = {S.INTAKE.name: pd.DataFrame([
        # The status step said 超时完成 (e.g. a pause it knows about): it counts as overdue.
        {"服务工单号": "A", "受理时间": D(2026, 11, 2, 9), "首次响应时间": D(2026, 11, 2, 9, 20),
         "首次响应时限": D(2026, 11, 2, 9, 40), "首次响应状态": "超时完成"},
        # No status: the deadline decides (answered 10 minutes late).
        {"服务工单号": "B", "受理时间": D(2026, 11, 2, 9), "首次响应时间": D(2026, 11, 2, 9, 50),
         "首次响应时限": D(2026, 11, 2, 9, 40)},
        {"服务工单号": "C", "受理时间": D(2026, 11, 2, 9)},  # neither: not assessed
    ])}
    result = compute_kpis(frames, NOV_1, NOV_30, now=NOW)
    assert result["overdue_tickets"] == 2
    assert result["overdue_rate"] == pytest.approx(2 / 2)


def test_overdue_means_first_response_or_resolution_late_not_a_missing_confirmation():
    # SPEC §6: 超时率 is about first response and resolution; the other stages have their own rates.
    # A: answered and resolved in time, but the customer never confirmed (客户确认 past due).
    # B: answered in time, resolution still open past its deadline. C: answered late.
    # D: all in time. Hand count: B and C overdue, of 4 assessed → 50 %.
    intime = {"首次响应时间": D(2026, 11, 2, 10), "首次响应时限": D(2026, 11, 2, 11)}
    done = {"完成时间": D(2026, 11, 3, 10), "解决时限": D(2026, 11, 4, 18)}
    frames = {S.INTAKE.name: pd.DataFrame([
        {"服务工单号": "A", "受理时间": D(2026, 11, 2, 9), **intime, **done, "客户确认时限": D(2026, 11, 5, 18),
         "客户确认状态": "已超时"},
        {"服务工单号": "B", "受理时间": D(2026, 11, 2, 9), **intime, "解决时限": D(2026, 11, 4, 18)},
        {"服务工单号": "C", "受理时间": D(2026, 11, 2, 9), "首次响应时间": D(2026, 11, 2, 12),
         "首次响应时限": D(2026, 11, 2, 11), **done},
        {"服务工单号": "D", "受理时间": D(2026, 11, 2, 9), **intime, **done},
    ])}
    result = compute_kpis(frames, NOV_1, NOV_30, now=NOW)
    assert (result["overdue_tickets"], result["overdue_assessed"]) == (2, 4)
    assert result["sla_rates"]["客户确认"] == 0.0  # A's confirmation is a miss of its own stage


def test_a_ticket_re_handled_through_a_linked_followup_is_not_first_contact_resolved():
    # SPEC §6: resolved with one service visit *and not reopened*. A and B each have one service
    # record; a low survey on A opened 二次处理 R (关联工单号 A) in December, after the period.
    frames = {S.INTAKE.name: pd.DataFrame([
        {"服务工单号": "A", "受理时间": D(2026, 11, 2, 9), "完成时间": D(2026, 11, 2, 12)},
        {"服务工单号": "B", "受理时间": D(2026, 11, 3, 9), "完成时间": D(2026, 11, 3, 12)},
        {"服务工单号": "R", "受理时间": D(2026, 12, 1, 9), "二级标签": "二次处理", "关联工单号": "A"},
    ]), S.SERVICE.name: pd.DataFrame([{"工单号": "A", "服务时间": D(2026, 11, 2, 11)},
                                      {"工单号": "B", "服务时间": D(2026, 11, 3, 11)}])}
    result = compute_kpis(frames, NOV_1, NOV_30, now=NOW)
    assert (result["fcr_tickets"], result["fcr_rate"]) == (1, 0.5)  # only B


def test_no_cost_records_is_no_data_not_a_met_cost_target():
    # Tickets without any cost typed: 单均成本 0 元 would read 达标 (≤ 300); it is 无数据.
    frames = {S.INTAKE.name: pd.DataFrame([{"服务工单号": "A", "受理时间": D(2026, 11, 2, 9)}]),
              S.SERVICE.name: pd.DataFrame([{"工单号": "A", "服务时间": D(2026, 11, 2, 11)}])}  # no cost cells
    result = compute_kpis(frames, NOV_1, NOV_30, now=NOW)
    assert result["cost_per_ticket"] is None
    row = next(r for r in dashboard_rows(result, make_settings()) if r["指标"] == "单均成本(元)")
    assert (row["本期数值"], row["是否达标"]) == (None, "无数据")


def test_backlog_is_every_open_ticket_at_now_whatever_its_period(kpis):
    # T2 (处理中), T4 (待分配, December) and T6 (处理中) are open; T7 is 已关闭 without 完成时间.
    assert kpis["backlog"] == 3
    assert kpis["backlog_by_state"] == {"处理中": 2, "待分配": 1}


# ---- customers --------------------------------------------------------------------------------------
def test_csat_uses_surveys_by_visit_date_and_the_threshold(kpis):
    # November surveys: 9, 8, 6, 7 (the December 1 is out). ≥ 8: two of four.
    assert kpis["surveys"] == 4
    assert kpis["csat_rate"] == pytest.approx(2 / 4)
    assert kpis["satisfaction_score"] == pytest.approx((9 + 8 + 6 + 7) / 4 * 10)  # 75
    lenient = compute_kpis(november(), NOV_1, NOV_30, now=NOW, csat_threshold=7)
    assert lenient["csat_rate"] == pytest.approx(3 / 4)


def test_nps_is_promoters_minus_detractors_among_answers(kpis):
    # 推荐意愿 10 and 9 promote, 3 detracts, one survey did not answer: (2 − 1) / 3 × 100.
    assert kpis["nps_responses"] == 3
    assert kpis["nps"] == pytest.approx(100 / 3)


def test_nps_boundaries_nine_promotes_eight_is_passive_six_detracts():
    answers = [10, 9, 9, 8, 6, None]  # promoters 3, passive 1, detractor 1, one blank → 5 answers
    surveys = pd.DataFrame({"工单号": "X", "回访时间": D(2026, 11, 3, 10), "总体满意度": 8.0, "推荐意愿": answers})
    result = compute_kpis({S.SURVEY.name: surveys}, NOV_1, NOV_30, now=NOW)
    assert result["nps"] == pytest.approx((3 - 1) / 5 * 100)


def test_complaint_repeat_rate_looks_back_thirty_days_across_the_period_start(kpis):
    # T5's customer complained (T3) 9.4 days earlier, in October; T6's last complaint (T7) was
    # 31 days + 1 h earlier. One of two.
    assert kpis["complaint_repeats"] == 1
    assert kpis["complaint_repeat_rate"] == pytest.approx(1 / 2)


def test_survey_sample_rate_is_surveys_over_distinct_customers(kpis):
    # Customers: 13800000001 (T1 and T2, once with dashes), 13800000003, 13800000006 → 3.
    assert kpis["customers"] == 3
    assert kpis["survey_sample_rate"] == pytest.approx(4 / 3)


def test_callback_completion_counts_tasks_due_in_the_period_done_by_their_date(kpis):
    # Due in November: C1 on time, C2 late, C3 open and past due, C5 无法联系 → 1 of 4.
    assert kpis["callbacks_due"] == 4
    assert kpis["callback_completion_rate"] == pytest.approx(1 / 4)


def test_a_callback_not_yet_due_is_not_counted_as_missed():
    frames = november()
    before_c3_is_due = D(2026, 11, 20, 16, 0)  # C3 is due today: it can still be done
    result = compute_kpis(frames, NOV_1, NOV_30, now=before_c3_is_due)
    # C1 on time, C2 late, C5 closed as 无法联系; C3 not counted → 1 of 3.
    assert result["callbacks_due"] == 3
    assert result["callback_completion_rate"] == pytest.approx(1 / 3)


# ---- staff, costs, top lists -----------------------------------------------------------------------
def test_tickets_per_staff_member(kpis):
    assert kpis["staff_count"] == 2  # 张三 (T1, T5) and 李四 (T2); T6 is unassigned
    assert kpis["tickets_per_staff"] == pytest.approx(4 / 2)


def test_costs_sum_the_service_records_of_the_period_tickets(kpis):
    assert kpis["cost_travel"] == pytest.approx(100 + 80 + 20)  # T3's 1000 is October's
    assert kpis["cost_parts_repair"] == pytest.approx(50)
    assert kpis["cost_compensation"] == pytest.approx(200)
    assert kpis["cost_total"] == pytest.approx(450)
    assert kpis["cost_per_ticket"] == pytest.approx(450 / 4)


def test_top_problem_types_and_models(kpis):
    assert kpis["top_problem_types"] == [{"name": "处理时效", "count": 2}, {"name": "使用咨询", "count": 1},
                                         {"name": "硬件故障", "count": 1}]
    assert kpis["top_product_models"] == [{"name": "JS-200", "count": 2}, {"name": "KJ-500", "count": 1}]


def test_per_staff_figures(kpis):
    by_name = {person["name"]: person for person in kpis["staff"]}
    zhang = by_name["张三"]
    assert (zhang["tickets"], zhang["completed"]) == (2, 2)
    assert zhang["resolution_hours_avg"] == pytest.approx(20)  # (10 + 30) / 2
    assert zhang["resolution_sla_rate"] == pytest.approx(1 / 2)  # T1 met, T5 late
    assert zhang["surveys"] == 4 and zhang["csat_rate"] == pytest.approx(2 / 4)
    li = by_name["李四"]
    assert (li["tickets"], li["completed"], li["resolution_hours_avg"], li["csat_rate"]) == (1, 0, None, None)
    assert [p["name"] for p in kpis["staff"]] == ["张三", "李四"]  # busiest first


# ---- empty periods and JSON ------------------------------------------------------------------------
def test_an_empty_period_gives_nulls_not_zeros():
    empty = compute_kpis(november(), dt.date(2027, 1, 1), dt.date(2027, 1, 31), now=NOW)
    assert empty["tickets"] == 0
    for key in ("first_response_hours_avg", "resolution_hours_avg", "fcr_rate", "csat_rate", "satisfaction_score",
                "nps", "response_sla_rate", "overdue_rate", "complaint_repeat_rate", "tickets_per_staff",
                "callback_completion_rate", "survey_sample_rate", "cost_per_ticket"):
        assert empty[key] is None, key
    assert empty["cost_total"] == 0


def test_the_result_is_plain_json(kpis):
    text = json.dumps(kpis, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == kpis


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="结束日 2026-10-01 早于开始日 2026-11-01"):
        compute_kpis(november(), NOV_1, dt.date(2026, 10, 1), now=NOW)


# ---- the KPI看板 rows -------------------------------------------------------------------------------
def test_dashboard_rows_compare_each_kpi_with_its_target(kpis):
    rows = {row["指标"]: row for row in dashboard_rows(kpis, make_settings())}
    # 4.0 h against ≤ 4 h: exactly on target is met.
    assert rows["平均首次响应时长(小时)"]["本期数值"] == pytest.approx(4.0)
    assert (rows["平均首次响应时长(小时)"]["比较"], rows["平均首次响应时长(小时)"]["是否达标"]) == ("≤", "达标")
    assert (rows["一次性问题解决率"]["本期数值"], rows["一次性问题解决率"]["是否达标"]) == (0.5, "未达标")
    assert (rows["客户满意度(CSAT)"]["目标值"], rows["客户满意度(CSAT)"]["是否达标"]) == (0.85, "未达标")
    assert rows["NPS"]["是否达标"] == "达标"  # 33.3 ≥ 30
    assert rows["单均成本(元)"]["本期数值"] == pytest.approx(112.5)
    assert rows["单均成本(元)"]["是否达标"] == "达标"  # ≤ 300
    assert rows["投诉重复率"]["是否达标"] == "未达标"  # 50% > 5%
    assert rows["首次响应达标率"]["类别"] == "时限达标"
    assert rows["登记达标率"]["是否达标"] == "无数据"
    # Each 说明 starts with the one definition KPI目标's 说明 carries (workbook.schema).
    defaults = {name: note for name, _v, _c, _u, note in S.KPI_TARGET_ROWS}
    import macros.kpi

    for name, note in defaults.items():
        assert rows[name]["说明"].startswith(note), name
        assert f"- {name}：{note}" in macros.kpi.__doc__, name  # and its documentation says the same
    assert {row["统计期间"] for row in rows.values()} == {"2026-11-01 至 2026-11-30"}


def test_baseline_targets_need_a_baseline_period(kpis):
    baseline = dict(kpis, period={"label": "2026-06-01 至 2026-08-31"},
                    complaint_first_response_hours_avg=10.0, csat_rate=0.3)
    rows = {r["指标"]: r for r in dashboard_rows(kpis, make_settings(), baseline=baseline)}
    assert rows["投诉首次响应缩短率"]["本期数值"] == pytest.approx(0.5)  # 10 h → 5 h
    assert rows["CSAT提升(百分点)"]["本期数值"] == pytest.approx(20)  # 30% → 50%
    without = {r["指标"]: r for r in dashboard_rows(kpis, make_settings())}
    assert without["投诉首次响应缩短率"]["是否达标"] == "无数据"


def test_a_target_the_program_does_not_know_is_shown_as_no_data(kpis):
    settings = make_settings()
    settings.targets["首问负责率"] = Target(0.9, "≥", "%")
    row = next(r for r in dashboard_rows(kpis, settings) if r["指标"] == "首问负责率")
    assert row["是否达标"] == "无数据"
    assert "没有对应的计算" in row["说明"]


def test_alerts_become_rows_of_the_optimisation_category(kpis):
    alerts = [Alert("满意度得分低于下限", True, 75.0, 80.0, "满意度得分 75.0 分，低于 80 分", "<", "11月"),
              Alert("平均响应慢于行业基准", False, 4.0, 4.0, "未慢于基准", ">", "11月")]
    rows = [r for r in dashboard_rows(kpis, make_settings(), alerts) if r["类别"] == "优化预警"]
    assert [(r["指标"], r["是否达标"], r["本期数值"]) for r in rows] == [
        ("满意度得分低于下限", "触发", 75.0), ("平均响应慢于行业基准", "未触发", 4.0)]
    from macros.kpiboard import board

    shown, _looks = board(dashboard_rows(kpis, make_settings(), alerts))
    assert all(set(r) == set(S.KPI_BOARD.headers) for r in shown)
    # On the sheet a trigger says 触发/未触发 in its own column, never in 是否达标.
    warned = [r for r in shown if r["类别"] == "预警" and r["指标"]]
    assert [(r["指标"], r["触发状态"], r["是否达标"]) for r in warned] == [
        ("满意度得分低于下限", "触发", None), ("平均响应慢于行业基准", "未触发", None)]


# ---- the whole chain on the demo workbook --------------------------------------------------------------
def test_the_demo_evaluation_period_beats_the_baseline(demo_book):
    snapshot = read_file(demo_book)
    frames = {name: snapshot.frame(name) for name in (S.INTAKE.name, S.SERVICE.name, S.CONFIRMATION.name,
                                                        S.SURVEY.name)}
    now = D(2026, 11, 20, 16, 0)
    baseline = compute_kpis(frames, dt.date(2026, 6, 1), dt.date(2026, 8, 31), now=now)
    evaluation = compute_kpis(frames, dt.date(2026, 9, 1), dt.date(2026, 11, 20), now=now)
    assert evaluation["csat_rate"] > baseline["csat_rate"]
    assert evaluation["complaint_first_response_hours_avg"] < baseline["complaint_first_response_hours_avg"]


def test_kpi_step_rebuilds_the_board_and_says_what_it_did(demo_book):
    from macros.work import Work

    work = Work(read_file(demo_book), D(2026, 11, 20, 16, 0))
    kpi_step(work)
    kpis = work.results["kpi"]
    assert kpis["period"] == {"start": "2026-11-01", "end": "2026-11-20", "label": "2026-11-01 至 2026-11-20"}
    rows = work.rebuilds[S.KPI_BOARD.name]
    assert {r["类别"] for r in rows} >= {"工单量", "体验", "预警"}
    assert len([r for r in rows if r["类别"] == "预警" and r["指标"]]) == 5
    # The demo sets a baseline period (June–August), so the before/after rows have values.
    assert next(r for r in rows if r["指标"] == "CSAT提升(百分点)")["本期数值"] is not None
    assert work.lines and work.lines[-1].startswith("KPI看板：2026-11-01 至 2026-11-20")


def test_kpi_step_takes_a_period_or_the_month_up_to_a_given_day(demo_book):
    from macros.work import Work

    work = Work(read_file(demo_book), D(2026, 11, 20, 16, 0))
    kpi_step(work, start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30))
    assert work.results["kpi"]["period"]["label"] == "2026-09-01 至 2026-09-30"
    kpi_step(work, end=dt.date(2026, 10, 15))
    assert work.results["kpi"]["period"]["label"] == "2026-10-01 至 2026-10-15"


def test_kpi_step_on_an_empty_workbook_shows_no_data_instead_of_failing(new_book):
    from macros.work import Work

    work = Work(read_file(new_book), D(2026, 11, 20, 16, 0))
    kpi_step(work)
    rows = work.rebuilds[S.KPI_BOARD.name]
    targets = [r for r in rows if r["目标值"] is not None and r["类别"] != "预警"]
    assert targets and all(r["是否达标"] == "无数据" for r in targets)
    assert work.results["kpi"]["tickets"] == 0


def test_a_rate_target_typed_90_without_a_percent_unit_is_read_as_90_percent_and_reported(tmp_path):
    # A manager types 90 for 首次响应达标率 and leaves 单位 blank. Judged against 90 (= 9000 %) every
    # rate would be 未达标 forever; read as 90 % (udfs.values' rule) and said on 数据问题.
    from macros.refresh import kpi
    from tests.bookmaker import make_book

    targets = [dict(zip(S.KPI_TARGETS.headers, row)) for row in S.KPI_TARGET_ROWS]
    for row in targets:
        if row["指标"] == "首次响应达标率":
            row.update({"目标值": 90, "单位": None})
    tickets = [{"服务工单号": f"A{i}", "受理时间": D(2026, 11, 2, 9), "需求类型": "维修类", "紧急程度": "一般",
                "首次响应时间": D(2026, 11, 2, 9, 10)} for i in range(1, 11)]  # all answered in 10 min: 100 %
    book = make_book(tmp_path / "book.xlsx", {S.KPI_TARGETS.name: targets, S.INTAKE.name: tickets})
    result = kpi(book, now=D(2026, 11, 20, 16, 0), start=NOV_1, end=NOV_30)
    row = next(r for r in read_file(book).frame(S.KPI_BOARD.name).to_dict("records") if r["指标"] == "首次响应达标率")
    assert (row["目标值"], row["是否达标"]) == (pytest.approx(0.9), "达标")
    warned = [p for p in result.problems if p.sheet == S.KPI_TARGETS.name and p.column == "目标值"]
    assert len(warned) == 1 and "按 90% 理解" in warned[0].reason


# ---- the same rows in another order: the same KPIs, to the last digit ------------------------------
def test_kpis_do_not_depend_on_the_order_of_the_rows(demo_book):
    # HQ pools the stores' rows store by store (macros.consolidate): the same tickets in another
    # order must give exactly the single workbook's figures, or `consolidate --json` and
    # `kpi --json` disagree in the last digit. Reversing every sheet is such a reordering.
    from macros.deadlines import deadlines_step, statuses_step
    from macros.kpi import work_frames
    from macros.work import Work

    work = Work(read_file(demo_book), dt.datetime(2026, 11, 20, 16, 0))
    deadlines_step(work)
    statuses_step(work)
    frames = work_frames(work)
    reversed_frames = {name: frame.iloc[::-1] for name, frame in frames.items()}
    start, end = dt.date(2026, 9, 1), dt.date(2026, 11, 20)
    forward = compute_kpis(frames, start, end, now=work.now)
    backward = compute_kpis(reversed_frames, start, end, now=work.now)
    for key in ("first_response_hours_avg", "resolution_hours_avg", "satisfaction_score", "cost_total",
                "cost_per_ticket"):
        assert forward[key] is not None, key
    assert json.dumps(backward, sort_keys=True, default=str) == json.dumps(forward, sort_keys=True, default=str)


def test_a_workbook_made_before_the_new_definitions_is_told_which_note_is_out_of_date(tmp_path):
    # An older version pre-filled 超时率's 说明 as "已超时工单占比" (any stage); the KPI now counts
    # first response and resolution only. The refresh says so (提示) instead of leaving two
    # definitions side by side; a note staff wrote themselves is theirs and is not mentioned.
    from macros.refresh import kpi
    from tests.bookmaker import make_book

    targets = [dict(zip(S.KPI_TARGETS.headers, row)) for row in S.KPI_TARGET_ROWS]
    for row in targets:
        if row["指标"] == "超时率":
            row["说明"] = "已超时工单占比"
        if row["指标"] == "解决达标率":
            row["说明"] = "我们自己的口径说明"
    book = make_book(tmp_path / "book.xlsx", {S.KPI_TARGETS.name: targets})
    result = kpi(book, now=D(2026, 11, 20, 16, 0), write=False)
    said = [p for p in result.problems if p.sheet == S.KPI_TARGETS.name and p.column == "说明"]
    assert [(p.value, p.level) for p in said] == [("已超时工单占比", "提示")]
    assert S.KPI_DEFINITIONS["超时率"] in said[0].reason
