"""Render a review report: read the workbook once, run the steps it needs in memory, write one HTML file.

``render_report`` is the imperative shell (CLI ``aftersales report``, the ribbon's report buttons
and the demo call it); ``render_html`` is the thin, pure renderer over a context dict. The
workbook is never written: the steps run on a ``Work`` in memory and nothing is committed.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Callable

import jinja2
from markupsafe import Markup

from workbook.masking import mask_text
from workbook import open_workbook
from workbook.errors import WorkbookError

KINDS = ("evaluation", "monthly", "checklist")
TITLES = {"evaluation": "优化效果评估报告", "monthly": "月度服务报告", "checklist": "执行检查与整改报告"}
TEMPLATES = Path(__file__).with_name("templates")


class ReportError(WorkbookError):
    """A report cannot be made (unknown kind, bad month); the message says how to fix it."""


def _finalize(value):
    """Every value printed by a template: None as blank, and phones in any text masked (a safety
    net behind the contexts' own masking). Markup (the charts) is left alone."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return mask_text(value) or ""
    return value


def environment() -> jinja2.Environment:
    """The Jinja2 environment of the reports: autoescape on, StrictUndefined, templates on disk."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_ENV: jinja2.Environment | None = None

REFLOW_COLUMNS = 4  # a table this wide, or one with a long-text column, becomes cards on a phone (report.css)
_TABLE = re.compile(r'<div class="table-wrap"><table>(.*?)</table></div>', re.S)
_HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_DATA_CELL = re.compile(r"<td\b([^>]*)>")
_COLSPAN = re.compile(r'colspan="(\d+)"')
_MARKUP = re.compile(r"<[^>]+>")
_LONG_TEXT = re.compile(r'<td class="(?:wide|text)"')


def label_cells(page: str) -> str:
    """Give every data cell of a wide table its column header as ``data-label`` and mark the table
    ``reflow``, so that on a phone each row can be shown as a card of labelled lines (CSS only).

    The headers are the table's own ``<th>`` texts (already escaped); a cell spanning columns
    (a group row) gets no label. Narrow tables of short values (counts and shares) stay tables."""
    def one_table(match: re.Match) -> str:
        body = match.group(1)
        if "</thead>" not in body:
            return match.group(0)
        head, _, rows = body.partition("</thead>")
        headers = [html.unescape(_MARKUP.sub("", h)).strip() for h in _HEADER_CELL.findall(head)]
        if len(headers) < REFLOW_COLUMNS and not _LONG_TEXT.search(rows):
            return match.group(0)

        def one_row(row: re.Match) -> str:
            column = 0

            def one_cell(cell: re.Match) -> str:
                nonlocal column
                attributes = cell.group(1)
                span = _COLSPAN.search(attributes)
                label = headers[column] if column < len(headers) and not span else ""
                column += int(span.group(1)) if span else 1
                return f'<td{attributes} data-label="{html.escape(label)}">' if label else cell.group(0)

            return _DATA_CELL.sub(one_cell, row.group(0))

        return (f'<div class="table-wrap reflow"><table class="reflow">{head}</thead>'
                f"{_ROW.sub(one_row, rows)}</table></div>")

    return _TABLE.sub(one_table, page)


def render_html(kind: str, context: dict) -> str:
    """The HTML of report ``kind`` for ``context`` (pure)."""
    global _ENV
    if kind not in KINDS:
        raise ReportError(f"未知的报告类型“{kind}” — 可选：{'、'.join(KINDS)}")
    if _ENV is None:
        _ENV = environment()
    return label_cells(_ENV.get_template(f"{kind}.html").render(context | {"kind": kind}))


# ---- the shell ---------------------------------------------------------------------------------
def _steps(kind: str) -> list[Callable]:
    from macros.deadlines import deadlines_step, statuses_step
    from macros.project import checklist_step, project_step

    return {
        # Deadlines and statuses are recomputed in memory so SLA figures never rest on stale cells.
        "evaluation": [deadlines_step, statuses_step, project_step, checklist_step],
        "monthly": [deadlines_step, statuses_step],
        "checklist": [project_step, checklist_step],
    }[kind]


def _context(kind: str, frames, settings, *, now: dt.datetime, source: str, problems: int, month: str | None) -> dict:
    if kind == "evaluation":
        from reports.evaluation import evaluation_context

        return evaluation_context(frames, settings, now=now, source=source, problems=problems)
    if kind == "monthly":
        from reports.monthly import monthly_context

        try:
            return monthly_context(frames, settings, now=now, source=source, month=month, problems=problems)
        except ValueError as exc:  # a month that is not YYYY-MM: macros.summary says how to write it
            raise ReportError(str(exc)) from exc
    from reports.checklist import checklist_context

    return checklist_context(frames, now=now, source=source, problems=problems)


def context_of_work(work, *, kind: str, month: str | None = None) -> dict:
    """The context of report ``kind`` from a Work whose steps include the report's own (全部刷新's
    do): the frames the run holds, so the workbook is not read again."""
    frames = {name: work.view(name) for name in work.snapshot.sheets
              if not work.snapshot.sheets[name].missing_headers}
    problems = sum(p.level == "错误" for p in work.snapshot.problems + work.problems)
    source_name = Path(str(work.snapshot.origin)).name
    return _context(kind, frames, work.settings, now=work.now, source=source_name, problems=problems, month=month)


def render_from_work(work, *, kind: str, out: Path, month: str | None = None) -> Path:
    """Render report ``kind`` to ``out`` from a finished run's Work (see ``context_of_work``)."""
    if kind not in KINDS:
        raise ReportError(f"未知的报告类型“{kind}” — 可选：{'、'.join(KINDS)}")
    return write_atomically(Path(out), render_html(kind, context_of_work(work, kind=kind, month=month)))


def build_context(source, *, kind: str, now: dt.datetime | None = None, month: str | None = None) -> dict:
    """Read ``source`` (a path or an xw.Book) once, run the report's steps in memory, build its context."""
    if kind not in KINDS:
        raise ReportError(f"未知的报告类型“{kind}” — 可选：{'、'.join(KINDS)}")
    from macros.work import Work

    with open_workbook(source, read_only=True) as session:
        work = Work(session.snapshot, now)
        if now is None:  # the clock in the workbook's 系统参数 时区
            from macros.settings import team_now

            work.now = now = team_now(work.settings.zone)
        for step in _steps(kind):
            step(work)
        return context_of_work(work, kind=kind, month=month)


def write_atomically(out: Path, text: str) -> Path:
    """Write the report ``text`` to ``out`` all or nothing (``workbook.store.write_atomically``)."""
    from workbook.store import write_atomically as write

    return write(Path(out), text)


def report_note(kind: str, context: dict) -> str | None:
    """What the user should know about the report just rendered: the month a monthly report
    covers, and that it is empty when nothing was received in that month."""
    if kind != "monthly":
        return None
    year, month = (int(part) for part in context["month"].split("-"))
    note = f"报告月份：{year}年{month}月"
    if not context["has_data"]:
        note += "（该月没有受理工单，报告各项为空 — 要看其他月份请加 --month YYYY-MM）"
    return note


def render_report(source, *, kind: str, out: Path, now: dt.datetime | None = None, month: str | None = None) -> Path:
    """Render report ``kind`` from the workbook ``source`` (a path or an xw.Book) to the HTML file ``out``.

    Example::

        render_report("售后服务.xlsx", kind="evaluation", out=Path("评估报告.html"))  # now: the team's clock
    """
    context = build_context(source, kind=kind, now=now, month=month)
    return write_atomically(Path(out), render_html(kind, context))
