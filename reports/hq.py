"""总部汇总报告: the HQ view of a consolidation as one self-contained HTML file, like the other reports.

``hq_context(result)`` builds the plain dict the ``hq.html`` template renders from a
``macros.consolidate.Consolidation``: the same rows as the HQ workbook's sheets (``macros.hq``),
formatted for reading, with inline SVG charts. ``render_hq_report`` writes it atomically.
"""

from __future__ import annotations

from pathlib import Path

from reports import charts
from reports import formatting as F
from reports.common import header

TITLE = "总部汇总报告"
CARD_METRICS = (("平均首次响应", "first_response_hours_avg", "hours"), ("平均解决时长", "resolution_hours_avg", "hours"),
                ("首次响应达标率", "response_sla_rate", "rate"), ("一次性问题解决率", "fcr_rate", "rate"),
                ("客户满意度(CSAT)", "csat_rate", "rate"), ("NPS", "nps", "points"))
SIDE_CLASS = {"good": "good", "bad": "bad", "far": "warn"}
INVESTIGATED_CLASS = {"是": "good", "否": "bad", "待定": "warn"}


# 门店对比 in the report: two tables of readable width (the HQ workbook keeps one wide sheet).
STORE_TABLES = (
    ("时效与工单", ("工单量", "平均首次响应(小时)", "平均解决(小时)", "首次响应达标率", "解决达标率", "超时率", "积压工单")),
    ("客户体验与成本", ("一次性问题解决率", "客户满意度(CSAT)", "满意度得分", "NPS", "投诉重复率", "单均成本(元)")),
)
CHART_STORES = 20  # more stores than this: a chart shows the 10 at each end, the tables keep all


def _chart_rows(rows: list[dict], label: str, worst_high: bool) -> tuple[list[dict], str]:
    """The stores a per-store chart shows (all, or the 10 worst and 10 best), and what it says about it."""
    known = [r for r in rows if r["values"][label] is not None]
    if len(known) <= CHART_STORES:
        return known, "按综合排名排列"
    ordered = sorted(known, key=lambda r: r["values"][label], reverse=worst_high)
    half = CHART_STORES // 2
    return ordered[:half] + ordered[-half:], f"共 {len(known)} 家门店有数据，图中为最差的 {half} 家（上）与最好的 {half} 家（下）"


def _stores_context(result) -> dict:
    from macros.hq import STORE_METRICS, store_comparison

    rows = store_comparison(result.store_kpis, result.regions)
    kinds = {label: kind for label, _key, kind, _b in STORE_METRICS}
    keys = {label: key for label, key, _kind, _b in STORE_METRICS}
    tables = []
    for title, labels in STORE_TABLES:
        body = []
        for row in rows:
            cells = [{"text": F.value(kinds[label], row["values"][label]),
                      "class": SIDE_CLASS.get(row["outliers"].get(label), "")} for label in labels]
            body.append({"rank": row["rank"] if row["rank"] is not None else "—", "store": row["store"],
                         "region": row["region"], "cells": cells})
        total = [F.value(kinds[label], result.kpis.get(keys[label])) for label in labels]
        tables.append({"title": title, "headers": list(labels), "rows": body, "total": total})
    shown, caption = _chart_rows(rows, "平均首次响应(小时)", worst_high=True)
    chart = charts.bars("hq-store-response", "各门店平均首次响应（小时）", [r["store"] for r in shown],
                        [r["values"]["平均首次响应(小时)"] for r in shown], lambda v: f"{v:.1f}",
                        colors=[charts.BAD if r["outliers"].get("平均首次响应(小时)") == "bad" else charts.ACCENT
                                for r in shown], caption=f"{caption}；红色为明显慢于其他门店")
    shown, caption = _chart_rows(rows, "客户满意度(CSAT)", worst_high=False)
    csat = charts.bars("hq-store-csat", "各门店客户满意度（CSAT）", [r["store"] for r in shown],
                       [r["values"]["客户满意度(CSAT)"] for r in shown], lambda v: f"{v * 100:.1f}%", limit=1.0,
                       caption=caption)
    outliers = [{"store": row["store"], "notes": row["notes"]} for row in rows if row["notes"]]
    return {"tables": tables, "outliers": outliers, "charts": {"response": chart, "csat": csat}}


def _pilot_context(result) -> dict:
    from macros.hq import pilot_comparison

    pilot = pilot_comparison(result)
    rows = []
    for row in pilot["rows"]:
        kind = row["kind"]
        judgement = row["judgement"]
        rows.append({"label": row["label"], "pilot_before": F.value(kind, row["pilot_before"]),
                     "pilot_after": F.value(kind, row["pilot_after"]),
                     "pilot_change": F.change(kind, row["pilot_before"], row["pilot_after"]),
                     "rest_before": F.value(kind, row["rest_before"]), "rest_after": F.value(kind, row["rest_after"]),
                     "rest_change": F.change(kind, row["rest_before"], row["rest_after"]),
                     "judgement": judgement,
                     "class": {"试点改善更多": "good", "其他门店改善更多": "bad"}.get(judgement, "na")})
    chart = None
    if pilot["rows"]:
        chosen = [r for r in pilot["rows"] if r["label"] in ("首次响应达标率", "一次性问题解决率", "客户满意度(CSAT)")]
        chart = charts.compare_bars(
            "hq-pilot", "试点与其他门店前后对比", [r["label"] for r in chosen],
            [("试点·基线期", [r["pilot_before"] for r in chosen]), ("试点·评估期", [r["pilot_after"] for r in chosen]),
             ("其他·基线期", [r["rest_before"] for r in chosen]), ("其他·评估期", [r["rest_after"] for r in chosen])],
            lambda v: f"{v * 100:.0f}%", colors=(charts.BASELINE, charts.ACCENT, "#d5d9df", "#f28e2b"),
            caption="每组左两根为试点门店、右两根为其他门店；浅色为基线期")
    base, evaluation = pilot["baseline"], pilot["evaluation"]
    return {"pilots": "、".join(pilot["pilots"]) or "（无）", "scopes": "、".join(pilot["scopes"]) or "—",
            "rest": len(pilot["rest"]), "problem": pilot["problem"], "rows": rows, "chart": chart,
            "baseline": F.period(*base) if base else "未设置", "evaluation": F.period(*evaluation) if evaluation else "未设置"}


def _region_context(result) -> dict:
    from macros.hq import region_monitor

    monitor = region_monitor(result)
    jumps = [{"day": F.date(r["day"]), "region": r["region"], "what": "、".join(r["jumps"]), "tickets": F.count(r["tickets"]),
              "response": F.number(r["response"]), "response_base": F.number(r["response_base"]),
              "response_limit": F.number(r["response_limit"]),
              "resolution": F.number(r["resolution"]), "resolution_base": F.number(r["resolution_base"]),
              "resolution_limit": F.number(r["resolution_limit"]),
              "investigated": r["investigated"], "class": INVESTIGATED_CLASS[r["investigated"]],
              "investigation": r["investigation"],
              "response_class": "bad" if "首次响应" in r["jumps"] else "",
              "resolution_class": "bad" if "解决" in r["jumps"] else ""} for r in monitor["jumps"]]
    summary = []
    for region in monitor["regions"]:
        rows = [r for r in monitor["rows"] if r["region"] == region]
        flagged = [r for r in rows if r["jumps"]]
        tickets = sum(r["tickets"] for r in rows)
        summary.append({"region": region, "days": len(rows), "tickets": F.count(tickets), "jumps": len(flagged),
                        "on_time": sum(r["investigated"] == "是" for r in flagged),
                        "late": sum(r["investigated"] == "否" for r in flagged)})
    from macros.hq import JUMP_RULE

    return {"jumps": jumps, "summary": summary, "rule": JUMP_RULE}


def hq_context(result) -> dict:
    """The 总部汇总报告 context of a consolidation."""
    k = result.kpis
    skipped = [i for i in result.issues if not i.included]
    cards = [{"label": "门店", "value": F.count(len(result.stores)), "class": ""},
             {"label": "工单", "value": F.count(k["tickets"]), "class": ""}]
    cards += [{"label": label, "value": F.value(kind, k.get(key)), "class": ""} for label, key, kind in CARD_METRICS]
    cards.append({"label": "未汇总的文件", "value": F.count(len(skipped)), "class": "bad" if skipped else "good"})
    return {
        "meta": header(TITLE, now=result.now, source=f"{len(result.covered)} 个门店工作簿", problems=0,
                       subtitle=f"统计期间：{F.period(result.start, result.end)}（按受理时间）"),
        "cards": cards,
        "files": [{"name": r.name, "stores": "、".join(r.stores), "modified": F.moment(r.modified),
                   "tickets": F.count(len(r.frames["客户服务信息登记表"])), "errors": F.count(r.errors),
                   "read": "缓存" if r.cached else "重新读取"} for r in result.covered],
        "issues": [{"name": i.name, "modified": F.moment(i.modified), "reason": i.reason,
                    "included": "已计入" if i.included else "未计入", "class": "warn" if i.included else "bad"}
                   for i in result.issues],
        "stores": _stores_context(result),
        "pilot": _pilot_context(result),
        "regions": _region_context(result),
    }


def render_hq_report(result, out: Path) -> Path:
    """Write the 总部汇总报告 of ``result`` to ``out`` (one self-contained HTML file)."""
    from reports.render import environment, label_cells, write_atomically

    html = environment().get_template("hq.html").render(hq_context(result) | {"kind": "hq"})
    return write_atomically(Path(out), label_cells(html))  # wide tables become cards on a phone
