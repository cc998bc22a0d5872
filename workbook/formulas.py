"""Formula cells the program writes: the formula together with the value it computes.

A ``Formula`` is a cell value like any other in a change set: the file writer stores the formula
with its cached value (so LibreOffice, WPS, Excel without the add-in and macOS Excel show the
right value on open, without recalculating), and the live Excel writer sets the cell's formula.

``text`` is the formula as stored in the file, without the leading "=": structured references are
spelled out (``登记表[[#This Row],[受理时间]]``, not ``[@受理时间]``), which every program reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Formula:
    text: str  # e.g. 'CHECK_THRESHOLD(执行检查表[[#This Row],[判定值]],…)', no leading "="
    value: Any = None  # the cached value: str, float, datetime/date, bool or None (blank)

    def __post_init__(self) -> None:
        if self.text.startswith("="):
            raise ValueError("Formula.text is stored without the leading '='")

    @property
    def excel(self) -> str:
        """The formula as typed in Excel's formula bar (what xlwings' ``Range.formula`` takes)."""
        return "=" + self.text


__all__ = ["Formula"]
