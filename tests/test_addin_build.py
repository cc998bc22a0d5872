"""build_addin: what a built aftersales.xlam contains, read back with tools other than the build's own."""

from __future__ import annotations

import inspect
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

import addin.ribbon
import aftersales.ribbon
from addin import package
from addin.build import AddinBuildError, build_addin
from addin.checks import check_addin


UDF_MODULE = "fake_build_udfs"


@pytest.fixture(scope="module")
def udf_module(tmp_path_factory):
    """A stand-in for `udfs`: these tests are about the add-in, not about the project's UDFs."""
    folder = tmp_path_factory.mktemp("udfs")
    (folder / f"{UDF_MODULE}.py").write_text(
        'import xlwings as xw\n\n\n@xw.func\ndef sla_due(received, hours=24):\n    """截止时间。"""\n    return received\n',
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(folder))
        yield UDF_MODULE


@pytest.fixture(scope="module")
def built(tmp_path_factory, udf_module) -> Path:
    """An add-in built as `aftersales build-addin` builds it."""
    return build_addin(tmp_path_factory.mktemp("dist") / "aftersales.xlam", udf_modules=[udf_module])


@pytest.fixture
def ribbon_functions(monkeypatch):
    """Stand-ins for aftersales.ribbon functions that do not exist yet (they are written in another issue)."""
    for function, _ in addin.ribbon.BUTTONS.values():
        if not callable(getattr(aftersales.ribbon, function, None)):
            monkeypatch.setattr(aftersales.ribbon, function, lambda: None, raising=False)


def settings_sheet(path: Path, tmp_path: Path):
    """The add-in's settings sheet, read by openpyxl (which refuses add-ins, so a retyped copy)."""
    parts = package.read_parts(path)
    parts[package.CONTENT_TYPES_PART] = parts[package.CONTENT_TYPES_PART].replace(
        package.ADDIN_MAIN_CONTENT_TYPE.encode(), b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    )
    copy = tmp_path / "as-workbook.xlsm"
    package.write_parts(parts, copy)
    book = openpyxl.load_workbook(copy)
    return book


def test_a_fresh_build_passes_every_check(built, ribbon_functions):
    assert [str(r) for r in check_addin(built, libreoffice=False, entry=aftersales.ribbon) if r.status != "pass"] == []


def test_the_settings_sheet_is_what_xlwings_reads_with_chinese_notes(built, tmp_path):
    book = settings_sheet(built, tmp_path)
    assert book.sheetnames == ["aftersales.conf"]
    sheet = book["aftersales.conf"]
    keys = []
    for row in sheet.iter_rows(min_row=1, max_col=3):
        if row[0].value is None:
            break  # xlwings reads column A down to the first blank cell
        keys.append(row[0].value)
    assert keys[0] == "设置项"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2, max_row=len(keys), max_col=3)}
    assert rows["UDF Modules"][1].value == UDF_MODULE
    assert rows["Interpreter_Win"][1].value.endswith(r"\Scripts\python.exe")
    assert rows["Interpreter_Mac"][1].value.endswith("/bin/python")
    assert rows["Debug UDFs"][1].value is False
    for key in ("Interpreter_Win", "Interpreter_Mac"):
        note = rows[key][2].value
        assert "必填" in note and "aftersales install-addin" in note


def test_settings_given_to_the_build_are_written_to_the_sheet(tmp_path, udf_module):
    interpreter = r"D:\售后\venv\Scripts\python.exe"
    path = build_addin(
        tmp_path / "custom.xlam", udf_modules=[udf_module], settings={"Interpreter_Win": interpreter, "Show Console": True}
    )
    sheet = settings_sheet(path, tmp_path)["aftersales.conf"]
    values = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2, max_row=10, max_col=2)}
    assert values["Interpreter_Win"] == interpreter
    assert values["Show Console"] is True


def test_an_unknown_setting_is_refused(tmp_path, udf_module):
    with pytest.raises(AddinBuildError, match="unknown add-in setting 'Interpreter'"):
        build_addin(tmp_path / "a.xlam", udf_modules=[udf_module], settings={"Interpreter": "python"})


def test_the_ribbon_is_ours_and_linked_with_the_2006_type(built):
    with zipfile.ZipFile(built) as zf:
        customui = zf.read("customUI/customUI.xml")
        rels = zf.read("_rels/.rels").decode()
    assert customui == (Path(__file__).parents[1] / "addin" / "ribbon.xml").read_bytes()
    assert f'Type="{package.RIBBON_REL_2006}" Target="customUI/customUI.xml"' in rels
    assert "2007/relationships/ui/extensibility" not in rels


def test_excels_add_in_dialog_shows_a_chinese_title(built):
    with zipfile.ZipFile(built) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert "<dc:title>售后服务 (aftersales)</dc:title>" in core


def test_no_part_names_a_folder_of_a_build_machine(built):
    with zipfile.ZipFile(built) as zf:
        for name in zf.namelist():
            text = zf.read(name).decode("latin-1")
            assert not re.search(r"[A-Z]:\\Users\\|/(?:tmp|home|work)/", text), name


def test_a_folder_as_output_gets_aftersales_xlam(tmp_path, udf_module):
    assert build_addin(tmp_path, udf_modules=[udf_module]) == tmp_path / "aftersales.xlam"
    assert zipfile.is_zipfile(tmp_path / "aftersales.xlam")


def test_an_output_that_is_not_xlam_is_refused(tmp_path):
    with pytest.raises(AddinBuildError, match="an Excel add-in must end in .xlam"):
        build_addin(tmp_path / "aftersales.xlsm")


def test_a_failed_build_leaves_the_previous_add_in_in_place(tmp_path):
    out = tmp_path / "aftersales.xlam"
    out.write_bytes(b"previous add-in")
    with pytest.raises(AddinBuildError, match="cannot generate VBA wrappers for the UDF modules no_such_udfs: ModuleNotFoundError"):
        build_addin(out, udf_modules=["no_such_udfs"])
    assert out.read_bytes() == b"previous add-in"
    assert [p.name for p in tmp_path.iterdir()] == ["aftersales.xlam"]


def test_by_default_the_udfs_come_from_the_projects_udfs_module():
    from addin.conf import default_settings

    assert {s.key: s.value for s in default_settings()}["UDF Modules"] == "udfs"
    assert inspect.signature(build_addin).parameters["udf_modules"].default == ("udfs",)
