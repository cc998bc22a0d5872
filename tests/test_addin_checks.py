"""Every check of addin.checks can fail: a good add-in is built once, then broken one way per test.

Each test breaks a copy of the good build the way a real mistake would (a corrupted module stream,
a 2007-type ribbon link, a missing Sub, a UDF without a wrapper, ...) and asserts that the check
responsible reports it, with a message that says what is wrong.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path
from typing import Callable

import pytest

import addin.ribbon
import aftersales.ribbon
from addin import checks, package, vba
from addin.build import build_addin
from addin.checks import check_addin

UDF_MODULE = "fake_check_udfs"
UDF_SOURCE = textwrap.dedent(
    '''
    import xlwings as xw


    @xw.func
    def sla_due(received, hours=24):
        """根据受理时间计算截止时间。"""
        return received


    @xw.func
    def sla_status(due, done=None):
        """截止状态。"""
        return "进行中"
    '''
)


@pytest.fixture(scope="module")
def good_addin(tmp_path_factory) -> Path:
    udf_dir = tmp_path_factory.mktemp("udfs")
    (udf_dir / f"{UDF_MODULE}.py").write_text(UDF_SOURCE, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(udf_dir))
        path = build_addin(tmp_path_factory.mktemp("good") / "aftersales.xlam", udf_modules=[UDF_MODULE])
        yield path


@pytest.fixture
def udf_path(tmp_path_factory, monkeypatch):
    """Put the fake UDF module on sys.path, as it was at build time; returns a function to replace it."""
    original = tmp_path_factory.mktemp("udfs-now")
    (original / f"{UDF_MODULE}.py").write_text(UDF_SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(original))

    def replace(source: str) -> None:
        (original / f"{UDF_MODULE}.py").write_text(textwrap.dedent(source), encoding="utf-8")

    return replace


@pytest.fixture
def ribbon_functions(monkeypatch):
    """Stand-ins for aftersales.ribbon functions that do not exist yet (they are written in another issue)."""
    for function, _ in addin.ribbon.BUTTONS.values():
        if not callable(getattr(aftersales.ribbon, function, None)):
            monkeypatch.setattr(aftersales.ribbon, function, lambda: None, raising=False)


@pytest.fixture
def addin_copy(good_addin, tmp_path) -> Path:
    copy = tmp_path / "aftersales.xlam"
    shutil.copyfile(good_addin, copy)
    return copy


# --- ways to break an add-in ------------------------------------------------------------------


def rewrite_part(path: Path, part: str, transform: Callable[[bytes], bytes]) -> None:
    parts = package.read_parts(path)
    parts[part] = transform(parts[part])
    package.write_parts(parts, path)


def replace_text(part: str, old: str, new: str, count: int = 1):
    def transform(data: bytes) -> bytes:
        text = data.decode("utf-8")
        assert old in text, f"{old!r} not in {part}"
        return text.replace(old, new, count).encode("utf-8")

    return lambda path: rewrite_part(path, part, transform)


def edit_module(name: str, transform: Callable[[str], str]):
    def breaker(path: Path) -> None:
        from pyopenvba import ExcelFile

        edited = path.with_name("edited.xlam")
        with ExcelFile(path) as book:
            before = book.get_module(name)
            after = transform(before)
            assert after != before
            book.set_module(name, after)
            book.save(edited)
        edited.replace(path)

    return breaker


def add_module(name: str, source: str):
    def breaker(path: Path) -> None:
        from pyopenvba import ExcelFile

        edited = path.with_name("edited.xlam")
        with ExcelFile(path) as book:
            book.vba_project().add_module(name, source)
            book.save(edited)
        edited.replace(path)

    return breaker


def vba_streams(transform: Callable[["object"], None]):
    """Edit the CFB of vbaProject.bin directly (what no VBA library would write)."""

    def breaker(path: Path) -> None:
        from pyopenvba.cfb import CFB

        def edit(data: bytes) -> bytes:
            cfb = CFB.from_bytes(data)
            transform(cfb)
            return cfb.to_bytes()

        rewrite_part(path, package.VBA_PART, edit)

    return breaker


def corrupt_module_stream(cfb) -> None:
    raw = cfb.get_stream_in_storage("VBA", vba.RIBBON_MODULE)
    cfb.write_stream_in_storage("VBA", vba.RIBBON_MODULE, raw[:10] + bytes(b ^ 0x5A for b in raw[10:]))


def compiled_vba_project(cfb) -> None:
    # What Excel 2016 writes: its own VBA version and a performance cache of compiled state.
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", bytes.fromhex("cc61b5000001") + bytes(64))


def project_names_disagree(cfb) -> None:
    text = cfb.get_stream("PROJECT").decode("cp1252").replace('Name="AfterSales"', 'Name="MyAddin"')
    cfb.write_stream("PROJECT", text.encode("cp1252"))


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def corrupt_part_data(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(package.STYLES_PART)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + 60):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def remove_ribbon_row(path: Path) -> None:
    """Delete the 4th row of the settings sheet, leaving a gap in column A."""
    sheet = package.sheet_part_of(package.read_parts(path), "aftersales.conf")
    rewrite_part(path, sheet, lambda data: re.sub(rb'<row r="4".*?</row>', b"", data, count=1, flags=re.S))


def drop_relationship(part: str, type_uri: str):
    return lambda path: rewrite_part(
        path, part, lambda data: re.sub(rb'<Relationship [^>]*Type="' + re.escape(type_uri.encode()) + rb'"[^>]*/>', b"", data)
    )


BREAKS = {
    # name: (breaker, check that must fail, words its message must contain)
    "truncated file": (truncate, "package", "is not a readable zip package"),
    "corrupted part data": (corrupt_part_data, "package", "part xl/styles.xml is corrupt"),
    "main part typed as a workbook": (
        replace_text(package.CONTENT_TYPES_PART, package.ADDIN_MAIN_CONTENT_TYPE, "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
        "content_types",
        "an add-in needs 'application/vnd.ms-excel.addin.macroEnabled.main+xml'",
    ),
    "VBA project untyped": (
        lambda path: rewrite_part(path, package.CONTENT_TYPES_PART, lambda d: re.sub(rb'<Override PartName="/xl/vbaProject.bin"[^>]*>', b"", d)),
        "content_types",
        "part xl/vbaProject.bin has no content type",
    ),
    "2007-type ribbon link": (
        replace_text(package.PACKAGE_RELS_PART, package.RIBBON_REL_2006, package.RIBBON_REL_2007),
        "relationships",
        "links the ribbon with the 2007 relationship type",
    ),
    "ribbon not linked": (
        drop_relationship(package.PACKAGE_RELS_PART, package.RIBBON_REL_2006),
        "relationships",
        "does not link customUI/customUI.xml",
    ),
    "VBA project not linked": (
        drop_relationship(package.WORKBOOK_RELS_PART, package.VBA_PROJECT_REL),
        "relationships",
        "must link xl/vbaProject.bin once",
    ),
    "malformed customUI": (
        replace_text(package.CUSTOMUI_PART, "</customUI>", "</customUi>"),
        "customui_schema",
        "customUI is not well-formed XML",
    ),
    "customUI in the 2009/07 namespace": (
        replace_text(package.CUSTOMUI_PART, "office/2006/01/customui", "office/2009/07/customui"),
        "customui_schema",
        "expected customUI in namespace http://schemas.microsoft.com/office/2006/01/customui",
    ),
    "duplicate button id": (
        replace_text(package.CUSTOMUI_PART, 'id="Callbacks"', 'id="Dispatch"'),
        "customui_schema",
        "id 'Dispatch' is used by 2 elements; ids must be unique",
    ),
    "button without onAction": (
        replace_text(package.CUSTOMUI_PART, ' onAction="AftersalesRibbon.OnDispatch"', ""),
        "customui_schema",
        "The attribute 'onAction' is required but missing",
    ),
    "button label not the table's": (
        replace_text(package.CUSTOMUI_PART, 'label="派单"', 'label="分派"'),
        "ribbon_buttons",
        "button 'Dispatch' is labelled '分派'; addin.ribbon.BUTTONS says '派单'",
    ),
    "button missing from the ribbon": (
        lambda path: rewrite_part(
            path, package.CUSTOMUI_PART, lambda d: re.sub(rb'<button id="NewWorkbook".*?/>', b"", d, flags=re.S)
        ),
        "ribbon_buttons",
        "button 'NewWorkbook' (新建工作簿) of addin.ribbon.BUTTONS is missing from the ribbon",
    ),
    "compiled VBA project (version 0x00B5)": (
        vba_streams(compiled_vba_project),
        "vba_project",
        "_VBA_PROJECT version is 0x00B5; it must be 0xFFFF",
    ),
    "PROJECT and dir streams disagree on the name": (
        vba_streams(project_names_disagree),
        "vba_project",
        'the PROJECT stream does not say Name="AfterSales"',
    ),
    "corrupted module stream": (
        vba_streams(corrupt_module_stream),
        "vba_modules",
        "module AftersalesRibbon is missing or unreadable",
    ),
    "module text edited": (
        edit_module(vba.RIBBON_MODULE, lambda s: s.replace("Option Explicit", "Option Explicit\r\nPublic Debugging As Boolean")),
        "vba_modules",
        "module AftersalesRibbon differs from its source",
    ),
    "template demo module left in": (
        add_module("RibbonMyAddin", "Sub RunMain(control As IRibbonControl)\r\nEnd Sub\r\n"),
        "vba_modules",
        "unexpected module RibbonMyAddin",
    ),
    "missing Sub": (
        edit_module(vba.RIBBON_MODULE, lambda s: re.sub(r"Sub OnDispatch\(.*?End Sub\r?\n", "", s, flags=re.S)),
        "ribbon_callbacks",
        "module AftersalesRibbon has no Sub OnDispatch — add `Sub OnDispatch(control As IRibbonControl)`",
    ),
    "Sub without the IRibbonControl parameter": (
        edit_module(vba.RIBBON_MODULE, lambda s: s.replace("Sub OnDispatch(control As IRibbonControl)", "Sub OnDispatch()")),
        "ribbon_callbacks",
        "AftersalesRibbon.OnDispatch is declared `Sub OnDispatch()`; Office calls `Sub OnDispatch(control As IRibbonControl)`",
    ),
    "Sub runs another routine": (
        edit_module(vba.RIBBON_MODULE, lambda s: s.replace("aftersales.ribbon.dispatch()", "aftersales.ribbon.refresh_all()")),
        "ribbon_callbacks",
        "expected RunPython 'import aftersales.ribbon; aftersales.ribbon.dispatch()'",
    ),
    "settings sheet under the template's name": (
        replace_text(package.WORKBOOK_PART, 'name="aftersales.conf"', 'name="_myaddin.conf"'),
        "conf_sheet",
        "xlwings reads its settings from a sheet named 'aftersales.conf'",
    ),
    "gap in the settings keys": (
        remove_ribbon_row,
        "conf_sheet",
        "keys ['PYTHONPATH', 'UDF MODULES'] are not in column A from A1 down to the first blank cell",
    ),
    "VBA of another xlwings version": (
        edit_module(vba.XLWINGS_MODULE, lambda s: re.sub(r'XLWINGS_VERSION As String = "[^"]*"', 'XLWINGS_VERSION As String = "0.30.0"', s)),
        "xlwings_version",
        "the add-in's VBA is xlwings 0.30.0 (it loads xlwings64-0.30.0.dll)",
    ),
}


def test_a_fresh_build_passes_every_check(good_addin, udf_path, ribbon_functions):
    results = check_addin(good_addin, libreoffice=False, entry=aftersales.ribbon)
    assert [r.name for r in results] == [name for name in checks.CHECKS if name != "libreoffice"]
    assert [str(r) for r in results if r.status != "pass"] == []


@pytest.mark.parametrize("name", list(BREAKS))
def test_each_break_fails_its_check_with_a_clear_message(name, addin_copy, udf_path, ribbon_functions):
    breaker, check, words = BREAKS[name]
    assert check_addin(addin_copy, only=[check])[0].status == "pass"
    breaker(addin_copy)
    [result] = check_addin(addin_copy, only=[check])
    assert result.status == "fail"
    assert words in result.message


def test_a_udf_added_after_the_build_has_no_wrapper(addin_copy, udf_path):
    udf_path(UDF_SOURCE + '\n\n@xw.func\ndef first_response_due(received):\n    """首次响应截止时间。"""\n    return received\n')
    [result] = check_addin(addin_copy, only=["udf_wrappers"])
    assert result.status == "fail"
    assert f"UDF {UDF_MODULE}.first_response_due has no VBA wrapper (Excel would show #NAME?)" in result.message


def test_a_wrapper_removed_from_the_add_in_is_missed(addin_copy, udf_path):
    edit_module(vba.UDF_MODULE, lambda s: re.sub(r"Function sla_status\(.*?End Function\r?\n", "", s, flags=re.S))(addin_copy)
    [result] = check_addin(addin_copy, only=["udf_wrappers"])
    assert result.status == "fail"
    assert f"UDF {UDF_MODULE}.sla_status has no VBA wrapper" in result.message


def test_a_wrapper_left_for_a_udf_that_is_gone_is_reported(addin_copy, udf_path):
    udf_path(UDF_SOURCE.split("@xw.func\ndef sla_status")[0])
    [result] = check_addin(addin_copy, only=["udf_wrappers"])
    assert result.status == "fail"
    assert f"wrapper sla_status has no UDF in {UDF_MODULE} any more" in result.message


def test_a_wrapper_whose_udf_gained_an_argument_is_out_of_date(addin_copy, udf_path):
    udf_path(UDF_SOURCE.replace("def sla_due(received, hours=24):", "def sla_due(received, hours=24, calendar=None):"))
    [result] = check_addin(addin_copy, only=["udf_wrappers"])
    assert result.status == "fail"
    assert f"the wrapper of {UDF_MODULE}.sla_due is out of date" in result.message


def test_a_button_whose_python_function_does_not_exist_fails_entry_points(addin_copy, ribbon_functions, monkeypatch):
    assert check_addin(addin_copy, only=["entry_points"], entry=aftersales.ribbon)[0].status == "pass"
    monkeypatch.delattr(aftersales.ribbon, "monthly_summary")
    [result] = check_addin(addin_copy, only=["entry_points"], entry=aftersales.ribbon)
    assert result.status == "fail"
    assert "aftersales.ribbon does not define monthly_summary (月度汇总)" in result.message


def test_checks_that_cannot_run_on_an_unreadable_file_are_skipped_not_passed(addin_copy):
    truncate(addin_copy)
    results = {r.name: r for r in check_addin(addin_copy, libreoffice=False)}
    del results["entry_points"]  # about the Python side the buttons call, not about the file
    assert results["package"].status == "fail"
    assert {r.status for r in results.values()} == {"fail", "skip"}


def test_unknown_check_names_are_refused(good_addin):
    with pytest.raises(ValueError, match="unknown checks \\['zip'\\]"):
        check_addin(good_addin, only=["zip"])


@pytest.mark.libreoffice
def test_libreoffice_imports_every_module_of_a_fresh_build(good_addin):
    if checks.libreoffice.soffice() is None:
        pytest.skip("soffice is not installed")
    [result] = check_addin(good_addin, only=["libreoffice"])
    assert result.status == "pass", result.message


@pytest.mark.libreoffice
def test_libreoffice_check_fails_on_a_corrupted_module_stream(addin_copy):
    if checks.libreoffice.soffice() is None:
        pytest.skip("soffice is not installed")
    vba_streams(corrupt_module_stream)(addin_copy)
    [result] = check_addin(addin_copy, only=["libreoffice"])
    assert result.status == "fail"
    assert "LibreOffice reads module AftersalesRibbon differently from its source" in result.message
