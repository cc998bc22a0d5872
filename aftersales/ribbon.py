"""Ribbon entry points: what the add-in's buttons call through xlwings' RunPython.

Each function acts on the workbook that called it (``xw.Book.caller()``, looked up inside the
function, never at import time) and delegates to the same routine the CLI runs. The VBA side
(``addin/*.bas``) calls them as ``RunPython "import aftersales.ribbon; aftersales.ribbon.<name>()"``;
the button table (id → function, label) is the add-in's, ``addin.ribbon.BUTTONS``.
"""

from __future__ import annotations


import datetime as dt
from pathlib import Path
from typing import Callable

TITLE = "售后服务"


def _caller():
    import xlwings as xw

    return xw.Book.caller()


def _run_on_caller(routine: Callable, **kwargs) -> None:
    """Run ``routine`` on the calling workbook, with progress in Excel's status bar and a summary."""
    from workbook.errors import WorkbookError

    book = _caller()
    app = book.app

    def progress(text: str) -> None:
        app.status_bar = f"{TITLE}：{text}"

    try:
        result = routine(book, now=None, progress=progress, **kwargs)  # None: the clock in 系统参数 时区
    except WorkbookError as exc:
        app.status_bar = False
        app.alert(str(exc), title=f"{TITLE} — 未完成")
        return
    except Exception as exc:  # noqa: BLE001 - Excel refused a write (e.g. a protected sheet)
        app.status_bar = False
        app.alert(f"运行中止：{exc}\n\n若工作表已用「aftersales protect」保护，请先撤消工作表保护再运行；"
                  "已写入的单元格可用 Excel 的撤消或「备份」文件夹恢复。", title=f"{TITLE} — 未完成")
        return
    app.status_bar = False
    errors = [str(p) for p in result.problems if p.level == "错误"]
    lines = list(result.lines)
    if errors:
        lines.append(f"发现 {len(errors)} 个数据错误（见「数据问题」表），例如：")
        lines += errors[:3]
    app.alert("\n".join(lines), title=TITLE)


def dispatch() -> None:
    """派单 button."""
    from macros import refresh

    _run_on_caller(refresh.dispatch)


def refresh_all() -> None:
    """全部刷新 button."""
    from macros import refresh

    _run_on_caller(refresh.refresh_all)


def refresh_kpi() -> None:
    """刷新KPI button."""
    from macros import refresh

    _run_on_caller(refresh.kpi)


def monthly_summary() -> None:
    """月度汇总 button."""
    from macros import refresh

    _run_on_caller(refresh.summary)


def callbacks() -> None:
    """回访任务 button."""
    from macros import refresh

    _run_on_caller(refresh.callbacks)


def staffing() -> None:
    """人员配置 button: the 人员配置测算 sheet from the workbook's history."""
    from macros import refresh

    _run_on_caller(refresh.staffing)


def _report(kind: str) -> None:
    import webbrowser

    from reports.render import build_context, render_html, report_note, write_atomically

    book = _caller()
    folder = Path(book.fullname).parent if Path(book.fullname).parent.exists() else Path.home()
    target = folder / f"{Path(book.name).stem}_{kind}_{dt.date.today():%Y%m%d}.html"
    book.app.status_bar = f"{TITLE}：生成报告 …"
    try:
        context = build_context(book, kind=kind, now=None)  # now: the clock in 系统参数 时区
        write_atomically(target, render_html(kind, context))
    finally:
        book.app.status_bar = False
    note = report_note(kind, context)
    if note and not context.get("has_data", True):  # an empty month: say so, not a blank report only
        book.app.alert(note.replace(" — 要看其他月份请加 --month YYYY-MM", "") + f"\n\n报告：{target}", title=TITLE)
    webbrowser.open(target.as_uri())


def report_evaluation() -> None:
    """评估报告 button: 优化效果评估报告 as HTML next to the workbook."""
    _report("evaluation")


def report_monthly() -> None:
    """月度报告 button: 月度服务报告 as HTML next to the workbook."""
    _report("monthly")


def report_checklist() -> None:
    """检查报告 button: 执行检查与整改报告 as HTML next to the workbook."""
    _report("checklist")


def new_workbook() -> None:
    """新建工作簿 button: an empty workbook beside the current one, opened in Excel."""
    import xlwings as xw

    from workbook.builder import new_workbook as build

    book = _caller()
    folder = Path(book.fullname).parent if Path(book.fullname).parent.exists() else Path.home()
    target = folder / f"售后服务_{dt.date.today():%Y%m%d}.xlsx"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"售后服务_{dt.date.today():%Y%m%d}_{n}.xlsx"
    build(target)
    from macros.refresh import getting_started

    getting_started(target, backups=0)  # the 开始使用 sheet shows its ✓/✗ from the first look
    xw.Book(str(target))


def _selected_text(book) -> str:
    """The text of the selected cells, one line per cell (a notice pasted into a sheet spans rows)."""
    selection = book.selection
    if selection is None:
        return ""
    rows = selection.options(ndim=2).value or []
    return "\n".join(str(v) for row in rows for v in row if v is not None and str(v).strip())


def _chosen_file_text(app) -> str | None:
    """Ask Excel (Windows) for a .txt file and read it; None when cancelled or not possible here."""
    try:
        chosen = app.api.GetOpenFilename("文本文件 (*.txt),*.txt", 1, "选择放假通知文本文件")
    except Exception:  # noqa: BLE001 - macOS Excel or no COM: explain instead
        return None
    if not chosen or chosen is False:
        return None
    raw = Path(str(chosen)).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def import_holiday_notice() -> None:
    """导入放假通知 button: the State Council notice from the selected cells, else from a .txt file."""
    from macros.calendar_year import import_notice
    from udfs.errors import NoticeUnreadable
    from udfs.notice import parse_notice

    book = _caller()
    text = _selected_text(book)
    if "节" not in text or ("放假" not in text and "上班" not in text):
        text = _chosen_file_text(book.app)
    if not text:
        book.app.alert("请把「国务院办公厅关于…年部分节假日安排的通知」全文粘贴到任一工作表（可占多行），"
                       "选中这些单元格后再点「导入放假通知」；或把通知另存为 .txt 文件后选择它。", title=TITLE)
        return
    try:
        parse_notice(text)  # an unreadable notice is named before the workbook is touched
    except NoticeUnreadable as exc:
        book.app.alert(str(exc), title=f"{TITLE} — 未导入")
        return
    _run_on_caller(import_notice, text=text)


def consolidate_hq() -> None:
    """总部汇总 button (in an HQ workbook): pool the store workbooks named on its 汇总设置 sheet and
    rewrite the HQ sheets in place; the files not consolidated are listed with their reasons."""
    from macros.consolidate import consolidate, hq_sources
    from macros.hq import hq_sheets
    from workbook.errors import WorkbookError
    from workbook.hqbook import read_hq_settings, write_hq_sheets_to_book

    book = _caller()
    app = book.app
    here = Path(book.fullname).parent if Path(book.fullname).parent.exists() else Path.cwd()
    settings = read_hq_settings(book)
    sources = hq_sources(settings.get("门店工作簿位置"), here)
    if not sources:
        app.alert("请先在「汇总设置」表的「门店工作簿位置」填写门店工作簿所在的文件夹（或文件，多个用「；」分隔）。",
                  title=f"{TITLE} — 总部汇总")
        return

    def progress(text: str) -> None:
        app.status_bar = f"{TITLE}：{text}"

    try:
        result = consolidate(sources, start=_day(settings.get("统计开始")), end=_day(settings.get("统计结束")),
                             now=dt.datetime.now(), exclude=[Path(book.fullname)], progress=progress)
        write_hq_sheets_to_book(book, hq_sheets(result, sources=sources))
    except WorkbookError as exc:
        app.status_bar = False
        app.alert(str(exc), title=f"{TITLE} — 总部汇总未完成")
        return
    app.status_bar = False
    lines = list(result.lines)
    lines += [f"{'注意' if i.included else '未汇总'}：{i}" for i in result.issues[:8]]
    if len(result.issues) > 8:
        lines.append(f"……共 {len(result.issues)} 个文件需要注意，见「总部汇总」表")
    app.alert("\n".join(lines), title=f"{TITLE} — 总部汇总")


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        return dt.date.fromisoformat(value.strip()[:10])
    return None
