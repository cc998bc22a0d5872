"""Problems found in the data: one per bad cell or row, in Chinese, naming the place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbook import masking

ERROR = "错误"  # the row is skipped by routines that need the value
WARNING = "警告"  # the value is suspicious; the row is still used
NOTICE = "提示"  # informational (blank rows skipped, merged cells)


@dataclass(frozen=True)
class Problem:
    """A bad value: sheet, Excel row, column header, the value as found, and why it is bad.

    ``value`` keeps the cell as found (the 数据问题 sheet shows it, so staff can find the cell);
    ``str(problem)`` — what the CLI prints and logs see — masks personal data (``masked_value``).
    """

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
        shown = show_value(masked_value(self.sheet, self.column, self.value))
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


# ---- personal data in messages ----------------------------------------------------------------
# Messages leave the workbook (terminal, scheduled-job logs, e-mailed output), so a customer's
# phone, name or address never appears in them whole: a personal column's value is masked by its
# kind, and a phone, ID-card number, e-mail or street address inside any other value (a phone typed
# into a date column, a row pasted one column off, a description quoting a number) is masked where
# it stands. A name outside a personal column cannot be told from other text and is shown.
def masked_value(sheet: str, column: str | None, value: object) -> object:
    """``value`` as a message may show it: personal columns masked (138****5678, 张**)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)  # a phone typed as a number
    text = str(value)
    from workbook import schema as S

    declared = S.BY_NAME.get(sheet)
    col = declared.by_header.get(column) if declared is not None and column else None
    if col is not None and col.personal and text.strip():
        return masking.mask_cell(column, text) if column in masking.PERSONAL_COLUMNS else text.strip()[:1] + "**"
    if isinstance(value, (int, str)):
        masked = masking.mask_text(text)
        return masked if masked != text else value
    return value
