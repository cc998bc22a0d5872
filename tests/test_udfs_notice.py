"""The holiday notice parser: official notices 2015–2026 give exactly the official calendar.

Expected values come from two independent places: the notices' own wording (read by hand, in the
tables below) and the ``chinesecalendar`` package (maintained separately from the notices' text),
which must agree with the parsed calendar on every date of every year — except the days that
later, separate notices changed (tests/notices/SOURCES.md lists them and their documents).
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from udfs.errors import NoticeUnreadable
from udfs.notice import parse_notice

NOTICES = Path(__file__).parent / "notices"
YEARS = [2009, *range(2015, 2027)]
D = date

# Days changed after the yearly notice by a separate notice (SOURCES.md): date → working?
LATER_NOTICES = {
    D(2015, 9, 3): False, D(2015, 9, 4): False, D(2015, 9, 6): True,  # 抗战胜利70周年纪念日
    D(2019, 4, 28): True, D(2019, 5, 2): False, D(2019, 5, 3): False, D(2019, 5, 5): True,  # 调整劳动节
    D(2020, 1, 31): False, D(2020, 2, 1): False,  # 延长春节假期 (to 02-02, a Sunday anyway)
}


def notice_text(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def days_of(year: int):
    day = D(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def official_working(day: date, notices: list) -> bool:
    """Working day per the notices: a notice's make-up day works, its day off does not, else Mon–Fri."""
    for notice in notices:
        if day in notice.working_days:
            return True
        if day in notice.days_off:
            return False
    return day.weekday() < 5


@pytest.mark.parametrize("year", YEARS)
def test_every_date_of_the_year_agrees_with_chinesecalendar(year):
    # A year's last days can belong to the next year's notice (2019's 元旦 began 2018-12-30).
    notices = [parse_notice(notice_text(year))]
    if year + 1 in YEARS:
        notices.append(parse_notice(notice_text(year + 1)))
    disagreements = {
        day: official_working(day, notices)
        for day in days_of(year)
        if official_working(day, notices) != chinese_calendar.is_workday(day)
    }
    expected = {day: working for day, working in LATER_NOTICES.items() if day.year == year}
    # The notice said otherwise on exactly the days a later notice changed.
    assert disagreements == {day: not working for day, working in expected.items()}


@pytest.mark.parametrize("year", YEARS)
def test_the_notice_year_and_signature_are_read(year):
    notice = parse_notice(notice_text(year))
    assert notice.year == year
    if year != 2009:  # the 2009 copy has no signature date
        assert notice.signed is not None and notice.signed.year in (year - 1, year)


# Read by hand from each notice: (festival as written, days off, make-up working days).
HAND_READ = {
    2020: [
        ("元旦", [D(2020, 1, 1)], []),
        ("春节", [D(2020, 1, d) for d in range(24, 31)], [D(2020, 1, 19), D(2020, 2, 1)]),
        ("清明节", [D(2020, 4, 4), D(2020, 4, 5), D(2020, 4, 6)], []),
        ("劳动节", [D(2020, 5, d) for d in range(1, 6)], [D(2020, 4, 26), D(2020, 5, 9)]),
        ("端午节", [D(2020, 6, 25), D(2020, 6, 26), D(2020, 6, 27)], [D(2020, 6, 28)]),
        ("国庆节、中秋节", [D(2020, 10, d) for d in range(1, 9)], [D(2020, 9, 27), D(2020, 10, 10)]),
    ],
    2023: [
        ("元旦", [D(2022, 12, 31), D(2023, 1, 1), D(2023, 1, 2)], []),
        ("春节", [D(2023, 1, d) for d in range(21, 28)], [D(2023, 1, 28), D(2023, 1, 29)]),
        ("清明节", [D(2023, 4, 5)], []),
        ("劳动节", [D(2023, 4, 29), D(2023, 4, 30)] + [D(2023, 5, d) for d in range(1, 4)],
         [D(2023, 4, 23), D(2023, 5, 6)]),
        ("端午节", [D(2023, 6, 22), D(2023, 6, 23), D(2023, 6, 24)], [D(2023, 6, 25)]),
        ("中秋节、国庆节", [D(2023, 9, 29), D(2023, 9, 30)] + [D(2023, 10, d) for d in range(1, 7)],
         [D(2023, 10, 7), D(2023, 10, 8)]),
    ],
    2025: [
        ("元旦", [D(2025, 1, 1)], []),
        ("春节", [D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31)] + [D(2025, 2, d) for d in range(1, 5)],
         [D(2025, 1, 26), D(2025, 2, 8)]),
        ("清明节", [D(2025, 4, 4), D(2025, 4, 5), D(2025, 4, 6)], []),
        ("劳动节", [D(2025, 5, d) for d in range(1, 6)], [D(2025, 4, 27)]),
        ("端午节", [D(2025, 5, 31), D(2025, 6, 1), D(2025, 6, 2)], []),
        ("国庆节、中秋节", [D(2025, 10, d) for d in range(1, 9)], [D(2025, 9, 28), D(2025, 10, 11)]),
    ],
}


@pytest.mark.parametrize("year", sorted(HAND_READ))
def test_festivals_as_read_by_hand(year):
    notice = parse_notice(notice_text(year))
    got = [(f.name, list(f.days_off), list(f.working_days)) for f in notice.festivals]
    assert got == HAND_READ[year]


def test_2025_preamble_dates_and_the_2024_encouraged_eve_are_not_holidays():
    # "自2025年1月1日起…国庆节自10月1日起放假调休7天" is the preamble's rule, not a schedule;
    # 2024's "安排职工在除夕（2月9日）休息" is encouraged, not 放假: 2024-02-09 is a working Friday.
    notice = parse_notice(notice_text(2024))
    assert D(2024, 2, 9) not in notice.days_off and notice.is_working_day(D(2024, 2, 9))
    assert any("除夕" in sentence for sentence in notice.ignored)
    assert len(parse_notice(notice_text(2025)).festivals) == 6


def test_the_2026_summary_lines_say_what_each_festival_gives():
    notice = parse_notice(notice_text(2026))
    assert [f.summary() for f in notice.festivals][:2] == [
        "元旦：放假 1月1日至1月3日（3天），调休上班 1月4日",
        "春节：放假 2月15日至2月23日（9天），调休上班 2月14日、2月28日",
    ]


# ---- the same notice in other clothes --------------------------------------------------------------
def _half_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _full_width(text: str) -> str:
    return text.translate(str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"}))


def _one_line(text: str) -> str:
    return "".join(text.split())


def _wrapped(text: str) -> str:
    # A PDF copy: line breaks every 17 characters, even inside dates.
    flat = _one_line(text)
    return "\n".join(flat[i:i + 17] for i in range(0, len(flat), 17))


def _traditional(text: str) -> str:
    return text.translate(str.maketrans({"节": "節", "国": "國", "庆": "慶", "劳": "勞", "动": "動", "调": "調",
                                         "与": "與", "连": "連", "关": "關", "办": "辦", "厅": "廳", "务": "務"}))


def _body_only(text: str) -> str:
    return text[text.index("一、"):]


@pytest.mark.parametrize("dress", [_half_width, _full_width, _one_line, _wrapped, _traditional])
@pytest.mark.parametrize("year", [2009, 2019, 2023, 2025, 2026])
def test_punctuation_width_line_breaks_and_traditional_characters_do_not_matter(year, dress):
    plain = parse_notice(notice_text(year))
    dressed = parse_notice(dress(notice_text(year)))
    assert (dressed.year, dressed.days_off, dressed.working_days) == (plain.year, plain.days_off, plain.working_days)


def test_a_body_without_its_title_takes_the_year_from_the_argument_or_from_its_first_section():
    text = _body_only(notice_text(2024))
    assert parse_notice(text, year=2024).days_off == parse_notice(notice_text(2024)).days_off
    # 2023's first section names 2022 and 2023: the notice is the later year's
    assert parse_notice(_body_only(notice_text(2023))).year == 2023
    with pytest.raises(NoticeUnreadable, match="看不出这是哪一年的通知"):
        parse_notice(text)


@pytest.mark.parametrize(
    "section, off, on",
    [
        # news-agency style with dashes and 到
        ("——春节：2月18日—24日放假调休，共7天。2月15日（星期日）、2月28日（星期六）上班。",
         [D(2015, 2, d) for d in range(18, 25)], [D(2015, 2, 15), D(2015, 2, 28)]),
        ("1、劳动节：5月1日到3日放假。", [D(2015, 5, 1), D(2015, 5, 2), D(2015, 5, 3)], []),
        # a bare day after a list inherits the month
        ("七、国庆节：10月1日至7日放假调休，共7天。10月10日（星期六）、11日（星期日）上班。",
         [D(2015, 10, d) for d in range(1, 8)], [D(2015, 10, 10), D(2015, 10, 11)]),
        # ranges across a year end without years written
        ("一、元旦：12月31日至1月2日放假。", [D(2014, 12, 31), D(2015, 1, 1), D(2015, 1, 2)], []),
        # 补休 is a day off; 补班 a working day
        ("三、清明节：4月5日放假，4月6日（星期一）补休；4月11日（星期六）补班。",
         [D(2015, 4, 5), D(2015, 4, 6)], [D(2015, 4, 11)]),
        # a note with a date of its own, at the start of a range
        ("二、春节：除夕（2月18日）至2月24日放假，共7天。", [D(2015, 2, d) for d in range(18, 25)], []),
        ("五、端午节：6月20日（农历五月初五、星期六）放假，与周末连休。", [D(2015, 6, 20)], []),
        ("六、中秋节：9月27日放假，共一天。", [D(2015, 9, 27)], []),
        # a numbered section whose colon was lost in the copy
        ("三、清明节4月5日放假，4月6日（星期一）补休。", [D(2015, 4, 5), D(2015, 4, 6)], []),
        # "调至" is not a range, a comma ends a list, restated days are fine (2009's style)
        ("五、端午节：6月20日至22日放假，共3天。其中，6月20日（星期六）为法定节假日，6月21日（星期日）照常公休；"
         "6月27日（星期六）公休日调至6月22日（星期一），6月27日（星期六）上班。",
         [D(2015, 6, 20), D(2015, 6, 21), D(2015, 6, 22)], [D(2015, 6, 27)]),
        ("二、春节：2月18日至24日放假调休，共7天。2月15日（星期日）、2月28日（星期六）调休上班。",
         [D(2015, 2, d) for d in range(18, 25)], [D(2015, 2, 15), D(2015, 2, 28)]),
    ],
)
def test_wordings_seen_in_other_years_and_in_news_copies(section, off, on):
    notice = parse_notice(f"国务院办公厅关于2015年部分节假日安排的通知\n现将具体安排通知如下。\n{section}")
    assert notice.year == 2015
    (festival,) = notice.festivals
    assert (list(festival.days_off), list(festival.working_days)) == (off, on)


# ---- unreadable text is an error quoting the sentence, never a partial calendar ---------------------
@pytest.mark.parametrize(
    "text, message",
    [
        ("", "通知内容为空"),
        ("明年元旦放三天假", "没有找到「一、元旦：…」"),
        ("关于2026年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周六）放假调休，共3天。",
         "1月1日 标注为周五，但 2026年1月1日 是周四"),
        ("关于2026年部分节假日安排的通知\n一、元旦：1月1日至3日放假调休，共4天。", "写的是共4天，但读到的放假日期有 3 天"),
        ("关于2026年部分节假日安排的通知\n一、元旦：待定。二、春节：2月15日至23日放假。", "元旦：没有读到放假日期"),
        ("关于2026年部分节假日安排的通知\n二、春节：2月15日至23日放假调休，2月14日、2月28日照常。",
         "读不懂「2月15日至23日放假调休,2月14日、2月28日照常。」"),
        ("关于2026年部分节假日安排的通知\n二、春节：2月15日至23日放假，2月15日上班。", "2月15日 既是放假又是上班"),
        ("关于2026年部分节假日安排的通知\n二、春节：2月30日放假。", "2026年2月30日 不是有效日期"),
        ("关于2026年部分节假日安排的通知\n二、春节：2月15日至2月1日放假。", "日期范围 2月15日 至 2月1日 不成立"),
        ("关于2026年部分节假日安排的通知\n二、春节：2028年2月15日放假。", "2028-02-15 不在 2026 年的通知范围内"),
        ("关于2026年部分节假日安排的通知\n二、春节：2月15日放假。三、春节：2月16日放假。", "「春节」在通知中出现了两次"),
    ],
)
def test_text_it_cannot_read_is_an_error_that_quotes_it(text, message):
    with pytest.raises(NoticeUnreadable) as raised:
        parse_notice(text)
    assert message in str(raised.value)
    assert str(raised.value).startswith("放假通知无法读取：") and str(raised.value).endswith("（未导入任何日期）")


def test_a_wrong_year_is_caught_by_the_weekday_notes():
    # The 2026 notice read as if it were 2027's: 1月1日（周四） is a Friday in 2027.
    with pytest.raises(NoticeUnreadable, match="标注为周四，但 2027年1月1日 是周五"):
        parse_notice(_body_only(notice_text(2026)), year=2027)
