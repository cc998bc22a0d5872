"""Read the State Council's yearly holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).

``parse_notice(text)`` turns the notice text, as published or pasted from a web page, into the
days off (放假, 补休) and make-up working days (上班) of each festival. Pure: no I/O, no clock.

What it reads, in full-width or half-width punctuation, simplified or traditional characters:
- one section per festival, "一、元旦：…" (or "——元旦：…", "元旦：…"), festivals may be combined
  ("六、国庆节、中秋节：…");
- ranges within a month ("1月1日至3日"), across months ("5月31日（周六）至6月2日（周一）") and
  from the previous year ("2022年12月31日至2023年1月2日"), with 至, 到 or a dash;
- single days ("1月1日（周三）放假1天，不调休", "6月10日放假，与周末连休", "4月5日放假，
  4月6日（星期一）补休") and lists ("9月28日（周日）、10月11日（周六）上班").

Only dates the notice gives as 放假/补休 (days off) or 上班 (working days) count; other dates
("安排职工在除夕（2月9日）休息", the preamble's "自2025年1月1日起", the signature date) are
not holidays. Checks that make a misread loud rather than silent: a weekday note (周六 /
星期六 / （农历除夕、周二）) must match its date, "共N天" / "放假N天" must match the days
counted, every festival section must give at least one day off, no day may be both off and
working, and a sentence that mentions 放假 or 上班 must not leave a date unassigned. Any failure
raises NoticeUnreadable quoting the sentence — never a partial calendar.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from udfs.errors import NoticeUnreadable

__all__ = ["Festival", "Notice", "NoticeUnreadable", "parse_notice"]

# Traditional forms seen in copies of the notices (news sites in big5) → simplified.
_SIMPLIFIED = str.maketrans({
    "節": "节", "國": "国", "慶": "庆", "勞": "劳", "動": "动", "調": "调", "與": "与", "連": "连",
    "關": "关", "於": "于", "辦": "办", "廳": "厅", "務": "务", "農": "农", "曆": "历", "歷": "历",
    "週": "周", "補": "补", "現": "现", "將": "将", "擬": "拟", "間": "间", "個": "个", "兩": "两",
    "後": "后", "遇": "遇", "單": "单", "時": "时",
})

# Festival names as sections name them, with their short forms.
_FESTIVALS = {
    "元旦": "元旦", "春节": "春节", "清明节": "清明节", "清明": "清明节", "劳动节": "劳动节",
    "五一": "劳动节", "端午节": "端午节", "端午": "端午节", "中秋节": "中秋节", "中秋": "中秋节",
    "国庆节": "国庆节", "国庆": "国庆节",
}
_FESTIVAL = "|".join(sorted(_FESTIVALS, key=len, reverse=True))
_NUMBERING = r"(?:[一二三四五六七八九十]+\s*[、.．]|\d{1,2}\s*[、.．]|——|—|-)"
_NAMES = rf"(?:{_FESTIVAL})(?:\s*[、和与及]\s*(?:{_FESTIVAL}))*"
# "一、元旦：…", "——元旦：…", "元旦：…", and a numbered section whose colon was lost ("三、清明节4月4日…").
_HEADER = re.compile(
    rf"{_NUMBERING}?\s*(?:\d{{4}}年)?(?P<names>{_NAMES})\s*:|(?<![^\s。;；]){_NUMBERING}\s*(?P<bare>{_NAMES})(?=\d)"
)
_TITLE_YEAR = (
    re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日"),
    re.compile(r"现将\s*(\d{4})\s*年"),
    re.compile(r"(\d{4})\s*年\s*(?:部分)?节假日(?:放假)?安排"),
)
_SIGNED = re.compile(r"国务院办公厅\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$")
_TOKEN = re.compile(
    r"(?P<date>(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日)"
    r"|(?P<note>\([^()]*\))"
    r"|(?P<to>至|到|[-—–~～]+(?=\d))"
    r"|(?P<sep>[、和及与]|调休(?=上班)|照常(?=上班)|正常(?=上班)|均(?=放假|上班))"
    r"|(?P<off>放假|补休)"
    r"|(?P<on>上班|补班)"
)
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NOTE = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_COUNT = re.compile(r"(?:共|放假)(\d+|[一二三四五六七八九十]+)天")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_WEEKDAY_NAMES = "一二三四五六日"


@dataclass(frozen=True)
class Festival:
    """One section of the notice: its name as written, its days off and its make-up working days."""

    name: str
    days_off: tuple[date, ...]
    working_days: tuple[date, ...]
    text: str  # the section as read (normalised), for messages

    def summary(self) -> str:
        """'春节：放假 2月15日至2月23日（9天），调休上班 2月14日、2月28日' — what the import says."""
        parts = [f"放假 {_spans(self.days_off)}（{len(self.days_off)}天）"]
        if self.working_days:
            parts.append("调休上班 " + "、".join(_day(d) for d in self.working_days))
        else:
            parts.append("无调休上班")
        return f"{self.name}：" + "，".join(parts)


@dataclass(frozen=True)
class Notice:
    """A parsed notice: its year, when it was signed (if the text says), and its festivals."""

    year: int
    festivals: tuple[Festival, ...]
    signed: date | None = None
    ignored: tuple[str, ...] = field(default=())  # sentences with dates that are neither 放假 nor 上班

    @property
    def days_off(self) -> dict[date, str]:
        return {d: f.name for f in self.festivals for d in f.days_off}

    @property
    def working_days(self) -> dict[date, str]:
        return {d: f.name for f in self.festivals for d in f.working_days}

    def is_working_day(self, day: date, weekend: str = "0000011") -> bool:
        """The official answer for ``day``: make-up days work, days off do not, else the weekly pattern."""
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        return weekend[day.weekday()] == "0"


def normalise(text: str) -> str:
    """Half-width digits and punctuation, simplified characters, no line breaks or spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_SIMPLIFIED)
    text = text.replace("\r", "\n")
    # Line breaks inside a sentence (text copied from a PDF or a narrow page) are not boundaries;
    # sections are found by their headers, sentences by 。 and ；.
    text = re.sub(r"[ \t\u00a0\u200b\ufeff]+", "", text)
    return text


def parse_notice(text: str, *, year: int | None = None) -> Notice:
    """Parse the text of a 国务院办公厅关于YYYY年部分节假日安排的通知 into its festivals' days.

    ``year`` is the notice's year when the text does not say (a pasted body without its title).
    Raises NoticeUnreadable, quoting the sentence, for anything it cannot read with certainty.
    """
    if not isinstance(text, str) or not text.strip():
        raise NoticeUnreadable("", "通知内容为空 — 请粘贴或选择「国务院办公厅关于…年部分节假日安排的通知」全文")
    lines = [line for line in normalise(text).split("\n") if line]
    flat = _SIGNED.sub("", "".join(lines))  # the signature's date is not a holiday
    headers = list(_HEADER.finditer(flat))
    if not headers:
        raise NoticeUnreadable(
            _excerpt(flat), "没有找到「一、元旦：…」「二、春节：…」这样的放假安排 — 请粘贴通知全文（含各节日一段）"
        )
    notice_year = year or _notice_year(flat)
    festivals: list[Festival] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for i, header in enumerate(headers):
        body_end = headers[i + 1].start() if i + 1 < len(headers) else len(flat)
        body = flat[header.end():body_end]
        name = _festival_name(header.group("names") or header.group("bare"))
        for part in name.split("、"):
            if part in seen:
                raise NoticeUnreadable(header.group(0), f"「{part}」在通知中出现了两次 — 请只粘贴一份通知")
            seen[part] = name
        festival, skipped = _read_section(name, body, notice_year)
        festivals.append(festival)
        ignored += skipped
    _check_whole(festivals, notice_year)
    signed = _signed(lines)
    return Notice(year=notice_year, festivals=tuple(festivals), signed=signed, ignored=tuple(ignored))


# ---- the pieces -----------------------------------------------------------------------------------
def _notice_year(flat: str) -> int:
    for pattern in _TITLE_YEAR:
        match = pattern.search(flat)
        if match:
            return int(match.group(1))
    first = _HEADER.search(flat)
    if first:
        years = [int(y) for y in re.findall(r"(\d{4})年", flat[first.start():first.start() + 200])]
        if years:
            return max(years)
    raise NoticeUnreadable(
        _excerpt(flat), "看不出这是哪一年的通知 — 请连同标题「国务院办公厅关于YYYY年部分节假日安排的通知」一起粘贴"
    )


def _festival_name(names: str) -> str:
    parts = re.split(r"\s*[、和与及]\s*", names)
    return "、".join(_FESTIVALS[p] for p in parts)


def _signed(lines: list[str]) -> date | None:
    for line in reversed(lines[-4:]):
        match = _SIGNED.search(line) or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", line)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


def _sentences(body: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。;；])", body) if s.strip("。;；")]


def _read_section(name: str, body: str, notice_year: int) -> tuple[Festival, list[str]]:
    days_off: list[date] = []
    working: list[date] = []
    ignored: list[str] = []
    unsure: list[tuple[str, list[date]]] = []
    for sentence in _sentences(body):
        # In the 元旦 section a December date without a year is the previous year's (2023: 12月31日).
        off, on, loose, has_keyword = _read_sentence(sentence, notice_year, name.startswith("元旦"))
        if loose and has_keyword:
            # Older notices restate the days ("其中，1月1日为法定节假日，…，1月4日上班"): fine when
            # the section gives each of them as 放假 or 上班 somewhere; else the sentence is unclear.
            unsure.append((sentence, loose))
        elif loose and not off and not on:
            ignored.append(sentence)
        _check_count(sentence, off, name)
        days_off += off
        working += on
    for sentence, loose in unsure:
        unknown = [d for d in loose if d not in days_off and d not in working]
        if unknown:
            shown = "、".join(_day(d) for d in unknown)
            raise NoticeUnreadable(
                sentence, f"{name}：读不懂「{sentence}」— {shown} 既不是放假也不是上班日期，无法确定；请核对通知原文"
            )
    if not days_off:
        raise NoticeUnreadable(body, f"{name}：没有读到放假日期「{_excerpt(body)}」— 请核对通知原文")
    clash = sorted(set(days_off) & set(working))
    if clash:
        raise NoticeUnreadable(body, f"{name}：{_day(clash[0])} 既是放假又是上班「{_excerpt(body)}」")
    festival = Festival(name, tuple(sorted(set(days_off))), tuple(sorted(set(working))), body)
    return festival, ignored


def _read_sentence(sentence: str, notice_year: int, december_before: bool = False):
    """Dates given as days off, as working days, and dates given as neither (loose)."""
    off: list[date] = []
    on: list[date] = []
    loose: list[date] = []
    pending: list[date] = []
    has_keyword = False
    context = {"year": None, "month": None, "december_before": december_before}
    last_date: date | None = None
    range_start: date | None = None
    expecting_end = False

    def flush_loose() -> None:
        nonlocal range_start, expecting_end
        loose.extend(pending)
        pending.clear()
        range_start, expecting_end = None, False

    previous = None
    for kind, match, inner in _tokens(sentence):
        kind_before, previous = previous, kind
        if kind == "other":
            if pending:
                flush_loose()
            last_date = None
            continue
        if kind == "date":
            day = _date_of(match, context, notice_year, sentence, after=range_start if expecting_end else None)
            if expecting_end and range_start is not None:
                if day < range_start or (day - range_start).days > 40:
                    raise NoticeUnreadable(sentence, f"「{sentence}」中的日期范围 {_day(range_start)} 至 {_day(day)} 不成立")
                pending.extend(range_start + timedelta(days=k) for k in range(1, (day - range_start).days + 1))
                range_start, expecting_end = None, False
            else:
                pending.append(day)
            last_date = day
            continue
        if kind == "note":
            if last_date is not None:
                _check_weekday(last_date, match.group(0), sentence)
                continue
            if inner:  # a note with a date of its own, e.g. 除夕（2月9日）
                for sub_kind, sub_match, _ in inner:
                    if sub_kind == "date":
                        day = _date_of(sub_match, context, notice_year, sentence)
                        pending.append(day)
                        last_date = day
                continue
            continue
        last_date = None if kind != "sep" else last_date
        if kind == "to":
            if not pending or kind_before not in ("date", "note"):  # "公休日调至…" is not a range
                previous = "other"
                if pending:
                    flush_loose()
                continue
            range_start, expecting_end = pending[-1], True
            last_date = None
        elif kind == "sep":
            last_date = None
        elif kind in ("off", "on"):
            has_keyword = True
            if expecting_end:
                raise NoticeUnreadable(sentence, f"「{sentence}」中「至」后面没有日期")
            (off if kind == "off" else on).extend(pending)
            pending.clear()
    if expecting_end:
        raise NoticeUnreadable(sentence, f"「{sentence}」中「至」后面没有日期")
    loose.extend(pending)
    return off, on, loose, has_keyword


def _tokens(text: str):
    """(kind, match, inner tokens of a note) in order; text between tokens is one "other" token."""
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            yield "other", None, None
        kind = match.lastgroup if match.lastgroup in ("date", "note", "to", "sep", "off", "on") else None
        if kind is None:  # a named sub-group (y/m/d) was last: it is a date
            kind = "date"
        inner = None
        if kind == "note":
            inner = [t for t in _tokens(match.group(0)[1:-1]) if t[0] == "date"] or None
        yield kind, match, inner
        position = match.end()
    if position < len(text):
        yield "other", None, None


def _date_of(match: re.Match, context: dict, notice_year: int, sentence: str, after: date | None = None) -> date:
    year_text, month_text, day_text = match.group("y"), match.group("m"), match.group("d")
    if year_text:
        context["year"] = int(year_text)
    if month_text:
        context["month"] = int(month_text)
    if context["month"] is None:
        raise NoticeUnreadable(sentence, f"「{sentence}」中的「{match.group(0)}」没有月份")
    month = context["month"]
    if context["year"] is not None:
        year = context["year"]
    else:
        year = notice_year - 1 if month == 12 and context["december_before"] else notice_year
    day_number = int(day_text)
    if after is not None and not year_text:
        # A range end inherits the start's year; "12月31日至1月2日" crosses into the next year.
        year = after.year
        if month < after.month:
            year += 1
        if not month_text and day_number < after.day:
            month = after.month % 12 + 1
            year = after.year + (1 if after.month == 12 else 0)
        context["year"], context["month"] = year, month
    try:
        return date(year, month, day_number)
    except ValueError:
        raise NoticeUnreadable(sentence, f"「{sentence}」中的 {year}年{month}月{day_number}日 不是有效日期") from None


def _check_weekday(day: date, note: str, sentence: str) -> None:
    match = _WEEKDAY_NOTE.search(note)
    if match is None:
        return
    said = _WEEKDAYS[match.group(1)]
    if said != day.weekday():
        raise NoticeUnreadable(
            sentence,
            f"「{sentence}」中 {_day(day)} 标注为周{_WEEKDAY_NAMES[said]}，但 {day.year}年{_day(day)} 是"
            f"周{_WEEKDAY_NAMES[day.weekday()]} — 请核对通知的年份和日期",
        )


def _check_count(sentence: str, off: list[date], name: str) -> None:
    match = _COUNT.search(sentence)
    if match is None or not off:
        return
    raw = match.group(1)
    said = int(raw) if raw.isdigit() else _chinese_number(raw)
    if said is not None and said != len(set(off)):
        raise NoticeUnreadable(
            sentence, f"{name}：「{sentence}」写的是共{said}天，但读到的放假日期有 {len(set(off))} 天 — 请核对通知原文"
        )


def _chinese_number(text: str) -> int | None:
    if text in _CN_DIGITS:
        return _CN_DIGITS[text]
    if text.startswith("十") and len(text) == 2 and text[1] in _CN_DIGITS:
        return 10 + _CN_DIGITS[text[1]]
    return None


def _check_whole(festivals: list[Festival], notice_year: int) -> None:
    first, last = date(notice_year - 1, 12, 1), date(notice_year, 12, 31)
    off: dict[date, str] = {}
    on: dict[date, str] = {}
    for festival in festivals:
        for day in festival.days_off + festival.working_days:
            if not first <= day <= last:
                raise NoticeUnreadable(
                    festival.text, f"{festival.name}：{day.isoformat()} 不在 {notice_year} 年的通知范围内 — 请核对年份"
                )
        for day in festival.days_off:
            if day in off:
                raise NoticeUnreadable(festival.text, f"{day.isoformat()} 同时出现在「{off[day]}」和「{festival.name}」中")
            off[day] = festival.name
        for day in festival.working_days:
            on[day] = festival.name
    clash = sorted(set(off) & set(on))
    if clash:
        raise NoticeUnreadable(
            clash[0].isoformat(), f"{clash[0].isoformat()} 在「{off[clash[0]]}」放假、在「{on[clash[0]]}」上班 — 请核对通知原文"
        )


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _spans(days: tuple[date, ...]) -> str:
    """Consecutive days as ranges: '2月15日至2月23日', '1月1日'."""
    runs: list[list[date]] = []
    for day in days:
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    out = []
    for run in runs:
        first = f"{run[0].year}年{_day(run[0])}" if run[0].year != days[-1].year else _day(run[0])
        out.append(first if len(run) == 1 else f"{first}至{_day(run[-1])}")
    return "、".join(out)


def _excerpt(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
