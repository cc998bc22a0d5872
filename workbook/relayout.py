"""Output sheets whose layout changed: laid out afresh from the schema on their next rebuild.

Output sheets (超时预警, KPI看板 …) belong to the program: their columns are whatever this version
writes. A workbook made by an earlier version has their old header row, so a new version cannot
just write rows into it. When such a sheet is rebuilt, its worksheet part is replaced by the one
``aftersales new`` makes today (header row, widths, shading, number formats, guards, status
colours — taken from the builder, so there is one home for how a sheet looks) and its Excel
table keeps its name and id with the new columns. What people own is kept: their staff columns
(处理意见) and columns they added beside the table are carried with their rows
(``workbook.carry``) into the new layout — the added ones after the schema's columns — and the
charts, pictures and comments on the sheet stay linked. What the team set on the sheet stays:
its protection, the selected tab, and the columns ``aftersales protect`` hid (matched by header).
A sheet missing altogether (new in this version, or deleted) is added the same way, in its place
among the tabs, protected like its siblings when they are. In live Excel (``workbook.live``) the
header row, rows, table size, widths and number formats are renewed; colours and guards stay as
they were (xlwings cannot set them on every platform).
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from functools import lru_cache

from lxml import etree

from workbook import schema as S
from workbook.styles import StyleBook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_N = f"{{{NS}}}"
# Where dxfs go in a styleSheet when a workbook has none yet (CT_Stylesheet's order).
_BEFORE_DXFS = ("cellStyles", "cellXfs", "cellStyleXfs", "borders", "fills", "fonts", "numFmts")


def layout_headers(sheet: S.Sheet, extra_headers=()) -> list[str]:
    """The columns of the new layout: the schema's, then the ones people added, in their order."""
    return sheet.headers + [h for h in extra_headers if h not in sheet.by_header]


def _with_extras(sheet: S.Sheet, extra_headers: tuple[str, ...]) -> S.Sheet:
    extra = tuple(S.Column(h, S.ANY) for h in extra_headers if h not in sheet.by_header)
    return dataclasses.replace(sheet, columns=sheet.columns + extra) if extra else sheet


@lru_cache(maxsize=16)
def fresh_parts(name: str, extra_headers: tuple[str, ...] = ()) -> tuple[bytes, bytes, bytes]:
    """(worksheet XML, table XML, styles XML) of the sheet as a new workbook has it, empty."""
    from openpyxl import Workbook

    from workbook.builder import _write_sheet

    wb = Workbook()
    wb.remove(wb.active)
    _write_sheet(wb, _with_extras(S.sheet(name), extra_headers), [])
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as z:
        tables = [n for n in z.namelist() if n.startswith("xl/tables/")]
        return z.read("xl/worksheets/sheet1.xml"), z.read(tables[0]), z.read("xl/styles.xml")


class _StyleImport:
    """Copies cell formats (and conditional-format styles) of one styles part into another."""

    def __init__(self, source_xml: bytes, target: StyleBook):
        self.src = etree.fromstring(source_xml)
        self.target = target
        self.xfs: dict[int, int] = {}
        self.dxfs: dict[int, int] = {}

    def _src(self, tag: str) -> list:
        node = self.src.find(_N + tag)
        return list(node) if node is not None else []

    def _copy(self, tag: str, element) -> int:
        clone = etree.fromstring(etree.tostring(element))
        return self.target._append(tag, clone)

    def xf(self, index: int) -> int:
        if index in self.xfs:
            return self.xfs[index]
        if index == 0:
            self.xfs[0] = 0  # the default format is the default in either book
            return 0
        xf = etree.fromstring(etree.tostring(self._src("cellXfs")[index]))
        for attr, tag in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            i = int(xf.get(attr, "0"))
            xf.set(attr, str(self._copy(tag, self._src(tag)[i]) if i else 0))
        fmt = int(xf.get("numFmtId", "0"))
        if fmt >= 164:
            code = next(f.get("formatCode") for f in self._src("numFmts") if int(f.get("numFmtId")) == fmt)
            xf.set("numFmtId", str(self.target._numfmt_id(code)))
        xf.set("xfId", "0")
        for attr in ("pivotButton", "quotePrefix"):  # openpyxl's explicit defaults
            if xf.get(attr) == "0":
                del xf.attrib[attr]
        self.xfs[index] = self.target._append("cellXfs", xf)
        return self.xfs[index]

    def dxf(self, index: int) -> int:
        if index not in self.dxfs:
            root = self.target.root
            if root.find(_N + "dxfs") is None:
                node = etree.Element(_N + "dxfs")
                node.set("count", "0")
                anchor = next((root.find(_N + t) for t in _BEFORE_DXFS if root.find(_N + t) is not None), None)
                if anchor is not None:
                    anchor.addnext(node)
                else:
                    root.insert(0, node)
            self.dxfs[index] = self._copy("dxfs", self._src("dxfs")[index])
        return self.dxfs[index]


def sheet_xml(name: str, styles: StyleBook, extra_headers: tuple[str, ...] = ()) -> tuple[bytes, bytes]:
    """(worksheet XML without its tableParts, table XML) of a fresh ``name`` sheet, its formats
    added to ``styles`` (the workbook being written)."""
    xml, table, source_styles = fresh_parts(name, tuple(extra_headers))
    imp = _StyleImport(source_styles, styles)
    xml = re.sub(rb'(<(?:c|row)\b[^>]*?\ss=")(\d+)"', lambda m: m.group(1) + b"%d\"" % imp.xf(int(m.group(2))), xml)
    xml = re.sub(rb'(<col\b[^>]*?\sstyle=")(\d+)"', lambda m: m.group(1) + b"%d\"" % imp.xf(int(m.group(2))), xml)
    xml = re.sub(rb'(<cfRule\b[^>]*?\sdxfId=")(\d+)"', lambda m: m.group(1) + b"%d\"" % imp.dxf(int(m.group(2))), xml)
    xml = re.sub(rb"<tableParts\b.*?</tableParts>", b"", xml, flags=re.S)
    if b"xmlns:r=" not in xml[:xml.index(b">")]:  # the old sheet's objects are linked by r:id
        xml = xml.replace(b"<worksheet ", b'<worksheet xmlns:r="http://schemas.openxmlformats.org/'
                          b'officeDocument/2006/relationships" ', 1)
    if not xml.startswith(b"<?xml"):
        xml = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml
    return xml, table


def table_identity(xml: bytes) -> tuple[int, str | None]:
    """(id, name) of an existing table definition: kept, so formulas naming the table still work."""
    root = etree.fromstring(xml)
    return int(root.get("id")), root.get("name")


def table_xml(fresh: bytes, *, table_id: int, name: str | None = None) -> bytes:
    """The fresh table definition under the id (and name) the workbook already uses for it."""
    root = etree.fromstring(fresh)
    root.set("id", str(table_id))
    if name:
        root.set("name", name)
        root.set("displayName", name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


PROTECTION = re.compile(rb"<sheetProtection\b[^>]*/>")


def keep_sheet_state(old_xml: bytes, new_xml: bytes) -> bytes:
    """The new layout keeps what the team set on the sheet: its protection and whether it is the
    selected tab (two selected tabs would open grouped in Excel)."""
    protection = PROTECTION.search(old_xml)
    if protection and not PROTECTION.search(new_xml):
        new_xml = new_xml.replace(b"</sheetData>", b"</sheetData>" + protection.group(), 1)
    view = re.search(rb"<sheetView\b[^>]*>", old_xml)
    if view and re.search(rb'tabSelected="(1|true)"', view.group()):
        new_xml = re.sub(rb"<sheetView\b", b'<sheetView tabSelected="1"', new_xml, count=1)
    return new_xml


def hidden_columns(xml: bytes) -> set[int]:
    """0-based columns the sheet's <cols> hides (``aftersales protect`` hides personal ones)."""
    out: set[int] = set()
    for m in re.finditer(rb"<col\b([^>]*)/?>", xml[: xml.find(b"<sheetData")]):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
        if attrs.get(b"hidden") in (b"1", b"true"):
            out.update(range(int(attrs[b"min"]) - 1, min(int(attrs[b"max"]), 16384)))
    return out


def hide_columns(xml: bytes, columns: set[int]) -> bytes:
    """``xml`` (a fresh sheet: one <col> per column) with ``columns`` (0-based) hidden."""
    def hide(m):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
        if int(attrs.get(b"min", b"0")) - 1 in columns and b"hidden=" not in m.group(1):
            return m.group(0).replace(b"<col ", b'<col hidden="1" ', 1)
        return m.group(0)

    head_end = xml.find(b"<sheetData")
    return re.sub(rb"<col\b([^>]*)/?>", hide, xml[:head_end]) + xml[head_end:]
