"""What people write on rebuilt sheets stays with its row.

Output sheets (超时预警, KPI看板 …) are rewritten on every run, in a new order. People annotate
them — a supervisor's 处理意见 beside an overdue ticket, a column of their own added to the
table — and that text must follow its ticket from one rebuild to the next, whatever order or
layout the routine writes.

A row is identified by the sheet's ``carry_key`` (schema): first the exact key (工单号 + 环节),
then, when the layout changed or the ticket's alert moved to another stage, the ticket alone
(first key column). Text whose ticket is no longer on the sheet cannot be kept in place: it is
named in the run's output (and the previous version is in the 备份 folder), never dropped
silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from workbook import schema as S


@dataclass
class Carried:
    rows: list[dict]
    removed: list[str] = field(default_factory=list)  # Chinese lines for the run's output


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and not value.strip()


def _key_value(value):
    if _blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def carry_columns(data) -> dict[str, pd.Series]:
    """The columns of a rebuilt sheet the program does not own: staff columns and added ones."""
    out: dict[str, pd.Series] = {}
    for col in data.schema.owned_by(S.STAFF):
        if col.header in data.frame:
            out[col.header] = data.frame[col.header]
    if data.extras is not None:
        for header in data.extras.columns:
            out[header] = data.extras[header]
    return out


def carry_rows(data, rows: list[dict]) -> Carried:
    """``rows`` (the program's new body for ``data``'s sheet) with people's columns carried over."""
    sheet: S.Sheet = data.schema
    columns = carry_columns(data)
    kept = {h: s[[not _blank(v) for v in s.tolist()]] for h, s in columns.items()}
    kept = {h: s for h, s in kept.items() if not s.empty}
    if not kept:
        return Carried(rows)
    noted_rows = sorted({r for s in kept.values() for r in s.index})
    frame = data.frame
    key = [k for k in sheet.carry_key if k in frame.columns and (not rows or k in rows[0])]
    if not key:
        total = sum(len(s) for s in kept.values())
        names = "、".join(f"「{h}」" for h in kept)
        return Carried(rows, [f"{sheet.name}：重新生成时无法对应到原行，{names}中的 {total} 个单元格已清除"
                              "（上一版本在「备份」文件夹中）"])

    def exact(r: int) -> tuple:
        return tuple(_key_value(frame.at[r, k]) for k in key)

    by_exact: dict[tuple, list[int]] = {}
    by_ticket: dict[object, list[int]] = {}
    for r in noted_rows:
        by_exact.setdefault(exact(r), []).append(r)
        by_ticket.setdefault(_key_value(frame.at[r, key[0]]), []).append(r)

    used: set[int] = set()
    out: list[dict] = []
    pending: list[int] = []  # new rows without an exact match, tried by ticket afterwards
    for i, row in enumerate(rows):
        row = dict(row)
        out.append(row)
        sources = [r for r in by_exact.get(tuple(_key_value(row.get(k)) for k in key), []) if r not in used]
        if sources:
            _fill(row, kept, sources)
            used.update(sources)
        else:
            pending.append(i)
    for i in pending:
        ticket = _key_value(out[i].get(key[0]))
        sources = [r for r in by_ticket.get(ticket, []) if r not in used]
        if ticket is not None and sources:
            _fill(out[i], kept, sources)
            used.update(sources)
    removed_rows = [r for r in noted_rows if r not in used]
    lines = []
    if removed_rows:
        tickets = []
        for r in removed_rows:
            t = _key_value(frame.at[r, key[0]])
            if t is not None and t not in tickets:
                tickets.append(t)
        names = "、".join(f"「{h}」" for h in kept)
        shown = "、".join(str(t) for t in tickets[:10]) + ("等" if len(tickets) > 10 else "")
        lines.append(f"{sheet.name}：{len(removed_rows)} 行的{names}所属{key[0]}{sheet.carry_gone}（{shown}），"
                     "随行移除（上一版本在「备份」文件夹中）")
    return Carried(out, lines)


def _fill(row: dict, kept: dict[str, pd.Series], sources: list[int]) -> None:
    for header, values in kept.items():
        found = [values[r] for r in sources if r in values.index]
        if not found:
            continue
        if len(found) == 1:
            row[header] = found[0]
        else:
            texts = []
            for v in found:
                if str(v) not in texts:
                    texts.append(str(v))
            row[header] = "；".join(texts)
