"""The demo is what people judge the product by: its times follow the working calendar and its
texts agree with its numbers."""

from __future__ import annotations

import chinese_calendar
import pandas as pd

from tests.conftest import NOW
from workbook import schema as S
from workbook.sample import generate


def _festival(day) -> bool:
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return on_holiday and name is not None


def _frame(data, sheet) -> pd.DataFrame:
    return pd.DataFrame(data.forms[sheet.name])


def test_staff_answer_finish_and_call_back_in_working_hours_of_working_days():
    data = generate(600, seed=3, now=NOW)
    intake, surveys = _frame(data, S.INTAKE), _frame(data, S.SURVEY)
    # The demo team's working time: 09:00-18:00 every day but the statutory festival holidays
    # (it keeps a weekend duty rota); chinesecalendar is the independent source of the festivals.
    for column, frame in (("首次响应时间", intake), ("完成时间", intake), ("回访时间", surveys)):
        stamps = pd.to_datetime(frame[column].dropna())
        assert len(stamps) > 50, column
        outside = [s for s in stamps if not (9 <= s.hour < 18 and not _festival(s.date()))]
        assert outside == [], (column, outside[:5])


def test_a_survey_suggestion_agrees_with_its_score():
    surveys = _frame(generate(600, seed=3, now=NOW), S.SURVEY)
    praise = {"工程师很专业", "回访很及时", "处理很快，谢谢"}
    low = surveys[surveys["总体满意度"] < 8]
    high = surveys[surveys["总体满意度"] >= 8]
    assert len(low) > 10 and len(high) > 10
    assert not set(low["改进建议"].dropna()) & praise  # no 「工程师很专业」 from a customer who gave 4
    assert set(high["改进建议"].dropna()) <= praise
