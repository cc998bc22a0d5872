"""公式转数值 (``aftersales values-only``): every program formula in the workbook becomes its value.

For teams whose Excel has no add-in UDFs (macOS Excel, WPS, Excel without the add-in), which
would recalculate the formula cells to #NAME?. The run computes the values afresh (the 时限
columns and the 执行检查表, as a refresh would) and writes them over the formulas, removes the
intake table's calculated 时限 columns, and sets 系统参数 公式单元格 = 不使用 and 时限计算方式 =
数值, so later refreshes keep values. Choosing 时限计算方式 = 公式 (or 公式单元格 = 使用) again
brings the formulas back at the next refresh.
"""

from __future__ import annotations

import pandas as pd

from macros.steps import step
from macros.work import Work
from workbook import schema as S


def set_param(work: Work, name: str, value) -> None:
    """系统参数 ``name`` = ``value`` (a row of PARAMS_ROWS appended if the workbook lacks it)."""
    params = work.frame(S.PARAMS.name)
    rows = params.index[params["参数"] == name]
    params["值"] = params["值"].astype(object)
    if len(rows):
        params.at[rows[0], "值"] = value
        return
    note = next(row[2] for row in S.PARAMS_ROWS if row[0] == name)
    labels = work.new_row_labels(S.PARAMS.name, 1)
    added = pd.DataFrame({"参数": [name], "值": [value], "说明": [note]}, index=labels)
    work.frames[S.PARAMS.name] = pd.concat([params, added.reindex(columns=params.columns)])


@step("公式转数值")
def values_only_step(work: Work) -> None:
    """Write no formula in this run and keep it so: 公式单元格 不使用, 时限计算方式 数值."""
    work.udfs = False
    if S.PARAMS.name in work.snapshot.sheets:
        set_param(work, S.FORMULA_CELLS, S.FORMULAS_OFF)
        set_param(work, S.DEADLINE_MODE, S.DEADLINE_VALUES)
    work.lines.append(f"公式转数值：程序写入的公式一律改为数值；系统参数「{S.FORMULA_CELLS}」设为「{S.FORMULAS_OFF}」，"
                      f"「{S.DEADLINE_MODE}」设为「{S.DEADLINE_VALUES}」（改回「{S.DEADLINE_FORMULAS}」并刷新即恢复公式）")
