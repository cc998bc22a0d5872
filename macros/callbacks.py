"""Callbacks and surveys (seed 001 step 5): callback tasks, and re-handling of low scores.

Tasks (回访计划) are created once per ticket and kind: 维修回访 after a completed repair (due by
its 回访时限, 3 working days), 投诉回访 after a completed complaint (7 working days), 新购回访 one
month after a purchase. Only tickets completed (or purchases made) within 系统参数
回访任务回溯天数 of now get tasks, so a team's first run does not bury them in history. A task
the program creates after its due time (a 新购回访 due 11-20 found on 11-23) is due no earlier
than the end of the working hours of the day it is created — the next working day's when it is
created after that day's working hours or on a day off (``earliest_due``): the team is not
charged for time before the program could tell them.

A survey with any score below 7 opens a 二次处理 ticket on the intake sheet, linked to the
original through 关联工单号, once: the survey row's 二次处理工单号 remembers it. Only surveys
within 回访任务回溯天数 open one. The program registers such a ticket itself, so its 登记 stage
is 不适用 (no deadline, never late).
"""

from __future__ import annotations

import pandas as pd

from macros.dispatch import UNASSIGNED, new_ticket_numbers
from macros.steps import step
from macros.work import Work
from udfs import sla
from udfs.errors import BatchError, CalendarError
from workbook import Problem
from workbook import schema as S
from workbook.problems import WARNING

INTAKE = S.INTAKE.name
SURVEY = S.SURVEY.name
PLAN = S.CALLBACK_PLAN.name
SCORES = S.SURVEY_SCORES
DONE_STATES = ("已回访", "无法联系", "客户拒访")
KIND_OF_TYPE = {"维修类": ("维修回访", "WX"), "投诉类": ("投诉回访", "TS")}
NEW_PURCHASE = ("新购回访", "XG")
COPIED = ("客户名称/姓名", "联系方式", "地址", "所属店铺/区域", "购买产品型号", "购买日期", "保修状态")


def lookback_window(work: Work) -> pd.Timedelta:
    """系统参数 回访任务回溯天数 as a span: how far back callbacks and 二次处理 tickets look."""
    # Clamped: a slip like 1e9 must not overflow a Timedelta (a century is "everything" here).
    return pd.Timedelta(days=min(max(work.settings.number("回访任务回溯天数", 30.0), 0.0), 36500.0))


def created_followups(surveys: pd.DataFrame) -> set:
    """Numbers of the 二次处理 tickets the program opened (from the survey rows that remember them)."""
    return set(surveys["二次处理工单号"].dropna().astype(str))


@step("二次处理", provides={"followups"}, invalidates={"numbers", "checked", "assigned", "deadlines", "statuses"})
def followups_step(work: Work) -> None:
    """Open a 二次处理 ticket for each survey scoring below 7 that has none yet."""
    surveys = work.frame(SURVEY)
    low = surveys[S.low_score_surveys(surveys) & surveys["二次处理工单号"].isna()]
    # Only surveys within 回访任务回溯天数: a team's first run must not open a ticket, born
    # overdue, for every low score back to the start of its records.
    since = pd.Timestamp(work.now) - lookback_window(work)
    old = low["回访时间"].notna() & (low["回访时间"] < since)
    if old.any():
        work.lines.append(f"二次处理：{int(old.sum())} 份低于{S.SURVEY_LOW_SCORE}分的调研早于回访任务回溯天数"
                          f"（{since:%Y-%m-%d} 之前），未开二次处理工单")
    low = low[~old]
    if low.empty:
        return
    tickets = work.frame(INTAKE)
    by_id = tickets.reset_index().drop_duplicates("服务工单号").set_index("服务工单号")
    labels = work.new_row_labels(INTAKE, len(low))
    new_rows = {}
    for label, (row, survey) in zip(labels, low.iterrows()):
        original = by_id.loc[survey["工单号"]] if survey["工单号"] in by_id.index else None
        received = survey["回访时间"] if not pd.isna(survey["回访时间"]) else pd.Timestamp(work.now)
        scores = "，".join(f"{k[:-2] if k.endswith('评分') else k}{int(survey[k])}分"
                          for k in SCORES if not pd.isna(survey[k]))
        values = {
            "受理时间": received, "登记时间": pd.Timestamp(work.now),
            "问题描述": f"满意度回访评分低于{S.SURVEY_LOW_SCORE}分（{scores}）" + (
                f"；客户建议：{survey['改进建议']}" if survey["改进建议"] else ""),
            "需求来源": "电话", "需求类型": "回访类", "二级标签": "二次处理", "紧急程度": "一般",
            "当前状态": UNASSIGNED, "关联工单号": survey["工单号"],
        }
        if original is not None:
            values.update({k: original[k] for k in COPIED})
        else:
            values["客户名称/姓名"] = survey["回访对象"]
            work.problems.append(Problem(SURVEY, int(row), "工单号", survey["工单号"],
                                         "在登记表中找不到原工单，二次处理工单只带回访对象", WARNING))
        new_rows[label] = values
    added = pd.DataFrame.from_dict(new_rows, orient="index").reindex(columns=tickets.columns)
    for header in added.columns:
        if pd.api.types.is_datetime64_any_dtype(tickets[header]):
            added[header] = pd.to_datetime(added[header])
    combined = pd.concat([tickets, added.astype(tickets.dtypes.to_dict(), errors="ignore")])
    numbers = new_ticket_numbers(combined, labels)
    for label, number in numbers.items():
        combined.at[label, "服务工单号"] = number
    work.frames[INTAKE] = combined
    for (row, _survey), label in zip(low.iterrows(), labels):
        surveys.at[row, "二次处理工单号"] = numbers[label]
    work.lines.append(f"二次处理：{len(low)} 份评分低于{S.SURVEY_LOW_SCORE}分的调研已开二次处理工单")


@step("回访任务", needs={"deadlines"})
def callback_tasks_step(work: Work) -> None:
    """Create missing callback tasks and mark overdue ones (回访计划)."""
    tickets = work.view(INTAKE)
    plan = work.frame(PLAN)
    settings = work.settings
    now = pd.Timestamp(work.now)
    lookback = lookback_window(work)
    existing = set(plan["任务编号"].dropna())

    wanted: list[pd.DataFrame] = []
    recent = tickets[tickets["完成时间"].notna() & (tickets["完成时间"] >= now - lookback)
                     & tickets["需求类型"].isin(list(KIND_OF_TYPE)) & tickets["服务工单号"].notna()]
    for request_type, (kind, code) in KIND_OF_TYPE.items():
        part = recent[recent["需求类型"] == request_type]
        wanted.append(_tasks(part, kind, code, part["回访时限"]))
    rule = settings.sla_rule("回访", "新购客户", None)
    purchases = tickets[tickets["购买日期"].notna() & tickets["联系方式"].notna() & tickets["服务工单号"].notna()]
    # A month after purchase cannot be in the look-back window if the purchase is much older.
    purchases = purchases[purchases["购买日期"] >= now - lookback - pd.Timedelta(days=62)]
    if rule is not None and not purchases.empty:
        purchases = purchases.sort_values("受理时间").drop_duplicates(["联系方式", "购买产品型号", "购买日期"])
        try:
            dues = sla.due_many(purchases["购买日期"], rule.amount, rule.unit, settings.calendar)
        except BatchError as failed:
            dues = failed.partial
        dues = pd.Series(dues, index=purchases.index).astype("datetime64[ns]")
        # 购买日期 is a date: "1 月 after purchase" means by the end of that day's working hours,
        # not from its midnight (which made a task due today 已超时 at 09:00).
        midnight = dues.notna() & dues.eq(dues.dt.normalize())
        dues[midnight] = dues[midnight] + pd.Timedelta(seconds=settings.calendar.day_end)
        keep = dues.notna() & (dues >= now - lookback)
        wanted.append(_tasks(purchases[keep], *NEW_PURCHASE, dues[keep]))
    candidates = pd.concat(wanted) if wanted else pd.DataFrame(columns=["任务编号"])
    candidates = candidates[~candidates["任务编号"].isin(existing)].drop_duplicates("任务编号")
    floor = earliest_due(now, settings.calendar)
    if floor is not None and len(candidates):
        dues = pd.to_datetime(candidates["应回访日期"])
        candidates = candidates.assign(应回访日期=dues.where(dues.isna() | (dues >= floor), floor))
    # New tasks are added soonest-due first, so each run's batch reads in the order to call.
    candidates = candidates.sort_values("应回访日期", kind="stable", na_position="last")

    callers = [m for m in settings.staff if m.role == "回访专员" and m.on_duty]
    open_tasks = plan[plan["回访状态"].isna() | ~plan["回访状态"].isin(DONE_STATES)]
    load = open_tasks["回访专员"].value_counts().to_dict()
    new = []
    for task in candidates.to_dict("records"):
        caller = min(callers, key=lambda m: (load.get(m.name, 0), m.order)).name if callers else None
        if caller:
            load[caller] = load.get(caller, 0) + 1
        new.append({**task, "生成时间": now, "回访专员": caller, "回访状态": "待回访"})
    if new:
        labels = work.new_row_labels(PLAN, len(new))
        added = pd.DataFrame(new, index=labels).reindex(columns=plan.columns)
        plan = pd.concat([plan, added])
        for header in ("应回访日期", "生成时间", "实际回访时间"):
            plan[header] = pd.to_datetime(plan[header])
        work.frames[PLAN] = plan
    done = plan["实际回访时间"].notna() | plan["回访状态"].isin(DONE_STATES)
    held = on_hold(plan, tickets)
    late = ~done & ~held & (plan["应回访日期"] < now)
    plan["是否逾期"] = late.map({True: S.YES, False: None}).astype(object)
    line = f"回访任务：新增 {len(new)} 项，逾期未回访 {int(late.sum())} 项"
    if held.any():
        line += f"；{int(held.sum())} 项的工单已重新打开（没有有效的完成时间），暂不回访、不计逾期，工单完成后恢复"
    work.lines.append(line)


def on_hold(plan: pd.DataFrame, tickets: pd.DataFrame) -> pd.Series:
    """Open 维修回访/投诉回访 tasks whose ticket is open again (its 完成时间 removed or found wrong):
    nobody calls a customer about a repair not yet done. Such a task stays in 回访计划 (its rows
    are staff's) but is not on 我的待办, not 逾期 and not counted in 回访完成率 until the ticket is
    completed again."""
    kinds = [kind for kind, _code in KIND_OF_TYPE.values()]
    reopened = set(tickets.loc[S.open_tickets(tickets), "服务工单号"].dropna())
    state = plan["回访状态"]
    undone = plan["实际回访时间"].isna() & (state.isna() | ~state.isin(DONE_STATES))
    return (undone & plan["回访类型"].isin(kinds) & plan["工单号"].isin(reopened)).fillna(False).astype(bool)


def earliest_due(now: pd.Timestamp, calendar) -> pd.Timestamp | None:
    """The earliest 应回访日期 a task created at ``now`` may have: the end of the working hours of
    the first working day that still has working time after ``now`` (None past the holiday data)."""
    day = now.normalize()
    try:
        for _ in range(60):  # the longest holiday run is far shorter
            end = day + pd.Timedelta(seconds=calendar.day_end)
            if calendar.is_working_day(day.date()) and end > now:
                return end
            day += pd.Timedelta(days=1)
    except CalendarError:
        return None
    return None


def _tasks(tickets: pd.DataFrame, kind: str, code: str, due: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({
        "任务编号": "HF-" + tickets["服务工单号"].astype(str) + "-" + code,
        "工单号": tickets["服务工单号"], "回访类型": kind, "客户名称": tickets["客户名称/姓名"],
        "联系方式": tickets["联系方式"], "应回访日期": due,
    })
