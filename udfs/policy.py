"""The SLA policy table (时限标准): which target applies to a ticket at a stage.

One rule for the whole product: the ticket's 需求类型 row wins (投诉类 has its own targets), then
its 紧急程度 row, then the stage's 全部 row. The routines and the Excel function
``sla_stage_due`` both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from udfs.errors import UdfError
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


def find_rule(rules: Rules, stage: str, request_type: str | None, urgency: str | None) -> SlaRule | None:
    """The rule for a ticket at ``stage``: its type's row, else its urgency's, else 全部."""
    for scope in (request_type, urgency, ALL):
        if scope and (stage, scope) in rules:
            return rules[(stage, scope)]
    return None


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
