"""优化效果评估报告 (seed 000, 复盘固化 step 1): the baseline period against the evaluation period.

Three dimensions — 客户体验 (CSAT, satisfaction score, NPS, complaint repeat rate), 运营效率
(first response, complaint first response, resolution, 一次性问题解决率, tickets per person) and
成本控制 (travel, parts/repair and compensation per ticket) — each figure against its target: the
KPI目标 sheet's absolute targets on the evaluation period, and seed 000's improvement standards
(complaint first response −30%, CSAT +10 points, 一次性问题解决率 ≥ 85%). Then a conclusion
written from the numbers, and the execution checklist's state.

Pure: frames (after checklist_step), settings, ``now`` in; a plain dict out. The KPIs come from
``macros.kpi.compute_kpis``; 一次性问题解决率 from ``macros.project.first_contact_resolution`` so the
figure matches the checklist row that judges the same standard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from macros.kpi import baseline_changes, compute_kpis, monthly_trend, sheet_frame, verdict, within
from macros.project import first_contact_resolution
from macros.settings import Target
from reports import charts
from reports import formatting as F
from reports.checklist import checklist_rows, checklist_summary, dimension_chart
from reports.common import customer_rows, header
from workbook import schema as S

CX, OPS, COST = "客户体验", "运营效率", "成本控制"
DIMENSIONS = (CX, OPS, COST)
UP, DOWN, NEUTRAL = "up", "down", None

# Seed 000's improvement standards, used when the KPI目标 sheet has no row of that name.
SEED_TARGETS = {name: Target(*S.TARGET_DEFAULTS[name])
                for name in ("投诉首次响应缩短率", "CSAT提升(百分点)", "一次性问题解决率")}
IMPROVEMENT_TARGETS = ("投诉首次响应缩短率", "CSAT提升(百分点)")
TREND_MONTH_LIMIT = 24
VOICES_LIMIT = 10


@dataclass(frozen=True)
class Metric:
    """One compared figure: where it sits, its key in the period figures, unit kind and direction."""

    dimension: str
    name: str
    key: str
    kind: str
    better: str | None
    target: str | None = None  # a KPI目标 row judged on the evaluation value, or an improvement target
    sample: str | None = None  # the period figure counting what the value rests on


METRICS = (
    Metric(CX, "客户满意度(CSAT)", "csat_rate", "rate", UP, "CSAT提升(百分点)", "surveys"),
    Metric(CX, "满意度得分", "satisfaction_score", "points", UP, "满意度得分", "surveys"),
    Metric(CX, "NPS", "nps", "points", UP, "NPS", "nps_responses"),
    Metric(CX, "投诉重复率", "complaint_repeat_rate", "rate", DOWN, "投诉重复率", "complaints"),
    Metric(OPS, "投诉平均首次响应时长", "complaint_first_response_hours_avg", "hours", DOWN, "投诉首次响应缩短率",
           "complaints"),
    Metric(OPS, "平均首次响应时长", "first_response_hours_avg", "hours", DOWN, "平均首次响应时长(小时)",
           "first_response_count"),
    Metric(OPS, "平均解决时长", "resolution_hours_avg", "hours", DOWN, "平均解决时长(小时)", "resolution_count"),
    Metric(OPS, "一次性问题解决率", "fcr_rate", "rate", UP, "一次性问题解决率", "fcr_completed"),
    Metric(OPS, "人均月工单量", "tickets_per_staff_month", "number", NEUTRAL, None, "staff_count"),
    Metric(COST, "单均服务成本", "cost_per_ticket", "money", DOWN, "单均成本(元)", "tickets"),
    Metric(COST, "单均差旅费", "travel_per_ticket", "money", DOWN),
    Metric(COST, "单均配件/维修费", "parts_per_ticket", "money", DOWN),
    Metric(COST, "单均赔偿金额", "compensation_per_ticket", "money", DOWN),
)
SAMPLE_WORDS = {
    "surveys": "调研 {} 份", "nps_responses": "有推荐意愿的调研 {} 份", "complaints": "投诉 {} 张",
    "first_response_count": "已响应 {} 张", "resolution_count": "已完成 {} 张", "fcr_completed": "已完成 {} 张",
    "staff_count": "处理人 {} 人", "tickets": "工单 {} 张",
}
NOTES = (
    "工单按受理时间归入期间，调研按回访时间归入期间；时长为自然小时（受理时间起算）。",
    f"一次性问题解决率与KPI看板、执行检查表同口径（期内受理的工单）：{S.KPI_DEFINITIONS['一次性问题解决率']}。",
    "人均月工单量 = 期内工单量 ÷ 期内处理人人数 ÷ 期间天数 × 30，使长短不同的两期可比；成本按单均比较，合计见成本明细。",
    "目标来自「KPI目标」表；投诉首次响应缩短≥30%、CSAT提升≥10个百分点、一次性问题解决率≥85% 为优化方案执行检查单的改进标准（表中无对应行时采用）。",
)


# ---- periods ------------------------------------------------------------------------------------
def period_issues(baseline: tuple[dt.date, dt.date] | None, evaluation: tuple[dt.date, dt.date] | None) -> list[str]:
    """What stops the comparison: a period not set or set backwards (Chinese, with the fix)."""
    issues = []
    for name, period in (("基线期", baseline), ("评估期", evaluation)):
        if period is None:
            issues.append(f"未设置{name}：请在「系统参数」表填写「{name}开始」和「{name}结束」（日期，如 2026-06-01）。")
        elif period[0] > period[1]:
            issues.append(f"{name}开始（{period[0]:%Y-%m-%d}）晚于结束（{period[1]:%Y-%m-%d}）：请在「系统参数」表更正。")
    return issues


def period_notes(baseline, evaluation, now: dt.datetime) -> list[str]:
    """Cautions that do not stop the comparison."""
    notes = []
    if baseline[1] >= evaluation[0]:
        notes.append("基线期与评估期有重叠或评估期早于基线期，对比结果可能失真，请核对「系统参数」中的期间。")
    if evaluation[1] > now.date():
        notes.append(f"评估期尚未结束（至 {evaluation[1]:%Y-%m-%d}），数据截至报告生成时 {now:%Y-%m-%d %H:%M}。")
    if F.days_in(*evaluation) < 28:
        notes.append("评估期不足1个月：优化方案执行检查单建议优化方案执行满1个月后再做效果评估。")
    return notes


# ---- figures of one period ------------------------------------------------------------------------
def period_figures(frames: Mapping[str, pd.DataFrame], period: tuple[dt.date, dt.date], *, now: dt.datetime,
                   csat_threshold: float) -> dict:
    """The KPIs of a period plus the figures this report derives from them."""
    kpis = compute_kpis(frames, *period, now=now, csat_threshold=csat_threshold)
    tickets = kpis["tickets"]
    completed, solved = first_contact_resolution(sheet_frame(frames, S.INTAKE), sheet_frame(frames, S.SERVICE), period)
    per_staff = kpis["tickets_per_staff"]
    return kpis | {
        "fcr_completed": completed,
        "fcr_rate": solved / completed if completed else None,
        "tickets_per_staff_month": None if per_staff is None else per_staff / F.days_in(*period) * 30,
        "travel_per_ticket": kpis["cost_travel"] / tickets if tickets else None,
        "parts_per_ticket": kpis["cost_parts_repair"] / tickets if tickets else None,
        "compensation_per_ticket": kpis["cost_compensation"] / tickets if tickets else None,
        "days": F.days_in(*period),
    }


def targets_of(settings) -> dict[str, Target]:
    """KPI目标 targets (Settings reads 85 % typed as 85 as 0.85), seed 000's standards filling gaps."""
    out = dict(SEED_TARGETS)
    for name, target in (getattr(settings, "targets", None) or {}).items():
        out[name] = Target(target.value, target.compare, target.unit)
    return out


def target_text(metric: Metric, target: Target) -> str:
    """The target as a reader sees it: ≤ 4.0 小时, 较基线期缩短 ≥ 30.0%, ≥ 85.0% …"""
    if metric.target == "投诉首次响应缩短率":
        return f"较基线期缩短 {target.compare} {F.rate(target.value)}"
    if metric.target == "CSAT提升(百分点)":
        return f"较基线期提升 {target.compare} {target.value:g} 个百分点"
    return f"{target.compare} {F.value(metric.kind, target.value)}"


def trend_word(metric: Metric, before, after) -> str:
    """改善 / 恶化 / 持平 — or nothing for a figure without a better direction or without data."""
    if metric.better is None or F.missing(before) or F.missing(after):
        return ""
    if abs(after - before) < 1e-9:
        return "持平"
    return "改善" if (after > before) == (metric.better == UP) else "恶化"


def metric_rows(before: Mapping, after: Mapping, targets: Mapping[str, Target]) -> list[dict]:
    """One row per compared figure with its target and verdict."""
    changes = baseline_changes(after, before)
    rows = []
    for metric in METRICS:
        b, a = before.get(metric.key), after.get(metric.key)
        target = targets.get(metric.target) if metric.target else None
        if target is None:
            judged, outcome = None, ""
        elif metric.target in IMPROVEMENT_TARGETS:
            judged = changes[metric.target]
            outcome = verdict(judged, target)
        else:
            judged = a
            outcome = verdict(a, target)
        trend = trend_word(metric, b, a)
        sample = ""
        if metric.sample:
            word = SAMPLE_WORDS[metric.sample]
            sample = f"基线 {word.format(before.get(metric.sample, 0))}；评估 {word.format(after.get(metric.sample, 0))}"
        rows.append({
            "dimension": metric.dimension, "name": metric.name, "kind": metric.kind,
            "baseline": F.value(metric.kind, b), "evaluation": F.value(metric.kind, a),
            "baseline_value": F.finite(b), "evaluation_value": F.finite(a),
            "change": F.change(metric.kind, b, a), "trend": trend, "trend_class": F.verdict_class(trend),
            "target": target_text(metric, target) if target else "—",
            "verdict": outcome, "verdict_class": F.verdict_class(outcome) if outcome else "",
            "judged": F.finite(judged), "sample": sample,
        })
    return rows


# ---- charts -------------------------------------------------------------------------------------
def _pair(rows: list[dict], names: tuple[str, ...], scale: float = 1.0) -> tuple[list, list]:
    chosen = [next(r for r in rows if r["name"] == n) for n in names]
    scaled = [[None if r[k] is None else r[k] * scale for r in chosen] for k in ("baseline_value", "evaluation_value")]
    return scaled[0], scaled[1]


def comparison_charts(rows: list[dict]) -> dict:
    """Baseline vs evaluation bars for each dimension."""
    series = ("基线期", "评估期")
    rates_before, rates_after = _pair(rows, ("客户满意度(CSAT)", "投诉重复率"), 100)
    scores_before, scores_after = _pair(rows, ("满意度得分", "NPS"))
    cx = charts.panel_bars(
        "evaluation-cx", "客户体验：基线期与评估期对比", [
            ("CSAT（%）", [rates_before[0], rates_after[0]], lambda v: f"{v:.1f}%"),
            ("投诉重复率（%）", [rates_before[1], rates_after[1]], lambda v: f"{v:.1f}%"),
            ("满意度得分（分）", [scores_before[0], scores_after[0]], lambda v: f"{v:.1f}"),
            ("NPS（分）", [scores_before[1], scores_after[1]], lambda v: f"{v:.1f}")],
        series, caption="每项指标各用一根纵轴；投诉重复率越低越好，其余越高越好")
    hours_names = ("投诉平均首次响应时长", "平均首次响应时长", "平均解决时长")
    before, after = _pair(rows, hours_names)
    ops = charts.compare_bars(
        "evaluation-ops", "运营效率：平均时长（小时）", ["投诉首次响应", "首次响应", "解决"],
        [(series[0], before), (series[1], after)], lambda v: f"{v:.1f}", caption="受理时间起算的自然小时，越短越好")
    cost_names = ("单均差旅费", "单均配件/维修费", "单均赔偿金额", "单均服务成本")
    before, after = _pair(rows, cost_names)
    cost = charts.compare_bars(
        "evaluation-cost", "成本控制：单均成本（元）", ["差旅费", "配件/维修费", "赔偿金额", "合计"],
        [(series[0], before), (series[1], after)], lambda v: f"{v:,.0f}", caption="服务过程记录表的费用合计 ÷ 期内工单量")
    return {CX: cx, OPS: ops, COST: cost}


def months_between(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months from ``first`` to ``last`` as (first day, last day), at most TREND_MONTH_LIMIT."""
    months = []
    for period in pd.period_range(pd.Period(first, "M"), pd.Period(last, "M"), freq="M")[-TREND_MONTH_LIMIT:]:
        months.append((period.start_time.date(), period.end_time.date()))
    return months


def trend_chart(frames: Mapping[str, pd.DataFrame], baseline, evaluation, *, now: dt.datetime,
                csat_threshold: float) -> dict | None:
    """CSAT and complaint first response month by month across both periods."""
    first, last = min(baseline[0], evaluation[0]), max(baseline[1], evaluation[1])
    months = months_between(first, min(last, max(now.date(), first)))
    figures = monthly_trend(frames, months, csat_threshold=csat_threshold)
    labels = [f"{start:%Y-%m}" for start, _end in months]

    def span(period, label, colour):
        inside = [i for i, (start, end) in enumerate(months) if start <= period[1] and end >= period[0]]
        return (label, inside[0], inside[-1], colour) if inside else None

    spans = [s for s in (span(baseline, "基线期", charts.BASELINE), span(evaluation, "评估期", charts.ACCENT)) if s]
    return charts.trend(
        "evaluation-trend", "月度趋势", labels,
        [("客户满意度 CSAT（%）", [None if k["csat_rate"] is None else k["csat_rate"] * 100 for k in figures],
          lambda v: f"{v:.0f}%"),
         ("投诉平均首次响应（小时）", [k["complaint_first_response_hours_avg"] for k in figures], lambda v: f"{v:.1f}")],
        spans=spans, caption="按受理月份（CSAT 按回访月份）统计；阴影为基线期与评估期")


# ---- customer voices ------------------------------------------------------------------------------
def customer_voices(frames: Mapping[str, pd.DataFrame], evaluation: tuple[dt.date, dt.date]) -> list[list[str]]:
    """The evaluation period's survey suggestions, least satisfied first (names masked)."""
    surveys = sheet_frame(frames, S.SURVEY)
    chosen = surveys[within(surveys["回访时间"], *evaluation) & surveys["改进建议"].notna()
                     & (surveys["改进建议"].astype(str).str.strip() != "")]
    chosen = chosen.sort_values(["总体满意度", "回访时间"], na_position="last", kind="stable").head(VOICES_LIMIT)
    return customer_rows(chosen, ["回访时间", "回访对象", "总体满意度", "推荐意愿", "改进建议"])


# ---- conclusion ---------------------------------------------------------------------------------
def _sentence(row: dict) -> str:
    name, b, a = row["name"], row["baseline_value"], row["evaluation_value"]
    if b is None or a is None:
        text = f"{name}基线期为{row['baseline']}、评估期为{row['evaluation']}，数据不足以对比"
    else:
        verb = "持平于" if row["trend"] == "持平" or abs(a - b) < 1e-9 else ("升至" if a > b else "降至")
        text = f"{name}由 {row['baseline']} {verb} {row['evaluation']}（{row['change']}）"
    if row["verdict"] == F.MET:
        text += f"，达到目标（{row['target']}）"
    elif row["verdict"] == F.MISSED:
        text += f"，未达到目标（{row['target']}）"
    elif row["verdict"] == F.NO_DATA:
        text += "，无法判定是否达标"
    return text


def conclusion(rows: list[dict], before: Mapping, after: Mapping, baseline, evaluation, checklist: dict) -> list[str]:
    """The conclusion as Chinese paragraphs, written from the numbers."""
    judged = [r for r in rows if r["verdict"]]
    met = [r for r in judged if r["verdict"] == F.MET]
    missed = [r for r in judged if r["verdict"] == F.MISSED]
    unknown = [r for r in judged if r["verdict"] == F.NO_DATA]
    opening = (f"本报告对比基线期（{F.period(*baseline)}，工单 {before['tickets']} 张）与评估期"
               f"（{F.period(*evaluation)}，工单 {after['tickets']} 张）的服务数据。"
               f"共 {len(judged)} 项指标设有目标：达标 {len(met)} 项，未达标 {len(missed)} 项")
    opening += f"，无法判定 {len(unknown)} 项。" if unknown else "。"
    paragraphs = [opening]
    for dimension in DIMENSIONS:
        parts = [_sentence(r) for r in rows if r["dimension"] == dimension and (r["verdict"] or r["trend"])]
        if parts:
            paragraphs.append(f"{dimension}：" + "；".join(parts) + "。")
    if not after["tickets"] and not before["tickets"]:
        overall = "总体评价：两个期间都没有工单数据，无法评估优化效果。"
    elif not judged or len(unknown) == len(judged):
        overall = "总体评价：数据不足，无法判断优化目标是否达成。"
    elif not missed and not unknown:
        overall = ("总体评价：各项目标均已达成，优化措施效果显著；建议将验证有效的措施固化为标准流程"
                   "（《售后服务流程手册》），并纳入季度复盘。")
    elif not missed:
        overall = (f"总体评价：可判定的目标均已达成；{'、'.join(r['name'] for r in unknown)}数据不足，"
                   "建议补充数据后复核。")
    else:
        share = len(met) / len(judged)
        lead = "大部分目标已达成" if share >= 2 / 3 else ("部分目标已达成" if met else "目标均未达成")
        overall = (f"总体评价：{lead}（{len(met)}/{len(judged)}）；未达标的{'、'.join(r['name'] for r in missed)}"
                   "需纳入下一轮优化，明确责任人与完成时间。")
    paragraphs.append(overall)
    paragraphs.append(checklist["sentence"])
    return paragraphs


# ---- the context ----------------------------------------------------------------------------------
def evaluation_context(frames: Mapping[str, pd.DataFrame], settings, *, now: dt.datetime, source: str,
                       problems: int = 0) -> dict:
    """The 优化效果评估报告 context."""
    baseline, evaluation = settings.period("基线期"), settings.period("评估期")
    rows = checklist_rows(frames.get(S.CHECKLIST.name))
    checklist = checklist_summary(rows)
    context = {
        "meta": header("售后服务流程优化效果评估报告", now=now, source=source, problems=problems,
                       subtitle="客户体验 · 运营效率 · 成本控制：优化前（基线期）与优化后（评估期）对比"),
        "baseline": F.period(*baseline) if baseline else "未设置",
        "evaluation": F.period(*evaluation) if evaluation else "未设置",
        "issues": period_issues(baseline, evaluation),
        "notes": [],
        "cards": [],
        "dimensions": [],
        "charts": {},
        "trend": None,
        "conclusion": [],
        "voices": [],
        "costs": [],
        "checklist": checklist,
        "checklist_present": S.CHECKLIST.name in frames,
        "checklist_chart": dimension_chart(rows, "evaluation-checklist"),
        "definitions": list(NOTES),
    }
    if context["issues"]:
        missing = "、".join(name for name, period in (("基线期", baseline), ("评估期", evaluation))
                           if period is None or period[0] > period[1])
        context["conclusion"] = [f"无法对比优化前后的数据：{missing}未设置或有误（见上方提示）。"
                                 "在「系统参数」中更正后重新生成本报告，即可得到各项指标的对比与评估结论。",
                                 checklist["sentence"]]
        return context
    threshold = settings.csat_threshold
    before = period_figures(frames, baseline, now=now, csat_threshold=threshold)
    after = period_figures(frames, evaluation, now=now, csat_threshold=threshold)
    metric_table = metric_rows(before, after, targets_of(settings))
    judged = [r for r in metric_table if r["verdict"]]
    context.update({
        "notes": period_notes(baseline, evaluation, now),
        "cards": [
            {"label": "基线期工单", "value": F.count(before["tickets"]), "class": ""},
            {"label": "评估期工单", "value": F.count(after["tickets"]), "class": ""},
            {"label": "目标达标", "value": f"{sum(r['verdict'] == F.MET for r in judged)} 项", "class": "good"},
            {"label": "目标未达标", "value": f"{sum(r['verdict'] == F.MISSED for r in judged)} 项",
             "class": "bad" if any(r["verdict"] == F.MISSED for r in judged) else ""},
            {"label": "检查表不合格", "value": f"{checklist['counts']['不合格']} 项",
             "class": "bad" if checklist["counts"]["不合格"] else ""},
            {"label": "未关闭整改", "value": f"{checklist['open']} 项", "class": "warn" if checklist["open"] else ""},
        ],
        "dimensions": [{"name": d, "rows": [r for r in metric_table if r["dimension"] == d]} for d in DIMENSIONS],
        "charts": comparison_charts(metric_table),
        "costs": cost_rows(before, after),
        "trend": trend_chart(frames, baseline, evaluation, now=now, csat_threshold=threshold),
        "conclusion": conclusion(metric_table, before, after, baseline, evaluation, checklist),
        "voices": customer_voices(frames, evaluation),
    })
    return context


def cost_rows(before: Mapping, after: Mapping) -> list[dict]:
    """Cost totals of each period (the per-ticket comparison is in the metric table)."""
    out = []
    for name, key in (("差旅费", "cost_travel"), ("配件/维修费", "cost_parts_repair"), ("赔偿金额", "cost_compensation"),
                      ("合计", "cost_total")):
        out.append({"name": name, "baseline": F.money(before[key]), "evaluation": F.money(after[key])})
    out.append({"name": "工单量", "baseline": F.count(before["tickets"]), "evaluation": F.count(after["tickets"])})
    out.append({"name": "期间天数", "baseline": f"{before['days']} 天", "evaluation": f"{after['days']} 天"})
    return out
