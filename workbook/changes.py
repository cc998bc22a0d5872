"""Change sets: what a routine decided to write, reduced to the cells that actually change.

Routines work on copies of the typed frames and hand back the new frames; ``diff`` keeps only
cells whose value differs *and* that the program may write (docs/architecture.md, "Column
ownership"). ``check_ownership`` enforces the same rules once more right before writing, so a
staff-typed cell cannot be overwritten even by a buggy routine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbook import schema as S
from workbook.errors import OwnershipViolation
from workbook.styles import Look


@dataclass
class SheetChanges:
    """Changes to one declared sheet."""

    name: str
    cells: dict[str, dict[int, object]] = field(default_factory=dict)  # header → {row: value}
    appends: list[dict[str, object]] = field(default_factory=list)  # new rows after the last
    rebuild: list[dict[str, object]] | None = None  # output sheets: the whole body, rewritten
    looks: dict[tuple[int, str], Look] = field(default_factory=dict)  # rebuild (row i, header) → look
    heights: dict[int, float] = field(default_factory=dict)  # rebuild row i → height in points
    # The table's calculated-column formulas to set (text, no "=") or remove (None), by header.
    calculated: dict[str, str | None] = field(default_factory=dict)

    @property
    def cell_count(self) -> int:
        return sum(len(v) for v in self.cells.values())

    @property
    def is_empty(self) -> bool:
        return not self.cells and not self.appends and self.rebuild is None and not self.calculated


@dataclass
class ReportSheet:
    """A sheet laid out freely by the program (the monthly summary): owned outright."""

    name: str
    cells: dict[tuple[int, int], tuple[object, Look | None]]  # (row, col) 1-based → value, look
    widths: list[float] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    after: str | None = None  # put the new tab after this sheet

    def grid(self) -> list[list]:
        rows = max((r for r, _ in self.cells), default=0)
        cols = max((c for _, c in self.cells), default=0)
        out = [[None] * cols for _ in range(rows)]
        for (r, c), (value, _look) in self.cells.items():
            out[r - 1][c - 1] = value
        return out


@dataclass
class ChangeSet:
    sheets: dict[str, SheetChanges] = field(default_factory=dict)
    reports: dict[str, ReportSheet] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetChanges:
        if name not in self.sheets:
            self.sheets[name] = SheetChanges(name)
        return self.sheets[name]

    @property
    def is_empty(self) -> bool:
        return all(s.is_empty for s in self.sheets.values()) and not self.reports

    def prune(self) -> "ChangeSet":
        self.sheets = {k: v for k, v in self.sheets.items() if not v.is_empty}
        return self

    def summary(self) -> list[str]:
        """One Chinese line per sheet: what will be (or was) written."""
        lines = []
        for name, sc in self.sheets.items():
            bits = []
            if sc.cell_count:
                bits.append(f"更新 {sc.cell_count} 个单元格")
            if sc.appends:
                bits.append(f"新增 {len(sc.appends)} 行")
            if sc.rebuild is not None:
                bits.append(f"重写 {len(sc.rebuild)} 行")
            if bits:
                lines.append(f"{name}：" + "，".join(bits))
        for name in self.reports:
            lines.append(f"{name}：生成")
        return lines


# ---- comparing values -----------------------------------------------------------------------
def _missing(values: pd.Series) -> np.ndarray:
    return values.isna().to_numpy()


def changed_mask(old: pd.Series, new: pd.Series) -> np.ndarray:
    """Element-wise 'the value differs', treating None/NaN/NaT alike and ignoring float noise."""
    old = old.reindex(new.index)
    o_na, n_na = _missing(old), _missing(new)
    both = ~o_na & ~n_na
    differs = o_na != n_na
    if not both.any():
        return differs
    if pd.api.types.is_datetime64_any_dtype(new) or pd.api.types.is_datetime64_any_dtype(old):
        o = pd.to_datetime(old[both], errors="coerce").dt.round("s").to_numpy()
        n = pd.to_datetime(new[both], errors="coerce").dt.round("s").to_numpy()
        differs[both] = o != n
    elif pd.api.types.is_numeric_dtype(new) and pd.api.types.is_numeric_dtype(old):
        o = old[both].to_numpy(dtype=float)
        n = new[both].to_numpy(dtype=float)
        differs[both] = ~np.isclose(o, n, rtol=1e-9, atol=1e-9)
    else:
        # Element-wise Python equality in a C loop: str == str, 1 == 1.0, Timestamp == datetime.
        o = old[both].to_numpy(dtype=object)
        n = new[both].to_numpy(dtype=object)
        differs[both] = np.asarray(o != n, dtype=bool)
    return differs


def column_values(values: pd.Series) -> list:
    """A column's values as plain Python values for writing (NaN/NaT → None), in bulk."""
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.astype(object).tolist()
        return [None if v is pd.NaT else v for v in out]
    if pd.api.types.is_float_dtype(values):
        return [None if v != v else v for v in values.tolist()]
    return [python_value(v) for v in values.tolist()]


def python_value(value):
    """A plain Python value for writing: Timestamp → datetime, NaN/NaT → None, numpy → builtin."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def diff(data, new: pd.DataFrame) -> SheetChanges:
    """The writes that turn ``data`` (a SheetData) into ``new`` (same index), ownership applied.

    Raises OwnershipViolation when ``new`` changes a staff column: a routine must never do that.
    """
    sheet: S.Sheet = data.schema
    out = SheetChanges(sheet.name)
    old_frame = data.frame
    for header in new.columns:
        col = sheet.column(header)
        if header not in old_frame:
            continue
        mask = changed_mask(old_frame[header], new[header])
        if col.owner == S.STAFF:
            if mask.any():
                rows = new.index[mask][:5].tolist()
                raise OwnershipViolation(f"{sheet.name}: staff column {header!r} changed on rows {rows}")
            continue
        if col.owner == S.FILL:
            writable = ~data.nonblank[header].reindex(new.index, fill_value=False).to_numpy()
            if col.released_by:
                writable |= data.nonblank[col.released_by].reindex(new.index, fill_value=False).to_numpy()
            if col.replaceable:
                writable |= old_frame[header].reindex(new.index).isin(col.replaceable).to_numpy()
            mask &= writable & ~_missing(new[header])
        elif col.owner == S.REQUEST:
            present = data.nonblank[header].reindex(new.index, fill_value=False).to_numpy()
            mask &= present & _missing(new[header])
        elif col.owner == S.ROW:
            cond_col = col.owner_when[0]
            mask &= old_frame[cond_col].reindex(new.index).isin(col.owner_values).to_numpy()
        if col.owner != S.PROGRAM and header in data.formulas:
            # A formula is staff's whatever it shows (even ""): never filled, cleared or replaced.
            mask &= ~new.index.isin(list(data.formulas[header]))
        if mask.any():
            values = new[header][mask]
            out.cells[header] = dict(zip(values.index.tolist(), column_values(values)))
    return out


def check_ownership(changes: ChangeSet, snapshot) -> None:
    """Refuse any write the column owners do not allow (the last line of defence)."""
    for name, sc in changes.sheets.items():
        sheet = S.sheet(name)
        if sc.rebuild is not None and sheet.group != S.OUTPUT:
            raise OwnershipViolation(f"{name}: only output sheets may be rebuilt")
        if not sc.cells:
            continue
        data = snapshot[name]
        for header, by_row in sc.cells.items():
            col = sheet.column(header)
            rows = list(by_row)
            if col.owner != S.PROGRAM and header in data.formulas:
                held = [r for r in rows if r in data.formulas[header]]
                if held:
                    raise OwnershipViolation(f"{name}: {header!r} holds staff formulas on rows {held[:5]}")
            if col.owner == S.STAFF:
                raise OwnershipViolation(f"{name}: write to staff column {header!r} rows {rows[:5]}")
            if col.owner == S.FILL:
                released = data.nonblank.get(col.released_by) if col.released_by else None
                taken = [r for r in rows if bool(data.nonblank[header].get(r, False))
                         and not (released is not None and bool(released.get(r, False)))
                         and not (col.replaceable and data.frame[header].get(r) in col.replaceable)]
                if taken:
                    raise OwnershipViolation(f"{name}: {header!r} already filled on rows {taken[:5]}")
            if col.owner == S.REQUEST:
                bad = [r for r, v in by_row.items() if v is not None]
                if bad:
                    raise OwnershipViolation(f"{name}: request column {header!r} may only be cleared")
            if col.owner == S.ROW:
                cond = data.frame[col.owner_when[0]]
                bad = [r for r in rows if cond.get(r) not in col.owner_values]
                if bad:
                    raise OwnershipViolation(f"{name}: {header!r} is staff-owned on rows {bad[:5]}")
