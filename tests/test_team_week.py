"""A small team's week, built by hand and run the way the team runs it (issue #12's bar).

Monday 16 – Friday 20 November 2026 (no holidays; 09:00–18:00, Saturday and Sunday off). The
客服专员 types tickets as calls come in, the 客服主管 clicks 派单 in the morning, engineers type
their responses, service records, pauses and completions, the 回访专员 types surveys, and the
客服经理 clicks 全部刷新 every evening. Friday's evening run is the nightly job on a server whose
clock is UTC. Between runs the sheets are edited with openpyxl, as a person would type: new rows
go just below the last row (Excel's table is not grown by hand), cells are typed in place.

Each test states what a manager would say about the week; expected values are worked out by hand
from the default rules (时限标准: 一般 24 h first response / 3 工作日 resolution, 紧急 2 h, 投诉类
24 h / 5 工作日 — the stricter wins) and written next to each assertion.
"""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import openpyxl
import pytest

from macros import refresh
from tests.bookmaker import make_book
from workbook import read_file
from workbook import schema as S

D = dt.datetime
INTAKE, SERVICE, PAUSES, SURVEY = S.INTAKE.name, S.SERVICE.name, S.PAUSES.name, S.SURVEY.name
QUEUE = "超时预警"
WANG_INTL, WANG_PLAIN = "+86 138 1234 5678", "13812345678"  # one customer, her phone written two ways


def call(received, name, phone, model, store, kind, text, **more):
    """A ticket as the 客服专员 types it: 待分配, the natural first state."""
    return {"受理时间": received, "登记时间": received + dt.timedelta(minutes=5), "客户名称/姓名": name,
            "联系方式": phone, "购买产品型号": model, "所属店铺/区域": store, "需求类型": kind,
            "问题描述": text, "需求来源": "电话", "当前状态": "待分配", **more}


# ---- typing between runs ----------------------------------------------------------------------
def _last_row(ws) -> int:
    last = 1
    for row in ws.iter_rows(min_row=2):
        if any(c.value not in (None, "") for c in row):
            last = row[0].row
    return last


def type_rows(book: Path, sheet: str, rows: list[dict]) -> None:
    """Type rows just below the sheet's last row, as staff do in any office program."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    last = _last_row(ws)
    for i, values in enumerate(rows, start=1):
        for header, value in values.items():
            ws.cell(row=last + i, column=headers.index(header) + 1, value=value)
    wb.save(book)


def type_into(book: Path, number: str, **values) -> None:
    """Type cells of the ticket ``number`` on the intake sheet."""
    wb = openpyxl.load_workbook(book)
    ws = wb[INTAKE]
    headers = [c.value for c in ws[1]]
    key = headers.index("服务工单号") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=key).value == number)
    for header, value in values.items():
        ws.cell(row=row, column=headers.index(header) + 1, value=value)
    wb.save(book)


def tickets(book: Path):
    return read_file(book).frame(INTAKE)


def number_of(book: Path, text: str) -> str:
    t = tickets(book)
    return t.loc[t["问题描述"] == text, "服务工单号"].iloc[0]


class UtcServerClock(dt.datetime):
    """The server's clock: it knows the instant in UTC; asked for another zone, it converts."""

    instant = D(2026, 11, 20, 10, 30, tzinfo=dt.timezone.utc)  # 18:30 in Beijing

    @classmethod
    def now(cls, tz=None):
        return cls.instant if tz is None else cls.instant.astimezone(tz)


LEAK = "净水器漏水，地板已经湿了"
LEAK_AGAIN = "净水器漏水，再次来电催促"
LATE_FITTER = "安装师傅迟到，态度不好，非常不满"
NO_CALLBACK = "上次投诉后没人回电，很不满意"
NOISE_PAUSED = "空气净化器运行异响，需要更换风机"
NOISE = "空气净化器运行异响"
WONT_START = "净水器无法开机"
SEPTEMBER = "滤芯指示灯异常"


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> dict:
    """Run the whole week once; the tests read what each step left."""
    folder = tmp_path_factory.mktemp("week")
    book = make_book(folder / "售后服务.xlsx", {
        INTAKE: [
            # August: a completed repair whose survey was poor — long before the look-back.
            call(D(2026, 8, 3, 10), "周先生", "13900000010", "JS-200", "三号店", "维修类", "净水器出水慢",
                 紧急程度="一般", 处理人="工程师B", 责任部门="维修部", 分配时间=D(2026, 8, 3, 10, 30),
                 首次响应时间=D(2026, 8, 3, 11), 完成时间=D(2026, 8, 4, 15), 当前状态="已完成"),
            # September: assigned, never answered — a breach months old.
            call(D(2026, 9, 1, 10), "孙女士", "13900000011", "JS-200", "三号店", "维修类", SEPTEMBER,
                 紧急程度="一般", 处理人="工程师C", 责任部门="维修部", 分配时间=D(2026, 9, 1, 10, 30), 当前状态="待响应"),
        ],
        SURVEY: [{"工单号": None, "回访对象": "周先生", "回访时间": D(2026, 8, 10, 10), "服务态度评分": 3,
                  "专业能力评分": 5, "解决效率评分": 4, "总体满意度": 3, "推荐意愿": 2}],
    })
    # The August ticket's number, for its survey (numbered by the first run).
    refresh.dispatch(book, now=D(2026, 11, 16, 8, 0))
    august = tickets(book)["服务工单号"].iloc[0]
    wb = openpyxl.load_workbook(book)
    ws = wb[SURVEY]
    ws.cell(row=2, column=[c.value for c in ws[1]].index("工单号") + 1, value=august)
    wb.save(book)

    out = {"book": book, "august": august}
    # Monday morning: four calls, then 派单 at 09:30.
    type_rows(book, INTAKE, [
        call(D(2026, 11, 16, 9, 0), "王女士", WANG_INTL, "JS-200", "一号店", "维修类", LEAK, 紧急程度="一般"),
        call(D(2026, 11, 16, 9, 10), "王女士", WANG_PLAIN, "KJ-500", "一号店", "投诉类", LATE_FITTER),
        call(D(2026, 11, 16, 9, 20), "李先生", "13900000003", "KJ-500", "二号店", "维修类", NOISE_PAUSED, 紧急程度="一般"),
        call(D(2026, 11, 16, 9, 20), "赵女士", "13900000004", "KJ-500", "三号店", "维修类", NOISE, 紧急程度="一般"),
    ])
    monday = refresh.dispatch(book, now=D(2026, 11, 16, 9, 30))
    out["monday_morning"] = tickets(book)
    out["monday_problems"] = monday.problems
    leak, fitter = number_of(book, LEAK), number_of(book, LATE_FITTER)
    paused, twin = number_of(book, NOISE_PAUSED), number_of(book, NOISE)
    for number, answered in ((leak, D(2026, 11, 16, 10)), (fitter, D(2026, 11, 16, 11)),
                             (paused, D(2026, 11, 16, 10, 30)), (twin, D(2026, 11, 16, 10, 30))):
        type_into(book, number, 首次响应时间=answered, 当前状态="处理中")
    # Monday afternoon: Ms Wang calls again about the leak; 派单 at 16:00; evening refresh.
    type_rows(book, INTAKE, [call(D(2026, 11, 16, 15, 30), "王女士", WANG_PLAIN, "JS-200", "一号店", "维修类",
                                  LEAK_AGAIN, 紧急程度="一般")])
    refresh.dispatch(book, now=D(2026, 11, 16, 16, 0))
    refresh.refresh_all(book, now=D(2026, 11, 16, 18, 30))
    out["monday_evening"] = tickets(book)

    # Tuesday: the leak is fixed; the twin too; the paused repair waits a day for its fan.
    type_rows(book, SERVICE, [
        {"工单号": leak, "服务时间": D(2026, 11, 17, 11), "服务类型": "维修", "差旅费": 60, "配件/维修费": 80},
        {"工单号": twin, "服务时间": D(2026, 11, 17, 15), "服务类型": "维修", "差旅费": 60},
    ])
    type_into(book, leak, 完成时间=D(2026, 11, 17, 12), 当前状态="已完成")
    type_into(book, twin, 完成时间=D(2026, 11, 17, 16), 当前状态="已完成")
    type_rows(book, PAUSES, [{"工单号": paused, "暂停开始": D(2026, 11, 17, 10), "暂停结束": D(2026, 11, 18, 10),
                              "暂停原因": "等待配件"}])
    refresh.refresh_all(book, now=D(2026, 11, 17, 18, 30))

    # Wednesday: the twin's customer is unhappy (5 for attitude); the complaint is settled.
    type_rows(book, SURVEY, [{"工单号": twin, "回访对象": "赵女士", "回访时间": D(2026, 11, 18, 10),
                              "服务态度评分": 5, "专业能力评分": 8, "解决效率评分": 8, "总体满意度": 6, "推荐意愿": 6}])
    type_rows(book, SERVICE, [{"工单号": fitter, "服务时间": D(2026, 11, 18, 14), "服务类型": "投诉处理"}])
    type_into(book, fitter, 完成时间=D(2026, 11, 18, 15), 当前状态="已完成")
    wednesday = refresh.refresh_all(book, now=D(2026, 11, 18, 18, 30))
    out["wednesday_lines"] = wednesday.lines
    out["wednesday_evening"] = tickets(book)

    # Thursday: Ms Wang complains again (the other phone spelling); 派单 at 10:30. The
    # 二次处理 is handled by phone.
    type_rows(book, INTAKE, [call(D(2026, 11, 19, 10), "王女士", WANG_INTL, "KJ-500", "一号店", "投诉类",
                                  NO_CALLBACK)])
    refresh.dispatch(book, now=D(2026, 11, 19, 10, 30))
    rehandle = tickets(book).loc[lambda t: t["关联工单号"] == twin, "服务工单号"].iloc[0]
    out["rehandle"] = rehandle
    type_into(book, number_of(book, NO_CALLBACK), 首次响应时间=D(2026, 11, 19, 11), 当前状态="处理中")
    type_into(book, rehandle, 首次响应时间=D(2026, 11, 19, 9, 30), 完成时间=D(2026, 11, 19, 16), 当前状态="已完成")
    type_rows(book, SERVICE, [{"工单号": rehandle, "服务时间": D(2026, 11, 19, 15), "服务类型": "回访"}])
    refresh.refresh_all(book, now=D(2026, 11, 19, 18, 30))

    # Friday: the paused repair is finished at 10:00; at 16:50 a purifier will not start (紧急);
    # 派单 at 17:00. The nightly job runs on the UTC server at 10:30 UTC = 18:30 in Beijing.
    type_rows(book, SERVICE, [{"工单号": paused, "服务时间": D(2026, 11, 20, 9, 30), "服务类型": "维修",
                               "配件/维修费": 120}])
    type_into(book, paused, 完成时间=D(2026, 11, 20, 10), 当前状态="已完成")
    type_rows(book, INTAKE, [call(D(2026, 11, 20, 16, 50), "钱先生", "13900000012", "JS-200", "三号店", "维修类",
                                  WONT_START)])
    refresh.dispatch(book, now=D(2026, 11, 20, 17, 0))
    mp = pytest.MonkeyPatch()
    import macros.settings

    # Only the routines' one clock (macros.settings.team_now) sees the server's clock.
    mp.setattr(macros.settings, "dt", types.SimpleNamespace(datetime=UtcServerClock, date=dt.date, time=dt.time,
                                                            timedelta=dt.timedelta, timezone=dt.timezone))
    try:
        friday = refresh.refresh_all(book)  # no --now: the clock, read in 系统参数 时区
    finally:
        mp.undo()
    out.update(friday=friday, numbers={"leak": leak, "fitter": fitter, "paused": paused, "twin": twin})
    return out


# ---- the manager's invariants -------------------------------------------------------------------
def test_no_ticket_has_a_person_and_is_still_waiting_for_assignment(week):
    for moment in ("monday_morning", "monday_evening", "wednesday_evening"):
        t = week[moment]
        assert not ((t["当前状态"] == "待分配") & t["处理人"].notna()).any(), moment
    final = tickets(week["book"])
    assert not ((final["当前状态"] == "待分配") & final["处理人"].notna()).any()
    # Monday 09:30: the four morning calls each have a person and wait for that person's response.
    monday = week["monday_morning"]
    morning = monday[monday["受理时间"].dt.date == dt.date(2026, 11, 16)]
    assert len(morning) == 4 and morning["处理人"].notna().all()
    assert set(morning["当前状态"]) == {"待响应"}


def test_the_run_on_a_utc_server_works_in_beijing_time(week):
    friday = week["friday"]
    assert friday.results["kpi"]["now"] == "2026-11-20T18:30:00"  # 10:30 UTC + 8 h, not 10:30
    queue = read_file(week["book"]).frame(QUEUE)
    assert set(queue["刷新时间"]) == {D(2026, 11, 20, 18, 30)}
    # At 10:30 the 16:50 call would be in the future; at 18:30 it is a live, urgent ticket. The
    # week was typed cleanly: the one thing 数据问题 raises is Ms Wang's repeat call.
    assert [(p.level, p.column) for p in friday.problems] == [("警告", "问题描述")]


def test_the_top_of_the_queue_is_what_needs_action_now(week):
    # 18:30 Friday. The purifier that will not start (紧急, received 16:50) must be answered by
    # 18:50: 100 of its 120 minutes are gone (83 % ≥ 80 %) — still savable, so it leads. The
    # September ticket, unanswered for 80 days, is the oldest breach and sinks to the bottom.
    queue = read_file(week["book"]).frame(QUEUE).sort_values("处理顺序")
    top, bottom = queue.iloc[0], queue.iloc[-1]
    t = tickets(week["book"])
    urgent = t.loc[t["问题描述"] == WONT_START].iloc[0]
    assert urgent["紧急程度"] == "紧急"  # 无法开机 (紧急度规则)
    assert (top["工单号"], top["预警状态"], top["环节"], top["截止时间"]) == (
        urgent["服务工单号"], "即将超时", "首次响应", D(2026, 11, 20, 18, 50))
    assert bottom["工单号"] == t.loc[t["问题描述"] == SEPTEMBER, "服务工单号"].iloc[0]
    assert week["rehandle"] not in set(queue["工单号"])  # handled Thursday: nothing to chase


def test_a_low_survey_this_week_is_re_handled_once_and_routed_the_same_evening(week):
    twin = week["numbers"]["twin"]
    t = week["wednesday_evening"]
    followups = t[t["关联工单号"].notna()]
    assert followups["关联工单号"].tolist() == [twin]  # one, for Wednesday's survey
    row = followups.iloc[0]
    # Routed by the same 全部刷新 that opened it (派单规则 回访类/二次处理 → 客服部, 客服主管).
    assert (row["责任部门"], row["处理人"], row["当前状态"]) == ("客服部", "主管乙", "待响应")
    # The program registered it: its 登记 stage is not charged.
    assert row["登记状态"] == "不适用"
    assert any("二次处理：1 份" in line for line in week["wednesday_lines"])


def test_no_re_handling_for_surveys_older_than_the_look_back(week):
    # August's 3-point survey is 100 days before Friday, beyond 回访任务回溯天数 (30): no ticket.
    final = tickets(week["book"])
    assert week["august"] not in set(final["关联工单号"].dropna())
    assert final["关联工单号"].notna().sum() == 1


def test_one_customers_two_complaints_count_as_a_repeat(week):
    # Ms Wang complained Monday 09:10 from 13812345678 and Thursday 10:00 from +86 138 1234 5678:
    # one customer, 3 days apart (≤ 30) → 1 repeat of November's 2 complaints.
    kpis = week["friday"].results["kpi"]
    assert (kpis["complaints"], kpis["complaint_repeats"], kpis["complaint_repeat_rate"]) == (2, 1, 0.5)


def test_her_second_call_about_the_leak_is_a_likely_duplicate(week):
    # Same customer (two spellings), same JS-200, 6.5 h apart; the wording differs (similarity
    # 50 %), so it is shown as 可能性中 — flagged, not hidden.
    t = tickets(week["book"])
    flag = t.loc[t["问题描述"] == LEAK_AGAIN, "数据异常"].iloc[0]
    assert "疑似重复（可能性中）" in flag and week["numbers"]["leak"] in flag and "相隔6.5小时" in flag


def test_a_pause_for_parts_moves_the_resolution_deadline_and_only_that(week):
    # Both repairs were received Monday 09:20 (一般: resolve within 3 working days → Thursday
    # 18:00). The paused one waited Tuesday 10:00 → Wednesday 10:00 for its fan: 24 clock hours,
    # 9 working hours (Tue 10–18, Wed 09–10); either way its deadline is Friday 18:00. Its first
    # response (Monday 10:30) came before the pause, so that deadline stays Tuesday 09:20.
    t = tickets(week["book"]).set_index("服务工单号")
    paused, twin = t.loc[week["numbers"]["paused"]], t.loc[week["numbers"]["twin"]]
    assert twin["解决时限"] == D(2026, 11, 19, 18, 0)
    assert paused["解决时限"] == D(2026, 11, 20, 18, 0)
    assert paused["首次响应时限"] == twin["首次响应时限"] == D(2026, 11, 17, 9, 20)
    assert paused["解决状态"] == "按时完成"  # finished Friday 10:00, within the moved deadline


def test_the_complaint_gets_the_stricter_of_its_two_rules(week):
    # 投诉类 (5 工作日) + 一般 from 紧急度规则 ("不满" → 一般: 3 工作日): the stricter wins. Monday
    # 09:10 + 3 working days = Thursday 18:00; settled Wednesday 15:00, on time.
    t = tickets(week["book"]).set_index("服务工单号")
    fitter = t.loc[week["numbers"]["fitter"]]
    assert fitter["紧急程度"] == "一般"
    assert fitter["解决时限"] == D(2026, 11, 19, 18, 0)


def test_first_contact_resolution_leaves_out_the_re_handled_repair(week):
    # November's completed tickets: the leak, the complaint, the twin, the paused repair and the
    # 二次处理 — each with one service record. The twin was re-handled through the 二次处理, so
    # it was not resolved at first contact: 4 of 5.
    kpis = week["friday"].results["kpi"]
    assert (kpis["completed"], kpis["fcr_tickets"]) == (5, 4)
