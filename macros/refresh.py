"""The routines: each reads the workbook once, runs its steps, and writes once.

Every routine takes a source — a path (headless) or an ``xw.Book`` (ribbon button) — and ``now``,
and is the one implementation behind its ribbon button, its CLI command and its tests.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from macros.anomalies import anomalies_step
from macros.callbacks import callback_tasks_step, followups_step
from macros.deadlines import deadlines_step, statuses_step
from macros.dispatch import dispatch_step, numbering_step
from macros.escalate import escalation_step
from macros.getting_started import getting_started_step
from macros.issues import issues_step
from macros.steps import check_order, like
from macros.todo import todo_step
from macros.work import Work
from workbook import Problem, open_workbook
from workbook.problems import ERROR

Step = Callable[[Work], None]


@dataclass
class RunResult:
    """What a routine did: lines for the user, the problems found, whether the file changed."""

    lines: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    backup: Path | None = None
    results: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: 读取, each step, 写入

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]


def run_steps(source, steps: Iterable[Step], *, now: dt.datetime | None = None, force: bool = False,
              progress: Callable[[str], None] | None = None, write: bool = True,
              backups: int | None = None, then: Callable[[Work, RunResult], None] | None = None) -> RunResult:
    """Read ``source`` once, run ``steps`` in order on one Work, write the result once.

    ``then(work, result)``: called after a successful write with the frames the run holds — the
    fronts render the reports 全部刷新 is asked for from them, without reading the file again.

    ``now`` None: the clock, read in the workbook's 系统参数 时区 (a server on UTC still works
    in the team's time); a given ``now`` is used as it is.
    """
    given = now.replace(microsecond=0) if now is not None else None
    say = progress or (lambda _text: None)
    steps = list(steps) + [getting_started_step]  # every run leaves 开始使用 current
    infos = check_order(steps)  # before reading: a misordered routine is a programming error
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    say("读取工作簿 …")
    with open_workbook(source, force=force, read_only=not write) as session:
        timings["读取"] = time.perf_counter() - clock
        work = Work(session.snapshot, given, progress=say, udfs=excel_has_udfs(session))
        if given is None:
            from macros.settings import team_now

            work.now = team_now(work.settings.zone)
        now = work.now
        for i, (step, info) in enumerate(zip(steps, infos), start=1):
            name = info.name
            say(f"({i}/{len(steps)}) {name}")
            clock = time.perf_counter()
            step(work)
            timings[name] = time.perf_counter() - clock
        reminder = _calendar_reminder(work, source)
        if reminder:
            work.lines.insert(0, reminder)
        result = RunResult(lines=list(work.lines), problems=work.snapshot.problems + work.problems,
                           results=work.results, timings=timings)
        if write:
            say("写入工作簿 …")
            clock = time.perf_counter()
            commit = session.commit(work.changes(), now=now, backups=backups)
            timings["写入"] = time.perf_counter() - clock
            result.written, result.backup = commit.written, commit.backup
            result.lines += commit.lines if commit.written else ["没有需要写入的变化"]
    if then is not None:  # after the lock is released: rendering needs no lock
        clock = time.perf_counter()
        then(work, result)
        timings["报告"] = time.perf_counter() - clock
    return result


def excel_has_udfs(session) -> bool:
    """A file: whoever opens it may have the add-in (formulas carry their values). A live book:
    Excel on macOS has no xlwings UDFs, so its ribbon runs turn program formulas into values."""
    return session.is_file or sys.platform != "darwin"


def _calendar_reminder(work: Work, source) -> str | None:
    """From 11-01, while next year's holidays are missing: the one line every run says (SPEC §12)."""
    from macros.calendar_year import reminder_for
    from workbook.errors import WorkbookError

    try:
        return reminder_for(work, str(source) if isinstance(source, (str, Path)) else None)
    except (WorkbookError, KeyError):  # a damaged 系统参数 sheet is reported by the routine itself
        return None


def _project_steps() -> list[Step]:
    from macros.project import checklist_step, project_step

    return [project_step, checklist_step]


def _kpi_step(start: dt.date | None = None, end: dt.date | None = None) -> Step:
    from macros.kpi import kpi_step

    return like(kpi_step, lambda work: kpi_step(work, start=start, end=end))


def _summary_step(month: str | None = None) -> Step:
    from macros.summary import summary_step

    return like(summary_step, lambda work: summary_step(work, month=month))


# ---- the routines ---------------------------------------------------------------------------------
def dispatch(source, *, now=None, force=False, progress=None) -> RunResult:
    """派单: check the data, assign unassigned tickets, stamp their deadlines, list data problems."""
    return run_steps(source, [numbering_step, anomalies_step, dispatch_step, deadlines_step, issues_step],
                     now=now, force=force, progress=progress)


def escalate(source, *, now=None, force=False, progress=None) -> RunResult:
    """超时预警: refresh deadlines and statuses; rebuild the 超时预警 queue and 我的待办."""
    return run_steps(source, [deadlines_step, statuses_step, escalation_step, todo_step],
                     now=now, force=force, progress=progress)


def callbacks(source, *, now=None, force=False, progress=None) -> RunResult:
    """回访任务: create callback tasks and 二次处理 tickets for low survey scores."""
    return run_steps(source, [followups_step, deadlines_step, callback_tasks_step],
                     now=now, force=force, progress=progress)


def kpi(source, *, now=None, start=None, end=None, force=False, progress=None, write=True) -> RunResult:
    """刷新KPI: the KPI看板 for a period (with --json nothing is written)."""
    return run_steps(source, [deadlines_step, statuses_step, _kpi_step(start, end)],
                     now=now, force=force, progress=progress, write=write)


def summary(source, *, month: str | None = None, now=None, force=False, progress=None) -> RunResult:
    """月度汇总: the 月报_YYYY-MM sheet for a month."""
    return run_steps(source, [deadlines_step, statuses_step, _summary_step(month)],
                     now=now, force=force, progress=progress)


def staffing(source, *, now=None, force=False, progress=None) -> RunResult:
    """人员配置: the 人员配置测算 sheet — head-count per role from the workbook's history."""
    from macros.staffing import staffing_step

    return run_steps(source, [staffing_step], now=now, force=force, progress=progress)


def getting_started(source, *, now=None, force=False, progress=None, backups: int | None = None) -> RunResult:
    """开始使用: check what the team still has to fill in (every routine also does this).

    ``backups=0`` for a workbook just created (nothing to back up)."""
    return run_steps(source, [], now=now, force=force, progress=progress, backups=backups)


def refresh_all(source, *, now=None, force=False, progress=None, then=None) -> RunResult:
    """全部刷新: validation, dispatch, deadlines, escalation, callbacks, project sheets, checklist,
    KPIs and the current month's summary — one read, one write (``then``: see ``run_steps``)."""
    steps: list[Step] = [followups_step, numbering_step, anomalies_step, dispatch_step, deadlines_step, statuses_step,
                         callback_tasks_step, escalation_step, todo_step]
    steps += _project_steps()
    steps += [_kpi_step(), _summary_step(), issues_step]
    return run_steps(source, steps, now=now, force=force, progress=progress, then=then)


def values_only(source, *, now=None, force=False, progress=None) -> RunResult:
    """公式转数值: every formula the program wrote becomes its value, and stays so (macOS, WPS)."""
    from macros.deadlines import deadlines_step
    from macros.live_cells import values_only_step
    from macros.project import checklist_step

    return run_steps(source, [values_only_step, deadlines_step, checklist_step], now=now, force=force,
                     progress=progress)
