"""The HQ rules of macros.hq: stores far from the rest, overall rank, sudden jumps, 24 h investigation.

Expected values are worked out by hand in the comments (median, MAD, ratios).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from macros import hq


def test_a_store_far_from_the_rest_is_marked_on_the_bad_side_and_the_others_are_not():
    # response hours 10, 11, 12, 13, 40: median 12, |x−12| = 2,1,0,1,28 → MAD 1;
    # z(40) = 28 / 1.4826 = 18.9 (> 3.5); z(10) = −2 / 1.4826 = −1.35 (not marked).
    values = {"甲": 10.0, "乙": 11.0, "丙": 12.0, "丁": 13.0, "戊": 40.0}
    z = hq.robust_z(values)
    assert z["戊"] == pytest.approx(28 / 1.4826)
    assert z["甲"] == pytest.approx(-2 / 1.4826)
    kpis = {s: {"first_response_hours_avg": v, "tickets": 100} for s, v in values.items()}
    rows = {r["store"]: r for r in hq.store_comparison(kpis, {"甲": "华东"})}
    assert rows["戊"]["outliers"] == {"平均首次响应(小时)": "bad"}  # slower is worse
    assert "明显高于各店中位数" in rows["戊"]["notes"][0]
    assert all(not rows[s]["outliers"] for s in "甲乙丙丁")
    assert rows["乙"]["region"] == hq.NO_REGION and rows["甲"]["region"] == "华东"


def test_too_few_stores_or_no_spread_marks_nobody():
    assert hq.robust_z({"甲": 1.0, "乙": 2.0, "丙": 90.0}) == {}  # three stores: below OUTLIER_MIN_STORES
    assert hq.robust_z({"甲": 5.0, "乙": 5.0, "丙": 5.0, "丁": 5.0, "戊": 9.0}) == {}  # MAD 0


def test_the_overall_rank_averages_the_ranks_with_each_kpis_direction():
    # 甲 best on CSAT (0.9) and fastest (5 h): ranks 1, 1 → 1.0; 乙: CSAT 0.8 (2nd), 8 h (slowest, 3rd)
    # → 2.5; 丙: CSAT 0.7 (3rd), 6 h (2nd) → 2.5. A tie shares the rank (2), listed by name.
    kpis = {"甲": {"csat_rate": 0.9, "first_response_hours_avg": 5.0},
            "乙": {"csat_rate": 0.8, "first_response_hours_avg": 8.0},
            "丙": {"csat_rate": 0.7, "first_response_hours_avg": 6.0}}
    rows = hq.store_comparison(kpis, {})
    assert [(r["store"], r["rank"], r["mean_rank"]) for r in rows] == [("甲", 1, 1.0), ("丙", 2, 2.5), ("乙", 2, 2.5)]


def _daily(tickets: dict[str, list[float]], region: str = "华东") -> pd.DataFrame:
    """The daily table of one region from tickets: {day: [first-response hours of its tickets]};
    every ticket received at 09:00 and resolved 20 h later."""
    rows = [(dt.datetime.fromisoformat(f"{day} 09:00"), hours) for day, hours_list in tickets.items()
            for hours in hours_list]
    received = pd.Series([r for r, _h in rows], dtype="datetime64[ns]")
    intake = pd.DataFrame({"受理时间": received,
                           "首次响应时间": received + pd.to_timedelta([h for _r, h in rows], unit="h"),
                           "完成时间": received + pd.Timedelta(hours=20), "门店": "一号店"})
    days = sorted(tickets)
    return hq.daily_by_region({"客户服务信息登记表": intake}, {"一号店": region},
                              dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1]))


def test_a_day_far_above_the_seven_days_before_is_a_jump():
    # 11-01…11-07: tickets of 3, 4, 5 h each day → 21 tickets, mean 4, squared deviations 1+0+1 a day
    # → variance 14 / 20 = 0.7, sd 0.837. 11-08: 5 tickets at 10 h → limit 4 + 3 × 0.837 / √5 = 5.12,
    # and 10 ≥ 1.5 × 4 = 6 and ≥ 4 + 2 → jump.
    # 11-09: the 7 days before are 11-02…11-08: 18 tickets of 3/4/5 h plus 5 of 10 h → mean 122/23 = 5.30;
    # 5 tickets at 7 h are below 1.5 × 5.30 = 7.96 → no jump. 11-10: 2 tickets at 30 h → too few.
    days = {f"2026-11-0{d}": [3.0, 4.0, 5.0] for d in range(1, 8)}
    days |= {"2026-11-08": [10.0] * 5, "2026-11-09": [7.0] * 5, "2026-11-10": [30.0, 30.0]}
    flagged = hq.flag_jumps(_daily(days)).set_index("day")
    assert flagged.loc["2026-11-08", "response_base"] == pytest.approx(4.0)
    assert flagged.loc["2026-11-08", "response_limit"] == pytest.approx(4 + 3 * (0.7 ** 0.5) / 5 ** 0.5)
    assert bool(flagged.loc["2026-11-08", "response_jump"]) is True
    assert flagged.loc["2026-11-09", "response_base"] == pytest.approx(122 / 23)
    assert bool(flagged.loc["2026-11-09", "response_jump"]) is False
    assert bool(flagged.loc["2026-11-10", "response_jump"]) is False
    assert not flagged["resolution_jump"].any()  # resolution always 20 h: never a jump
    assert pd.isna(flagged.loc["2026-11-03", "response_base"])  # 6 tickets before 11-03: fewer than 10


def test_a_rise_within_the_noise_of_a_few_tickets_is_not_a_jump():
    # Scattered history: 1, 2, 15 h a day → mean 6; squared deviations 25 + 16 + 81 = 122 a day → variance
    # 854 / 20 = 42.7, sd 6.53. 11-08's three tickets 4, 10, 30 h average 14.7: above 1.5 × 6 = 9 and 6 + 2
    # (the ratio rule alone would flag it), but below the limit 6 + 3 × 6.53 / √3 = 17.3 → no jump.
    days = {f"2026-11-0{d}": [1.0, 2.0, 15.0] for d in range(1, 8)} | {"2026-11-08": [4.0, 10.0, 30.0]}
    flagged = hq.flag_jumps(_daily(days)).set_index("day")
    assert flagged.loc["2026-11-08", "response"] == pytest.approx(44 / 3)
    assert flagged.loc["2026-11-08", "response_limit"] == pytest.approx(6 + 3 * (42.7 ** 0.5) / 3 ** 0.5)
    assert bool(flagged.loc["2026-11-08", "response_jump"]) is False


def _monitor(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["日期", "范围", "是否异常", "异常说明", "发现时间", "开始排查时间"])


def test_an_investigation_started_within_24_hours_of_discovery_counts():
    day = pd.Timestamp("2026-11-08")
    found = dt.datetime(2026, 11, 9, 9, 0)
    monitor = _monitor([{"日期": dt.date(2026, 11, 9), "范围": "华东", "是否异常": "是", "发现时间": found,
                         "开始排查时间": found + dt.timedelta(hours=20)}])
    word, sentence = hq.investigation(day, "华东", ["一号店"], monitor, dt.datetime(2026, 11, 20))
    assert word == "是" and "20.0 小时后启动排查" in sentence
    late = monitor.assign(开始排查时间=found + dt.timedelta(hours=30))
    assert hq.investigation(day, "华东", [], late, dt.datetime(2026, 11, 20))[0] == "否"
    # a record of another region does not count; with none, the deadline is the end of the next day
    other = monitor.assign(范围="华南")
    assert hq.investigation(day, "华东", [], other, dt.datetime(2026, 11, 20))[0] == "否"
    word, sentence = hq.investigation(day, "华东", [], other, dt.datetime(2026, 11, 9, 12, 0))
    assert word == "待定" and "11-10 00:00 前" in sentence


def test_a_wrapped_reason_longer_than_its_merged_cell_gets_a_taller_row():
    from workbook.changes import ReportSheet
    from workbook.hqbook import wrapped_row_heights

    wrap = hq.WRAPPED_NOTE
    # Columns D:G merged, widths 12 + 16 + 18 + 30 = 76 units, 75 after padding. A CJK character takes
    # two units: 30 characters = 60 units fit on one line; 60 characters = 120 units take two lines
    # (15 pt each → 30 pt); a short header in a 12-wide column stays one line.
    sheet = ReportSheet("总部汇总", {(3, 4): ("因" * 30, wrap), (4, 4): ("因" * 60, wrap), (5, 1): ("文件", wrap)},
                        widths=[30, 22, 18, 12, 16, 18, 30], merges=["D3:G3", "D4:G4"])
    assert wrapped_row_heights(sheet) == {4: 30.0}


def test_a_rate_change_in_the_pilot_sheet_reads_in_percentage_points():
    value, look = hq._change_cell(0.227, "rate")  # 65.8 % → 88.5 %
    assert value == pytest.approx(22.7)
    assert look.numfmt == '+0.0" 个百分点";-0.0" 个百分点";0.0" 个百分点"'
    assert hq._change_cell(None, "rate")[0] is None
