"""HTML review reports (SPEC §8): 优化效果评估报告, 月度服务报告, 执行检查与整改报告.

Contexts are plain dicts built by pure functions of the workbook's frames and ``now``
(``reports.evaluation``, ``reports.monthly``, ``reports.checklist``); ``reports.render`` is the
thin shell that reads the workbook, runs the steps a report needs in memory and renders the
Jinja2 templates in ``reports/templates/`` to one self-contained HTML file.
"""

from reports.render import KINDS, ReportError, render_html, render_report

__all__ = ["KINDS", "ReportError", "render_html", "render_report"]
