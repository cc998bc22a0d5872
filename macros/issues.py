"""The 数据问题 sheet: every problem a run found, one row each, errors first."""

from __future__ import annotations

import pandas as pd

from macros.steps import step
from macros.work import Work
from workbook import schema as S
from workbook.problems import ERROR, NOTICE, WARNING, show_value

LEVEL_ORDER = {ERROR: 0, WARNING: 1, NOTICE: 2}
SHEET_ORDER = {s.name: i for i, s in enumerate(S.SHEETS)}


def split_reason(reason: str) -> tuple[str, str | None]:
    """(问题, 改法): messages say the problem, then « — » and how to fix it."""
    what, dash, fix = (reason or "").partition(" — ")
    return (what, fix) if dash and fix else (reason, None)


TICKET_COLUMNS = ("服务工单号", "工单号")  # the intake's own number; the other sheets' link to it


def _ticket_of(work: Work, sheet: str | None, row: int | None):
    """The ticket number on the problem's row, when its sheet has one (so 数据问题 can be filtered by it)."""
    if sheet is None or row is None or sheet not in work.snapshot.sheets:
        return None
    frame = work.view(sheet)
    for header in TICKET_COLUMNS:
        if header in frame.columns and row in frame.index:
            value = frame.at[row, header]
            return None if pd.isna(value) or value == "" else value
    return None


@step("数据问题")
def issues_step(work: Work) -> None:
    """Rebuild 数据问题 from the problems found while reading and by the steps of this run."""
    seen_at: dict[tuple, object] = {}
    if S.DATA_ISSUES.name in work.snapshot.sheets:
        old = work.snapshot.frame(S.DATA_ISSUES.name)
        for sheet, row, col, reason, fix, found in old[["工作表", "行号", "列", "问题", "改法", "发现时间"]].itertuples(
                index=False, name=None):
            full = f"{reason} — {fix}" if isinstance(fix, str) and fix else reason
            seen_at[(sheet, None if pd.isna(row) else int(row), col, full)] = found
    unique = {}
    for p in work.snapshot.problems + work.problems:
        unique.setdefault((p.sheet, p.row, p.column, p.reason), p)
    problems = sorted(unique.values(), key=lambda p: (LEVEL_ORDER.get(p.level, 3), SHEET_ORDER.get(p.sheet, 99),
                                                      p.row or 0, p.column or ""))
    now = pd.Timestamp(work.now)
    rows = []
    for p in problems:
        key = (p.sheet, p.row, p.column, p.reason)
        found = seen_at.get(key)
        what, fix = split_reason(p.reason)
        if fix is None and p.sheet and p.row and p.column:  # the message names no fix: say where
            fix = f"到「{p.sheet}」第 {p.row} 行补上或改正「{p.column}」，再运行一次"
        rows.append({
            "工作表": p.sheet, "行号": p.row, "列": p.column, "值": show_value(p.value, 200).strip("“”") or None,
            "问题": what, "改法": fix, "级别": p.level, "工单号": p.ticket or _ticket_of(work, p.sheet, p.row),
            "发现时间": found if found is not None and not pd.isna(found) else now,
        })
    work.rebuild(S.DATA_ISSUES.name, rows)
    errors = sum(1 for p in problems if p.level == ERROR)
    work.lines.append(f"数据问题：{errors} 个错误，{len(problems) - errors} 个警告/提示（见「数据问题」表）")
