"""Read a workbook — a file (python-calamine) or a live Excel book (xlwings) — into a Snapshot.

A Snapshot holds one typed DataFrame per declared sheet (index = Excel row number, columns =
the schema's Chinese headers) and every problem found. Reading never changes the workbook.
"""

from __future__ import annotations

import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from workbook import schema as S
from workbook.errors import HeaderMissing, NotAWorkbook, SheetMissing
from workbook.frames import ExcelError, SheetData, parse_grid
from workbook.problems import WARNING, Problem
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


def read_file(path: str | Path, sheets: Iterable[str] | None = None) -> Snapshot:
    """Read the declared sheets (default: all) of the .xlsx at ``path`` into a Snapshot."""
    from python_calamine import CalamineError, CalamineWorkbook

    path = Path(path)
    if not path.exists():
        raise NotAWorkbook(path, "文件不存在")
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
    # python-calamine reads error cells (#N/A …) as empty text; find them in the XML meanwhile
    # (zlib releases the GIL, so the scan runs beside the calamine parse). Each grid is parsed
    # as soon as it is read, so only one sheet's raw cells are in memory at a time.
    with ThreadPoolExecutor(max_workers=1) as pool:
        error_cells = pool.submit(_error_cells, path, names)
        try:
            for name in names:
                sheet = book.get_sheet_by_name(name)
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
                out[name] = parse_grid(S.sheet(name), grid, merged=merged, date1904=date1904)
                if scan and scan.formulas:
                    mark_formulas(out[name], scan.formulas)
                del grid
        except CalamineError as exc:
            raise NotAWorkbook(path, _reason(exc)) from exc
        finally:
            book.close()
    snapshot = Snapshot(str(path), out, present, stamp, date1904)
    check_lists(snapshot)
    return snapshot


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
    text = str(exc) or exc.__class__.__name__
    return f"文件损坏或格式不对（{text[:120]}）— 请用 Excel 打开确认，或从「备份」文件夹恢复"


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*(?:/>|>.*?</f>))?<v>([^<]*)</v>',
                         re.S)
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f\b')


@dataclass
class CellScan:
    """What python-calamine does not tell: error cells and which cells hold formulas."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) → "#N/A"
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row0, col0)


def _error_cells(path: Path, names: list[str]) -> dict[str, CellScan]:
    """{sheet: CellScan} for cells stored as error values or holding formulas (streamed scan)."""
    from workbook.xlsxpatch import Package, col_index

    out: dict[str, CellScan] = {}
    pkg = Package(path)
    try:
        for name in names:
            entry = pkg.sheets.get(name)
            if entry is None:
                continue
            found = CellScan()
            tail = b""
            with pkg.zip.open(entry.part) as part:
                while True:
                    chunk = part.read(1 << 22)
                    if not chunk:
                        break
                    window = tail + chunk
                    if b't="e"' in window:
                        for c, r, v in _ERROR_CELL.findall(window):
                            found.errors[(int(r) - 1, col_index(c))] = v.decode()
                    if b"<f" in window:
                        for c, r in _FORMULA_CELL.findall(window):
                            found.formulas.add((int(r) - 1, col_index(c)))
                    tail = window[-4096:]  # a cell cut by the chunk boundary is found next time
            if found.errors or found.formulas:
                out[name] = found
    finally:
        pkg.close()
    return out


def mark_formulas(data: SheetData, cells: set[tuple[int, int]]) -> None:
    """Record formula cells per column; in columns staff may type in they count as typed.

    A formula staff put in a fill column (``IF(ISNUMBER(SEARCH("投诉",K2)),"紧急","")``) is
    theirs whatever it shows — even "" — so the program must not fill the cell.
    """
    by_col: dict[int, list[int]] = {}
    for r, c in cells:
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
            for row, value in stray.items():
                data.problems.append(Problem(data.name, int(row), col.header, value,
                                             f"不在「{source}」表中 — 请先在该表登记", WARNING))
