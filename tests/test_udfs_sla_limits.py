"""The 100-year limit on clock-unit deadlines (分钟, 小时, 自然日): at the limit a deadline is
computed, one unit past it is refused as a typing error — in the single-cell and the column code.

100 years = MAX_SPAN_DAYS = 36,525 days = 876,600 hours = 52,596,000 minutes. From 2026-01-01 the
next 100 years hold 24 leap days (2028 … 2124, not 2100), so 36,525 days later is 2126-01-02.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from udfs import sla
from udfs.errors import BatchError, UdfError

START = dt.datetime(2026, 1, 1, 0, 0)
AT_LIMIT = dt.datetime(2126, 1, 2, 0, 0)


@pytest.mark.parametrize("amount, unit", [(36525, "自然日"), (876600, "小时"), (52596000, "分钟")])
def test_a_clock_deadline_of_exactly_100_years_is_computed(amount, unit):
    assert sla.due(START, amount, unit) == AT_LIMIT
    assert sla.due_many([START], [amount], [unit])[0] == np.datetime64(AT_LIMIT, "s")


@pytest.mark.parametrize("amount, unit", [(36526, "自然日"), (876601, "小时"), (52596001, "分钟")])
def test_a_clock_deadline_past_100_years_is_refused(amount, unit):
    with pytest.raises(UdfError, match="时限过长"):
        sla.due(START, amount, unit)
    with pytest.raises(BatchError) as failed:
        sla.due_many([START, START], [amount, 1], [unit, unit])
    assert list(failed.value.errors) == [0]  # only the bad row fails
    assert "时限过长" in str(failed.value.errors[0])
    assert np.isnat(failed.value.partial[0]) and not np.isnat(failed.value.partial[1])
