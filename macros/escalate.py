"""Tracking (超时预警, seed 001 step 3): overdue and at-risk stages of open tickets, escalated.

Open means not finished: no 完成时间 and 当前状态 not 已完成/已关闭. Overdue callbacks after
completion are tracked on 回访计划 (是否逾期) instead.

One row per ticket and stage whose status is 已超时 or 即将超时, with the owner and the person it
is escalated to (the owner's 上级主管 from the roster; for a supervisor's own tickets, the
系统参数 客服经理). Most overdue first.
"""

from __future__ import annotations

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


def escalation_rows(tickets: pd.DataFrame, supervisors: dict[str, str | None], manager: str | None,
                    now) -> list[dict]:
    """The 超时预警 rows for ``tickets`` (with 时限/状态 columns) as of ``now``."""
    live = tickets[open_mask(tickets)]
    parts = []
    for stage in STAGES:
        state = live[f"{stage.name}状态"]
        hit = live[state.isin(ALERT_STATES)]
        if hit.empty:
            continue
        parts.append(pd.DataFrame({
            "工单号": hit["服务工单号"], "客户名称": hit["客户名称/姓名"], "需求类型": hit["需求类型"],
            "紧急程度": hit["紧急程度"], "处理人": hit["处理人"], "环节": stage.name,
            "截止时间": hit[f"{stage.name}时限"], "状态": hit[f"{stage.name}状态"],
        }))
    if not parts:
        return []
    out = pd.concat(parts)
    late = (pd.Timestamp(now) - out["截止时间"]) / np.timedelta64(1, "h")
    out["超时(小时)"] = late.round(1)
    out["上级主管"] = [supervisors.get(p) or manager if p else manager for p in out["处理人"]]
    out["刷新时间"] = pd.Timestamp(now)
    out["_order"] = np.where(out["状态"] == sla.OVERDUE, 0, 1)
    out = out.sort_values(["_order", "超时(小时)"], ascending=[True, False])
    headers = [c.header for c in S.ESCALATION.owned_by(S.PROGRAM)]  # 处理意见 is the staff's
    return [dict(zip(headers, row)) for row in out[headers].itertuples(index=False, name=None)]


@step("超时预警", needs={"statuses"})
def escalation_step(work: Work) -> None:
    """Rebuild the 超时预警 sheet from the current statuses."""
    tickets = work.view(INTAKE)
    settings = work.settings
    supervisors = {m.name: m.supervisor for m in settings.staff}
    manager = settings.params.get("客服经理") or None
    rows = escalation_rows(tickets, supervisors, manager, work.now) if not tickets.empty else []
    work.rebuild(S.ESCALATION.name, rows)
    overdue = sum(1 for r in rows if r["状态"] == sla.OVERDUE)
    work.lines.append(f"超时预警：{overdue} 项已超时，{len(rows) - overdue} 项即将超时")
