"""Privacy: a customer's phone, address and name never leave the workbook whole.

Messages (the CLI's output, anything a scheduled job logs) show bad values through
``Problem.__str__``, which masks personal columns by kind (138****5678, 张**) and masks phones,
ID-card numbers, e-mails and street addresses inside any other value. The 数据问题 sheet keeps the
raw value: it lives inside the workbook that already holds the data, and staff need the exact
value to find and fix the cell. Reports mask personal data (reports/masking.py).
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
import shutil

import pytest
from click.testing import CliRunner

from macros import refresh
from aftersales.cli import main
from tests.bookmaker import ROSTER, make_book
from workbook import read_file
from workbook import schema as S
from workbook.problems import Problem

NOW = dt.datetime(2026, 11, 20, 16, 0)
NOW_TEXT = NOW.strftime("%Y-%m-%d %H:%M")
INTAKE = S.INTAKE.name


# ---- Problem.__str__ -----------------------------------------------------------------------------
@pytest.mark.parametrize("sheet, column, value, shown", [
    (INTAKE, "联系方式", "13812345678", "“138****5678”"),
    (INTAKE, "联系方式", 13812345678.0, "“138****5678”"),  # typed as a number
    (INTAKE, "联系方式", "021-64381234", "“021-****1234”"),
    (INTAKE, "联系方式", "1381234", "“****1234”"),  # too short to be a phone, still not shown whole
    (INTAKE, "地址", "上海市徐汇区漕溪北路88号", "“上海市徐汇区”"),  # as in the reports: to the district
    (INTAKE, "客户名称/姓名", "欧阳娜娜", "“欧阳**”"),  # a compound surname is one surname
    (S.SURVEY.name, "回访对象", "张三丰", "“张**”"),
    (S.CALLBACK_PLAN.name, "联系方式", "13912345678", "“139****5678”"),
    (INTAKE, "受理时间", "13812345678", "“138****5678”"),  # a phone in the wrong column
    (INTAKE, "需求类型", "上海市徐汇区漕溪北路88号", "“上海市徐汇区***”"),  # a row pasted one column off
    (INTAKE, "问题描述", "请回电 138 1234 5678，邮箱 zhang@qq.com", "“请回电 138****5678，邮箱 z***@qq.com”"),
    (INTAKE, "问题描述", "路由器无法连接", "“路由器无法连接”"),  # words, not an address
    (INTAKE, "受理时间", "2025-13-01", "“2025-13-01”"),  # not personal: shown as typed
    (INTAKE, "服务工单号", "SV202611200001", "“SV202611200001”"),
])
def test_messages_mask_personal_data_but_keep_the_rest(sheet, column, value, shown):
    problem = Problem(sheet, 5, column, value, "原因")
    assert str(problem) == f"{sheet} 第5行 {column}：{shown} 原因"
    assert problem.value == value  # the raw value stays available to the 数据问题 sheet


# ---- the CLI ------------------------------------------------------------------------------------
PHONES = ("13812345678", "13987654321", "021-64381234", "13700001111")
ADDRESSES = ("上海市徐汇区漕溪北路88号", "杭州市西湖区文三路100号3幢", "北京市朝阳区建国路8号SOHO")


def _leaky_book(path):
    """Tickets whose bad cells (errors the CLI prints) hold phones and addresses."""
    base = {"受理时间": dt.datetime(2026, 11, 18, 9), "客户名称/姓名": "欧阳娜娜", "需求类型": "维修类",
            "购买产品型号": "JS-200", "问题描述": "漏水"}
    intake = [
        {**base, "服务工单号": "P1", "联系方式": PHONES[0], "地址": ADDRESSES[0], "受理时间": PHONES[1]},
        {**base, "服务工单号": "P2", "联系方式": PHONES[2], "地址": ADDRESSES[1], "需求类型": ADDRESSES[2]},
        {**base, "服务工单号": "P3", "联系方式": "1381234", "地址": ADDRESSES[1], "需求类型": PHONES[3],
         "问题描述": f"请回电{PHONES[0]}，地址{ADDRESSES[0]}"},
        {**base, "服务工单号": "P1", "联系方式": PHONES[0], "地址": ADDRESSES[0], "购买日期": ADDRESSES[2]},
    ]
    surveys = [{"工单号": "P2", "回访对象": "欧阳娜娜", "回访时间": PHONES[0], "服务态度评分": 3}]
    return make_book(path, {INTAKE: intake, S.SURVEY.name: surveys})


def _personal_values(path) -> set[str]:
    snap = read_file(path)
    values = set(PHONES) | set(ADDRESSES)
    for sheet, col in S.personal_columns():
        if sheet.name in snap.sheets and col.header in snap.frame(sheet.name):
            values |= {str(v) for v in snap.frame(sheet.name)[col.header].dropna() if len(str(v)) >= 4}
    return values


@pytest.mark.parametrize("command", ["dispatch", "escalate", "callbacks", "kpi", "summary", "refresh"])
def test_the_cli_never_prints_a_phone_or_an_address(tmp_path, command):
    book = _leaky_book(tmp_path / "leaky.xlsx")
    secrets = _personal_values(book)
    result = CliRunner().invoke(main, [command, str(book), "--now", NOW_TEXT])
    assert result.exit_code == 0, result.output
    output = result.output
    if command in ("dispatch", "refresh"):
        assert "发现" in output and "数据错误" in output  # errors were printed, so the check means something
        assert "139****4321" in output  # the phone typed into 受理时间, masked
    leaked = sorted(s for s in secrets if s in output)
    assert leaked == [], f"personal data in the CLI output: {leaked}"


def test_kpi_json_output_holds_no_personal_data(tmp_path):
    book = _leaky_book(tmp_path / "leaky.xlsx")
    secrets = _personal_values(book)
    result = CliRunner().invoke(main, ["kpi", str(book), "--now", NOW_TEXT, "--json"])
    assert result.exit_code == 0
    assert [s for s in secrets if s in result.output] == []


def test_the_data_problems_sheet_keeps_the_raw_value_staff_need_to_find_the_cell(tmp_path):
    book = _leaky_book(tmp_path / "leaky.xlsx")
    refresh.dispatch(book, now=NOW)
    issues = read_file(book).frame(S.DATA_ISSUES.name)
    row = issues[(issues["行号"] == 2) & (issues["列"] == "受理时间")].iloc[0]
    assert row["值"] == PHONES[1]


# ---- reports -------------------------------------------------------------------------------------
QUOTED_ADDRESS = "南京市秦淮区中山南路1号"  # only inside free text, never in an 地址 cell


@pytest.fixture(scope="module")
def refreshed_demo(demo_template, tmp_path_factory):
    """The demo workbook after 全部刷新 (so 回访计划 and 超时预警 hold customer data too), plus a
    complaint whose free text quotes a landline, an address and an e-mail."""
    from workbook import ChangeSet, open_workbook

    folder = tmp_path_factory.mktemp("privacy-reports")
    book = folder / "demo.xlsx"
    shutil.copy(demo_template, book)
    received = dt.datetime(2026, 11, 12, 10)
    with open_workbook(book) as session:
        changes = ChangeSet()
        changes.sheet(INTAKE).appends = [{
            "服务工单号": "SV-PRIV-1", "受理时间": received, "客户名称/姓名": "司马相如", "联系方式": "021-64381234",
            "地址": ADDRESSES[1], "需求类型": "投诉类", "二级标签": "服务态度", "紧急程度": "一般", "需求来源": "电话",
            "问题描述": f"客户住{QUOTED_ADDRESS}，座机021-64381234，邮箱sima@example.com，要求上门",
            "处理人": ROSTER[1]["姓名"], "首次响应时间": received + dt.timedelta(hours=2),
            "完成时间": received + dt.timedelta(days=1), "当前状态": "已完成"}]
        session.commit(changes, now=NOW)
    refresh.refresh_all(book, now=NOW)
    return book


def _visible(html: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("kind", ["evaluation", "monthly", "checklist"])
def test_no_report_shows_a_phone_an_address_or_a_full_customer_name(refreshed_demo, tmp_path, kind):
    from reports.render import render_report

    html = render_report(refreshed_demo, kind=kind, out=tmp_path / f"{kind}.html", now=NOW,
                         month="2026-11" if kind == "monthly" else None).read_text("utf-8")
    text = _visible(html) + " " + htmllib.unescape(html)
    snap = read_file(refreshed_demo)
    staff = {str(n) for n in snap.frame(S.STAFF_ROSTER.name)["姓名"].dropna()}
    phones, addresses, names = set(), set(), set()
    for sheet, col in S.personal_columns():
        if sheet.name not in snap.sheets:
            continue
        values = {str(v).strip() for v in snap.frame(sheet.name)[col.header].dropna()}
        if col.kind == S.PHONE:
            phones |= values
        elif col.header == "地址":
            addresses |= values
        else:
            names |= {v for v in values if len(v) >= 2 and v not in staff and not any(v in s for s in staff)}
    assert len(phones) > 100 and len(addresses) > 50 and len(names) > 100  # the demo has customers
    leaked = sorted({p for p in phones if p in text} | {a for a in addresses if a in text}
                    | {n for n in names if n in text})
    assert leaked == [], f"{kind}: personal data in the report: {leaked[:10]}"
    assert "021-64381234" not in text and "sima@example.com" not in text


def test_an_address_quoted_in_free_text_is_masked_in_the_monthly_report(refreshed_demo, tmp_path):
    from reports.render import render_report

    html = render_report(refreshed_demo, kind="monthly", out=tmp_path / "m.html", now=NOW,
                         month="2026-11").read_text("utf-8")
    assert "要求上门" in _visible(html)  # the complaint's description is shown…
    assert "中山南路1号" not in _visible(html)  # …with the street address masked
