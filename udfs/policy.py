"""The SLA policy table (时限标准): which target applies to a ticket at a stage.

One rule for the whole product (SPEC §3): a stage's rows for the ticket's 需求类型 (e.g. 投诉类)
and for its 紧急程度 (e.g. 紧急) both apply, and when both exist the stricter one — the earlier
deadline from the same start — wins (a tie goes to the type's row); the stage's 全部 row applies
only when neither exists. The routines (``stage_dues``) and the Excel function
``sla_stage_due`` both use it, so a cell and the 时限 column agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from udfs.errors import BatchError, UdfError
from udfs.values import is_blank, parse_number, parse_share

ALL = "全部"
DEFAULT_WARNING = 0.8
HEADERS = ("环节", "适用对象", "时限", "单位", "预警比例")


@dataclass(frozen=True)
class SlaRule:
    amount: float
    unit: str
    warning: float = DEFAULT_WARNING


class BadPolicy(UdfError):
    """The policy range is not the 时限标准 table."""

    def __init__(self, value: Any, reason: str) -> None:
        super().__init__(value, f"时限标准区域无效：{reason} — 请选择「时限标准」表（含表头或仅数据行）")


Rules = Mapping[tuple[str, str], SlaRule]


def applicable_rules(rules: Rules, stage: str, request_type: str | None,
                     urgency: str | None) -> tuple[SlaRule, ...]:
    """The rules that apply to a ticket at ``stage``: its type's and its urgency's rows (those
    that exist, type first), else the 全部 row, else none. The stricter of two wins (``stage_dues``)."""
    found = tuple(rules[(stage, scope)] for scope in (request_type, urgency)
                  if scope and (stage, scope) in rules)
    if found:
        return found
    return (rules[(stage, ALL)],) if (stage, ALL) in rules else ()


def find_rule(rules: Rules, stage: str, request_type: str | None, urgency: str | None) -> SlaRule | None:
    """The first applicable rule (type's row, else urgency's, else 全部) — for stages where the
    start alone does not decide, e.g. 新购客户's callback. Deadlines use ``stage_dues``."""
    found = applicable_rules(rules, stage, request_type, urgency)
    return found[0] if found else None


@dataclass
class StageDues:
    """Per ticket at one stage: the winning rule's deadline (NaT: no start or no rule), amount,
    unit (None: no rule), warning fraction, and the rows that failed (position → error)."""

    due: np.ndarray
    amounts: np.ndarray
    units: np.ndarray
    warnings: np.ndarray
    errors: dict

    @property
    def applies(self) -> np.ndarray:
        return np.array([u is not None for u in self.units], dtype=bool)


def stage_dues(rules: Rules, stage: str, starts: Any, request_types: Any, urgencies: Any, cal=None) -> StageDues:
    """Deadlines of a column of tickets at ``stage``, the stricter rule winning (module doc).

    ``starts``: the stage's start per ticket; ``request_types`` / ``urgencies``: the tickets'
    需求类型 and 紧急程度 (blank: None). Bad rows (a year without holiday data…) are NaT in
    ``due`` and listed in ``errors``; the rest are computed.
    """
    from udfs import sla  # policy stays importable without the calendar maths

    errors: dict = {}
    start_values = sla._moments(starts, "开始时间", errors)  # text in a date cell: that row's error
    size = len(start_values)
    type_codes, types = _coded_texts(request_types, size)
    level_codes, levels = _coded_texts(urgencies, size)
    picks = [(np.full(size, np.nan), np.full(size, None, dtype=object), np.full(size, DEFAULT_WARNING))
             for _ in range(2)]
    # One integer per (type, urgency) pair: no per-ticket string keys (this runs per stage).
    codes, pairs = pd.factorize(type_codes * len(levels) + level_codes)
    for code, pair in enumerate(pairs):
        request_type, urgency = types[pair // len(levels)] or None, levels[pair % len(levels)] or None
        rows = codes == code
        for (amounts, units, warnings), rule in zip(picks, applicable_rules(rules, stage, request_type, urgency)):
            amounts[rows], units[rows], warnings[rows] = rule.amount, rule.unit, rule.warning
    dues = []
    for amounts, units, _warnings in picks:
        present = np.array([u is not None for u in units], dtype=bool)
        begin = np.where(present, start_values, np.datetime64("NaT"))
        try:
            dues.append(sla.due_many(begin, amounts, np.where(present, units, "小时"), cal))
        except BatchError as failed:
            dues.append(failed.partial)
            for position, error in failed.errors.items():
                errors.setdefault(position, error)
    (first_amounts, first_units, first_warnings), (second_amounts, second_units, second_warnings) = picks
    second_wins = ~np.isnat(dues[1]) & (np.isnat(dues[0]) | (dues[1] < dues[0]))
    due = np.where(second_wins, dues[1], dues[0])
    if errors:
        due[list(errors)] = np.datetime64("NaT")
    return StageDues(due=due, amounts=np.where(second_wins, second_amounts, first_amounts),
                     units=np.where(second_wins, second_units, first_units),
                     warnings=np.where(second_wins, second_warnings, first_warnings), errors=dict(sorted(errors.items())))


def _coded_texts(values: Any, size: int) -> tuple[np.ndarray, list[str]]:
    """(code per row, texts): each distinct cell value cleaned once (stripped text, blank as "")."""
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy(dtype=object)
    array = np.asarray(values, dtype=object).reshape(-1) if np.ndim(values) else np.full(size, values, dtype=object)
    codes, uniques = pd.factorize(array, use_na_sentinel=True)
    texts = ["" if is_blank(v) else str(v).strip() for v in uniques] + [""]  # code -1 (NaN/None) → ""
    return np.where(codes < 0, len(texts) - 1, codes), texts


def rules_from_rows(rows: Iterable[Iterable[Any]]) -> dict[tuple[str, str], SlaRule]:
    """Rules from the table's cells (环节, 适用对象, 时限, 单位, 预警比例, …); a header row is skipped.

    Rows with a blank stage, scope, amount or unit are ignored; the first row for a
    (stage, scope) pair wins, as the sheet says "自上而下".
    """
    out: dict[tuple[str, str], SlaRule] = {}
    for row in rows:
        cells = list(row) + [None] * 5
        stage, scope, amount, unit, warning = cells[:5]
        if any(is_blank(v) for v in (stage, scope, amount, unit)):
            continue
        if str(stage).strip() == HEADERS[0]:
            continue  # the header row
        try:
            amount = parse_number(amount)
            warning = DEFAULT_WARNING if is_blank(warning) else parse_share(warning)  # 80 or "80％" is 80 %
        except (TypeError, ValueError):
            raise BadPolicy(row, f"时限“{amount}”或预警比例“{warning}”不是数字") from None
        out.setdefault((str(stage).strip(), str(scope).strip()), SlaRule(amount, str(unit).strip(), warning))
    return out
