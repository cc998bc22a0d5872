"""The demo: a generated sample workbook with every routine run on it (``aftersales demo``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from workbook.sample import DEMO_NOW, generate, write_sample

DEMO_FILE = "售后服务示例.xlsx"


@dataclass
class DemoResult:
    workbook: Path
    lines: list[str] = field(default_factory=list)  # what was written where, for the terminal


def run_demo(out_dir: str | Path = "out", *, seed: int = 1, tickets: int = 2000,
             now: dt.datetime = DEMO_NOW, say: Callable[[str], None] = lambda _s: None) -> DemoResult:
    """Generate a sample workbook in ``out_dir`` and run every routine and report on it.

    Example::

        run_demo("out", seed=1, tickets=2000)
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / DEMO_FILE
    if path.exists():
        path.unlink()  # the demo's own output: regenerated from the seed every time
    say(f"生成示例数据：{tickets} 张工单，随机种子 {seed} …")
    data = generate(tickets, seed, now)
    write_sample(path, data)
    result = DemoResult(path)
    counts = "，".join(f"{name} {len(rows)} 行" for name, rows in data.forms.items())
    result.lines.append(f"示例工作簿：{path}（{counts}）")
    for line in _run_routines(path, now, out, say):
        result.lines.append(line)
    return result


def _run_routines(path: Path, now: dt.datetime, out: Path, say) -> list[str]:
    """Run every routine that exists on the demo workbook; return what each wrote."""
    lines: list[str] = []
    try:
        from macros.refresh import refresh_all
    except ImportError:
        return lines
    say("运行「全部刷新」：派单、时限、超时预警、回访任务、KPI、月报 …")
    result = refresh_all(path, now=now)
    lines += [f"{path.name} — {line}" for line in result.lines]
    from macros.refresh import staffing

    say("运行「人员配置」：人员配置测算 …")
    lines += [f"{path.name} — {line}" for line in staffing(path, now=now).lines]
    try:
        from reports.render import KINDS, render_report
    except ImportError:
        return lines
    for kind in KINDS:
        target = out / f"{kind}.html"
        say(f"生成报告：{target} …")
        render_report(path, kind=kind, out=target, now=now)
        lines.append(f"报告：{target}")
    return lines
