"""Deadline (时限) and status (状态) columns of the intake sheet, for whole columns at once.

Each stage has a start, an event that ends it, and a rule from the 时限标准 sheet: the rows for
the ticket's 需求类型 and its 紧急程度 both apply and the stricter (earlier) deadline wins; the
stage's 全部 row applies when neither exists (udfs.policy). Paused time (暂停记录) does not consume
the first-response and resolution clocks, and a pause moves only a stage still open when it
starts. 即将超时 is measured in the target's unit (working time for 工作小时/工作日).

Values by default: the routines write these columns on every platform, so Windows Excel, macOS
Excel, LibreOffice and headless runs all show the same values. With 系统参数 时限计算方式 = 公式
the 时限 cells a formula can give are SLA_DEADLINE formulas carrying those values
(``decide_deadline_formulas``); the 状态 columns stay values (they depend on the time).
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
from workbook.formulas import this_row, typed_over
from workbook.problems import ERROR, NOTICE, WARNING

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
    """Tickets for which ``stage`` does not exist: no 时限标准 rule applies to them, or (登记) no
    登记时间 is recorded or the program registered the ticket itself. A ticket that is in the sheet
    is registered: only a team that types 登记时间 measures its registration (schema
    REGISTRATION_NOTE), so a blank 登记时间 is never late and a 二次处理 ticket never is."""
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
    if stage == "登记":
        out = out | tickets["登记时间"].isna().to_numpy()
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
    unpaused: dict[str, pd.Series] = {}  # what SLA_DEADLINE (no pauses) gives, per 时限 column
    failed: dict[str, set[int]] = {}  # rows whose deadline is an error (a problem) at that stage
    for stage in STAGES:
        header = f"{stage.name}时限"
        start = stage_start(tickets, stage)
        chosen = stage_rules(work, tickets, stage)
        before = len(work.problems)
        _report(work, tickets, header, start, chosen.errors)
        unpaused[header] = pd.Series(chosen.due, index=tickets.index).astype("datetime64[ns]")
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
        failed[header] = {p.row for p in work.problems[before:] if p.sheet == INTAKE and p.column == header}
        tickets[header] = pd.Series(due, index=tickets.index).astype("datetime64[ns]")
    tickets["暂停工时"] = _paused_hours(work, tickets, owners, begins, ends)
    work.lines.append(f"时限：已计算 {len(tickets)} 张工单的 {len(STAGES)} 个环节截止时间")
    decide_deadline_formulas(work, tickets, unpaused, failed)


# ---- 时限计算方式 = 公式: the 时限 columns as SLA_DEADLINE formulas --------------------------------
CALENDAR_ARGUMENTS = ("节假日列表", "调休上班日列表", "工作时间", "每周休息日", "节假日数据年份")


def deadline_mode(work: Work) -> str:
    """系统参数 时限计算方式: 数值 (also when blank or missing) or 公式; anything else is 数值, reported."""
    value = work.settings.params.get(S.DEADLINE_MODE)
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    if text in S.DEADLINE_MODES:
        return text if work.formulas_wanted() else S.DEADLINE_VALUES
    if text:
        work.problems.append(Problem(S.PARAMS.name, None, "值", value,
                                     f"「{S.DEADLINE_MODE}」只能是「数值」或「公式」— 已按「数值」计算", WARNING))
    return S.DEADLINE_VALUES


def deadline_formula(stage: Stage, settings_cell: str) -> str:
    """The SLA_DEADLINE formula of a stage's 时限 cell (file spelling, no "=")."""
    table = S.INTAKE.table
    args = [f'"{stage.name}"', this_row(table, stage.start), this_row(table, "需求类型"),
            this_row(table, "紧急程度"), settings_cell, f"{S.SLA_POLICY.table}[#All]", *CALENDAR_ARGUMENTS]
    if stage.start_fallback:
        args.append(this_row(table, stage.start_fallback))
    return "SLA_DEADLINE(" + ",".join(args) + ")"


SETTINGS_FORMULA = f"SLA_SETTINGS({S.SLA_POLICY.table}[#All]," + ",".join(CALENDAR_ARGUMENTS) + ")"


def decide_deadline_formulas(work: Work, tickets: pd.DataFrame, unpaused: dict[str, pd.Series],
                             failed: dict[str, set[int]]) -> None:
    """In 公式 mode, each 时限 cell whose value SLA_DEADLINE gives (no pause moved it, no error) is
    that formula, with the value cached; the others hold the routine's value. The 时限参数 cell
    holds SLA_SETTINGS. In 数值 mode every program formula there goes back to its value."""
    data = work.snapshot[INTAKE]
    headers = [f"{stage.name}时限" for stage in STAGES]
    mode = deadline_mode(work)
    settings_cell = _settings_cell(work, mode)
    if mode != S.DEADLINE_FORMULAS or settings_cell is None or data.table is None:
        for header in headers:
            work.decide_formulas(INTAKE, header, {})
            work.decide_calculated(INTAKE, header, None)
        return
    kept = 0
    for stage, header in zip(STAGES, headers):
        formula = deadline_formula(stage, settings_cell)
        typed = typed_over(data, header)
        same = (unpaused[header] == tickets[header]) | (unpaused[header].isna() & tickets[header].isna())
        by_row: dict[int, str | None] = {}
        for row, ok in zip(tickets.index, same.to_numpy()):
            row = int(row)
            if ok and row not in failed[header]:
                if row in typed and not _same(data.frame.at[row, header], tickets.at[row, header]):
                    # staff typed over the formula: theirs
                    tickets.at[row, header] = data.frame.at[row, header]
                    kept += 1
                    continue
                by_row[row] = formula
            else:
                by_row[row] = None  # paused, or an error: the routine's value
        work.decide_formulas(INTAKE, header, by_row)
        work.decide_calculated(INTAKE, header, formula)
    if kept:
        work.problems.append(Problem(INTAKE, None, "时限", kept,
                                     f"{kept} 个时限单元格原为公式、现为手工填写的值，程序未覆盖 — "
                                     "如需恢复公式，请清空这些单元格后点「全部刷新」", NOTICE))


def _settings_cell(work: Work, mode: str) -> str | None:
    """The absolute reference of the 时限参数 cell, its SLA_SETTINGS formula decided (公式), or
    its program formula turned back into a blank (数值). None without a 系统参数 sheet."""
    from udfs.live_settings import build_settings
    from workbook.xlsxpatch import col_letter

    if S.PARAMS.name not in work.snapshot.sheets:
        return None
    params = work.frame(S.PARAMS.name)
    rows = params.index[params["参数"] == S.DEADLINE_SETTINGS]
    if mode != S.DEADLINE_FORMULAS:
        if len(rows):
            work.decide_formulas(S.PARAMS.name, "值", {int(r): None for r in rows})
            params["值"] = params["值"].astype(object)
            params.loc[rows, "值"] = None
        return None
    if len(rows):
        label = int(rows[0])
    else:
        note = next(row[2] for row in S.PARAMS_ROWS if row[0] == S.DEADLINE_SETTINGS)
        label = work.new_row_labels(S.PARAMS.name, 1)[0]
        added = pd.DataFrame({"参数": [S.DEADLINE_SETTINGS], "值": [None], "说明": [note]}, index=[label])
        params = pd.concat([params, added.reindex(columns=params.columns)])
        work.frames[S.PARAMS.name] = params
    policy = work.view(S.SLA_POLICY.name)
    rows_of_policy = [list(policy.columns)] + [[_plain(v) for v in row]
                                               for row in policy.itertuples(index=False, name=None)]
    p = work.settings.params
    try:
        token = build_settings(rows_of_policy, _dates(work, S.HOLIDAYS.name), _dates(work, S.MAKEUP_DAYS.name),
                               p.get("工作时间"), p.get("每周休息日"), p.get("节假日数据年份")).token
    except Exception as error:  # noqa: BLE001 - the cell shows what SLA_SETTINGS would
        from udfs._excel import cell_error

        token = cell_error(error)
    params["值"] = params["值"].astype(object)
    params.at[label, "值"] = token
    work.decide_formulas(S.PARAMS.name, "值", {label: SETTINGS_FORMULA})
    column = work.snapshot[S.PARAMS.name].columns["值"]
    return f"'{S.PARAMS.name}'!${col_letter(column)}${label}"


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and pd.Timestamp(a) == pd.Timestamp(b))


def _dates(work: Work, name: str) -> list:
    if name not in work.snapshot.sheets:
        return []
    return [[_plain(v)] for v in work.view(name)["日期"]]


def _plain(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


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
    values = np.full(len(tickets), np.nan)  # filled by position, one Series at the end
    if not len(owners):
        return pd.Series(values, index=tickets.index)
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
            values[position] = round(hours, 2)
        except (sla.SlaError, CalendarError) as error:  # e.g. a pause in a year without holiday data
            row = int(tickets.index[position])
            work.problems.append(Problem(S.PAUSES.name, None, "暂停开始", tickets["服务工单号"].iloc[position],
                                         f"工单第{row}行的暂停记录无法计算：{error}", ERROR))
    return pd.Series(values, index=tickets.index)


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
    work.lines.append(overdue_line(tickets, events, work.now))


def overdue_line(tickets: pd.DataFrame, events, now) -> str:
    """The run's line on overdue tickets, by the one definition 超时率 uses (macros.kpi.overdue_flags:
    first response or resolution late or past due) — the open ones first (what needs action now),
    then all of them."""
    from macros.kpi import OVERDUE_STAGES, overdue_flags

    _assessed, overdue = overdue_flags(tickets, {name: events[name] for name in OVERDUE_STAGES}, now)
    still_open = overdue & S.open_tickets(tickets).to_numpy()
    return (f"状态：首次响应或解决超时、仍未完成的工单 {int(still_open.sum())} 张 — 见「超时预警」；"
            f"累计超时（含已完成）{int(overdue.sum())} 张（截至 {now:%Y-%m-%d %H:%M}）")
