"""HTML review reports: every kind renders from real and empty workbooks, masks personal data,
escapes hostile text, is self-contained and deterministic, and is written atomically."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from reports import KINDS, ReportError, render_html, render_report
from reports.render import build_context
from tests.bookmaker import make_book
from tests.conftest import NOW
from workbook import read_file

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
HEADINGS = {
    "evaluation": ("售后服务流程优化效果评估报告", "评估结论", "优化前后对比与目标达成", "客户体验", "运营效率",
                   "成本控制", "月度趋势", "执行检查表状态"),
    "monthly": ("售后服务月度报告", "关键指标对照目标", "工单量", "响应与解决时长", "各环节时限达标率",
                "客户满意度与投诉", "服务成本", "高频问题类型与产品型号", "人员绩效", "优化预警"),
    "checklist": ("执行检查与整改报告", "检查概况", "检查结果（按检查维度）", "整改跟踪（按整改责任人）",
                  "自动判定依据"),
}


@pytest.fixture(scope="module")
def demo_reports(demo_template, tmp_path_factory) -> dict[str, str]:
    """The three reports of the 300-ticket demo workbook (rendered once for this module)."""
    folder = tmp_path_factory.mktemp("reports")
    book = folder / "demo.xlsx"
    shutil.copy(demo_template, book)
    return {kind: render_report(book, kind=kind, out=folder / f"{kind}.html", now=NOW).read_text("utf-8")
            for kind in KINDS}


@pytest.fixture
def hostile_book(tmp_path) -> Path:
    """A workbook whose customer (and checklist) text tries to run script or smuggle formulas."""
    received = dt.datetime(2026, 11, 10, 9, 0)
    intake = [
        {"服务工单号": "T1", "受理时间": received, "登记时间": received + dt.timedelta(minutes=5),
         "客户名称/姓名": SCRIPT, "联系方式": "13812345678", "地址": FORMULA, "所属店铺/区域": SCRIPT,
         "购买产品型号": FORMULA, "问题描述": f"{SCRIPT} 请回电13912345678 {FORMULA}", "需求来源": "电话",
         "需求类型": "投诉类", "二级标签": SCRIPT, "紧急程度": "一般", "处理人": "主管乙",
         "首次响应时间": received + dt.timedelta(hours=3), "完成时间": received + dt.timedelta(days=1),
         "当前状态": "已完成"},
        {"服务工单号": "T0", "受理时间": dt.datetime(2026, 10, 8, 10), "客户名称/姓名": FORMULA,
         "联系方式": "021-12345678", "地址": "上海市徐汇区漕溪北路88号", "问题描述": FORMULA, "需求类型": "投诉类",
         "二级标签": FORMULA, "处理人": "主管乙", "首次响应时间": dt.datetime(2026, 10, 8, 20),
         "完成时间": dt.datetime(2026, 10, 10, 10), "当前状态": "已完成"},
    ]
    service = [{"工单号": "T1", "服务时间": received + dt.timedelta(hours=20), "处理措施": SCRIPT, "差旅费": 50}]
    confirmations = [{"工单号": "T1", "客户名称": SCRIPT, "处理结果": SCRIPT, "客户评价": "不满意",
                      "确认时间": received + dt.timedelta(days=1, hours=2)}]
    surveys = [
        {"工单号": "T1", "回访对象": SCRIPT, "回访时间": received + dt.timedelta(days=2), "服务态度评分": 3,
         "专业能力评分": 3, "解决效率评分": 3, "总体满意度": 3, "推荐意愿": 2,
         "改进建议": f"{SCRIPT} {FORMULA} 联系我13712345678"},
        {"工单号": "T0", "回访对象": FORMULA, "回访时间": dt.datetime(2026, 10, 12, 10), "总体满意度": 9,
         "推荐意愿": 9, "改进建议": FORMULA},
    ]
    checklist = [{"检查维度": "复盘固化", "检查项": "流程手册及知识库是否更新", "检查标准": SCRIPT, "判定方式": "人工",
                  "检查结果": "不合格", "问题描述": f"{SCRIPT} 13612345678", "整改责任人": FORMULA,
                  "整改期限": dt.date(2026, 11, 1), "整改措施": FORMULA}]
    params = {"基线期开始": dt.datetime(2026, 10, 1), "基线期结束": dt.datetime(2026, 10, 31),
              "评估期开始": dt.datetime(2026, 11, 1), "评估期结束": dt.datetime(2026, 11, 20)}
    return make_book(tmp_path / "hostile.xlsx", {
        "客户服务信息登记表": intake, "服务过程记录表": service, "服务结果确认表": confirmations,
        "客户满意度调研表": surveys, "执行检查表": checklist,
    }, params=params)


def _visible_text(html: str) -> str:
    """The page's text without tags (entities left as written)."""
    return re.sub(r"<[^>]+>", " ", html)


# ---- every kind, from the demo workbook ---------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_each_report_renders_the_demo_workbook_with_its_sections(demo_reports, kind):
    html = demo_reports[kind]
    assert html.startswith("<!DOCTYPE html>")
    for heading in HEADINGS[kind]:
        assert heading in html, heading
    assert "生成时间：2026-11-20 16:00" in html
    assert "数据来源：demo.xlsx" in html


@pytest.mark.parametrize("kind", KINDS)
def test_each_report_is_one_self_contained_file(demo_reports, kind):
    html = demo_reports[kind]
    assert "<script" not in html.lower()
    assert "<link" not in html.lower() and "@import" not in html
    assert not re.search(r"\ssrc=", html)
    assert not re.search(r"url\((?!#)", html)  # only references to ids inside the page
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@page { size: A4" in html and "break-inside: avoid" in html
    assert "overflow-x: auto" in html  # wide tables scroll inside their box on a phone


@pytest.mark.parametrize("kind", KINDS)
def test_charts_are_inline_svg_with_text_and_unique_ids(demo_reports, kind):
    html = demo_reports[kind]
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) >= 2
    for svg in svgs:
        assert "<text" in svg  # svg.fonttype none: labels stay text for the browser's CJK font
        assert "<dc:date>" not in svg and "<metadata" not in svg
        assert 'width="' not in svg.split(">", 1)[0]  # scaled by the page, not a fixed size
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids across the page"


@pytest.mark.parametrize("kind", KINDS)
def test_no_unmasked_mobile_number_appears_in_any_report(demo_reports, kind):
    assert not MOBILE.search(demo_reports[kind])


def test_customer_data_in_the_monthly_report_is_masked(demo_template, tmp_path):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    html = render_report(book, kind="monthly", out=tmp_path / "m.html", now=NOW, month="2026-10").read_text("utf-8")
    intake = read_file(book).frame("客户服务信息登记表")
    october = intake[(intake["受理时间"].dt.month == 10) & (intake["需求类型"] == "投诉类")]
    assert len(october) > 0
    text = _visible_text(html)
    for name, phone, address in october[["客户名称/姓名", "联系方式", "地址"]].itertuples(index=False):
        assert name not in text and phone not in text and address not in text
    assert re.search(r"1[3-9]\d\*\*\*\*\d{4}", html)  # the masked form is shown instead
    assert re.search(r"[^<>\s]{2,9}市[^<>\s]{1,7}区<", html)  # addresses cut to the district


def test_evaluation_compares_the_periods_against_the_seed_targets(demo_reports):
    html = demo_reports["evaluation"]
    assert "基线期：2026-06-01 至 2026-08-31" in html and "评估期：2026-09-01 至 2026-11-20" in html
    assert "较基线期缩短 ≥ 30.0%" in html  # complaint first response −30%
    assert "较基线期提升 ≥ 10 个百分点" in html  # CSAT +10 points
    assert "≥ 85.0%" in html  # 一次性问题解决率
    assert "总体评价" in html
    assert "执行检查表共 15 项" in html


# ---- contexts: the functional core --------------------------------------------------------------
def test_the_evaluation_conclusion_is_written_from_the_numbers(demo_template, tmp_path):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    context = build_context(book, kind="evaluation", now=NOW)
    rows = {r["name"]: r for d in context["dimensions"] for r in d["rows"]}
    csat = rows["客户满意度(CSAT)"]
    assert csat["verdict"] in ("达标", "未达标")
    sentence = next(p for p in context["conclusion"] if p.startswith("客户体验"))
    assert f"客户满意度(CSAT)由 {csat['baseline']}" in sentence and csat["evaluation"] in sentence
    met = sum(r["verdict"] == "达标" for r in rows.values())
    assert f"达标 {met} 项" in context["conclusion"][0]
    counts = context["checklist"]["counts"]
    assert sum(counts.values()) == context["checklist"]["total"] == 15


def test_the_monthly_report_defaults_to_the_month_that_is_due(demo_template, tmp_path):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    # On 2 December November's report is still due (by the 5th): it is the default.
    assert build_context(book, kind="monthly", now=dt.datetime(2026, 12, 2, 9))["month"] == "2026-11"
    # On 20 November October's deadline has passed: this month, to date.
    assert build_context(book, kind="monthly", now=NOW)["month"] == "2026-11"


def test_the_monthly_report_says_whether_it_was_produced_by_the_5th(demo_template, tmp_path):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    on_time = build_context(book, kind="monthly", now=dt.datetime(2026, 11, 4, 9), month="2026-10")
    late = build_context(book, kind="monthly", now=NOW, month="2026-10")
    assert on_time["deadline"]["verdict"] == "按时" and late["deadline"]["verdict"] == "逾期"
    assert "截止 2026-11-05" in late["deadline"]["sentence"]


def test_checklist_rectifications_are_grouped_by_owner(tmp_path):
    def row(item, **values):
        return {"检查维度": "复盘固化", "检查项": item, "判定方式": "人工", **values}

    book = make_book(tmp_path / "c.xlsx", {"执行检查表": [
        row("甲项", 检查结果="不合格", 整改责任人="王工", 整改期限=dt.date(2026, 11, 30), 整改措施="补充手册"),
        row("乙项", 检查结果="不合格", 整改责任人="王工", 整改期限=dt.date(2026, 11, 10)),
        row("丙项", 检查结果="不合格"),
        row("丁项", 检查结果="不合格", 整改责任人="李工", 整改期限=dt.date(2026, 11, 1),
            整改完成日期=dt.date(2026, 11, 5), 整改结果验证="通过"),
        row("戊项", 检查结果="合格"),
        row("己项"),
    ]})
    context = build_context(book, kind="checklist", now=NOW)
    assert context["summary"]["counts"] == {"合格": 1, "不合格": 4, "未判定": 1}
    groups = [(g["owner"], [(r["item"], r["state"], r["days_left"]) for r in g["rows"]]) for g in context["owners"]]
    assert groups == [
        ("（未指定责任人）", [("丙项", "待整改", "未定期限")]),  # a failing row nobody owns comes first
        ("王工", [("乙项", "已逾期", "逾期 10 天"), ("甲项", "整改中", "剩余 10 天")]),
    ]
    assert [r["item"] for r in context["closed"]] == ["丁项"]  # verified: closed, not in the owner groups
    assert [r["item"] for r in context["unassigned"]] == ["丙项"]
    html = render_html("checklist", context)
    assert "王工：未关闭 2 项，已逾期 1 项" in html


# ---- an empty workbook --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_each_report_renders_an_empty_workbook_and_says_there_is_no_data(new_book, tmp_path, kind):
    html = render_report(new_book, kind=kind, out=tmp_path / f"{kind}.html", now=NOW).read_text("utf-8")
    assert "无数据" in html
    for heading in HEADINGS[kind]:
        assert heading in html, heading


def test_the_evaluation_report_says_clearly_when_the_periods_are_not_set(new_book, tmp_path):
    html = render_report(new_book, kind="evaluation", out=tmp_path / "e.html", now=NOW).read_text("utf-8")
    assert "未设置基线期：请在「系统参数」表填写「基线期开始」和「基线期结束」" in html
    assert "未设置评估期" in html
    assert "执行检查表共 15 项" in html  # the checklist's state is still reported


@pytest.mark.parametrize("kind", KINDS)
def test_a_workbook_with_tickets_but_no_confirmations_renders(tmp_path, kind):
    received = dt.datetime(2026, 11, 10, 9)
    book = make_book(tmp_path / "b.xlsx", {"客户服务信息登记表": [
        {"服务工单号": "T1", "受理时间": received, "客户名称/姓名": "张三", "需求类型": "维修类",
         "完成时间": received + dt.timedelta(days=1)}]})
    render_report(book, kind=kind, out=tmp_path / f"{kind}.html", now=NOW)


def test_a_period_set_backwards_is_reported_not_a_crash(tmp_path):
    book = make_book(tmp_path / "b.xlsx", {}, params={
        "基线期开始": dt.datetime(2026, 8, 31), "基线期结束": dt.datetime(2026, 6, 1),
        "评估期开始": dt.datetime(2026, 9, 1), "评估期结束": dt.datetime(2026, 11, 20)})
    html = render_report(book, kind="evaluation", out=tmp_path / "e.html", now=NOW).read_text("utf-8")
    assert "基线期开始（2026-08-31）晚于结束（2026-06-01）" in html


# ---- hostile text -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_hostile_customer_text_is_shown_as_inert_text(hostile_book, tmp_path, kind):
    html = render_report(hostile_book, kind=kind, out=tmp_path / f"{kind}.html", now=NOW).read_text("utf-8")
    assert "<script" not in html.lower()
    assert "<a " not in html and "http://x" not in _visible_text(html).replace("&#34;http://x&#34;", "")
    assert not MOBILE.search(html)
    if kind == "checklist":  # staff text of the checklist, shown escaped
        assert "&lt;script&gt;alert(1)&lt;/script&gt; 136****5678" in html
        assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in html
    else:  # customer text: complaints (monthly) and survey suggestions (both)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in html
    if kind == "monthly":  # also inside the charts (problem types are customer-entered tags)
        charts = "".join(re.findall(r"<svg\b.*?</svg>", html, re.S))
        assert "&lt;script&gt;" in charts and "<script" not in charts


# ---- determinism and the shell ------------------------------------------------------------------
def test_the_same_workbook_and_now_give_the_same_bytes(demo_template, tmp_path):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    first = render_report(book, kind="evaluation", out=tmp_path / "a.html", now=NOW).read_bytes()
    second = render_report(book, kind="evaluation", out=tmp_path / "b.html", now=NOW).read_bytes()
    assert first == second


def test_another_process_gives_the_same_bytes_too(demo_template, tmp_path):
    """No set or dict order, no hash seed, no clock reaches the output (the SVG ids included)."""
    import os
    import subprocess
    import sys

    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    script = ("import datetime as dt, sys; from pathlib import Path; from reports import render_report; "
              "render_report(Path(sys.argv[1]), kind='evaluation', out=Path(sys.argv[2]), "
              "now=dt.datetime(2026, 11, 20, 16, 0))")
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(book), str(out)], check=True, env=env,
                       cwd=Path(__file__).resolve().parents[1], timeout=120)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("kind", KINDS)
def test_no_clock_is_read(demo_reports, kind):
    today = dt.date.today()
    if today == NOW.date():
        pytest.skip("today is the fixed now")
    assert today.isoformat() not in demo_reports[kind]


def test_the_workbook_is_not_changed_by_a_report(demo_template, tmp_path):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    before = book.read_bytes()
    render_report(book, kind="checklist", out=tmp_path / "c.html", now=NOW)
    assert book.read_bytes() == before
    assert not (tmp_path / "备份").exists()


def test_the_report_replaces_an_old_file_atomically(new_book, tmp_path):
    out = tmp_path / "out" / "报告.html"
    out.parent.mkdir()
    out.write_text("old", "utf-8")
    render_report(new_book, kind="checklist", out=out, now=NOW)
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["报告.html"]  # no temporary file left behind


def test_a_bad_month_or_kind_is_a_clear_error(new_book, tmp_path):
    with pytest.raises(ReportError, match="YYYY-MM"):
        render_report(new_book, kind="monthly", out=tmp_path / "m.html", now=NOW, month="2026/10")
    with pytest.raises(ReportError, match="evaluation"):
        render_report(new_book, kind="weekly", out=tmp_path / "w.html", now=NOW)
    assert not list(tmp_path.glob("*.html"))


def test_render_html_is_strict_about_missing_context():
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        render_html("checklist", {})


@pytest.mark.parametrize("kind", KINDS)
def test_a_live_excel_book_gives_the_same_report_as_its_file(demo_reports, demo_template, tmp_path, kind):
    from tests import fakexw

    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    from_excel = render_report(fakexw.Book(book), kind=kind, out=tmp_path / "live.html", now=NOW)
    assert from_excel.read_text("utf-8") == demo_reports[kind]


def test_the_ribbon_button_writes_the_report_next_to_the_calling_book(demo_template, tmp_path, monkeypatch):
    import aftersales.ribbon as ribbon
    from tests import fakexw

    book_path = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book_path)
    book = fakexw.Book(book_path)
    fakexw.set_mock_caller(book)
    monkeypatch.setattr(ribbon, "_caller", fakexw.Book.caller)
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    ribbon.report_checklist()
    (written,) = tmp_path.glob("demo_checklist_*.html")
    assert opened == [written.as_uri()]
    assert "执行检查与整改报告" in written.read_text("utf-8")
    assert book.app.status_bar is False


def test_the_cli_report_command_writes_the_file(new_book, tmp_path):
    from click.testing import CliRunner

    from aftersales.cli import main

    out = tmp_path / "评估报告.html"
    result = CliRunner().invoke(main, ["report", str(new_book), "--kind", "evaluation", "--out", str(out),
                                       "--now", "2026-11-20 16:00"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == f"已生成报告：{out}"
    # 2026-11-20 with only 2026 in the workbook: the next-year reminder follows, once (issue 14)
    assert len(lines) == 2 and lines[1].startswith("注意：「节假日数据年份」还没有 2027 年")
    bad = CliRunner().invoke(main, ["report", str(new_book), "--kind", "monthly", "--out", str(out),
                                    "--month", "10/2026"])
    assert bad.exit_code == 1 and "错误：月份“10/2026”格式有误" in bad.output
