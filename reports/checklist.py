"""执行检查与整改报告: the checklist's results by dimension and the open rectifications by owner.

Pure: the frames (after ``project_step`` and ``checklist_step`` filled 实测值, 检查结果 and 整改状态)
and ``now`` in, a plain dict out. ``checklist_summary`` is shared with the evaluation report.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import pandas as pd

from reports import charts
from reports import formatting as F
from reports.common import cell, header, text_rows
from workbook import schema as S

PASS, FAIL, UNJUDGED = "合格", "不合格", "未判定"
OPEN_STATES = ("待整改", "整改中", "已逾期", "待验证")  # rectifications not yet closed, in urgency order
OVERDUE = "已逾期"
UNASSIGNED = "（未指定责任人）"
DIMENSION_ORDER = tuple(dict.fromkeys(row[0] for row in S.CHECKLIST_ROWS))


def checklist_rows(checks: pd.DataFrame | None) -> list[dict]:
    """The 执行检查表 rows as display dicts (staff text; nothing personal about customers)."""
    if checks is None or checks.empty:
        return []
    rows = []
    for row in checks.to_dict("records"):
        if F.missing(row.get("检查项")) and F.missing(row.get("检查维度")):
            continue
        result = row.get("检查结果")
        result = result if result in (PASS, FAIL) else UNJUDGED
        rows.append({
            "dimension": cell(row.get("检查维度")) or "（未分类）",
            "item": cell(row.get("检查项")),
            "standard": cell(row.get("检查标准")),
            "mode": cell(row.get("判定方式")),
            "measured": cell(row.get("实测值")),
            "result": result,
            "result_class": F.verdict_class(result),
            "problem": cell(row.get("问题描述")),
            "owner": cell(row.get("整改责任人")),
            "deadline": F.date(row.get("整改期限")),
            "deadline_value": None if F.missing(row.get("整改期限")) else pd.Timestamp(row["整改期限"]).date(),
            "measure": cell(row.get("整改措施")),
            "done": F.date(row.get("整改完成日期")),
            "verification": cell(row.get("整改结果验证")),
            "state": cell(row.get("整改状态")),
            "state_class": F.verdict_class(cell(row.get("整改状态"))),
            "inspector": cell(row.get("检查人")),
            "inspected": F.date(row.get("检查日期")),
        })
    return rows


def checklist_summary(rows: list[dict]) -> dict:
    """Counts of 合格/不合格/未判定 and of the open rectifications, plus the open rows themselves."""
    counts = {word: sum(r["result"] == word for r in rows) for word in (PASS, FAIL, UNJUDGED)}
    open_rows = [r for r in rows if r["result"] == FAIL and r["state"] in OPEN_STATES]
    states = {state: sum(r["state"] == state for r in open_rows) for state in OPEN_STATES}
    unassigned = [r for r in rows if r["result"] == FAIL and (not r["owner"] or not r["deadline"])]
    closed = [r for r in rows if r["result"] == FAIL and r["state"] == "验证通过"]
    return {
        "total": len(rows),
        "counts": counts,
        "open": len(open_rows),
        "overdue": states[OVERDUE],
        "states": states,
        "closed": len(closed),
        "unassigned": len(unassigned),
        "open_rows": open_rows,
        "sentence": summary_sentence(len(rows), counts, len(open_rows), states[OVERDUE], len(unassigned)),
    }


def summary_sentence(total: int, counts: Mapping[str, int], open_count: int, overdue: int, unassigned: int) -> str:
    """One Chinese sentence on the checklist's state."""
    if not total:
        return "执行检查表没有检查项。"
    text = (f"执行检查表共 {total} 项：合格 {counts[PASS]} 项、不合格 {counts[FAIL]} 项、未判定 {counts[UNJUDGED]} 项；"
            f"未关闭的整改 {open_count} 项")
    text += f"（其中已逾期 {overdue} 项）" if overdue else ""
    text += f"；{unassigned} 个不合格项尚未指定整改责任人或整改期限" if unassigned else ""
    return text + "。"


def dimension_chart(rows: list[dict], key: str) -> dict | None:
    """Stacked bars of 合格/不合格/未判定 per 检查维度."""
    dimensions = _dimensions(rows)
    series = [(word, [sum(r["dimension"] == d and r["result"] == word for r in rows) for d in dimensions], color)
              for word, color in ((PASS, charts.GOOD), (FAIL, charts.BAD), (UNJUDGED, charts.NEUTRAL))]
    return charts.stacked_bars(key, "各检查维度的检查结果", dimensions, series,
                               caption="每个维度的检查项按检查结果计数（未判定：尚无数据或检查人尚未判定）")


def _dimensions(rows: list[dict]) -> list[str]:
    found = list(dict.fromkeys(r["dimension"] for r in rows))
    return [d for d in DIMENSION_ORDER if d in found] + [d for d in found if d not in DIMENSION_ORDER]


def _days_left(deadline: dt.date | None, today: dt.date) -> str:
    if deadline is None:
        return "未定期限"
    days = (deadline - today).days
    if days < 0:
        return f"逾期 {-days} 天"
    return "今天到期" if days == 0 else f"剩余 {days} 天"


def owner_groups(summary: dict, today: dt.date) -> list[dict]:
    """Open rectifications grouped by 整改责任人: unassigned first, then by most overdue; within a
    group the overdue rows first, then by 整改期限."""
    groups: dict[str, list[dict]] = {}
    for row in summary["open_rows"]:
        groups.setdefault(row["owner"] or UNASSIGNED, []).append(
            row | {"days_left": _days_left(row["deadline_value"], today)})
    out = []
    for owner, items in groups.items():
        items.sort(key=lambda r: (r["state"] != OVERDUE, r["deadline_value"] or dt.date.max, r["item"]))
        out.append({"owner": owner, "rows": items, "count": len(items),
                    "overdue": sum(r["state"] == OVERDUE for r in items), "unassigned": owner == UNASSIGNED})
    out.sort(key=lambda g: (not g["unassigned"], -g["overdue"], -g["count"], g["owner"]))
    return out


# ---- evidence behind failing automatic rows (the project sheets' computed columns) --------------
def evidence(frames: Mapping[str, pd.DataFrame]) -> list[dict]:
    """Rows of the project sheets that make an automatic check fail (computed by project_step)."""
    out = []
    training = frames.get(S.TRAINING.name)
    if training is not None and not training.empty:
        failed = training[training["最终结果"] == FAIL]
        out.append({
            "title": "培训考核未达标人员（方案宣贯培训是否覆盖全员）",
            "headers": ["员工姓名", "部门", "培训内容", "考核成绩", "二次考核成绩", "最终结果"],
            "rows": text_rows(failed, ["员工姓名", "部门", "培训内容", "考核成绩", "二次考核成绩", "最终结果"]),
        })
    monitor = frames.get(S.DAILY_MONITOR.name)
    if monitor is not None and not monitor.empty:
        late = monitor[monitor["24小时内响应"] == FAIL]
        out.append({
            "title": "异常未在24小时内启动排查（全面推广是否按计划进行）",
            "headers": ["日期", "范围", "异常说明", "发现时间", "开始排查时间", "响应用时(小时)"],
            "rows": text_rows(late, ["日期", "范围", "异常说明", "发现时间", "开始排查时间", "响应用时(小时)"]),
        })
    rollout = frames.get(S.ROLLOUT.name)
    if rollout is not None and not rollout.empty:
        delayed = rollout[rollout["进度状态"] == "已延期"]
        out.append({
            "title": "延期的推广批次（全面推广是否按计划进行）",
            "headers": ["批次", "推广范围", "计划开始", "计划完成", "实际开始", "实际完成", "备注"],
            "rows": text_rows(delayed, ["批次", "推广范围", "计划开始", "计划完成", "实际开始", "实际完成", "备注"]),
        })
    collab = frames.get(S.COLLAB_ISSUES.name)
    if collab is not None and not collab.empty:
        late = collab[collab["是否达标"] == FAIL]
        out.append({
            "title": "超过3个工作日的跨部门协作问题（是否存在跨部门协作障碍）",
            "headers": ["编号", "提出日期", "涉及部门", "问题描述", "解决日期", "用时(工作日)"],
            "rows": text_rows(late, ["编号", "提出日期", "涉及部门", "问题描述", "解决日期", "用时(工作日)"]),
        })
    return out


def checklist_context(frames: Mapping[str, pd.DataFrame], *, now: dt.datetime, source: str,
                      problems: int = 0) -> dict:
    """The 执行检查与整改报告 context."""
    present = S.CHECKLIST.name in frames
    rows = checklist_rows(frames.get(S.CHECKLIST.name))
    summary = checklist_summary(rows)
    dimensions = [{"name": d, "rows": [r for r in rows if r["dimension"] == d],
                   "counts": {w: sum(r["dimension"] == d and r["result"] == w for r in rows)
                              for w in (PASS, FAIL, UNJUDGED)}}
                  for d in _dimensions(rows)]
    states = [{"state": s, "count": n, "class": F.verdict_class(s)} for s, n in summary["states"].items()]
    return {
        "meta": header("执行检查与整改报告", now=now, source=source, problems=problems,
                       subtitle="售后服务流程优化执行检查表的检查结果与整改跟踪"),
        "present": present,
        "summary": summary,
        "cards": [
            {"label": "检查项", "value": str(summary["total"]), "class": ""},
            {"label": PASS, "value": str(summary["counts"][PASS]), "class": "good"},
            {"label": FAIL, "value": str(summary["counts"][FAIL]), "class": "bad" if summary["counts"][FAIL] else ""},
            {"label": UNJUDGED, "value": str(summary["counts"][UNJUDGED]), "class": "na"},
            {"label": "未关闭整改", "value": str(summary["open"]), "class": "warn" if summary["open"] else ""},
            {"label": "已逾期整改", "value": str(summary["overdue"]), "class": "bad" if summary["overdue"] else ""},
        ],
        "chart": dimension_chart(rows, "checklist-dimensions"),
        "state_chart": charts.bars(
            "checklist-states", "未关闭整改项的整改状态", [s["state"] for s in states], [s["count"] for s in states],
            lambda v: f"{v:.0f} 项", colors=[charts.WARN, charts.WARN, charts.BAD, charts.NEUTRAL],
            caption="整改状态由程序按整改期限、整改措施、完成日期和验证结果计算") if summary["open"] else None,
        "dimensions": dimensions,
        "owners": owner_groups(summary, now.date()),
        "unassigned": [r for r in rows if r["result"] == FAIL and (not r["owner"] or not r["deadline"])],
        "closed": [r for r in rows if r["result"] == FAIL and r["state"] == "验证通过"],
        "evidence": evidence(frames),
    }
