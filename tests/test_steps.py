"""A routine's steps run in an order where each finds what it needs (macros.steps).

The situation a developer meets: a new routine lists 计算状态 but forgets 计算时限, so statuses would
be judged against the deadlines left in the file from the last refresh (or none at all). The runner
must refuse such a list before it opens the workbook, naming the step and what it lacks.
"""

from __future__ import annotations

import datetime as dt

import pytest

from macros import refresh
from macros.callbacks import callback_tasks_step, followups_step
from macros.deadlines import deadlines_step, statuses_step
from macros.dispatch import dispatch_step
from macros.escalate import escalation_step
from macros.steps import StepOrderError, check_order

NOW = dt.datetime(2026, 11, 20, 16, 0)


def test_statuses_without_deadlines_are_refused_before_the_workbook_is_opened(tmp_path):
    missing = tmp_path / "不存在.xlsx"  # were the file opened first, this would be a file-not-found error
    with pytest.raises(StepOrderError, match="statuses_step.*计算状态.*deadlines"):
        refresh.run_steps(missing, [statuses_step, escalation_step], now=NOW)


def test_escalation_needs_statuses():
    with pytest.raises(StepOrderError, match="escalation_step.*statuses"):
        check_order([deadlines_step, escalation_step])


def test_tickets_added_after_deadlines_make_them_stale():
    # 二次处理 adds tickets: deadlines computed before it do not cover them
    with pytest.raises(StepOrderError, match="statuses_step.*deadlines"):
        check_order([deadlines_step, followups_step, statuses_step])
    # dispatch fills 紧急程度, which the deadlines depend on
    with pytest.raises(StepOrderError, match="callback_tasks_step.*deadlines"):
        check_order([deadlines_step, dispatch_step, callback_tasks_step])


def test_an_undeclared_function_is_not_a_step():
    def my_step(work):
        pass

    with pytest.raises(StepOrderError, match="my_step.*not declared"):
        check_order([deadlines_step, my_step])


def test_every_routine_runs_and_names_its_steps_in_chinese(new_book):
    said: list[str] = []
    refresh.refresh_all(new_book, now=NOW, progress=said.append)
    steps = [line.split(") ", 1)[1] for line in said if line.startswith("(")]
    # the order a manager reads in the progress box of 全部刷新 (macros.refresh.refresh_all)
    assert steps[:8] == ["二次处理", "工单编号", "数据检查", "派单", "计算时限", "计算状态", "回访任务", "超时预警"]
    assert all(not step.endswith("_step") for step in steps)
    for routine in (refresh.dispatch, refresh.escalate, refresh.callbacks, refresh.kpi, refresh.summary,
                    refresh.staffing):
        routine(new_book, now=NOW)  # would raise StepOrderError if its list were misordered
