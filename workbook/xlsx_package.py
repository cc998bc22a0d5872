"""The xlsx package around the sheets: parts, relationships, content types, workbook.xml edits.

Part of the file patcher (see ``workbook.xlsxpatch`` for how the pieces fit).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from lxml import etree

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_WORKSHEET = f"{NS_R}/worksheet"
REL_TABLE = f"{NS_R}/table"
REL_CALCCHAIN = f"{NS_R}/calcChain"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"


@dataclass
class SheetEntry:
    name: str
    part: str  # e.g. xl/worksheets/sheet3.xml
    rid: str
    sheet_id: int


class Package:
    """An .xlsx opened for patching: which part holds which sheet, and its tables."""

    def __init__(self, path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())
        workbook_xml = self.zip.read("xl/workbook.xml")
        self.workbook = etree.fromstring(workbook_xml)
        rels = etree.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        self.workbook_rels = rels
        targets = {r.get("Id"): (r.get("Type"), r.get("Target")) for r in rels}
        self.sheets: dict[str, SheetEntry] = {}
        for el in self.workbook.iter(f"{{{NS_MAIN}}}sheet"):
            rid = el.get(f"{{{NS_R}}}id")
            _type, target = targets[rid]
            part = _resolve("xl/workbook.xml", target)
            self.sheets[el.get("name")] = SheetEntry(el.get("name"), part, rid, int(el.get("sheetId")))
        pr = self.workbook.find(f"{{{NS_MAIN}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")

    def close(self) -> None:
        self.zip.close()

    def read(self, part: str) -> bytes:
        return self.zip.read(part)

    def rels_part(self, part: str) -> str:
        p = PurePosixPath(part)
        return str(p.parent / "_rels" / (p.name + ".rels"))

    def tables_of(self, sheet_part: str) -> list[str]:
        rels = self.rels_part(sheet_part)
        if rels not in self.names:
            return []
        root = etree.fromstring(self.zip.read(rels))
        return [_resolve(sheet_part, r.get("Target")) for r in root if r.get("Type") == REL_TABLE]


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = list(PurePosixPath(base_part).parent.parts)
    for piece in PurePosixPath(target).parts:
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def add_sheet_entries(pkg: Package, name: str, part: str, content_types: bytes,
                      after: str | None = None, first: bool = False) -> tuple[bytes, bytes, bytes]:
    """New workbook.xml, workbook.xml.rels and [Content_Types].xml that include sheet ``name``
    (after sheet ``after``, else first when ``first``, else last)."""
    rels = pkg.workbook_rels
    ids = {r.get("Id") for r in rels}
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rid = f"rId{n}"
    rel = etree.SubElement(rels, f"{{{NS_PKG}}}Relationship")
    rel.set("Id", rid)
    rel.set("Type", REL_WORKSHEET)
    rel.set("Target", "/" + part)
    sheets = pkg.workbook.find(f"{{{NS_MAIN}}}sheets")
    sheet_id = max(e.sheet_id for e in pkg.sheets.values()) + 1
    el = etree.Element(f"{{{NS_MAIN}}}sheet")
    el.set("name", name)
    el.set("sheetId", str(sheet_id))
    el.set(f"{{{NS_R}}}id", rid)
    position = 0 if first else len(sheets)
    if after is not None:
        for i, existing in enumerate(sheets):
            if existing.get("name") == after:
                position = i + 1
    sheets.insert(position, el)
    # The workbook view counts tabs by position too: keep it on the sheet that was active (the
    # one whose sheetView says tabSelected), or Excel opens with two sheets grouped.
    for view in pkg.workbook.iter(f"{{{NS_MAIN}}}workbookView"):
        for attr in ("activeTab", "firstSheet"):
            value = int(view.get(attr, "0"))
            if value >= position:
                view.set(attr, str(value + 1))
    # Defined names with localSheetId count sheets by position: shift those after the insert.
    names = pkg.workbook.find(f"{{{NS_MAIN}}}definedNames")
    if names is not None:
        for dn in names:
            local = dn.get("localSheetId")
            if local is not None and int(local) >= position:
                dn.set("localSheetId", str(int(local) + 1))
    pkg.sheets[name] = SheetEntry(name, part, rid, sheet_id)
    ct = etree.fromstring(content_types)
    override = etree.SubElement(ct, f"{{{NS_CT}}}Override")
    override.set("PartName", "/" + part)
    override.set("ContentType", CT_WORKSHEET)
    dump = lambda root: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # noqa: E731
    return dump(pkg.workbook), dump(rels), dump(ct)


def without_calc_chain(pkg: Package, content_types: bytes) -> tuple[bytes, bytes] | None:
    """Workbook rels and content types minus calcChain.xml (Excel rebuilds it), if present."""
    if "xl/calcChain.xml" not in pkg.names:
        return None
    rels = pkg.workbook_rels
    for r in list(rels):
        if r.get("Type") == REL_CALCCHAIN:
            rels.remove(r)
    ct = etree.fromstring(content_types)
    for o in list(ct):
        if o.get("PartName") == "/xl/calcChain.xml":
            ct.remove(o)
    dump = lambda root: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # noqa: E731
    return dump(rels), dump(ct)


def next_sheet_part(pkg: Package) -> str:
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in pkg.names:
        n += 1
    pkg.names.add(f"xl/worksheets/sheet{n}.xml")
    return f"xl/worksheets/sheet{n}.xml"
