"""The state of one routine run: what was read, what the steps decided, and the problems found.

A run reads the workbook once into a Snapshot, passes a ``Work`` through its steps (each a pure
function of the snapshot, the earlier steps' results and ``now``), and writes once: the ChangeSet
is the difference between the working frames and what was read (rows a step added to a frame
are appended), plus rebuilt output sheets and report sheets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from workbook import ChangeSet, Problem, ReportSheet, Snapshot, diff
from workbook import schema as S
from workbook.changes import changed_mask
from workbook.formulas import appended_formulas, apply_formulas, changed_calculated
from workbook.layout import rebuild_heights


@dataclass
class Work:
    snapshot: Snapshot
    now: dt.datetime
    problems: list[Problem] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what each step did, for the user
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    rebuilds: dict[str, list[dict]] = field(default_factory=dict)
    rebuild_looks: dict[str, dict] = field(default_factory=dict)
    reports: dict[str, ReportSheet] = field(default_factory=dict)
    results: dict[str, object] = field(default_factory=dict)  # e.g. the KPI dict, for --json
    progress: Callable[[str], None] = lambda _text: None
    # Program formulas a step decided on: sheet → header → {row: formula text}. A header present
    # (even with no rows) means the step decided that column: program formulas it did not ask
    # for there go back to values (workbook.formulas.apply_formulas).
    formulas: dict[str, dict[str, dict[int, str | None]]] = field(default_factory=dict)
    calculated: dict[str, dict[str, str | None]] = field(default_factory=dict)  # sheet → header → formula
    memo: dict[str, object] = field(default_factory=dict)  # what one step computed for a later one
    udfs: bool = True  # False: a live book in Excel without the add-in's UDFs (macOS): no formulas
    _settings: object = None

    def frame(self, name: str) -> pd.DataFrame:
        """The working copy of a sheet's frame; steps change it in place."""
        if name not in self.frames:
            self.frames[name] = self.snapshot.frame(name).copy()
        return self.frames[name]

    def view(self, name: str) -> pd.DataFrame:
        """The sheet as it stands now in this run (working copy if a step changed it), read-only."""
        return self.frames[name] if name in self.frames else self.snapshot.frame(name)

    @property
    def settings(self):
        if self._settings is None:
            from macros.settings import Settings

            self._settings = Settings.from_snapshot(self.snapshot, self.problems)
        return self._settings

    def decide_formulas(self, name: str, header: str, by_row: dict[int, str | None]) -> None:
        """The formula (file spelling, no "=") each row's ``header`` cell should hold; other rows
        of that column hold values (None: the step's own value, written even over a cell that
        looks typed over — workbook.formulas.typed_over)."""
        self.formulas.setdefault(name, {})[header] = dict(by_row)

    def formulas_wanted(self) -> bool:
        """Whether program formulas may be written at all: not in Excel without UDFs (macOS), not
        when 系统参数 公式单元格 is 不使用 — unless 时限计算方式 is 公式 (choosing it brings them back)."""
        if not self.udfs:
            return False
        params = self.settings.params
        off = str(params.get(S.FORMULA_CELLS) or "").strip() == S.FORMULAS_OFF
        return not off or str(params.get(S.DEADLINE_MODE) or "").strip() == S.DEADLINE_FORMULAS

    def decide_calculated(self, name: str, header: str, formula: str | None) -> None:
        """The table's calculated-column formula for ``header`` (None: none), which Excel copies
        into every row typed below the table."""
        self.calculated.setdefault(name, {})[header] = formula

    def new_row_labels(self, name: str, count: int) -> list[int]:
        """Index labels for rows a step adds to a working frame: the Excel rows they will take."""
        frame = self.frame(name)
        first = max([self.snapshot[name].last_row, *frame.index]) + 1
        return list(range(first, first + count))

    def rebuild(self, name: str, rows: list[dict], looks: dict | None = None) -> None:
        """Replace an output sheet's rows (skipped at write time when nothing changed).

        ``looks``: {(row position, header): Look} for cells that need their own format (a
        percentage in a column of numbers). Staff columns and columns people added stay with
        their row (``workbook.carry``); what cannot is named in ``lines``.
        """
        data = self.snapshot.sheets.get(name)
        if data is not None and not data.missing_headers:
            from workbook.carry import carry_rows

            carried = carry_rows(data, rows)  # people's notes stay with their ticket
            rows = carried.rows
            self.lines.extend(carried.removed)
        self.rebuilds[name] = rows
        self.rebuild_looks[name] = looks or {}

    def changes(self) -> ChangeSet:
        out = ChangeSet()
        for name, frame in self.frames.items():
            data = self.snapshot[name]
            known = frame.index.isin(data.frame.index)
            sc = diff(data, frame[known])
            wanted = self.formulas.get(name, {})
            apply_formulas(sc, data, frame[known], wanted)
            if not known.all():  # rows a step added (new_row_labels): appended after the last row
                sc.appends = [{k: v for k, v in row.items() if not _blank(v)}
                              for row in sheet_rows(data.schema, frame[~known])]
                appended_formulas(sc.appends, frame.index[~known], wanted)
            sc.calculated = changed_calculated(data, self.calculated.get(name, {}))
            if not sc.is_empty:
                out.sheets[name] = sc
        for name, rows in self.rebuilds.items():
            data = self.snapshot.sheets.get(name)
            if data is not None and not data.relayout and _same_rows(self.snapshot.frame(name), rows):
                continue
            out.sheet(name).rebuild = rows
            out.sheet(name).looks = self.rebuild_looks.get(name, {})
            out.sheet(name).heights = rebuild_heights(S.sheet(name), rows)
        for name, report in self.reports.items():
            out.reports[name] = report
        return out.prune()


def _same_rows(current: pd.DataFrame, rows: list[dict]) -> bool:
    """Whether an output sheet already holds exactly ``rows`` (then it is not rewritten)."""
    if len(current) != len(rows):
        return False
    if not rows:
        return True
    new = pd.DataFrame(rows, columns=list(current.columns), index=current.index)
    for header in current.columns:
        old_col = current[header]
        new_col = new[header]
        if pd.api.types.is_datetime64_any_dtype(old_col):
            new_col = pd.to_datetime(new_col, errors="coerce")
        elif pd.api.types.is_float_dtype(old_col):
            new_col = pd.to_numeric(new_col, errors="coerce")
        if changed_mask(old_col, new_col).any():
            return False
    return True


def _blank(value) -> bool:
    from workbook.changes import python_value

    return python_value(value) is None


def sheet_rows(sheet: S.Sheet, frame: pd.DataFrame) -> list[dict]:
    """Frame rows as header → value dicts in the sheet's column order (for rebuilds/appends)."""
    cols = [h for h in sheet.headers if h in frame.columns]
    return [dict(zip(cols, values)) for values in frame[cols].itertuples(index=False, name=None)]
