"""Apply a ChangeSet to an .xlsx file: patch the changed parts, then replace the file atomically."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from workbook import schema as S
from workbook.changes import ChangeSet, ReportSheet
from workbook.errors import RowsInTheWay, SheetFull
from workbook.formulas import Formula
from workbook.reader import EXCEL_MAX_ROWS
from workbook.store import replace_file
from workbook.styles import Look, StyleBook
from workbook.xlsxpatch import (
    NS_R, CellWriter, Package, SheetPatch, add_sheet_entries, new_sheet_xml, next_sheet_part,
    patch_sheet_stream, patch_sheet_xml, rewrite_zip, set_calculated_columns, set_table_rows, table_last_row,
    without_calc_chain,
)

DATETIME_LOOK = Look(numfmt="yyyy-mm-dd hh:mm")
HEADER_LOOK = Look(bold=True, color="FFFFFF", fill="7F7F7F", align="center", wrap=True)


@dataclass
class WriteResult:
    written: bool
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)  # what the user should know about the write


def unchanged_reports(path: Path, changes: ChangeSet) -> list[str]:
    """Report sheets (月报_YYYY-MM …) in ``changes`` whose values the file already holds.

    A refresh regenerates the month's report every run; when nothing it shows changed, writing
    it again would rewrite the file and use up a backup slot for nothing."""
    if not changes.reports:
        return []
    from python_calamine import CalamineWorkbook

    same = []
    book = CalamineWorkbook.from_path(str(path))
    try:
        present = set(book.sheet_names)
        for name, report in changes.reports.items():
            if name in present and _same_grid(book.get_sheet_by_name(name).to_python(), report.grid()):
                same.append(name)
    finally:
        book.close()
    return same


def _same_grid(old: list[list], new: list[list]) -> bool:
    from workbook.changes import python_value

    def norm(v):
        v = python_value(v)
        if isinstance(v, Formula):
            return ("formula", v.excel)
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)):
            return round(float(v), 9)
        if isinstance(v, dt.datetime):
            return v.replace(microsecond=0)
        if isinstance(v, dt.date):
            return dt.datetime(v.year, v.month, v.day)
        if isinstance(v, dt.time):
            return v.replace(microsecond=0)
        return "" if v is None else v

    rows = max(len(old), len(new))
    for i in range(rows):
        a = old[i] if i < len(old) else []
        b = new[i] if i < len(new) else []
        for j in range(max(len(a), len(b))):
            if norm(a[j] if j < len(a) else None) != norm(b[j] if j < len(b) else None):
                return False
    return True


def apply_to_file(path: Path, snapshot, changes: ChangeSet, *, backups: int,
                  now: dt.datetime | None = None) -> WriteResult:
    """Write ``changes`` into ``path`` (read as ``snapshot``); nothing is written if empty."""
    changes.prune()
    if changes.is_empty:
        return WriteResult(False)
    pkg = Package(path)
    notes: list[str] = []
    removed: set[str] = set()
    try:
        replaced, added, streamed = _build_parts(pkg, snapshot, changes, notes, removed)
        ct_key = "[Content_Types].xml"
        stripped = without_calc_chain(pkg, replaced.get(ct_key, pkg.read(ct_key)))
        if stripped is not None:
            replaced["xl/_rels/workbook.xml.rels"], replaced[ct_key] = stripped
            removed.add("xl/calcChain.xml")
    finally:
        pkg.close()
    backup = replace_file(
        path,
        lambda tmp: rewrite_zip(path, tmp, replaced, added, removed, streamed),
        expected=snapshot.stamp,
        backups=backups,
        now=now,
        notes=notes,
    )
    return WriteResult(True, backup, notes)


def _build_parts(pkg: Package, snapshot, changes: ChangeSet, notes: list[str] | None = None,
                 removed_parts: set[str] | None = None):
    notes = [] if notes is None else notes
    removed_parts = set() if removed_parts is None else removed_parts
    styles = StyleBook(pkg.read("xl/styles.xml"))
    writer = CellWriter(styles, pkg.date1904, lambda: styles.look(DATETIME_LOOK))
    replaced: dict[str, bytes] = {}
    added: dict[str, bytes] = {}
    streamed: dict[str, object] = {}
    recalc = False
    for name, sc in changes.sheets.items():
        if sc.is_empty:
            continue
        if name not in pkg.sheets:
            _add_missing_output_sheet(pkg, snapshot, name, sc, writer, styles, replaced, added)
            continue
        data = snapshot.sheets.get(name)
        if data is not None and data.relayout:
            _relayout_sheet(pkg, name, data, sc, writer, styles, replaced, removed_parts, notes)
            continue
        data = snapshot[name]
        entry = pkg.sheets[name]
        patch = SheetPatch()
        program_cols = {j for h, j in data.columns.items() if data.schema.column(h).owner == S.PROGRAM}
        for header, by_row in sc.cells.items():
            j = data.columns[header]
            for row, value in by_row.items():
                patch.cells.setdefault(row, {})[j] = value
        last = data.last_row
        if sc.rebuild is not None:
            patch.clear_below = 1
            last = 1
            rows = sc.rebuild
        else:
            rows = sc.appends
        calculated = _calculated_columns(data) if sc.rebuild is None else {}
        # Columns whose calculated formula this write sets or removes: the step gave their rows.
        calculated = {j: f for j, f in calculated.items()
                      if not any(data.columns.get(h) == j for h in sc.calculated)}
        for offset, values in enumerate(rows, start=1):
            cells = patch.cells.setdefault(last + offset, {})
            for header, value in values.items():
                cells[data.column_index(header)] = value
            for j, formula in calculated.items():
                # A new row of the table gets its calculated column, as Excel gives one typed in.
                if j not in cells or j not in program_cols:
                    cells[j] = Formula(formula)
                    recalc = True
        for (i, header), look in sc.looks.items():
            patch.styles[(last + 1 + i, data.columns[header])] = styles.look(look)
        for i, height in sc.heights.items():
            patch.heights[last + 1 + i] = height
        new_last = last + len(rows)
        layout = data.table
        if sc.rebuild is None:
            _make_room(name, data, last, new_last, patch)
        streamed[entry.part] = lambda src, dst, p=patch: patch_sheet_stream(src, dst, p, writer)
        if layout is not None:
            grows = rows or sc.rebuild is not None or data.last_row > layout.body_end
            if grows:
                table_xml = pkg.read(layout.part)
                body = new_last if sc.rebuild is not None else max(layout.body_end, new_last)
                replaced[layout.part] = set_table_rows(table_xml, body + layout.totals,
                                                       totals=layout.totals)
        elif rows or sc.rebuild is not None:
            for table in pkg.tables_of(entry.part):
                table_xml = pkg.read(table)
                end = new_last if sc.rebuild is not None else max(table_last_row(table_xml), new_last)
                replaced[table] = set_table_rows(table_xml, end)
        if layout is not None and sc.calculated:
            table_xml = replaced.get(layout.part) or pkg.read(layout.part)
            replaced[layout.part] = set_calculated_columns(table_xml, sc.calculated)
    ct = replaced.get("[Content_Types].xml") or pkg.read("[Content_Types].xml")
    for name, report in changes.reports.items():
        if not S.is_report_sheet(name):
            raise ValueError(f"report sheet {name!r} must be named {S.MONTHLY_PREFIX}… or be one of {S.REPORT_SHEETS}")
        xml = _report_xml(report, writer, styles)
        if name in pkg.sheets:
            part = pkg.sheets[name].part
            xml, rels, dropped, lines = keep_sheet_objects(pkg, part, xml, report)
            replaced[part] = xml
            if rels is not None:
                replaced[pkg.rels_part(part)] = rels
            removed_parts.update(dropped)
            notes.extend(f"{name}：{line}" for line in lines)
        else:
            part = next_sheet_part(pkg)
            added[part] = xml
            after = report.after if report.after in pkg.sheets else None
            wb_xml, rels, ct = add_sheet_entries(pkg, name, part, ct, after=after)
            replaced["xl/workbook.xml"] = wb_xml
            replaced["xl/_rels/workbook.xml.rels"] = rels
            replaced["[Content_Types].xml"] = ct
    if recalc or getattr(snapshot, "user_formulas", False):
        replaced["xl/workbook.xml"] = recalc_on_load(pkg)
    # Streaming may add cell formats (text prefix, dates): styles are written last, if changed.
    replaced["xl/styles.xml"] = lambda: styles.to_bytes() if styles.changed else pkg_styles
    pkg_styles = pkg.read("xl/styles.xml")
    return replaced, added, streamed


_CALC_PR_AFTER = ("definedNames", "externalReferences", "functionGroups", "sheets")


def recalc_on_load(pkg: Package) -> bytes:
    """workbook.xml asking Excel to recalculate every formula when the file is next opened.

    Set when a run changed values and formulas outside the program's columns may read them (a
    COUNTIF of 已超时 on a sheet of the team's own): their cached results are stale. Excel honours
    it (and drops it on its next save); LibreOffice's default ("never recalculate" for Excel
    files) ignores it — see the README's Data safety section.
    """
    from lxml import etree

    from workbook.xlsxpatch import NS_MAIN

    root = pkg.workbook
    calc = root.find(f"{{{NS_MAIN}}}calcPr")
    if calc is None:
        calc = etree.Element(f"{{{NS_MAIN}}}calcPr")
        for tag in _CALC_PR_AFTER:
            anchor = root.find(f"{{{NS_MAIN}}}{tag}")
            if anchor is not None:
                anchor.addnext(calc)
                break
        else:
            root.append(calc)
    calc.set("fullCalcOnLoad", "1")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _calculated_columns(data) -> dict[int, str]:
    """{0-based column: formula} of the sheet's table's calculated columns (as the file has
    them: ``登记表[[#This Row],[受理时间]]+3``)."""
    layout = data.table
    return dict(layout.calculated) if layout is not None else {}


def _make_room(name: str, data, last: int, new_last: int, patch: SheetPatch) -> None:
    """New rows go into the table: its totals row moves below them; nothing is written past
    Excel's last row or over content that sits outside the table."""
    if new_last <= last:
        return
    layout = data.table
    top = new_last
    if layout is not None and layout.totals and new_last > layout.body_end:
        shift = new_last - layout.body_end
        patch.moves = {layout.body_end + k: layout.body_end + k + shift for k in range(1, layout.totals + 1)}
        top = max(patch.moves.values())
    if top > EXCEL_MAX_ROWS:
        adding = new_last - last
        raise SheetFull(name, adding, EXCEL_MAX_ROWS - (top - adding))
    clash = [r for r in data.outside_rows if last < r <= top]
    if clash:
        raise RowsInTheWay(name, clash)


# Objects people put on a sheet the program rebuilds, and the element that ties each to the sheet
# (in the order CT_Worksheet wants them, after pageMargins).
_KEPT_OBJECTS = (
    (f"{NS_R}/drawing", "drawing"),  # charts, pictures, shapes
    (f"{NS_R}/vmlDrawing", "legacyDrawing"),  # comments' boxes
    (f"{NS_R}/image", "picture"),  # a sheet background
    (f"{NS_R}/table", "tableParts"),
)
_NEEDS_NO_ELEMENT = (f"{NS_R}/comments", f"{NS_R}/pivotTable",
                     "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment")
_OBJECT_NAMES = {"hyperlink": "超链接", "printerSettings": "打印设置", "oleObject": "嵌入对象",
                 "control": "控件", "ctrlProp": "控件"}


def keep_sheet_objects(pkg: Package, part: str, xml: bytes, report: ReportSheet):
    """A rebuilt report sheet keeps the charts, pictures and comments people put on it.

    The old sheet's relationships are kept and re-linked from the new sheet XML; what cannot be
    re-linked (a hyperlink's cell, printer settings) is removed together with its part, and
    named, and cells of the old sheet the new report does not write are counted — never a
    silent drop, never an orphan part. Returns (xml, rels or None, parts to remove, lines).
    """
    lines: list[str] = []
    lost = _lost_cells(pkg.read(part), report)
    if lost:
        lines.append(f"重新生成，原表中 {lost} 个不属于本次月报的单元格已清除（上一版本在「备份」文件夹中）")
    xml, dump, dropped_parts, kept = relink_sheet_objects(pkg, part, xml)
    return xml, dump, dropped_parts, lines + kept


def relink_sheet_objects(pkg: Package, part: str, xml: bytes):
    """``xml``, a new worksheet for ``part``, linked to the old sheet's charts, pictures,
    comments and tables; what cannot be re-linked is removed with its part, and named.
    Returns (xml, rels or None, parts to remove, lines)."""
    from lxml import etree

    lines: list[str] = []
    rels_part = pkg.rels_part(part)
    if rels_part not in pkg.names:
        return xml, None, set(), lines
    rels = etree.fromstring(pkg.read(rels_part))
    elements: dict[str, list[str]] = {}
    dropped_parts: set[str] = set()
    dropped_kinds: list[str] = []
    for rel in list(rels):
        kind = rel.get("Type")
        tag = dict(_KEPT_OBJECTS).get(kind)
        if tag is not None:
            elements.setdefault(tag, []).append(rel.get("Id"))
        elif kind not in _NEEDS_NO_ELEMENT:
            rels.remove(rel)
            short = kind.rsplit("/", 1)[-1]
            dropped_kinds.append(_OBJECT_NAMES.get(short, short))
            if rel.get("TargetMode") != "External":
                dropped_parts.add(_resolve_target(part, rel.get("Target")))
    if dropped_kinds:
        lines.append("原表中的" + "、".join(dict.fromkeys(dropped_kinds)) + "无法随重新生成保留，已移除")
    extra = []
    for _kind, tag in _KEPT_OBJECTS:
        ids = elements.get(tag, [])
        if not ids:
            continue
        if tag == "tableParts":
            inner = "".join(f'<tablePart r:id="{i}"/>' for i in ids)
            extra.append(f'<tableParts count="{len(ids)}">{inner}</tableParts>')
        else:
            extra.append(f'<{tag} r:id="{ids[0]}"/>')  # the schema allows one of each
    if extra:
        xml = xml.replace(b"</worksheet>", "".join(extra).encode() + b"</worksheet>")
    if any(elements.get(tag) for _kind, tag in _KEPT_OBJECTS if tag != "tableParts"):  # not the sheet's own table
        lines.append("原表中的图表、图片或批注已保留（位置不变，请核对是否仍与新内容对应）")
    dump = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    return xml, dump, dropped_parts, lines


def _resolve_target(part: str, target: str) -> str:
    from workbook.xlsx_package import _resolve

    return _resolve(part, target)


_CELL_WITH_VALUE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:(?!</c>).)*?<(?:v|is|f)\b', re.S)


def _lost_cells(old_xml: bytes, report: ReportSheet) -> int:
    from workbook.xlsxpatch import col_index

    written = {(r, c) for (r, c) in report.cells}
    return sum(1 for m in _CELL_WITH_VALUE.finditer(old_xml)
               if (int(m.group(2)), col_index(m.group(1)) + 1) not in written)


def _report_xml(report: ReportSheet, writer: CellWriter, styles: StyleBook) -> bytes:
    rows: dict[int, dict[int, object]] = {}
    looks: dict[tuple[int, int], int] = {}
    for (r, c), (value, look) in report.cells.items():
        rows.setdefault(r, {})[c - 1] = value
        if look is not None:
            looks[(r, c - 1)] = styles.look(look)
    return new_sheet_xml(rows, looks, writer, report.widths, report.merges, tab_colour="7F7F7F")


def _relayout_sheet(pkg, name, data, sc, writer, styles, replaced, removed_parts, notes):
    """An output sheet from an earlier version: this version's layout, people's columns kept."""
    from workbook import relayout
    from workbook.errors import SheetMissing

    if sc.rebuild is None:  # output sheets are only ever rebuilt; anything else is a bug
        raise SheetMissing(name)
    entry = pkg.sheets[name]
    extras = tuple(data.extra_columns)
    headers = relayout.layout_headers(data.schema, extras)
    fresh, fresh_table = relayout.sheet_xml(name, styles, extras)
    old_xml = pkg.read(entry.part)
    fresh = relayout.keep_sheet_state(old_xml, fresh)
    # Columns the team hid (``aftersales protect`` hides personal ones) stay hidden, by header.
    hidden = relayout.hidden_columns(old_xml)
    if hidden:
        old_index = {**data.extra_columns, **data.columns}
        fresh = relayout.hide_columns(fresh, {j for j, h in enumerate(headers) if old_index.get(h) in hidden})
    tables = pkg.tables_of(entry.part)
    if tables:
        old = relayout.table_identity(pkg.read(tables[0]))
        table = relayout.table_xml(fresh_table, table_id=old[0], name=old[1])
    xml, rels, dropped, lines = relink_sheet_objects(pkg, entry.part, fresh)
    patch, new_last = _rebuild_patch(sc, headers, styles)
    replaced[entry.part] = patch_sheet_xml(xml, patch, writer)
    if rels is not None:
        replaced[pkg.rels_part(entry.part)] = rels
    removed_parts.update(dropped)
    if tables:
        replaced[tables[0]] = set_table_rows(table, max(new_last, 2))
    kept = "，另保留了" + "、".join(f"「{h}」" for h in extras) + "列" if extras else ""
    notes.append(f"{name}：已按新版本的列重新排版（{len(data.schema.headers)} 列{kept}；上一版本在「备份」文件夹中）")
    notes.extend(f"{name}：{line}" for line in lines)  # objects kept, or removed and named


def _rebuild_patch(sc, headers: list[str], styles) -> tuple[SheetPatch, int]:
    """The body of a rebuilt sheet laid out as ``headers`` (header row 1, rows from 2)."""
    index = {h: j for j, h in enumerate(headers)}
    patch = SheetPatch()
    for i, values in enumerate(sc.rebuild, start=2):
        patch.cells[i] = {index[h]: v for h, v in values.items() if h in index}
    for (i, header), look in sc.looks.items():
        if header in index:
            patch.styles[(2 + i, index[header])] = styles.look(look)
    for i, height in sc.heights.items():
        patch.heights[2 + i] = height
    return patch, 1 + len(sc.rebuild)


def _add_missing_output_sheet(pkg, snapshot, name, sc, writer, styles, replaced, added):
    """An output sheet the workbook lacks (new in this version, or deleted by staff): added as a
    new workbook has it — an Excel table with its formats — in its place among the tabs."""
    from lxml import etree

    from workbook import relayout
    from workbook.xlsxpatch import CT_TABLE, NS_CT, NS_PKG, REL_TABLE

    sheet = S.sheet(name)
    if sheet.group != S.OUTPUT or sc.rebuild is None:
        from workbook.errors import SheetMissing

        raise SheetMissing(name)
    fresh, fresh_table = relayout.sheet_xml(name, styles)
    fresh = _protect_like_siblings(pkg, sheet, fresh)
    patch, new_last = _rebuild_patch(sc, sheet.headers, styles)
    part = next_sheet_part(pkg)
    table_part = _next_table_part(pkg)
    xml = fresh.replace(b"</worksheet>", b'<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>')
    added[part] = patch_sheet_xml(xml, patch, writer)
    table = relayout.table_xml(fresh_table, table_id=_next_table_id(pkg), name=sheet.table)
    added[table_part] = set_table_rows(table, max(new_last, 2))
    added[pkg.rels_part(part)] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG}">'
        f'<Relationship Id="rId1" Type="{REL_TABLE}" Target="/{table_part}"/></Relationships>').encode()
    ct = replaced.get("[Content_Types].xml", pkg.read("[Content_Types].xml"))
    wb_xml, rels, ct = add_sheet_entries(pkg, name, part, ct, after=_schema_neighbour(pkg, sheet),
                                         first=_schema_neighbour(pkg, sheet) is None)
    root = etree.fromstring(ct)
    override = etree.SubElement(root, f"{{{NS_CT}}}Override")
    override.set("PartName", "/" + table_part)
    override.set("ContentType", CT_TABLE)
    ct = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    replaced["xl/workbook.xml"] = wb_xml
    replaced["xl/_rels/workbook.xml.rels"] = rels
    replaced["[Content_Types].xml"] = ct


def _protect_like_siblings(pkg, sheet: S.Sheet, xml: bytes) -> bytes:
    """A sheet added to a workbook whose personal columns are protected (``aftersales protect``)
    is protected the same way: its personal columns hidden, the sibling's protection copied."""
    from workbook import relayout
    from workbook.protect import LOCKED_SHEETS

    if sheet.name not in LOCKED_SHEETS:
        return xml
    for other in LOCKED_SHEETS:
        if other == sheet.name or other not in pkg.sheets:
            continue
        found = relayout.PROTECTION.search(pkg.read(pkg.sheets[other].part))
        if found:
            xml = xml.replace(b"</sheetData>", b"</sheetData>" + found.group(), 1)
            return relayout.hide_columns(xml, {j for j, c in enumerate(sheet.columns) if c.personal})
    return xml


def _schema_neighbour(pkg, sheet: S.Sheet) -> str | None:
    """The sheet a new workbook has just before ``sheet`` that this workbook has (None: first)."""
    before = None
    for other in S.SHEETS:
        if other.name == sheet.name:
            return before
        if other.name in pkg.sheets:
            before = other.name
    return before


def _next_table_id(pkg) -> int:
    """A table id no table of the workbook has (Excel refuses a file with two of one id)."""
    from lxml import etree

    used = getattr(pkg, "table_ids", None)
    if used is None:
        used = {int(etree.fromstring(pkg.read(t)).get("id"))
                for e in pkg.sheets.values() for t in pkg.tables_of(e.part) if t in pkg.names}
    new = max(used, default=0) + 1
    pkg.table_ids = used | {new}
    return new


def _next_table_part(pkg) -> str:
    n = 1
    while f"xl/tables/table{n}.xml" in pkg.names:
        n += 1
    pkg.names.add(f"xl/tables/table{n}.xml")
    return f"xl/tables/table{n}.xml"
