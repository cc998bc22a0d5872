"""The HQ view of a consolidation: store comparison, pilot vs the rest, regional daily monitoring.

Pure functions of a ``Consolidation`` (macros.consolidate): every KPI comes from
``macros.kpi.compute_kpis`` over pooled rows, every duration from ``macros.kpi.hours_between``,
so the HQ figures mean what the store figures mean. ``store_comparison``, ``pilot_comparison``
and ``region_monitor`` return plain rows (the HTML report renders the same rows);
``hq_sheets`` lays them out as the HQ workbook's sheets.

Rules decided here (one home each):
- a store is **far from the rest** on a KPI when its robust z-score — (value − median of the
  stores) ÷ (1.4826 × median absolute deviation) — is beyond ±``OUTLIER_Z`` (3.5, Iglewicz and
  Hoaglin's cut-off), with at least ``OUTLIER_MIN_STORES`` stores having a value;
- the **overall rank** orders stores by their mean rank over the KPIs with a better direction;
- a region's daily response or resolution time **jumps** when the day's mean over its tickets
  (at least ``JUMP_MIN_TICKETS``) lies above the control limit of the tickets received in the
  7 days before (at least ``JUMP_MIN_BASE``): mean + ``JUMP_SIGMA`` × standard deviation ÷ √n —
  Shewhart's x̄ chart, so a day of three tickets needs a much larger rise than a day of fifty —
  and is also ≥ ``JUMP_RATIO`` × that mean and at least ``JUMP_MIN_HOURS`` above it (a rise
  nobody would call sudden is not flagged however steady the history);
- a jump is **investigated within 24 h** when a 关键指标监控日报 row of that region (its name, one
  of its stores, or 全部) dated that day or the next, marked 是否异常 = 是, has a 开始排查时间 no
  later than 24 h after its 发现时间 (after the end of the jump day when 发现时间 is blank).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from macros.kpi import compute_kpis, hours_between, verdict, within
from macros.summary import (
    BAD, CELL, FORMATS, GOOD, HEADER, NOTE, PENDING, SECTION, TITLE, look, monthly_summary, month_name,
)
from workbook import ReportSheet
from workbook import schema as S
from workbook.hqbook import SETTINGS_SHEET
from workbook.styles import Look

OUTLIER_Z = 3.5
OUTLIER_MIN_STORES = 4
JUMP_RATIO = 1.5
JUMP_MIN_HOURS = 2.0
JUMP_MIN_TICKETS = 3
JUMP_MIN_BASE = 10  # tickets with a value in the 7 days before: fewer make no baseline
JUMP_SIGMA = 3.0
JUMP_WINDOW_DAYS = 7
METRICS = ("response", "resolution")
JUMP_RULE = (f"突增：当日至少 {JUMP_MIN_TICKETS} 张工单，平均时长超过前{JUMP_WINDOW_DAYS}日各工单的平均值 + {JUMP_SIGMA:g} 倍标准误"
             f"（标准差 ÷ √当日工单数，工单越少要求的升幅越大；前{JUMP_WINDOW_DAYS}日至少 {JUMP_MIN_BASE} 张），"
             f"且不低于前{JUMP_WINDOW_DAYS}日平均值的 {JUMP_RATIO:g} 倍、高出至少 {JUMP_MIN_HOURS:g} 小时。")
INVESTIGATION_HOURS = 24.0
NO_REGION = "（未设大区）"
ALL_SCOPES = ("全部", "全国", "总部")

# (label, kpi key, kind, better: "high" / "low" / None) — the columns of 门店对比 and 试点对比.
STORE_METRICS: tuple[tuple[str, str, str, str | None], ...] = (
    ("工单量", "tickets", "count", None),
    ("平均首次响应(小时)", "first_response_hours_avg", "hours", "low"),
    ("平均解决(小时)", "resolution_hours_avg", "hours", "low"),
    ("首次响应达标率", "response_sla_rate", "rate", "high"),
    ("解决达标率", "resolution_sla_rate", "rate", "high"),
    ("超时率", "overdue_rate", "rate", "low"),
    ("一次性问题解决率", "fcr_rate", "rate", "high"),
    ("客户满意度(CSAT)", "csat_rate", "rate", "high"),
    ("满意度得分", "satisfaction_score", "points", "high"),
    ("NPS", "nps", "points", "high"),
    ("投诉重复率", "complaint_repeat_rate", "rate", "low"),
    ("单均成本(元)", "cost_per_ticket", "money", "low"),
    ("积压工单", "backlog", "count", "low"),
)
TARGET_NAMES = {  # label → 指标 on the KPI目标 sheet where the names differ
    "平均首次响应(小时)": "平均首次响应时长(小时)", "平均解决(小时)": "平均解决时长(小时)",
}
SHEET_NAMES = ("总部汇总", "门店对比", "试点对比", "区域监控")
WIDE = Look(color="595959", wrap=True)
MOMENT = replace(CELL, numfmt="yyyy-mm-dd hh:mm")
DAY = replace(CELL, numfmt="yyyy-mm-dd")
# 试点对比's change columns: signed, in the figure's own unit; a rate's change is in percentage
# points (88.5 % − 65.8 % shows "+22.7 个百分点", never "22.7%", which reads as a relative change).
CHANGE_FORMATS = {
    "rate": '+0.0" 个百分点";-0.0" 个百分点";0.0" 个百分点"',
    "hours": '+0.0" 小时";-0.0" 小时";0.0" 小时"',
    "money": '+#,##0.00" 元";-#,##0.00" 元";0.00" 元"',
    "points": '+0.0;-0.0;0.0',
    "count": '+0;-0;0',
}
WRAPPED_NOTE = replace(NOTE, wrap=True)
WRAPPED_HEADER = replace(HEADER, wrap=True)  # 平均首次响应(小时) in a 12-wide column takes two lines


# ---- 门店对比 ------------------------------------------------------------------------------------
def robust_z(values: Mapping[str, float | None]) -> dict[str, float]:
    """{store: robust z-score} for stores with a value (empty when too few stores or no spread)."""
    known = {k: float(v) for k, v in values.items() if v is not None and np.isfinite(v)}
    if len(known) < OUTLIER_MIN_STORES:
        return {}
    numbers = np.array(list(known.values()))
    median = float(np.median(numbers))
    mad = float(np.median(np.abs(numbers - median)))
    if mad == 0:
        return {}
    return {k: (v - median) / (1.4826 * mad) for k, v in known.items()}


def _ranks(values: Mapping[str, float | None], better: str) -> dict[str, float]:
    known = pd.Series({k: v for k, v in values.items() if v is not None})
    if known.empty:
        return {}
    return known.rank(ascending=(better == "low"), method="min").to_dict()


def store_comparison(store_kpis: Mapping[str, Mapping], regions: Mapping[str, str]) -> list[dict]:
    """One row per store: its KPIs, overall rank, and the KPIs on which it is far from the rest.

    Row: {"store", "region", "values": {label: value}, "rank", "mean_rank",
    "outliers": {label: "good"/"bad"/"far"}, "notes": [sentence]}; best rank first.
    """
    stores = sorted(store_kpis)
    per_metric = {label: {s: store_kpis[s].get(key) for s in stores} for label, key, _k, _b in STORE_METRICS}
    ranks: dict[str, list[float]] = {s: [] for s in stores}
    outliers: dict[str, dict[str, str]] = {s: {} for s in stores}
    notes: dict[str, list[str]] = {s: [] for s in stores}
    for label, _key, kind, better in STORE_METRICS:
        values = per_metric[label]
        if better:
            for store, rank in _ranks(values, better).items():
                ranks[store].append(rank)
        median = _median(values)
        for store, z in robust_z(values).items():
            if abs(z) <= OUTLIER_Z:
                continue
            high = z > 0
            side = "far" if better is None else ("good" if high == (better == "high") else "bad")
            outliers[store][label] = side
            word = "高于" if high else "低于"
            notes[store].append(f"{label} {_show(values[store], kind)}，明显{word}各店中位数 {_show(median, kind)}")
    rows = []
    for store in stores:
        mean_rank = float(np.mean(ranks[store])) if ranks[store] else None
        rows.append({"store": store, "region": regions.get(store, NO_REGION),
                     "values": {label: per_metric[label][store] for label, *_ in STORE_METRICS},
                     "mean_rank": mean_rank, "outliers": outliers[store], "notes": notes[store]})
    ordered = sorted(rows, key=lambda r: (r["mean_rank"] is None, r["mean_rank"] or 0, r["store"]))
    previous, rank = None, 0
    for position, row in enumerate(ordered, start=1):
        if row["mean_rank"] != previous:
            rank, previous = position, row["mean_rank"]
        row["rank"] = rank if row["mean_rank"] is not None else None
    return ordered


def _median(values: Mapping[str, float | None]) -> float | None:
    known = [v for v in values.values() if v is not None]
    return float(np.median(known)) if known else None


def _show(value, kind: str) -> str:
    """``value`` as the sheet's own cells show it: the digits of the Excel format of ``kind``
    (macros.summary.FORMATS), so the sentence and the cell beside it read the same."""
    if value is None:
        return "—"
    fmt = FORMATS.get(kind, FORMATS["number"])
    digits = len(fmt.partition(".")[2].rstrip("%"))
    if fmt.endswith("%"):
        return f"{value * 100:.{digits}f}%"
    return f"{value:{',' if ',' in fmt else ''}.{digits}f}"


# ---- 试点对比 ------------------------------------------------------------------------------------
def pilot_stores(frames: Mapping[str, pd.DataFrame], stores: Sequence[str], regions: Mapping[str, str]
                 ) -> tuple[list[str], list[str]]:
    """(pilot stores, the 试点范围 texts they come from) from the pooled 试点运行日志.

    A scope names a store, a region (所属大区: all its stores), or a text that mentions store names.
    """
    log = frames.get(S.PILOT_LOG.name)
    if log is None or log.empty:
        return [], []
    scopes = sorted({str(v).strip() for v in log["试点范围"].dropna() if str(v).strip()})
    chosen: set[str] = set()
    for scope in scopes:
        if scope in stores:
            chosen.add(scope)
            continue
        in_region = [s for s in stores if regions.get(s) == scope]
        named = [s for s in stores if s in scope]
        chosen.update(in_region or named)
    return sorted(chosen), scopes


def pilot_comparison(result) -> dict:
    """Pilot stores against the rest, baseline period against evaluation period (seed 000's pilot)."""
    from macros.consolidate import subset

    settings = result.settings
    pilots, scopes = pilot_stores(result.frames, result.stores, result.regions)
    rest = [s for s in result.stores if s not in pilots]
    baseline, evaluation = settings.period("基线期"), settings.period("评估期")
    out = {"pilots": pilots, "rest": rest, "scopes": scopes, "baseline": baseline, "evaluation": evaluation,
           "rows": [], "problem": None}
    if not pilots:
        out["problem"] = "「试点运行日志」中没有能对应到门店或大区的「试点范围」，无法区分试点门店"
        return out
    if baseline is None or evaluation is None:
        out["problem"] = "「系统参数」未设置基线期或评估期（开始/结束日期），无法做前后对比"
        return out
    groups = {"pilot": subset(result.frames, pilots), "rest": subset(result.frames, rest)}
    figures = {}
    for group, frames in groups.items():
        for name, period in (("before", baseline), ("after", evaluation)):
            figures[(group, name)] = compute_kpis(frames, *period, now=result.now,
                                                  csat_threshold=settings.csat_threshold, calendar=None)
    for label, key, kind, better in STORE_METRICS:
        if key == "backlog":
            continue  # a count at now, not a figure of a period
        cells = {f"{g}_{n}": figures[(g, n)].get(key) for g in groups for n in ("before", "after")}
        change = {g: _change(cells[f"{g}_before"], cells[f"{g}_after"]) for g in groups}
        out["rows"].append({"label": label, "kind": kind, "better": better, **cells,
                            "pilot_change": change["pilot"], "rest_change": change["rest"],
                            "judgement": _judge(change["pilot"], change["rest"], better)})
    return out


def _change(before, after) -> float | None:
    return None if before is None or after is None else after - before


def _judge(pilot: float | None, rest: float | None, better: str | None) -> str:
    if pilot is None or rest is None or better is None:
        return "—"
    sign = 1 if better == "high" else -1
    gap = sign * (pilot - rest)
    scale = max(abs(pilot), abs(rest), 1e-9)
    if abs(gap) <= 0.05 * scale:
        return "相当"
    return "试点改善更多" if gap > 0 else "其他门店改善更多"


# ---- 区域监控 ------------------------------------------------------------------------------------
def daily_by_region(frames: Mapping[str, pd.DataFrame], regions: Mapping[str, str], start: dt.date,
                    end: dt.date) -> pd.DataFrame:
    """Per (region, day of 受理时间): tickets, and per metric (first response, resolution in natural
    hours) the mean, with the count, sum and sum of squares of the tickets that have a value."""
    from macros.consolidate import STORE_COLUMN

    intake = frames[S.INTAKE.name]
    first = start - dt.timedelta(days=JUMP_WINDOW_DAYS)
    rows = intake[within(intake["受理时间"], first, end)]
    table = pd.DataFrame({
        "region": rows[STORE_COLUMN].map(lambda s: regions.get(s, NO_REGION)),
        "day": rows["受理时间"].dt.normalize(),
        "response": hours_between(rows["受理时间"], rows["首次响应时间"]),
        "resolution": hours_between(rows["受理时间"], rows["完成时间"]),
    })
    for metric in METRICS:
        table[f"{metric}_sq"] = table[metric] ** 2
    grouped = table.groupby(["region", "day"])
    columns = {"tickets": grouped.size()}
    for metric in METRICS:
        columns[metric] = grouped[metric].mean()
        columns[f"{metric}_n"] = grouped[metric].count()
        columns[f"{metric}_sum"] = grouped[metric].sum()
        columns[f"{metric}_sq"] = grouped[f"{metric}_sq"].sum()
    out = pd.DataFrame(columns).reset_index()
    return out.sort_values(["region", "day"]).reset_index(drop=True)


def flag_jumps(daily: pd.DataFrame) -> pd.DataFrame:
    """Add per metric the 7 days before (their tickets' mean, standard deviation and count), the
    day's control limit, and whether the day jumps above it (rule in the module docstring)."""
    out = []
    for _region, part in daily.groupby("region", sort=True):
        part = part.set_index("day").sort_index()
        for metric in METRICS:
            window = part[[f"{metric}_n", f"{metric}_sum", f"{metric}_sq"]].rolling(
                f"{JUMP_WINDOW_DAYS}D", closed="left").sum()
            n, total, squares = (window[c] for c in window.columns)
            n = n.fillna(0)
            mean = (total / n).where(n >= JUMP_MIN_BASE)
            sd = np.sqrt(((squares - total ** 2 / n) / (n - 1)).clip(lower=0)).where(n >= JUMP_MIN_BASE)
            count = part[f"{metric}_n"]
            limit = mean + JUMP_SIGMA * sd / np.sqrt(count.where(count > 0))
            value = part[metric]
            part[f"{metric}_base"] = mean
            part[f"{metric}_base_n"] = n.astype(int)
            part[f"{metric}_limit"] = limit
            part[f"{metric}_jump"] = ((count >= JUMP_MIN_TICKETS) & mean.notna() & (value > limit)
                                      & (value >= JUMP_RATIO * mean) & (value - mean >= JUMP_MIN_HOURS)).fillna(False)
        out.append(part.reset_index())
    if not out:
        extra = {f"{m}_{k}": np.nan for m in METRICS for k in ("base", "limit")}
        return daily.assign(**extra, **{f"{m}_base_n": 0 for m in METRICS}, **{f"{m}_jump": False for m in METRICS})
    return pd.concat(out, ignore_index=True)


def monitor_rows(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The pooled 关键指标监控日报 anomaly rows, each once (a sheet copied into several workbooks)."""
    log = frames.get(S.DAILY_MONITOR.name)
    if log is None or log.empty:
        return pd.DataFrame(columns=["日期", "范围", "是否异常", "异常说明", "发现时间", "开始排查时间"])
    rows = log[log["是否异常"] == S.YES]
    return rows.drop_duplicates(["日期", "范围", "发现时间", "开始排查时间"])


def investigation(day: pd.Timestamp, region: str, stores: Sequence[str], monitor: pd.DataFrame,
                  now: dt.datetime) -> tuple[str, str]:
    """(verdict word 是/否/待定, the sentence) for a jump on ``day`` in ``region``."""
    scopes = {region, *stores, *ALL_SCOPES}
    dates = pd.to_datetime(monitor["日期"]).dt.normalize() if len(monitor) else pd.Series(dtype="datetime64[ns]")
    near = monitor[(dates >= day) & (dates <= day + pd.Timedelta(days=1)) & monitor["范围"].isin(scopes)]
    day_end = day + pd.Timedelta(days=1)
    now = pd.Timestamp(now)
    best = None
    for row in near.itertuples(index=False):
        found = getattr(row, "发现时间")
        found = pd.Timestamp(found) if pd.notna(found) else day_end
        started = getattr(row, "开始排查时间")
        if pd.notna(started):
            hours = (pd.Timestamp(started) - found) / pd.Timedelta(hours=1)
            candidate = (hours <= INVESTIGATION_HOURS, hours, found, row)
            if best is None or candidate[1] < best[1]:
                best = candidate
    if best is not None:
        ok, hours, found, row = best
        scope = getattr(row, "范围")
        if ok:
            return "是", f"「{scope}」{found:%m-%d %H:%M} 发现异常，{hours:.1f} 小时后启动排查"
        return "否", f"「{scope}」{found:%m-%d %H:%M} 发现异常，{hours:.1f} 小时后才启动排查（超过24小时）"
    if len(near):
        row = next(near.itertuples(index=False))
        found = pd.Timestamp(row.发现时间) if pd.notna(row.发现时间) else day_end
        due = found + pd.Timedelta(hours=INVESTIGATION_HOURS)
        if now <= due:
            return "待定", f"已登记异常，排查须在 {due:%m-%d %H:%M} 前启动"
        return "否", f"已登记异常（{found:%m-%d %H:%M}），但没有开始排查时间"
    due = day_end + pd.Timedelta(hours=INVESTIGATION_HOURS)
    if now <= due:
        return "待定", f"尚未登记，排查须在 {due:%m-%d %H:%M} 前启动（关键指标监控日报）"
    return "否", "「关键指标监控日报」中没有该日该区域的异常与排查记录"


def region_monitor(result) -> dict:
    """Daily response and resolution per region with jumps flagged and their investigation."""
    daily = flag_jumps(daily_by_region(result.frames, result.regions, result.start, result.end))
    daily = daily[daily["day"] >= pd.Timestamp(result.start)].reset_index(drop=True)
    monitor = monitor_rows(result.frames)
    stores_of: dict[str, list[str]] = {}
    for store in result.stores:
        stores_of.setdefault(result.regions.get(store, NO_REGION), []).append(store)
    rows, jumps = [], []
    for r in daily.itertuples(index=False):
        jumped = [name for name, flag in (("首次响应", r.response_jump), ("解决", r.resolution_jump)) if flag]
        row = {"day": r.day.date(), "region": r.region, "tickets": int(r.tickets),
               "response": _finite(r.response), "response_base": _finite(r.response_base),
               "response_limit": _finite(r.response_limit),
               "resolution": _finite(r.resolution), "resolution_base": _finite(r.resolution_base),
               "resolution_limit": _finite(r.resolution_limit),
               "jumps": jumped, "investigated": None, "investigation": None}
        if jumped:
            row["investigated"], row["investigation"] = investigation(r.day, r.region, stores_of.get(r.region, []),
                                                                      monitor, result.now)
            jumps.append(row)
        rows.append(row)
    return {"rows": rows, "jumps": jumps, "regions": sorted(stores_of)}


def _finite(value) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


# ---- the sheets ------------------------------------------------------------------------------------
class Grid:
    """A cursor over a report sheet's cells (1-based rows and columns)."""

    def __init__(self, width: int):
        self.width = width
        self.cells: dict[tuple[int, int], tuple[object, Look | None]] = {}
        self.merges: list[str] = []
        self.row = 1
        self.sections = 0

    def line(self, value, cell_look: Look | None = None) -> None:
        from workbook.xlsxpatch import col_letter

        if cell_look == NOTE:  # an explanation runs across the sheet: wrap it rather than cut it off
            cell_look = WRAPPED_NOTE
        self.cells[(self.row, 1)] = (value, cell_look)
        self.merges.append(f"A{self.row}:{col_letter(self.width - 1)}{self.row}")
        self.row += 1

    def section(self, title: str) -> None:
        self.row += 1
        self.cells[(self.row, 1)] = (f"{'一二三四五六七八九十'[self.sections]}、{title}", SECTION)
        for col in range(2, self.width + 1):
            self.cells[(self.row, col)] = (None, SECTION)
        self.sections += 1
        self.row += 1

    def values(self, *cells) -> None:
        for col, cell in enumerate(cells, start=1):
            self.cells[(self.row, col)] = cell if isinstance(cell, tuple) else (cell, CELL)
        self.row += 1

    def header(self, *titles: str) -> None:
        self.values(*[(t, WRAPPED_HEADER) for t in titles])

    def sheet(self, name: str, widths: Sequence[float]) -> ReportSheet:
        return ReportSheet(name=name, cells=self.cells, widths=list(widths), merges=self.merges)


def _outlier_look(kind: str, side: str | None) -> Look:
    if side == "good":
        return look(kind, "达标", bold=True)
    if side == "bad":
        return look(kind, "未达标", bold=True)
    if side == "far":
        return replace(look(kind), **PENDING, bold=True)
    return look(kind)


def overview_sheet(result, sources: Sequence) -> ReportSheet:
    grid = Grid(7)
    kpis = result.kpis
    grid.line("总部汇总", TITLE)
    grid.line(f"统计期间：{kpis['period']['label']}（按受理时间）　生成时间：{result.now:%Y-%m-%d %H:%M}　"
              f"门店 {len(result.stores)} 家，工作簿 {len(result.covered)} 个", NOTE)
    grid.line("全部门店的工单、服务记录、确认、调研、暂停与回访行合并后计算（比率按合并后的行计算，不是各店比率的平均）；"
              "各店工单号按（门店，工单号）区分，不会相互混淆。", NOTE)
    grid.section("总部关键指标")
    grid.header("指标", "数值", "目标值", "是否达标")
    targets = result.settings.targets
    for label, key, kind, _better in STORE_METRICS:
        target = targets.get(TARGET_NAMES.get(label, label))
        value = kpis.get(key)
        outcome = verdict(value, target) if target else None
        grid.values(label, (value, look(kind, outcome)), (target.value if target else None, look(kind)),
                    (outcome or "—", look(None, outcome, align="center")))
    grid.section("已汇总的文件")
    grid.header("文件", "门店", "修改时间", "工单数", "本次读取", "数据错误(行已跳过)")
    for rows in result.covered:
        tickets = len(rows.frames[S.INTAKE.name])
        grid.values(rows.name, "、".join(rows.stores), (rows.modified, MOMENT),
                    (tickets, look("count")), "缓存（内容未变）" if rows.cached else "重新读取",
                    (rows.errors, look("count")))
    grid.section("未汇总或需注意的文件")
    if not result.issues:
        grid.values("（全部文件均已汇总，没有问题）")
    else:
        grid.header("文件", "修改时间", "是否计入", "原因")
        grid.merges.append(f"D{grid.row - 1}:G{grid.row - 1}")
        for issue in result.issues:
            grid.values(issue.name, (issue.modified, MOMENT),
                        ("已计入" if issue.included else "未计入", look(None, "提前" if issue.included else "未达标")),
                        (issue.reason, replace(CELL, wrap=True)))
            grid.merges.append(f"D{grid.row - 1}:G{grid.row - 1}")
    grid.row += 1
    grid.line("来源：" + "；".join(str(s) for s in sources), NOTE)
    return grid.sheet("总部汇总", [30, 22, 18, 12, 16, 18, 30])


def store_sheet(result, rows: list[dict]) -> ReportSheet:
    labels = [label for label, *_ in STORE_METRICS]
    kinds = {label: kind for label, _key, kind, _b in STORE_METRICS}
    grid = Grid(len(labels) + 5)
    grid.line("门店对比", TITLE)
    grid.line(f"统计期间：{result.kpis['period']['label']}　每家门店按同一口径计算；综合排名按各项指标名次的平均"
              "（时长、超时率、投诉重复率、单均成本、积压越低越好，其余越高越好）。", NOTE)
    grid.line(f"绿色/红色加粗：该店该项明显好于/差于其他门店（稳健 z 值超过 ±{OUTLIER_Z:g}，即偏离各店中位数超过 "
              f"{OUTLIER_Z:g} 倍的标准化中位绝对偏差；至少 {OUTLIER_MIN_STORES} 家门店有数据时判断）。", NOTE)
    grid.row += 1
    grid.header("综合排名", "门店", "所属大区", *labels, "平均名次", "偏离说明")
    for row in rows:
        cells = [(row["rank"], look("count", align="center")), row["store"], row["region"]]
        for label in labels:
            cells.append((row["values"][label], _outlier_look(kinds[label], row["outliers"].get(label))))
        cells.append((row["mean_rank"], look("number")))
        cells.append(("；".join(row["notes"]) or None, replace(CELL, wrap=True)))
        grid.values(*cells)
    grid.values((None, CELL), ("全部门店（合并计算）", look(None, bold=True)), (None, CELL),
                *[(result.kpis.get(key), look(kind, bold=True)) for _l, key, kind, _b in STORE_METRICS])
    return grid.sheet("门店对比", [9, 18, 10] + [12] * len(labels) + [9, 48])


def pilot_sheet(result, pilot: dict) -> ReportSheet:
    grid = Grid(9)
    grid.line("试点对比", TITLE)
    base, evaluation = pilot["baseline"], pilot["evaluation"]
    grid.line(f"试点门店：{'、'.join(pilot['pilots']) or '（无）'}（来自「试点运行日志」试点范围："
              f"{'、'.join(pilot['scopes']) or '—'}）；其他门店：{len(pilot['rest'])} 家", NOTE)
    if base and evaluation:
        grid.line(f"基线期 {base[0]:%Y-%m-%d} 至 {base[1]:%Y-%m-%d}，评估期 {evaluation[0]:%Y-%m-%d} 至 "
                  f"{evaluation[1]:%Y-%m-%d}（系统参数）；变化 = 评估期 − 基线期。", NOTE)
    if pilot["problem"]:
        grid.row += 1
        grid.line(pilot["problem"], look(None, "未达标"))
        return grid.sheet("试点对比", [22, 14, 14, 14, 14, 14, 14, 18, 4])
    grid.row += 1
    grid.header("指标", "试点·基线期", "试点·评估期", "试点变化", "其他·基线期", "其他·评估期", "其他变化", "对比")
    for row in pilot["rows"]:
        kind = row["kind"]
        outcome = {"试点改善更多": "达标", "其他门店改善更多": "未达标"}.get(row["judgement"])
        grid.values(row["label"], (row["pilot_before"], look(kind)), (row["pilot_after"], look(kind)),
                    _change_cell(row["pilot_change"], kind), (row["rest_before"], look(kind)),
                    (row["rest_after"], look(kind)), _change_cell(row["rest_change"], kind),
                    (row["judgement"], look(None, outcome, align="center")))
    return grid.sheet("试点对比", [22, 14, 14, 14, 14, 14, 14, 18, 4])


def _change_cell(change: float | None, kind: str) -> tuple:
    value = change * 100 if change is not None and kind == "rate" else change
    return value, replace(CELL, numfmt=CHANGE_FORMATS.get(kind, CHANGE_FORMATS["points"]))


def region_sheet(result, monitor: dict) -> ReportSheet:
    grid = Grid(12)
    grid.line("区域监控", TITLE)
    grid.line(f"每日按大区：当日受理工单的平均首次响应与平均解决时长（自然小时）。{JUMP_RULE}", NOTE)
    grid.line("「24小时内启动排查」看「关键指标监控日报」：该区域（或其门店、或「全部」）当日或次日登记的异常，"
              "开始排查时间不晚于发现时间后24小时。", NOTE)
    pair = ("前7日平均", "突增线")
    grid.section("突增记录")
    if not monitor["jumps"]:
        grid.values("（统计期间内没有突增）")
    else:
        grid.header("日期", "大区", "突增指标", "工单数", "首次响应(小时)", *pair, "解决(小时)", *pair,
                    "24小时内启动排查", "排查情况")
        for row in monitor["jumps"]:
            outcome = {"是": "达标", "否": "未达标", "待定": "提前"}[row["investigated"]]
            grid.values((row["day"], DAY), row["region"], "、".join(row["jumps"]),
                        (row["tickets"], look("count")), *_pair(row, "response"), *_pair(row, "resolution"),
                        (row["investigated"], look(None, outcome, align="center")),
                        (row["investigation"], replace(CELL, wrap=True)))
    grid.section("每日明细")
    grid.header("日期", "大区", "工单数", "首次响应(小时)", *pair, "解决(小时)", *pair, "突增")
    for row in monitor["rows"]:
        grid.values((row["day"], DAY), row["region"], (row["tickets"], look("count")),
                    *_pair(row, "response"), *_pair(row, "resolution"),
                    ("、".join(row["jumps"]) or None, look(None, "未达标" if row["jumps"] else None)))
    return grid.sheet("区域监控", [12, 12, 12, 10, 12, 11, 11, 12, 11, 11, 14, 44])


def _pair(row: dict, metric: str) -> tuple:
    jumped = ("首次响应" if metric == "response" else "解决") in row["jumps"]
    return ((row[metric], look("hours", "未达标" if jumped else None)), (row[f"{metric}_base"], look("hours")),
            (row[f"{metric}_limit"], look("hours")))


def settings_sheet(result, sources: Sequence) -> ReportSheet:
    """汇总设置: what the 总部汇总 ribbon button reads back (sources and period)."""
    grid = Grid(3)
    grid.values(("参数", HEADER), ("值", HEADER), ("说明", HEADER))
    grid.values("门店工作簿位置", "；".join(str(s) for s in sources), ("文件夹或文件，多个用「；」分隔", WIDE))
    grid.values("统计开始", (result.start, DAY), ("留空则为本月1日", WIDE))
    grid.values("统计结束", (result.end, DAY), ("留空则为今天", WIDE))
    return grid.sheet(SETTINGS_SHEET, [18, 60, 30])


def hq_month(result) -> str:
    """The consolidated 月报's month: the month the period ends in."""
    return month_name(result.end.replace(day=1))


def hq_sheets(result, *, sources: Sequence) -> list[ReportSheet]:
    """Every sheet of the HQ workbook, in tab order."""
    monthly = monthly_summary(result.frames, hq_month(result), now=result.now, settings=result.settings)
    return [
        overview_sheet(result, sources),
        store_sheet(result, store_comparison(result.store_kpis, result.regions)),
        pilot_sheet(result, pilot_comparison(result)),
        region_sheet(result, region_monitor(result)),
        monthly,
        settings_sheet(result, sources),
    ]


__all__ = ["BAD", "GOOD", "hq_sheets", "pilot_comparison", "region_monitor", "store_comparison"]
