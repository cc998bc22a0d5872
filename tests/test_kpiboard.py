"""The KPI看板 as a manager reads it: sections, units, 环比 with direction, formats, wrapping.

Expected values are worked by hand from the figures given in each test.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from macros import refresh
from macros.kpiboard import board, change_text, previous_period, trend
from workbook import read_file
from workbook.layout import lines_needed

D = dt.date
NOW = dt.datetime(2026, 11, 20, 16, 0)


@pytest.mark.parametrize("start, end, expected", [
    (D(2026, 11, 1), D(2026, 11, 20), (D(2026, 10, 1), D(2026, 10, 20))),  # month to date: same days of October
    (D(2026, 11, 1), D(2026, 11, 30), (D(2026, 10, 1), D(2026, 10, 31))),  # a whole month: the whole month before
    (D(2026, 3, 1), D(2026, 3, 31), (D(2026, 2, 1), D(2026, 2, 28))),  # February is shorter
    (D(2026, 3, 1), D(2026, 3, 30), (D(2026, 2, 1), D(2026, 2, 28))),  # 1st–30th: February has only 28
    (D(2026, 9, 10), D(2026, 9, 19), (D(2026, 8, 31), D(2026, 9, 9))),  # 10 days: the 10 days before
])
def test_the_previous_period(start, end, expected):
    assert previous_period(start, end) == expected


@pytest.mark.parametrize("current, previous, kind, direction, words, arrow", [
    (12.4, 11.34, "hours", -1, "+9.3%", "↑ 变差"),  # (12.4 − 11.34) / 11.34 = 9.35 %: slower is worse
    (55.49, 57.92, "hours", -1, "-4.2%", "↓ 改善"),
    (0.9565, 0.9292, "rate", 1, "+2.7 个百分点", "↑ 改善"),  # rates change in points, not per cent
    (85.8, 88.6, "points", 1, "-2.8 分", "↓ 变差"),
    (248, 215, "count", 0, "+15.3%", "↑ 上升"),  # volume: no better direction
    (0.0, 0.0, "rate", -1, "+0.0 个百分点", "→ 持平"),
    (5, 0, "count", 0, "上期为 0", "↑ 上升"),
    (None, 3, "count", 0, None, None),
])
def test_change_and_direction_read_in_words(current, previous, kind, direction, words, arrow):
    assert change_text(current, previous, kind) == words
    assert trend(current, previous, direction) == arrow


def row(category, name, value, target=None, compare=None, verdict=None):
    return {"类别": category, "指标": name, "本期数值": value, "目标值": target, "比较": compare,
            "是否达标": verdict, "说明": "…", "统计期间": "2026-11-01 至 2026-11-20"}


def test_the_board_groups_sections_and_keeps_triggers_out_of_the_verdict_column():
    rows = [row("工单量", "工单量", 248), row("客户体验", "NPS", 20.3, 30, "≥", "未达标"),
            row("运营效率", "平均首次响应时长(小时)", 12.4, 4, "≤", "未达标"),
            row("运营效率", "平均首次响应时长(工作小时)", 4.04),
            row("优化预警", "平均响应慢于行业基准", 12.399, 2, ">", "触发")]
    previous = [row("工单量", "工单量", 215), row("客户体验", "NPS", 31.2),
                row("运营效率", "平均首次响应时长(小时)", 11.34)]
    shown, looks = board(rows, previous, "2026-10-01 至 2026-10-20")
    # Heading rows open each section, in the fixed order 工单量 → 时效 → 体验 → 预警.
    assert [(r["类别"], r["指标"]) for r in shown] == [
        ("工单量", None), ("工单量", "工单量"), ("时效", None), ("时效", "平均首次响应时长(小时)"),
        ("时效", "平均首次响应时长(工作小时)"), ("体验", None), ("体验", "NPS"), ("预警", None),
        ("预警", "平均响应慢于行业基准")]
    by_name = {r["指标"]: r for r in shown if r["指标"]}
    assert by_name["平均首次响应时长(小时)"]["单位"] == "自然小时"
    assert by_name["平均首次响应时长(工作小时)"]["单位"] == "工作小时"
    assert (by_name["工单量"]["上期数值"], by_name["工单量"]["环比"]) == (215, "+15.3%")
    assert by_name["NPS"]["趋势"] == "↓ 变差" and by_name["NPS"]["环比"] == "-10.9 分"
    # The previous period is named once, on the section's heading row; each KPI row has its own.
    assert by_name["工单量"]["统计期间"] == "2026-11-01 至 2026-11-20"
    assert shown[0]["说明"] == "上期：2026-10-01 至 2026-10-20"
    assert shown[7]["说明"] is None  # 预警: triggers have no previous period
    alert = by_name["平均响应慢于行业基准"]
    assert (alert["是否达标"], alert["触发状态"], alert["上期数值"]) == (None, "触发", None)
    assert {r["是否达标"] for r in shown} <= {None, "达标", "未达标", "无数据"}
    # Counts as integers, hours with one decimal.
    assert looks[(1, "本期数值")].numfmt == "0" and looks[(3, "本期数值")].numfmt == "0.0"
    assert looks[(8, "本期数值")].numfmt == "0.0"  # the alert's value is in hours too


def test_wrapped_text_gets_rows_tall_enough():
    # Counted on a LibreOffice render: 32 CJK characters fill a 52-wide column's line.
    assert lines_needed("每人一行：姓名、部门、角色、在岗状态、最大在办工单数；派单规则用到的每个角色"
                        "（技术工程师、产品专员、客服主管、回访专员）至少一位在岗", 52) == 3
    assert lines_needed("2026-11-01 至 2026-11-20（上期 2026-10-01 至 2026-10-20）", 26) == 2
    assert lines_needed("受理时间在统计期间内的工单数", 46) == 1


def test_the_demo_board_on_file_shows_integers_and_the_same_reduction_as_the_checklist(demo_book):
    refresh.refresh_all(demo_book, now=NOW)
    snapshot = read_file(demo_book)
    board_sheet = snapshot.frame("KPI看板")
    reduction = board_sheet[board_sheet["指标"] == "投诉首次响应缩短率"].iloc[0]
    checklist = snapshot.frame("执行检查表")
    measured = checklist[checklist["检查项"] == "客户投诉首次响应时长"].iloc[0]["实测值"]
    # The checklist states the reduction in words (…缩短 53.3%); the board holds the fraction.
    percent = float(re.search(r"缩短 ?([\d.]+)%", measured).group(1))
    assert round(reduction["本期数值"] * 100, 1) == percent
    assert reduction["统计期间"] == "2026-09-01 至 2026-11-20"  # the demo's 评估期, as the checklist uses
    from workbook.xlsxpatch import Package

    pkg = Package(demo_book)
    try:
        xml = pkg.read(pkg.sheets["KPI看板"].part)
        styles = pkg.read("xl/styles.xml")
    finally:
        pkg.close()
    # 工单量's 本期数值, below the 工单量 heading (and, from 11-01, the next-year holiday reminder)
    row = int(board_sheet.index[board_sheet["指标"] == "工单量"][0])
    count_cell = re.search(rb'<c r="D%d" s="(\d+)"' % row, xml)
    xfs = re.findall(rb"<xf [^>]*>", re.search(rb"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1))
    fmt_id = re.search(rb'numFmtId="(\d+)"', xfs[int(count_cell.group(1))]).group(1)
    assert fmt_id == b"1"  # Excel's built-in "0": 248, not 248.00
    # 工单量's 说明 and 统计期间 fit one line (the previous period is on the heading row); 超时率's
    # 说明 (…（超时 N 张 / 已计算时限 N 张）) wraps, so its row is made taller.
    assert not re.search(rb'<row r="%d" ht=' % row, xml)
    late = int(board_sheet.index[board_sheet["指标"] == "超时率"][0])
    assert re.search(rb'<row r="%d" ht="\d+" customHeight="1"' % late, xml)
