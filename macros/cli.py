"""The ``aftersales`` command: every routine on a workbook file, with no Excel.

Each command is a thin wrapper over a documented library function; errors from the library are
named exceptions that become one clear Chinese message here, with exit code 1 (2 for usage).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from workbook.errors import WorkbookError


def _echo(line: str) -> None:
    click.echo(line)


def _parse_now(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now().replace(microsecond=0)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise click.BadParameter(f"“{value}”不是有效时间 — 请用 YYYY-MM-DD HH:MM", param_hint="--now")


NOW_OPTION = click.option(
    "--now", "now_text", metavar="'YYYY-MM-DD HH:MM'",
    help="Treat this moment as the current time (default: the clock).",
)
FORCE_OPTION = click.option(
    "--force", is_flag=True, help="Write even though Excel's lock file (~$BOOK.xlsx) is present.",
)
BOOK_ARG = click.argument("book", type=click.Path(dir_okay=False, path_type=Path))


class FriendlyGroup(click.Group):
    """Turns library errors into one Chinese line on stderr and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WorkbookError as exc:
            click.echo(f"错误：{exc}", err=True)
            ctx.exit(1)


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aftersales-workbook")
def main() -> None:
    """After-sales service workbook: run every routine on a workbook file, no Excel needed."""


@main.command("new")
@BOOK_ARG
def new_command(book: Path) -> None:
    """Write an empty, ready-to-use workbook.

    Example: aftersales new 售后服务.xlsx
    """
    from workbook.builder import new_workbook

    report = new_workbook(book)
    _echo(f"已创建 {book}：{len(report.sheets)} 张工作表")
    if report.calendar_years:
        years = "、".join(str(y) for y in report.calendar_years)
        _echo(f"已预置 {years} 年法定节假日与调休上班日")
    for year in report.missing_years:
        _echo(f"注意：节假日库尚无 {year} 年数据（国务院通知发布后请在「节假日」「调休上班日」表补充，"
              f"并在「系统参数」的「节假日数据年份」中加上 {year}）")


@main.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Folder for the sample workbook and reports.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: same seed, same data.")
@click.option("--tickets", type=click.IntRange(min=10), default=2000, show_default=True,
              help="How many tickets to generate.")
@NOW_OPTION
def demo_command(out_dir: Path, seed: int, tickets: int, now_text: str | None) -> None:
    """Generate a realistic sample workbook and run every routine on it.

    Example: aftersales demo --out out --seed 1 --tickets 2000
    """
    from macros.demo import run_demo
    from workbook.sample import DEMO_NOW

    now = _parse_now(now_text) if now_text else DEMO_NOW
    result = run_demo(out_dir, seed=seed, tickets=tickets, now=now, say=_echo)
    for line in result.lines:
        _echo(line)


class TerminalProgress:
    """A progress bar on stderr (hidden when stderr is not a terminal) fed by step names."""

    def __init__(self, total: int | None = None):
        from tqdm import tqdm

        self.bar = tqdm(total=total, file=sys.stderr, leave=False, disable=not sys.stderr.isatty(),
                        bar_format="{desc} {n_fmt} 步 [{elapsed}]")

    def __call__(self, text: str) -> None:
        self.bar.set_description_str(text)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _run(routine, book: Path, **kwargs):
    """Run a routine with a progress bar; print what it did and a summary of the problems."""
    progress = TerminalProgress()
    try:
        result = routine(book, progress=progress, **kwargs)
    finally:
        progress.close()
    for line in result.lines:
        _echo(line)
    _print_problems(result.problems)
    return result


def _print_problems(problems, limit: int = 10) -> None:
    errors = [p for p in problems if p.level == "错误"]
    if not errors:
        return
    _echo(f"发现 {len(errors)} 个数据错误（相应的行已跳过），前 {min(limit, len(errors))} 个：")
    for problem in errors[:limit]:
        _echo(f"  {problem}")


@main.command("dispatch")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def dispatch_command(book: Path, now_text: str | None, force: bool) -> None:
    """Dispatch (派单): assign every unassigned ticket and stamp its deadlines.

    Example: aftersales dispatch 售后服务.xlsx
    """
    from macros.refresh import dispatch

    _run(dispatch, book, now=_parse_now(now_text), force=force)


@main.command("escalate")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def escalate_command(book: Path, now_text: str | None, force: bool) -> None:
    """List overdue and at-risk open tickets on the 超时预警 sheet.

    Example: aftersales escalate 售后服务.xlsx --now "2026-11-20 16:00"
    """
    from macros.refresh import escalate

    _run(escalate, book, now=_parse_now(now_text), force=force)


@main.command("callbacks")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def callbacks_command(book: Path, now_text: str | None, force: bool) -> None:
    """Create callback tasks (回访计划) and 二次处理 tickets for survey scores below 7.

    Example: aftersales callbacks 售后服务.xlsx
    """
    from macros.refresh import callbacks

    _run(callbacks, book, now=_parse_now(now_text), force=force)


def _parse_date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效日期 — 请用 YYYY-MM-DD", param_hint=name) from None


@main.command("kpi")
@BOOK_ARG
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First day of the period (inclusive).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last day of the period (inclusive).")
@click.option("--json", "as_json", is_flag=True, help="Print the KPIs as JSON instead of writing the dashboard.")
@NOW_OPTION
@FORCE_OPTION
def kpi_command(book: Path, date_from: str | None, date_to: str | None, as_json: bool,
                now_text: str | None, force: bool) -> None:
    """Refresh the KPI看板 sheet for a period (or print the KPIs as JSON).

    Example: aftersales kpi 售后服务.xlsx --from 2026-09-01 --to 2026-09-30 --json
    """
    from macros.refresh import kpi

    start, end = _parse_date(date_from, "--from"), _parse_date(date_to, "--to")
    if start and end and start > end:
        raise click.BadParameter("开始日期晚于结束日期", param_hint="--from/--to")
    now = _parse_now(now_text)
    if as_json:
        result = kpi(book, now=now, start=start, end=end, force=force, write=False)
        click.echo(json.dumps(result.results.get("kpi"), ensure_ascii=False, indent=2, default=str))
        return
    _run(kpi, book, now=now, start=start, end=end, force=force)


@main.command("summary")
@BOOK_ARG
@click.option("--month", metavar="YYYY-MM", help="The month to summarise (default: the current month).")
@NOW_OPTION
@FORCE_OPTION
def summary_command(book: Path, month: str | None, now_text: str | None, force: bool) -> None:
    """Write the monthly summary sheet 月报_YYYY-MM.

    Example: aftersales summary 售后服务.xlsx --month 2026-10
    """
    from macros.refresh import summary

    if month is not None:
        try:
            dt.datetime.strptime(month, "%Y-%m")
        except ValueError:
            raise click.BadParameter(f"“{month}”不是有效月份 — 请用 YYYY-MM", param_hint="--month") from None
    _run(summary, book, month=month, now=_parse_now(now_text), force=force)


@main.command("refresh")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def refresh_command(book: Path, now_text: str | None, force: bool) -> None:
    """Refresh everything in one pass: dispatch, deadlines, escalation, callbacks, KPIs, summary.

    Example: aftersales refresh 售后服务.xlsx
    """
    from macros.refresh import refresh_all

    _run(refresh_all, book, now=_parse_now(now_text), force=force)


@main.command("report")
@BOOK_ARG
@click.option("--kind", type=click.Choice(["evaluation", "monthly", "checklist"]), required=True,
              help="evaluation: 优化效果评估报告; monthly: 月度服务报告; checklist: 执行检查与整改报告.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML file to write.")
@click.option("--month", metavar="YYYY-MM",
              help="For --kind monthly: the month (default: last month until its 月报截止日, then this month).")
@NOW_OPTION
def report_command(book: Path, kind: str, out: Path, month: str | None, now_text: str | None) -> None:
    """Render a self-contained HTML review report from the workbook (the workbook is not changed).

    Example: aftersales report 售后服务.xlsx --kind evaluation --out 评估报告.html
    """
    from reports.render import render_report

    path = render_report(book, kind=kind, out=out, now=_parse_now(now_text), month=month)
    _echo(f"已生成报告：{path}")


@main.command("protect")
@BOOK_ARG
@click.option("--password", default=None, help="Password for the sheet protection (optional).")
@click.option("--undo", is_flag=True, help="Show the personal columns again and remove the protection.")
@FORCE_OPTION
def protect_command(book: Path, password: str | None, undo: bool, force: bool) -> None:
    """Hide the personal columns (name, phone, address); lock them where staff never add rows.

    Example: aftersales protect 售后服务.xlsx --password 秘密
    """
    from workbook.protect import protect_personal, unprotect_personal

    action = unprotect_personal if undo else protect_personal
    report = action(book, password=password, force=force)
    for line in report.lines:
        _echo(line)


@main.command("build-addin")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("dist/aftersales.xlam"), show_default=True, help="Where to write the add-in.")
def build_addin_command(out: Path) -> None:
    """Build the Excel add-in (.xlam) with the 售后服务 ribbon tab and the UDFs.

    Example: aftersales build-addin --out dist/aftersales.xlam
    """
    from addin.build import build_addin

    path = build_addin(out)
    _echo(f"已生成加载项：{path}")


@main.command("check-addin")
@click.argument("xlam", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_addin_command(xlam: Path) -> None:
    """Verify a built add-in: package, ribbon, VBA modules, callbacks and UDF wrappers.

    Example: aftersales check-addin dist/aftersales.xlam
    """
    from addin.checks import check_addin

    marks = {"pass": "通过", "fail": "失败", "skip": "跳过"}
    results = check_addin(xlam)
    for result in results:
        _echo(f"[{marks.get(result.status, result.status)}] {result.name}：{result.message}")
    if not all(result.ok for result in results):
        raise SystemExit(1)


@main.command("install-addin")
@click.option("--target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Install into this folder instead of Excel's XLSTART folder.")
@click.option("--dry-run", is_flag=True, help="Only explain what would be done.")
def install_addin_command(target: Path | None, dry_run: bool) -> None:
    """Install the add-in into Excel's start-up folder, or explain how on this OS.

    Example: aftersales install-addin --dry-run
    """
    from addin.install import install_addin

    _echo(str(install_addin(target, dry_run=dry_run)))


def run() -> None:  # pragma: no cover - console entry point for `python -m macros.cli`
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
