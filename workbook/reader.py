"""Read a workbook — a file (python-calamine) or a live Excel book (xlwings) — into a Snapshot.

A Snapshot holds one typed DataFrame per declared sheet (index = Excel row number, columns =
the schema's Chinese headers) and every problem found. Reading never changes the workbook.
"""

from __future__ import annotations

import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd
from lxml import etree

from workbook import schema as S
from workbook.errors import HeaderMissing, NotAWorkbook, SheetMissing
from workbook.formulas import FORMULA_COLUMNS, formula_texts, read_live_formulas, split_program_formulas
from workbook.frames import ExcelError, SheetData, parse_grid
from workbook.problems import ERROR, NOTICE, WARNING, Problem
from workbook.store import FileStamp


@dataclass
class Snapshot:
    """Everything a routine reads, taken once at the start of a run."""

    origin: str
    sheets: dict[str, SheetData]
    present: list[str]  # every sheet name in the workbook, declared or not, in tab order
    stamp: FileStamp | None = None
    date1904: bool = False
    extra_problems: list[Problem] = field(default_factory=list)
    user_formulas: bool = False  # formulas outside the program's columns: recalc after a write

    def __getitem__(self, name: str) -> SheetData:
        data = self.sheets.get(name)
        if data is None:
            raise SheetMissing(name)
        if data.missing_headers:
            raise HeaderMissing(name, data.missing_headers, list(data.columns))
        return data

    def __contains__(self, name: str) -> bool:
        return name in self.sheets

    def frame(self, name: str) -> pd.DataFrame:
        return self[name].frame

    def require(self, *names: str) -> None:
        """Fail early, before deciding anything, if a sheet or header the run needs is gone."""
        for name in names:
            self[name]

    @property
    def problems(self) -> list[Problem]:
        out = [p for data in self.sheets.values() for p in data.problems]
        return out + self.extra_problems

    def params(self) -> dict[str, object]:
        """The 系统参数 sheet as {参数: 值} (values as typed in the cell)."""
        if S.PARAMS.name not in self.sheets:
            return {}
        frame = self.frame(S.PARAMS.name)  # a renamed header is a HeaderMissing naming the sheet
        return {k: v for k, v in zip(frame["参数"], frame["值"]) if k is not None}


def read_file(path: str | Path, sheets: Iterable[str] | None = None, *, cache: str = "off") -> Snapshot:
    """Read the declared sheets (default: all) of the .xlsx at ``path`` into a Snapshot.

    ``cache`` (only when all sheets are read): "use" takes the typed snapshot kept beside the
    workbook when its content is byte-identical (workbook/snapshot_cache.py), "keep" also stores
    what it read there; "off" always reads the sheets.
    """
    path = Path(path)
    if not path.exists():
        raise NotAWorkbook(path, "文件不存在")
    if cache == "off" or sheets is not None:
        return _read_file(path, sheets)
    from workbook import snapshot_cache

    stamp = FileStamp.of(path)
    try:
        content = snapshot_cache.content_key(path)
    except OSError:
        return _read_file(path, sheets)
    if FileStamp.of(path) != stamp:  # changed while hashed: read it the ordinary way
        return _read_file(path, sheets)
    snapshot = snapshot_cache.load(path, content)
    if snapshot is not None:
        snapshot.origin, snapshot.stamp = str(path), stamp
        return snapshot
    snapshot = _read_file(path, sheets)
    if cache == "keep" and snapshot.stamp == stamp:
        snapshot_cache.save(path, content, snapshot)
    return snapshot


def _read_file(path: Path, sheets: Iterable[str] | None, *, columns: bool = True) -> Snapshot:
    """``columns``: parse a sheet column by column (workbook/columnar.py) where that gives what
    the cell-by-cell read gives (False: every sheet cell by cell, which the tests compare with)."""
    from python_calamine import CalamineError, CalamineWorkbook

    stamp = FileStamp.of(path)
    try:
        date1904 = _is_date1904(path)
        book = CalamineWorkbook.from_path(str(path))
    except (zipfile.BadZipFile, CalamineError, KeyError, OSError, ValueError) as exc:
        raise NotAWorkbook(path, _reason(exc)) from exc
    wanted = _wanted(sheets)
    present = list(book.sheet_names)
    out: dict[str, SheetData] = {}
    names = [n for n in present if n in wanted]
    try:
        layouts = table_layouts(path, names)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, etree.XMLSyntaxError) as exc:
        book.close()
        raise NotAWorkbook(path, _reason(exc)) from exc
    far = [n for n, t in layouts.items() if t.dimension_end > t.ref_end + TRIM_GAP]
    trimmed, dropped, small = None, {}, None
    if far:
        trimmed, dropped = _trimmed_copy(path, layouts, far)
        small = CalamineWorkbook.from_path(str(trimmed))
    # python-calamine reads error cells (#N/A …) as empty text, and neither reader says which
    # cells hold formulas; find them in the XML meanwhile (zlib releases the GIL, so the scan runs
    # beside the parse). Each sheet is typed as soon as it is read: first column by column from
    # fastexcel's Arrow arrays where that gives the same (workbook/columnar.py), else from
    # python-calamine's cells; only one sheet's raw cells are in memory at a time.
    from workbook import columnar

    fast = columnar.open_book(path) if columns else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        error_cells = pool.submit(_error_cells, path, names, present)
        try:
            for name in names:
                layout = layouts.get(name)
                if fast is not None and name not in dropped:
                    loaded = columnar.load(fast, name)
                    scan = error_cells.result().get(name)
                    data = _parse_columns(S.sheet(name), loaded, scan, layout, date1904)
                    del loaded
                    if data is not None:
                        out[name] = data
                        if scan.formulas:
                            mark_formulas(data, scan.formulas, scan.texts)
                        continue
                sheet = (small if name in dropped else book).get_sheet_by_name(name)
                try:
                    grid = sheet.to_python(skip_empty_area=False) or [[]]
                except BaseException as exc:  # python-calamine panics (a BaseException) on some dates
                    if type(exc).__name__ != "PanicException":
                        raise
                    raise NotAWorkbook(path, _unreadable(path, name)) from None
                merged = list(sheet.merged_cell_ranges or [])
                scan = error_cells.result().get(name)
                for (r, c), code in (scan.errors if scan else {}).items():
                    if r < len(grid) and c < len(grid[r]):
                        grid[r][c] = ExcelError(code)
                out[name] = _parse_table(S.sheet(name), grid, layout, dropped.get(name, []), merged, date1904)
                if scan and scan.formulas:
                    mark_formulas(out[name], scan.formulas, scan.texts)
                del grid
        except CalamineError as exc:
            raise NotAWorkbook(path, _reason(exc)) from exc
        finally:
            book.close()
            del fast
            if small is not None:
                small.close()
            if trimmed is not None:
                trimmed.unlink(missing_ok=True)
    user_formulas = error_cells.result().get(None)
    snapshot = Snapshot(str(path), out, present, stamp, date1904)
    snapshot.user_formulas = bool(user_formulas and user_formulas.formulas) or any(
        _has_user_formulas(d, error_cells.result().get(n)) for n, d in out.items())
    check_lists(snapshot)
    return snapshot


def _has_user_formulas(data: SheetData, scan) -> bool:
    """Formulas outside the program's own columns (a COUNTIF of 状态, a totals row …)."""
    if scan is None or not scan.formulas:
        return False
    program = {j for h, j in data.columns.items() if data.schema.column(h).owner == S.PROGRAM}
    rows = set(data.frame.index)
    ours = {(r - 1, data.columns[h]) for h, by_row in data.program_formulas.items() for r in by_row}
    return any((c not in program or r + 1 not in rows) and (r, c) not in ours for r, c in scan.formulas)


def _parse_table(sheet: S.Sheet, grid: list[list], layout: TableLayout | None, dropped: list[int],
                 merged, date1904: bool) -> SheetData:
    """Parse the rows Excel counts as the table's: header, body (and what continues it)."""
    if layout is None:
        return parse_grid(sheet, grid, merged=merged, date1904=date1904)
    return _table_rows(sheet, layout, dropped, len(grid), lambda i: _blank_row(grid[i]),
                       lambda end: parse_grid(sheet, grid[layout.header_row - 1:end], merged=merged,
                                              date1904=date1904, first_row=layout.header_row))


def _table_rows(sheet: S.Sheet, layout: TableLayout, dropped: list[int], rows: int, blank, parse) -> SheetData:
    """Which rows are the table's: ``rows`` is the number of rows read from row 1, ``blank(i)``
    whether the 0-based row ``i`` is empty, ``parse(end)`` parses Excel rows header..``end``."""
    head = layout.header_row
    body_end = layout.body_end
    end = min(rows, body_end)
    outside: list[int] = []
    if layout.totals == 0:
        # Rows typed below the table (LibreOffice and scripts do not grow tables) are still
        # tickets, across a few blank rows; the next write stretches the table over them.
        i = end
        while i < rows and i - end < CONTINUATION_GAP:
            if not blank(i):
                end = i + 1
            i += 1
    after = end + layout.totals if layout.totals and end == body_end else end
    for i in range(after, rows):
        if not blank(i):
            outside.append(i + 1)
    outside = sorted(set(outside) | set(dropped))
    data = parse(end)
    data.table = layout
    data.outside_rows = outside
    # Rows right below the table are read as its rows; the next write stretches the table.
    if outside:
        from workbook.frames import _ranges

        data.problems.append(Problem(
            sheet.name, outside[0], None, None,
            f"表格「{layout.name}」之外还有内容（{_ranges(outside)}）— 程序不读取这些行；"
            "如是工单，请移入表格内（紧接表格最后一行填写），否则可忽略", WARNING))
    return data


def _parse_columns(sheet: S.Sheet, loaded, scan: CellScan | None, layout: TableLayout | None,
                   date1904: bool) -> SheetData | None:
    """The sheet parsed column by column (workbook/columnar.py) where that gives what the
    cell-by-cell read gives, else None."""
    from workbook import columnar

    head = layout.header_row if layout is not None else 1
    if loaded is None or scan is None or scan.errors or scan.merged or scan.first_row != head:
        return None
    blank = columnar.eligible(sheet, loaded)
    if blank is None:
        return None
    if layout is None:
        return columnar.parse_sheet(sheet, loaded, head, None, blank, date1904)
    # 0-based row i of the sheet is arrow row i - head (the arrays start below the header row)
    return _table_rows(sheet, layout, [], head + len(blank), lambda i: bool(blank[i - head]),
                       lambda end: columnar.parse_sheet(sheet, loaded, head, end, blank, date1904))


def _blank_row(row: list) -> bool:
    from workbook.frames import is_blank

    return all(is_blank(v) for v in row)


def read_book(book, sheets: Iterable[str] | None = None) -> Snapshot:
    """Read a live workbook through xlwings: one block read per sheet, never cell by cell."""
    wanted = _wanted(sheets)
    present = [sh.name for sh in book.sheets]
    out: dict[str, SheetData] = {}
    for name in present:
        if name not in wanted:
            continue
        grid = book.sheets[name].used_range.options(ndim=2).value or [[]]
        out[name] = parse_grid(S.sheet(name), [list(r) for r in grid])
        read_live_formulas(book.sheets[name], out[name])
    snapshot = Snapshot(getattr(book, "name", "Excel"), out, present)
    check_lists(snapshot)
    return snapshot


def _wanted(sheets: Iterable[str] | None) -> set[str]:
    if sheets is None:
        return set(S.BY_NAME)
    wanted = set(sheets)
    unknown = wanted - set(S.BY_NAME)
    if unknown:
        raise KeyError(f"undeclared sheets requested: {sorted(unknown)}")
    return wanted


def _reason(exc: BaseException) -> str:
    """Why a file could not be opened as a workbook, in words for the person who has to fix it
    (the library's own English message stays on the exception chain for developers)."""
    import errno

    if isinstance(exc, zipfile.BadZipFile):
        detail = "不是完整的 .xlsx 文件，可能在复制或保存时中断"
    elif isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES:
        detail = "没有读取该文件的权限"
    elif isinstance(exc, OSError):
        detail = "系统无法读取该文件"
    elif isinstance(exc, KeyError):
        detail = "工作簿缺少必需的组成部分"
    else:
        detail = "工作簿内部内容无法解析"
    return f"文件损坏或格式不对（{detail}）— 请用 Excel 打开确认，或从「备份」文件夹恢复"


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*(?:/>|>.*?</f>))?<v>([^<]*)</v>',
                         re.S)
_CELL_OPEN = re.compile(rb'<c r="[A-Z]+(\d+)"[^>]*?(/?)>')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f\b')


EXCEL_MAX_ROWS = 1_048_576
TRIM_GAP = 10_000  # rows past the table's end before a stray cell is read from a trimmed copy
CONTINUATION_GAP = 20  # blank rows below a table after which content is no longer its rows


@dataclass
class TableLayout:
    """A sheet's Excel table as the file defines it: header, body and totals rows."""

    name: str
    part: str
    header_row: int
    first_col: int
    last_col: int
    ref_end: int  # last row of the table's ref (the totals row if it has one)
    totals: int  # totalsRowCount
    calculated: dict[int, str] = field(default_factory=dict)  # 0-based column → formula
    dimension_end: int = 0  # last row of the sheet's <dimension>, 0 if absent

    @property
    def body_end(self) -> int:
        return self.ref_end - self.totals


def table_layouts(path: Path, names: list[str]) -> dict[str, TableLayout]:
    """{sheet: TableLayout} for declared sheets holding their schema's table (or one table)."""
    from workbook.xlsxpatch import Package, col_index, NS_MAIN

    out: dict[str, TableLayout] = {}
    pkg = Package(path)
    try:
        for name in names:
            entry = pkg.sheets.get(name)
            if entry is None:
                continue
            tables = []
            for part in pkg.tables_of(entry.part):
                try:
                    tables.append((part, etree.fromstring(pkg.read(part))))
                except (KeyError, etree.XMLSyntaxError):
                    continue
            wanted = S.sheet(name).table
            chosen = [t for t in tables if t[1].get("name") == wanted or t[1].get("displayName") == wanted]
            if not chosen and len(tables) == 1:
                chosen = tables
            if not chosen:
                continue
            part, root = chosen[0]
            m = re.match(r"([A-Z]+)(\d+):([A-Z]+)(\d+)$", root.get("ref", ""))
            if not m or root.get("headerRowCount", "1") == "0":
                continue
            first_col = col_index(m.group(1))
            calculated = {}
            for i, tc in enumerate(root.iter(f"{{{NS_MAIN}}}tableColumn")):
                f = tc.find(f"{{{NS_MAIN}}}calculatedColumnFormula")
                if f is not None and f.text and f.get("array") not in ("1", "true"):
                    calculated[first_col + i] = f.text
            with pkg.zip.open(entry.part) as fh:
                head = fh.read(8192)
            dm = re.search(rb'<dimension ref="[A-Z]*\d*:?[A-Z]+(\d+)"', head)
            out[name] = TableLayout(
                root.get("name") or wanted, part, int(m.group(2)), first_col, col_index(m.group(3)),
                int(m.group(4)), int(root.get("totalsRowCount", "0") or 0), calculated,
                int(dm.group(1)) if dm else 0)
    finally:
        pkg.close()
    return out


def _trimmed_copy(path: Path, layouts: dict[str, TableLayout], far: list[str]) -> tuple[Path, dict]:
    """A temporary copy of ``path`` whose sheets in ``far`` end where their table's rows end.

    A stray note in row 1,048,576 makes python-calamine build a grid of a million rows (14 s,
    2 GB for one note); the copy drops the rows that cannot be the table's (after its totals row,
    or past a gap of ``CONTINUATION_GAP`` rows), and returns the numbers of those holding values
    so they are reported as outside the table.
    """
    import tempfile

    from workbook.xlsxpatch import Package, rewrite_zip

    dropped: dict[str, list[int]] = {}
    pkg = Package(path)
    try:
        parts = {pkg.sheets[n].part: n for n in far}
    finally:
        pkg.close()

    def trimmer(name: str):
        layout = layouts[name]

        def run(src, dst):
            keep_to = layout.ref_end
            buffer = b""
            out_rows = dropped.setdefault(name, [])
            while True:
                chunk = src.read(1 << 22)
                buffer += chunk
                end = buffer.find(b"</sheetData>")
                cut = end if end >= 0 else buffer.rfind(b"</row>") + 6 if b"</row>" in buffer else 0
                pos = 0
                for m in _ROW_OPEN.finditer(buffer, 0, cut):
                    number = int(m.group(1))
                    stop = buffer.find(b"</row>", m.end())
                    close = m.end() if buffer[m.end() - 2:m.end()] == b"/>" else stop + 6
                    row = buffer[m.start():close]
                    has_values = b"<v" in row or b"<is>" in row
                    if number <= keep_to or (has_values and layout.totals == 0
                                             and number <= keep_to + CONTINUATION_GAP):
                        if has_values:
                            keep_to = max(keep_to, number)
                        dst.write(buffer[pos:close])
                    else:
                        dst.write(buffer[pos:m.start()])
                        if has_values:
                            out_rows.append(number)
                    pos = close
                dst.write(buffer[pos:cut])
                buffer = buffer[cut:]
                if end >= 0 or not chunk:
                    dst.write(buffer)
                    while True:
                        more = src.read(1 << 22)
                        if not more:
                            return
                        dst.write(more)
        return run

    fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix="aftersales-read-")
    os.close(fd)
    rewrite_zip(path, tmp, {}, {}, set(), {part: trimmer(name) for part, name in parts.items()})
    return Path(tmp), dropped


_ROW_OPEN = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?/?>')


@dataclass
class CellScan:
    """What python-calamine does not tell: error cells and which cells hold formulas."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) → "#N/A"
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row0, col0)
    # On sheets that may hold program formulas (workbook.formulas.FORMULA_COLUMNS): each formula's text.
    texts: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: bool = False  # the sheet has merged ranges (python-calamine lists them)
    first_row: int | None = None  # Excel row of the first cell holding a value


def _error_cells(path: Path, names: list[str], present: list[str] = ()) -> dict:
    """{sheet: CellScan} for cells stored as error values or holding formulas (streamed scan).

    Under the key None: whether any sheet the schema does not declare holds a formula.
    """
    from workbook.xlsxpatch import Package, col_index

    out: dict = {}
    pkg = Package(path)
    try:
        others = CellScan()
        for name in present:
            entry = pkg.sheets.get(name)
            if name in S.BY_NAME or entry is None:
                continue
            with pkg.zip.open(entry.part) as part:
                tail = b""
                while not others.formulas:
                    chunk = part.read(1 << 20)
                    if not chunk:
                        break
                    if _FORMULA_CELL.search(tail + chunk):
                        others.formulas.add((0, 0))
                    tail = chunk[-256:]
            if others.formulas:
                break
        out[None] = others
        for name in names:
            entry = pkg.sheets.get(name)
            if entry is None:
                continue
            found = CellScan()
            shared: dict = {}
            tail = b""
            with pkg.zip.open(entry.part) as part:
                while True:
                    chunk = part.read(1 << 22)
                    if not chunk:
                        break
                    window = tail + chunk
                    if found.first_row is None:
                        for m in _CELL_OPEN.finditer(window):
                            if not m.group(2):
                                found.first_row = int(m.group(1))
                                break
                    if b"<mergeCell " in window:
                        found.merged = True
                    if b't="e"' in window:
                        for c, r, v in _ERROR_CELL.findall(window):
                            found.errors[(int(r) - 1, col_index(c))] = v.decode()
                    if b"<f" in window and name in FORMULA_COLUMNS:
                        for c, r, text in formula_texts(window, shared):
                            found.formulas.add((r - 1, col_index(c)))
                            found.texts[(r - 1, col_index(c))] = text
                    elif b"<f" in window:
                        for c, r in _FORMULA_CELL.findall(window):
                            found.formulas.add((int(r) - 1, col_index(c)))
                    tail = window[-8192:]  # a cell cut by the chunk boundary is found next time
            out[name] = found
    finally:
        pkg.close()
    return out


def mark_formulas(data: SheetData, cells: set[tuple[int, int]],
                  texts: dict[tuple[int, int], str] | None = None) -> None:
    """Record formula cells per column; in columns staff may type in they count as typed.

    A formula staff put in a fill column (``IF(ISNUMBER(SEARCH("投诉",K2)),"紧急","")``) is
    theirs whatever it shows — even "" — so the program must not fill the cell. The program's own
    formulas (``texts`` says which, in the columns of FORMULA_COLUMNS) are kept apart, in
    ``data.program_formulas``: the program rewrites those.
    """
    texts = texts or {}
    ours = split_program_formulas(data, texts)
    by_col: dict[int, list[int]] = {}
    for r, c in cells:
        if (r, c) not in ours:
            by_col.setdefault(c, []).append(r + 1)
    index = data.frame.index
    for header, j in data.columns.items():
        rows = by_col.get(j)
        if not rows:
            continue
        rows_in = index.intersection(rows)
        if rows_in.empty:
            continue
        data.formulas[header] = frozenset(rows_in.tolist())
        if header in data.nonblank:
            data.nonblank[header] = data.nonblank[header].copy()
            data.nonblank[header].loc[rows_in] = True


_HUGE_NEGATIVE = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>(?:<f[^>]*(?:/>|>.*?</f>))?<v>(-\d[\d.]*[eE]?\+?\d*)</v>', re.S)


def _unreadable(path: Path, name: str) -> str:
    """Why python-calamine could not read sheet ``name``: date cells holding huge negative numbers."""
    from workbook.xlsxpatch import Package

    pkg = Package(path)
    try:
        xml = pkg.read(pkg.sheets[name].part)
    finally:
        pkg.close()
    cells = [f"{ref.decode()}（{float(v):g}）" for ref, v in _HUGE_NEGATIVE.findall(xml) if float(v) < -1e10]
    where = "、".join(cells[:5]) if cells else "某个日期格式的单元格"
    return f"工作表「{name}」{where} 的数字超出 Excel 日期范围 — 请改正该单元格后再运行"


def _is_date1904(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/workbook.xml")[:4096]
    return re.search(rb'date1904="(1|true)"', xml) is not None


def check_lists(snapshot: Snapshot) -> None:
    """Warn about dropdown values that are not on the settings sheet the dropdown comes from."""
    allowed: dict[str, set[str]] = {}
    for name, (sheet_name, header) in S.LIST_NAMES.items():
        data = snapshot.sheets.get(sheet_name)
        if data is not None and header in data.frame:
            allowed[name] = {str(v) for v in data.frame[header].dropna()}
    for data in snapshot.sheets.values():
        for col in data.schema.columns:
            if col.choices_name not in allowed or col.header not in data.frame:
                continue
            ok = allowed[col.choices_name]
            if not ok:
                continue
            values = data.frame[col.header]
            stray = values[values.notna() & ~values.isin(ok)]
            source = S.LIST_NAMES[col.choices_name][0]
            fix = S.LIST_REQUIRED.get((data.name, col.header))
            for row, value in stray.items():
                data.problems.append(Problem(data.name, int(row), col.header, value,
                                             f"不在「{source}」表中 — {fix or '请先在该表登记'}",
                                             ERROR if fix else WARNING))
