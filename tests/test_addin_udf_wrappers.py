"""VBA wrappers generated for the Python UDFs, as xlwings' "Import Functions" would write them."""

from __future__ import annotations

import re
import sys
import textwrap

import pytest

import xlwings
from addin import udf_wrappers, vba

FAKE_UDFS = textwrap.dedent(
    '''
    import datetime as dt
    import xlwings as xw


    @xw.func
    @xw.arg("received", doc="受理时间")
    def sla_due(received: dt.datetime, hours: float = 24):
        """根据受理时间计算截止时间。

        The rest of the docstring is not for the function wizard.
        """
        return received


    @xw.func(category="SLA")
    def sla_status(due, done=None):
        """Deadline status: "进行中" or "已超时"."""
        return "进行中"


    @xw.func
    def total(*values):
        return sum(values)


    def not_a_udf():
        """A plain helper: no wrapper."""


    print("modules may print when imported")
    '''
)


@pytest.fixture
def fake_udfs(tmp_path, monkeypatch):
    (tmp_path / "fake_wrapper_udfs.py").write_text(FAKE_UDFS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "fake_wrapper_udfs"


def _vba_string(lines: list[str], variable: str) -> str:
    """Evaluate the generated `variable = ...` / `variable = variable & ...` assignments (first run only)."""
    value = None
    for line in lines:
        line = line.strip()
        if value is not None and not line.startswith(f"{variable} = {variable} & "):
            if line.startswith(f"{variable} = "):
                break
            continue
        if value is None and not line.startswith(f"{variable} = "):
            continue
        expression = line.split(" = ", 1)[1]
        if expression.startswith(f"{variable} & "):
            expression = expression[len(variable) + 3 :]
        else:
            value = ""
        literal = re.fullmatch(r'"((?:[^"]|"")*)"', expression)
        if literal:
            value += literal.group(1).replace('""', '"')
        else:
            codes = re.fullmatch(r'UnicodeText\("([0-9A-F ]+)"\)', expression).group(1)
            value += "".join(chr(int(code, 16)) for code in codes.split())
    return value


def test_every_udf_gets_a_wrapper_that_calls_python_with_the_active_workbook(fake_udfs):
    wrappers = udf_wrappers.generate([fake_udfs])
    assert [(u.name, u.kind) for u in wrappers.udfs] == [("sla_due", "Function"), ("sla_status", "Function"), ("total", "Function")]
    procedures = vba.procedures(wrappers.source)
    assert procedures["sla_due"].parameters == ("received", "Optional hours")
    assert procedures["total"].parameters == ("ParamArray values()",)
    assert "not_a_udf" not in procedures
    # An add-in's wrappers act on the workbook the user is in, not on the add-in itself.
    assert (
        'sla_due = XLPy.CallUDF("fake_wrapper_udfs", "sla_due", Array(received, hours), ActiveWorkbook, Application.Caller)'
        in wrappers.source
    )


def test_the_function_wizard_shows_the_docstring_summary_in_chinese(fake_udfs):
    source = udf_wrappers.generate([fake_udfs]).source
    register = vba.procedures(source)["registerudfhelp"].body.splitlines()
    start = next(i for i, line in enumerate(register) if '"sla_due"' in line)
    block = register[:start]
    assert _vba_string(block, "description") == "根据受理时间计算截止时间。"
    assert _vba_string(block, "category") == udf_wrappers.DEFAULT_CATEGORY
    assert _vba_string(block, "text") == "受理时间"
    # The generated module stays ASCII, so any VBA code page can store it.
    vba.check_encodable(vba.UDF_MODULE, source)
    assert source.isascii()


def test_the_generated_module_names_no_file_of_this_machine(fake_udfs, tmp_path):
    source = udf_wrappers.generate([fake_udfs]).source
    assert str(tmp_path) not in source
    assert "defined in" not in source


def test_generation_leaves_this_process_untouched(fake_udfs):
    func_before = xlwings.func
    udf_wrappers.generate([fake_udfs])
    assert xlwings.func is func_before
    assert fake_udfs not in sys.modules
    if not sys.platform.startswith("win"):
        assert "pythoncom" not in sys.modules


def test_an_unimportable_udf_module_is_a_named_error():
    with pytest.raises(udf_wrappers.UdfWrapperError, match="No module named 'no_such_udf_module'"):
        udf_wrappers.generate(["no_such_udf_module"])


def test_a_udf_may_not_take_the_name_of_the_modules_own_procedures(tmp_path, monkeypatch):
    (tmp_path / "clashing_udfs.py").write_text(
        "import xlwings as xw\n\n@xw.func\ndef RegisterUdfHelp():\n    return 1\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(udf_wrappers.UdfWrapperError, match="RegisterUdfHelp: this name is taken"):
        udf_wrappers.generate(["clashing_udfs"])


def test_every_udf_the_project_exports_today_can_be_wrapped_in_vba():
    wrappers = udf_wrappers.generate(["udfs"])
    functions = vba.procedures(wrappers.source)
    for udf in wrappers.udfs:
        assert udf.name.lower() in functions


def test_an_argument_named_like_a_vba_keyword_is_refused_before_it_breaks_every_udf(tmp_path, monkeypatch):
    # `date` is a VBA type name: `Function due(date)` does not compile, and a module that does not
    # compile takes every UDF of the add-in down with it.
    (tmp_path / "keyword_udfs.py").write_text(
        "import xlwings as xw\n\n@xw.func\ndef due(date, days):\n    return date\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(udf_wrappers.UdfWrapperError, match="the VBA wrappers would not compile: keyword_udfs.due: argument 'date' is a VBA keyword — rename it"):
        udf_wrappers.generate(["keyword_udfs"])
