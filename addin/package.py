"""The ``.xlam`` as a zip of parts: xlwings' template, and the part-level edits the build makes.

openpyxl cannot open ``.xlam`` files (and would keep only 2006-type ribbon links), so the add-in
is assembled here, part by part, from xlwings' ``quickstart_addin_ribbon.xlam``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from importlib import resources
from pathlib import Path

from lxml import etree

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

TEMPLATE = "quickstart_addin_ribbon.xlam"
"""xlwings' custom add-in with a ribbon; shipped in the open-source xlwings wheel."""

CONTENT_TYPES_PART = "[Content_Types].xml"
PACKAGE_RELS_PART = "_rels/.rels"
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS_PART = "xl/_rels/workbook.xml.rels"
STYLES_PART = "xl/styles.xml"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
CORE_PROPERTIES_PART = "docProps/core.xml"
CUSTOMUI_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"

ADDIN_MAIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
OFFICE_DOCUMENT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
VBA_PROJECT_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
RIBBON_REL_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
"""The relationship type of a 2006/01 customUI part (Office 2007 and later read it)."""
RIBBON_REL_2007 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
"""The relationship type of a 2009/07 customUI14 part; xlwings' template links its 2006/01 part with it."""

CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SPREADSHEETML_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MARKUP_COMPATIBILITY_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"

TITLE = "售后服务 (aftersales)"
DESCRIPTION = "售后服务工作簿的功能区按钮（派单、刷新、报告）和工作表函数，基于 xlwings。"


def template_bytes() -> bytes:
    """The bytes of xlwings' ribbon add-in template, from the installed xlwings package."""
    return (resources.files("xlwings") / TEMPLATE).read_bytes()


def read_parts(data: bytes | Path) -> dict[str, bytes]:
    """Part name → bytes, in the package's order."""
    with zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_parts(parts: dict[str, bytes], path: Path) -> None:
    """Write a package: content types first (as Office does), every part deflated."""
    order = [CONTENT_TYPES_PART] + [name for name in parts if name != CONTENT_TYPES_PART]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, parts[name])


def _parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def _serialize(root: etree._Element) -> bytes:
    # Double-quoted, as Excel writes it (lxml's own declaration uses single quotes).
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8")


def link_ribbon(package_rels: bytes, *, rel_type: str = RIBBON_REL_2006) -> bytes:
    """The package relationships with the customUI part linked by ``rel_type``."""
    root = _parse(package_rels)
    links = [r for r in root if r.get("Target", "").lstrip("/") == CUSTOMUI_PART]
    if not links:
        ids = {r.get("Id") for r in root}
        new_id = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
        links = [etree.SubElement(root, f"{{{PACKAGE_REL_NS}}}Relationship", Id=new_id, Target=CUSTOMUI_PART)]
    for link in links:
        link.set("Type", rel_type)
    return _serialize(root)


def rename_sheet(workbook_xml: bytes, old: str, new: str) -> bytes:
    """The workbook part with sheet ``old`` renamed and the template author's folder path removed."""
    root = _parse(workbook_xml)
    sheets = [s for s in root.iter(f"{{{SPREADSHEETML_NS}}}sheet") if s.get("name") == old]
    if len(sheets) != 1:
        raise ValueError(f"the template has no sheet named {old!r}")
    sheets[0].set("name", new)
    # <mc:AlternateContent><mc:Choice Requires="x15"><x15ac:absPath url="C:\Users\..."/> records
    # where the template was last saved; it is noise, and names someone's machine.
    for alternate in list(root.iter(f"{{{MARKUP_COMPATIBILITY_NS}}}AlternateContent")):
        if any(etree.QName(e).localname == "absPath" for e in alternate.iter() if isinstance(e.tag, str)):
            alternate.getparent().remove(alternate)
    return _serialize(root)


def sheet_part_of(parts: dict[str, bytes], sheet_name: str) -> str:
    """The worksheet part name of the sheet called ``sheet_name``."""
    ns = {"m": SPREADSHEETML_NS, "p": PACKAGE_REL_NS}
    workbook = _parse(parts[WORKBOOK_PART])
    rel_id = None
    for sheet in workbook.findall("m:sheets/m:sheet", ns):
        if sheet.get("name") == sheet_name:
            rel_id = sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    if rel_id is None:
        raise ValueError(f"the workbook has no sheet named {sheet_name!r}")
    for rel in _parse(parts[WORKBOOK_RELS_PART]).findall("p:Relationship", ns):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise ValueError(f"sheet {sheet_name!r} has no relationship {rel_id}")


def sheet_code_name(sheet_xml: bytes) -> str:
    """The VBA code name of a worksheet (``<sheetPr codeName=...>``)."""
    pr = _parse(sheet_xml).find(f"{{{SPREADSHEETML_NS}}}sheetPr")
    if pr is None or not pr.get("codeName"):
        raise ValueError("the worksheet has no codeName")
    return pr.get("codeName")


def append_cell_style(styles_xml: bytes, xf: str) -> tuple[bytes, int]:
    """The styles part with one more cell format; returns it and the new format's index."""
    root = _parse(styles_xml)
    cell_xfs = root.find(f"{{{SPREADSHEETML_NS}}}cellXfs")
    new = etree.fromstring(f'<xf xmlns="{SPREADSHEETML_NS}"' + xf[len("<xf") :])
    cell_xfs.append(new)
    cell_xfs.set("count", str(len(cell_xfs)))
    return _serialize(root), len(cell_xfs) - 1


def set_core_properties(core_xml: bytes, *, modified: dt.datetime) -> bytes:
    """Core properties naming the add-in: Excel's Add-ins dialog lists its title and description."""
    ns = {
        "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
        "dc": "http://purl.org/dc/elements/1.1/",
        "dcterms": "http://purl.org/dc/terms/",
    }
    root = _parse(core_xml)
    values = {
        "dc:title": TITLE,
        "dc:description": DESCRIPTION,
        "dc:creator": "aftersales",
        "cp:lastModifiedBy": "aftersales",
        "dcterms:modified": modified.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    for path, value in values.items():
        element = root.find(path, ns)
        if element is None:
            prefix, local = path.split(":")
            element = etree.SubElement(root, f"{{{ns[prefix]}}}{local}")
        element.text = value
    return _serialize(root)
