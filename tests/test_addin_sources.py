"""The add-in's committed sources (ribbon.xml, *.bas) agree with each other and with addin.ribbon.BUTTONS.

These tests need no build: they fail as soon as someone changes the button table, the ribbon or
the VBA without the others.
"""

from __future__ import annotations

import pytest

import addin.ribbon
import aftersales.ribbon
from addin import build, ribbon, vba


def test_committed_sources_agree_with_the_button_table():
    build.validate_sources()  # raises AddinSourceError listing every disagreement


def test_the_ribbon_has_one_tab_with_every_button_of_the_table_in_chinese():
    buttons = {b.id: b for b in ribbon.buttons(ribbon.ribbon_xml())}
    assert {b_id: b.label for b_id, b in buttons.items()} == {
        b_id: label for b_id, (_, label) in addin.ribbon.BUTTONS.items()
    }
    for button in buttons.values():
        assert button.image_mso and button.screentip and button.supertip
        # Tips are for Chinese users: each contains CJK text.
        assert any("\u4e00" <= ch <= "\u9fff" for ch in button.screentip + button.supertip)


def test_each_button_sub_runs_the_routine_the_cli_runs():
    source = vba.bas_sources()[vba.RIBBON_MODULE]
    subs = vba.procedures(source)
    for button_id, (function, _) in addin.ribbon.BUTTONS.items():
        sub = subs[f"on{button_id}".lower()]
        assert sub.parameters == ("control As IRibbonControl",)
        assert vba.run_python_commands(sub.body) == [f"import aftersales.ribbon; aftersales.ribbon.{function}()"]


def test_a_button_added_to_the_table_but_not_to_the_ribbon_stops_the_build(monkeypatch):
    monkeypatch.setattr(addin.ribbon, "BUTTONS", {**addin.ribbon.BUTTONS, "Escalate": ("escalate", "升级清单")})
    with pytest.raises(build.AddinSourceError, match=r"button 'Escalate' \(升级清单\) of addin.ribbon.BUTTONS is missing from the ribbon"):
        build.validate_sources()


def test_a_label_changed_in_the_table_stops_the_build(monkeypatch):
    table = dict(addin.ribbon.BUTTONS)
    table["Dispatch"] = ("dispatch", "分派工单")
    monkeypatch.setattr(addin.ribbon, "BUTTONS", table)
    with pytest.raises(build.AddinSourceError, match="button 'Dispatch' is labelled '派单'; addin.ribbon.BUTTONS says '分派工单'"):
        build.validate_sources()


def test_a_function_renamed_in_the_table_stops_the_build(monkeypatch):
    table = dict(addin.ribbon.BUTTONS)
    table["RefreshKpi"] = ("refresh_kpis", "刷新KPI")
    monkeypatch.setattr(addin.ribbon, "BUTTONS", table)
    with pytest.raises(build.AddinSourceError, match=r"expected RunPython 'import aftersales.ribbon; aftersales.ribbon.refresh_kpis\(\)'"):
        build.validate_sources()


def test_vba_source_must_be_storable_in_the_projects_code_page():
    with pytest.raises(vba.VbaSourceError, match="Module1.bas line 2: '派单' cannot be stored in VBA"):
        vba.check_encodable("Module1.bas", "Sub A()\n    MsgBox \"派单\"\nEnd Sub\n")


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        # line endings do not matter
        ("Sub A()\r\n    B\r\nEnd Sub\r\n", "Sub A()\n    B\nEnd Sub", True),
        # the leading Attribute VB_ lines do not matter (the VBA editor hides them)
        ('Attribute VB_Name = "M"\nSub A()\nEnd Sub', "Sub A()\nEnd Sub\n\n", True),
        # indentation does
        ("Sub A()\n    B\nEnd Sub", "Sub A()\n  B\nEnd Sub", False),
        # letter case does
        ("Sub A()\nEnd Sub", "sub A()\nEnd Sub", False),
        # a blank line inside does
        ("Sub A()\nEnd Sub\nSub B()\nEnd Sub", "Sub A()\nEnd Sub\n\nSub B()\nEnd Sub", False),
        # an Attribute line after code does
        ("Sub A()\nEnd Sub", "Sub A()\nAttribute A.VB_Description = \"x\"\nEnd Sub", False),
    ],
)
def test_module_text_is_compared_modulo_line_endings_and_attribute_header(expected, actual, same):
    assert (vba.normalize(expected) == vba.normalize(actual)) is same


def test_procedures_are_found_with_their_signature_and_body():
    source = (
        "Option Explicit\n"
        "Sub OnA(control As IRibbonControl)\n    RunPython \"import x; x.a()\"\nEnd Sub\n"
        "Private Sub Helper()\nEnd Sub\n"
        "Function F(a, _\n    Optional b)\n    F = 1\nEnd Function\n"
    )
    found = vba.procedures(source)
    assert set(found) == {"ona", "helper", "f"}
    assert vba.is_ribbon_callback(found["ona"], "IRibbonControl")
    assert not vba.is_ribbon_callback(found["helper"], "IRibbonControl")  # private, no parameter
    assert found["f"].parameters == ("a", "Optional b")
    assert vba.run_python_commands(found["ona"].body) == ["import x; x.a()"]


@pytest.mark.parametrize(
    "function",
    ["addin.build:build_addin", "addin.install:install_addin", "addin.checks:check_addin"],
)
def test_each_public_entry_point_has_a_one_line_summary_and_an_example(function):
    import importlib

    module, name = function.split(":")
    doc = getattr(importlib.import_module(module), name).__doc__
    summary, blank, *rest = doc.splitlines()
    assert summary.strip().endswith(".") and blank.strip() == ""  # the summary becomes the CLI --help line
    assert "Example::" in doc
