"""How the reports lay out for a reader: tables that reflow on a phone, headline cards coloured by
target, long lists summarised in the body with the full list in an appendix, one unit per axis."""

from __future__ import annotations

import re
import shutil

from reports import render_report
from reports.monthly import BRIEF_LIMIT, headline_cards
from reports.render import label_cells
from tests.conftest import NOW
from workbook import read_file


def test_a_wide_table_gets_its_headers_as_cell_labels_for_the_phone_layout():
    page = ('<div class="table-wrap"><table>\n<thead><tr><th>指标</th><th>基线期</th><th>评估期</th><th>是否达标</th>'
            '</tr></thead>\n<tbody>\n<tr class="group"><td colspan="4">客户体验</td></tr>\n'
            '<tr><td class="nowrap">CSAT</td><td class="num">62.6%</td><td class="num">89.0%</td>'
            '<td><span class="badge good">达标</span></td></tr>\n</tbody>\n</table></div>')
    # Written by hand: each cell labelled with its own column's header; the group row spans all
    # columns and so gets no label; the wrapper and the table are marked for the card layout.
    expected = ('<div class="table-wrap reflow"><table class="reflow">\n<thead><tr><th>指标</th><th>基线期</th>'
                '<th>评估期</th><th>是否达标</th></tr></thead>\n<tbody>\n<tr class="group"><td colspan="4">客户体验</td>'
                '</tr>\n<tr><td class="nowrap" data-label="指标">CSAT</td><td class="num" data-label="基线期">62.6%</td>'
                '<td class="num" data-label="评估期">89.0%</td><td data-label="是否达标"><span class="badge good">达标'
                '</span></td></tr>\n</tbody>\n</table></div>')
    assert label_cells(page) == expected


def test_a_narrow_table_of_counts_stays_a_table():
    page = ('<div class="table-wrap"><table>\n<thead><tr><th>分类</th><th>数量</th><th>占比</th></tr></thead>\n'
            '<tbody>\n<tr><td>维修类</td><td class="num">120</td><td class="num">48%</td></tr>\n</tbody>\n</table></div>')
    assert label_cells(page) == page


def test_a_three_column_table_with_long_text_reflows():
    page = ('<div class="table-wrap"><table>\n<thead><tr><th>触发条件</th><th>结果</th><th>依据</th></tr></thead>\n'
            '<tbody>\n<tr><td class="nowrap">投诉量激增</td><td>未触发</td><td class="wide">最近3周投诉 12、13、12 张</td>'
            '</tr>\n</tbody>\n</table></div>')
    out = label_cells(page)
    assert '<table class="reflow">' in out and 'data-label="依据"' in out


def _kpis(**values):
    base = {"tickets": 248, "completed": 207, "backlog": 137, "first_response_hours_avg": 12.4,
            "resolution_hours_avg": 40.0, "csat_rate": 0.899, "nps": None, "overdue_rate": 0.407}
    return base | values


def test_headline_cards_are_coloured_by_their_target_verdict():
    targets = [  # as target_rows gives them for the KPI目标 defaults (≤ 4 h, ≤ 48 h, ≥ 85 %, ≥ 30, ≤ 10 %)
        {"name": "平均首次响应时长(小时)", "verdict": "未达标", "target": "≤ 4.0 小时"},
        {"name": "平均解决时长(小时)", "verdict": "达标", "target": "≤ 48.0 小时"},
        {"name": "客户满意度(CSAT)", "verdict": "达标", "target": "≥ 85.0%"},
        {"name": "NPS", "verdict": "无数据", "target": "≥ 30.0 分"},
        {"name": "超时率", "verdict": "未达标", "target": "≤ 10.0%"},
    ]
    cards = {card["label"]: card for card in headline_cards(_kpis(), targets)}
    assert cards["平均首次响应"]["class"] == "bad" and cards["平均首次响应"]["note"] == "未达标（目标 ≤ 4.0 小时）"
    assert cards["平均解决时长"]["class"] == "good"
    assert cards["客户满意度(CSAT)"]["class"] == "good"
    assert cards["NPS"]["class"] == "na" and cards["NPS"]["note"] == ""  # no data is grey, never green
    assert cards["超时率"]["class"] == "bad" and cards["超时率"]["value"] == "40.7%"
    assert cards["当前积压"]["class"] == "warn"


def test_a_headline_without_a_target_stays_neutral():
    cards = {card["label"]: card for card in headline_cards(_kpis(), [])}
    assert cards["超时率"]["class"] == "" and cards["超时率"]["note"] == ""


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end, html.index(start))]


def test_the_monthly_body_lists_only_open_complaints_and_the_appendix_lists_them_all(demo_template, tmp_path):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    html = render_report(book, kind="monthly", out=tmp_path / "m.html", now=NOW, month="2026-11").read_text("utf-8")
    intake = read_file(book).frame("客户服务信息登记表")
    month = intake[(intake["受理时间"].dt.strftime("%Y-%m") == "2026-11") & (intake["需求类型"] == "投诉类")]
    still_open = month[month["当前状态"].isin(["待分配", "待响应", "处理中", "待客户确认", "暂停"])]
    assert len(still_open) > 0  # the demo month has open complaints
    assert f"本月投诉：共 {len(month)} 张，其中未结 {len(still_open)} 张" in html
    body = _section(html, "<h3>本月投诉：", "<h3>低分调研")
    body_rows = re.findall(r'<td class="nowrap" data-label="工单号">(SV\d+)</td>', body)
    assert len(body_rows) == min(len(still_open), BRIEF_LIMIT)
    assert set(body_rows) <= set(still_open["服务工单号"])
    appendix = _section(html, 'id="appendix"', "</section>")
    listed = re.findall(r'<td class="nowrap" data-label="工单号">(SV\d+)</td>', appendix)
    assert "附录一：本月投诉明细" in appendix
    assert listed[:len(month)] == list(month.sort_values("受理时间", kind="stable")["服务工单号"])[:50]


def test_the_evaluation_chart_draws_each_customer_figure_on_its_own_axis(demo_template, tmp_path):
    book = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, book)
    html = render_report(book, kind="evaluation", out=tmp_path / "e.html", now=NOW).read_text("utf-8")
    chart = _section(html, 'id="evaluation-cx"', "</figure>")
    wide = _section(chart, 'class="wide-view"', "</svg>")
    # Four panels, each titled with its own unit (one axes group per panel).
    for title in ("CSAT（%）", "投诉重复率（%）", "满意度得分（分）", "NPS（分）"):
        assert title in wide
    assert len(re.findall(r'<g id="evaluation-cx-axes_\d+"', wide)) == 4


def test_a_month_of_many_open_complaints_lists_ten_in_the_body_oldest_first_and_all_in_the_appendix():
    import datetime as dt

    import pandas as pd

    from reports.monthly import month_complaints

    # 15 open complaints on 15 November days, 3 completed ones, 1 repair: worked by hand, the body
    # shows the 10 oldest open ones (11-01 … 11-10), the appendix all 18 complaints.
    rows = [{"服务工单号": f"SV2026110{d:02d}0001", "受理时间": pd.Timestamp(2026, 11, d, 10), "需求类型": "投诉类",
             "当前状态": "处理中", "二级标签": "服务态度"} for d in range(15, 0, -1)]
    rows += [{"服务工单号": f"SV2026112{d}0001", "受理时间": pd.Timestamp(2026, 11, 20 + d, 9), "需求类型": "投诉类",
              "当前状态": "已完成", "二级标签": "处理周期"} for d in range(3)]
    rows.append({"服务工单号": "SV202611290001", "受理时间": pd.Timestamp(2026, 11, 29, 9), "需求类型": "维修类",
                 "当前状态": "处理中", "二级标签": "硬件故障"})
    frames = {"客户服务信息登记表": pd.DataFrame(rows)}
    got = month_complaints(frames, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert (got["total"], got["open_count"], got["open_more"]) == (18, 15, 5)
    assert [r[0] for r in got["open_rows"]] == [f"SV2026110{d:02d}0001" for d in range(1, 11)]
    assert len(got["rows"]) == 18 and got["more"] == 0
    assert [(r["name"], r["count"]) for r in got["by_label"]] == [("服务态度", "15"), ("处理周期", "3")]
