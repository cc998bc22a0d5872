"""A supervisor's notes on 超时预警 stay with their ticket across refreshes; columns people add to
a rebuilt sheet are kept; notes whose ticket left the sheet are named, never dropped silently."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd

from macros.refresh import refresh_all as refresh
from workbook import read_file
from workbook.carry import carry_rows

from tests.conftest import NOW

ALERTS = "超时预警"


def _row_of(ws, ticket: str, stage: str) -> int:
    headers = [c.value for c in ws[1]]
    t, s = headers.index("工单号"), headers.index("环节")
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, t + 1).value == ticket and ws.cell(r, s + 1).value == stage:
            return r
    raise AssertionError(f"{ticket} {stage} not on {ALERTS}")


def test_notes_follow_their_ticket_and_added_columns_are_kept(demo_book):
    refresh(demo_book, now=NOW)
    alerts = read_file(demo_book).frame(ALERTS)
    assert len(alerts) >= 6
    # Two rows well apart: the queue is sorted by hours late, so the next run reorders rows
    # when deadlines differ; the note must follow the ticket, not the row number.
    first, last = alerts.iloc[0], alerts.iloc[-1]
    wb = openpyxl.load_workbook(demo_book)
    ws = wb[ALERTS]
    headers = [c.value for c in ws[1]]
    note_col = headers.index("处理意见") + 1
    ws.cell(_row_of(ws, first["工单号"], first["环节"]), note_col).value = "已电话联系客户，明早上门"
    extra_col = len(headers) + 1
    ws.cell(1, extra_col).value = "主管备注"  # a column of the supervisor's own, beside the table
    ws.cell(_row_of(ws, last["工单号"], last["环节"]), extra_col).value = "周五前必须关闭"
    wb.save(demo_book)

    result = refresh(demo_book, now=NOW + dt.timedelta(days=1))
    assert result.written
    snap = read_file(demo_book)
    after = snap.frame(ALERTS)
    extras = snap[ALERTS].extras
    noted = after[after["处理意见"].notna()]
    assert noted[["工单号", "环节", "处理意见"]].values.tolist() == [
        [first["工单号"], first["环节"], "已电话联系客户，明早上门"]]
    assert extras is not None and "主管备注" in extras.columns
    kept = extras["主管备注"].dropna()
    assert len(kept) == 1
    row = kept.index[0]
    assert (after.at[row, "工单号"], after.at[row, "环节"]) == (last["工单号"], last["环节"])
    assert kept.iloc[0] == "周五前必须关闭"
    # Same hours later by one day: the program's rows really were rewritten.
    assert after["刷新时间"].iloc[0] == pd.Timestamp(NOW + dt.timedelta(days=1))


def test_a_note_whose_ticket_left_the_queue_is_named_in_the_output(demo_book):
    refresh(demo_book, now=NOW)
    alerts = read_file(demo_book).frame(ALERTS)
    ticket = alerts.iloc[0]["工单号"]
    wb = openpyxl.load_workbook(demo_book)
    ws = wb[ALERTS]
    heads = [c.value for c in ws[1]]
    note_col, ticket_col = heads.index("处理意见") + 1, heads.index("工单号") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, ticket_col).value == ticket:
            ws.cell(r, note_col).value = "客户已同意延期"
    intake = wb["客户服务信息登记表"]
    heads = [c.value for c in intake[1]]
    for r in range(2, intake.max_row + 1):
        if intake.cell(r, heads.index("服务工单号") + 1).value == ticket:
            intake.cell(r, heads.index("完成时间") + 1).value = NOW
            intake.cell(r, heads.index("当前状态") + 1).value = "已完成"
    wb.save(demo_book)

    result = refresh(demo_book, now=NOW + dt.timedelta(hours=1))
    after = read_file(demo_book).frame(ALERTS)
    assert ticket not in set(after["工单号"])
    line = [x for x in result.lines if x.startswith(f"{ALERTS}：") and "随行移除" in x]
    assert len(line) == 1 and ticket in line[0] and "备份" in line[0]
    # The ticket finished: the line says why it left the queue, not that its number is gone.
    assert "已处理完或已不需预警" in line[0] and "已不在表中" not in line[0]


def test_a_changed_layout_still_finds_the_ticket():
    """超时预警 is one row per ticket since #13: the two rows (one per stage) of a workbook from
    before bring both their notes to the ticket's one row."""
    from workbook import schema as S
    from workbook.frames import parse_grid

    headers = S.ESCALATION.headers
    grid = [headers,
            [("SV1" if h == "工单号" else "解决" if h == "环节" else "记一" if h == "处理意见" else None)
             for h in headers],
            [("SV1" if h == "工单号" else "首次响应" if h == "环节" else "记二" if h == "处理意见" else None)
             for h in headers],
            [("SV2" if h == "工单号" else "解决" if h == "环节" else None) for h in headers]]
    data = parse_grid(S.ESCALATION, grid)
    carried = carry_rows(data, [{"工单号": "SV2"}, {"工单号": "SV1"}])
    assert carried.rows == [{"工单号": "SV2"}, {"工单号": "SV1", "处理意见": "记一；记二"}]
    assert carried.removed == []
