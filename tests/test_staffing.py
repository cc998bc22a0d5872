"""人员配置测算: head-count per role from the workbook's history (macros.staffing, SPEC §10).

Every expected number is worked out by hand in the comments from the rows the test writes and
the parameters it sets; the Erlang C case reuses the published pyworkforce example (10 Erlangs,
80 % in 20 s → 14 agents, 20 with 30 % shrinkage).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from macros.refresh import staffing
from tests.bookmaker import make_book
from workbook import schema as S

NOW = dt.datetime(2026, 11, 16, 9, 0)  # a Monday; the window is the week 11-09 (Mon) .. 11-15 (Sun)
MONDAY = dt.datetime(2026, 11, 9)

PARAMS = {  # the defaults, except a one-week window and an 8-hour shift
    "测算历史周数": 1, "每人每日可排班工时(小时)": 8,
}


def _params(**overrides) -> list[dict]:
    values = {**PARAMS, **overrides}
    return [{"参数": name, "值": values.get(name, default), "说明": note}
            for name, default, note in S.STAFFING_PARAM_ROWS]


def _ticket(number: str, received: dt.datetime, kind: str, tag: str, source: str, done: bool = True) -> dict:
    row = {"服务工单号": number, "受理时间": received, "客户名称/姓名": "王先生", "联系方式": "13812345678",
           "需求来源": source, "需求类型": kind, "二级标签": tag, "问题描述": "测试",
           "当前状态": "已完成" if done else "处理中"}
    if done:
        row["完成时间"] = received + dt.timedelta(hours=5)
    return row


def _visit(number: str, when: dt.datetime, mode: str, who: str | None = None) -> dict:
    return {"工单号": number, "服务时间": when, "服务地点/方式": mode, "服务执行人": who}


def workload_book(path: Path, **params) -> Path:
    """10 completed repairs (2 of them with a second, remote visit), 2 open repairs, 50 consultations."""
    intake, service = [], []
    for i in range(10):
        number = f"SV20261109{i + 1:04d}"
        received = MONDAY + dt.timedelta(days=i % 5, hours=10)
        intake.append(_ticket(number, received, "维修类", "硬件故障", "上门"))
        service.append(_visit(number, received + dt.timedelta(hours=1), "上门", ("工程师A", "工程师B")[i % 2]))
        if i < 2:
            service.append(_visit(number, received + dt.timedelta(hours=3), "远程"))
    for i in range(2):
        intake.append(_ticket(f"SV20261113{i + 1:04d}", MONDAY + dt.timedelta(days=4, hours=11), "维修类",
                              "硬件故障", "上门", done=False))
    for i in range(50):
        number = f"SV20261110{i + 1:04d}"
        received = MONDAY + dt.timedelta(days=i % 5, hours=14)
        intake.append(_ticket(number, received, "咨询类", "使用咨询", "公众号"))
        service.append(_visit(number, received + dt.timedelta(minutes=30), "电话", "专员E"))
    return make_book(path, {S.INTAKE.name: intake, S.SERVICE.name: service,
                            S.STAFFING_PARAMS.name: _params(**params)}, today=NOW.date())


def _grid(path: Path) -> list[list]:
    book = CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(S.STAFFING_SHEET).to_python()


def _row(grid: list[list], first: str, after: str | None = None) -> list:
    start = 0
    if after is not None:
        start = next(i for i, row in enumerate(grid) if str(row[0]).endswith(after))
    return next(row for row in grid[start:] if row[0] == first)


# -- the workload model --------------------------------------------------------------------------------
def test_repairs_need_two_engineers_from_volume_handle_time_and_backlog(tmp_path):
    book = workload_book(tmp_path / "b.xlsx")
    result = staffing(book, now=NOW)
    plan = result.results["staffing"]
    engineers = plan.role("技术工程师")
    # Window 11-09..11-15: 5 working days. Handle time: 20 min per ticket + 150 per 上门 + 40 per 远程:
    # 8 × 170 + 2 × 210 = 1,780 min over 10 completed repairs → 178 min each.
    repairs = next(t for t in plan.types if t.request_type == "维修类")
    assert repairs.handle_minutes == pytest.approx(178)
    assert repairs.complex_share == pytest.approx(0.2)  # 2 of 10 completed needed two visits
    # 12 repairs (10 done + 2 open) × 178 min ÷ 60 ÷ 5 days = 7.12 h a day.
    assert engineers.daily_hours == pytest.approx(7.12)
    # Backlog: 2 open × 178 min = 5.933 h, cleared in 5 days: + 1.187 h a day.
    assert engineers.backlog == 2 and engineers.backlog_hours == pytest.approx(2 * 178 / 60)
    # (7.12 + 1.187) ÷ (8 h × (1 − 0.3)) = 1.48 → 2 engineers; 3 are on duty (工程师D is on leave).
    assert engineers.required == 2 and engineers.on_duty == 3 and engineers.gap == 1


def test_consultations_show_a_shortfall_and_the_surge_backlog(tmp_path):
    plan = staffing(workload_book(tmp_path / "b.xlsx"), now=NOW).results["staffing"]
    specialists = plan.role("产品专员")
    # 50 consultations × (20 + 20 min for the 电话 service) ÷ 60 ÷ 5 days = 6.667 h a day;
    # ÷ 5.6 effective hours = 1.19 → 2 people, and 人员名单 has one 产品专员 on duty.
    assert specialists.daily_hours == pytest.approx(50 * 40 / 60 / 5)
    assert specialists.required == 2 and specialists.on_duty == 1 and specialists.gap == -1
    # Surge +50 % for 5 days: 10 h a day against 5.6 h of capacity → 4.4 h × 5 = 22 h undone,
    # at 40 min a ticket: 33 tickets. At normal volume: (6.667 − 5.6) × 5 = 5.33 h → 8 tickets.
    assert specialists.surge_required == 2  # ⌈10 ÷ 5.6⌉
    assert specialists.backlog_after_surge == pytest.approx(33)
    assert specialists.backlog_after_normal == pytest.approx(8)


def test_the_sheet_highlights_the_shortfall_in_red(tmp_path):
    book = workload_book(tmp_path / "b.xlsx")
    result = staffing(book, now=NOW)
    assert result.written
    grid = _grid(book)
    assert grid[0][0] == "人员配置测算"
    header = _row(grid, "岗位")
    row = _row(grid, "产品专员")
    assert row[header.index("所需人数")] == 2 and row[header.index("在岗人数")] == 1
    assert row[header.index("富余/缺口")] == -1
    report = result.results["staffing"]
    sheet_cells = __import__("macros.staffing", fromlist=["staffing_sheet"]).staffing_sheet(report, now=NOW).cells
    gap_cells = [(value, look) for (r, c), (value, look) in sheet_cells.items() if value == -1 and c == 8]
    assert gap_cells and gap_cells[0][1].fill == "FFC7CE"  # the sheet's red
    # 客服主管 and 回访专员 are on duty with no work: required 0; 客服经理 is not sized from volume.
    # (after 11-01 the next-year calendar reminder comes first; then the staffing line)
    assert "人员配置测算：所需 4 人，在岗 6 人（产品专员 缺 1 人）" in result.lines


def test_a_second_run_rewrites_only_the_staffing_sheet_and_keeps_staff_rows(tmp_path):
    book = workload_book(tmp_path / "b.xlsx")
    staffing(book, now=NOW)
    before = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(S.INTAKE.name).to_python()
    staffing(book, now=NOW)
    after = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(S.INTAKE.name).to_python()
    assert before == after
    assert CalamineWorkbook.from_path(str(book)).sheet_names.count(S.STAFFING_SHEET) == 1


def test_the_monthly_report_section_compares_the_month_with_the_roster(tmp_path):
    from macros.settings import Settings
    from macros.staffing import monthly_staffing
    from reports.monthly import staffing_section
    from workbook import open_workbook

    book = workload_book(tmp_path / "b.xlsx")
    with open_workbook(book, read_only=True) as session:
        frames = {name: session.snapshot.frame(name) for name in session.snapshot.sheets}
        settings = Settings.from_snapshot(session.snapshot)
    section = monthly_staffing(frames, settings, dt.date(2026, 11, 1), dt.date(2026, 11, 30), now=NOW)
    rows = {r["role"]: r for r in section["rows"]}
    # November to date (11-01..11-16): 11 working days. Repairs: 12 × 178 min ÷ 60 ÷ 11 = 3.24 h
    # a day, no backlog in the monthly view → ⌈3.24 ÷ 5.6⌉ = 1 engineer; two of them visited.
    assert section["working_days"] == 11
    assert rows["技术工程师"]["required"] == 1 and rows["技术工程师"]["handled"] == 2
    assert rows["技术工程师"]["on_duty"] == 3 and rows["技术工程师"]["gap"] == 2
    # Consultations: 50 × 40 ÷ 60 ÷ 11 = 3.03 h → 1; 专员E did them all.
    assert rows["产品专员"]["required"] == 1 and rows["产品专员"]["handled"] == 1
    # No history a year back: next month's estimate is this month's.
    assert section["scale"] == 1.0 and rows["产品专员"]["next_required"] == 1
    assert "历史中没有去年 11–12 月的数据" in section["basis"]
    shown = staffing_section(frames, settings, dt.date(2026, 11, 1), dt.date(2026, 11, 30), now=NOW)
    assert {"role": "技术工程师", "gap": {"text": "+2", "class": "good"}}.items() <= {
        k: v for k, v in next(r for r in shown["rows"] if r["role"] == "技术工程师").items()}.items()


# -- the Erlang C queue ---------------------------------------------------------------------------------
def test_phone_calls_at_the_busiest_hour_go_through_erlang_c(tmp_path):
    # 200 calls on Monday 11-09 between 10:00 and 11:00, AHT 180 s: 200 × 180 ÷ 3,600 = 10 Erlangs,
    # the published example's load → 14 agents on the queue, ⌈14 ÷ 0.7⌉ = 20 rostered.
    intake = [_ticket(f"SV20261109{i + 1:04d}", MONDAY + dt.timedelta(hours=10, seconds=i * 17), "咨询类",
                      "使用咨询", "电话") for i in range(200)]
    book = make_book(tmp_path / "calls.xlsx", {S.INTAKE.name: intake,
                                              S.STAFFING_PARAMS.name: _params(**{"电话平均处理时长(秒)": 180})},
                     today=NOW.date())
    plan = staffing(book, now=NOW).results["staffing"]
    band = next(b for b in plan.bands if b.hour == 10)
    assert band.volume == {"电话": 200.0, "在线客服": 0.0}
    assert band.erlangs == pytest.approx(10.0)
    assert band.agents == 14 and band.rostered == 20
    agents = plan.role("客服专员")
    assert agents.model == "Erlang C" and agents.required == 20
    assert agents.on_duty == 0 and agents.gap == -20  # the test roster has no 客服专员
    assert plan.realtime_level_now == 0.0  # nobody answers
    # Surge: 15 Erlangs. Independent check by the textbook formula (tests/test_udfs_staffing.py):
    from tests.test_udfs_staffing import textbook_agents

    assert agents.surge_required == -(-textbook_agents(300, 3600, 180, 20, 0.8) * 10 // 7)


def test_calls_outside_working_hours_are_left_out_of_the_queue_and_said_so(tmp_path):
    intake = [_ticket("SV202611090001", MONDAY + dt.timedelta(hours=22), "咨询类", "使用咨询", "电话"),
              _ticket("SV202611090002", MONDAY + dt.timedelta(hours=10), "咨询类", "使用咨询", "电话")]
    book = make_book(tmp_path / "late.xlsx", {S.INTAKE.name: intake, S.STAFFING_PARAMS.name: _params()},
                     today=NOW.date())
    plan = staffing(book, now=NOW).results["staffing"]
    assert [b.hour for b in plan.bands] == [10]
    assert any("工作时间以外受理的电话/在线客服 1 张（占 50%）" in note for note in plan.notes)


# -- parameters -----------------------------------------------------------------------------------------
def test_a_bad_parameter_is_reported_with_its_row_and_the_default_used(tmp_path):
    book = workload_book(tmp_path / "b.xlsx", **{"服务水平目标": 80})
    result = staffing(book, now=NOW)
    problem = next(p for p in result.problems if p.sheet == S.STAFFING_PARAMS.name)
    assert problem.row == 3 and problem.column == "值" and problem.value == 80
    assert "已按默认值 0.8 测算" in problem.reason
    assert result.results["staffing"].params.target_level == 0.8


def test_a_workbook_without_the_parameter_sheet_uses_the_defaults(tmp_path, new_book):
    import openpyxl

    wb = openpyxl.load_workbook(new_book)
    del wb[S.STAFFING_PARAMS.name]
    wb.save(new_book)
    result = staffing(new_book, now=NOW)
    assert any("没有「人员配置参数」表，已按默认参数测算" in line for line in result.lines)
    assert S.STAFFING_SHEET in CalamineWorkbook.from_path(str(new_book)).sheet_names


def test_the_parameter_sheet_explains_every_parameter(new_book):
    book = CalamineWorkbook.from_path(str(new_book))
    rows = book.get_sheet_by_name(S.STAFFING_PARAMS.name).to_python()
    assert rows[0] == ["参数", "值", "说明"]
    names = [r[0] for r in rows[1:] if r[0]]
    assert {"服务水平目标", "目标接通时间(秒)", "缺勤与非生产时间占比", "最大占用率", "每人每日可排班工时(小时)",
            "救火增量比例", "救火持续天数"} <= set(names)
    assert all(r[2] for r in rows[1:] if r[0])  # each has its meaning in 说明


# -- as the team runs it --------------------------------------------------------------------------------
def test_aftersales_staffing_on_the_demo_writes_the_sheet_libreoffice_opens(demo_book, libreoffice):
    exe = Path(sys.executable).with_name("aftersales")
    proc = subprocess.run([str(exe), "staffing", str(demo_book), "--now", "2026-11-20 16:00"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "\n人员配置测算：所需 " in "\n" + proc.stdout
    import openpyxl

    wb = openpyxl.load_workbook(libreoffice(demo_book), data_only=True)
    ws = wb[S.STAFFING_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(r for r in rows if r[0] == "岗位")
    roles = []
    for r in rows[rows.index(header) + 1:]:
        if r[0] == "合计":
            total = r
            break
        roles.append(r)
    roster = wb[S.STAFF_ROSTER.name]
    on_duty: dict[str, int] = {}
    for name, _dept, role, _stores, duty, *_ in roster.iter_rows(min_row=2, values_only=True):
        if name and duty == "在岗":
            on_duty[role] = on_duty.get(role, 0) + 1
    required, staffed = header.index("所需人数"), header.index("在岗人数")
    for r in roles:  # a manager's checks: whole people, the roster's own count, totals that add up
        assert isinstance(r[required], (int, float)) and r[required] >= 1 and float(r[required]).is_integer()
        assert r[staffed] == on_duty.get(r[0], 0)
    assert total[required] == sum(r[required] for r in roles)
    assert total[staffed] == sum(r[staffed] for r in roles)
    assert {r[0] for r in roles} >= {"客服专员", "技术工程师", "产品专员"}


def test_staffing_help_is_in_chinese_with_an_example():
    exe = Path(sys.executable).with_name("aftersales")
    proc = subprocess.run([str(exe), "staffing", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "人员配置测算" in proc.stdout and "示例：aftersales staffing 售后服务.xlsx" in proc.stdout
