"""Steps of a routine: each declares its user-facing name, what it needs and what it provides.

A routine is a list of steps run on one ``Work``. Order matters — statuses are computed from
deadlines, the 超时预警 queue and the KPIs from statuses — and a step that adds tickets makes the
deadlines computed before it stale. That rule lives here, once: each step says which facts it
``needs``, which it ``provides`` and which it ``invalidates``, and ``check_order`` refuses a list
in which a step would read a fact no earlier step established (or one a later step made stale),
before the workbook is even opened. A routine that forgets ``deadlines_step`` fails loudly
instead of judging tickets by the deadlines left in the file.

Facts (strings, kept short):
  "numbers"    every ticket has a 服务工单号
  "checked"    data checks ran (数据异常 filled)
  "assigned"   unassigned tickets got a 处理人
  "followups"  二次处理 tickets for low surveys exist
  "deadlines"  every 时限 column is computed for every ticket in the run
  "statuses"   every 状态 column is computed as of ``now``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass(frozen=True)
class StepInfo:
    name: str  # shown to users in progress lines and timings (Chinese)
    needs: frozenset[str] = frozenset()
    provides: frozenset[str] = frozenset()
    invalidates: frozenset[str] = frozenset()


class StepOrderError(RuntimeError):
    """A routine's steps are in an order that would compute from missing or stale results."""


def step(name: str, *, needs: Iterable[str] = (), provides: Iterable[str] = (),
         invalidates: Iterable[str] = ()) -> Callable:
    """Declare a function ``f(work)`` as a step (a decorator)."""
    info = StepInfo(name, frozenset(needs), frozenset(provides), frozenset(invalidates))

    def mark(function: Callable) -> Callable:
        function.step = info
        return function

    return mark


def like(original: Callable, function: Callable) -> Callable:
    """``function`` (e.g. a closure binding a parameter) declared as the same step as ``original``."""
    function.step = info_of(original)
    function.__name__ = original.__name__
    return function


def info_of(function: Callable) -> StepInfo:
    info = getattr(function, "step", None)
    if not isinstance(info, StepInfo):
        raise StepOrderError(f"{getattr(function, '__name__', function)!r} is not declared with @step(...)")
    return info


def check_order(steps: Iterable[Callable]) -> list[StepInfo]:
    """The steps' declarations, or StepOrderError naming the first step whose needs are not met."""
    known: set[str] = set()
    infos = []
    for function in steps:
        info = info_of(function)
        missing = sorted(info.needs - known)
        if missing:
            raise StepOrderError(
                f"step {function.__name__} ({info.name}) needs {', '.join(missing)}, which no earlier step "
                f"provides (or a later step made stale); add the step that provides it before this one")
        known -= info.invalidates
        known |= info.provides
        infos.append(info)
    return infos
