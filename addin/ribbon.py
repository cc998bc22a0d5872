"""The ribbon (``addin/ribbon.xml``): reading it and checking it against the button table and the VBA.

Used twice with the same rules: by the build on the committed sources (so a drifted source never
becomes an add-in) and by ``addin.checks`` on what is inside a built ``.xlam``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Mapping

from lxml import etree

from addin import vba

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
TAB_LABEL = "售后服务"

ButtonTable = Mapping[str, tuple[str, str]]
"""Button id → (function name in ``aftersales.ribbon``, Chinese label)."""

ENTRY_MODULE = "aftersales.ribbon"
"""The Python module every button's RunPython command imports (``addin.vba``)."""

# The buttons of the 售后服务 tab. The add-in build and its checks read this table, and check-addin
# confirms that ENTRY_MODULE defines each function, so a button and its entry point cannot drift.
BUTTONS: dict[str, tuple[str, str]] = {
    "Dispatch": ("dispatch", "派单"),
    "RefreshAll": ("refresh_all", "全部刷新"),
    "RefreshKpi": ("refresh_kpi", "刷新KPI"),
    "MonthlySummary": ("monthly_summary", "月度汇总"),
    "Callbacks": ("callbacks", "回访任务"),
    "ReportEvaluation": ("report_evaluation", "评估报告"),
    "ReportMonthly": ("report_monthly", "月度报告"),
    "ReportChecklist": ("report_checklist", "检查报告"),
    "Staffing": ("staffing", "人员配置"),
    "NewWorkbook": ("new_workbook", "新建工作簿"),
    "ImportNotice": ("import_holiday_notice", "导入放假通知"),
    "Consolidate": ("consolidate_hq", "总部汇总"),
}


def ribbon_xml() -> bytes:
    """The committed ribbon XML (``addin/ribbon.xml``)."""
    return (resources.files("addin") / "ribbon.xml").read_bytes()


def button_table() -> ButtonTable:
    """``BUTTONS``, read when called (tests replace it)."""
    return BUTTONS


def schema() -> etree.XMLSchema:
    """The customUI schema the add-in is validated against (``addin/customui.xsd``)."""
    with resources.as_file(resources.files("addin") / "customui.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


def parse(xml: bytes) -> etree._Element:
    """Parse ribbon XML safely (no DTDs, no entities, no network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(xml, parser)


def schema_problems(xml: bytes) -> list[str]:
    """Why ``xml`` is not a well-formed customUI document valid against our schema ([] if it is)."""
    try:
        root = parse(xml)
    except etree.XMLSyntaxError as error:
        return [f"customUI is not well-formed XML: {error}"]
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        return [f"root element is {root.tag!r}; expected customUI in namespace {CUSTOMUI_NS}"]
    problems = []
    ids = [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id") is not None]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"id {duplicate!r} is used by {ids.count(duplicate)} elements; ids must be unique")
    xsd = schema()
    if not xsd.validate(etree.ElementTree(root)):
        problems += [f"line {e.line}: {e.message}" for e in xsd.error_log]
    return problems


@dataclass(frozen=True)
class RibbonButton:
    id: str
    label: str
    on_action: str
    image_mso: str
    screentip: str
    supertip: str


def buttons(xml: bytes) -> list[RibbonButton]:
    """The buttons of the ribbon, in document order."""
    root = parse(xml)
    return [
        RibbonButton(
            id=b.get("id", ""),
            label=b.get("label", ""),
            on_action=b.get("onAction", ""),
            image_mso=b.get("imageMso", ""),
            screentip=b.get("screentip", ""),
            supertip=b.get("supertip", ""),
        )
        for b in root.iter(f"{{{CUSTOMUI_NS}}}button")
    ]


def button_problems(xml: bytes, table: ButtonTable | None = None) -> list[str]:
    """Where the ribbon's tab and buttons differ from ``addin.ribbon.BUTTONS`` ([] if they agree)."""
    table = button_table() if table is None else table
    root = parse(xml)
    problems: list[str] = []
    tabs = [t.get("label") for t in root.iter(f"{{{CUSTOMUI_NS}}}tab")]
    if tabs != [TAB_LABEL]:
        problems.append(f"ribbon tabs are {tabs}; expected exactly one tab labelled {TAB_LABEL!r}")
    found = {b.id: b for b in buttons(xml)}
    for button_id, (function, label) in table.items():
        button = found.get(button_id)
        if button is None:
            problems.append(
                f"button {button_id!r} ({label}) of addin.ribbon.BUTTONS is missing from the ribbon — "
                f'add <button id="{button_id}" label="{label}" onAction="{vba.RIBBON_MODULE}.On{button_id}" .../>'
            )
        elif button.label != label:
            problems.append(f"button {button_id!r} is labelled {button.label!r}; addin.ribbon.BUTTONS says {label!r}")
    for button_id in found.keys() - table.keys():
        problems.append(f"button {button_id!r} is on the ribbon but not in addin.ribbon.BUTTONS — remove it or add it there")
    for button in found.values():
        missing = [name for name in ("image_mso", "screentip", "supertip") if not getattr(button, name)]
        if missing:
            problems.append(f"button {button.id!r} has no {', '.join(missing)}")
    return problems


@dataclass(frozen=True)
class Callback:
    """A callback attribute of the ribbon: which element, which attribute, which VBA procedure."""

    element: str  # e.g. 'button "Dispatch"'
    attribute: str  # "onAction" or "onLoad"
    delegate: str  # "Module.Procedure" or "Procedure"
    parameter_type: str  # what Office passes: "IRibbonControl" or "IRibbonUI"
    button_id: str | None


def callbacks(xml: bytes) -> list[Callback]:
    """Every VBA callback the ribbon names."""
    root = parse(xml)
    found: list[Callback] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        for attribute, value in element.attrib.items():
            if attribute == "onLoad":
                found.append(Callback(local, attribute, value, "IRibbonUI", None))
            elif attribute.startswith("on") or attribute.startswith("get"):
                label = f'{local} "{element.get("id", "?")}"'
                button_id = element.get("id") if local == "button" else None
                found.append(Callback(label, attribute, value, "IRibbonControl", button_id))
    return found


def callback_problems(xml: bytes, modules: Mapping[str, str], table: ButtonTable | None = None) -> list[str]:
    """Why a ribbon callback would not run its button's routine, given the VBA ``modules`` (name → source).

    Each callback must name a public Sub with Office's callback signature; each button's Sub must
    run ``aftersales.ribbon.<function>`` of its row in the button table, through RunPython.
    """
    table = button_table() if table is None else table
    by_name = {name.lower(): (name, source) for name, source in modules.items()}
    problems: list[str] = []
    for callback in callbacks(xml):
        where = f"{callback.element} {callback.attribute}={callback.delegate!r}"
        if callback.attribute not in ("onAction", "onLoad"):
            problems.append(f"{where}: only onAction and onLoad callbacks are supported by the add-in's checks")
            continue
        module_part, _, procedure_name = callback.delegate.rpartition(".")
        if not module_part:
            problems.append(f"{where}: qualify the callback with its module ({vba.RIBBON_MODULE}.{procedure_name}) — "
                            "Excel runs an unqualified name from whichever open add-in defines it first")
            continue
        if module_part.lower() not in by_name:
            problems.append(f"{where}: the VBA project has no module {module_part!r}")
            continue
        module, source = by_name[module_part.lower()]
        procedure = vba.procedures(source).get(procedure_name.lower())
        expected = f"Sub {procedure_name}({'control' if callback.parameter_type == 'IRibbonControl' else 'ribbon'} As {callback.parameter_type})"
        if procedure is None:
            problems.append(f"{where}: module {module} has no Sub {procedure_name} — add `{expected}`")
            continue
        if not vba.is_ribbon_callback(procedure, callback.parameter_type):
            declared = f"{procedure.visibility + ' ' if procedure.visibility else ''}{procedure.kind} {procedure.name}({', '.join(procedure.parameters)})"
            problems.append(f"{where}: {module}.{procedure.name} is declared `{declared}`; Office calls `{expected}`")
            continue
        if callback.button_id is not None and callback.button_id in table:
            function = table[callback.button_id][0]
            commands = vba.run_python_commands(procedure.body)
            if commands != [vba.ribbon_command(function)]:
                problems.append(
                    f"{where}: {module}.{procedure.name} runs {commands or 'no RunPython command'}; "
                    f"expected RunPython {vba.ribbon_command(function)!r}"
                )
    return problems
