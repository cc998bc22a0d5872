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

    results = check_addin(xlam)
    failed = 0
    for result in results:
        mark = "通过" if result.passed else "失败"
        failed += not result.passed
        _echo(f"[{mark}] {result.name}：{result.message}")
    if failed:
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

    result = install_addin(target, dry_run=dry_run)
    for line in result.lines:
        _echo(line)


def run() -> None:  # pragma: no cover - console entry point for `python -m macros.cli`
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
