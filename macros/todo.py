"""我的待办: each person's open work, soonest deadline first, on one filter-ready sheet.

Rows are grouped by person — the roster's order, then people not on the roster, then
「（未分配）」 for open tickets nobody has yet — and within a person sorted by the next deadline
(the earliest deadline among the ticket's open stages, as 超时预警 reads them), so filtering the
处理人 column to one name gives that person's list in the order to work it. A 回访专员's open
callback tasks (回访计划, 回访状态 待回访 or blank) are listed under them too, due by 应回访日期.
序号 numbers each person's items from 1.
"""

from __future__ import annotations

import pandas as pd

from macros.dispatch import open_mask
from macros.escalate import left_or_late, open_stages
from macros.steps import step
from macros.work import Work
from udfs import sla
from workbook import schema as S

INTAKE = S.INTAKE.name
UNASSIGNED = "（未分配）"
CALLBACK_OPEN = ("待回访",)


def todo_rows(tickets: pd.DataFrame, now, *, roster_order: list[str] = (),
              callbacks: pd.DataFrame | None = None) -> list[dict]:
    """The 我的待办 rows: open tickets (and open callback tasks) per person, soonest deadline first."""
    now = pd.Timestamp(now)
    live = tickets[open_mask(tickets)]
    stages = open_stages(live).sort_values(["行", "截止时间", "阶段序"]).drop_duplicates("行").set_index("行")
    items = []
    # Plain tuples and a dict, not iterrows/.loc per ticket (seconds at 100,000 tickets).
    next_stage = {label: dict(zip(("环节", "截止时间", "状态"), values)) for label, values in
                  zip(stages.index, stages[["环节", "截止时间", "状态"]].itertuples(index=False, name=None))}
    fields = ["处理人", "服务工单号", "客户名称/姓名", "联系方式", "需求类型", "紧急程度", "当前状态", "问题描述", "受理时间"]
    roster = set(roster_order)
    for label, values in zip(live.index, live[fields].itertuples(index=False, name=None)):
        ticket = dict(zip(fields, values))
        if roster and ticket["处理人"] not in roster:  # not on 人员名单 (an error on 数据问题): nobody's yet
            ticket["处理人"] = None
        nxt = next_stage.get(label)
        due = nxt["截止时间"] if nxt is not None else None
        items.append({
            "处理人": ticket["处理人"] or UNASSIGNED, "工单号": ticket["服务工单号"],
            "客户名称": ticket["客户名称/姓名"], "联系方式": ticket["联系方式"], "需求类型": ticket["需求类型"],
            "紧急程度": ticket["紧急程度"], "当前状态": ticket["当前状态"],
            "环节": nxt["环节"] if nxt is not None else None,
            "截止时间": pd.Timestamp(due) if due is not None else None,
            "剩余/超时": left_or_late(due, now) if due is not None else None,
            "时限状态": nxt["状态"] if nxt is not None else None,
            "问题描述": ticket["问题描述"], "刷新时间": now, "_received": ticket["受理时间"],
        })
    if callbacks is not None and not callbacks.empty:
        state = callbacks["回访状态"]
        from macros.callbacks import on_hold

        pending = callbacks[(state.isna() | state.isin(CALLBACK_OPEN)) & callbacks["实际回访时间"].isna()
                            & ~on_hold(callbacks, tickets)]
        for task in pending.to_dict("records"):
            due = task["应回访日期"]
            has_due = not pd.isna(due)
            items.append({
                "处理人": task["回访专员"] or UNASSIGNED, "工单号": task["工单号"], "客户名称": task["客户名称"],
                "联系方式": task["联系方式"], "需求类型": "回访类", "紧急程度": None,
                "当前状态": task["回访状态"] or "待回访", "环节": f"回访（{task['回访类型']}）",
                "截止时间": pd.Timestamp(due) if has_due else None,
                "剩余/超时": left_or_late(due, now) if has_due else None,
                "时限状态": (sla.OVERDUE if pd.Timestamp(due) < now else sla.IN_PROGRESS) if has_due else None,
                "问题描述": task["备注"], "刷新时间": now, "_received": task["生成时间"],
            })
    place = {name: i for i, name in enumerate(roster_order)}
    far = pd.Timestamp.max

    def key(item):
        person = item["处理人"]
        group = (2, "") if person == UNASSIGNED else ((0, place[person]) if person in place else (1, str(person)))
        due = item["截止时间"] if item["截止时间"] is not None else far
        received = item["_received"] if not pd.isna(item["_received"]) else far
        return group, due, received, str(item["工单号"] or "")

    items.sort(key=key)
    headers = S.MY_TASKS.headers
    out, seen = [], {}
    for item in items:
        seen[item["处理人"]] = seen.get(item["处理人"], 0) + 1
        out.append({h: (seen[item["处理人"]] if h == "序号" else item.get(h)) for h in headers})
    return out


@step("我的待办", needs={"statuses"})
def todo_step(work: Work) -> None:
    """Rebuild 我的待办 from the current statuses and the callback plan."""
    tickets = work.view(INTAKE)
    callbacks = work.view(S.CALLBACK_PLAN.name) if S.CALLBACK_PLAN.name in work.snapshot else None
    roster = [m.name for m in work.settings.staff]
    rows = todo_rows(tickets, work.now, roster_order=roster, callbacks=callbacks) if not tickets.empty else []
    work.rebuild(S.MY_TASKS.name, rows)
    people = {r["处理人"] for r in rows if r["处理人"] != UNASSIGNED}
    unassigned = sum(1 for r in rows if r["处理人"] == UNASSIGNED)
    line = f"我的待办：{len(people)} 人共 {len(rows) - unassigned} 项待办"
    if unassigned:
        line += f"，另有 {unassigned} 项尚未分配处理人"
    work.lines.append(line)
