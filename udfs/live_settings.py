"""The policy, calendar and stage deadlines behind the 时限 formulas (时限计算方式 = 公式).

``build_settings`` parses the 时限标准 rows and the calendar cells exactly as the routines'
rules do (udfs.policy, udfs._excel.excel_calendar) and names the result by a digest of their
content; the 时限参数 cell's token carries that digest, and the per-row formulas find the parsed
settings in this process's cache by it (udfs.excel_live). Pure: no xlwings, no clock.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

import udfs.policy as sla_policy
import udfs.sla as sla
from udfs._excel import Cells, compute_cells, excel_calendar
from udfs.calendar import BusinessCalendar
from udfs.errors import BatchError, UdfError
from udfs.values import flatten, is_blank

TOKEN_PREFIX = "时限参数 "
_CACHE_SIZE = 16  # settings kept per process (one per workbook state; several books may be open)


@dataclass(frozen=True)
class LiveSettings:
    """The parsed policy and calendar one token stands for."""

    digest: str
    rules: dict
    calendar: BusinessCalendar
    summary: str

    @property
    def token(self) -> str:
        return f"{TOKEN_PREFIX}{self.digest}（{self.summary}）"


_cache: "OrderedDict[str, LiveSettings]" = OrderedDict()
# How often each path ran in this process: tests and docs/addin.md's figures read it.
stats = {"settings_builds": 0, "range_reads": 0, "cache_hits": 0}


class SettingsMissing(UdfError):
    """No 时限参数 token and no ranges to read the settings from."""


def _cell_values(value: Any) -> Any:
    """A range argument's values: an xlwings Range is read here (one COM call), lists pass through."""
    if hasattr(value, "options") and hasattr(value, "address"):
        stats["range_reads"] += 1
        return value.options(ndim=2).value
    return value


def _scalar(value: Any) -> Any:
    cells = flatten(value) if isinstance(value, (list, tuple)) else [value]
    return cells[0] if cells else None


def _canonical(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return None if is_blank(value) else value


def build_settings(policy: Any, holidays: Any = None, workdays: Any = None, hours: Any = None,
                   weekend: Any = None, years: Any = None) -> LiveSettings:
    """Parse the policy rows and the calendar cells (as the routines read them) into LiveSettings."""
    policy, holidays, workdays = _cell_values(policy), _cell_values(holidays), _cell_values(workdays)
    hours, weekend, years = _scalar(_cell_values(hours)), _scalar(_cell_values(weekend)), _cell_values(years)
    if isinstance(weekend, float):
        weekend = f"{int(weekend):07d}"  # typed as a number, Excel dropped the leading zeros
    rules = sla_policy.rules_from_rows(policy or [])
    calendar = excel_calendar(holidays, workdays, None if is_blank(hours) else str(hours),
                              None if is_blank(weekend) else str(weekend), years)
    covered = sorted(calendar.covered_years or ())
    content = json.dumps([[_canonical(list(row)) for row in policy or []], sorted(map(str, calendar.holidays)),
                          sorted(map(str, calendar.workdays)), _canonical(hours), _canonical(weekend), covered],
                         ensure_ascii=False, default=str)
    digest = hashlib.sha1(content.encode()).hexdigest()[:12]
    span = f"{covered[0]}–{covered[-1]}" if covered else "无"
    summary = (f"时限标准{len(rules)}条，节假日{len(calendar.holidays)}天，调休上班{len(calendar.workdays)}天，"
               f"年份{span}")
    stats["settings_builds"] += 1
    return LiveSettings(digest, rules, calendar, summary)


def remember(settings: LiveSettings, *aliases: str) -> LiveSettings:
    for key in (settings.digest, *aliases):
        _cache[key] = settings
        _cache.move_to_end(key)
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return settings


def digest_of(token: Any) -> str | None:
    text = _scalar(token)
    if not isinstance(text, str) or not text.startswith(TOKEN_PREFIX):
        return None
    return text[len(TOKEN_PREFIX):].split("（", 1)[0].strip() or None


def settings_for(token: Any, policy: Any = None, holidays: Any = None, workdays: Any = None,
                 hours: Any = None, weekend: Any = None, years: Any = None) -> LiveSettings:
    """The settings a token names: from the cache, else read from the ranges (once) and cached
    under the token's digest as well (the token cell is recalculated before any row whose
    settings changed, so a token Excel did not recalculate still describes these ranges)."""
    digest = digest_of(token)
    if digest is not None and digest in _cache:
        stats["cache_hits"] += 1
        _cache.move_to_end(digest)
        return _cache[digest]
    if policy is None:
        raise SettingsMissing(token, "缺少「时限参数」— 请引用系统参数中「时限参数」的单元格，并给出时限标准表区域")
    return remember(build_settings(policy, holidays, workdays, hours, weekend, years),
                     *([digest] if digest else []))


def clear_cache() -> None:
    _cache.clear()
    for key in stats:
        stats[key] = 0


def stage_due_cells(stage, rules, calendar, start, request_type, urgency, start_if_blank=None):
    """The deadlines of one stage for cells of starts, types and urgencies (``calendar`` is called
    once, when needed): the routines' rule (udfs.policy.stage_dues: the stricter of the type's
    and the urgency's rows wins), without pauses; blank where no rule applies."""
    stage_name = "" if stage is None else str(stage).strip()

    def compute(grid: Cells):
        c = grid.columns
        starts = list(c["start"])
        fallback = c.get("start_if_blank")
        if fallback is not None:
            starts = [fallback[i] if is_blank(s) and not is_blank(fallback[i]) else s for i, s in enumerate(starts)]
        types, levels = list(c["request_type"]), list(c["urgency"])
        cal = calendar()
        if grid.size <= _SCALAR_CELLS:
            return _due_each(rules, stage_name, starts, types, levels, cal)
        chosen = sla_policy.stage_dues(rules, stage_name, starts, types, levels, cal)
        return chosen.due, chosen.errors

    arguments = {"start": start, "request_type": request_type, "urgency": urgency}
    if start_if_blank is not None:
        arguments["start_if_blank"] = start_if_blank
    return compute_cells(arguments, compute)


# A formula per row asks for one deadline: sla.due is ~100× faster than due_many's set-up for a
# single value and equal to it element by element (tests/test_udfs_sla_properties.py); the
# stricter rule wins as in stage_dues.
_SCALAR_CELLS = 8


def _due_each(rules, stage: str, starts, types, levels, cal):
    values = np.empty(len(starts), dtype=object)
    errors: dict[int, UdfError] = {}
    for i, (begin, kind, level) in enumerate(zip(starts, types, levels)):
        if is_blank(begin):
            values[i] = None
            continue
        try:
            dues = [sla.due(begin, rule.amount, rule.unit, cal)
                    for rule in sla_policy.applicable_rules(rules, stage, _text(kind), _text(level))]
        except UdfError as error:
            errors[i] = error
            continue
        dues = [d for d in dues if d is not None]
        values[i] = min(dues) if dues else None
    return values, errors


def _text(value: Any) -> str | None:
    return None if is_blank(value) else str(value).strip()
