"""The value rules (udfs.values) and the fronts that use them: one reading of a cell everywhere.

Expected values are worked out by hand (the reasoning is in the comments); Excel serials are
checked against Excel's own documented mapping (serial 1 = 1900-01-01, 60 = the fictitious
1900-02-29, 61 = 1900-03-01; 1904 system: serial 0 = 1904-01-01).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from macros.anomalies import likely_duplicates
from macros.kpi import compute_kpis
from macros.settings import Target, _targets
from macros.triggers import thresholds_of
from udfs import checklist as C
from udfs.policy import rules_from_rows
from udfs.values import (
    LANDLINE, MOBILE, NotANumber, excel_serial_to_datetime, from_excel_serial, is_blank, parse_number,
    parse_phone, parse_share, phone_key, phone_problem, to_excel_serial,
)
from workbook import schema as S
from workbook.frames import parse_grid
from workbook.masking import mask_phone

D = dt.datetime


# ---- phones: one customer however the number is written ---------------------------------------------
@pytest.mark.parametrize("typed", [
    "13812345678", "+86 138 1234 5678", "+8613812345678", "0086-138-1234-5678", "0086 13812345678",
    "8613812345678", "138-1234-5678", "138 1234 5678", "(+86)138.1234.5678", 13812345678.0, 13812345678,
    "＋８６　１３８１２３４５６７８",  # full-width, as an IME types it
    " 13812345678 ", "１３８１２３４５６７８",  # spaces around it; full-width digits without a prefix
])
def test_every_spelling_of_one_mobile_is_one_key(typed):
    assert phone_key(typed) == "13812345678"
    assert parse_phone(typed).kind == MOBILE
    assert phone_problem(typed) is None  # the data checks accept what the KPIs count as this customer
    assert mask_phone(typed) == "138****5678"  # and the reports mask it as a mobile


@pytest.mark.parametrize("typed, area, local", [
    ("021-12345678", "021", "12345678"),  # Shanghai: 3-character area code
    ("(021)1234 5678", "021", "12345678"),
    ("021 1234 5678", "021", "12345678"),
    ("02112345678", "021", "12345678"),  # no separator: 021 is a short code (02X)
    ("+86 21 12345678", "021", "12345678"),  # international form drops the area code's 0
    ("0086-21-12345678", "021", "12345678"),
    ("021-12345678-801", "021", "12345678"),  # an extension does not change the line
    ("021-12345678转801", "021", "12345678"),
])
def test_every_spelling_of_one_landline_is_one_key(typed, area, local):
    phone = parse_phone(typed)
    assert (phone.kind, phone.key, phone.area, phone.local) == (LANDLINE, area + local, area, local)
    assert phone_problem(typed) is None
    assert mask_phone(typed) == f"{area}-****5678"


def test_landline_area_code_length_follows_the_mainland_plan():
    # 010 and 02X are 3 characters; every other area code is 4 (0571 Hangzhou, 0755 Shenzhen).
    assert (parse_phone("05718888666").area, parse_phone("05718888666").local) == ("0571", "8888666")
    assert (parse_phone("01065123456").area, parse_phone("01065123456").local) == ("010", "65123456")


def test_numbers_that_are_not_phones_are_reported_but_keep_a_key():
    assert phone_problem("1381234567") == "手机号应为11位（现为10位）"
    assert phone_problem("abc") == "电话格式不正确（手机11位，座机如 021-12345678）"
    assert phone_key("1381234567") == "1381234567"  # typed the same twice: still the same customer
    assert phone_key("abc") is None and phone_key(None) is None and phone_key("  ") is None


def complaints(*rows) -> dict[str, pd.DataFrame]:
    intake = pd.DataFrame([
        {"服务工单号": no, "受理时间": when, "需求类型": "投诉类", "联系方式": phone, "客户名称/姓名": name,
         "当前状态": "处理中"}
        for no, when, phone, name in rows])
    return {S.INTAKE.name: intake}


def test_one_customer_written_two_ways_is_a_repeat_complaint():
    # The same mobile typed "+86 138 1234 5678" on 3 Nov and "13812345678" on 10 Nov: the second
    # complaint is 7 days after the first (≤ 30 days), so 1 repeat of 2 complaints = 50 %.
    frames = complaints(("T1", D(2026, 11, 3, 9), "+86 138 1234 5678", "王伟"),
                        ("T2", D(2026, 11, 10, 9), "13812345678", "王伟"))
    kpis = compute_kpis(frames, dt.date(2026, 11, 1), dt.date(2026, 11, 30), now=D(2026, 12, 1))
    assert kpis["complaint_repeats"] == 1
    assert kpis["complaint_repeat_rate"] == pytest.approx(0.5)


def test_one_customer_written_two_ways_is_one_customer_for_the_survey_sample_rate():
    # Three tickets: 0086-138… and 138 1234 5678 are one customer, 021-12345678 another → 2 customers;
    # one survey in the month → 1 / 2 = 50 % (it was 1 / 3 while the prefix made a second customer).
    frames = complaints(("T1", D(2026, 11, 3, 9), "0086-138-1234-5678", "王伟"),
                        ("T2", D(2026, 11, 20, 9), "138 1234 5678", "王先生"),
                        ("T3", D(2026, 11, 21, 9), "021-12345678", "李娜"))
    frames[S.SURVEY.name] = pd.DataFrame([{"工单号": "T1", "回访时间": D(2026, 11, 5, 10), "总体满意度": 9.0}])
    kpis = compute_kpis(frames, dt.date(2026, 11, 1), dt.date(2026, 11, 30), now=D(2026, 12, 1))
    assert kpis["customers"] == 2
    assert kpis["survey_sample_rate"] == pytest.approx(0.5)


def test_duplicate_tickets_are_found_across_phone_spellings():
    # Same mobile (two spellings), same model, near-identical description, 2 hours apart → one duplicate.
    tickets = pd.DataFrame([
        {"联系方式": "+86 138 1234 5678", "购买产品型号": "JS-200", "受理时间": D(2026, 11, 3, 9), "问题描述": "不制冷"},
        {"联系方式": "13812345678", "购买产品型号": "JS-200", "受理时间": D(2026, 11, 3, 11), "问题描述": "不制冷了"},
    ], index=[2, 3])
    # "不制冷" is contained in "不制冷了": similarity 1.
    assert list(likely_duplicates(tickets, pd.Timedelta(hours=48))) == [(3, 2, pytest.approx(2.0), 1.0)]


# ---- numbers and shares ---------------------------------------------------------------------------
@pytest.mark.parametrize("typed, number", [
    ("85％", 0.85), ("85%", 0.85), ("８５％", 0.85), ("85 %", 0.85), ("1,234.5", 1234.5), ("1，234", 1234.0),
    (" 12 ", 12.0), (7, 7.0), (0.5, 0.5),
])
def test_numbers_as_typed(typed, number):
    assert parse_number(typed) == pytest.approx(number)


def test_blank_and_not_a_number():
    assert parse_number(None) is None and parse_number("  ") is None and parse_number(float("nan")) is None
    for bad in ("abc", True, "8５a"):
        with pytest.raises(NotANumber):
            parse_number(bad)


@pytest.mark.parametrize("typed, share", [
    (85, 0.85), ("85", 0.85), (0.85, 0.85), ("0.85", 0.85), ("85%", 0.85), ("85％", 0.85), (1, 1.0),
    ("150%", 1.5),  # an explicit sign is taken at its word, never divided again
])
def test_shares_85_and_0_85_both_mean_85_percent(typed, share):
    assert parse_share(typed) == pytest.approx(share)


def percent_sheet() -> S.Sheet:
    return S.Sheet(name="测试", table="测试表", group=S.PROJECT, columns=(
        S.Column("比例", S.PERCENT, minimum=0, maximum=1),))


def test_reader_reads_85_and_full_width_percent_in_a_percent_column():
    # 85 typed means 85 %; "80％" (full-width sign, as a Chinese IME types it) is 80 %: the reader
    # used to reject it while the checklist accepted it.
    data = parse_grid(percent_sheet(), [["比例"], [85], ["80％"], [0.85], ["85%"], ["1.5"]])
    assert data.frame["比例"].tolist()[:4] == pytest.approx([0.85, 0.80, 0.85, 0.85])
    assert data.frame["比例"].tolist()[4] == pytest.approx(0.015)  # 1.5 typed means 1.5 %
    assert data.problems == []


def test_every_front_reads_full_width_percent_the_same():
    # The SLA policy's 预警比例, a trigger threshold, a checklist target and a KPI目标 value.
    rules = rules_from_rows([("解决", "全部", 24, "小时", "80％")])
    assert rules[("解决", "全部")].warning == pytest.approx(0.8)
    assert thresholds_of({"单一问题类型投诉占比": "35％"})["单一问题类型投诉占比"] == pytest.approx(0.35)
    assert thresholds_of({"单一问题类型投诉占比": 35})["单一问题类型投诉占比"] == pytest.approx(0.35)
    assert C.threshold_verdict("84％", "85％") == C.FAIL
    assert C.threshold_verdict("85％", 0.85) == C.PASS


def test_kpi_target_typed_as_85_is_85_percent(monkeypatch):
    # A manager types 85 (not 0.85) for 一次性问题解决率 in KPI目标: every front must read 0.85.
    frame = pd.DataFrame([{"指标": "一次性问题解决率", "目标值": 85.0, "比较": "≥", "单位": "%"},
                          {"指标": "CSAT提升(百分点)", "目标值": 10.0, "比较": "≥", "单位": "百分点"}])
    monkeypatch.setattr("macros.settings._frame", lambda snapshot, name: frame)
    targets = _targets(None)
    assert targets["一次性问题解决率"] == Target(0.85, "≥", "%")
    assert targets["CSAT提升(百分点)"] == Target(10.0, "≥", "百分点")  # points are not a share


# ---- blanks ---------------------------------------------------------------------------------------
def test_blank_in_every_disguise():
    assert all(is_blank(v) for v in (None, "", "  ", "\t", float("nan"), pd.NaT))
    assert not any(is_blank(v) for v in (0, 0.0, "0", False, D(2026, 1, 1)))


# ---- Excel serial dates ---------------------------------------------------------------------------
@pytest.mark.parametrize("serial, shown", [
    (1, D(1900, 1, 1)), (59, D(1900, 2, 28)), (61, D(1900, 3, 1)),
    (45000, D(2023, 3, 15)), (45000.5, D(2023, 3, 15, 12)), (46023.75, D(2026, 1, 1, 18)),
])
def test_excel_serials_as_excel_shows_them(serial, shown):
    assert excel_serial_to_datetime(serial) == shown
    assert from_excel_serial(serial) == shown
    assert to_excel_serial(shown) == pytest.approx(serial)


def test_excel_fictitious_leap_day_and_the_1904_system():
    assert excel_serial_to_datetime(60) is None  # Excel shows 1900-02-29, which never existed
    with pytest.raises(ValueError):
        from_excel_serial(60)
    assert excel_serial_to_datetime(0, date1904=True) == D(1904, 1, 1)
    assert excel_serial_to_datetime(43538, date1904=True) == D(2023, 3, 15)  # 45000 − 1462 days
    assert to_excel_serial(D(2023, 3, 15), date1904=True) == 43538


def test_reader_turns_a_serial_in_a_date_column_into_the_date_excel_shows():
    sheet = S.Sheet(name="测试", table="测试表", group=S.PROJECT, columns=(S.Column("日期", S.DATE),))
    data = parse_grid(sheet, [["日期"], [45000.0]])
    assert data.frame["日期"].tolist() == [pd.Timestamp(2023, 3, 15)]


# ---- thresholds: one home ---------------------------------------------------------------------------
def test_thresholds_live_in_the_schema():
    from macros import project
    from reports import evaluation

    assert S.SURVEY_LOW_SCORE == 7
    assert S.CLOSED_STATES == ("已完成", "已关闭")
    assert project.FCR_TARGET == 0.85 and project.SAMPLE_RATE == 0.10
    assert project.COMPLAINT_RESPONSE_CUT == 0.30 and project.CSAT_POINTS == 10
    assert evaluation.SEED_TARGETS["一次性问题解决率"].value == 0.85
