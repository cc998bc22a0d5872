"""Shared plumbing of the Excel face: cell-shaped arguments, error cells, the calendar arguments.

Excel (through xlwings with ``ndim=2``) passes a single cell as [[v]] and a range as a list of
rows; plain Python callers pass a scalar or a (nested) list. Element-wise arguments are broadcast
against each other like NumPy arrays, and the result takes their shape: one cell in, one value
out; a column in, a column out.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import numpy as np

from udfs.calendar import BusinessCalendar
from udfs.errors import CalendarError, UdfError, show
from udfs.values import flatten, round_to_second

ERROR_PREFIX = "#错误: "


def cell_error(error: BaseException) -> str:
    """The cell text for an error: the Chinese message for our errors, a short note for a bug."""
    if isinstance(error, UdfError):
        return f"{ERROR_PREFIX}{error}"
    return f"{ERROR_PREFIX}计算失败（{type(error).__name__}: {error}）— 请把本单元格的输入发给维护人员"


# Argument names as the function wizard's users know them.
_ARGUMENT_LABELS = {
    "start": "开始时间", "amount": "数量", "unit": "单位", "end": "结束时间",
    "due": "截止时间", "done": "完成时间", "now": "当前时间", "warning": "预警比例",
}


class ShapeMismatch(UdfError):
    """Element-wise range arguments whose sizes cannot be matched cell by cell."""

    def __init__(self, shapes: dict[str, tuple[int, ...]]) -> None:
        listed = "，".join(
            f"{_ARGUMENT_LABELS.get(name, name)} {'×'.join(map(str, shape)) or '1'}"
            for name, shape in shapes.items()
        )
        super().__init__(
            shapes, f"区域大小不一致（{listed}）— 每个参数须为单个值，或与其他区域同样大小"
        )


@dataclass(frozen=True)
class Cells:
    """Element-wise arguments broadcast to one shape, flattened for the vectorised functions."""

    shape: tuple[int, ...]
    columns: dict[str, np.ndarray]  # name -> flat object array of len(size)
    single: bool  # every argument was one cell: answer with a plain value

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    def shaped(self, values: list[Any]) -> Any:
        """Give ``values`` (flat) the arguments' shape: a scalar, a list or a list of rows."""
        if self.single:
            return values[0]
        return np.array(values, dtype=object).reshape(self.shape).tolist()

    def filled(self, value: Any) -> Any:
        return self.shaped([value] * self.size)


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, (list, tuple)):
        return np.array(value, dtype=object)
    array = np.empty((), dtype=object)
    array[()] = value
    return array


def cells(**arguments: Any) -> Cells:
    """Broadcast element-wise arguments (scalars, lists, lists of rows). Raises ShapeMismatch."""
    arrays = {name: _as_array(value) for name, value in arguments.items()}
    try:
        broadcast = np.broadcast_arrays(*arrays.values())
    except ValueError:
        raise ShapeMismatch({name: array.shape for name, array in arrays.items()}) from None
    shape = broadcast[0].shape
    single = all(array.size == 1 and array.ndim in (0, 2) for array in arrays.values())
    columns = {name: np.ascontiguousarray(array).reshape(-1) for name, array in zip(arrays, broadcast)}
    return Cells(shape=shape, columns=columns, single=single)


def excel_calendar(holidays: Any, workdays: Any, hours: Any, weekend: Any, years: Any = None) -> BusinessCalendar:
    """The calendar the cell asks for: statutory when no holidays/workdays are given, else exactly those.

    Given ranges cover the years ``years`` lists (节假日数据年份: "2026,2027", 2026, or a range of
    years), or else the years in which they list any date: a deadline in another year is an
    error, never a guess from the weekly pattern (2026-12-31 + 1 工作日 is not 2027-01-01 when the
    list stops at 2026). Ranges that list no date at all mean "no holidays", with no year check.
    """
    if holidays is None and workdays is None:
        return BusinessCalendar.chinese_statutory(hours=hours, weekend=weekend)
    calendar = BusinessCalendar.from_values(holidays, workdays, hours, weekend)
    covered = _years(years)
    if covered is None:
        listed = calendar.holidays | calendar.workdays
        covered = frozenset(day.year for day in listed) if listed else None
    if covered is None:
        return calendar
    return dataclasses.replace(calendar, covered_years=covered)


def _years(value: Any) -> frozenset[int] | None:
    """节假日数据年份 as a cell gives it: "2026,2027" / "2026，2027" / 2026.0 / a range of those."""
    found: set[int] = set()
    for item in flatten(value) if isinstance(value, (list, tuple)) else [value]:
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        if isinstance(item, (int, float)) and not isinstance(item, bool) and float(item).is_integer():
            found.add(int(item))
            continue
        parts = [p for p in re.split(r"[,，;；、\s]+", str(item)) if p]
        if not all(p.isdigit() and len(p) == 4 for p in parts):
            raise CalendarError(item, f"节假日数据年份「{show(item)}」无效 — 请写成 2026,2027")
        found |= {int(p) for p in parts}
    return frozenset(found) if found else None


def excel_now() -> datetime:
    """The current time: only the Excel face reads the clock, and only when ``now`` is omitted."""
    return round_to_second(datetime.now())


def to_cell(value: Any) -> Any:
    """A NumPy result element as a value xlwings writes: datetime, float, str or None (blank)."""
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[s]").item()
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return value


def compute_cells(
    arguments: dict[str, Any], compute: Callable[[Cells], tuple[np.ndarray, dict[int, UdfError]]]
) -> Any:
    """Run a vectorised computation over cell arguments; errors become "#错误:" cells, never exceptions."""
    try:
        grid = cells(**arguments)
    except ShapeMismatch as error:
        return cell_error(error)
    try:
        values, errors = compute(grid)
    except Exception as error:  # noqa: BLE001 - a cell must show a message, never a traceback
        return grid.filled(cell_error(error))
    return grid.shaped(
        [cell_error(errors[i]) if i in errors else to_cell(value) for i, value in enumerate(values)]
    )


def cellwise(grid: Cells, decide: Callable[..., Any]) -> tuple[np.ndarray, dict[int, UdfError]]:
    """Apply ``decide`` to each cell's arguments; a UdfError spoils only its own cell."""
    values = np.empty(grid.size, dtype=object)
    errors: dict[int, UdfError] = {}
    for i in range(grid.size):
        try:
            values[i] = decide(**{name: column[i] for name, column in grid.columns.items()})
        except UdfError as error:
            errors[i] = error
    return values, errors


def each(arguments: dict[str, Any], decide: Callable[..., Any]) -> Any:
    """Broadcast cell arguments and apply ``decide`` cell by cell; errors become "#错误:" cells."""
    return compute_cells(arguments, lambda grid: cellwise(grid, decide))


__all__ = [
    "ERROR_PREFIX",
    "Cells",
    "ShapeMismatch",
    "cell_error",
    "cells",
    "cellwise",
    "compute_cells",
    "each",
    "excel_calendar",
    "excel_now",
    "show",
    "to_cell",
]
