"""The monthly summary sheet: sections, numbers worked out by hand, colours, and the deadline verdict."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from macros.settings import Settings, Target
from macros.summary import default_months, month_bounds, monthly_summary, summary_step
from udfs.calendar import BusinessCalendar
from workbook import open_workbook, read_file
from workbook import schema as S

D = dt.datetime
H = pd.Timedelta(hours=1)
AFTER_MONTH = D(2026, 12, 3, 10, 0)
RED, GREEN = "FFC7CE", "C6EFCE"

SECTIONS = ["一、关键指标对照目标", "二、工单量", "三、响应与解决时长", "四、各环节时限达标率", "五、客户满意度与投诉",
            "六、服务成本", "七、高频问题类型与产品型号（前5）", "八、人员绩效"]


def make_settings(**params) -> Settings:
    values = {row[0]: row[1] for row in S.PARAMS_ROWS}
    values.update(params)
    return Settings(
        params=values, calendar=BusinessCalendar.from_values(hours="09:00-18:00", weekend="0000011"), sla={},
        dispatch_rules=[], urgency_rules=[], staff=[], warranty_months={},
        targets={name: Target(float(value), compare, unit) for name, value, compare, unit, _ in S.KPI_TARGET_ROWS},
        triggers={row[0]: row[1] for row in S.TRIGGER_ROWS},
    )


def november() -> dict[str, pd.DataFrame]:
    a, b, c = D(2026, 11, 3, 9, 0), D(2026, 11, 10, 14, 0), D(2026, 11, 20, 10, 0)  # Tuesdays and a Friday
    intake = pd.DataFrame([
        {"服务工单号": "A", "受理时间": a, "需求类型": "维修类", "紧急程度": "紧急", "需求来源": "电话",
         "责任部门": "维修部", "所属店铺/区域": "杭州西湖店", "购买产品型号": "JS-200", "二级标签": "硬件故障",
         "联系方式": "13800000001", "处理人": "张三", "首次响应时间": a + 1 * H, "完成时间": a + 5 * H,
         "当前状态": "已完成", "首次响应时限": a + 2 * H, "解决时限": a + 24 * H},
        {"服务工单号": "B", "受理时间": b, "需求类型": "投诉类", "紧急程度": "一般", "需求来源": "公众号",
         "责任部门": "客服部", "所属店铺/区域": "南京新街口店", "购买产品型号": "KJ-500", "二级标签": "处理时效",
         "联系方式": "13800000002", "处理人": "李四", "首次响应时间": b + 3 * H, "完成时间": b + 27 * H,
         "当前状态": "已完成", "首次响应时限": b + 24 * H, "解决时限": b + 20 * H},
        {"服务工单号": "C", "受理时间": c, "需求类型": "咨询类", "紧急程度": "常规", "需求来源": "在线客服",
         "责任部门": "咨询部", "所属店铺/区域": "杭州西湖店", "购买产品型号": "JS-200", "二级标签": "使用咨询",
         "联系方式": "13800000003", "处理人": "张三", "当前状态": "待响应"},
        {"服务工单号": "Z", "受理时间": D(2026, 10, 31, 12, 0), "需求类型": "投诉类", "当前状态": "已完成",
         "完成时间": D(2026, 11, 1, 12, 0)},  # October's
    ])
    service = pd.DataFrame([
        {"工单号": "A", "服务时间": a + 4 * H, "差旅费": 100.0},
        {"工单号": "B", "服务时间": b + 20 * H, "差旅费": 50.0},
        {"工单号": "B", "服务时间": b + 26 * H, "赔偿金额": 250.0},
    ])
    surveys = pd.DataFrame([
        {"工单号": "A", "回访时间": D(2026, 11, 5, 10, 0), "总体满意度": 9.0, "推荐意愿": 10.0},
        {"工单号": "B", "回访时间": D(2026, 11, 12, 10, 0), "总体满意度": 6.0, "推荐意愿": 4.0},
    ])
    return {S.INTAKE.name: intake, S.SERVICE.name: service, S.SURVEY.name: surveys}


@pytest.fixture(scope="module")
def report():
    return monthly_summary(november(), "2026-11", now=AFTER_MONTH, settings=make_settings())


def block(report, section: str) -> list[tuple[int, list]]:
    """(row number, row values) from a section's band to the next section's."""
    grid = report.grid()
    start = next(i for i, row in enumerate(grid) if row and row[0] == section)
    out = []
    for i in range(start + 1, len(grid)):
        row = grid[i]
        if row[0] in SECTIONS:
            break
        out.append((i + 1, row))
    return out


def row_of(report, section: str, label: str) -> tuple[int, list]:
    return next((n, row) for n, row in block(report, section) if row[0] == label)


def fill(report, row: int, col: int) -> str | None:
    look = report.cells[(row, col)][1]
    return look.fill if look else None


# ---- the sheet --------------------------------------------------------------------------------------
def test_the_sheet_is_named_for_the_month_and_placed_after_the_board(report):
    assert report.name == f"{S.MONTHLY_PREFIX}2026-11"
    assert report.after == "KPI看板"
    assert report.grid()[0][0] == "2026年11月 售后服务月度汇总"
    assert report.cells[(1, 1)][1].bold
    assert report.widths[0] >= 24  # Chinese labels need room


def test_sections_come_in_order_with_bold_bands(report):
    grid = report.grid()
    found = [row[0] for row in grid if row and row[0] in SECTIONS]
    assert found == SECTIONS
    first_section_row = next(i for i, row in enumerate(grid, start=1) if row[0] == SECTIONS[0])
    assert report.cells[(first_section_row, 1)][1].bold


def test_volumes_by_type_and_channel(report):
    assert row_of(report, "二、工单量", "本月受理工单")[1][1] == 3  # A, B, C; Z is October's
    complaints = row_of(report, "二、工单量", "投诉类")[1]
    assert complaints[1] == 1 and complaints[2] == pytest.approx(1 / 3)
    assert row_of(report, "二、工单量", "公众号")[1][1] == 1


def test_response_and_resolution_times_in_clock_and_working_hours(report):
    response = row_of(report, "三、响应与解决时长", "首次响应（首次响应时间−受理时间）")[1]
    # A 1 h, B 3 h (C never answered); working hours the same (both inside Tuesday 09–18).
    assert response[1:5] == [pytest.approx(2.0), pytest.approx(2.0), pytest.approx(2.0), 2]
    resolution = row_of(report, "三、响应与解决时长", "解决（完成时间−受理时间）")[1]
    # A 5 h; B 27 h = Tue 14:00 → Wed 17:00: working 4 + 8 = 12 h.
    assert resolution[1] == pytest.approx((5 + 27) / 2)
    assert resolution[3] == pytest.approx((5 + 12) / 2)


def test_sla_stages_are_green_when_met_and_red_when_missed(report):
    n, response = row_of(report, "四、各环节时限达标率", "首次响应")
    assert response[1] == pytest.approx(1.0) and response[4] == "达标"  # A +1 h ≤ 2 h, B +3 h ≤ 24 h
    assert fill(report, n, 2) == GREEN
    n, resolution = row_of(report, "四、各环节时限达标率", "解决")
    assert resolution[1] == pytest.approx(0.5) and resolution[4] == "未达标"  # B 27 h against 20 h
    assert fill(report, n, 2) == RED


def test_satisfaction_nps_and_costs(report):
    n, csat = row_of(report, "五、客户满意度与投诉", "客户满意度(CSAT)")
    assert csat[1] == pytest.approx(1 / 2)  # 9 ≥ 8, 6 < 8
    assert fill(report, n, 2) == RED  # target 85%
    assert row_of(report, "五、客户满意度与投诉", "满意度得分")[1][1] == pytest.approx(75)  # (9 + 6) / 2 × 10
    assert row_of(report, "五、客户满意度与投诉", "NPS")[1][1] == pytest.approx(0)  # one promoter, one detractor
    assert row_of(report, "六、服务成本", "合计")[1][1] == pytest.approx(100 + 50 + 250)
    n, per_ticket = row_of(report, "六、服务成本", "单均成本")
    assert per_ticket[1] == pytest.approx(400 / 3)
    assert fill(report, n, 2) == GREEN  # ≤ 300


def test_key_figures_against_targets(report):
    n, fcr = row_of(report, "一、关键指标对照目标", "一次性问题解决率")
    assert fcr[1:5] == [pytest.approx(0.5), 0.85, "≥", "未达标"]  # A one record, B two
    assert fill(report, n, 5) == RED
    n, response = row_of(report, "一、关键指标对照目标", "平均首次响应时长(小时)")
    assert response[4] == "达标" and fill(report, n, 5) == GREEN  # 2 h ≤ 4 h


def test_top_problem_types_and_staff(report):
    tags = [row[0] for _n, row in block(report, "七、高频问题类型与产品型号（前5）") if row[0] in ("使用咨询", "处理时效", "硬件故障")]
    assert tags == ["使用咨询", "处理时效", "硬件故障"]  # one each: by name
    assert row_of(report, "七、高频问题类型与产品型号（前5）", "JS-200")[1][1] == 2
    zhang = row_of(report, "八、人员绩效", "张三")[1]
    assert zhang[2:5] == [2, 1, pytest.approx(5)]  # tickets A and C, A done in 5 h


# ---- the deadline (系统参数 月报截止日) ---------------------------------------------------------------
@pytest.mark.parametrize("now, expected", [
    (D(2026, 12, 3, 10, 0), "本月报生成于 2026-12-03，截止 2026-12-05，按时"),
    (D(2026, 12, 5, 23, 0), "本月报生成于 2026-12-05，截止 2026-12-05，按时"),  # the deadline day itself
    (D(2026, 12, 6, 8, 0), "本月报生成于 2026-12-06，截止 2026-12-05，逾期（晚于截止日 1 天）"),
    (D(2026, 11, 25, 9, 0), "本月报生成于 2026-11-25，截止 2026-12-05，提前（本月尚未结束，数据截至生成时）"),
])
def test_the_sheet_says_whether_it_was_produced_by_the_deadline(now, expected):
    sheet = monthly_summary(november(), "2026-11", now=now, settings=make_settings())
    assert sheet.grid()[2][0] == expected


def test_a_late_summary_is_marked_red_and_the_deadline_day_is_a_setting():
    late = monthly_summary(november(), "2026-11", now=D(2026, 12, 8, 9, 0), settings=make_settings())
    assert late.cells[(3, 1)][1].fill == RED
    relaxed = monthly_summary(november(), "2026-11", now=D(2026, 12, 8, 9, 0), settings=make_settings(月报截止日=10))
    assert relaxed.grid()[2][0] == "本月报生成于 2026-12-08，截止 2026-12-10，按时"


def test_a_month_must_be_written_yyyy_mm():
    with pytest.raises(ValueError, match="请用 YYYY-MM"):
        month_bounds("2026-13")
    assert month_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


# ---- the step ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("now, months", [
    (D(2026, 12, 3, 10, 0), ["2026-11", "2026-12"]),  # last month's summary is still due
    (D(2026, 12, 5, 18, 0), ["2026-11", "2026-12"]),
    (D(2026, 12, 6, 9, 0), ["2026-12"]),  # after the 5th last month's sheet is left as delivered
    (D(2027, 1, 2, 9, 0), ["2026-12", "2027-01"]),  # across the year
])
def test_the_step_writes_this_month_and_last_month_until_its_deadline(now, months):
    assert default_months(now, 5) == months


def test_summary_step_writes_sheets_that_open_after_the_board(demo_book):
    from macros.work import Work

    with open_workbook(demo_book) as session:
        work = Work(session.snapshot, AFTER_MONTH)
        summary_step(work)
        assert list(work.reports) == ["月报_2026-11", "月报_2026-12"]
        assert work.lines[0] == "月报_2026-11：已生成月度汇总（按时，截止 2026-12-05）"
        session.commit(work.changes(), now=AFTER_MONTH)
    assert "月报_2026-11" in read_file(demo_book).present
    book = openpyxl.load_workbook(demo_book)
    names = book.sheetnames
    assert names.index("月报_2026-11") > names.index("KPI看板")
    sheet = book["月报_2026-11"]
    assert sheet["A1"].value == "2026年11月 售后服务月度汇总"
    assert sheet["A1"].font.b
