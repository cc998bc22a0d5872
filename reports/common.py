"""Pieces every report context uses: the header block, cells as display text, masked table rows."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import pandas as pd

from reports import formatting as F
from workbook.masking import ADDRESS_COLUMNS, NAME_COLUMNS, PHONE_COLUMNS, mask_cell, mask_text

PERSONAL_COLUMNS = NAME_COLUMNS + PHONE_COLUMNS + ADDRESS_COLUMNS

BRAND = "售后服务工作簿"


def header(title: str, *, now: dt.datetime, source: str, problems: int = 0, subtitle: str = "") -> dict:
    """The block at the top of every report: title, when, from which workbook."""
    return {
        "title": title,
        "subtitle": subtitle,
        "generated": f"{now:%Y-%m-%d %H:%M}",
        "source": mask_text(source) or "",
        "brand": BRAND,
        "problems": problems,
    }


def cell(value) -> str:
    """A cell as display text: dates as dates, whole numbers without .0, phones etc. masked."""
    if F.missing(value):
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        value = str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return mask_text(value) or ""


def text_rows(frame: pd.DataFrame, headers: Sequence[str]) -> list[list[str]]:
    """Rows of staff-kept sheets as display text (free text still passes through mask_text)."""
    return [[cell(v) for v in values] for values in frame[list(headers)].itertuples(index=False, name=None)]


def customer_rows(frame: pd.DataFrame, headers: Sequence[str]) -> list[list[str]]:
    """Rows with customer data, each cell masked by its column (name, phone, address, free text)."""
    out = []
    for values in frame[list(headers)].itertuples(index=False, name=None):
        row = []
        for header_, value in zip(headers, values):
            row.append((mask_cell(header_, value) or "") if header_ in PERSONAL_COLUMNS else cell(value))
        out.append(row)
    return out
