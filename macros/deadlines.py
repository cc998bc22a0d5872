"""Deadline (时限) and status (状态) columns of the intake sheet, for whole columns at once.

Each stage has a start, an event that ends it, and a rule from the 时限标准 sheet: the rows for
the ticket's 需求类型 and its 紧急程度 both apply and the stricter (earlier) deadline wins; the
stage's 全部 row applies when neither exists (udfs.policy). Paused time (暂停记录) does not consume
the first-response and resolution clocks, and a pause moves only a stage still open when it
starts. 即将超时 is measured in the target's unit (working time for 工作小时/工作日).

Values rather than formulas: the routines write these columns on every platform, so Windows
Excel, macOS Excel, LibreOffice and headless runs all show the same values; the same maths is
available as UDFs (udfs.sla_due / udfs.sla_status) for cells the team adds themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macros.steps import step
from macros.work import Work
from udfs import policy as sla_policy
from udfs import sla
from udfs.errors import BatchError, CalendarError
from workbook import Problem
from workbook import schema as S
from workbook.problems import ERROR

INTAKE = S.INTAKE.name


@dataclass(frozen=True)
class Stage:
    name: str  # 登记, 分配, …
    start: str  # the intake column that starts the clock
    start_fallback: str | None  # used where ``start`` is blank
    event: str | None  # the intake column that stops it (None: from another sheet)
    paused: bool  # whether 暂停 time extends this stage


STAGES: tuple[Stage, ...] = (
    Stage("登记", "受理时间", None, "登记时间", False),
    Stage("分配", "登记时间", "受理时间", "分配时间", False),
    Stage("首次响应", "受理时间", None, "首次响应时间", True),
    Stage("解决", "受理时间", None, "完成时间", True),
    Stage("结果反馈", "完成时间", None, "结果反馈时间", False),
    Stage("客户确认", "完成时间", None, None, False),
    Stage("回访", "完成时间", None, None, False),
)


def stage_start(tickets: pd.DataFrame, stage: Stage) -> pd.Series:
    start = tickets[stage.start]
    if stage.start_fallback:
        start = start.fillna(tickets[stage.start_fallback])
    return start


def stage_events(work: Work, tickets: pd.DataFrame) -> dict[str, pd.Series]:
    """When each stage's event happened, per ticket (NaT when it has not) — the KPIs' definition."""
    from macros.kpi import TicketLookup, stage_events as events_of

    plan = work.view(S.CALLBACK_PLAN.name) if S.CALLBACK_PLAN.name in work.snapshot.sheets else \
        pd.DataFrame({"工单号": pd.Series(dtype=object), "回访状态": pd.Series(dtype=object),
                      "实际回访时间": pd.Series(dtype="datetime64[ns]")})
    return events_of(tickets, TicketLookup(tickets["服务工单号"]), work.view(S.CONFIRMATION.name),
                     work.view(S.SURVEY.name), plan)


def stage_rules(work: Work, tickets: pd.DataFrame, stage: Stage) -> sla_policy.StageDues:
    """The winning 时限标准 rule per ticket at ``stage`` and its deadline before pauses.

    SPEC §3: the type's and the urgency's rows both apply and the stricter wins
    (udfs.policy.stage_dues — the same code as the Excel function SLA_STAGE_DUE). Computed once
    per run and stage: 计算状态 reuses what 计算时限 chose.
    """
    memo = work.memo.setdefault("stage_rules", {})
    key = (stage.name, id(tickets), len(tickets))
    if key not in memo:
        memo[key] = sla_policy.stage_dues(work.settings.sla, stage.name, stage_start(tickets, stage),
                                          tickets["需求类型"], tickets["紧急程度"], work.settings.calendar)
    return memo[key]


def not_applicable(work: Work, tickets: pd.DataFrame, stage: str, units: np.ndarray) -> np.ndarray:
    """Tickets for which ``stage`` does not exist: no 时限标准 rule applies to them, or (登记) the
    program registered the ticket itself — a 二次处理 ticket is never late being registered."""
    out = np.asarray(units == None, dtype=bool)  # noqa: E711 - object array of units
    # A blank 需求类型 or 紧急程度 is not yet known (dispatch fills 紧急程度): when some rule of the
    # stage could apply once it is, the stage is 未开始 rather than 不适用.
    scopes = {scope for (name, scope) in work.settings.sla if name == stage}
    unknown = np.zeros(len(tickets), dtype=bool)
    if scopes & set(S.URGENCIES):
        unknown |= tickets["紧急程度"].isna().to_numpy()
    if scopes & set(S.REQUEST_TYPES):
        unknown |= tickets["需求类型"].isna().to_numpy()
    out &= ~unknown
    if stage == "登记" and S.SURVEY.name in work.snapshot.sheets:
        from macros.callbacks import created_followups

        out = out | tickets["服务工单号"].isin(created_followups(work.view(S.SURVEY.name))).to_numpy()
    return out


def pause_table(work: Work, tickets: pd.DataFrame):
    """(positions, begins, ends) of every pause, positions indexing ``tickets``."""
    pauses = work.view(S.PAUSES.name)
    position = pd.Series(np.arange(len(tickets)), index=tickets["服务工单号"].to_numpy())
    position = position[~position.index.duplicated()]
    rows = pauses[pauses["工单号"].isin(position.index) & pauses["暂停开始"].notna()]
    owners = position[rows["工单号"]].to_numpy()
    # A pause left open (暂停结束 blank) stays open here: each stage ends it at its own event
    # (extend_for_pauses' ``done``), 暂停工时 at 完成时间 — or at now while the ticket is open.
    return owners, rows["暂停开始"].to_numpy(), rows["暂停结束"].to_numpy()


@step("计算时限", provides={"deadlines"}, invalidates={"statuses"})
def deadlines_step(work: Work) -> None:
    """Compute every 时限 column (and 暂停工时) of the intake sheet."""
    tickets = work.frame(INTAKE)
    if tickets.empty:
        return
    settings = work.settings
    owners, begins, ends = pause_table(work, tickets)
    work.memo.pop("stage_rules", None)  # the tickets may have changed since an earlier step
    for stage in STAGES:
        start = stage_start(tickets, stage)
        chosen = stage_rules(work, tickets, stage)
        _report(work, tickets, f"{stage.name}时限", start, chosen.errors)
        # Tickets without a rule for this stage (e.g. no callback for 咨询类) get no deadline.
        skip = not_applicable(work, tickets, stage.name, chosen.units)
        start = start.where(pd.Series(~skip, index=tickets.index))
        due = np.where(skip, np.datetime64("NaT"), chosen.due)
        units = np.where(skip, "小时", chosen.units)  # placeholder where skipped: start is blank
        if stage.paused and len(owners):
            # A pause moves only a stage still open when it starts (its event not yet reached).
            done = tickets[stage.event].to_numpy(dtype="datetime64[ns]")
            due = _column(work, tickets, f"{stage.name}时限", start,
                          lambda d=due, s=start, u=units, e=done: sla.extend_for_pauses_many(
                              d, u, settings.calendar, work.now, starts=s, pause_rows=owners,
                              pause_starts=begins, pause_ends=ends, dones=e))
        tickets[f"{stage.name}时限"] = pd.Series(due, index=tickets.index).astype("datetime64[ns]")
    tickets["暂停工时"] = _paused_hours(work, tickets, owners, begins, ends)
    work.lines.append(f"时限：已计算 {len(tickets)} 张工单的 {len(STAGES)} 个环节截止时间")


def _report(work: Work, tickets: pd.DataFrame, header: str, start: pd.Series, errors: dict) -> None:
    for position, error in errors.items():
        row = int(tickets.index[position])
        work.problems.append(Problem(INTAKE, row, header, start.iloc[position], str(error), ERROR,
                                     ticket=tickets["服务工单号"].iloc[position]))


def _column(work: Work, tickets: pd.DataFrame, header: str, start: pd.Series, compute) -> np.ndarray:
    """Run a vectorised SLA computation; failed rows become problems and stay blank."""
    try:
        return compute()
    except BatchError as failed:
        _report(work, tickets, header, start, failed.errors)
        return failed.partial


def _paused_hours(work: Work, tickets: pd.DataFrame, owners, begins, ends) -> pd.Series:
    """Working hours each ticket spent paused between 受理时间 and 完成时间 (or now)."""
    out = pd.Series(np.nan, index=tickets.index)
    if not len(owners):
        return out
    by_ticket: dict[int, list] = defaultdict(list)
    for owner, begin, end in zip(owners, begins, ends):
        by_ticket[int(owner)].append((begin, end))
    received = tickets["受理时间"].to_numpy()
    finished = tickets["完成时间"].to_numpy()
    cal = work.settings.calendar
    for position, pauses in by_ticket.items():
        try:
            merged = sla.merge_pauses(
                [(_py(b), _py(e)) for b, e in pauses], work.now, start=_py(received[position]))
            stop = _py(finished[position])
            hours = 0.0
            for begin, end in merged:
                if stop is not None:
                    end = min(end, stop)
                if end > begin:
                    hours += sla.working_hours_between(begin, end, cal) or 0.0
            out.iloc[position] = round(hours, 2)
        except (sla.SlaError, CalendarError) as error:  # e.g. a pause in a year without holiday data
            row = int(tickets.index[position])
            work.problems.append(Problem(S.PAUSES.name, None, "暂停开始", tickets["服务工单号"].iloc[position],
                                         f"工单第{row}行的暂停记录无法计算：{error}", ERROR))
    return out


def _py(value):
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime()


@step("计算状态", needs={"deadlines"}, provides={"statuses"})
def statuses_step(work: Work) -> None:
    """Compute every 状态 column of the intake sheet as of ``work.now``."""
    tickets = work.frame(INTAKE)
    if tickets.empty:
        return
    events = stage_events(work, tickets)
    for stage in STAGES:
        start = stage_start(tickets, stage)
        chosen = stage_rules(work, tickets, stage)
        units, warnings = chosen.units, chosen.warnings
        header = f"{stage.name}状态"
        try:
            # 即将超时 is measured in the winning target's unit: working time for working units.
            values = sla.status_many(tickets[f"{stage.name}时限"], events[stage.name], work.now, start, warnings,
                                     units=np.where(chosen.applies, units, None), cal=work.settings.calendar)
        except BatchError as failed:
            values = failed.partial
            for position, error in failed.errors.items():
                work.problems.append(Problem(INTAKE, int(tickets.index[position]), header, None, str(error), ERROR))
        values[not_applicable(work, tickets, stage.name, units)] = sla.NOT_APPLICABLE
        tickets[header] = pd.Series(values, index=tickets.index, dtype=object)
    overdue = (tickets[[f"{s.name}状态" for s in STAGES]] == sla.OVERDUE).any(axis=1).sum()
    work.lines.append(f"状态：{overdue} 张工单有环节已超时（截至 {work.now:%Y-%m-%d %H:%M}）")
