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


def _stores_context(result) -> dict:
    from macros.hq import STORE_METRICS, store_comparison

    rows = store_comparison(result.store_kpis, result.regions)
    shown = [(label, kind) for label, _key, kind, _b in STORE_METRICS]
    table = []
    for row in rows:
        cells = [{"text": F.value(kind, row["values"][label]), "class": SIDE_CLASS.get(row["outliers"].get(label), "")}
                 for label, kind in shown]
        table.append({"rank": row["rank"] if row["rank"] is not None else "—", "store": row["store"],
                      "region": row["region"], "cells": cells, "notes": row["notes"]})
    total = [F.value(kind, result.kpis.get(key)) for _label, key, kind, _b in STORE_METRICS]
    names = [row["store"] for row in rows]
    chart = charts.bars("hq-store-response", "各门店平均首次响应（小时）", names,
                        [row["values"]["平均首次响应(小时)"] for row in rows], lambda v: f"{v:.1f}",
                        colors=[charts.BAD if row["outliers"].get("平均首次响应(小时)") == "bad" else charts.ACCENT
                                for row in rows], caption="按综合排名排列；红色为明显慢于其他门店")
    csat = charts.bars("hq-store-csat", "各门店客户满意度（CSAT）", names,
                       [row["values"]["客户满意度(CSAT)"] for row in rows], lambda v: f"{v * 100:.1f}%", limit=1.0)
    outliers = [{"store": row["store"], "notes": row["notes"]} for row in rows if row["notes"]]
    return {"headers": [label for label, _kind in shown], "rows": table, "total": total, "outliers": outliers,
            "charts": {"response": chart, "csat": csat}}


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
            "hq-pilot", "试点门店与其他门店：基线期 → 评估期", [r["label"] for r in chosen],
            [("试点·基线期", [r["pilot_before"] for r in chosen]), ("试点·评估期", [r["pilot_after"] for r in chosen]),
             ("其他·基线期", [r["rest_before"] for r in chosen]), ("其他·评估期", [r["rest_after"] for r in chosen])],
            lambda v: f"{v * 100:.0f}%", colors=(charts.BASELINE, charts.ACCENT, "#d5d9df", "#f28e2b"))
    base, evaluation = pilot["baseline"], pilot["evaluation"]
    return {"pilots": "、".join(pilot["pilots"]) or "（无）", "scopes": "、".join(pilot["scopes"]) or "—",
            "rest": len(pilot["rest"]), "problem": pilot["problem"], "rows": rows, "chart": chart,
            "baseline": F.period(*base) if base else "未设置", "evaluation": F.period(*evaluation) if evaluation else "未设置"}


def _region_context(result) -> dict:
    from macros.hq import region_monitor

    monitor = region_monitor(result)
    jumps = [{"day": F.date(r["day"]), "region": r["region"], "what": "、".join(r["jumps"]), "tickets": F.count(r["tickets"]),
              "response": F.number(r["response"]), "response_median": F.number(r["response_median"]),
              "resolution": F.number(r["resolution"]), "resolution_median": F.number(r["resolution_median"]),
              "investigated": r["investigated"], "class": INVESTIGATED_CLASS[r["investigated"]],
              "investigation": r["investigation"]} for r in monitor["jumps"]]
    summary = []
    for region in monitor["regions"]:
        rows = [r for r in monitor["rows"] if r["region"] == region]
        flagged = [r for r in rows if r["jumps"]]
        tickets = sum(r["tickets"] for r in rows)
        summary.append({"region": region, "days": len(rows), "tickets": F.count(tickets), "jumps": len(flagged),
                        "on_time": sum(r["investigated"] == "是" for r in flagged),
                        "late": sum(r["investigated"] == "否" for r in flagged)})
    return {"jumps": jumps, "summary": summary}


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
    from reports.render import environment, write_atomically

    html = environment().get_template("hq.html").render(hq_context(result) | {"kind": "hq"})
    return write_atomically(Path(out), html)
