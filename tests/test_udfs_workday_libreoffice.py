"""工作日 deadlines agree with WORKDAY.INTL as computed by LibreOffice itself during the test run.

The cases are random (fixed seed) with explicit holiday lists and weekend strings; make-up days
cannot be expressed in WORKDAY.INTL, so the comparison uses calendars without them. Amount 0 is
left out on purpose: there udfs deviates from WORKDAY.INTL(d, 0) = d (see udfs.sla).
"""

import csv
import random
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from udfs import sla
from udfs.calendar import BusinessCalendar

pytestmark = pytest.mark.libreoffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MAX_HOLIDAYS = 12
FIRST_HOLIDAY_COLUMN = 5  # E

# Fixed cases first: the SPEC §3 example (Wednesday, 3 working days, Thursday a holiday), a start
# on a holiday, a start on a weekend, and a one-working-day week.
FIXED_CASES = [
    (date(2025, 6, 11), 3, "0000011", [date(2025, 6, 12)]),
    (date(2026, 10, 1), 1, "0000011", [date(2026, 10, 1), date(2026, 10, 2)]),
    (date(2025, 6, 14), 1, "0000011", []),
    (date(2025, 6, 14), 2, "1111011", [date(2025, 6, 19)]),
]


def random_cases(count: int, seed: int = 20250611):
    rng = random.Random(seed)
    cases = []
    while len(cases) < count:
        weekend = "".join(rng.choice("0001") for _ in range(7))
        if weekend == "1111111":
            continue
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 4 * 365))
        days = rng.randint(1, 40)
        holidays = sorted({start + timedelta(days=rng.randrange(0, 90)) for _ in range(rng.randint(0, MAX_HOLIDAYS))})
        cases.append((start, days, weekend, holidays))
    return cases


def libreoffice_workdays(cases, workdir: Path) -> list[str]:
    """Write one WORKDAY.INTL formula per case, let LibreOffice recalculate, read the results."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["start", "days", "weekend", "due"] + ["holiday"] * MAX_HOLIDAYS)
    last_column = openpyxl.utils.get_column_letter(FIRST_HOLIDAY_COLUMN + MAX_HOLIDAYS - 1)
    for row, (start, days, weekend, holidays) in enumerate(cases, start=2):
        sheet.cell(row, 1, start).number_format = "YYYY-MM-DD"
        sheet.cell(row, 2, days)
        sheet.cell(row, 3, weekend).number_format = "@"
        formula = f"=WORKDAY.INTL(A{row},B{row},C{row},E{row}:{last_column}{row})"
        sheet.cell(row, 4, formula).number_format = "YYYY-MM-DD"
        for offset, holiday in enumerate(holidays):
            sheet.cell(row, FIRST_HOLIDAY_COLUMN + offset, holiday).number_format = "YYYY-MM-DD"
    source = workdir / "workday_cases.xlsx"
    book.save(source)
    completed = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(workdir / 'profile').as_uri()}", "--headless",
         "--convert-to", "csv", "--outdir", str(workdir), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    output = workdir / "workday_cases.csv"
    # soffice can exit 0 after "source file could not be loaded": the file is the real signal
    assert output.exists(), f"LibreOffice wrote no CSV:\n{completed.stdout}\n{completed.stderr}"
    with output.open(newline="", encoding="utf-8") as handle:
        return [line[3] for line in list(csv.reader(handle))[1:]]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not on PATH")
def test_working_days_agree_with_libreoffice_workday_intl(tmp_path):
    cases = FIXED_CASES + random_cases(240)
    computed = libreoffice_workdays(cases, tmp_path)
    assert len(computed) == len(cases)
    mismatches = []
    for (start, days, weekend, holidays), text in zip(cases, computed):
        expected = date.fromisoformat(text)  # a formula error such as Err:502 fails here, loudly
        cal = BusinessCalendar.from_values(holidays=holidays, weekend=weekend)
        got = sla.due(datetime.combine(start, datetime.min.time()).replace(hour=10), days, "工作日", cal)
        if got.date() != expected:
            mismatches.append((start, days, weekend, holidays, expected, got.date()))
    assert not mismatches, mismatches[:5]
    # the SPEC §3 example, computed by LibreOffice: Wednesday 2025-06-11 + 3 → Tuesday 2025-06-17
    assert computed[0] == "2025-06-17"
