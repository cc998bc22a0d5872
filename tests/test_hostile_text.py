"""Hostile text: what a customer wrote is stored and shown as text, never run as a formula.

Customer names, phones, addresses, store names, product models and tags that start with ``=``,
``+``, ``-``, ``@`` (or a tab or carriage return before one) travel through every routine into
every sheet the program writes — 超时预警, 回访计划, 数据问题, the 二次处理 tickets copied onto
the intake sheet, and 月报. There each one must be a text cell (inline or shared string, with
Excel's text prefix), never a ``<f>`` formula, and LibreOffice must read it back as the same
text rather than a computed result. And no module of the program evaluates strings at all.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from macros import refresh
from tests.bookmaker import make_book
from workbook import read_file
from workbook import schema as S
from workbook.xlsxpatch import Package

NOW = dt.datetime(2026, 11, 20, 16, 0)
INTAKE = S.INTAKE.name
MONTHLY = "月报_2026-11"
REPO = Path(__file__).resolve().parents[1]

# Each payload is distinct, so a cell holding it can only have come from its own ticket.
PAYLOADS = (
    "=1+1",
    "+2+2",
    "-3+3",
    "@SUM(4,4)",
    '=HYPERLINK("http://evil.example/5","点我")',
    "=cmd|' /C calc'!A6",
    "\t=7+7",  # staff text is trimmed when read: it arrives as "=7+7"
    "\r=8+8",
)


def shown(payload: str) -> str:
    """The payload as the program carries it on: text columns are trimmed when read."""
    return payload.strip()


def _tickets() -> list[dict]:
    rows = []
    for i, payload in enumerate(PAYLOADS):
        # An open, overdue ticket this month: 超时预警 (客户名称) and 月报 (store, model, tag).
        rows.append({"服务工单号": f"A{i}", "受理时间": dt.datetime(2026, 11, 10, 9), "登记时间": dt.datetime(2026, 11, 10, 9, 5),
                     "客户名称/姓名": payload, "联系方式": "13812345678", "所属店铺/区域": payload,
                     "购买产品型号": payload, "二级标签": payload, "问题描述": payload, "需求类型": "维修类",
                     "紧急程度": "紧急", "责任部门": "维修部", "处理人": "工程师B",
                     "分配时间": dt.datetime(2026, 11, 10, 9, 20), "当前状态": "处理中"})
        # A repair finished this week: 回访计划 (客户名称, 联系方式) and a phone problem (数据问题).
        rows.append({"服务工单号": f"B{i}", "受理时间": dt.datetime(2026, 11, 16, 9), "登记时间": dt.datetime(2026, 11, 16, 9, 5),
                     "客户名称/姓名": payload, "联系方式": payload, "地址": payload, "需求类型": "维修类",
                     "紧急程度": "一般", "责任部门": "维修部", "处理人": "工程师C",
                     "分配时间": dt.datetime(2026, 11, 16, 9, 20), "首次响应时间": dt.datetime(2026, 11, 16, 10),
                     "完成时间": dt.datetime(2026, 11, 17, 10), "当前状态": "已完成"})
    return rows


def _surveys() -> list[dict]:
    # A low score on each finished repair: a 二次处理 ticket copying the customer's fields.
    return [{"工单号": f"B{i}", "回访对象": payload, "回访时间": dt.datetime(2026, 11, 19, 10), "服务态度评分": 3,
             "专业能力评分": 8, "解决效率评分": 8, "总体满意度": 5, "推荐意愿": 4, "改进建议": payload}
            for i, payload in enumerate(PAYLOADS)]


@pytest.fixture
def hostile_book(tmp_path) -> Path:
    return make_book(tmp_path / "hostile.xlsx", {INTAKE: _tickets(), S.SURVEY.name: _surveys()})


# Which sheet each routine writes, and the cells there that must hold each payload.
def expected_cells(snapshot, sheet: str) -> dict[str, set[str]]:
    """{payload as carried: {"column@key"}} the sheet must hold, found from the sheet's own rows."""
    frame = snapshot.frame(sheet) if sheet != MONTHLY else None
    out: dict[str, set[str]] = {shown(p): set() for p in PAYLOADS}
    if sheet == S.ESCALATION.name:
        for ticket, name in zip(frame["工单号"], frame["客户名称"]):
            if name in out:
                out[name].add(f"客户名称@{ticket}")
    elif sheet == S.CALLBACK_PLAN.name:
        for ticket, name, phone in zip(frame["工单号"], frame["客户名称"], frame["联系方式"]):
            if name in out and name == phone:
                out[name].add(f"客户名称+联系方式@{ticket}")
    elif sheet == INTAKE:
        rows = frame[frame["二级标签"] == "二次处理"]
        for ticket, name, phone, address in zip(rows["关联工单号"], rows["客户名称/姓名"], rows["联系方式"], rows["地址"]):
            if name in out and name == phone == address:
                out[name].add(f"二次处理@{ticket}")
    elif sheet == S.DATA_ISSUES.name:
        for value in frame["值"]:
            if value in out:
                out[value].add("值")
    return out


def text_cells(path: Path, sheet: str) -> dict[str, tuple[str, bytes]]:
    """{ref: (text as python-calamine reads it, raw cell XML)} for every non-empty text cell."""
    from python_calamine import CalamineWorkbook

    pkg = Package(path)
    try:
        xml = pkg.read(pkg.sheets[sheet].part)
    finally:
        pkg.close()
    raw = {(m.group(1) + m.group(2)).decode(): m.group()
           for m in re.finditer(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', xml, re.S)}
    book = CalamineWorkbook.from_path(str(path))
    try:
        grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        book.close()
    out = {}
    for r, line in enumerate(grid, start=1):
        for c, value in enumerate(line, start=1):
            if isinstance(value, str) and value:
                ref = f"{openpyxl.utils.get_column_letter(c)}{r}"
                out[ref] = (value, raw.get(ref, b""))
    return out


ROUTINE_SHEETS = [
    ("escalate", [S.ESCALATION.name]),
    ("callbacks", [S.CALLBACK_PLAN.name, INTAKE]),
    ("dispatch", [S.DATA_ISSUES.name]),
    ("summary", [MONTHLY]),
    ("refresh_all", [S.ESCALATION.name, S.CALLBACK_PLAN.name, INTAKE, S.DATA_ISSUES.name, MONTHLY]),
]


@pytest.mark.parametrize("routine, sheets", ROUTINE_SHEETS, ids=[r for r, _ in ROUTINE_SHEETS])
def test_formula_text_is_written_as_text_cells_in_every_sheet_the_program_writes(hostile_book, routine, sheets):
    getattr(refresh, routine)(hostile_book, now=NOW)
    snapshot = read_file(hostile_book)
    wb = openpyxl.load_workbook(hostile_book)
    for sheet in sheets:
        cells = text_cells(hostile_book, sheet)
        holding = {shown(p): [ref for ref, (text, _xml) in cells.items() if text == shown(p)] for p in PAYLOADS}
        if sheet == MONTHLY:
            missing = [p for p, refs in holding.items() if not refs]
        else:
            expected = expected_cells(snapshot, sheet)
            missing = [p for p, where in expected.items() if not where]
        assert not missing, f"{sheet}: these payloads never reached the sheet: {missing}"
        for payload, refs in holding.items():
            for ref in refs:
                _text, xml = cells[ref]
                assert b"<f" not in xml, f"{sheet}!{ref} holds a formula: {xml!r}"
                assert re.search(rb' t="(?:inlineStr|s)"', xml), f"{sheet}!{ref} is not a text cell: {xml!r}"
                row = int(re.search(r"\d+", ref).group())
                if row > 1 and payload[:1] in "=+-@":
                    assert wb[sheet][ref].quotePrefix, f"{sheet}!{ref} lacks Excel's text prefix"
        assert not any(b"<f" in xml for _text, xml in cells.values()), f"{sheet} holds formulas"


@pytest.mark.libreoffice
def test_libreoffice_reads_every_payload_back_as_the_same_text(hostile_book, libreoffice):
    refresh.refresh_all(hostile_book, now=NOW)
    sheets = [S.ESCALATION.name, S.CALLBACK_PLAN.name, INTAKE, S.DATA_ISSUES.name, MONTHLY]
    ours = {sheet: text_cells(hostile_book, sheet) for sheet in sheets}
    converted = libreoffice(hostile_book, "xlsx")
    wb = openpyxl.load_workbook(converted)  # formulas, if any, would come back as "=…" of type f
    checked = 0
    for sheet in sheets:
        ws = wb[sheet]
        for ref, (text, _xml) in ours[sheet].items():
            if text not in {shown(p) for p in PAYLOADS}:
                continue
            cell = ws[ref]
            assert cell.data_type == "s" and cell.value == text, (
                f"LibreOffice read {sheet}!{ref} as {cell.value!r} ({cell.data_type}), not the text {text!r}")
            checked += 1
    assert checked >= len(PAYLOADS) * len(sheets)


CONTROL_LEADS = ("\t=1+1", "\r=2+2", "\n=3+3", "a\rb", "行一\n行二", "_x0041_ stays as typed")


@pytest.mark.libreoffice
def test_text_with_leading_tab_or_carriage_return_reads_back_unchanged(new_book, libreoffice):
    """The writer itself: control characters survive, and a leading tab or CR never makes a formula."""
    from workbook import ChangeSet, open_workbook

    with open_workbook(new_book) as session:
        changes = ChangeSet()
        changes.sheet(S.DATA_ISSUES.name).rebuild = [{"问题": text, "行号": i} for i, text in enumerate(CONTROL_LEADS)]
        session.commit(changes, now=NOW)
    converted = libreoffice(new_book, "xlsx")
    ws = openpyxl.load_workbook(converted)[S.DATA_ISSUES.name]
    column = S.DATA_ISSUES.headers.index("问题") + 1
    cells = [ws.cell(row=r, column=column) for r in range(2, 2 + len(CONTROL_LEADS))]
    assert [c.value for c in cells] == list(CONTROL_LEADS), "LibreOffice read them differently"
    assert all(c.data_type == "s" for c in cells)
    ours = {text for text, _xml in text_cells(new_book, S.DATA_ISSUES.name).values()}
    assert set(CONTROL_LEADS) <= ours, "python-calamine read them differently"


# ---- nothing evaluates cell content ----------------------------------------------------------------
EVALUATORS = {"eval", "exec"}
PACKAGES = ("addin", "workbook", "udfs", "macros", "reports")


def evaluating_calls(source: str, filename: str = "<source>") -> list[str]:
    """Calls of eval/exec in ``source``, by name (``eval(x)``) or attribute (``pd.eval(x)``)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in EVALUATORS:
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_the_scan_finds_eval_and_exec_however_they_are_called():
    source = "import pandas as pd\nx = eval('1+1')\nexec(code)\npd.eval(expr)\nframe.eval('a+b')\nf = 'eval('\n"
    assert len(evaluating_calls(source)) == 4  # the string "eval(" is not a call


def test_no_module_of_the_program_evaluates_strings():
    files = [p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))]
    assert len(files) > 30, "the scan found too few modules: wrong folder?"
    found = [hit for path in files
             for hit in evaluating_calls(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))]
    assert found == []
