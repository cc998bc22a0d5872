"""Optimisation triggers (seed 004, SPEC §6): when to start a customer-service process review.

``evaluate_triggers`` is pure: frames, ``now``, the thresholds and the period's KPIs in, one
``Alert`` per rule out (fired or not, with the numbers it looked at). Thresholds come from the
优化触发阈值 sheet plus 系统参数 行业响应基准(小时); anything missing takes the schema's default.

The rules and the decisions where seed 004 is silent:

- 投诉量连续激增: the complaints (需求类型 投诉类, by 受理时间) of the last N+1 complete ISO weeks
  before ``now`` (Monday–Sunday; the week holding ``now`` is not complete and is left out), N =
  投诉增幅连续周数. Fires when each of the last N week-on-week changes is ≥ 投诉量周环比增幅. A week
  that follows a week with no complaints has no growth rate and breaks the run. Value: the
  smallest of the N changes.
- 投诉集中于单一问题类型: over the complaints of those same weeks, the share of the most frequent
  二级标签 (blank tags count in the total, never as a type). Fires when it is above
  单一问题类型投诉占比.
- 平均响应慢于行业基准: the period's average first response (``first_response_hours_avg``, the
  figure on the board) above 行业响应基准(小时).
- 满意度得分低于下限: the period's ``satisfaction_score`` below 满意度得分下限.
- 负面反馈关键词占比: "negative feedback" is the 改进建议 of the period's surveys (回访时间 in the
  period) whose 总体满意度 is below 7 — seed 001's threshold for an unsatisfied customer — plus the
  问题描述 of the period's complaints; blank texts are left out. Fires when the share of those
  texts containing any 负面关键词 is above 负面关键词占比.

Thresholds may be typed as fractions (0.3), percentage cells, or text like "30%". A share
threshold (单一问题类型投诉占比, 负面关键词占比) above 1 is read as a whole percentage (40 → 40%);
a growth threshold is always a fraction (1.5 = +150%), since growth can exceed 100%.
A rule with nothing to look at does not fire; its value is None (无数据).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Mapping

import pandas as pd

from macros.kpi import sheet_frame, within
from macros.settings import split_list
from udfs.values import parse_number, parse_share
from workbook import schema as S

BENCHMARK = "行业响应基准(小时)"
GROWTH = "投诉量周环比增幅"
GROWTH_WEEKS = "投诉增幅连续周数"
CONCENTRATION = "单一问题类型投诉占比"
SCORE_FLOOR = "满意度得分下限"
NEGATIVE_SHARE = "负面关键词占比"
NEGATIVE_WORDS = "负面关键词"
SHARE_THRESHOLDS = (CONCENTRATION, NEGATIVE_SHARE)  # shares cannot exceed 100%
DEFAULTS: dict[str, object] = {row[0]: row[1] for row in S.TRIGGER_ROWS}
DEFAULTS[BENCHMARK] = next(row[1] for row in S.PARAMS_ROWS if row[0] == BENCHMARK)


@dataclass(frozen=True)
class Alert:
    """One optimisation trigger: whether it fired, on what value, against what threshold, and why."""

    name: str
    fired: bool
    value: float | None
    threshold: float | None
    explanation: str
    compare: str = "≥"  # how the value is compared with the threshold for the alert to fire
    period: str = ""  # the data the rule looked at

    @property
    def verdict(self) -> str:
        """触发 / 未触发 / 无数据, as the KPI看板 shows it."""
        if self.fired:
            return "触发"
        return "无数据" if self.value is None else "未触发"

    def as_dict(self) -> dict:
        return asdict(self) | {"verdict": self.verdict}


# ---- thresholds ------------------------------------------------------------------------------------
def thresholds_of(settings_or_thresholds) -> dict[str, object]:
    """The trigger thresholds from a Settings object or a plain {name: value} mapping, with defaults."""
    if hasattr(settings_or_thresholds, "triggers"):
        given = dict(settings_or_thresholds.triggers)
        given[BENCHMARK] = settings_or_thresholds.params.get(BENCHMARK)
    else:
        given = dict(settings_or_thresholds or {})
    out = dict(DEFAULTS)
    for name, value in given.items():
        if value is not None and not (isinstance(value, float) and pd.isna(value)) and value != "":
            out[name] = value
    for name in DEFAULTS:
        if name == NEGATIVE_WORDS:
            continue
        out[name] = _number(out[name], DEFAULTS[name], share=name in SHARE_THRESHOLDS)
    out[GROWTH_WEEKS] = max(1, int(out[GROWTH_WEEKS]))
    words = out[NEGATIVE_WORDS]
    out[NEGATIVE_WORDS] = tuple(words) if isinstance(words, (list, tuple)) else split_list(words)
    return out


def _number(value, default, *, share: bool) -> float:
    """A threshold cell: "30%"/"30％" is 0.3; a share above 1 is a whole percentage (udfs.values)."""
    try:
        number = parse_share(value) if share else parse_number(value)
    except (TypeError, ValueError):
        return float(default)
    return float(default) if number is None else number


# ---- helpers ---------------------------------------------------------------------------------------
def complete_weeks(now: dt.datetime, count: int) -> list[dt.date]:
    """Mondays of the last ``count`` complete ISO weeks before ``now``, oldest first."""
    this_monday = now.date() - dt.timedelta(days=now.weekday())
    return [this_monday - dt.timedelta(weeks=k) for k in range(count, 0, -1)]


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _week_label(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    return f"{monday:%m/%d}–{sunday:%m/%d}"


def _texts(values: pd.Series) -> pd.Series:
    """The non-blank texts of a column."""
    texts = values.dropna().astype(str)
    return texts[texts.str.strip() != ""]


def _parse_day(text) -> dt.date:
    return text if isinstance(text, dt.date) else dt.date.fromisoformat(str(text)[:10])


# ---- the rules -------------------------------------------------------------------------------------
def complaint_surge(complaints: pd.DataFrame, mondays: list[dt.date], growth: float, weeks: int) -> Alert:
    """Complaints up by ``growth`` or more week on week, ``weeks`` weeks running."""
    counts = [int(within(complaints["受理时间"], m, m + dt.timedelta(days=6)).sum()) for m in mondays]
    rates = [None if before == 0 else (after - before) / before for before, after in zip(counts, counts[1:])]
    defined = [r for r in rates if r is not None]
    fired = len(rates) == weeks and all(r is not None and r >= growth - 1e-9 for r in rates)
    shown = "、".join(str(c) for c in counts)
    changes = "、".join("—" if r is None else f"{r * 100:+.1f}%" for r in rates)
    period = f"{mondays[0]:%Y-%m-%d} 至 {mondays[-1] + dt.timedelta(days=6):%Y-%m-%d}"
    explanation = (f"最近{len(counts)}个完整周（{'、'.join(_week_label(m) for m in mondays)}）投诉量 {shown} 张，"
                   f"周环比 {changes}；" + (f"连续{weeks}周增幅≥{_pct(growth)}，触发。" if fired
                                         else f"未连续{weeks}周增幅≥{_pct(growth)}，未触发。"))
    return Alert("投诉量连续激增", fired, min(defined) if defined else None, growth, explanation, "≥", period)


def complaint_concentration(complaints: pd.DataFrame, mondays: list[dt.date], share: float) -> Alert:
    """One 二级标签 above ``share`` of the recent complaints."""
    first, last = mondays[0], mondays[-1] + dt.timedelta(days=6)
    period = f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
    recent = complaints[within(complaints["受理时间"], first, last)]
    name = "投诉集中于单一问题类型"
    if recent.empty:
        return Alert(name, False, None, share, f"{period} 没有投诉，无法判断。", ">", period)
    tags = recent["二级标签"].dropna()
    tags = tags[tags.astype(str).str.strip() != ""]
    if tags.empty:
        return Alert(name, False, None, share, f"{period} 的 {len(recent)} 张投诉都没有二级标签，无法判断。", ">", period)
    counts = tags.value_counts()
    top = counts[counts == counts.max()].sort_index()
    tag, hits = str(top.index[0]), int(top.iloc[0])
    value = hits / len(recent)
    fired = value > share + 1e-9
    explanation = (f"{period} 投诉 {len(recent)} 张，其中「{tag}」{hits} 张，占 {_pct(value)}，"
                   + (f"超过 {_pct(share)}，触发。" if fired else f"未超过 {_pct(share)}，未触发。"))
    return Alert(name, fired, value, share, explanation, ">", period)


def slow_response(kpis: Mapping, benchmark: float) -> Alert:
    """The period's average first response slower than the industry benchmark."""
    value = kpis.get("first_response_hours_avg")
    period = kpis["period"]["label"]
    name = "平均响应慢于行业基准"
    if value is None:
        return Alert(name, False, None, benchmark, f"{period} 没有已响应的工单，无法判断。", ">", period)
    fired = value > benchmark + 1e-9
    explanation = (f"{period} 平均首次响应 {value:.1f} 小时，行业基准 {benchmark:g} 小时，"
                   + ("慢于基准，触发。" if fired else "未慢于基准，未触发。"))
    return Alert(name, fired, value, benchmark, explanation, ">", period)


def low_satisfaction(kpis: Mapping, floor: float) -> Alert:
    """The period's satisfaction score (0–100) below the floor."""
    value = kpis.get("satisfaction_score")
    period = kpis["period"]["label"]
    name = "满意度得分低于下限"
    if value is None:
        return Alert(name, False, None, floor, f"{period} 没有满意度调研，无法判断。", "<", period)
    fired = value < floor - 1e-9
    explanation = (f"{period} 满意度得分 {value:.1f} 分（调研 {kpis.get('surveys', 0)} 份），下限 {floor:g} 分，"
                   + ("低于下限，触发。" if fired else "未低于下限，未触发。"))
    return Alert(name, fired, value, floor, explanation, "<", period)


def negative_feedback(intake: pd.DataFrame, surveys: pd.DataFrame, start: dt.date, end: dt.date,
                      words: tuple[str, ...], share: float) -> Alert:
    """The share of negative feedback that mentions any of the negative keywords."""
    period = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    name = "负面反馈关键词占比过高"
    unhappy = surveys[within(surveys["回访时间"], start, end) & (surveys["总体满意度"] < S.SURVEY_LOW_SCORE)]
    complaints = intake[within(intake["受理时间"], start, end) & (intake["需求类型"] == "投诉类")]
    suggestions, descriptions = _texts(unhappy["改进建议"]), _texts(complaints["问题描述"])
    texts = pd.concat([suggestions, descriptions], ignore_index=True)
    if texts.empty or not words:
        reason = "没有负面反馈文本" if texts.empty else "「优化触发阈值」没有设置负面关键词"
        return Alert(name, False, None, share, f"{period} {reason}，无法判断。", ">", period)
    mentioned = texts.str.contains("|".join(re.escape(w) for w in words), regex=True)
    hits = int(mentioned.sum())
    value = hits / len(texts)
    fired = value > share + 1e-9
    explanation = (f"{period} 负面反馈 {len(texts)} 条（总体满意度<{S.SURVEY_LOW_SCORE}分的改进建议 "
                   f"{len(suggestions)} 条、投诉描述 {len(descriptions)} 条），"
                   f"提及「{'」「'.join(words)}」的 {hits} 条，占 {_pct(value)}，"
                   + (f"超过 {_pct(share)}，触发。" if fired else f"未超过 {_pct(share)}，未触发。"))
    return Alert(name, fired, value, share, explanation, ">", period)


def evaluate_triggers(frames: Mapping[str, pd.DataFrame], *, now: dt.datetime, settings_or_thresholds,
                      kpis: Mapping) -> list[Alert]:
    """Evaluate the five optimisation triggers of seed 004; one Alert per rule, fired or not.

    ``kpis`` is ``compute_kpis``'s result for the period the response, satisfaction and keyword
    rules look at; the complaint-volume rules look at the last complete weeks before ``now``.
    """
    limits = thresholds_of(settings_or_thresholds)
    intake = sheet_frame(frames, S.INTAKE)
    surveys = sheet_frame(frames, S.SURVEY)
    complaints = intake[intake["需求类型"] == "投诉类"]
    weeks = limits[GROWTH_WEEKS]
    mondays = complete_weeks(now, weeks + 1)
    start, end = _parse_day(kpis["period"]["start"]), _parse_day(kpis["period"]["end"])
    return [
        complaint_surge(complaints, mondays, limits[GROWTH], weeks),
        complaint_concentration(complaints, mondays, limits[CONCENTRATION]),
        slow_response(kpis, limits[BENCHMARK]),
        low_satisfaction(kpis, limits[SCORE_FLOOR]),
        negative_feedback(intake, surveys, start, end, limits[NEGATIVE_WORDS], limits[NEGATIVE_SHARE]),
    ]
