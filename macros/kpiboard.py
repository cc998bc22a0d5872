"""How the KPI看板 reads: sections, units, the previous period beside each KPI, formats.

``macros.kpi`` decides what each KPI *is* (definitions, targets, verdicts); this module decides how
the board *shows* it:

- sections in a fixed order — 工单量, 时效, 体验, 回访, 成本, 优化成效, 预警 — each opened by a
  heading row, so the board reads top-down;
- a 单位 column that says 自然小时 or 工作小时, so 12.4 (clock hours) against a 4-hour target
  reads correctly beside the 4.0 working hours;
- 上期数值 and 环比 beside each KPI: the same KPI over the previous period (``previous_period``,
  named once on each section's heading row, so KPI rows stay one line tall),
  the change in words (rates in 个百分点, scores in 分, the rest in %), and 趋势 — ↑/↓ with 改善 or
  变差 when the KPI has a better direction (its KPI目标 comparison, else lower is better for
  times, costs and backlog);
- 是否达标 only for KPIs against targets; the optimisation triggers say 触发/未触发 in their own
  column (触发状态);
- number formats per row: counts as integers, hours and scores with one decimal, money with
  thousands separators, rates as percentages.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Iterable, Mapping

from workbook import schema as S
from workbook.styles import Look

SECTIONS = ("工单量", "时效", "体验", "回访", "成本", "优化成效", "预警", "其他")
SECTION_OF_CATEGORY = {"工单量": "工单量", "运营效率": "时效", "时限达标": "时效", "客户体验": "体验",
                       "回访调研": "回访", "服务成本": "成本", "优化成效": "优化成效", "优化预警": "预警",
                       "其他": "其他"}
SECTION_OF_NAME = {"一次性问题解决率": "体验", "人均工单量": "工单量"}  # 运营效率 rows that read better elsewhere
UNITS = {"count": "张", "rate": "%", "money": "元", "points": "分", "number": "张/人"}
FORMATS = {"count": "0", "hours": "0.0", "points": "0.0", "money": "#,##0.00", "number": "0.0", "rate": "0.0%"}
LOWER_IS_BETTER_KINDS = ("hours", "money")
LOWER_IS_BETTER_NAMES = ("积压工单",)
NEUTRAL_NAMES = ("工单量", "人均工单量")
FLAT = 1e-9
PROGRAM_SHADE = "EDEDED"
HEADING_LOOK = Look(bold=True, fill="D9E1F2")
BETTER_LOOK = Look(color="006100", fill=PROGRAM_SHADE, valign="top")
WORSE_LOOK = Look(color="9C0006", fill=PROGRAM_SHADE, valign="top")
NO_PREVIOUS = ("积压工单",)  # counted at the moment of the refresh, not over a period: no 上期


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period to compare with: the same days of the previous month for a period that starts
    on the 1st and stays in one month (month to date, or the whole month); otherwise the period
    of the same length just before."""
    if start.day == 1 and (start.year, start.month) == (end.year, end.month):
        last_of_previous = start - dt.timedelta(days=1)
        first = last_of_previous.replace(day=1)
        whole_month = end.day == calendar.monthrange(end.year, end.month)[1]
        day = last_of_previous.day if whole_month else min(end.day, last_of_previous.day)
        return first, first.replace(day=day)
    length = end - start
    before = start - dt.timedelta(days=1)
    return before - length, before


def kinds() -> dict[str, str]:
    """{指标: kind} for every KPI row the board shows (kinds as in macros.kpi.BOARD_METRICS)."""
    from macros.kpi import BASELINE_METRICS, BOARD_METRICS, STAGES

    out = {name: kind for _category, name, _key, kind, _note in BOARD_METRICS}
    out.update({f"{stage}达标率": "rate" for stage in STAGES})
    out[BASELINE_METRICS[0]] = "rate"
    out[BASELINE_METRICS[1]] = "points"
    return out


def unit_of(name: str, kind: str | None) -> str | None:
    if kind == "hours":
        return "工作小时" if "工作小时" in name else "自然小时"
    if name.endswith("(百分点)"):
        return "百分点"
    return UNITS.get(kind) if kind else None


def _alert_kind(row: Mapping) -> tuple[str, str | None]:
    threshold = row.get("目标值")
    if isinstance(threshold, (int, float)) and 0 < threshold < 1:
        return "rate", "%"
    if "响应" in row["指标"]:
        return "hours", "自然小时"
    if "满意度" in row["指标"]:
        return "points", "分"
    return "number", None


def better_direction(name: str, kind: str | None, compare: str | None) -> int:
    """+1 when a higher value is better, -1 when lower is better, 0 when neither (volumes)."""
    if compare in ("≥", "≤"):
        return 1 if compare == "≥" else -1
    if name in NEUTRAL_NAMES:
        return 0
    if name in LOWER_IS_BETTER_NAMES or kind in LOWER_IS_BETTER_KINDS:
        return -1
    return 1


def change_text(current, previous, kind: str) -> str | None:
    """环比 in words: '+2.3 个百分点' for rates, '+3.0 分' for scores, '+12.5%' otherwise."""
    if current is None or previous is None:
        return None
    diff = current - previous
    if kind == "rate":
        return f"{diff * 100:+.1f} 个百分点"
    if kind == "points":
        return f"{diff:+.1f} 分"
    if previous == 0:
        return "上期为 0" if current else "持平"
    return f"{diff / abs(previous) * 100:+.1f}%"


def trend(current, previous, direction: int) -> str | None:
    """趋势: '↑ 改善', '↓ 变差', '↑ 上升', '↓ 下降' or '→ 持平'."""
    if current is None or previous is None:
        return None
    diff = current - previous
    if abs(diff) <= FLAT * max(1.0, abs(previous)):
        return "→ 持平"
    arrow = "↑" if diff > 0 else "↓"
    if direction == 0:
        return f"{arrow} {'上升' if diff > 0 else '下降'}"
    return f"{arrow} {'改善' if diff * direction > 0 else '变差'}"


def board(rows: Iterable[Mapping], previous: Iterable[Mapping] = (), previous_label: str | None = None
          ) -> tuple[list[dict], dict[tuple[int, str], Look]]:
    """The KPI看板 rows (with section headings) and their cell looks.

    ``rows`` are ``macros.kpi.dashboard_rows`` for the period; ``previous`` the same for the
    previous period (its 本期数值 becomes 上期数值 here; 优化成效 and 预警 rows get none).
    """
    kind_of = kinds()
    before = {r["指标"]: r["本期数值"] for r in previous
              if r["类别"] not in ("优化成效", "优化预警") and r["指标"] not in NO_PREVIOUS}
    sections: dict[str, list[dict]] = {s: [] for s in SECTIONS}
    for row in rows:
        section = SECTION_OF_NAME.get(row["指标"]) or SECTION_OF_CATEGORY.get(row["类别"], "其他")
        alert = row["类别"] == "优化预警"
        kind, unit = _alert_kind(row) if alert else (kind_of.get(row["指标"]), unit_of(row["指标"], kind_of.get(row["指标"])))
        value, last = row["本期数值"], before.get(row["指标"])
        period = row["统计期间"]
        sections[section].append({
            "类别": section, "指标": row["指标"], "单位": unit, "本期数值": value, "上期数值": last,
            "环比": change_text(value, last, kind) if kind else None,
            "趋势": trend(value, last, better_direction(row["指标"], kind, row["比较"])) if kind else None,
            "目标值": row["目标值"], "比较": row["比较"],
            "是否达标": None if alert else row["是否达标"], "触发状态": row["是否达标"] if alert else None,
            "说明": row["说明"], "统计期间": period, "_kind": kind,
        })
    out: list[dict] = []
    looks: dict[tuple[int, str], Look] = {}
    headers = S.KPI_BOARD.headers
    for section in SECTIONS:
        if not sections[section]:
            continue
        i = len(out)
        heading = {h: (section if h == "类别" else None) for h in headers}
        # The previous period is said once, on the heading, not on every row (rows stay one line).
        if previous_label and any(r["上期数值"] is not None for r in sections[section]):
            heading["说明"] = f"上期：{previous_label}"  # 说明 is wide; 统计期间 would cut it
        out.append(heading)
        for h in headers:
            looks[(i, h)] = HEADING_LOOK
        for row in sections[section]:
            i = len(out)
            fmt = FORMATS.get(row["_kind"])
            if fmt:
                for h in ("本期数值", "上期数值", "目标值"):
                    looks[(i, h)] = Look(numfmt=fmt, fill=PROGRAM_SHADE, valign="top")
            if row["趋势"] and ("改善" in row["趋势"] or "变差" in row["趋势"]):
                looks[(i, "趋势")] = BETTER_LOOK if "改善" in row["趋势"] else WORSE_LOOK
            out.append({h: row.get(h) for h in headers})
    return out, looks
