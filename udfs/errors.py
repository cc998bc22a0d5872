"""Named errors of the udfs calculations; each carries the bad value and a Chinese message.

The pure layer raises these; the Excel face turns them into "#错误: <message>" cell values and
the routines into "row 14: <message>" problem lines. ``str(error)`` is the user-facing message
(Chinese, naming the value, the problem and the fix); ``error.value`` is the offending input.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

UNIT_CHOICES = "分钟/小时/工作小时/工作日/自然日/月"


def show(value: Any) -> str:
    """Render a value the way a user typed or sees it, for use inside 「」 quotes."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class UdfError(ValueError):
    """Bad input to a udfs calculation; ``value`` is what was wrong, ``str()`` the message."""

    def __init__(self, value: Any, message: str) -> None:
        super().__init__(message)
        self.value = value


class CalendarError(UdfError):
    """A business calendar cannot be built or cannot answer (bad hours, weekend, dates, data)."""


def calendar_fix(year: int, book: str | None = None) -> str:
    """The one way to add a missing year, said the same everywhere (row errors, run warnings, cells)."""
    shown = f'"{book}"' if book and any(ch.isspace() for ch in book) else (book or "工作簿.xlsx")
    return (f"国务院放假通知发布后运行 aftersales calendar import {shown} 通知.txt"
            f"（Excel 中点「售后服务」→「导入放假通知」），把 {year} 年的节假日导入工作簿")


class CalendarYearMissing(CalendarError):
    """The statutory holiday data has no entry for this year; guessing would be wrong."""

    def __init__(self, year: int) -> None:
        super().__init__(year, f"{year}年法定节假日数据缺失（「节假日数据年份」不含 {year}）— {calendar_fix(year)}")
        self.year = year


class NoticeUnreadable(CalendarError):
    """Holiday notice text that cannot be read with certainty; ``value`` is the sentence."""

    def __init__(self, sentence: str, message: str) -> None:
        super().__init__(sentence, f"放假通知无法读取：{message}（未导入任何日期）")


class InvalidHours(CalendarError):
    """Working hours text that is not a list of HH:MM-HH:MM intervals."""

    def __init__(self, text: Any, reason: str) -> None:
        super().__init__(
            text,
            f"工作时间「{show(text)}」无效：{reason} — 请写成 09:00-18:00 或 09:00-12:00,13:00-18:00",
        )


class InvalidWeekend(CalendarError):
    """A weekend argument that is not Excel's 7-character string (or weekend number)."""

    def __init__(self, text: Any) -> None:
        super().__init__(
            text,
            f"周末参数「{show(text)}」无效 — 请用 7 位 0/1 字符串，周一在前，1 表示休息日，"
            f"例如 0000011（周六、周日休息），且至少有一天上班",
        )


class InvalidDate(CalendarError):
    """A value in a date cell that is not a date (text, a boolean, an impossible serial)."""

    def __init__(self, value: Any, what: str = "日期") -> None:
        super().__init__(
            value, f"{what}「{show(value)}」不是日期 — 请输入日期时间，例如 2025-06-09 10:00"
        )
        self.what = what


class ConflictingDays(CalendarError):
    """The same date is listed as a holiday and as a make-up working day."""

    def __init__(self, days: list[date]) -> None:
        listed = "、".join(d.isoformat() for d in sorted(days)[:5])
        more = f" 等 {len(days)} 天" if len(days) > 5 else ""
        super().__init__(
            days,
            f"日期 {listed}{more} 同时出现在节假日和调休上班日中 — 请从其中一张表删除",
        )


class SlaError(UdfError):
    """A deadline or status cannot be computed from these inputs."""


class UnknownUnit(SlaError):
    """A time unit that is none of 分钟/小时/工作小时/工作日/自然日/月 (or their aliases)."""

    def __init__(self, unit: Any) -> None:
        blank = unit is None or (isinstance(unit, float) and unit != unit) or not str(unit).strip()
        if blank:
            message = f"单位为空 — 可用 {UNIT_CHOICES}"
        else:
            message = f"单位「{show(unit)}」无效 — 可用 {UNIT_CHOICES}"
        super().__init__(unit, message)


class InvalidAmount(SlaError):
    """A time amount that is blank, not a number, negative, fractional where whole, or huge."""

    def __init__(self, amount: Any, reason: str) -> None:
        super().__init__(amount, f"时限数量「{show(amount)}」无效：{reason}")


class InvalidWarning(SlaError):
    """A warning fraction outside 0..1."""

    def __init__(self, warning: Any) -> None:
        super().__init__(
            warning,
            f"预警比例「{show(warning)}」无效 — 须在 0 到 1 之间，例如 0.8（即 80%）",
        )


class MissingNow(SlaError):
    """The current time is needed (an open ticket or an open pause) but was not given."""

    def __init__(self, what: str) -> None:
        super().__init__(None, f"缺少当前时间 now — {what}需要它，请传入当前时间")


class InvalidPause(SlaError):
    """A pause interval that ends before it starts or has no start."""

    def __init__(self, pause: Any, reason: str) -> None:
        start, end = pause if isinstance(pause, tuple) and len(pause) == 2 else (pause, None)
        shown = f"{show(start) if start is not None else '（空）'} ~ {show(end) if end is not None else '（未结束）'}"
        super().__init__(pause, f"暂停区间「{shown}」无效：{reason} — 请检查暂停记录")


class BatchError(SlaError):
    """Some elements of a vectorised calculation failed; the others were computed.

    ``errors`` maps the 0-based position of each failed element to its error; ``partial`` is the
    full result with a blank (NaT / None / NaN) at those positions. A routine catches this to
    report "row N: message" for each failed row and still writes the rest of the column.
    """

    def __init__(self, errors: dict[int, UdfError], partial: Any) -> None:
        first_position = min(errors)
        super().__init__(
            errors,
            f"{len(errors)} 项计算失败；第一项（位置 {first_position}）：{errors[first_position]}",
        )
        self.errors = errors
        self.partial = partial
