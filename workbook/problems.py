"""Problems found in the data: one per bad cell or row, in Chinese, naming the place."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "错误"  # the row is skipped by routines that need the value
WARNING = "警告"  # the value is suspicious; the row is still used
NOTICE = "提示"  # informational (blank rows skipped, merged cells)


@dataclass(frozen=True)
class Problem:
    """A bad value: sheet, Excel row, column header, the value as found, and why it is bad."""

    sheet: str
    row: int | None
    column: str | None
    value: object
    reason: str
    level: str = ERROR
    ticket: str | None = None

    def __str__(self) -> str:
        place = self.sheet
        if self.row is not None:
            place += f" 第{self.row}行"
        if self.column:
            place += f" {self.column}"
        shown = show_value(self.value)
        value = f" {shown}" if shown else ""
        return f"{place}：{value} {self.reason}".replace("： ", "：", 1)


def show_value(value: object, limit: int = 60) -> str:
    """A short, quoted, single-line rendering of a cell value for messages."""
    if value is None or value == "":
        return ""
    text = str(value)
    text = "".join(ch if ch.isprintable() else "\\x%02x" % ord(ch) if ord(ch) < 256 else ch
                   for ch in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{text}”"
