"""Anomalies in the intake sheet (seed 002 "异常订单"): flagged on the ticket, never dropped.

Missing contact or model, impossible or future dates, malformed phone numbers (mainland mobile
and landline), and likely duplicates: the same customer (one phone however it is written,
udfs.values.phone_key) about the same model within 系统参数 重复工单判定间隔 (48 h by default).
The typical repeat call ("净水器漏水，地板已经湿了", then "净水器漏水，再次来电催促") words its
description differently, so similarity does not decide: it only raises the confidence shown
(可能性高 when the descriptions are alike, else 可能性中). A 二次处理 ticket (关联工单号 filled) is
linked on purpose and never a duplicate.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from macros.steps import step
from macros.work import Work
from udfs.values import phone_key, phone_problem
from workbook import Problem
from workbook import schema as S
from workbook.problems import ERROR, WARNING

INTAKE = S.INTAKE.name

# Phone numbers are read by udfs.values (one rule for the checks, the KPIs and the masking):
# mainland mobile (11 digits, 13–19, optionally +86/0086/86), landline (area code 0XX/0XXX, 7–8
# digit number, optional extension) and 400/800 service numbers.
# The duplicate key is phone_key: "+86 138 1234 5678" and "13812345678" are one phone.


SIMILAR = 0.6  # description similarity from which a duplicate is shown as 可能性高


def similarity(a: str | None, b: str | None) -> float:
    """How alike two descriptions are, 0–1 (character-level: Chinese has no spaces between words);
    one contained in the other is 1."""
    a, b = (a or "").strip(), (b or "").strip()
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return 1.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def similar(a: str | None, b: str | None, threshold: float = SIMILAR) -> bool:
    return similarity(a, b) >= threshold


@step("数据检查", provides={"checked"})
def anomalies_step(work: Work) -> None:
    """Flag anomalies on each ticket (数据异常) and list them as problems for 数据问题."""
    tickets = work.frame(INTAKE)
    if tickets.empty:
        return
    notes: dict[int, list[str]] = {int(r): [] for r in tickets.index}

    def flag(row: int, column: str, value, reason: str) -> None:
        notes[int(row)].append(reason)
        work.problems.append(Problem(INTAKE, int(row), column, value, reason, WARNING,
                                     ticket=tickets.at[row, "服务工单号"]))

    for row in tickets.index[tickets["联系方式"].isna()]:
        flag(row, "联系方式", None, "缺少联系方式")
    for row in tickets.index[tickets["购买产品型号"].isna()]:
        flag(row, "购买产品型号", None, "缺少产品型号")
    for row, phone in tickets["联系方式"].dropna().items():
        reason = phone_problem(phone)
        if reason:
            flag(row, "联系方式", phone, reason)

    now = pd.Timestamp(work.now)
    received = tickets["受理时间"]
    for row in tickets.index[received > now]:
        if pd.isna(tickets.at[row, "处理人"]):  # dispatch left it unassigned and said so (an error)
            notes[int(row)].append("受理时间晚于当前时间（未派单）")
        else:
            flag(row, "受理时间", received[row], "受理时间晚于当前时间")
    checks = (("登记时间", "登记时间早于受理时间"), ("分配时间", "分配时间早于受理时间"),
              ("首次响应时间", "首次响应时间早于受理时间"))  # 完成时间: an error (schema.TIME_ORDER)
    for column, reason in checks:
        # Minutes of slack: staff round times when typing them.
        early = tickets[column] < received - pd.Timedelta(minutes=1)
        for row in tickets.index[early.fillna(False)]:
            flag(row, column, tickets.at[row, column], reason)
    # A time the reader left out (schema.TIME_ORDER, an error on 数据问题) is said on the row too.
    unused = {later: earlier for name, later, earlier, _reason in S.TIME_ORDER if name == INTAKE}
    for problem in work.snapshot[INTAKE].problems:
        if problem.column in unused and problem.level == ERROR and problem.row in notes:
            notes[problem.row].append(f"{problem.column}早于{unused[problem.column]}（未使用，请改正）")
    for column in ("登记时间", "首次响应时间", "完成时间"):
        for row in tickets.index[(tickets[column] > now).fillna(False)]:
            flag(row, column, tickets.at[row, column], f"{column}晚于当前时间")
    # 已完成 without a (usable) 完成时间: often a ticket reopened by clearing its 完成时间 after the
    # program had moved it to 已完成 (macros.dispatch.follow_events) — the state is then staff's to change.
    done_without_time = (tickets["当前状态"] == S.DONE_STATE) & tickets["完成时间"].isna()
    for row in tickets.index[done_without_time.fillna(False)]:
        flag(row, "当前状态", S.DONE_STATE, f"当前状态为「{S.DONE_STATE}」但没有有效的完成时间 — 请填写完成时间；"
                                             f"如工单重新打开，请把当前状态改为「{S.IN_PROGRESS_STATE}」")
    late_purchase = (tickets["购买日期"] > received.dt.normalize()).fillna(False)
    for row in tickets.index[late_purchase]:
        flag(row, "购买日期", tickets.at[row, "购买日期"], "购买日期晚于受理时间")

    # Clamped to a year: a slip like 1e12 must not overflow a Timedelta.
    window = pd.Timedelta(hours=min(work.settings.number("重复工单判定间隔(小时)", 48.0), 24 * 366.0))
    for row, earlier_row, hours, alike in likely_duplicates(tickets, window):
        earlier = tickets.at[earlier_row, "服务工单号"] or "未编号工单"
        span = f"{hours:.1f}".rstrip("0").rstrip(".")
        flag(row, "问题描述", tickets.at[row, "问题描述"],
             f"疑似重复（{'可能性高' if alike >= SIMILAR else '可能性中'}）：与 {earlier}（第{earlier_row}行）"
             f"同一客户电话、同一型号，相隔{span}小时，描述相似度 {alike:.0%} — 如确为同一问题，"
             "请合并或在后一张填写备注后关闭")

    tickets["数据异常"] = pd.Series({r: "；".join(v) if v else None for r, v in notes.items()}, dtype=object)
    flagged = sum(1 for v in notes.values() if v)
    work.lines.append(f"数据检查：{flagged} 张工单标了数据异常（疑似重复、缺联系方式、日期或号码不对等，见「数据异常」列；"
                      "填写格式的错误另见「数据问题」表）")


def likely_duplicates(tickets: pd.DataFrame, window: pd.Timedelta):
    """(row, earlier row, hours apart, description similarity) for each ticket whose customer
    (phone key) filed one about the same model within ``window`` before it — the nearest such."""
    keyed = tickets.reindex(columns=["联系方式", "购买产品型号", "受理时间", "问题描述", "关联工单号"]).dropna(
        subset=["联系方式", "购买产品型号", "受理时间"])
    keyed = keyed[keyed["关联工单号"].isna()]  # a 二次处理 is linked on purpose
    keyed = keyed.assign(phone=keyed["联系方式"].map(phone_key),
                         model=keyed["购买产品型号"].astype(str).str.strip().str.upper())
    keyed = keyed.dropna(subset=["phone"])
    counts = keyed.groupby(["phone", "model"])["受理时间"].transform("size")
    keyed = keyed[counts > 1].sort_values("受理时间", kind="stable")
    for _key, group in keyed.groupby(["phone", "model"]):
        rows = group.index.tolist()
        times = group["受理时间"].tolist()
        texts = group["问题描述"].tolist()
        for j in range(1, len(rows)):
            gap = times[j] - times[j - 1]
            if gap <= window:
                yield rows[j], rows[j - 1], gap / np.timedelta64(1, "h"), similarity(texts[j - 1], texts[j])
