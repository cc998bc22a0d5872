"""project_step and checklist_step (macros.project) on small hand-built workbooks and on the demo."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pandas as pd
import pytest

from macros.project import MISSING_OWNER, checklist_step, project_step
from macros.work import Work
from tests.conftest import NOW
from workbook import read_file
from workbook import schema as S
from workbook.changes import check_ownership
from workbook.frames import parse_grid
from workbook.problems import ERROR, WARNING
from workbook.reader import Snapshot

D = dt.date
T = dt.datetime
TODAY = NOW.date()  # 2026-11-20, a Friday
BASELINE = (D(2026, 6, 1), D(2026, 8, 31))
EVALUATION = (D(2026, 9, 1), D(2026, 11, 20))
PERIODS = {"基线期开始": T(2026, 6, 1), "基线期结束": T(2026, 8, 31),
           "评估期开始": T(2026, 9, 1), "评估期结束": T(2026, 11, 20)}


# -- building small workbooks -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Snapshot:
    """An empty workbook as `aftersales new` writes it (2026 holidays pre-filled), read once."""
    from workbook.builder import new_workbook

    path = tmp_path_factory.mktemp("blank") / "售后服务.xlsx"
    new_workbook(path, today=TODAY)
    return read_file(path)


def book(blank: Snapshot, params: dict | None = None, **sheets: list[dict]) -> Snapshot:
    """``blank`` with some sheets' rows replaced (header → value dicts) and some 系统参数 changed."""
    replaced = dict(blank.sheets)
    for name, rows in sheets.items():
        replaced[name] = _parsed(S.sheet(name), rows)
    if params:
        current = blank.frame(S.PARAMS.name)
        rows = [{"参数": k, "值": params.get(k, v), "说明": note}
                for k, v, note in zip(current["参数"], current["值"], current["说明"])]
        replaced[S.PARAMS.name] = _parsed(S.PARAMS, rows)
    return dataclasses.replace(blank, sheets=replaced)


def _parsed(sheet: S.Sheet, rows: list[dict]):
    unknown = {h for row in rows for h in row} - set(sheet.headers)
    assert not unknown, f"{sheet.name} has no columns {unknown}"
    return parse_grid(sheet, [sheet.headers] + [[row.get(h) for h in sheet.headers] for row in rows])


def checklist_rows(**overrides: dict) -> list[dict]:
    """Seed 000's fifteen rows as pre-filled, with some rows' cells changed (keyed by 检查项)."""
    rows = []
    for dimension, item, standard, mode in S.CHECKLIST_ROWS:
        row = {"检查维度": dimension, "检查项": item, "检查标准": standard, "判定方式": mode}
        row.update(overrides.get(item, {}))
        rows.append(row)
    return rows


def run(snapshot: Snapshot, *steps) -> Work:
    work = Work(snapshot, NOW)
    for step in steps or (project_step, checklist_step):
        step(work)
    return work


def checklist_row(work: Work, item: str) -> dict:
    frame = work.frames[S.CHECKLIST.name]
    return frame[frame["检查项"] == item].iloc[0].to_dict()


def assert_only_program_cells_change(work: Work) -> None:
    """work.changes() raises on any changed staff column; every written cell may be written."""
    changes = work.changes()
    check_ownership(changes, work.snapshot)
    for name, sheet_changes in changes.sheets.items():
        for header in sheet_changes.cells:
            assert S.sheet(name).column(header).owner != S.STAFF


# -- project_step: the computed columns ------------------------------------------------------------------
def test_pain_points_get_their_quadrant(blank):
    pains = [
        {"编号": "P01", "痛点描述": "客户首次响应超时", "影响度": 5, "紧急度": 5},
        {"编号": "P02", "痛点描述": "回访覆盖率低", "影响度": 3, "紧急度": 2},
        {"编号": "P03", "痛点描述": "工单状态更新不及时", "影响度": 2, "紧急度": 4},
        {"编号": "P04", "痛点描述": "知识库内容陈旧", "影响度": 2, "紧急度": 2},
        {"编号": "P05", "痛点描述": "尚未评估", "影响度": None, "紧急度": 4},
    ]
    work = run(book(blank, **{S.PAIN_POINTS.name: pains}), project_step)
    assert work.frames[S.PAIN_POINTS.name]["优先级象限"].tolist() == [
        "重要且紧急", "重要不紧急", "紧急不重要", "不重要不紧急", None]
    assert_only_program_cells_change(work)


def test_pilot_log_gets_its_resolution_rate_and_a_bad_row_is_reported(blank):
    pilot = [
        {"日期": D(2026, 8, 4), "阶段": "试点前基线", "工单量": 20, "已解决量": 15},
        {"日期": D(2026, 8, 5), "阶段": "试点前基线", "工单量": 0, "已解决量": 0},
        {"日期": D(2026, 8, 6), "阶段": "试点中", "工单量": 10, "已解决量": 12},
        {"日期": D(2026, 8, 7), "阶段": "试点中", "工单量": 10},
    ]
    work = run(book(blank, **{S.PILOT_LOG.name: pilot}), project_step)
    rates = work.frames[S.PILOT_LOG.name]["问题解决率"]
    assert rates.iloc[0] == 0.75
    assert rates.iloc[1:].isna().all()
    [problem] = [p for p in work.problems if p.sheet == S.PILOT_LOG.name]
    assert (problem.row, problem.column, problem.level) == (4, "问题解决率", ERROR)
    assert problem.reason == "已解决量 12 大于工单量 10 — 请核对两列"


def test_training_results_use_the_retake_for_the_final_result(blank):
    training = [
        {"员工姓名": "林晓雯", "考核成绩": 85, "合格线": 80},
        {"员工姓名": "周海峰", "考核成绩": 79, "合格线": 80},
        {"员工姓名": "吴俊", "考核成绩": 62, "合格线": 80, "二次培训日期": D(2026, 8, 28), "二次考核成绩": 86},
        {"员工姓名": "冯思远", "考核成绩": 62, "合格线": 80, "二次培训日期": D(2026, 8, 28), "二次考核成绩": 70},
        {"员工姓名": "许晴"},
        {"员工姓名": "韩雪", "考核成绩": 85},
    ]
    work = run(book(blank, **{S.TRAINING.name: training}), project_step)
    frame = work.frames[S.TRAINING.name]
    assert frame["考核结果"].tolist() == ["合格", "不合格", "不合格", "不合格", None, None]
    assert frame["最终结果"].tolist() == ["合格", "不合格", "合格", "不合格", None, None]
    [problem] = [p for p in work.problems if p.sheet == S.TRAINING.name]
    assert (problem.row, problem.column, problem.reason) == (7, "考核结果", "合格线为空 — 请填写合格线，例如 80")
    assert_only_program_cells_change(work)


def test_rollout_batches_get_their_progress_status(blank):
    rollout = [
        {"批次": "第1批", "计划开始": D(2026, 9, 1), "计划完成": D(2026, 9, 14),
         "实际开始": D(2026, 9, 1), "实际完成": D(2026, 9, 12)},
        {"批次": "第2批", "计划开始": D(2026, 9, 15), "计划完成": D(2026, 9, 30),
         "实际开始": D(2026, 9, 15), "实际完成": D(2026, 10, 9)},  # late but done
        {"批次": "第3批", "计划开始": D(2026, 10, 12), "计划完成": D(2026, 10, 31), "实际开始": D(2026, 10, 12)},
        {"批次": "第4批", "计划开始": D(2026, 11, 16), "计划完成": D(2026, 11, 30), "实际开始": D(2026, 11, 16)},
        {"批次": "第5批", "计划开始": D(2026, 12, 1), "计划完成": D(2026, 12, 15)},
        {"批次": "第6批", "计划开始": D(2026, 11, 2), "计划完成": D(2026, 12, 15)},  # should have started
    ]
    work = run(book(blank, **{S.ROLLOUT.name: rollout}), project_step)
    assert work.frames[S.ROLLOUT.name]["进度状态"].tolist() == [
        "已完成", "已完成", "已延期", "进行中", "未开始", "已延期"]


def test_anomalies_get_their_response_time_and_the_24_hour_verdict(blank):
    found = T(2026, 11, 18, 10, 30)
    monitor = [
        {"日期": D(2026, 11, 16), "是否异常": "是", "发现时间": T(2026, 11, 16, 10, 30),
         "开始排查时间": T(2026, 11, 17, 5, 30)},  # 19 h
        {"日期": D(2026, 11, 17), "是否异常": "是", "发现时间": T(2026, 11, 17, 10, 30),
         "开始排查时间": T(2026, 11, 18, 16, 30)},  # 30 h
        {"日期": D(2026, 11, 18), "是否异常": "是", "发现时间": found},  # open, 53.5 h by NOW
        {"日期": D(2026, 11, 20), "是否异常": "是", "发现时间": T(2026, 11, 20, 9, 0)},  # open, 7 h
        {"日期": D(2026, 11, 19), "发现时间": found, "开始排查时间": T(2026, 11, 20, 9, 0)},  # not an anomaly
        {"日期": D(2026, 11, 19), "是否异常": "是"},  # no 发现时间
    ]
    work = run(book(blank, **{S.DAILY_MONITOR.name: monitor}), project_step)
    frame = work.frames[S.DAILY_MONITOR.name]
    assert frame["响应用时(小时)"].tolist()[:2] == [19.0, 30.0]
    assert frame["响应用时(小时)"].iloc[2:].isna().all()
    assert frame["24小时内响应"].tolist() == ["合格", "不合格", "不合格", None, None, None]
    [problem] = [p for p in work.problems if p.sheet == S.DAILY_MONITOR.name]
    assert (problem.row, problem.column, problem.level) == (7, "发现时间", WARNING)
    assert_only_program_cells_change(work)


def test_collaboration_problems_count_working_days_with_the_workbooks_calendar(blank):
    collab = [
        {"编号": "C01", "提出日期": D(2026, 9, 2), "解决日期": D(2026, 9, 4)},  # Thu, Fri: 2
        {"编号": "C02", "提出日期": D(2026, 9, 4), "解决日期": D(2026, 9, 9)},  # Mon–Wed: 3
        # 9-29, 9-30, 10-8, 10-9, Saturday 10-10 (调休上班), 10-12: 6 over 国庆
        {"编号": "C03", "提出日期": D(2026, 9, 28), "解决日期": D(2026, 10, 12)},
        {"编号": "C04", "提出日期": D(2026, 10, 14), "解决日期": D(2026, 10, 14)},  # same day: 0
        {"编号": "C05", "提出日期": D(2026, 11, 10)},  # open, 8 working days old on 11-20
        {"编号": "C06", "提出日期": D(2026, 11, 17)},  # open, 3 working days old: not late yet
        {"编号": "C07", "提出日期": D(2026, 11, 12), "解决日期": D(2026, 11, 2)},  # solved before raised
    ]
    work = run(book(blank, **{S.COLLAB_ISSUES.name: collab}), project_step)
    frame = work.frames[S.COLLAB_ISSUES.name]
    assert frame["用时(工作日)"].tolist()[:4] == [2, 3, 6, 0]
    assert frame["用时(工作日)"].iloc[4:].isna().all()
    assert frame["是否达标"].tolist() == ["合格", "合格", "不合格", "合格", "不合格", None, None]
    [problem] = [p for p in work.problems if p.sheet == S.COLLAB_ISSUES.name]
    assert problem.row == 8
    assert problem.reason == "结束日期 2026-11-02 早于开始日期 2026-11-12 — 请检查两个日期"
    assert_only_program_cells_change(work)


def test_project_step_says_what_it_computed(blank):
    work = run(blank, project_step)
    assert work.lines == ["项目表：已计算 痛点清单 0 行、试点运行日志 0 行、培训考核记录 0 行、全面推广进度 0 行、"
                          "关键指标监控日报 0 行、跨部门协作问题 0 行"]
    assert work.changes().is_empty


# -- checklist data: one pass and one fail case per automatic row ------------------------------------------
def training(passed_first: int, retaken: int, failed: int) -> list[dict]:
    rows = [{"员工姓名": f"甲{i}", "考核成绩": 90, "合格线": 80} for i in range(passed_first)]
    rows += [{"员工姓名": f"乙{i}", "考核成绩": 62, "合格线": 80, "二次考核成绩": 86} for i in range(retaken)]
    rows += [{"员工姓名": f"丙{i}", "考核成绩": 70, "合格线": 80} for i in range(failed)]
    return rows


def pilot(before: tuple[int, int], during: tuple[int, int]) -> list[dict]:
    """Five days of each phase with (工单量, 已解决量) per day."""
    rows = [{"日期": D(2026, 8, 3 + i), "阶段": "试点前基线", "工单量": before[0], "已解决量": before[1]} for i in range(5)]
    rows += [{"日期": D(2026, 8, 17 + i), "阶段": "试点中", "工单量": during[0], "已解决量": during[1]} for i in range(5)]
    return rows


def rollout_on_plan() -> list[dict]:
    return [
        {"批次": "第1批", "推广范围": "华东", "计划开始": D(2026, 11, 2), "计划完成": D(2026, 11, 6),
         "实际开始": D(2026, 11, 2), "实际完成": D(2026, 11, 6)},
        {"批次": "第2批", "推广范围": "华南", "计划开始": D(2026, 11, 9), "计划完成": D(2026, 11, 13),
         "实际开始": D(2026, 11, 9), "实际完成": D(2026, 11, 13)},
    ]


def daily_reports(first: D, last: D, anomaly_hours: float = 20, skip: D | None = None) -> list[dict]:
    """A report every calendar day; one anomaly on the first day, investigated after ``anomaly_hours``."""
    rows, day = [], first
    while day <= last:
        if day != skip:
            rows.append({"日期": day, "范围": "全部"})
        day += dt.timedelta(days=1)
    found = T(first.year, first.month, first.day, 10, 0)
    rows[0].update({"是否异常": "是", "发现时间": found, "开始排查时间": found + dt.timedelta(hours=anomaly_hours)})
    return rows


def ticket(number: str, received: T, kind: str = "维修类", *, response_hours: float | None = None,
           done: bool = False, phone: str | None = None, linked: str | None = None) -> dict:
    row = {"服务工单号": number, "受理时间": received, "客户名称/姓名": "客户" + number[-3:], "需求类型": kind,
           "联系方式": phone, "关联工单号": linked}
    if response_hours is not None:
        row["首次响应时间"] = received + dt.timedelta(hours=response_hours)
    if done:
        row["完成时间"] = received + dt.timedelta(days=2)
    return row


def complaints(baseline_hours: float, evaluation_hours: float) -> list[dict]:
    """Two complaints per period, plus tickets that must not count."""
    return [
        ticket("SV001", T(2026, 6, 10, 10), "投诉类", response_hours=baseline_hours - 6),
        ticket("SV002", T(2026, 8, 31, 23), "投诉类", response_hours=baseline_hours + 6),  # last day counts
        ticket("SV003", T(2026, 9, 10, 10), "投诉类", response_hours=evaluation_hours - 2),
        ticket("SV004", T(2026, 11, 20, 9), "投诉类", response_hours=evaluation_hours + 2),
        ticket("SV005", T(2026, 9, 10, 10), "维修类", response_hours=200),  # not a complaint
        ticket("SV006", T(2026, 5, 31, 10), "投诉类", response_hours=500),  # before the baseline
        ticket("SV007", T(2026, 9, 11, 10), "投诉类"),  # not answered yet
        ticket("SV008", T(2026, 9, 12, 10), "投诉类", response_hours=-5),  # answered "before" receipt: a typing slip
    ]


def fcr_tickets(one_visit: int, more_visits: int) -> tuple[list[dict], list[dict]]:
    """Completed tickets in the evaluation period and their service records."""
    tickets, services = [], []
    for i in range(one_visit + more_visits):
        number = f"SV9{i:03d}"
        tickets.append(ticket(number, T(2026, 9, 14, 10) + dt.timedelta(hours=i), done=True))
        for visit in range(1 if i < one_visit else 2):
            services.append({"工单号": number, "服务时间": T(2026, 9, 15, 10 + visit)})
    tickets.append(ticket("SV8001", T(2026, 6, 14, 10), done=True))  # the baseline: not counted
    tickets.append(ticket("SV8002", T(2026, 9, 16, 10)))  # not completed: not counted
    return tickets, services


def surveys(period_start: D, satisfied: int, total: int) -> list[dict]:
    return [{"工单号": f"SV{period_start:%m}{i:03d}", "回访时间": T(period_start.year, period_start.month, 10, 10),
             "总体满意度": 8 if i < satisfied else 7} for i in range(total)]


def collaboration(open_since: D | None = None) -> list[dict]:
    rows = [{"编号": "C01", "提出日期": D(2026, 9, 2), "解决日期": D(2026, 9, 4)},
            {"编号": "C02", "提出日期": D(2026, 9, 4), "解决日期": D(2026, 9, 9)}]
    if open_since:
        rows.append({"编号": "C03", "提出日期": open_since})
    return rows


def sample_month(month: int, customers: int, surveyed: int) -> tuple[list[dict], list[dict]]:
    tickets = [ticket(f"SV{month:02d}{i:04d}", T(2026, month, 1 + i % 28, 10), phone=f"1380000{month:02d}{i:02d}")
               for i in range(customers)]
    tickets.append(ticket(f"SV{month:02d}9999", T(2026, month, 3, 10), phone=f"138-0000-{month:02d}00"))  # calls again
    answered = [{"工单号": f"SV{month:02d}{i:04d}", "回访时间": T(2026, month, 28, 15)} for i in range(surveyed)]
    return tickets, answered


# -- checklist_step: each automatic row against hand-computed numbers -------------------------------------
TRAINING_ITEM = "方案宣贯培训是否覆盖全员"
PILOT_ITEM = "试点运行是否有效"
ROLLOUT_ITEM = "全面推广是否按计划进行"
COMPLAINT_ITEM = "客户投诉首次响应时长"
FCR_ITEM = "一次性问题解决率"
CSAT_ITEM = "客户满意度（CSAT）"
COLLAB_ITEM = "是否存在跨部门协作障碍"
SAMPLE_ITEM = "客户反馈是否失真"


def judged(blank, item, params=None, **sheets) -> dict:
    work = run(book(blank, params, **{S.CHECKLIST.name: checklist_rows()}, **sheets), checklist_step)
    assert_only_program_cells_change(work)
    return checklist_row(work, item)


@pytest.mark.parametrize("rows, text, verdict", [
    # 19 of 20 pass first time (95%), the 20th passes the retake: 100% ≥ 95%
    (training(19, 1, 0), "按最终合格率（含二次培训后补考）判定：100.0%（20/20人）；首次合格率 95.0%（仅供参考）", "合格"),
    # exactly 95% (19 of 20) passes: seed 000 "考核合格率≥95%"
    (training(19, 0, 1), "按最终合格率（含二次培训后补考）判定：95.0%（19/20人）；首次合格率 95.0%（仅供参考）", "合格"),
    # 18 of 20: 90%
    (training(17, 1, 2), "按最终合格率（含二次培训后补考）判定：90.0%（18/20人）；首次合格率 85.0%（仅供参考）", "不合格"),
    # an employee listed but never assessed is not covered: 19 of 20
    (training(19, 0, 0) + [{"员工姓名": "丁"}], "按最终合格率（含二次培训后补考）判定：95.0%（19/20人），未考核 1 人；首次合格率 95.0%（仅供参考）", "合格"),
    ([], "无培训考核记录", None),
])
def test_training_row(blank, rows, text, verdict):
    row = judged(blank, TRAINING_ITEM, **{S.TRAINING.name: rows})
    assert (row["实测值"], row["检查结果"]) == (text, verdict)


@pytest.mark.parametrize("rows, text, verdict", [
    # 60% → 72%: 72 / 60 − 1 = exactly 20% relative (seed 000: 试点问题解决率提升≥20%)
    (pilot((20, 12), (25, 18)), "基线 60.0% → 试点 72.0%，按相对提升判定：相对提升 20.0%（绝对差 +12.0 个百分点，仅供参考）", "合格"),
    # 60% → 70%: +10 points but only 16.7% relative
    (pilot((20, 12), (20, 14)), "基线 60.0% → 试点 70.0%，按相对提升判定：相对提升 16.7%（绝对差 +10.0 个百分点，仅供参考）", "不合格"),
    (pilot((20, 12), (20, 10)), "基线 60.0% → 试点 50.0%，按相对提升判定：相对下降 16.7%（绝对差 -10.0 个百分点，仅供参考）", "不合格"),
    (pilot((20, 12), (20, 14))[5:], "无试点前基线数据（阶段为「试点前基线」且有工单量的行）", None),
])
def test_pilot_row(blank, rows, text, verdict):
    row = judged(blank, PILOT_ITEM, **{S.PILOT_LOG.name: rows})
    assert (row["实测值"], row["检查结果"]) == (text, verdict)


@pytest.mark.parametrize("rollout, reports, text, verdict", [
    # both batches on plan; a report for every day 11-02..11-13; the anomaly answered after 20 h
    (rollout_on_plan(), daily_reports(D(2026, 11, 2), D(2026, 11, 13)),
     "2批：已完成2；日报缺0天；异常1次，24小时内响应1次", "合格"),
    # the anomaly answered after 25 h
    (rollout_on_plan(), daily_reports(D(2026, 11, 2), D(2026, 11, 13), anomaly_hours=25),
     "2批：已完成2；日报缺0天；异常1次，24小时内响应0次、超时1次", "不合格"),
    # Thursday 11-05's report is missing (a Saturday's would not matter)
    (rollout_on_plan(), daily_reports(D(2026, 11, 2), D(2026, 11, 13), skip=D(2026, 11, 5)),
     "2批：已完成2；日报缺1天（如 11-05）；异常1次，24小时内响应1次", "不合格"),
    (rollout_on_plan(), daily_reports(D(2026, 11, 2), D(2026, 11, 13), skip=D(2026, 11, 7)),
     "2批：已完成2；日报缺0天；异常1次，24小时内响应1次", "合格"),
    # the second batch has not finished by its planned 11-13: 已延期; reports are due up to yesterday
    ([rollout_on_plan()[0], {**rollout_on_plan()[1], "实际完成": None}],
     daily_reports(D(2026, 11, 2), D(2026, 11, 19)),
     "2批：已完成1、已延期1；日报缺0天；异常1次，24小时内响应1次", "不合格"),
    # a batch without its scope
    ([rollout_on_plan()[0], {**rollout_on_plan()[1], "推广范围": None}],
     daily_reports(D(2026, 11, 2), D(2026, 11, 13)),
     "2批：已完成2；1批范围或计划日期未填；日报缺0天；异常1次，24小时内响应1次", "不合格"),
    ([], [], "无推广进度与监控日报数据", None),
])
def test_rollout_row(blank, rollout, reports, text, verdict):
    row = judged(blank, ROLLOUT_ITEM, **{S.ROLLOUT.name: rollout, S.DAILY_MONITOR.name: reports})
    assert (row["实测值"], row["检查结果"]) == (text, verdict)


@pytest.mark.parametrize("before, after, text, verdict", [
    # seed 000's example: 48 h → 33.6 h is exactly 30% shorter
    (48, 33.6, "基线 48.0h（2单）→ 评估 33.6h（2单），缩短 30.0%", "合格"),
    (48, 34, "基线 48.0h（2单）→ 评估 34.0h（2单），缩短 29.2%", "不合格"),
    (30, 33, "基线 30.0h（2单）→ 评估 33.0h（2单），延长 10.0%", "不合格"),
])
def test_complaint_response_row(blank, before, after, text, verdict):
    row = judged(blank, COMPLAINT_ITEM, PERIODS, **{S.INTAKE.name: complaints(before, after)})
    assert (row["实测值"], row["检查结果"]) == (text, verdict)


def test_complaint_response_row_without_periods_says_so(blank):
    row = judged(blank, COMPLAINT_ITEM, **{S.INTAKE.name: complaints(48, 30)})
    assert (row["实测值"], row["检查结果"]) == ("未设置基线期（系统参数「基线期开始」「基线期结束」）", None)


@pytest.mark.parametrize("one, more, text, verdict", [
    (17, 3, "评估期已完成 20 单，一次解决 17 单（85.0%）", "合格"),  # exactly 85%: seed 000 "≥85%"
    (16, 4, "评估期已完成 20 单，一次解决 16 单（80.0%）", "不合格"),
])
def test_first_contact_resolution_row(blank, one, more, text, verdict):
    tickets, services = fcr_tickets(one, more)
    row = judged(blank, FCR_ITEM, PERIODS, **{S.INTAKE.name: tickets, S.SERVICE.name: services})
    assert (row["实测值"], row["检查结果"]) == (text, verdict)


@pytest.mark.parametrize("before, after, text, verdict", [
    # seed 000's example: 75% → 85% is exactly 10 points
    ((15, 20), (17, 20), "基线 75.0%（20份）→ 评估 85.0%（20份），提升 10.0 个百分点", "合格"),
    ((15, 20), (16, 20), "基线 75.0%（20份）→ 评估 80.0%（20份），提升 5.0 个百分点", "不合格"),
])
def test_csat_row(blank, before, after, text, verdict):
    rows = surveys(D(2026, 7, 1), *before) + surveys(D(2026, 10, 1), *after)
    row = judged(blank, CSAT_ITEM, PERIODS, **{S.SURVEY.name: rows})
    assert (row["实测值"], row["检查结果"]) == (text, verdict)


def test_csat_threshold_comes_from_the_settings(blank):
    rows = surveys(D(2026, 7, 1), 15, 20) + surveys(D(2026, 10, 1), 17, 20)
    row = judged(blank, CSAT_ITEM, {**PERIODS, "CSAT达标分数": 9}, **{S.SURVEY.name: rows})
    assert (row["实测值"], row["检查结果"]) == ("基线 0.0%（20份）→ 评估 0.0%（20份），提升 0.0 个百分点", "不合格")


def test_csat_row_without_baseline_surveys_is_not_judged(blank):
    row = judged(blank, CSAT_ITEM, PERIODS, **{S.SURVEY.name: surveys(D(2026, 10, 1), 17, 20)})
    assert (row["实测值"], row["检查结果"]) == ("基线期无调研数据", None)


@pytest.mark.parametrize("rows, text, verdict", [
    (collaboration(), "2项：3个工作日内解决2项", "合格"),
    (collaboration(D(2026, 11, 17)), "3项：3个工作日内解决2项，未解决未超时1项", "合格"),
    (collaboration(D(2026, 11, 16)), "3项：3个工作日内解决2项，未解决已超时1项", "不合格"),
    ([{"编号": "C01", "提出日期": D(2026, 9, 2), "解决日期": D(2026, 9, 8)}], "1项：3个工作日内解决0项，超时解决1项", "不合格"),
    ([], "无跨部门协作问题记录", None),
])
def test_collaboration_row(blank, rows, text, verdict):
    row = judged(blank, COLLAB_ITEM, **{S.COLLAB_ISSUES.name: rows})
    assert (row["实测值"], row["检查结果"]) == (text, verdict)


@pytest.mark.parametrize("october_surveys, text, verdict", [
    # September: 20 customers (one calls twice), 2 surveys = 10%; October: 10 customers
    (1, "2026-09 10.0%（2/20）；2026-10 10.0%（1/10）", "合格"),
    (0, "2026-09 10.0%（2/20）；2026-10 0.0%（0/10）", "不合格"),
])
def test_survey_sample_row_checks_every_complete_month_of_the_evaluation_period(blank, october_surveys, text, verdict):
    september, september_surveys = sample_month(9, 20, 2)
    october, answered = sample_month(10, 10, october_surveys)
    november, _ = sample_month(11, 10, 0)  # the month is not over: not judged
    row = judged(blank, SAMPLE_ITEM, PERIODS, **{S.INTAKE.name: september + october + november,
                                                   S.SURVEY.name: september_surveys + answered})
    assert (row["实测值"], row["检查结果"]) == (text, verdict)


def test_survey_sample_without_an_evaluation_period_checks_last_month(blank):
    october, answered = sample_month(10, 10, 1)
    row = judged(blank, SAMPLE_ITEM, **{S.INTAKE.name: october, S.SURVEY.name: answered})
    assert (row["实测值"], row["检查结果"]) == ("2026-10 10.0%（1/10）", "合格")


# -- checklist_step: ownership, rectification, problems -------------------------------------------------------
def test_manual_rows_keep_the_inspectors_verdict_and_automatic_rows_are_overwritten(blank):
    rows = checklist_rows(**{
        "项目组组建是否到位": {"检查结果": "合格"},
        "优化方案是否经过审批": {"检查结果": "不合格", "整改责任人": "林晓雯", "整改期限": D(2026, 11, 30)},
        TRAINING_ITEM: {"检查结果": "不合格"},  # stale: the data says 合格 now
        # an inspector who takes an automatic item over keeps their own verdict
        PILOT_ITEM: {"判定方式": "人工", "检查结果": "合格"},
    })
    snapshot = book(blank, **{S.CHECKLIST.name: rows, S.TRAINING.name: training(20, 0, 0),
                              S.PILOT_LOG.name: pilot((20, 12), (20, 13))})
    work = run(snapshot, checklist_step)
    changes = work.changes()
    written = changes.sheets[S.CHECKLIST.name].cells
    automatic_rows = {i + 2 for i, r in enumerate(S.CHECKLIST_ROWS) if r[3] == "自动" and r[1] != PILOT_ITEM}
    assert set(written["检查结果"]) <= automatic_rows
    assert checklist_row(work, TRAINING_ITEM)["检查结果"] == "合格"
    assert checklist_row(work, "项目组组建是否到位")["检查结果"] == "合格"
    pilot_row = checklist_row(work, PILOT_ITEM)
    assert pilot_row["检查结果"] == "合格"  # the inspector's, although the data says 不合格
    assert pilot_row["实测值"] == "基线 60.0% → 试点 65.0%，按相对提升判定：相对提升 8.3%（绝对差 +5.0 个百分点，仅供参考）"  # shown to help them
    assert checklist_row(work, "优化方案是否经过审批")["整改状态"] == "待整改"
    assert_only_program_cells_change(work)


def test_failing_rows_get_a_rectification_status(blank):
    rows = checklist_rows(**{
        "项目组组建是否到位": {"检查结果": "不合格", "整改责任人": "周海峰", "整改期限": D(2026, 11, 30)},
        "现有流程梳理是否全面": {"检查结果": "不合格", "整改责任人": "孙丽娟", "整改期限": D(2026, 11, 30),
                          "整改措施": "补画全景图"},
        "优化方案是否经过审批": {"检查结果": "不合格", "整改责任人": "林晓雯", "整改期限": D(2026, 11, 15),
                          "整改措施": "提交总经理审批"},
        "效果评估是否全面": {"检查结果": "不合格", "整改责任人": "郑凯", "整改期限": D(2026, 11, 30),
                        "整改措施": "补充成本维度", "整改完成日期": D(2026, 11, 19)},
        "流程手册及知识库是否更新": {"检查结果": "不合格", "整改责任人": "马晓燕", "整改期限": D(2026, 11, 30),
                             "整改措施": "发布V2.0", "整改完成日期": D(2026, 11, 19), "整改结果验证": "通过"},
        "持续优化机制是否建立": {"检查结果": "合格"},
    })
    work = run(book(blank, **{S.CHECKLIST.name: rows}), checklist_step)
    states = {item: checklist_row(work, item)["整改状态"] for item in (
        "项目组组建是否到位", "现有流程梳理是否全面", "优化方案是否经过审批", "效果评估是否全面",
        "流程手册及知识库是否更新", "持续优化机制是否建立")}
    assert states == {"项目组组建是否到位": "待整改", "现有流程梳理是否全面": "整改中", "优化方案是否经过审批": "已逾期",
                      "效果评估是否全面": "待验证", "流程手册及知识库是否更新": "验证通过", "持续优化机制是否建立": None}
    assert not [p for p in work.problems if MISSING_OWNER in p.reason]
    assert work.lines[-1] == ("执行检查表：自动判定 8 项（合格 0，不合格 0，无数据 8）；"
                              "整改：待整改 1、整改中 1、已逾期 1、待验证 1、验证通过 1")


def test_a_failing_row_without_owner_or_deadline_is_reported(blank):
    rows = checklist_rows(**{
        "项目组组建是否到位": {"检查结果": "不合格"},
        "现有流程梳理是否全面": {"检查结果": "不合格", "整改责任人": "孙丽娟"},
        "优化方案是否经过审批": {"检查结果": "不合格", "整改责任人": "林晓雯", "整改期限": D(2026, 11, 30)},
    })
    # an automatic row that fails on the data has no owner yet either
    work = run(book(blank, **{S.CHECKLIST.name: rows, S.TRAINING.name: training(10, 0, 2)}), checklist_step)
    found = [(p.row, p.column, p.value, p.level) for p in work.problems if MISSING_OWNER in p.reason]
    assert found == [
        (2, "整改责任人/整改期限", "项目组组建是否到位", WARNING),
        (3, "整改期限", "现有流程梳理是否全面", WARNING),
        (5, "整改责任人/整改期限", TRAINING_ITEM, WARNING),
    ]
    assert checklist_row(work, TRAINING_ITEM)["整改状态"] == "待整改"


def test_an_automatic_row_the_program_cannot_judge_is_reported_and_left_alone(blank):
    rows = checklist_rows() + [{"检查维度": "风险控制", "检查项": "新增：配件库存是否充足", "判定方式": "自动",
                                "检查结果": "合格"}]
    work = run(book(blank, **{S.CHECKLIST.name: rows}), checklist_step)
    row = checklist_row(work, "新增：配件库存是否充足")
    assert (row["实测值"], row["检查结果"]) == (None, "合格")
    [problem] = [p for p in work.problems if p.sheet == S.CHECKLIST.name]
    assert (problem.row, problem.column, problem.level) == (17, "判定方式", WARNING)


def test_an_item_retyped_with_half_width_brackets_is_still_recognised(blank):
    rows = checklist_rows(**{CSAT_ITEM: {"检查项": "客户满意度 (CSAT)"}})
    snapshot = book(blank, PERIODS, **{S.CHECKLIST.name: rows, S.SURVEY.name: surveys(D(2026, 7, 1), 15, 20)
                                       + surveys(D(2026, 10, 1), 17, 20)})
    assert checklist_row(run(snapshot, checklist_step), "客户满意度 (CSAT)")["检查结果"] == "合格"


def test_every_automatic_row_of_seed_000_has_a_measurement():
    from macros.project import MEASURES, item_key

    automatic = {item_key(item) for _, item, _, mode in S.CHECKLIST_ROWS if mode == "自动"}
    assert automatic == set(MEASURES)


# -- the demo workbook ------------------------------------------------------------------------------------------------
def _in(moments: pd.Series, period: tuple[D, D]) -> pd.Series:
    return (moments.dt.date >= period[0]) & (moments.dt.date <= period[1])


def test_the_demo_checklist_comes_out_as_its_data_implies(demo_book):
    from workbook import open_workbook

    snapshot = read_file(demo_book)
    intake = snapshot.frame(S.INTAKE.name)
    services = snapshot.frame(S.SERVICE.name)
    survey = snapshot.frame(S.SURVEY.name)

    # complaint first response, computed independently: mean hours per period
    def complaint_hours(period):
        rows = intake[(intake["需求类型"] == "投诉类") & _in(intake["受理时间"], period) & intake["首次响应时间"].notna()]
        return ((rows["首次响应时间"] - rows["受理时间"]).dt.total_seconds() / 3600).mean()

    before_h, after_h = complaint_hours(BASELINE), complaint_hours(EVALUATION)
    assert after_h < 0.7 * before_h  # the demo's evaluation period is better by more than 30%

    # CSAT: share of surveys scoring ≥ 8, per period, in points
    def csat(period):
        scores = survey.loc[_in(survey["回访时间"], period), "总体满意度"].dropna()
        return (scores >= 8).mean() * 100

    assert csat(EVALUATION) - csat(BASELINE) > 10

    work = run(snapshot)
    row = lambda item: checklist_row(work, item)  # noqa: E731

    assert row(COMPLAINT_ITEM)["检查结果"] == "合格"
    assert row(COMPLAINT_ITEM)["实测值"].startswith(f"基线 {before_h:.1f}h")
    assert f"评估 {after_h:.1f}h" in row(COMPLAINT_ITEM)["实测值"]
    assert row(CSAT_ITEM)["检查结果"] == "合格"
    assert f"提升 {csat(EVALUATION) - csat(BASELINE):.1f} 个百分点" in row(CSAT_ITEM)["实测值"]
    # FCR, training and pilot: verdicts fixed by the demo generator's design (workbook/sample.py),
    # not recomputed here (the hand-worked definitions are the small-frame tests above).
    # FCR: after the improvement 90 % of completed tickets get one service record (ONE_VISIT),
    # against the 85 % standard; a few re-handled tickets cannot bring it under 85 %.
    assert row(FCR_ITEM)["检查结果"] == "合格"
    # Training: every trainee scores 80–98 against a pass mark of 80, except 冯思远 and 吴俊
    # (62, passed at the retake with 86): final pass rate 100 %, first attempt (n − 2) / n.
    text = row(TRAINING_ITEM)["实测值"]
    people = int(re.search(r"（(\d+)/\1人）", text).group(1))
    assert row(TRAINING_ITEM)["检查结果"] == "合格"
    assert text.startswith(f"按最终合格率（含二次培训后补考）判定：100.0%（{people}/{people}人）")
    assert f"首次合格率 {(people - 2) / people:.1%}（仅供参考）" in text
    # Pilot: baseline days solve ~66 %, pilot days ~84 %: about +27 % relative (≥ 20 %).
    assert row(PILOT_ITEM)["检查结果"] == "合格" and "按相对提升判定" in row(PILOT_ITEM)["实测值"]
    # the demo plants a late anomaly (10-27, 30 h) and a rollout batch past its plan
    assert row(ROLLOUT_ITEM)["检查结果"] == "不合格"
    assert "超时1次" in row(ROLLOUT_ITEM)["实测值"] and "已延期1" in row(ROLLOUT_ITEM)["实测值"]
    # C03 took 6 working days over 国庆; C05 (11-10) is still open on 11-20
    assert row(COLLAB_ITEM)["检查结果"] == "不合格"
    assert row(COLLAB_ITEM)["实测值"] == "5项：3个工作日内解决3项，超时解决1项，未解决已超时1项"
    assert row(SAMPLE_ITEM)["检查结果"] == "合格"
    # the inspector's manual 不合格 with a measure under way
    assert row("流程手册及知识库是否更新")["整改状态"] == "整改中"

    # written to the file, the verdicts survive and only program-owned cells changed
    with open_workbook(demo_book) as session:
        work = run(session.snapshot)
        session.commit(work.changes(), now=NOW)
    written = read_file(demo_book).frame(S.CHECKLIST.name).set_index("检查项")
    assert written.loc[COMPLAINT_ITEM, "检查结果"] == "合格"
    assert written.loc[ROLLOUT_ITEM, "整改状态"] == "整改中"  # the demo's inspector wrote a measure
    assert written.loc[COLLAB_ITEM, "整改状态"] == "待整改"  # owner and deadline, no measure yet
    assert written.loc["项目组组建是否到位", "检查结果"] == "合格"
    assert read_file(demo_book).frame(S.PAIN_POINTS.name)["优先级象限"].notna().all()


def test_the_survey_sample_row_names_the_month_it_found_empty():
    """Tester's week: on 11-26 the row said 「所查月份无客户工单」 although November had 17 tickets —
    it checks October, the last complete month, and now says so."""
    import datetime as dt

    import pandas as pd

    from macros.project import measure_survey_sample

    tickets = pd.DataFrame({"受理时间": [pd.Timestamp(2026, 11, 23, 9)], "联系方式": ["13812345678"],
                            "客户名称/姓名": ["王伟"]})
    surveys = pd.DataFrame({"回访时间": pd.Series([], dtype="datetime64[ns]")})
    measured = measure_survey_sample(tickets, surveys, None, dt.date(2026, 11, 26))
    assert measured.text == "2026年10月无客户工单（按完整月份检查，本月未结束不计）"
