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


def _parse_now(value: str | None) -> dt.datetime | None:
    """--now as given (no time zone applied); None without it: the routine reads the clock in
    the workbook's 系统参数 时区."""
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise click.BadParameter(f"“{value}”不是有效时间 — 请用 YYYY-MM-DD HH:MM", param_hint="--now")


NOW_OPTION = click.option(
    "--now", "now_text", metavar="'YYYY-MM-DD HH:MM'",
    help="把这个时刻当作当前时间，按原样使用（默认：读取时钟，按工作簿 系统参数 的 时区，未设时为 Asia/Shanghai）。",
)
FORCE_OPTION = click.option(
    "--force", is_flag=True, help="即使工作簿正被打开（有锁定文件）也照样写入。",
)
BOOK_ARG = click.argument("book", type=click.Path(dir_okay=False, path_type=Path))


class ChineseHelp:
    """Help pages in Chinese: click writes its own headings ("Usage:", "Options:", "Commands:")
    and the help option's text in English; the team reads Chinese. Command names stay English."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        if issubclass(type(self), click.Group):
            kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="用法：")

    def format_options(self, ctx, formatter) -> None:
        records = [param.get_help_record(ctx) for param in self.get_params(ctx)
                   if not isinstance(param, click.Argument)]
        records = [record for record in records if record is not None]
        if records:
            with formatter.section("选项"):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_commands(self, ctx, formatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in commands if command is not None and not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            with formatter.section("命令"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option


class ChineseCommand(ChineseHelp, click.Command):
    """A subcommand with a Chinese help page."""


class FriendlyGroup(ChineseHelp, click.Group):
    """Turns library errors into one Chinese line on stderr and exit code 1; help in Chinese."""

    command_class = ChineseCommand
    group_class = type  # subgroups (aftersales calendar …) get Chinese help too

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WorkbookError as exc:
            click.echo(f"错误：{exc}", err=True)
            ctx.exit(1)


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aftersales-workbook", help="显示版本并退出。", message="%(prog)s %(version)s")
def main() -> None:
    """售后服务工作簿：不用 Excel，在工作簿文件上运行派单、刷新、报告等全部功能。

    每个命令都有示例：aftersales 命令 --help。使用说明见 docs/使用指南.md。
    """


@main.command("new")
@BOOK_ARG
def new_command(book: Path) -> None:
    """新建一个空白工作簿（先填好人员名单、店铺区域、产品目录等设置，再派单）。

    示例：aftersales new 售后服务.xlsx
    """
    from workbook.builder import new_workbook

    report = new_workbook(book)
    _echo(f"已创建 {book}：{len(report.sheets)} 张工作表")
    if report.calendar_years:
        years = "、".join(str(y) for y in report.calendar_years)
        _echo(f"已预置 {years} 年法定节假日与调休上班日")
    from udfs.errors import calendar_fix

    for year in report.missing_years:
        _echo(f"注意：节假日库尚无 {year} 年的正式安排 — {calendar_fix(year, str(book))}")
    from macros.refresh import getting_started

    result = getting_started(book, backups=0)
    _echo("下一步：打开第一张工作表「开始使用」，按清单填写（人员名单、上级主管、客服经理、店铺区域、产品目录…）；"
          "每次运行任一功能后，清单的 ✓/✗ 会自动更新")
    for line in result.lines:
        if line.startswith("开始使用：还有"):
            _echo(line)


@main.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="示例工作簿和报告的存放文件夹。")
@click.option("--seed", type=int, default=1, show_default=True, help="随机种子：种子相同，数据相同。")
@click.option("--tickets", type=click.IntRange(min=10), default=2000, show_default=True,
              help="生成多少张工单。")
@NOW_OPTION
def demo_command(out_dir: Path, seed: int, tickets: int, now_text: str | None) -> None:
    """生成一个示例工作簿，并在上面运行全部功能、生成三份报告。

    示例：aftersales demo --out out --seed 1 --tickets 2000
    """
    from aftersales.demo import run_demo
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
    _echo(f"发现 {len(errors)} 个数据错误（出错的单元格按空白处理，其余照常；缺了必填项的行不派单、不计算），"
          f"前 {min(limit, len(errors))} 个：")
    for problem in errors[:limit]:
        _echo(f"  {problem}")


@main.command("dispatch")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def dispatch_command(book: Path, now_text: str | None, force: bool) -> None:
    """派单：为每张未分配的工单指定处理人，并写上各环节时限。

    示例：aftersales dispatch 售后服务.xlsx
    """
    from macros.refresh import dispatch

    _run(dispatch, book, now=_parse_now(now_text), force=force)


@main.command("escalate")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def escalate_command(book: Path, now_text: str | None, force: bool) -> None:
    """超时预警：重建「超时预警」（每张需处理的工单一行，最紧急的在前）和「我的待办」。

    示例：aftersales escalate 售后服务.xlsx --now "2026-11-20 16:00"
    """
    from macros.refresh import escalate

    _run(escalate, book, now=_parse_now(now_text), force=force)


@main.command("callbacks")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def callbacks_command(book: Path, now_text: str | None, force: bool) -> None:
    """回访任务：生成「回访计划」，并为评分低于7分的调研开二次处理工单。

    示例：aftersales callbacks 售后服务.xlsx
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
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="统计期间的第一天（含）。")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="统计期间的最后一天（含）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 打印指标，不写「KPI看板」。")
@NOW_OPTION
@FORCE_OPTION
def kpi_command(book: Path, date_from: str | None, date_to: str | None, as_json: bool,
                now_text: str | None, force: bool) -> None:
    """刷新KPI：按期间重算「KPI看板」（或以 JSON 打印指标）。

    示例：aftersales kpi 售后服务.xlsx --from 2026-09-01 --to 2026-09-30 --json
    """
    from macros.refresh import kpi

    start, end = _parse_date(date_from, "--from"), _parse_date(date_to, "--to")
    if start and end and start > end:
        raise click.BadParameter("开始日期晚于结束日期", param_hint="--from/--to")
    now = _parse_now(now_text)
    if as_json:
        result = kpi(book, now=now, start=start, end=end, force=force, write=False)
        for line in result.lines[:1]:
            if line.startswith("注意：「节假日数据年份」"):
                click.echo(line, err=True)  # stdout stays pure JSON
        click.echo(json.dumps(result.results.get("kpi"), ensure_ascii=False, indent=2, default=str))
        return
    _run(kpi, book, now=now, start=start, end=end, force=force)


@main.command("summary")
@BOOK_ARG
@click.option("--month", metavar="YYYY-MM", help="要汇总的月份（默认：本月）。")
@NOW_OPTION
@FORCE_OPTION
def summary_command(book: Path, month: str | None, now_text: str | None, force: bool) -> None:
    """月度汇总：生成月报工作表「月报_YYYY-MM」。

    示例：aftersales summary 售后服务.xlsx --month 2026-10
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
@click.option("--report", "reports", type=(click.Choice(["evaluation", "monthly", "checklist"]),
                                          click.Path(dir_okay=False, path_type=Path)),
              multiple=True, metavar="KIND FILE",
              help="刷新后同时生成报告（可多次使用）：KIND 为 evaluation（评估报告）、monthly（月度报告）或 "
                   "checklist（检查报告），FILE 为 HTML 文件；直接用本次刷新的数据，不再重新读取工作簿。")
def refresh_command(book: Path, now_text: str | None, force: bool, reports) -> None:
    """全部刷新：一次完成派单、时限、超时预警、回访、KPI、月报和执行检查表。

    \b
    示例：aftersales refresh 售后服务.xlsx
          aftersales refresh 售后服务.xlsx --report evaluation 评估报告.html --report monthly 月报.html
    """
    from macros.refresh import refresh_all

    then = None
    if reports:
        def then(work, result) -> None:
            from reports.render import render_from_work

            for kind, out in reports:
                result.lines.append(f"已生成报告：{render_from_work(work, kind=kind, out=out)}")

    _run(refresh_all, book, now=_parse_now(now_text), force=force, then=then)


@main.command("values-only")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def values_only_command(book: Path, now_text: str | None, force: bool) -> None:
    """公式转数值：把程序写入的公式（执行检查表、时限列）改为计算结果，以后也只写数值。

    \b
    适用于 macOS Excel、WPS 和未装加载项的 Excel：这些软件重新计算时，程序的公式会显示 #NAME?。
    同时把「系统参数」的公式单元格设为「不使用」、时限计算方式设为「数值」；
    以后把时限计算方式改回「公式」再刷新，公式即恢复。

    示例：aftersales values-only 售后服务.xlsx
    """
    from macros.refresh import values_only

    _run(values_only, book, now=_parse_now(now_text), force=force)


@main.command("staffing")
@BOOK_ARG
@NOW_OPTION
@FORCE_OPTION
def staffing_command(book: Path, now_text: str | None, force: bool) -> None:
    """人员配置测算：按历史工单测算各岗位所需人数，写入「人员配置测算」表。

    \b
    依据最近若干周的工单（「人员配置参数」表的测算历史周数）：电话/在线客服按各时段来电量用
    Erlang C 测算座席；其他岗位按工单量 × 单张工时 + 积压测算；与「人员名单」的在岗人数对比，
    并给出淡旺季和救火（工单量激增）情景。参数及其含义见「人员配置参数」表。

    示例：aftersales staffing 售后服务.xlsx --now "2026-11-20 16:00"
    """
    from macros.refresh import staffing

    _run(staffing, book, now=_parse_now(now_text), force=force)


@main.command("report")
@BOOK_ARG
@click.option("--kind", type=click.Choice(["evaluation", "monthly", "checklist"]), required=True,
              help="evaluation：优化效果评估报告；monthly：月度服务报告；checklist：执行检查与整改报告。")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="要写出的 HTML 文件。")
@click.option("--month", metavar="YYYY-MM",
              help="月度报告的月份（默认：月报截止日之前为上月，之后为本月）。")
@NOW_OPTION
def report_command(book: Path, kind: str, out: Path, month: str | None, now_text: str | None) -> None:
    """生成报告：从工作簿生成一个独立的 HTML 报告（不修改工作簿）。

    示例：aftersales report 售后服务.xlsx --kind evaluation --out 评估报告.html
    """
    from reports.render import build_context, render_html, report_note, write_atomically

    now = _parse_now(now_text)
    context = build_context(book, kind=kind, now=now, month=month)
    path = write_atomically(out, render_html(kind, context))
    _echo(f"已生成报告：{path}")
    note = report_note(kind, context)
    if note:
        _echo(note)
    _calendar_reminder(book, now)


def _calendar_reminder(book: Path, now: dt.datetime) -> None:
    """The next-year reminder for commands that are not routines (routines print it themselves)."""
    from macros.calendar_year import reminder_for
    from macros.work import Work
    from workbook import schema as S
    from workbook.reader import read_file

    try:
        snapshot = read_file(book, [S.PARAMS.name, S.HOLIDAYS.name, S.MAKEUP_DAYS.name])
        line = reminder_for(Work(snapshot, now), str(book))
    except (WorkbookError, KeyError):
        return
    if line:
        _echo(line)


@main.command("consolidate")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="文件夹或文件…")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("总部汇总.xlsx"),
              show_default=True, help="写入的总部汇总工作簿。")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="统计开始日（含）；默认本月1日。")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="统计结束日（含）；默认今天。")
@click.option("--json", "as_json", is_flag=True, help="另把总部 KPI 以 JSON 打印（与 kpi --json 的键相同），其余信息写到标准错误。")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="同时生成总部汇总报告（HTML）。")
@click.option("--scheduler", metavar="ADDRESS", help="在 Dask 集群上读取各工作簿，如 tcp://调度机:8786。")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Parquet 缓存文件夹（默认：汇总工作簿旁的 .总部汇总缓存）。")
@click.option("--jobs", type=click.IntRange(min=1), help="本机并行读取的进程数（默认：CPU 核数）。")
@NOW_OPTION
def consolidate_command(sources, out: Path, date_from, date_to, as_json: bool, report, scheduler, cache_dir, jobs,
                        now_text) -> None:
    """总部汇总：合并各门店工作簿，按同一口径计算总部 KPI，写出总部汇总工作簿。

    各店的工单、服务记录、确认、调研、暂停与回访行按（门店，工单号）合并，比率按合并后的行计算。

    损坏、版本不符、正在被 Excel 打开、门店重复或不是工作簿的文件逐个列出原因，其余照常汇总。

    示例：aftersales consolidate 门店工作簿/ --out 总部汇总.xlsx --from 2026-09-01 --to 2026-09-30
    """
    from macros.consolidate import consolidate

    start, end = _parse_date(date_from, "--from"), _parse_date(date_to, "--to")
    if start and end and start > end:
        raise click.BadParameter("开始日期晚于结束日期", param_hint="--from/--to")
    say = (lambda line: click.echo(line, err=True)) if as_json else _echo
    progress = TerminalProgress()
    try:
        result = consolidate(sources, out=out, start=start, end=end, now=_parse_now(now_text), cache_dir=cache_dir,
                             jobs=jobs, scheduler=scheduler, progress=progress)
        if report is not None:
            from reports.hq import render_hq_report

            progress("生成总部报告 …")
            result.report = render_hq_report(result, report)
            result.lines.append(f"已生成报告：{result.report}")
    finally:
        progress.close()
    for line in result.lines:
        say(line)
    for issue in result.issues:
        say(f"{'注意' if issue.included else '未汇总'}：{issue}")
    if as_json:
        click.echo(json.dumps(result.kpis, ensure_ascii=False, indent=2, default=str))


@main.command("protect")
@BOOK_ARG
@click.option("--password", default=None, help="工作表保护密码（可不填）。")
@click.option("--undo", is_flag=True, help="重新显示个人信息列并取消保护。")
@FORCE_OPTION
def protect_command(book: Path, password: str | None, undo: bool, force: bool) -> None:
    """保护个人信息：隐藏姓名、电话、地址列，并在不需要新增行的表上锁定。

    示例：aftersales protect 售后服务.xlsx --password 秘密
    """
    from workbook.protect import protect_personal, unprotect_personal

    action = unprotect_personal if undo else protect_personal
    report = action(book, password=password, force=force)
    for line in report.lines:
        _echo(line)


# ---- the coming year's calendar (SPEC §12) ---------------------------------------------------------
@main.group("calendar")
def calendar_group() -> None:
    """工作日历：导入国务院放假通知，或从节假日库补充年份。

    示例：aftersales calendar import 售后服务.xlsx 放假通知.txt
    """


def _read_notice(path: str) -> str:
    """The notice text from a file (UTF-8, or GBK as Windows Notepad saves it) or '-' for stdin."""
    if path == "-":
        return sys.stdin.read()
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise click.BadParameter(f"“{path}”不是文本文件 — 请把通知全文另存为 .txt", param_hint="NOTICE")


@calendar_group.command("import")
@BOOK_ARG
@click.argument("notice", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--year", type=int, default=None, help="通知的年份（只粘贴了正文、没有标题时使用）。")
@click.option("--now", "now_text", metavar="'YYYY-MM-DD HH:MM'", help="把此时刻当作当前时间（默认：系统时钟）。")
@click.option("--force", is_flag=True, help="即使存在 Excel 的锁文件（~$工作簿.xlsx）也写入。")
def calendar_import_command(book: Path, notice: str, year: int | None, now_text: str | None, force: bool) -> None:
    """导入国务院办公厅的放假通知（文本文件），写入「节假日」「调休上班日」并加入「节假日数据年份」。

    只替换该年份由程序写入的行；团队添加的公司休息日/加班日不动。再次导入同一通知不会改变任何内容；
    读不懂的句子会原样指出，且不写入任何日期。

    示例：aftersales calendar import 售后服务.xlsx 2027年放假通知.txt
    """
    from macros.calendar_year import import_notice
    from udfs.errors import NoticeUnreadable

    if notice != "-" and not Path(notice).exists():
        raise click.BadParameter(f"找不到文件“{notice}”", param_hint="NOTICE")
    text = _read_notice(notice)
    try:
        _run(import_notice, book, text=text, year=year, now=_parse_now(now_text), force=force)
    except NoticeUnreadable as exc:
        click.echo(f"错误：{exc}", err=True)
        raise SystemExit(1) from None


@calendar_group.command("update")
@BOOK_ARG
@click.option("--year", "years", type=int, multiple=True, help="要补充的年份（可重复；默认：今年和明年中缺少的）。")
@click.option("--now", "now_text", metavar="'YYYY-MM-DD HH:MM'", help="把此时刻当作当前时间（默认：系统时钟）。")
@click.option("--force", is_flag=True, help="即使存在 Excel 的锁文件（~$工作簿.xlsx）也写入。")
def calendar_update_command(book: Path, years: tuple[int, ...], now_text: str | None, force: bool) -> None:
    """从已安装的节假日库（chinesecalendar，其次 holidays）补充缺少的年份，并说明用了哪个来源。

    只采用库中正式公布的安排（含调休上班日）；按规则推算的年份不采用。

    示例：aftersales calendar update 售后服务.xlsx
    """
    from macros.calendar_year import update_calendar

    progress = TerminalProgress()
    try:
        result, missing = update_calendar(book, years=list(years) or None, now=_parse_now(now_text),
                                          force=force, progress=progress)
    finally:
        progress.close()
    if result is not None:
        for line in result.lines:
            _echo(line)
        _print_problems(result.problems)
    elif not missing:
        _echo("今年和明年的节假日都已在工作簿中，无需补充")
    for line in missing:
        _echo(line)
    if missing:
        raise SystemExit(1)


@main.command("build-addin")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("dist/aftersales.xlam"), show_default=True, help="加载项写到哪里。")
def build_addin_command(out: Path) -> None:
    """生成 Excel 加载项（.xlam）：「售后服务」功能区选项卡和工作表函数。

    示例：aftersales build-addin --out dist/aftersales.xlam
    """
    from addin.build import build_addin

    path = build_addin(out)
    _echo(f"已生成加载项：{path}")


@main.command("check-addin")
@click.argument("xlam", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_addin_command(xlam: Path) -> None:
    """检查生成的加载项：文件结构、功能区、VBA 模块、按钮回调和工作表函数。

    示例：aftersales check-addin dist/aftersales.xlam
    """
    import aftersales.ribbon
    from addin.checks import check_addin

    marks = {"pass": "通过", "fail": "失败", "skip": "跳过"}
    results = check_addin(xlam, entry=aftersales.ribbon)
    for result in results:
        _echo(f"[{marks.get(result.status, result.status)}] {result.name}：{result.message}")
    if not all(result.ok for result in results):
        raise SystemExit(1)


@main.command("install-addin")
@click.option("--target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="装到这个文件夹，而不是 Excel 的启动文件夹（XLSTART）。")
@click.option("--dry-run", is_flag=True, help="只说明将要做什么，不实际安装。")
def install_addin_command(target: Path | None, dry_run: bool) -> None:
    """安装加载项到 Excel 启动文件夹，或说明在本系统上如何安装。

    示例：aftersales install-addin --dry-run
    """
    from addin.install import install_addin

    _echo(str(install_addin(target, dry_run=dry_run)))


def run() -> None:  # pragma: no cover - console entry point for `python -m aftersales.cli`
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
