"""The Excel face (udfs.sla_due & co.): cells in, cells out; errors are "#错误:" text, never exceptions.

Arguments are shaped the way xlwings passes them with ndim=2: one cell is [[v]], a column is a
list of one-element rows; dates arrive as datetime, numbers as float, blanks as None.
"""

import ast
import inspect
from datetime import datetime
from pathlib import Path

import pytest

import udfs
from udfs import excel_sla

D = datetime
UDFS_DIR = Path(udfs.__file__).parent


def column(*values):
    return [[value] for value in values]


def test_plain_python_call_with_python_values_gives_a_datetime():
    # SPEC §3 rule: WORKDAY.INTL(Wed 2025-06-11, 3, "0000011", {Thu}) = Tue 2025-06-17, at 18:00
    assert udfs.sla_due(D(2025, 6, 11, 10), 3, "工作日", holidays=[D(2025, 6, 12)]) == D(2025, 6, 17, 18)


def test_one_cell_in_gives_one_value_out():
    assert udfs.sla_due([[D(2025, 6, 9, 10)]], [[2.0]], [["小时"]]) == D(2025, 6, 9, 12)


def test_statutory_calendar_is_used_when_holidays_and_workdays_are_omitted():
    # 2026-02-13 (Fri) + 1 工作日 → the make-up Saturday 02-14 (国办发明电〔2025〕7号)
    assert udfs.sla_due(D(2026, 2, 13, 10), 1.0, "工作日") == D(2026, 2, 14, 18)
    # with an explicit empty holiday list (no dates: no holidays, no year check) the make-up day is not known: Monday 02-16
    assert udfs.sla_due(D(2026, 2, 13, 10), 1.0, "工作日", holidays=[[None]]) == D(2026, 2, 16, 18)


def test_a_column_of_starts_gives_a_column_of_results_with_errors_only_where_bad():
    starts = column(D(2025, 6, 9, 10), None, "明天", D(2026, 12, 30, 10), D(2025, 6, 9, 10))
    amounts = column(3.0, 3.0, 3.0, 5.0, -1.0)
    result = udfs.sla_due(starts, amounts, "工作日")
    assert [len(row) for row in result] == [1, 1, 1, 1, 1]
    assert result[0] == [D(2025, 6, 12, 18)]
    assert result[1] == [None]  # a blank start stays blank
    assert result[2][0] == "#错误: 开始时间「明天」不是日期 — 请输入日期时间，例如 2025-06-09 10:00"
    assert result[3][0].startswith("#错误: 2027年法定节假日数据缺失（「节假日数据年份」不含 2027）— 国务院放假通知发布后运行 aftersales calendar import")
    assert result[4][0] == "#错误: 时限数量「-1」无效：不能为负数"


def test_units_can_vary_by_row_and_a_bad_unit_spoils_only_its_cell():
    result = udfs.sla_due(column(D(2025, 6, 9, 10), D(2025, 6, 9, 10)), 1.0, column("周", "months"))
    assert result == [["#错误: 单位「周」无效 — 可用 分钟/小时/工作小时/工作日/自然日/月"], [D(2025, 7, 9, 10)]]


def test_a_two_dimensional_range_keeps_its_shape():
    starts = [[D(2025, 6, 9, 10), D(2025, 6, 10, 10)], [D(2025, 6, 11, 10), None]]
    result = udfs.sla_due(starts, 1.0, "小时")
    assert result == [[D(2025, 6, 9, 11), D(2025, 6, 10, 11)], [D(2025, 6, 11, 11), None]]


def test_ranges_of_different_sizes_are_an_error_not_a_guess():
    result = udfs.sla_due(column(D(2025, 6, 9), D(2025, 6, 10)), column(1.0, 2.0, 3.0), "小时")
    assert result.startswith("#错误: 区域大小不一致（开始时间 2×1，数量 3×1")


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"hours": "9点到18点"}, "#错误: 工作时间「9点到18点」无效"),
        ({"weekend": "11"}, "#错误: 周末参数「11」无效"),
        ({"holidays": [[D(2025, 6, 12)], ["端午"]]}, "#错误: 节假日「端午」不是日期"),
    ],
)
def test_a_bad_calendar_argument_fills_every_cell_with_its_message(arguments, message):
    result = udfs.sla_due(column(D(2025, 6, 9, 10), D(2025, 6, 10, 10)), 1.0, "工作日", **arguments)
    assert all(row[0].startswith(message) for row in result), result


def test_holidays_may_be_excel_serial_numbers_and_blank_cells():
    # 45820 = 2025-06-12 in Excel's 1900 date system (45658 = 2025-01-01, + 162 days)
    holidays = [[45820.0], [None], [None]]
    assert udfs.sla_due(D(2025, 6, 11, 10), 1.0, "工作日", holidays=holidays) == D(2025, 6, 13, 18)


def test_working_hours_and_weekend_arguments_are_used():
    due = udfs.sla_due(D(2025, 6, 13, 17), 2.0, "工作小时", holidays=[], hours="09:00-12:00,13:00-18:00", weekend="0000001")
    assert due == D(2025, 6, 14, 10)  # Saturday works when only Sunday is a rest day


def test_status_of_a_column():
    start = D(2025, 6, 9, 9)
    dues = column(D(2025, 6, 9, 19), D(2025, 6, 9, 19), None, D(2025, 6, 9, 12), D(2025, 6, 9, 19))
    done = column(None, None, None, None, D(2025, 6, 9, 18))
    result = udfs.sla_status(dues, done, [[D(2025, 6, 9, 17, 30)]], [[start]], column(0.8, 0.9, 0.8, 0.8, 0.8))
    assert result == [["即将超时"], ["进行中"], ["未开始"], ["已超时"], ["按时完成"]]


def test_status_with_now_omitted_reads_the_clock():
    assert udfs.sla_status(D(2000, 1, 2), None, None, D(2000, 1, 1)) == "已超时"
    assert udfs.sla_status(D(9999, 1, 2), None, None, D(2000, 1, 1)) == "进行中"


def test_status_with_a_bad_warning_names_it():
    assert udfs.sla_status(D(2025, 6, 9, 19), None, D(2025, 6, 9, 10), D(2025, 6, 9, 9), 80.0) == (
        "#错误: 预警比例「80」无效 — 须在 0 到 1 之间，例如 0.8（即 80%）"
    )


def test_working_hours_between_a_column():
    result = udfs.working_hours_between(
        column(D(2025, 6, 9, 17), D(2025, 6, 9, 17), "x"), column(D(2025, 6, 10, 10), D(2025, 6, 9, 16), D(2025, 6, 9, 16)),
        holidays=[], hours="09:00-18:00",
    )
    assert result[0] == [2.0] and result[1] == [0.0]
    assert result[2][0].startswith("#错误: 开始时间「x」不是日期")


def test_deadline_with_pauses():
    # Frappe Helpdesk's hold-time fact: 2 working hours from Thursday 15:00, 1 h of hold → 18:00
    due = udfs.sla_due_paused(
        D(2025, 6, 12, 15), 2.0, "工作小时", [[D(2025, 6, 12, 15, 30)], [None]], [[D(2025, 6, 12, 16, 30)], [None]],
        D(2025, 6, 20), holidays=[], hours="10:00-18:00",
    )
    assert due == D(2025, 6, 12, 18)
    assert udfs.sla_due_paused("x", 2.0, "工作小时").startswith("#错误: 开始时间「x」")


def test_an_unexpected_failure_is_a_message_not_a_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(excel_sla.sla, "due_many", broken)
    result = udfs.sla_due(column(D(2025, 6, 9, 10), D(2025, 6, 9, 11)), 1.0, "小时")
    assert result == [["#错误: 计算失败（RuntimeError: boom）— 请把本单元格的输入发给维护人员"]] * 2


# -- the function wizard: every UDF and every argument is documented ---------------------------------------

def _decorated_arguments(function):
    """Argument names documented by @xw.arg(name, doc=...) decorators, read from the source."""
    tree = ast.parse(inspect.getsource(function))
    documented = {}
    for decorator in tree.body[0].decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", "") == "arg":
            name = decorator.args[0].value
            documented[name] = any(keyword.arg == "doc" for keyword in decorator.keywords)
    return documented


@pytest.mark.parametrize("name", udfs.__all__)
def test_every_udf_has_a_wizard_description_and_documented_arguments(name):
    function = getattr(udfs, name)
    summary = inspect.getdoc(function).splitlines()[0]
    assert any("\u4e00" <= char <= "\u9fff" for char in summary), "the wizard line is for Chinese users"
    documented = _decorated_arguments(function)
    assert documented == {parameter: True for parameter in inspect.signature(function).parameters}


def test_nothing_imports_xlwings_udfs_which_needs_pywin32():
    for path in UDFS_DIR.glob("*.py"):
        assert "xlwings.udfs" not in path.read_text(encoding="utf-8"), path


# Reserved identifiers of VBA (MS-VBAL 3.3.5.2): xlwings' wrapper reuses the Python parameter names,
# and one reserved word (say "end") stops the whole VBA module from compiling — every UDF #NAME?.
VBA_RESERVED = {
    "abs", "addressof", "and", "any", "array", "as", "attribute", "boolean", "byref", "byte", "byval", "call",
    "case", "cbool", "cbyte", "ccur", "cdate", "cdbl", "cdec", "cdecl", "cint", "circle", "clng", "clnglng",
    "clngptr", "close", "const", "csng", "cstr", "currency", "cvar", "cverr", "date", "debug", "declare",
    "defbool", "defbyte", "defcur", "defdate", "defdbl", "defdec", "defint", "deflng", "deflnglng", "deflngptr",
    "defobj", "defsng", "defstr", "defvar", "dim", "do", "doevents", "double", "each", "else", "elseif", "empty",
    "end", "endif", "enum", "eqv", "erase", "error", "event", "exit", "false", "fix", "for", "friend", "function",
    "get", "global", "gosub", "goto", "if", "imp", "implements", "in", "input", "inputb", "int", "integer", "is",
    "lbound", "len", "lenb", "let", "lib", "like", "line", "lock", "long", "longlong", "longptr", "loop", "lset",
    "me", "mod", "new", "next", "not", "nothing", "null", "on", "open", "option", "optional", "or", "paramarray",
    "preserve", "print", "private", "property", "pset", "ptrsafe", "public", "put", "raiseevent", "redim", "rem",
    "resume", "return", "rset", "scale", "seek", "select", "set", "sgn", "shared", "single", "spc", "static",
    "step", "stop", "string", "sub", "tab", "then", "to", "true", "type", "typeof", "ubound", "until", "variant",
    "wend", "while", "with", "withevents", "write", "xor",
}


@pytest.mark.parametrize("name", udfs.__all__)
def test_udf_parameter_names_are_legal_in_vba(name):
    parameters = inspect.signature(getattr(udfs, name)).parameters
    assert not {parameter.lower() for parameter in parameters} & VBA_RESERVED
    assert name.lower() not in VBA_RESERVED


def test_holiday_ranges_that_cover_only_2026_make_a_2027_deadline_an_error_not_a_guess():
    # Issue 12 item 7: with the workbook's 2026 lists, 2026-12-31 10:00 + 1 工作日 would land on
    # 2027-01-01 (New Year's Day) by the weekly pattern; the routines refuse, so must the cell.
    from udfs.calendar import statutory_days

    off, on = statutory_days(2026)
    holidays, workdays = column(*(d for d, _ in off)), column(*(d for d, _ in on))
    due = udfs.sla_due(D(2026, 12, 31, 10), 1.0, "工作日", holidays, workdays)
    assert due.startswith("#错误: 2027年法定节假日数据缺失（「节假日数据年份」不含 2027）")
    assert "aftersales calendar import" in due
    # a column: only the start whose deadline needs 2027 is an error
    result = udfs.sla_due(column(D(2026, 12, 30, 10), D(2026, 12, 31, 10)), 1.0, "工作日", holidays, workdays)
    assert result[0] == [D(2026, 12, 31, 18)] and result[1][0].startswith("#错误: 2027年法定节假日数据缺失")
    # 节假日数据年份 (the named cell) says which years the lists cover; a year not in it is an error too
    assert udfs.sla_due(D(2026, 6, 1, 10), 1.0, "工作日", holidays, workdays, years=[[2027.0]]).startswith(
        "#错误: 2026年法定节假日数据缺失")
    assert udfs.sla_due(D(2026, 12, 30, 10), 1.0, "工作日", holidays, workdays, years="2026,2027") == D(2026, 12, 31, 18)
    assert udfs.sla_due(D(2026, 12, 31, 10), 1.0, "工作日", holidays, workdays, years="明年").startswith(
        "#错误: 节假日数据年份「明年」无效")
    hours = udfs.working_hours_between(D(2026, 12, 31, 17), D(2027, 1, 4, 10), holidays, workdays)
    assert hours.startswith("#错误: 2027年法定节假日数据缺失")
