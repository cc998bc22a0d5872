"""The add-in's settings sheet (``aftersales.conf``): what it holds and how it is written and read.

xlwings' custom-add-in VBA reads its settings from a sheet named ``<PROJECT_NAME>.conf``: keys
in column A from A1 down to the first blank cell, values in column B (keys compared upper-cased).
Column C is ignored by xlwings, so it carries the Chinese notes for the user. A key that is
present with an empty value still wins over xlwings' config files, so every key listed here is
meant to be set in this sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from lxml import etree

from addin.package import XML_DECLARATION

PROJECT_NAME = "aftersales"
"""xlwings' ``PROJECT_NAME`` constant in the add-in's VBA; names the settings sheet and files."""

CONF_SHEET = f"{PROJECT_NAME}.conf"

SPREADSHEETML_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# Cell styles of xlwings' template styles.xml: 2 is bold; NOTE_STYLE is appended by the build.
KEY_STYLE = 2
VALUE_STYLE = 1
NOTE_STYLE = 3
NOTE_XF = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'


@dataclass(frozen=True)
class ConfSetting:
    """One row of the settings sheet: xlwings key, value (str or bool) and a Chinese note."""

    key: str
    value: str | bool
    note: str


HEADER = ("设置项", "值", "说明")

INTERPRETER_WIN_DEFAULT = r"%USERPROFILE%\aftersales\.venv\Scripts\python.exe"
INTERPRETER_MAC_DEFAULT = "$HOME/aftersales/.venv/bin/python"

FOOTNOTES = (
    "这张表是售后服务加载项（aftersales.xlam）的 xlwings 设置，A 列是设置项，B 列是值，C 列是说明。",
    "最简单的做法：在装好 aftersales 的 Python 环境里运行 aftersales install-addin，它会把解释器路径写进这张表并安装加载项。",
    "也可以在某个工作簿里新建一张同名的工作表 aftersales.conf，写上要改的设置项，它只对该工作簿生效并优先于这里的值。",
    "A 列中间不能留空行：xlwings 只读到第一个空单元格为止。",
)


def default_settings(
    udf_modules: Sequence[str] = ("udfs",),
    overrides: Mapping[str, str | bool] | None = None,
) -> list[ConfSetting]:
    """The settings the add-in ships with, with ``overrides`` (key → value) applied.

    Example: ``default_settings(overrides={"Interpreter_Win": r"C:\\venv\\Scripts\\python.exe"})``
    """
    settings = [
        ConfSetting(
            "Interpreter_Win",
            INTERPRETER_WIN_DEFAULT,
            "Windows 必填：装有 aftersales 和 xlwings 的 Python 解释器的完整路径，一般是虚拟环境里的 "
            "Scripts\\python.exe。可以用 %USERPROFILE% 等环境变量。默认值假定虚拟环境建在 "
            "用户文件夹\\aftersales\\.venv；运行 aftersales install-addin 会自动填写。",
        ),
        ConfSetting(
            "Interpreter_Mac",
            INTERPRETER_MAC_DEFAULT,
            "macOS 必填：装有 aftersales 和 xlwings 的 Python 解释器的完整路径，一般是虚拟环境里的 "
            "bin/python，可以用 $HOME。运行 aftersales install-addin 会自动填写。",
        ),
        ConfSetting(
            "PYTHONPATH",
            "",
            "选填：只有 aftersales 没有用 pip 安装进上面的解释器时，才填写项目文件夹的路径（多个路径用分号分隔）。",
        ),
        ConfSetting(
            "UDF Modules",
            ";".join(udf_modules),
            "请勿修改：提供工作表函数（如 sla_due、sla_status）的 Python 模块。工作表函数只在 Windows 上可用。",
        ),
        ConfSetting("Conda Path", "", "选填：使用 Anaconda/Miniconda 时填写其安装文件夹，此时 Interpreter_Win 留空。"),
        ConfSetting("Conda Env", "", "选填：使用 Conda 时填写环境名称，例如 base。"),
        ConfSetting("Debug UDFs", False, "保持 FALSE（仅供开发人员调试工作表函数）。"),
        ConfSetting("Use UDF Server", False, "保持 FALSE。"),
        ConfSetting("Show Console", False, "设为 TRUE 时运行按钮会显示 Python 控制台窗口（Windows），便于排查问题。"),
    ]
    overrides = dict(overrides or {})
    known = {setting.key.upper(): i for i, setting in enumerate(settings)}
    for key, value in overrides.items():
        if key.upper() not in known:
            raise KeyError(f"unknown add-in setting {key!r} — known: {', '.join(s.key for s in settings)}")
        i = known[key.upper()]
        settings[i] = ConfSetting(settings[i].key, value, settings[i].note)
    return settings


def sheet_parts(settings: Sequence[ConfSetting], *, code_name: str) -> tuple[bytes, bytes]:
    """The worksheet XML and the sharedStrings XML of the settings sheet.

    ``code_name`` is the sheet's VBA code name; it must match the document module of the
    template's VBA project (``Sheet2``), or Excel would orphan that module.
    """
    strings: list[str] = []
    index: dict[str, int] = {}
    references = 0

    def shared(text: str) -> int:
        nonlocal references
        references += 1
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    # Each row: (value, style) for columns A, B, C.
    rows: list[list[tuple[str | bool, int]]] = [[(text, KEY_STYLE) for text in HEADER]]
    for setting in settings:
        rows.append([(setting.key, KEY_STYLE), (setting.value, VALUE_STYLE), (setting.note, NOTE_STYLE)])
    rows.append([])  # the blank A cell that ends what xlwings reads
    rows.extend([(note, VALUE_STYLE)] for note in FOOTNOTES)

    ws = etree.Element(f"{{{SPREADSHEETML_NS}}}worksheet", nsmap={None: SPREADSHEETML_NS, "r": OFFICE_REL_NS})
    etree.SubElement(ws, f"{{{SPREADSHEETML_NS}}}sheetPr", codeName=code_name)
    etree.SubElement(ws, f"{{{SPREADSHEETML_NS}}}dimension", ref=f"A1:C{len(rows)}")
    views = etree.SubElement(ws, f"{{{SPREADSHEETML_NS}}}sheetViews")
    view = etree.SubElement(views, f"{{{SPREADSHEETML_NS}}}sheetView", tabSelected="1", workbookViewId="0")
    etree.SubElement(view, f"{{{SPREADSHEETML_NS}}}pane", ySplit="1", topLeftCell="A2", activePane="bottomLeft", state="frozen")
    etree.SubElement(view, f"{{{SPREADSHEETML_NS}}}selection", pane="bottomLeft", activeCell="B2", sqref="B2")
    etree.SubElement(ws, f"{{{SPREADSHEETML_NS}}}sheetFormatPr", defaultRowHeight="15.75")
    cols = etree.SubElement(ws, f"{{{SPREADSHEETML_NS}}}cols")
    for number, width in ((1, "18"), (2, "52"), (3, "90")):
        etree.SubElement(cols, f"{{{SPREADSHEETML_NS}}}col", min=str(number), max=str(number), width=width, customWidth="1")
    data = etree.SubElement(ws, f"{{{SPREADSHEETML_NS}}}sheetData")
    for r, cells in enumerate(rows, start=1):
        if not cells:
            continue
        row = etree.SubElement(data, f"{{{SPREADSHEETML_NS}}}row", r=str(r))
        for column, (value, style) in zip("ABC", cells):
            if value == "":
                continue
            ref = f"{column}{r}"
            if isinstance(value, bool):
                cell = etree.SubElement(row, f"{{{SPREADSHEETML_NS}}}c", r=ref, s=str(style), t="b")
                etree.SubElement(cell, f"{{{SPREADSHEETML_NS}}}v").text = "1" if value else "0"
            else:
                cell = etree.SubElement(row, f"{{{SPREADSHEETML_NS}}}c", r=ref, s=str(style), t="s")
                etree.SubElement(cell, f"{{{SPREADSHEETML_NS}}}v").text = str(shared(value))
    etree.SubElement(ws, f"{{{SPREADSHEETML_NS}}}pageMargins", left="0.7", right="0.7", top="0.75", bottom="0.75", header="0.3", footer="0.3")

    sst = etree.Element(f"{{{SPREADSHEETML_NS}}}sst", nsmap={None: SPREADSHEETML_NS}, count=str(references), uniqueCount=str(len(strings)))
    for text in strings:
        si = etree.SubElement(sst, f"{{{SPREADSHEETML_NS}}}si")
        t = etree.SubElement(si, f"{{{SPREADSHEETML_NS}}}t")
        t.text = text
        if text != text.strip():
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return _xml_bytes(ws), _xml_bytes(sst)


def _xml_bytes(element: etree._Element) -> bytes:
    return XML_DECLARATION + etree.tostring(element, encoding="UTF-8")


@dataclass(frozen=True)
class ConfSheet:
    """The settings sheet as xlwings' VBA sees it: name and the key → value rows it reads."""

    name: str
    part: str
    keys: list[str]  # column A from A1 down to the first blank, as xlwings reads them
    values: dict[str, str]  # upper-cased key → value text ("TRUE"/"FALSE" for booleans)


_CELL_REF = re.compile(r"([A-Z]+)(\d+)$")


def read_conf_sheets(parts: Mapping[str, bytes]) -> dict[str, ConfSheet]:
    """Every sheet of a package (part name → bytes) whose name ends in ``.conf``, read as xlwings' VBA reads it."""
    ns = {"m": SPREADSHEETML_NS, "r": OFFICE_REL_NS, "p": PACKAGE_REL_NS}
    workbook = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("p:Relationship", ns)}
    strings: list[str] = []
    if "xl/sharedStrings.xml" in parts:
        sst = etree.fromstring(parts["xl/sharedStrings.xml"])
        strings = ["".join(si.itertext()) for si in sst.findall("m:si", ns)]
    sheets: dict[str, ConfSheet] = {}
    for sheet in workbook.findall("m:sheets/m:sheet", ns):
        name = sheet.get("name", "")
        if not name.endswith(".conf"):
            continue
        target = targets.get(sheet.get(f"{{{OFFICE_REL_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        cells: dict[tuple[str, int], str] = {}
        if part not in parts:
            continue
        root = etree.fromstring(parts[part])
        for c in root.iter(f"{{{SPREADSHEETML_NS}}}c"):
            match = _CELL_REF.match(c.get("r", ""))
            if not match:
                continue
            kind = c.get("t")
            v = c.find("m:v", ns)
            if kind == "s" and v is not None:
                text = strings[int(v.text)]
            elif kind == "inlineStr":
                text = "".join(c.find("m:is", ns).itertext())
            elif kind == "b" and v is not None:
                text = "TRUE" if v.text == "1" else "FALSE"
            else:
                text = v.text if v is not None and v.text else ""
            cells[(match.group(1), int(match.group(2)))] = text
        keys: list[str] = []
        values: dict[str, str] = {}
        row = 1
        while cells.get(("A", row), ""):
            keys.append(cells[("A", row)])
            values.setdefault(cells[("A", row)].upper(), cells.get(("B", row), ""))
            row += 1
        sheets[name] = ConfSheet(name=name, part=part, keys=keys, values=values)
    return sheets
