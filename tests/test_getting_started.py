"""A new workbook as a new team meets it: the 开始使用 sheet and the first messages.

Expected states are what a person sees in an empty workbook built on 2026-11-20 (the holiday
library has 2026 but not 2027): roster, supervisors, manager, stores, products and tickets
missing; holidays checked for this year; the evaluation periods optional.
"""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from macros import refresh
from aftersales.cli import main
from tests.bookmaker import make_book
from workbook import read_file

NOW = dt.datetime(2026, 11, 20, 16, 0)
INTAKE = "客户服务信息登记表"


def states(path) -> dict[str, tuple[str, str]]:
    sheet = read_file(path).frame("开始使用")
    return {task: (state, now) for task, state, now in zip(sheet["事项"], sheet["状态"], sheet["当前情况"])}


def test_a_new_workbook_opens_on_its_getting_started_list(tmp_path):
    book = tmp_path / "售后.xlsx"
    result = CliRunner().invoke(main, ["new", str(book)], catch_exceptions=False)
    assert result.exit_code == 0
    assert read_file(book).present[0] == "开始使用"  # the first tab
    assert "下一步：打开第一张工作表「开始使用」" in result.output
    seen = states(book)
    for task in ("填写人员名单", "填写上级主管", "填写客服经理", "填写店铺区域", "填写产品目录", "登记工单并派单"):
        assert seen[task][0] == "✗", task
    assert seen["填写人员名单"][1] == "人员名单为空 — 派单无人可分配"
    assert seen["设置基线期和评估期（可选）"][0] == "可选"
    assert not (tmp_path / "备份").exists()  # nothing to back up in a file made a moment ago


def test_the_first_dispatch_on_an_empty_roster_says_so_and_points_to_getting_started(new_book):
    tickets = [{"受理时间": dt.datetime(2026, 11, 20, 9 + i), "客户名称/姓名": f"客户{i}", "联系方式": "13812345678",
                "需求类型": "维修类", "问题描述": "机器不工作"} for i in range(5)]
    book = make_book(new_book.parent / "five.xlsx", {INTAKE: tickets, "人员名单": [], "店铺区域": [], "产品目录": []})
    result = refresh.dispatch(book, now=NOW)
    assert "派单：分配 0 张工单，5 张未能分配（见「数据问题」）：人员名单为空 — 请先按「开始使用」表填写人员名单" in result.lines
    assert any(line.startswith("开始使用：还有 6 项未完成（填写人员名单") for line in result.lines)
    assert states(book)["登记工单并派单"] == ("✗", "工单 5 张，已分配 0 张")


def test_the_list_turns_green_as_the_team_fills_it_in(tmp_path):
    # bookmaker's roster, stores and products are filled in; the manager is named in 系统参数.
    tickets = [{"受理时间": dt.datetime(2026, 11, 20, 9), "客户名称/姓名": "客户", "联系方式": "13812345678",
                "需求类型": "维修类", "问题描述": "机器不工作", "所属店铺/区域": "一号店"}]
    book = make_book(tmp_path / "b.xlsx", {INTAKE: tickets}, params={"客服经理": "经理甲"})
    result = refresh.dispatch(book, now=NOW)
    seen = states(book)
    assert seen["填写人员名单"] == ("✓", "在岗 7 人，派单规则用到的角色都有人")  # 8 listed, 工程师D 休假
    assert seen["填写上级主管"] == ("✓", "每人都已填写")  # all but the manager have one
    assert seen["填写客服经理"] == ("✓", "经理甲")
    assert seen["填写店铺区域"] == ("✓", "3 个店铺/区域")
    assert seen["填写产品目录"] == ("✓", "2 个型号")
    assert seen["核对节假日"] == ("✓", "已核对：2026；明年（2027）的安排发布后请补充")
    assert seen["登记工单并派单"] == ("✓", "工单 1 张，已分配 1 张")
    assert not any(line.startswith("开始使用：还有") for line in result.lines)


def test_a_missing_role_is_named(tmp_path):
    roster = [{"姓名": "工程师A", "部门": "维修部", "角色": "技术工程师", "在岗状态": "在岗"}]
    book = make_book(tmp_path / "b.xlsx", {"人员名单": roster})
    refresh.getting_started(book, now=NOW)
    state, now = states(book)["填写人员名单"]
    # 派单规则 routes to four roles (seed 001/003), named in the rules' order; only the engineer is there.
    assert state == "✗" and now == "在岗 1 人；缺少在岗的产品专员、客服主管、回访专员"
    assert states(book)["填写上级主管"] == ("✗", "未填写：工程师A")


@pytest.mark.parametrize("month, expected", [
    (None, "报告月份：2026年11月"),
    ("2025-01", "报告月份：2025年1月（该月没有受理工单，报告各项为空 — 要看其他月份请加 --month YYYY-MM）"),
])
def test_the_monthly_report_names_its_month_and_says_when_it_is_empty(demo_book, tmp_path, month, expected):
    args = ["report", str(demo_book), "--kind", "monthly", "--out", str(tmp_path / "m.html"),
            "--now", "2026-11-20 16:00"] + (["--month", month] if month else [])
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    # Right after the file it wrote (a next-year holiday reminder may follow from 11-01).
    assert lines[lines.index(f"已生成报告：{tmp_path / 'm.html'}") + 1] == expected


def test_data_problems_name_the_ticket_and_say_the_fix_in_its_own_column(tmp_path):
    """Tester's week P4: 数据问题 had no 改法 column and no 工单号 even for rows that have one, and the
    run said the row was skipped although it was dispatched."""
    roster = [{"姓名": "工程师A", "部门": "维修部", "角色": "技术工程师", "在岗状态": "在岗"}]
    book = make_book(tmp_path / "b.xlsx", {"人员名单": roster, "客户服务信息登记表": [{
        "受理时间": dt.datetime(2026, 11, 20, 9), "客户名称/姓名": "吴先生", "联系方式": "13812345678",
        "需求类型": "维修类", "需求来源": "在线", "问题描述": "无法开机"}]})
    result = CliRunner().invoke(main, ["dispatch", str(book), "--now", "2026-11-20 10:00"], catch_exceptions=False)
    assert "相应的行已跳过" not in result.output and "出错的单元格按空白处理" in result.output
    snap = read_file(book)
    number = snap.frame("客户服务信息登记表").iloc[0]["服务工单号"]
    assert number and snap.frame("客户服务信息登记表").iloc[0]["处理人"] == "工程师A"  # the row was used
    issues = snap.frame("数据问题")
    hit = issues[issues["列"] == "需求来源"].iloc[0]
    assert hit["问题"] == "不在可选值中" and hit["改法"].startswith("可选：电话")
    assert hit["工单号"] == number
    # A message that names no fix still says where to fix it (here: the missing 购买产品型号).
    model = issues[issues["列"] == "购买产品型号"].iloc[0]
    assert model["改法"] == "到「客户服务信息登记表」第 2 行补上或改正「购买产品型号」，再运行一次"
