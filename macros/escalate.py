"""Tracking (超时预警, seed 001 step 3): a queue of open tickets that need action, escalated.

Open means not finished: no 完成时间 and 当前状态 not 已完成/已关闭. Overdue callbacks after
completion are tracked on 回访计划 (是否逾期) instead.

One row per ticket, on its most urgent open stage: a stage 已超时 beats one 即将超时, then the
earlier deadline wins; the ticket's other alerting stages are named in 其他预警环节. A ticket
paused (an open 暂停记录 row) for longer than 系统参数 暂停超期天数 is listed too — a pause stops
the clocks, so such a ticket would otherwise never be overdue — as 暂停超期 (also when a stage
fell due before the pause: the pause is what to act on), and the pause is named in the 暂停超期
column.

The order is the order of work (处理顺序 1 first): 即将超时, soonest deadline first (still
savable); then fresh breaches (超时 < 1 天), the freshest first; then 暂停超期, the longest paused
first; then older breaches by age bucket (1–3 天, 3–7 天, > 7 天), freshest first, so months-old
items sink to the bottom instead of leading. Times are clock time as of the refresh: 剩余 for
at-risk rows, 超时 for overdue rows, each a positive number, never a negative "超时".

Each ticket goes to its owner and the person it is escalated to (the owner's 上级主管 from the
roster; for a supervisor's own tickets and unassigned tickets, the 系统参数 客服经理).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from macros.deadlines import STAGES
from macros.dispatch import open_mask
from macros.steps import step
from macros.work import Work
from udfs import sla
from workbook import schema as S

INTAKE = S.INTAKE.name
ALERT_STATES = (sla.OVERDUE, sla.AT_RISK)
OPEN_STAGE_STATES = (sla.IN_PROGRESS, sla.AT_RISK, sla.OVERDUE)
STALE_PAUSE = S.ALERT_STATES[2]  # 暂停超期
DEFAULT_STALE_PAUSE_DAYS = 7.0
_HOUR = np.timedelta64(1, "h")


# ---- shared by 超时预警 and 我的待办 ------------------------------------------------------------
def open_stages(tickets: pd.DataFrame) -> pd.DataFrame:
    """Every open stage of every ticket in ``tickets``: one row per (ticket, stage) with a deadline.

    Columns: 行 (the ticket's index label), 环节, 截止时间, 状态, 阶段序 (the stage's place in
    the lifecycle). A stage is open while its status is 进行中, 即将超时 or 已超时.
    """
    parts = []
    for order, stage in enumerate(STAGES):
        state = tickets[f"{stage.name}状态"]
        due = tickets[f"{stage.name}时限"]
        hit = state.isin(OPEN_STAGE_STATES) & due.notna()
        if hit.any():
            parts.append(pd.DataFrame({
                "行": tickets.index[hit.to_numpy()], "环节": stage.name, "截止时间": due[hit].to_numpy(),
                "状态": state[hit].to_numpy(), "阶段序": order,
            }))
    if not parts:
        return pd.DataFrame({"行": pd.Series(dtype=int), "环节": pd.Series(dtype=object),
                             "截止时间": pd.Series(dtype="datetime64[ns]"), "状态": pd.Series(dtype=object),
                             "阶段序": pd.Series(dtype=int)})
    return pd.concat(parts, ignore_index=True)


def span_text(hours: float) -> str:
    """A duration as staff say it: '45 分钟', '3.5 小时', '2 天 5 小时' (hours ≥ 0)."""
    if hours < 1:
        return f"{max(1, round(hours * 60))} 分钟"
    if hours < 24:
        return f"{hours:.1f} 小时".replace(".0 小时", " 小时")
    days, rest = divmod(round(hours), 24)
    return f"{days} 天" + (f" {rest} 小时" if rest else "")


def left_or_late(due, now) -> str:
    """'还剩 3.5 小时' before the deadline, '已超时 2 天 5 小时' after it (clock time)."""
    hours = (pd.Timestamp(due) - pd.Timestamp(now)) / _HOUR
    return f"还剩 {span_text(hours)}" if hours >= 0 else f"已超时 {span_text(-hours)}"


def tenths(value: float) -> float:
    """Rounded to one decimal, halves up as people round (0.25 → 0.3; Python's round gives 0.2)."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


def overdue_bucket(hours_late: float) -> str:
    """<1 天, 1–3 天, 3–7 天 or >7 天 for a stage that is ``hours_late`` past its deadline."""
    for limit, label in zip((24, 72, 168), S.OVERDUE_BUCKETS):
        if hours_late < limit:
            return label
    return S.OVERDUE_BUCKETS[-1]


def escalated_to(owner, supervisors: dict[str, str | None], manager: str | None):
    """The owner's 上级主管, else the 客服经理 (also for unassigned tickets)."""
    return (supervisors.get(owner) or manager) if owner else manager


# ---- 超时预警 -----------------------------------------------------------------------------------
def stale_pauses(tickets: pd.DataFrame, pauses: pd.DataFrame, now, limit_days: float) -> dict[object, tuple[float, str]]:
    """{ticket index label: (days paused, '已暂停 N 天（原因，自 YYYY-MM-DD）')} for open pauses
    that began more than ``limit_days`` ago (the earliest such pause of each ticket)."""
    now = pd.Timestamp(now)
    still = pauses[pauses["暂停开始"].notna() & pauses["暂停结束"].isna() & pauses["工单号"].notna()]
    still = still[(now - still["暂停开始"]) > pd.Timedelta(days=limit_days)]
    if still.empty:
        return {}
    first = still.sort_values("暂停开始").drop_duplicates("工单号")
    label_of = pd.Series(tickets.index, index=tickets["服务工单号"].to_numpy())
    label_of = label_of[label_of.index.notna() & ~label_of.index.duplicated()]
    out = {}
    for number, begin, reason in first[["工单号", "暂停开始", "暂停原因"]].itertuples(index=False, name=None):
        if number not in label_of.index:
            continue
        days = (now - begin) / np.timedelta64(1, "D")
        why = f"{reason}，" if isinstance(reason, str) and reason else ""
        out[label_of[number]] = (days, f"已暂停 {int(days)} 天（{why}自 {begin:%Y-%m-%d}）")
    return out


def escalation_rows(tickets: pd.DataFrame, supervisors: dict[str, str | None], manager: str | None,
                    now, *, pauses: pd.DataFrame | None = None,
                    stale_days: float = DEFAULT_STALE_PAUSE_DAYS) -> list[dict]:
    """The 超时预警 rows for ``tickets`` (with 时限/状态 columns) as of ``now``, in 处理顺序."""
    now = pd.Timestamp(now)
    live = tickets[open_mask(tickets)]
    stages = open_stages(live)
    alerts = stages[stages["状态"].isin(ALERT_STATES)].copy()
    alerts["_rank"] = np.where(alerts["状态"] == sla.OVERDUE, 0, 1)
    alerts = alerts.sort_values(["行", "_rank", "截止时间", "阶段序"])
    stale = stale_pauses(live, pauses, now, stale_days) if pauses is not None else {}

    chosen = alerts.drop_duplicates("行")
    # A long pause is what to act on, whatever its stage says: 即将超时 only because the clock time
    # since 受理 includes the pause, 已超时 for a stage that fell due before the pause — either
    # way the ticket waits on the customer or the parts, so it goes in the 暂停超期 group.
    chosen = chosen.assign(状态=np.where(chosen["行"].isin(list(stale)), STALE_PAUSE, chosen["状态"]))
    # Every alerting stage after each ticket's first, in the order above (plain tuples: one
    # pandas group per ticket cost seconds at 100,000 tickets).
    parts: dict = {}
    seen: set = set()
    for label, stage, due in alerts[["行", "环节", "截止时间"]].itertuples(index=False, name=None):
        if label in seen:
            parts.setdefault(label, []).append(f"{stage} {left_or_late(due, now)}")
        else:
            seen.add(label)
    others = {label: "；".join(texts) for label, texts in parts.items()}
    # A stale pause without an alerting stage: listed on the ticket's earliest open stage.
    paused_only = [label for label in stale if label not in set(chosen["行"])]
    if paused_only:
        extra = stages[stages["行"].isin(paused_only)].sort_values(["行", "截止时间", "阶段序"]).drop_duplicates("行")
        missing = set(paused_only) - set(extra["行"])
        if missing:  # no open stage with a deadline (no rule): still listed, without one
            extra = pd.concat([extra, pd.DataFrame({"行": sorted(missing), "环节": None, "截止时间": pd.NaT,
                                                    "状态": None, "阶段序": 99})], ignore_index=True)
        extra = extra.assign(状态=STALE_PAUSE)
        chosen = pd.concat([chosen, extra], ignore_index=True)
    if chosen.empty:
        return []

    out = []
    # The tickets' cells by label, once (``live.loc[label]`` per row builds a Series each time).
    fields = ["服务工单号", "客户名称/姓名", "需求类型", "紧急程度", "当前状态", "处理人"]
    cells = dict(zip(live.index, live[fields].itertuples(index=False, name=None)))
    for label, stage, due, state in chosen[["行", "环节", "截止时间", "状态"]].itertuples(index=False, name=None):
        ticket = dict(zip(fields, cells[label]))
        hours = (pd.Timestamp(due) - now) / _HOUR if not pd.isna(due) else None
        late = hours is not None and hours < 0
        owner = ticket["处理人"]
        row = {
            "预警状态": state, "工单号": ticket["服务工单号"], "客户名称": ticket["客户名称/姓名"],
            "需求类型": ticket["需求类型"], "紧急程度": ticket["紧急程度"], "当前状态": ticket["当前状态"],
            "处理人": owner, "上级主管": escalated_to(owner, supervisors, manager), "环节": stage,
            "截止时间": None if pd.isna(due) else pd.Timestamp(due),
            "剩余/超时": None if hours is None else left_or_late(due, now),
            "剩余(小时)": tenths(hours) if hours is not None and not late else None,
            "超时(小时)": tenths(-hours) if late else None,
            "超时(天)": tenths(-hours / 24) if late else None,
            "超时时长": overdue_bucket(-hours) if late else None,
            "暂停超期": stale[label][1] if label in stale else None, "其他预警环节": others.get(label),
            "刷新时间": now, "_paused_days": stale[label][0] if label in stale else 0.0,
        }
        out.append(row)
    out.sort(key=lambda r: _queue_key(r, now))
    headers = [c.header for c in S.ESCALATION.owned_by(S.PROGRAM)]  # 处理意见 is the staff's
    return [{h: (i if h == "处理顺序" else r.get(h)) for h in headers} for i, r in enumerate(out, start=1)]


def _queue_key(row: dict, now: pd.Timestamp) -> tuple:
    """Where a row goes in the queue (see the module docstring)."""
    state, bucket = row["预警状态"], row["超时时长"]
    late = row["超时(小时)"] or 0.0
    if state == sla.AT_RISK:
        return (0, row["截止时间"] or now, row["工单号"] or "")
    if state == STALE_PAUSE:
        return (2, -row["_paused_days"], row["工单号"] or "")
    group = {S.OVERDUE_BUCKETS[0]: 1, S.OVERDUE_BUCKETS[1]: 3, S.OVERDUE_BUCKETS[2]: 4}.get(bucket, 5)
    return (group, late, row["工单号"] or "")


@step("超时预警", needs={"statuses"})
def escalation_step(work: Work) -> None:
    """Rebuild the 超时预警 sheet: one row per ticket that needs action, in the order of work."""
    tickets = work.view(INTAKE)
    settings = work.settings
    supervisors = {m.name: m.supervisor for m in settings.staff}
    manager = settings.params.get("客服经理") or None
    pauses = work.view(S.PAUSES.name) if S.PAUSES.name in work.snapshot else None
    stale_days = settings.number("暂停超期天数", DEFAULT_STALE_PAUSE_DAYS)
    rows = escalation_rows(tickets, supervisors, manager, work.now, pauses=pauses,
                           stale_days=stale_days) if not tickets.empty else []
    work.rebuild(S.ESCALATION.name, rows)
    counts = {state: sum(1 for r in rows if r["预警状态"] == state) for state in S.ALERT_STATES}
    fresh = sum(1 for r in rows if r["超时时长"] == S.OVERDUE_BUCKETS[0])
    flagged = sum(1 for r in rows if r["暂停超期"])
    work.lines.append(
        f"超时预警：{len(rows)} 张工单需处理 — 即将超时 {counts[sla.AT_RISK]} 张，"
        f"已超时 {counts[sla.OVERDUE]} 张（其中超时不到 1 天 {fresh} 张），"
        f"暂停超过 {stale_days:g} 天 {flagged} 张")
