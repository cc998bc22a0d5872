"""月度服务报告: the month's summary, readable (seed 001 step 6: data summarised by the 5th).

The same figures as the 月报_YYYY-MM sheet (``macros.summary``): volumes, response and resolution
times, SLA attainment per stage, satisfaction, costs, top problems and models, per-staff figures,
whether the report is on time — plus the month's complaints and unsatisfied surveys (masked) and
the optimisation triggers.

Pure: frames (after deadlines_step and statuses_step), settings, the month and ``now`` in; a
plain dict out.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import pandas as pd

from macros.kpi import BOARD_METRICS, STAGES, compute_kpis, sheet_frame, verdict, within
from macros.summary import (
    BREAKDOWNS, COSTS, DEFAULT_DEADLINE_DAY, EXPERIENCE, NOTES, TARGET_METRICS, TIMES, TOP, VOLUME, deadline_verdict,
    default_months, figure_verdict, month_bounds, summary_deadline,
)
from macros.triggers import evaluate_triggers
from reports import charts
from reports import formatting as F
from reports.common import cell, customer_rows, header
from workbook import schema as S

LIST_LIMIT = 50  # rows of a detail list (the appendix) before "另有 N 条未列出"
BRIEF_LIMIT = 10  # rows of a list in the body of the report; the full list is in the appendix
COMPLAINT_COLUMNS = ("服务工单号", "受理时间", "客户名称/姓名", "联系方式", "地址", "所属店铺/区域", "购买产品型号",
                     "二级标签", "问题描述", "当前状态", "处理人")
COMPLAINT_HEADERS = ["工单号", "受理时间", "客户", "联系方式", "地址（至区县）", "店铺/区域", "产品型号", "二级标签",
                     "问题描述", "当前状态", "处理人"]
# The body lists the open complaints with what a manager acts on; the appendix has every column.
BRIEF_COMPLAINT_COLUMNS = ("服务工单号", "受理时间", "所属店铺/区域", "二级标签", "问题描述", "当前状态", "处理人")
BRIEF_COMPLAINT_HEADERS = ["工单号", "受理时间", "店铺/区域", "二级标签", "问题描述", "当前状态", "处理人"]
SURVEY_COLUMNS = ("工单号", "回访时间", "回访对象", "总体满意度", "推荐意愿", "改进建议", "二次处理工单号")


def report_month(month: str | None, now: dt.datetime, deadline_day: int) -> str:
    """The month to report: the one given, else the month whose report is due (last month until
    its deadline, then this month) — the first month 「月度汇总」 writes."""
    return month if month else default_months(now, deadline_day)[0]


def _share_rows(counts: Mapping[str, int], total: int) -> list[dict]:
    return [{"name": name, "count": F.count(n), "share": F.rate(n / total) if total else F.NO_DATA}
            for name, n in counts.items()]


def target_rows(kpis: Mapping, targets: Mapping) -> list[dict]:
    """The key figures against their KPI目标 targets (as section 一 of the summary sheet)."""
    kinds = {name: kind for _category, name, _key, kind, _note in BOARD_METRICS}
    kinds.update({f"{stage}达标率": "rate" for stage in STAGES})
    rows = []
    for name, key in TARGET_METRICS:
        target = targets.get(name)
        value = kpis.get(key)
        kind = kinds.get(name, "number")
        outcome = verdict(value, target) if target else (F.NO_DATA if value is None else "")
        rows.append({"name": name, "value": F.value(kind, value),
                     "target": f"{target.compare} {F.value(kind, target.value)}" if target else "—",
                     "verdict": outcome, "verdict_class": F.verdict_class(outcome) if outcome else ""})
    return rows


HEADLINES = (  # (card label, KPI目标 指标 whose verdict colours the card, kpi key, format)
    ("平均首次响应", "平均首次响应时长(小时)", "first_response_hours_avg", F.hours),
    ("平均解决时长", "平均解决时长(小时)", "resolution_hours_avg", F.hours),
    ("客户满意度(CSAT)", "客户满意度(CSAT)", "csat_rate", F.rate),
    ("NPS", "NPS", "nps", F.points),
    ("超时率", "超时率", "overdue_rate", F.rate),
)


def headline_cards(kpis: Mapping, targets: list[dict]) -> list[dict]:
    """The headline cards: volumes, then the key figures coloured by their KPI目标 verdict
    (green 达标, red 未达标, grey 无数据 or no target) — the same verdicts as section 一."""
    verdicts = {row["name"]: (row["verdict"], row["target"]) for row in targets}
    cards = [
        {"label": "受理工单", "value": F.count(kpis["tickets"]), "class": ""},
        {"label": "已完成", "value": F.count(kpis["completed"]), "class": ""},
        {"label": "当前积压", "value": F.count(kpis["backlog"]), "class": "warn" if kpis["backlog"] else ""},
    ]
    for label, target_name, key, fmt in HEADLINES:
        outcome, target = verdicts.get(target_name, ("", "—"))
        note = f"{outcome}（目标 {target}）" if outcome in (F.MET, F.MISSED) else ""
        cards.append({"label": label, "value": fmt(kpis[key]), "note": note,
                      "class": F.verdict_class(outcome) if outcome else ""})
    return cards


def sla_rows(kpis: Mapping, targets: Mapping) -> list[dict]:
    rows = []
    for stage in STAGES:
        rate = kpis["sla_rates"][stage]
        target = targets.get(f"{stage}达标率")
        outcome = verdict(rate, target) if target else (F.NO_DATA if rate is None else "")
        rows.append({"stage": stage, "rate": F.rate(rate), "counted": F.count(kpis["sla_counted"][stage]),
                     "target": F.rate(target.value) if target else "—", "verdict": outcome,
                     "verdict_class": F.verdict_class(outcome) if outcome else "",
                     "rate_value": F.finite(rate), "target_value": target.value if target else None})
    return rows


def staff_rows(kpis: Mapping) -> list[dict]:
    return [{"name": cell(p["name"]), "department": cell(p["department"]), "tickets": F.count(p["tickets"]),
             "completed": F.count(p["completed"]), "resolution": F.number(p["resolution_hours_avg"]),
             "sla": F.rate(p["resolution_sla_rate"]), "surveys": F.count(p["surveys"]), "csat": F.rate(p["csat_rate"])}
            for p in kpis["staff"]]


def figure_rows(figures, kpis: Mapping, targets: Mapping | None = None) -> list[dict]:
    """Rows of a section of the summary model (macros.summary): label, formatted value, definition,
    and the verdict class where the figure has a KPI目标 target."""
    rows = []
    for figure in figures:
        outcome = figure_verdict(figure, kpis, targets) if targets is not None else None
        rows.append({"name": figure.name, "value": F.value(figure.kind, kpis[figure.key]),
                     "note": figure.note_for(kpis) or "", "verdict": outcome or "",
                     "verdict_class": F.verdict_class(outcome) if outcome else ""})
    return rows



def daily_volume(frames: Mapping[str, pd.DataFrame], first: dt.date, last: dt.date) -> tuple[list[str], list[int]]:
    """Tickets received on each day of the month."""
    received = sheet_frame(frames, S.INTAKE)["受理时间"]
    received = received[within(received, first, last)]
    counts = received.dt.date.value_counts()
    days = [first + dt.timedelta(days=i) for i in range(F.days_in(first, last))]
    return [f"{d:%m-%d}" for d in days], [int(counts.get(d, 0)) for d in days]


def _limited(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    return frame.head(LIST_LIMIT), max(0, len(frame) - LIST_LIMIT)


def month_complaints(frames: Mapping[str, pd.DataFrame], first: dt.date, last: dt.date) -> dict:
    """The month's complaints: in the body, the count by 二级标签 and the open ones (oldest first,
    at most BRIEF_LIMIT); in the appendix, every complaint (at most LIST_LIMIT)."""
    intake = sheet_frame(frames, S.INTAKE)
    chosen = intake[within(intake["受理时间"], first, last) & (intake["需求类型"] == "投诉类")]
    chosen = chosen.sort_values("受理时间", kind="stable")
    still_open = chosen[chosen["当前状态"].isin(S.OPEN_STATES)]
    labels = chosen["二级标签"].where(chosen["二级标签"].notna() & (chosen["二级标签"].astype(str) != ""), "（未填）")
    listed, more = _limited(chosen)
    return {
        "headers": COMPLAINT_HEADERS,
        "brief_headers": BRIEF_COMPLAINT_HEADERS,
        "total": len(chosen),
        "open_count": len(still_open),
        "by_label": _share_rows(labels.value_counts().to_dict(), len(chosen)),
        "open_rows": customer_rows(still_open.head(BRIEF_LIMIT), BRIEF_COMPLAINT_COLUMNS),
        "open_more": max(0, len(still_open) - BRIEF_LIMIT),
        "rows": customer_rows(listed, COMPLAINT_COLUMNS),
        "more": more,
    }


def unsatisfied_surveys(frames: Mapping[str, pd.DataFrame], first: dt.date, last: dt.date) -> dict:
    """The month's low-score surveys, lowest first: BRIEF_LIMIT in the body, the rest in the appendix."""
    surveys = sheet_frame(frames, S.SURVEY)
    chosen = surveys[within(surveys["回访时间"], first, last) & S.low_score_surveys(surveys)]
    chosen = chosen.sort_values(["总体满意度", "回访时间"], kind="stable")
    listed, more = _limited(chosen)
    return {
        "headers": ["工单号", "回访时间", "回访对象", "总体满意度", "推荐意愿", "改进建议", "二次处理工单号"],
        "total": len(chosen),
        "brief": customer_rows(chosen.head(BRIEF_LIMIT), SURVEY_COLUMNS),
        "rows": customer_rows(listed, SURVEY_COLUMNS),
        "more": more,
        "below": S.SURVEY_LOW_SCORE,
    }


def monthly_charts(kpis: Mapping, sla: list[dict], days: list[str], per_day: list[int]) -> dict:
    total = kpis["tickets"]
    types = kpis["tickets_by_type"]
    channels = {k: v for k, v in kpis["tickets_by_channel"].items() if v}
    return {
        "daily": charts.daily("monthly-daily", "每日受理工单量", days, per_day, caption="按受理时间统计"),
        "types": charts.bars("monthly-types", "工单量：按需求类型", list(types), list(types.values()),
                             lambda v: f"{v:.0f} 张（{v / total:.0%}）" if total else f"{v:.0f}",
                             width=charts.HALF_WIDTH) if total else None,
        "channels": charts.bars("monthly-channels", "工单量：按需求来源", list(channels), list(channels.values()),
                                lambda v: f"{v:.0f} 张", color=charts.PALETTE[1], width=charts.HALF_WIDTH) if total else None,
        "sla": charts.bars("monthly-sla", "各环节时限达标率", [r["stage"] for r in sla], [
            None if r["rate_value"] is None else r["rate_value"] * 100 for r in sla], lambda v: f"{v:.1f}%",
            targets=[None if r["target_value"] is None else r["target_value"] * 100 for r in sla], limit=118,
            colors=[charts.NEUTRAL if r["rate_value"] is None else charts.BAD if r["verdict"] == F.MISSED
                    else charts.ACCENT for r in sla],
            caption="达标率 = 在时限内完成该环节的工单占比；竖线为「KPI目标」中的目标值"),
        "problems": charts.bars("monthly-problems", "高频问题类型（二级标签）",
                                [p["name"] for p in kpis["top_problem_types"]],
                                [p["count"] for p in kpis["top_problem_types"]], lambda v: f"{v:.0f} 张",
                                color=charts.PALETTE[2], width=charts.HALF_WIDTH),
        "models": charts.bars("monthly-models", "高频产品型号", [p["name"] for p in kpis["top_product_models"]],
                              [p["count"] for p in kpis["top_product_models"]], lambda v: f"{v:.0f} 张",
                              color=charts.PALETTE[4], width=charts.HALF_WIDTH),
    }


def monthly_context(frames: Mapping[str, pd.DataFrame], settings, *, now: dt.datetime, source: str,
                    month: str | None = None, problems: int = 0) -> dict:
    """The 月度服务报告 context. ``month`` is "YYYY-MM" (ValueError with the fix otherwise)."""
    deadline_day = int(settings.number("月报截止日", DEFAULT_DEADLINE_DAY))
    month = report_month(month, now, deadline_day)
    first, last = month_bounds(month)
    kpis = compute_kpis(frames, first, last, now=now, csat_threshold=settings.csat_threshold,
                        calendar=settings.calendar)
    targets = settings.targets
    deadline = summary_deadline(last, deadline_day)
    outcome, sentence = deadline_verdict(last, deadline, now)
    alerts = evaluate_triggers(frames, now=now, settings_or_thresholds=settings, kpis=kpis)
    sla = sla_rows(kpis, targets)
    target_list = target_rows(kpis, targets)
    days, per_day = daily_volume(frames, first, last)
    total = kpis["tickets"]
    k = kpis
    return {
        "meta": header(f"{first.year}年{first.month}月 售后服务月度报告", now=now, source=source, problems=problems,
                       subtitle=f"统计期间：{F.period(first, last)}（按受理时间）"),
        "month": month,
        "has_data": bool(total),
        "deadline": {"verdict": outcome, "class": F.verdict_class(outcome), "sentence": sentence,
                     "date": f"{deadline:%Y-%m-%d}"},
        "cards": headline_cards(kpis, target_list),
        "targets": target_list,
        "volume": {
            "summary": figure_rows(VOLUME, k),
            "breakdowns": [{"title": title, "rows": _share_rows(k[key], total)} for title, key in BREAKDOWNS],
        },
        "times": [  # hours without the unit: the table's headers say 小时
            {"name": name, "avg": F.number(k[mean]), "median": F.number(k[median]) if median else "—",
             "work": F.number(k[work]) if work else "—", "count": F.count(k[counted])}
            for name, mean, median, work, counted in TIMES],
        "work_hours_skipped": k["work_hours_skipped"],
        "sla": sla,
        "overdue": {"rate": F.rate(k["overdue_rate"]), "assessed": F.count(k["overdue_assessed"])},
        "experience": figure_rows(EXPERIENCE, k),
        "costs": figure_rows(COSTS, k),
        "top": [{"title": title, "rows": [
                    {"name": p["name"], "count": F.count(p["count"]), "share": F.rate(p["count"] / total)}
                    for p in k[key]]} for title, key in TOP],
        "staff": staff_rows(kpis),
        "complaints": month_complaints(frames, first, last),
        "surveys": unsatisfied_surveys(frames, first, last),
        "alerts": [{"name": a.name, "verdict": a.verdict, "class": F.verdict_class(a.verdict),
                    "explanation": a.explanation} for a in alerts],
        "charts": monthly_charts(kpis, sla, days, per_day),
        "notes": list(NOTES),
        "staffing": staffing_section(frames, settings, first, last, now=now),
    }


# ---- 人员配置 (SPEC §10): the month's required vs actual head-count, next month's estimate ----------
def _gap(gap: int | None) -> dict:
    if gap is None:
        return {"text": "—", "class": ""}
    return {"text": f"{gap:+d}" if gap else "0", "class": "bad" if gap < 0 else "good"}


def staffing_section(frames: Mapping[str, pd.DataFrame], settings, first: dt.date, last: dt.date, *,
                     now: dt.datetime) -> dict:
    from macros.staffing import monthly_staffing

    plan = monthly_staffing(frames, settings, first, last, now=now)
    p = plan["params"]
    return {
        "month": plan["month"], "next_month": plan["next_month"], "basis": plan["basis"],
        "summary": f"依据 {plan['month']} 受理的 {F.count(plan['tickets'])} 张工单（{plan['working_days']} 个工作日），"
                   f"复杂工单占比 {F.rate(plan['complex_share'])}；服务水平 {p.target_level:.0%} 在 "
                   f"{p.target_seconds:g} 秒内接通，缺勤与非生产时间 {p.shrinkage:.0%}，不含积压。",
        "rows": [{"role": r["role"], "model": r["model"], "daily": F.number(r["daily_tickets"]),
                  "required": F.count(r["required"]), "handled": F.count(r["handled"]) if r["handled"] is not None else "—",
                  "on_duty": F.count(r["on_duty"]), "gap": _gap(r["gap"]),
                  "next_required": F.count(r["next_required"]), "next_gap": _gap(r["next_gap"])}
                 for r in plan["rows"]],
    }

