"""Fuzzing: workbooks full of what staff really type (and worse) — every routine must cope.

Hypothesis fills the forms and the callback plan with wrong types, 32,767-character text, emoji,
control characters, text that looks like a formula, real formulas, real error cells (#N/A …),
merged cells, blank rows, duplicate ticket numbers and dates in 1900 and 2100, and sometimes
damages a settings sheet or the structure (a deleted sheet, a renamed header). Then every routine
runs on the file, one after the other, and each run must:

- finish, or stop with a WorkbookError whose message names the damaged sheet (nothing else);
- leave a workbook that is a valid zip, whose XML parts parse, whose every sheet python-calamine
  reads, with no cell longer than Excel's 32,767 characters and no formula the input did not have;
- leave every staff-typed cell byte-identical (its raw XML) and the shared-string table unchanged;
- report each planted bad cell as a problem naming its sheet, row and column.

The workbooks are written the way Excel writes them where it matters: strings in a shared-string
table, error values as ``t="e"`` cells, formulas with cached values, control characters as
``_xHHHH_`` escapes. ``benchmarks/stress_fuzz.py`` runs the same check on 1,000+ workbooks.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import shutil
import traceback
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bookmaker import PRODUCTS, ROSTER, STORES, as_tuples
from workbook import builder
from workbook import schema as S

NOW = dt.datetime(2026, 11, 20, 16, 0)
TODAY = NOW.date()
EXCEL_CELL_LIMIT = 32_767  # characters (UTF-16 code units) a cell can hold


# ---- what a cell can hold ------------------------------------------------------------------------
@dataclass(frozen=True)
class ErrorCell:
    """An error value as Excel stores it (``<c t="e"><v>#N/A</v></c>``)."""

    code: str


@dataclass(frozen=True)
class Formula:
    """A real formula with the value Excel cached for it."""

    formula: str
    cached: object  # float, str or ErrorCell


@dataclass(frozen=True)
class Escaped:
    """Text holding characters XML cannot carry (control characters, CR): stored as _xHHHH_."""

    text: str


@dataclass(frozen=True)
class Planted:
    """A bad cell the reader must report: sheet, Excel row, column header, what makes it bad."""

    sheet: str
    row: int
    column: str
    why: str


FORMULA_TEXT = ("=1+1", "+1+1", "-1+1", "@SUM(1,1)", "=HYPERLINK(\"http://example.com\",\"点我\")",
                "=cmd|' /C calc'!A0", "-", "=", "+86 138 1234 5678", "@张三")
ESCAPED_TEXT = ("\t=1+1", "\r=1+1", "a\x07b", "\x00", "x\x1by", "行1\r\n行2", "_x0041_ literal")
ODD_TEXT = ("😀🔥👍", "👨‍👩‍👧‍👦 家庭", "\u202eevil.exe", "\ufeffbom", "   ", " 前后空格 ", "中文" * 40,
            "<b>&amp;</b>", "null", "NaN", "TRUE", "2026-11-20", "0013812345678")
NOT_BLANK_TEXT = ("😀🔥👍", "\u202eevil.exe", "\ufeffbom", " 前后空格 ")  # text no reader may take as blank
ERROR_CODES = ("#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?")
ODD_NUMBERS = (-1, 0, 0.5, 1.5, 60, 1e15, -1e9, 2958466, 13812345678, 11, -0.0)
ODD_DATES = (dt.datetime(1900, 1, 1), dt.datetime(1900, 2, 28, 12), dt.date(1900, 1, 1),
             dt.datetime(2100, 1, 1), dt.datetime(2100, 12, 31, 23, 59), dt.datetime(1989, 12, 31))
FORMULAS = (Formula("1+1", 2.0), Formula("\"=1+1\"", "=1+1"), Formula("NA()", ErrorCell("#N/A")),
            Formula("TODAY()", 46346.0), Formula("A1", "服务工单号"))
TICKETS = ("SV1", "SV2", "SV3", "T-9", "SV202611200001")
NAMES = [r["姓名"] for r in ROSTER]
LISTS = {
    "人员列表": NAMES,
    "店铺列表": [r["店铺/区域"] for r in STORES],
    "产品型号列表": [r["产品型号"] for r in PRODUCTS],
    "二级标签列表": ["硬件故障", "软件bug", "使用咨询", "服务态度", "二次处理"],
    "部门列表": list(S.DEPARTMENTS),
}
PHONES = ("13812345678", "021-12345678", "1381234", "400-123-4567", "+86 139 1234 5678", "0571-8888666")
WORDS = "设备无法开机漏水异响投诉态度差停机安全隐患咨询滤芯客户张三李四 abcXYZ0123"
LONG = "长" * EXCEL_CELL_LIMIT

FUZZED = (S.INTAKE, S.SERVICE, S.CONFIRMATION, S.SURVEY, S.PAUSES, S.CALLBACK_PLAN)
ROUTINES = ("dispatch", "escalate", "callbacks", "kpi", "summary", "refresh_all")


def _minute(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)


def good_value(col: S.Column):
    """A value of the column's own type, mostly plausible, so the routines do real work."""
    kind = col.kind
    if col.header in ("服务工单号", "工单号", "关联工单号"):
        return st.sampled_from(TICKETS)
    if kind == S.DATETIME:
        return st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31)).map(_minute)
    if kind == S.DATE:
        return st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    if kind == S.CHOICE:
        if col.choices:
            return st.sampled_from(col.choices)
        return st.sampled_from(LISTS.get(col.choices_name, ["甲"]))
    if kind == S.SCORE:
        return st.integers(int(col.minimum or 0), int(col.maximum or 10))
    if kind in (S.NUMBER, S.MONEY):
        return st.floats(0, 10_000, allow_nan=False).map(lambda x: round(x, 2))
    if kind == S.INT:
        return st.integers(0, 100)
    if kind == S.PERCENT:
        return st.floats(0, 1, allow_nan=False)
    if kind == S.PHONE:
        return st.sampled_from(PHONES)
    return st.text(alphabet=WORDS, min_size=1, max_size=24)


def nasty_value():
    return st.one_of(
        st.sampled_from(FORMULA_TEXT),
        st.sampled_from(ESCAPED_TEXT).map(Escaped),
        st.sampled_from(ODD_TEXT),
        st.sampled_from(ERROR_CODES).map(ErrorCell),
        st.sampled_from(ODD_NUMBERS),
        st.booleans(),
        st.sampled_from(ODD_DATES),
        st.sampled_from(FORMULAS),
        st.just(LONG),
        st.text(max_size=12).map(Escaped),  # any Unicode at all, control characters included
    )


def cell_value(col: S.Column):
    good, nasty = good_value(col), nasty_value()
    if col.kind == S.LONGTEXT:  # long staff text is copied into program-written cells (二次处理)
        good = st.one_of(good, good, good, st.just(LONG))
    return st.integers(0, 99).flatmap(lambda k: good if k < 55 else st.none() if k < 80 else nasty)


@st.composite
def sheet_rows(draw, sheet: S.Sheet, max_rows: int):
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        if rows and draw(st.integers(0, 9)) == 0:
            rows.append({})  # a blank row in the middle
        rows.append({c.header: draw(cell_value(c)) for c in sheet.columns})
    return rows


SETTINGS_DAMAGE = (
    None, None, None, None, None, None,
    ("param", "工作时间", "全天"), ("param", "工作时间", "18:00-09:00"), ("param", "工作时间", "09:00-09:00"),
    ("param", "每周休息日", "1111111"), ("param", "每周休息日", 11), ("param", "每周休息日", "abc"),
    ("param", "备份保留份数", "很多"), ("param", "备份保留份数", -1), ("param", "节假日数据年份", "=2026"),
    ("param", "节假日数据年份", "1900,2100"), ("param", "重复工单判定间隔(小时)", -5),
    ("param", "重复工单判定间隔(小时)", 1e12), ("param", "回访任务回溯天数", 1e9), ("param", "回访任务回溯天数", "inf"),
    ("param", "回访任务回溯天数", -30), ("param", "月报截止日", 1e9), ("param", "月报截止日", -3),
    ("param", "月报截止日", "nan"), ("param", "CSAT达标分数", "八"), ("param", "基线期开始", "2026-13-01"),
    ("param", "评估期开始", dt.datetime(2100, 1, 1)), ("param", "基线期结束", dt.datetime(1900, 1, 1)),
    ("param", "行业响应基准(小时)", 0), ("param", "客服经理", "=1+1"),
    ("sla", 0), ("sla", -3), ("sla", 1e9), ("sla", "两天"), ("sla", 1e-9),
    ("roster", "all on leave"), ("roster", "none"), ("roster", "no capacity"), ("rules", "none"),
)
STRUCTURE_DAMAGE = (
    None, None, None, None, None, None, None, None, None, None,
    ("delete", S.SLA_POLICY.name), ("delete", S.SURVEY.name), ("delete", S.DATA_ISSUES.name),
    ("delete", S.ESCALATION.name), ("delete", S.CALLBACK_PLAN.name), ("delete", S.STAFF_ROSTER.name),
    ("delete", S.INTAKE.name), ("delete", S.PARAMS.name), ("delete", S.HOLIDAYS.name), ("delete", S.KPI_BOARD.name),
    ("delete", S.PAUSES.name), ("delete", S.CHECKLIST.name),
    ("rename", S.INTAKE.name, "受理时间"), ("rename", S.SURVEY.name, "工单号"),
    ("rename", S.PARAMS.name, "值"), ("rename", S.CONFIRMATION.name, "确认时间"),
    ("rename", S.CALLBACK_PLAN.name, "回访状态"), ("rename", S.STAFF_ROSTER.name, "姓名"),
    ("rename", S.INTAKE.name, "数据异常"),
)


@dataclass
class BookSpec:
    """One generated workbook: rows per sheet, merged ranges, damage, and how strings are stored."""

    rows: dict[str, list[dict]]
    merges: list[tuple[str, str]] = field(default_factory=list)
    settings_damage: tuple | None = None
    structure_damage: tuple | None = None
    shared_strings: bool = True

    def describe(self) -> str:
        counts = {k: len(v) for k, v in self.rows.items() if v}
        return (f"rows={counts} merges={self.merges} settings={self.settings_damage} "
                f"structure={self.structure_damage} shared={self.shared_strings}")


@st.composite
def books(draw) -> BookSpec:
    rows = {sheet.name: draw(sheet_rows(sheet, 5 if sheet is S.INTAKE else 3)) for sheet in FUZZED}
    merges = []
    for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
        sheet = draw(st.sampled_from(FUZZED))
        count = len(rows[sheet.name])
        if count == 0:
            continue
        top = draw(st.integers(2, count + 1))
        left = draw(st.integers(1, len(sheet.columns) - 1))
        height, width = draw(st.integers(0, 1)), draw(st.integers(1, 2))
        from openpyxl.utils import get_column_letter as letter

        right = min(left + width, len(sheet.columns))
        merges.append((sheet.name, f"{letter(left)}{top}:{letter(right)}{top + height}"))
    return BookSpec(rows, merges, draw(st.sampled_from(SETTINGS_DAMAGE)),
                    draw(st.sampled_from(STRUCTURE_DAMAGE)), draw(st.booleans()))


# ---- writing a generated workbook -----------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _statutory_rows(today: dt.date):
    """The builder's holiday rows, computed once: the same for every generated workbook."""
    return _original_statutory_rows(today)


_original_statutory_rows = builder._statutory_rows
_TOKEN = "FUZZ~{}~"  # ASCII (openpyxl writes other text as &#NNNN; references); no value has "~"
_INLINE = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S)


def _text_xml(text: str) -> str:
    from workbook.xlsxpatch import excel_text

    return escape(excel_text(text)).replace("\r", "_x000D_")


def _cell_xml(ref: str, attrs: str, value) -> str:
    if isinstance(value, ErrorCell):
        return f'<c r="{ref}"{attrs} t="e"><v>{escape(value.code)}</v></c>'
    if isinstance(value, Escaped):
        return f'<c r="{ref}"{attrs} t="inlineStr"><is><t xml:space="preserve">{_text_xml(value.text)}</t></is></c>'
    if isinstance(value, Formula):
        f = escape(value.formula)
        cached = value.cached
        if isinstance(cached, ErrorCell):
            return f'<c r="{ref}"{attrs} t="e"><f>{f}</f><v>{escape(cached.code)}</v></c>'
        if isinstance(cached, str):
            return f'<c r="{ref}"{attrs} t="str"><f>{f}</f><v>{escape(cached)}</v></c>'
        return f'<c r="{ref}"{attrs}><f>{f}</f><v>{cached!r}</v></c>'
    raise TypeError(value)


def planted_problems(spec: BookSpec) -> list[Planted]:
    """The cells the reader must report, by construction of their values."""
    out = []
    merged_away = set()
    from openpyxl.utils import range_boundaries

    for name, ref in spec.merges:
        c0, r0, c1, r1 = range_boundaries(ref)
        merged_away |= {(name, r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(name, r0, c0)}
    for sheet in FUZZED:
        for i, row in enumerate(spec.rows[sheet.name], start=2):
            for j, col in enumerate(sheet.columns, start=1):
                value = row.get(col.header)
                if (sheet.name, i, j) in merged_away or value is None:
                    continue
                why = _why_bad(col, value)
                if why:
                    out.append(Planted(sheet.name, i, col.header, why))
    for name, ref in spec.merges:
        c0, r0, _c1, _r1 = range_boundaries(ref)
        out.append(Planted(name, r0, "", "合并单元格"))
    damage = spec.structure_damage
    if damage and damage[0] == "delete":
        out = [p for p in out if p.sheet != damage[1]]  # a deleted sheet has nothing to report
    elif damage and damage[0] == "rename":  # a column without its header is not read at all
        out = [p for p in out if (p.sheet, p.column) != (damage[1], damage[2])]
    return out


def _why_bad(col: S.Column, value) -> str | None:
    if isinstance(value, ErrorCell) or (isinstance(value, Formula) and isinstance(value.cached, ErrorCell)):
        return "错误值"
    if col.kind in S.TEMPORAL:
        if isinstance(value, (dt.date, dt.datetime)) and not (
                dt.datetime(1990, 1, 1) <= dt.datetime(value.year, value.month, value.day) < dt.datetime(2100, 1, 1)):
            return "日期不合理"
        if isinstance(value, str) and value in FORMULA_TEXT + NOT_BLANK_TEXT:
            return "不是日期"
    if col.kind in S.NUMERIC:
        if isinstance(value, str) and value in FORMULA_TEXT[:4] + NOT_BLANK_TEXT:
            return "不是数字"
        if isinstance(value, bool):
            return "不是数字"
        if isinstance(value, (int, float)) and col.maximum is not None and value > col.maximum:
            return "超出范围"
        if isinstance(value, (int, float)) and col.minimum is not None and value < col.minimum:
            return "超出范围"
    if col.kind == S.CHOICE and col.choices and isinstance(value, str) and value in FORMULA_TEXT + NOT_BLANK_TEXT:
        return "不在可选值中"
    return None


def write_book(path: Path, spec: BookSpec) -> Path:
    """Write ``spec`` as an .xlsx: the builder's workbook, then the cells openpyxl cannot write."""
    special: dict[str, object] = {}

    def plain(value):
        if isinstance(value, (ErrorCell, Formula, Escaped)):
            token = _TOKEN.format(len(special))
            special[token] = value
            return token
        return value

    data = {S.STAFF_ROSTER.name: ROSTER, S.STORES.name: STORES, S.PRODUCTS.name: PRODUCTS}
    data.update({name: [{k: plain(v) for k, v in row.items()} for row in rows] for name, rows in spec.rows.items()})
    rows = {name: as_tuples(S.sheet(name), values) for name, values in data.items()}
    _damage_settings(rows, spec.settings_damage)
    with mock.patch.object(builder, "_statutory_rows", _statutory_rows):
        wb, _ = builder.build(today=TODAY, rows=rows)
    for name, ref in spec.merges:
        wb[name].merge_cells(ref)
    damage = spec.structure_damage
    if damage and damage[0] == "delete":
        del wb[damage[1]]
    elif damage and damage[0] == "rename":
        sheet = S.sheet(damage[1])
        wb[damage[1]].cell(row=1, column=sheet.headers.index(damage[2]) + 1, value=damage[2] + "（改）")
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as src:
        parts = {info.filename: src.read(info.filename) for info in src.infolist()}
    strings: list[bytes] = []
    index: dict[bytes, int] = {}

    def patch(m: re.Match) -> bytes:
        ref, attrs, text = m.group(1).decode(), m.group(2).decode(), m.group(3)
        token = text.decode()
        if token in special:
            return _cell_xml(ref, attrs, special[token]).encode()
        if not spec.shared_strings:
            return m.group()
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return f'<c r="{ref}"{attrs} t="s"><v>{index[text]}</v></c>'.encode()

    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = _INLINE.sub(patch, parts[name])
    if strings:
        _add_shared_strings(parts, strings)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, blob in parts.items():
            dst.writestr(name, blob)
    return path


def _add_shared_strings(parts: dict[str, bytes], strings: list[bytes]) -> None:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    items = b"".join(b'<si><t xml:space="preserve">' + s + b"</t></si>" for s in strings)
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{ns}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode() + items + b"</sst>")
    ct = "[Content_Types].xml"
    parts[ct] = parts[ct].replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                  b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", b'<Relationship Id="rIdFuzzSst" Type="http://schemas.'
                                      b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                      b'Target="sharedStrings.xml"/></Relationships>')


def _damage_settings(rows: dict[str, list[tuple]], damage) -> None:
    if damage is None:
        return
    kind = damage[0]
    if kind == "param":
        _name, param, value = damage
        rows[S.PARAMS.name] = [(k, value if k == param else v, note) for k, v, note in S.PARAMS_ROWS]
    elif kind == "sla":
        sheet = S.SLA_POLICY
        j = sheet.headers.index("时限")
        rows[sheet.name] = [tuple(damage[1] if i == j else v for i, v in enumerate(r)) for r in sheet.rows]
    elif kind == "roster":
        if damage[1] == "none":
            rows[S.STAFF_ROSTER.name] = []
        elif damage[1] == "no capacity":
            rows[S.STAFF_ROSTER.name] = as_tuples(S.STAFF_ROSTER, [{**r, "最大在办工单数": 0} for r in ROSTER])
        else:
            rows[S.STAFF_ROSTER.name] = as_tuples(S.STAFF_ROSTER, [{**r, "在岗状态": "休假"} for r in ROSTER])
    elif kind == "rules":
        rows[S.DISPATCH_RULES.name] = []
        rows[S.URGENCY_RULES.name] = []


# ---- reading back what matters --------------------------------------------------------------------
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)


def sheet_parts(path: Path) -> dict[str, str]:
    from workbook.xlsxpatch import Package

    pkg = Package(path)
    try:
        return {name: entry.part for name, entry in pkg.sheets.items()}
    finally:
        pkg.close()


def cells_of(path: Path) -> dict[str, dict[str, bytes]]:
    """{sheet: {ref: raw cell XML}} for every sheet."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name, part in sheet_parts(path).items():
            xml = z.read(part)
            out[name] = {(m.group(1) + m.group(2)).decode(): m.group() for m in _CELL.finditer(xml)}
    return out


def grids_of(path: Path) -> dict[str, list[list]]:
    """Every sheet as python-calamine reads it (this raises if the file is unreadable)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}
    finally:
        book.close()


@dataclass
class StaffCells:
    """What staff typed, as raw XML: cells to keep, and the columns that must stay blank."""

    cells: dict[str, dict[str, bytes]]  # sheet → ref → XML
    staff_columns: dict[str, set[str]]  # sheet → column letters owned by staff
    last_row: dict[str, int]
    shared_strings: bytes | None


def staff_cells(path: Path) -> StaffCells:
    """Every staff-owned cell: staff and unknown columns, typed fill cells, header rows, settings."""
    from openpyxl.utils import get_column_letter

    grids = grids_of(path)
    cells = cells_of(path)
    keep: dict[str, dict[str, bytes]] = {}
    columns: dict[str, set[str]] = {}
    last: dict[str, int] = {}
    for name, by_ref in cells.items():
        grid = grids.get(name) or [[]]
        header = [str(v).strip() if v not in (None, "") else "" for v in grid[0]]
        declared = S.BY_NAME.get(name)
        owner_of: dict[str, S.Column | None] = {}
        for j, text in enumerate(header):
            col = declared.by_header.get(text) if declared else None
            owner_of[get_column_letter(j + 1)] = col
        staff_letters = {letter for letter, col in owner_of.items()
                         if col is None or col.owner == S.STAFF} if declared else set()
        if declared is None or declared.group == S.OUTPUT or S.is_monthly_sheet(name):
            staff_letters = set()  # rebuilt by the program; only its header row is staff's
        columns[name] = staff_letters
        rows = [int(re.search(r"\d+", ref).group()) for ref in by_ref]
        last[name] = max(rows, default=1)
        kept = {}
        for ref, xml in by_ref.items():
            letters = re.match(r"[A-Z]+", ref).group()
            row = int(ref[len(letters):])
            col = owner_of.get(letters)
            if row == 1 or letters in staff_letters:
                kept[ref] = xml
            elif declared is not None and declared.group != S.OUTPUT and col is not None and col.owner in (S.FILL, S.ROW):
                value = _grid_value(grid, row, letters)
                typed = value not in (None, "") and not (isinstance(value, str) and not value.strip())
                if col.owner == S.FILL and typed and not _released(declared, col, grid, header, row):
                    kept[ref] = xml
                elif col.owner == S.ROW and _grid_value(grid, row, _letter_of(header, col.owner_when[0])) not in col.owner_values:
                    kept[ref] = xml
        keep[name] = kept
    with zipfile.ZipFile(path) as z:
        sst = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in z.namelist() else None
    return StaffCells(keep, columns, last, sst)


def _letter_of(header: list[str], text: str) -> str | None:
    from openpyxl.utils import get_column_letter

    return get_column_letter(header.index(text) + 1) if text in header else None


def _grid_value(grid, row: int, letters: str | None):
    from openpyxl.utils import column_index_from_string

    if letters is None or row - 1 >= len(grid):
        return None
    line = grid[row - 1]
    j = column_index_from_string(letters) - 1
    return line[j] if j < len(line) else None


def _released(sheet: S.Sheet, col: S.Column, grid, header, row: int) -> bool:
    if col.replaceable and _grid_value(grid, row, _letter_of(header, col.header)) in col.replaceable:
        return True  # 当前状态 待分配/待响应: states the program sets, which it moves on with the events
    if not col.released_by:
        return False
    return _grid_value(grid, row, _letter_of(header, col.released_by)) not in (None, "")


def overwritten_staff_cells(before: StaffCells, path: Path) -> list[str]:
    """Staff cells whose XML changed, staff cells that vanished or appeared, a changed string table."""
    after = cells_of(path)
    changed = []
    for name, cells in before.cells.items():
        now = after.get(name)
        if now is None:
            changed.append(f"{name}: sheet gone")
            continue
        for ref, xml in cells.items():
            if now.get(ref) != xml:
                changed.append(f"{name}!{ref}: {xml[:80]!r} → {now.get(ref, b'(gone)')[:80]!r}")
        for ref in now:
            letters = re.match(r"[A-Z]+", ref).group()
            if (letters in before.staff_columns.get(name, ()) and ref not in cells
                    and int(ref[len(letters):]) <= before.last_row[name]):
                changed.append(f"{name}!{ref}: a blank staff cell was written: {now[ref][:80]!r}")
    with zipfile.ZipFile(path) as z:
        sst = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in z.namelist() else None
    if sst != before.shared_strings:
        changed.append("xl/sharedStrings.xml changed")
    return changed


_TEXT_NODE = re.compile(rb"<t(?: [^>]*)?>([^<]*)</t>")
_FORMULA = re.compile(rb"<f[ >/]")


def formula_cells(path: Path) -> set[tuple[str, str]]:
    """(sheet, ref) of every cell holding a formula."""
    out = set()
    with zipfile.ZipFile(path) as z:
        for name, part in sheet_parts(path).items():
            out |= {(name, (m.group(1) + m.group(2)).decode()) for m in _CELL.finditer(z.read(part))
                    if _FORMULA.search(m.group())}
    return out


def program_formula_cells(path: Path) -> set[tuple[str, str]]:
    """(sheet, ref) of the cells where the program writes its own UDF formulas (SPEC §13): the
    columns workbook.formulas.FORMULA_COLUMNS declares (headers in row 1), holding a call to one
    of the program's UDFs. Any other formula that appears is text that became a formula."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    from workbook.formulas import FORMULA_COLUMNS, formula_texts, is_program_formula

    book = openpyxl.load_workbook(path, read_only=True)
    out = set()
    try:
        with zipfile.ZipFile(path) as z:
            for name, part in sheet_parts(path).items():
                if name not in FORMULA_COLUMNS or name not in book.sheetnames:
                    continue
                first = next(book[name].iter_rows(min_row=1, max_row=1, values_only=True), ())
                wanted = {get_column_letter(i + 1) for i, text in enumerate(first) if text in FORMULA_COLUMNS[name]}
                for letters, row, text in formula_texts(z.read(part), {}):
                    if letters.decode() in wanted and is_program_formula(text):
                        out.add((name, f"{letters.decode()}{row}"))
    finally:
        book.close()
    return out


def corruption(path: Path, formulas_before: set[tuple[str, str]]) -> list[str]:
    """What is wrong with the file as a workbook (an empty list when it is sound)."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
            if bad:
                return [f"zip member {bad} fails its CRC"]
            found = []
            for info in z.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    blob = z.read(info.filename)
                    try:
                        etree.fromstring(blob)
                    except etree.XMLSyntaxError as exc:
                        found.append(f"{info.filename}: not well-formed XML ({exc})")
                    for m in _TEXT_NODE.finditer(blob):
                        text = etree.fromstring(b"<t>" + m.group(1) + b"</t>").text or ""
                        if len(text.encode("utf-16-le")) // 2 > EXCEL_CELL_LIMIT:
                            found.append(f"{info.filename}: a text of {len(text)} characters (Excel's limit is "
                                         f"{EXCEL_CELL_LIMIT})")
        grids_of(path)
        new = formula_cells(path) - formulas_before - program_formula_cells(path)
        if new:
            found.append(f"formulas written where the input had none: {sorted(new)[:5]}")
        return found
    except BaseException as exc:  # a Rust panic in python-calamine is a BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return [f"unreadable: {type(exc).__name__}: {exc}"]


# ---- one workbook, every routine ------------------------------------------------------------------
@dataclass
class Outcome:
    """What happened to one generated workbook."""

    runs: int = 0
    refused: int = 0  # clear WorkbookErrors naming the damaged sheet
    crashes: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)
    unreported: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.crashes or self.corrupt or self.overwritten or self.unreported)

    def explain(self, spec: BookSpec) -> str:
        parts = [spec.describe()]
        for title, items in (("crashes", self.crashes), ("corrupt", self.corrupt),
                             ("overwritten staff cells", self.overwritten), ("unreported", self.unreported)):
            if items:
                parts.append(f"{title}:\n  " + "\n  ".join(items[:8]))
        return "\n".join(parts)


def run_routine(name: str, path: Path):
    from macros import refresh

    return getattr(refresh, name)(path, now=NOW)


def check_book(spec: BookSpec, folder: Path, routines=ROUTINES) -> Outcome:
    """Write ``spec``, run ``routines`` on it one after another, and check each result."""
    from workbook.errors import WorkbookError

    folder.mkdir(parents=True, exist_ok=True)
    path = write_book(folder / "fuzz.xlsx", spec)
    out = Outcome()
    before = staff_cells(path)
    formulas = formula_cells(path)
    planted = planted_problems(spec)
    damaged = spec.structure_damage[1] if spec.structure_damage else None
    for i, name in enumerate(routines):
        out.runs += 1
        try:
            result = run_routine(name, path)
        except WorkbookError as exc:
            if damaged is not None and damaged in str(exc):
                out.refused += 1
            else:
                out.crashes.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - the point is to catch anything
            out.crashes.append(f"{name}: {type(exc).__name__}: {exc}\n"
                               + "".join(traceback.format_exception(exc)[-4:]))
            continue
        except BaseException as exc:  # a Rust panic inside python-calamine
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            out.crashes.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        out.corrupt += [f"after {name}: {c}" for c in corruption(path, formulas)]
        out.overwritten += [f"after {name}: {c}" for c in overwritten_staff_cells(before, path)]
        if i == 0:
            out.unreported += [f"{name}: {p}" for p in _unreported(planted, result.problems)]
        elif name == "refresh_all":  # program cells (and released fill cells) were rewritten before it
            typed = [p for p in planted if not _rewritten_by_now(spec, p)]
            out.unreported += [f"{name}: {p}" for p in _unreported(typed, result.problems)]
    return out


def _rewritten_by_now(spec: BookSpec, p: Planted) -> bool:
    """Whether an earlier routine may legitimately have replaced the planted bad value."""
    if not p.column:
        return False
    col = S.sheet(p.sheet).column(p.column)
    if col.owner == S.PROGRAM:
        return True
    if col.owner == S.FILL and col.released_by:  # 重新分配 = 是 lets dispatch rewrite 处理人 …
        row = spec.rows[p.sheet][p.row - 2]
        return row.get(col.released_by) is not None
    return False


def _unreported(planted: list[Planted], problems) -> list[Planted]:
    found = {(p.sheet, p.row, p.column or "") for p in problems}
    merged = {(p.sheet, p.row) for p in problems if "合并单元格" in p.reason}
    missing = []
    for p in planted:
        if p.why == "合并单元格":
            if (p.sheet, p.row) not in merged:
                missing.append(p)
        elif (p.sheet, p.row, p.column) not in found:
            missing.append(p)
    return missing


def summarise(outcomes: list[Outcome]) -> Counter:
    totals = Counter(workbooks=len(outcomes))
    for o in outcomes:
        totals["routine runs"] += o.runs
        totals["refused with a clear message"] += o.refused
        totals["crashes"] += len(o.crashes)
        totals["corrupt outputs"] += len(o.corrupt)
        totals["overwritten staff cells"] += len(o.overwritten)
        totals["unreported bad cells"] += len(o.unreported)
    return totals


# ---- the tests ----------------------------------------------------------------------------------
FUZZ_SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@FUZZ_SETTINGS
@given(spec=books())
def test_every_routine_survives_generated_workbooks(spec, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    try:
        outcome = check_book(spec, folder)
        assert outcome.ok, outcome.explain(spec)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_generator_writes_what_excel_would(tmp_path):
    """The fuzzer is only as good as its files: error cells, formulas, escapes, shared strings."""
    from workbook import read_file

    intake = S.INTAKE
    row = {h: None for h in intake.headers}
    row.update({"受理时间": ErrorCell("#N/A"), "客户名称/姓名": Escaped("a\x07b\rc"), "需求类型": "维修类",
                "问题描述": Formula("\"=1+1\"", "=1+1"), "联系方式": "=1+1", "地址": LONG})
    spec = BookSpec({s.name: [] for s in FUZZED} | {intake.name: [row]}, shared_strings=True)
    path = write_book(tmp_path / "g.xlsx", spec)
    frame = read_file(path).frame(intake.name)
    assert frame.loc[2, "客户名称/姓名"] == "a\x07b\rc"
    assert frame.loc[2, "问题描述"] == "=1+1"  # the cached value, never evaluated
    assert frame.loc[2, "联系方式"] == "=1+1"
    assert frame.loc[2, "地址"] == LONG
    problems = read_file(path).problems
    assert any(p.row == 2 and p.column == "受理时间" and "错误值" in p.reason for p in problems)
    with zipfile.ZipFile(path) as z:
        assert "xl/sharedStrings.xml" in z.namelist()
        sheet1 = z.read(sheet_parts(path)[intake.name])
    assert b't="e"><v>#N/A</v>' in sheet1 and b"<f>" in sheet1 and b't="s"' in sheet1


def test_the_checks_catch_an_overwritten_staff_cell(tmp_path):
    """The staff-cell check itself can fail: change one typed cell behind the routines' back."""
    intake = S.INTAKE
    row = {h: None for h in intake.headers} | {"受理时间": dt.datetime(2026, 11, 2, 9), "客户名称/姓名": "张三",
                                              "需求类型": "维修类", "问题描述": "漏水"}
    spec = BookSpec({s.name: [] for s in FUZZED} | {intake.name: [row]}, shared_strings=False)
    path = write_book(tmp_path / "c.xlsx", spec)
    before = staff_cells(path)
    assert overwritten_staff_cells(before, path) == []
    from workbook import ChangeSet, open_workbook

    with open_workbook(path) as session:  # forge a write the ownership rules would refuse
        changes = ChangeSet()
        changes.sheet(intake.name).appends = [{"客户名称/姓名": "新客户"}]
        session.commit(changes)
    assert overwritten_staff_cells(before, path) == []  # an appended row is not an overwrite
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    part = sheet_parts(path)[intake.name]
    parts[part] = re.sub(rb'<c r="K2".*?</c>', '<c r="K2" t="inlineStr"><is><t>改了</t></is></c>'.encode(),
                         parts[part], count=1, flags=re.S)
    with zipfile.ZipFile(path, "w") as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    (changed,) = overwritten_staff_cells(before, path)
    assert changed.startswith(f"{intake.name}!K2:")  # 问题描述 of the typed row


# ---- what the fuzzer found, pinned down ------------------------------------------------------------
def _ticket(**values) -> dict:
    row = {h: None for h in S.INTAKE.headers}
    row.update({"服务工单号": "SV1", "受理时间": dt.datetime(2026, 11, 16, 9), "客户名称/姓名": "张三",
                "联系方式": "13812345678", "购买产品型号": "JS-200", "需求类型": "维修类", "问题描述": "漏水",
                "完成时间": dt.datetime(2026, 11, 17, 10), "当前状态": "已完成"})
    row.update(values)
    return row


def _book(tmp_path, *, intake=(), pauses=(), settings_damage=None, structure_damage=None) -> Path:
    rows = {s.name: [] for s in FUZZED}
    rows[S.INTAKE.name] = list(intake) or [_ticket()]
    rows[S.PAUSES.name] = list(pauses)
    spec = BookSpec(rows, settings_damage=settings_damage, structure_damage=structure_damage)
    return write_book(tmp_path / "found.xlsx", spec)


def test_a_pause_in_a_year_without_holiday_data_is_a_problem_not_a_crash(tmp_path):
    """macros/deadlines.py _paused_hours caught SlaError but not CalendarYearMissing."""
    path = _book(tmp_path, pauses=[{"工单号": "SV1", "暂停开始": dt.datetime(2026, 11, 16, 14),
                                    "暂停结束": dt.datetime(2026, 11, 17, 9), "暂停原因": "等待配件"}],
                 settings_damage=("param", "节假日数据年份", "2030"))
    result = run_routine("dispatch", path)
    assert any(p.sheet == S.PAUSES.name and "2026" in p.reason for p in result.problems)


@pytest.mark.parametrize("param, value", [
    ("月报截止日", "nan"), ("回访任务回溯天数", 1e9), ("回访任务回溯天数", "inf"),
    ("重复工单判定间隔(小时)", 1e12), ("重复工单判定间隔(小时)", "-inf"), ("备份保留份数", "inf"),
])
def test_absurd_numbers_in_the_settings_never_crash_a_routine(tmp_path, param, value):
    """Settings.number took "nan"/"inf"; callbacks and anomalies overflowed a Timedelta; int(inf) backups."""
    second = _ticket(服务工单号="SV2", 受理时间=dt.datetime(2026, 11, 16, 10))
    path = _book(tmp_path, intake=[_ticket(), second], settings_damage=("param", param, value))
    result = run_routine("refresh_all", path)
    assert result.written


def test_a_renamed_parameter_header_stops_the_run_naming_the_sheet(tmp_path):
    """workbook/reader.py Snapshot.params read the 值 column without checking its header."""
    from workbook.errors import HeaderMissing

    path = _book(tmp_path, structure_damage=("rename", S.PARAMS.name, "值"))
    with pytest.raises(HeaderMissing, match=S.PARAMS.name):
        run_routine("dispatch", path)


@pytest.mark.parametrize("value", [-1e12, -1e300])
def test_a_huge_negative_number_in_a_date_cell_is_named_not_a_rust_panic(tmp_path, value):
    """python-calamine panics (a BaseException) converting such a serial to a date."""
    from workbook.errors import WorkbookError

    path = _book(tmp_path, intake=[_ticket(受理时间=value)])
    with pytest.raises(WorkbookError) as refused:
        run_routine("dispatch", path)
    assert S.INTAKE.name in str(refused.value) and "B2" in str(refused.value)


def test_text_copied_from_a_full_cell_never_exceeds_excels_cell_limit(tmp_path):
    """A low score whose 改进建议 fills a cell: the 二次处理 ticket's 问题描述 quotes it after a prefix."""
    rows = {s.name: [] for s in FUZZED}
    rows[S.INTAKE.name] = [_ticket()]
    survey = {h: None for h in S.SURVEY.headers}
    survey.update({"工单号": "SV1", "回访时间": dt.datetime(2026, 11, 19, 10), "服务态度评分": 3, "改进建议": LONG})
    rows[S.SURVEY.name] = [survey]
    spec = BookSpec(rows)
    outcome = check_book(spec, tmp_path, routines=("callbacks",))
    assert outcome.ok, outcome.explain(spec)
    from workbook import read_file

    descriptions = read_file(tmp_path / "fuzz.xlsx").frame(S.INTAKE.name)["问题描述"]
    copied = descriptions.iloc[-1]
    assert len(copied) == EXCEL_CELL_LIMIT and copied.endswith("…") and "客户建议：长长" in copied
