"""Ribbon entry points: what the add-in's buttons call through xlwings' RunPython.

Each function acts on the workbook that called it (``xw.Book.caller()``, looked up inside the
function, never at import time) and delegates to the same routine the CLI runs. The VBA side
(``addin/*.bas``) calls them as ``RunPython "import macros.ribbon; macros.ribbon.<name>()"``.
"""

from __future__ import annotations

# Button id → (function name, Chinese label). The add-in build and its checks read this table,
# so a button and its Python entry point cannot drift apart.
BUTTONS: dict[str, tuple[str, str]] = {
    "Dispatch": ("dispatch", "派单"),
    "RefreshAll": ("refresh_all", "全部刷新"),
    "RefreshKpi": ("refresh_kpi", "刷新KPI"),
    "MonthlySummary": ("monthly_summary", "月度汇总"),
    "Callbacks": ("callbacks", "回访任务"),
    "ReportEvaluation": ("report_evaluation", "评估报告"),
    "ReportMonthly": ("report_monthly", "月度报告"),
    "ReportChecklist": ("report_checklist", "检查报告"),
    "NewWorkbook": ("new_workbook", "新建工作簿"),
}
