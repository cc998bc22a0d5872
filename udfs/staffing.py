"""Staffing maths (人员配置测算, SPEC §10): Erlang C for real-time queues, plus the Excel face.

Two layers in one module:

- pure functions (``traffic_erlangs``, ``erlang_c``, ``answered_within``, ``agents_needed``,
  ``rostered_headcount``): plain numbers in, numbers out; bad input raises ``StaffingError``
  naming the value, the problem and the fix. The 人员配置 routine (macros.staffing) calls these.
- the Excel face (``staff_required``, ``service_level``, listed in ``__all__``): thin xlwings UDFs
  over the pure functions; a range of volumes gives a range of answers, a bad element shows
  "#错误: <message>" in its own cell only.

The model (M/M/n, calls wait rather than hang up):

- offered load A = volume × AHT ÷ interval, in Erlangs;
- Erlang B by its recursion B(0) = 1, B(k) = A·B(k−1) ÷ (k + A·B(k−1)) — no factorials or powers,
  so it stays finite and exact to float precision for thousands of agents;
- Erlang C from B: C(n) = n·B(n) ÷ (n − A·(1 − B(n))) for n > A (with n ≤ A the queue grows
  without bound, so every call waits: C = 1, service level 0);
- service level (share answered within the target time t) = 1 − C(n)·exp(−(n − A)·t ÷ AHT);
- agents required: the smallest n meeting the service-level target; at least ⌈A ÷ max
  occupancy⌉ when an occupancy cap is given; with shrinkage (leave, training, breaks: the share
  of paid time not spent on the queue) the rostered head-count is ⌈n ÷ (1 − shrinkage)⌉.

Rounding up allows for float noise (14 ÷ 0.7 is 20.000000000000004, which is 20 agents, not 21).
Nothing here reads the clock or the workbook.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np
import xlwings as xw

from udfs._excel import each
from udfs.errors import UdfError, show
from udfs.values import is_blank

__all__ = ["staff_required", "service_level"]

_CATEGORY = "售后服务 人员配置"
TOLERANCE = 1e-9
MAX_AGENTS = 1_000_000  # far beyond any team; stops a runaway search on absurd inputs


class StaffingError(UdfError):
    """Input from which no head-count or service level can be computed; ``str()`` is the message."""


# ============================================================================================
# Reading inputs
# ============================================================================================
def _number(value: Any, what: str, example: str) -> float:
    """A required number (a cell value, or text like "80%"); raises StaffingError naming the fix."""
    if is_blank(value):
        raise StaffingError(value, f"{what}为空 — 请填写{what}，例如 {example}")
    if isinstance(value, (bool, np.bool_)):
        raise StaffingError(value, f"{what}「{show(value)}」不是数字 — 请填写数字，例如 {example}")
    if isinstance(value, Real):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        scale = 1.0
        if text.endswith(("%", "％")):
            text, scale = text[:-1].strip(), 0.01
        try:
            number = float(text) * scale
        except ValueError:
            raise StaffingError(value, f"{what}「{value}」不是数字 — 请填写数字，例如 {example}") from None
    else:
        raise StaffingError(value, f"{what}「{show(value)}」不是数字 — 请填写数字，例如 {example}")
    if not math.isfinite(number):
        raise StaffingError(value, f"{what}「{show(value)}」不是有限的数字 — 请检查公式")
    return number


def _positive(value: Any, what: str, example: str) -> float:
    number = _number(value, what, example)
    if number <= 0:
        raise StaffingError(value, f"{what}「{show(value)}」须大于 0 — 例如 {example}")
    return number


def _at_least_zero(value: Any, what: str, example: str) -> float:
    number = _number(value, what, example)
    if number < 0:
        raise StaffingError(value, f"{what}「{show(value)}」不能为负数 — 例如 {example}")
    return number


def _share(value: Any, what: str, example: str, *, low_open: bool, high_open: bool) -> float:
    """A fraction: 0.8 or "80%"; 80 is refused (it would be 8000%) rather than guessed at."""
    number = _number(value, what, example)
    low_ok = number > 0 if low_open else number >= 0
    high_ok = number < 1 if high_open else number <= 1
    if not (low_ok and high_ok):
        low = "大于 0" if low_open else "不小于 0"
        high = "小于 1（100%）" if high_open else "不大于 1（100%）"
        raise StaffingError(value, f"{what}「{show(value)}」须{low}且{high} — 请写成小数或百分比，例如 {example}")
    return number


def _optional_share(value: Any, what: str, example: str, *, high_open: bool) -> float | None:
    if is_blank(value):
        return None
    return _share(value, what, example, low_open=not high_open, high_open=high_open)


def ceil_tolerant(value: float) -> int:
    """⌈value⌉, ignoring float noise just above a whole number (20.000000000000004 → 20)."""
    return int(math.ceil(value - TOLERANCE * max(1.0, abs(value))))


# ============================================================================================
# Pure functions
# ============================================================================================
def traffic_erlangs(volume: Any, interval_minutes: Any, aht_seconds: Any) -> float:
    """Offered load in Erlangs: ``volume`` contacts per interval × AHT ÷ the interval's length."""
    calls = _at_least_zero(volume, "来电/会话量", "100")
    minutes = _positive(interval_minutes, "时段长度(分钟)", "30")
    aht = _positive(aht_seconds, "平均处理时长(秒)", "180")
    return calls * aht / (minutes * 60.0)


def erlang_b(agents: int, erlangs: float) -> float:
    """Erlang B (blocking probability) by its recursion; exact to float precision for any size."""
    b = 1.0
    for k in range(1, int(agents) + 1):
        b = erlangs * b / (k + erlangs * b)
    return b


def _erlang_c_from_b(agents: int, erlangs: float, b: float) -> float:
    if agents <= erlangs:
        return 1.0
    return agents * b / (agents - erlangs * (1.0 - b))


def erlang_c(agents: int, erlangs: float) -> float:
    """Erlang C: the probability a contact waits, with ``agents`` agents and ``erlangs`` load."""
    if erlangs <= 0:
        return 0.0
    return _erlang_c_from_b(int(agents), erlangs, erlang_b(int(agents), erlangs))


def _level(agents: int, erlangs: float, c: float, aht: float, target: float) -> float:
    if erlangs <= 0:
        return 1.0
    if agents <= erlangs:
        return 0.0
    return max(0.0, 1.0 - c * math.exp(-(agents - erlangs) * target / aht))


def answered_within(agents: Any, volume: Any, interval_minutes: Any, aht_seconds: Any,
                    target_seconds: Any) -> float:
    """The share of contacts answered within ``target_seconds`` when ``agents`` agents staff the queue."""
    erlangs = traffic_erlangs(volume, interval_minutes, aht_seconds)
    staff = _at_least_zero(agents, "座席数", "14")
    if not float(staff).is_integer():
        raise StaffingError(agents, f"座席数「{show(agents)}」须为整数 — 例如 14")
    target = _at_least_zero(target_seconds, "目标接通时间(秒)", "20")
    aht = float(_positive(aht_seconds, "平均处理时长(秒)", "180"))
    n = int(staff)
    return _level(n, erlangs, erlang_c(n, erlangs), aht, target)


def agents_needed(erlangs: float, aht_seconds: float, target_seconds: float, level: float,
                  max_occupancy: float | None = None) -> int:
    """The fewest agents (on the queue, before shrinkage) meeting ``level`` within ``target_seconds``.

    Walks n upward from ⌊A⌋ + 1 carrying the Erlang B recursion along, so the search costs O(n).
    """
    if erlangs <= 0:
        return 0
    b = erlang_b(int(math.floor(erlangs)), erlangs)
    n = int(math.floor(erlangs))
    while True:
        n += 1
        b = erlangs * b / (n + erlangs * b)
        c = _erlang_c_from_b(n, erlangs, b)
        if _level(n, erlangs, c, aht_seconds, target_seconds) >= level - TOLERANCE:
            break
        if n > MAX_AGENTS:
            raise StaffingError(erlangs, f"所需座席超过 {MAX_AGENTS} — 请检查来电量与处理时长")
    if max_occupancy is not None:
        n = max(n, ceil_tolerant(erlangs / max_occupancy))
    return n


def rostered_headcount(agents: int, shrinkage: float | None) -> int:
    """Head-count to roster so that ``agents`` are on the queue: ⌈agents ÷ (1 − shrinkage)⌉."""
    if not shrinkage:
        return int(agents)
    return ceil_tolerant(agents / (1.0 - shrinkage))


def required_staff(volume: Any, interval_minutes: Any, aht_seconds: Any, target_seconds: Any,
                   target_level: Any, shrinkage: Any = None, max_occupancy: Any = None) -> int:
    """Head-count for a real-time queue: Erlang C agents, the occupancy cap, then shrinkage."""
    erlangs = traffic_erlangs(volume, interval_minutes, aht_seconds)
    aht = _positive(aht_seconds, "平均处理时长(秒)", "180")
    target = _at_least_zero(target_seconds, "目标接通时间(秒)", "20")
    level = _share(target_level, "服务水平目标", "0.8 或 80%", low_open=True, high_open=True)
    lost = _optional_share(shrinkage, "缺勤与非生产时间占比", "0.3 或 30%", high_open=True)
    cap = _optional_share(max_occupancy, "最大占用率", "0.85 或 85%", high_open=False)
    return rostered_headcount(agents_needed(erlangs, aht, target, level, cap), lost)


# ============================================================================================
# The Excel face
# ============================================================================================
@xw.func(category=_CATEGORY)
@xw.arg("volume", ndim=2, doc="每个时段的来电/会话量，如 100；可选一整列（每行一个时段）")
@xw.arg("interval_minutes", ndim=2, doc="时段长度（分钟），如 30 或 60")
@xw.arg("aht_seconds", ndim=2, doc="平均处理时长（秒，含通话与事后处理），如 180")
@xw.arg("target_seconds", ndim=2, doc="目标接通时间（秒），如 20")
@xw.arg("target_level", ndim=2, doc="服务水平目标：目标时间内接通的比例，如 0.8 或 80%")
@xw.arg("shrinkage", ndim=2, doc="缺勤与非生产时间占比（请假、培训、会议、休息），如 0.3；省略为 0")
@xw.arg("max_occupancy", ndim=2, doc="最大占用率（座席忙碌时间上限），如 0.85；省略则不限")
def staff_required(volume, interval_minutes, aht_seconds, target_seconds, target_level,
                   shrinkage=None, max_occupancy=None):
    """计算满足服务水平所需的最少人数（Erlang C；含缺勤率时为排班人数 ⌈N÷(1−缺勤率)⌉）。

    The fifth argument is ``target_level`` rather than ``service_level``: a VBA parameter named
    like the SERVICE_LEVEL wrapper in the same module would shadow that function.
    """
    arguments = {"volume": volume, "interval_minutes": interval_minutes, "aht_seconds": aht_seconds,
                 "target_seconds": target_seconds, "target_level": target_level, "shrinkage": shrinkage,
                 "max_occupancy": max_occupancy}
    return each(arguments, required_staff)


@xw.func(category=_CATEGORY)
@xw.arg("agents", ndim=2, doc="在线座席数（已扣除缺勤），如 14；可选一整列")
@xw.arg("volume", ndim=2, doc="每个时段的来电/会话量，如 100")
@xw.arg("interval_minutes", ndim=2, doc="时段长度（分钟），如 30 或 60")
@xw.arg("aht_seconds", ndim=2, doc="平均处理时长（秒），如 180")
@xw.arg("target_seconds", ndim=2, doc="目标接通时间（秒），如 20")
def service_level(agents, volume, interval_minutes, aht_seconds, target_seconds):
    """计算给定座席数时目标时间内接通的比例（服务水平，Erlang C），如 0.888 即 88.8%。"""
    arguments = {"agents": agents, "volume": volume, "interval_minutes": interval_minutes,
                 "aht_seconds": aht_seconds, "target_seconds": target_seconds}
    return each(arguments, answered_within)
