"""The coming year's calendar (SPEC §12): import the State Council's notice, fill a year from a
holiday library that really has it, and remind every run from 11-01 while next year is missing.

- ``import_notice(book, text)``: parse the notice (udfs.notice, pure) and write that year's
  节假日 and 调休上班日 rows through the ordinary write path (one read, one atomic write with a
  backup). Only the program's own rows (来源 系统预置 / 国务院通知 / chinesecalendar / holidays) of
  that year are replaced; the team's rows (手工添加, 公司休息日, 公司加班日) are never touched.
  The year is added to 系统参数 节假日数据年份. Importing the same notice again changes nothing.
- ``update_calendar(book)``: the same for a year that an installed library carries officially:
  ``chinesecalendar`` (raises for years it lacks), else ``holidays`` — only for a year whose
  China data has the State Council's make-up working days; a rule-based year is an estimate and
  is refused.
- ``next_year_reminder(...)``: the one line every run prints from 11-01 while next year is
  missing from 节假日数据年份, with the one command that fixes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import metadata
from typing import Callable

import pandas as pd

from macros.settings import listed_years
from macros.steps import step
from macros.work import Work
from udfs.errors import calendar_fix
from udfs.notice import Notice, parse_notice
from workbook import schema as S

NOTICE_SOURCE = "国务院通知"
REMIND_FROM = (11, 1)  # month, day: the notices have come out between late October and early December
_COMPANY_KINDS = ("公司休息日", "公司加班日")
_YEARS_PARAM = "节假日数据年份"


@dataclass(frozen=True)
class YearDays:
    """One year's statutory days from one source, ready to be written."""

    year: int
    days_off: dict[dt.date, str]  # date → festival name
    working_days: dict[dt.date, str]
    source: str  # the 来源 value of the rows: 国务院通知 / chinesecalendar / holidays
    label: str  # for the user: "国务院办公厅 2025年11月4日通知", "chinesecalendar 1.12.0"
    lines: tuple[str, ...] = ()  # what it gives, per festival


# ---- the reminder --------------------------------------------------------------------------------
def covered_years(work: Work) -> set[int]:
    """The years 节假日数据年份 lists now (in this run), or, when it is blank, the years the tables hold."""
    params = work.view(S.PARAMS.name) if S.PARAMS.name in work.snapshot.sheets else None
    value = None
    if params is not None:
        rows = params.loc[params["参数"] == _YEARS_PARAM, "值"]
        value = rows.iloc[0] if len(rows) else None
    years = listed_years(value)
    if years:
        return years
    found: set[int] = set()
    for name in (S.HOLIDAYS.name, S.MAKEUP_DAYS.name):
        if name in work.snapshot.sheets:
            found |= {pd.Timestamp(d).year for d in work.view(name)["日期"].dropna()}
    return found


def next_year_reminder(now: dt.datetime, years: set[int], book: str | None = None) -> str | None:
    """From 11-01, while next year is not in 节假日数据年份: one line naming the fix; else None."""
    coming = now.year + 1
    if (now.month, now.day) < REMIND_FROM or coming in years:
        return None
    listed = "、".join(str(y) for y in sorted(years)) or "无"
    library = library_source(coming)
    if library is not None:
        shown = f'"{book}"' if book and " " in book else (book or "工作簿.xlsx")
        fix = f"已安装的 {library} 已收录 {coming} 年，请运行 aftersales calendar update {shown}"
    else:
        fix = calendar_fix(coming, book)
    return (f"注意：「{_YEARS_PARAM}」还没有 {coming} 年（现有：{listed}），跨入 {coming} 年的工作日/工作小时时限"
            f"会在相应行报错 — {fix}")


def reminder_for(work: Work, book: str | None = None) -> str | None:
    return next_year_reminder(work.now, covered_years(work), book)


def dashboard_banner(work: Work) -> list[dict]:
    """The KPI看板's first row while next year is missing (from 11-01): what to do, in one cell."""
    reminder = reminder_for(work)
    if reminder is None:
        return []
    row = dict.fromkeys(S.KPI_BOARD.headers)
    row.update({"类别": "提醒", "指标": f"{work.now.year + 1}年节假日未导入", "说明": reminder.removeprefix("注意：")})
    return [row]


# ---- the libraries ---------------------------------------------------------------------------------
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
        return "?"


def chinesecalendar_days(year: int) -> YearDays | None:
    """The year from chinesecalendar, or None when it does not carry it (it raises for such years)."""
    from udfs.calendar import CalendarYearMissing, statutory_days

    try:
        off, on = statutory_days(year)
    except CalendarYearMissing:
        return None
    return YearDays(year, dict(off), dict(on), "chinesecalendar", f"chinesecalendar {_version('chinesecalendar')}")


def holidays_days(year: int) -> YearDays | None:
    """The year from the holidays package, only when its China data is the official schedule.

    holidays computes any year by rule and marks such days 推定 (estimated); only years listed in
    its table of State Council make-up days (``special_public_holidays``) are official.
    """
    try:
        import holidays
        from holidays.countries.china import ChinaStaticHolidays
    except ImportError:  # pragma: no cover
        return None
    specials = ChinaStaticHolidays.special_public_holidays.get(year)
    if not specials:
        return None
    china = holidays.China(years=year, language="zh_CN")
    if any("推定" in name or "estimated" in name.lower() for name in china.values()):
        return None
    off = {day: _festival_of(name) for day, name in sorted(china.items()) if day.year == year}
    on: dict[dt.date, str] = {}
    for entry in specials if isinstance(specials[0], tuple) else (specials,):
        # (month, day, from_month, from_day[, from_year]): the day off was moved from that weekend day
        if len(entry) < 4 or not isinstance(entry[2], int):
            continue
        worked = dt.date(entry[4] if len(entry) > 4 else year, entry[2], entry[3])
        moved_to = dt.date(year, entry[0], entry[1])
        on[worked] = off.get(moved_to, "调休")
    return YearDays(year, off, on, "holidays", f"holidays {_version('holidays')}")


def _festival_of(name: str) -> str:
    for festival in ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
        if festival in name:
            return festival
    return name.split("（")[0]


def library_days(year: int) -> YearDays | None:
    """The year from the first library that carries it officially: chinesecalendar, then holidays."""
    return chinesecalendar_days(year) or holidays_days(year)


def library_source(year: int) -> str | None:
    found = library_days(year)
    return found.label if found else None


def notice_days(notice: Notice) -> YearDays:
    signed = f" {notice.signed.year}年{notice.signed.month}月{notice.signed.day}日" if notice.signed else ""
    return YearDays(notice.year, notice.days_off, notice.working_days, NOTICE_SOURCE,
                    f"国务院办公厅{signed}通知", tuple(f.summary() for f in notice.festivals))


# ---- writing a year ----------------------------------------------------------------------------------
def year_step(days: YearDays) -> Callable[[Work], None]:
    """A step that makes the program's rows of ``days.year`` exactly ``days`` and lists the year."""

    @step("节假日")
    def year(work: Work) -> None:
        lines = [f"{days.year} 年节假日安排（来源：{days.label}）："]
        lines += [f"  {line}" for line in days.lines]
        team_notes: list[str] = []
        for sheet, wanted, kind in ((S.HOLIDAYS, days.days_off, "法定节假日"), (S.MAKEUP_DAYS, days.working_days, "调休上班")):
            other = S.MAKEUP_DAYS if sheet is S.HOLIDAYS else S.HOLIDAYS
            team_notes += _replace_rows(work, sheet, other, days.year, wanted, kind, days.source)
        years = covered_years(work) | {days.year}
        _set_years(work, years)
        lines += team_notes
        lines.append(f"「{_YEARS_PARAM}」：" + ",".join(str(y) for y in sorted(years)))
        work.lines += lines

    return year


def _dates(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["日期"], errors="coerce").dt.date.where(frame["日期"].notna(), None)


def _program_rows(frame: pd.DataFrame) -> pd.Series:
    return frame["来源"].isin(S.PROGRAM_DAY_SOURCES) & ~frame["类型"].isin(_COMPANY_KINDS)


def _replace_rows(work: Work, sheet: S.Sheet, other: S.Sheet, year: int, wanted: dict[dt.date, str],
                  kind: str, source: str) -> list[str]:
    frame = work.frame(sheet.name)
    dates = _dates(frame)
    program = _program_rows(frame)
    team_dates = set(dates[~program].dropna())
    other_frame = work.view(other.name)
    other_team = set(_dates(other_frame)[~_program_rows(other_frame)].dropna())
    notes = []
    for day in sorted(set(wanted) & other_team):
        notes.append(f"注意：{day.isoformat()} 在「{other.name}」中是团队自己添加的行，与通知不一致 — 已保留，请核对")
    desired = {day: name for day, name in wanted.items() if day not in team_dates}
    for day in sorted(set(wanted) & team_dates):
        notes.append(f"{day.isoformat()} 已有团队自己添加的「{sheet.name}」行，保留不动")
    in_scope = program & dates.map(lambda d: d is not None and (d.year == year or d in wanted))
    spare: list[int] = []
    placed: set[dt.date] = set()
    for label in frame.index[in_scope]:
        day = dates[label]
        if day in desired and day not in placed:
            _fill(frame, label, day, desired[day], kind, source)
            placed.add(day)
        else:
            spare.append(label)
    remaining = [day for day in sorted(desired) if day not in placed]
    for label in spare:
        if remaining:
            day = remaining.pop(0)
            _fill(frame, label, day, desired[day], kind, source)
        else:  # a day the corrected notice no longer has: the row is emptied (tables keep their size)
            for header in ("日期", "名称", "类型", "来源"):
                frame.at[label, header] = None
    if remaining:
        labels = work.new_row_labels(sheet.name, len(remaining))
        added = pd.DataFrame(
            {"日期": [pd.Timestamp(day) for day in remaining], "名称": [desired[d] for d in remaining],
             "类型": kind, "来源": source},
            index=labels,
        )
        work.frames[sheet.name] = pd.concat([frame, added.reindex(columns=frame.columns)])
    return notes


def _fill(frame: pd.DataFrame, label: int, day: dt.date, name: str, kind: str, source: str) -> None:
    current = frame.loc[label]
    if pd.isna(current["日期"]) or pd.Timestamp(current["日期"]).date() != day:
        frame.at[label, "日期"] = pd.Timestamp(day)
    for header, value in (("名称", name), ("类型", kind), ("来源", source)):
        if current[header] != value:
            frame.at[label, header] = value


def _set_years(work: Work, years: set[int]) -> None:
    text = ",".join(str(y) for y in sorted(years))
    params = work.frame(S.PARAMS.name)
    rows = params.index[params["参数"] == _YEARS_PARAM]
    if len(rows):
        label = rows[0]
        if listed_years(params.at[label, "值"]) != years or not isinstance(params.at[label, "值"], str):
            params["值"] = params["值"].astype(object)
            params.at[label, "值"] = text
        return
    note = next(row[2] for row in S.PARAMS_ROWS if row[0] == _YEARS_PARAM)
    labels = work.new_row_labels(S.PARAMS.name, 1)
    added = pd.DataFrame({"参数": [_YEARS_PARAM], "值": [text], "说明": [note]}, index=labels)
    work.frames[S.PARAMS.name] = pd.concat([params, added.reindex(columns=params.columns)])


# ---- the routines ----------------------------------------------------------------------------------
def import_notice(source, text: str, *, year: int | None = None, now=None, force=False, progress=None):
    """导入放假通知: the notice's year into 节假日 / 调休上班日 and 节假日数据年份, in one write.

    The text is parsed before the workbook is opened: an unreadable notice (NoticeUnreadable,
    quoting the sentence) writes nothing.
    """
    from macros.refresh import run_steps

    notice = parse_notice(text, year=year)
    return run_steps(source, [year_step(notice_days(notice))], now=now, force=force, progress=progress)


def update_calendar(source, *, years: list[int] | None = None, now=None, force=False, progress=None):
    """从节假日库补充: fill this year and next (or ``years``) from a library that carries them officially.

    Years already listed in 节假日数据年份 are left alone unless asked for by ``years``. Returns
    (RunResult or None, lines about years no library has); None when there was nothing to fill.
    """
    from macros.refresh import run_steps
    from workbook import open_workbook

    now = now or dt.datetime.now()
    if years is None:
        with open_workbook(source, read_only=True, sheets=[S.PARAMS.name, S.HOLIDAYS.name, S.MAKEUP_DAYS.name]) as s:
            have = covered_years(Work(s.snapshot, now))
        years = [y for y in (now.year, now.year + 1) if y not in have]
    found, missing = [], []
    for year in years:
        days = library_days(year)
        if days is None:
            missing.append(f"{year} 年：已安装的 chinesecalendar {_version('chinesecalendar')} 与 holidays "
                           f"{_version('holidays')} 都没有正式安排（holidays 对 {year} 年只有按规则推算的日期、"
                           f"没有调休上班日，不采用）— {calendar_fix(year)}")
        else:
            found.append(days)
    if not found:
        return None, missing
    result = run_steps(source, [year_step(d) for d in found], now=now, force=force, progress=progress)
    return result, missing
