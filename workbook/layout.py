"""Row heights for wrapped text on sheets the program rewrites (LibreOffice keeps stored heights).

Excel grows a row for wrapped text as it is typed, but a file written outside Excel keeps the
default height unless the row says otherwise, and LibreOffice opens it that way: long 说明 text
is cut off at one line. So rows of rebuilt output sheets whose long-text cells need more than
one line get an explicit height from an estimate of the wrapped lines.
"""

from __future__ import annotations

import math

from workbook import schema as S

LINE_POINTS = 16.0  # one line of 11-pt CJK text (Noto CJK renders taller than 15 pt)
MAX_LINES = 6


def rendered_width(text: str) -> float:
    """About how many width units (the digit 0) ``text`` takes in the default font.

    Measured on LibreOffice renders of the workbook: a CJK glyph takes about 1.63 units (not the
    2 that column widths assume), digits and Latin letters about 0.9, a space about 0.5.
    """
    total = 0.0
    for ch in text:
        if ord(ch) > 0x2E80:
            total += 1.63
        elif ch == " ":
            total += 0.5
        else:
            total += 0.9
    return total


def lines_needed(text, width: float) -> int:
    if text is None or not isinstance(text, str) or not text:
        return 1
    usable = max(1.0, width - 1.0)  # breaking between words wastes a little of each line
    return sum(max(1, math.ceil(rendered_width(part) / usable)) for part in text.split("\n"))


def row_height(sheet: S.Sheet, values: dict) -> float | None:
    """The height (points) a row of ``sheet`` needs for its wrapped long text, None for one line."""
    lines = 1
    for col in sheet.columns:
        if col.kind == S.LONGTEXT:
            lines = max(lines, lines_needed(values.get(col.header), col.display_width))
    return None if lines <= 1 else min(lines, MAX_LINES) * LINE_POINTS + 2


def rebuild_heights(sheet: S.Sheet, rows: list[dict]) -> dict[int, float]:
    """{row position: height} for the rows of a rebuilt sheet that need more than one line."""
    if not any(c.kind == S.LONGTEXT for c in sheet.columns):
        return {}
    out = {}
    for i, values in enumerate(rows):
        height = row_height(sheet, values)
        if height is not None:
            out[i] = height
    return out
