"""The empty workbook `aftersales new` writes: sheets, headers, tables, dropdowns, guards, names."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from workbook import schema as S
from workbook.builder import new_workbook
from workbook.errors import WorkbookError

# SPEC §2.1 — the four templates of seed 001. The headers are a contract, spelled exactly.
SPEC_HEADERS = {
    "客户服务信息登记表": [
        "服务工单号", "受理时间", "登记时间", "客户名称/姓名", "联系方式", "地址", "所属店铺/区域",
        "购买产品型号", "购买日期", "保修状态", "问题描述", "需求来源", "需求类型", "二级标签",
        "紧急程度", "客户期望解决时间", "责任部门", "处理人", "分配时间", "首次响应时间", "完成时间",
        "当前状态",
    ],
    "服务过程记录表": [
        "工单号", "服务类型", "服务执行人", "服务时间", "服务地点/方式", "现场检测情况", "处理措施",
        "使用配件/工具", "客户签字", "备注", "差旅费", "配件/维修费", "赔偿金额",
    ],
    "服务结果确认表": ["工单号", "客户名称", "服务内容", "处理结果", "客户评价", "客户签字", "确认时间"],
    "客户满意度调研表": [
        "工单号", "回访对象", "回访时间", "服务态度评分", "专业能力评分", "解决效率评分", "总体满意度",
        "推荐意愿", "产品使用情况", "二次购买/升级/推荐意向", "改进建议",
    ],
}


@pytest.fixture
def wb(new_book):
    return openpyxl.load_workbook(new_book)


def test_every_declared_sheet_is_written_in_order(wb):
    assert wb.sheetnames == [s.name for s in S.SHEETS]


@pytest.mark.parametrize("sheet_name", list(SPEC_HEADERS))
def test_form_headers_are_the_spec_words(wb, sheet_name):
    headers = [c.value for c in wb[sheet_name][1]]
    for header in SPEC_HEADERS[sheet_name]:
        assert header in headers, f"{sheet_name} lacks {header}"


def test_every_sheet_is_a_table_covering_its_header(wb):
    for sheet in S.SHEETS:
        ws = wb[sheet.name]
        assert list(ws.tables) == [sheet.table]
        ref = ws.tables[sheet.table].ref
        assert ref.startswith("A1:")
        assert [c.value for c in ws[1]] == sheet.headers


def test_headers_are_frozen(wb):
    for sheet in S.SHEETS:
        assert wb[sheet.name].freeze_panes in ("A2", "C2")


def test_checklist_has_the_seed_rows(wb):
    ws = wb["执行检查表"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2) if r[0].value]
    # Seed 000 lists five dimensions with three items each.
    assert len(rows) == 15
    assert [r[0] for r in rows].count("关键指标监控") == 3
    assert rows[0][1] == "项目组组建是否到位"
    assert "一次性问题解决率" in [r[1] for r in rows]


def test_enumerations_are_dropdowns(wb):
    ws = wb["客户服务信息登记表"]
    by_col = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            by_col[rng.split(":")[0].rstrip("0123456789")] = dv
    headers = [c.value for c in ws[1]]
    letter = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(headers)}
    assert by_col[letter["需求类型"]].type == "list"
    assert "投诉类" in by_col[letter["需求类型"]].formula1
    assert by_col[letter["紧急程度"]].formula1 == '"紧急,一般,常规"'
    assert by_col[letter["购买产品型号"]].formula1 == "产品型号列表"
    assert by_col[letter["受理时间"]].type == "date"
    # A program column rejects typing with an explanation.
    guard = by_col[letter["解决时限"]]
    assert guard.type == "custom" and guard.formula1 == "FALSE"
    assert "程序" in guard.error


def test_program_columns_are_shaded_staff_columns_are_not(wb):
    ws = wb["客户服务信息登记表"]
    headers = [c.value for c in ws[1]]
    letter = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(headers)}
    assert ws.column_dimensions[letter["解决时限"]].fill.fgColor.rgb.endswith("EDEDED")
    assert ws.column_dimensions[letter["受理时间"]].fill.fill_type is None
    assert ws.column_dimensions[letter["受理时间"]].number_format == "yyyy-mm-dd hh:mm"
    assert ws.protection.sheet is False  # staff can still add table rows


def test_status_columns_are_coloured(wb):
    ws = wb["客户服务信息登记表"]
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    formulas = {f for r in rules for f in (r.formula or [])}
    assert {'"已超时"', '"即将超时"', '"按时完成"'} <= formulas


def test_calendar_names_exist_for_formulas(wb):
    names = wb.defined_names
    assert "节假日列表" in names and "调休上班日列表" in names and "工作时间" in names
    assert names["工作时间"].attr_text == "'系统参数'!$B$2"
    assert names["节假日列表"].attr_text.startswith("'节假日'!$A$2")


def test_holidays_prefilled_for_the_current_year(wb):
    days = [r[0].value for r in wb["节假日"].iter_rows(min_row=2) if r[0].value]
    makeup = [r[0].value.date() for r in wb["调休上班日"].iter_rows(min_row=2) if r[0].value]
    # 国务院办公厅 2026 年节假日安排: Spring Festival off 02-15..02-23, Saturday 02-14 and 02-28 working.
    assert dt.datetime(2026, 2, 17) in days
    assert dt.date(2026, 2, 14) in makeup and dt.date(2026, 2, 28) in makeup
    params = {r[0].value: r[1].value for r in wb["系统参数"].iter_rows(min_row=2)}
    assert params["节假日数据年份"] == "2026"  # 2027 is not published: not guessed


def test_new_refuses_to_overwrite(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"staff data")
    with pytest.raises(WorkbookError, match="已存在"):
        new_workbook(path)
    assert path.read_bytes() == b"staff data"


def test_sla_defaults_follow_spec(wb):
    rows = {(r[0].value, r[1].value): (r[2].value, r[3].value)
            for r in wb["时限标准"].iter_rows(min_row=2) if r[0].value}
    # SPEC §3 table.
    assert rows[("首次响应", "紧急")] == (2, "小时")
    assert rows[("首次响应", "常规")] == (3, "工作日")
    assert rows[("解决", "一般")] == (3, "工作日")
    assert rows[("解决", "投诉类")] == (5, "工作日")
    assert rows[("登记", "全部")] == (10, "分钟")
    assert rows[("回访", "新购客户")] == (1, "月")


def test_lists_print_one_page_wide_in_landscape(new_book):
    """Tester's week: 超时预警 with 7 rows printed as 5 pages, 执行检查表 as 6 with two columns each."""
    import openpyxl

    wb = openpyxl.load_workbook(new_book)
    for name in ("超时预警", "我的待办", "KPI看板", "数据问题", "开始使用", "执行检查表"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape", name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.print_title_rows == "$1:$1", name  # the header row on every page


def test_the_paused_hours_column_says_its_unit(new_book):
    """Tester's week: 暂停工时 showed 6 for a 22-hour pause that moved a clock-hour deadline by 22 h."""
    import openpyxl

    ws = openpyxl.load_workbook(new_book)["客户服务信息登记表"]
    col = openpyxl.utils.get_column_letter([c.value for c in ws[1]].index("暂停工时") + 1)
    (prompt,) = [dv.prompt for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(f"{col}2:")]
    assert prompt.startswith("单位：工作小时") and "自然时长" in prompt
