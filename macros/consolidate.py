"""总部汇总: many store and region workbooks pooled into one HQ view (SPEC §11, seeds 000, 003).

``consolidate(sources, out=..., start=..., end=..., now=...)`` is the one implementation behind
the CLI command, the ribbon button of an HQ workbook and the tests:

1. **find** the workbooks: folders are scanned (not their 备份 sub-folders), files taken as given;
   anything that is not a ``.xlsx``/``.xlsm`` workbook is reported by name and skipped, Excel's
   ``~$`` lock files mark a workbook as open (it is read as last saved, and the output says so).
2. **extract** each workbook — in parallel, in worker processes, or on a Dask cluster with
   ``scheduler`` — with ``extract_workbook``: its typed sheets come from the Parquet cache when
   the file's content was seen before (``workbook.hqcache``), else python-calamine reads it and
   the cache is filled; then its deadlines and statuses are computed at ``now`` with the same
   steps ``aftersales kpi`` runs, and every ticket number becomes the pair (store, 工单号) so two
   stores' SV numbers never meet. A damaged file, a workbook whose format is older (headers
   missing) or newer (工作簿版本 above this program's) comes back as a ``FileIssue``.
3. **pool** the rows: a store found in two files is taken from the newer file only (reported);
   ticket, service, confirmation, survey, pause and callback rows are concatenated.
4. **decide**: the HQ KPIs are ``macros.kpi.compute_kpis`` over the pooled rows — ratios from
   pooled rows, never averages of store ratios — and ``macros.hq`` lays out 门店对比, 试点对比,
   区域监控; the consolidated 月报 is ``macros.summary.monthly_summary`` over the same rows.
5. **write** the HQ workbook (``workbook.hqbook``); the fronts render the HQ HTML report from the
   result on request (``reports.hq``), so this package does not import ``reports``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from workbook import schema as S
from workbook.errors import WorkbookError

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
KEY_SEPARATOR = "｜"  # (store, 工单号) joined: 上海徐汇旗舰店｜SV20260901001
STORE_COLUMN = "门店"  # added to every pooled form row: the store the row belongs to
FILE_COLUMN = "来源文件"
DEFAULT_CACHE = ".总部汇总缓存"
HQ_MARK = "门店对比"  # a sheet only the HQ workbook has: such a file is never pooled

# The sheets read from each store workbook: the forms, the settings, the project sheets HQ uses.
FORM_SHEETS = (S.INTAKE, S.SERVICE, S.CONFIRMATION, S.SURVEY, S.PAUSES, S.CALLBACK_PLAN)
PROJECT_SHEETS = (S.PILOT_LOG, S.ROLLOUT, S.DAILY_MONITOR)
SETTINGS_SHEETS = tuple(s for s in S.SHEETS if s.group == S.SETTINGS)
READ_SHEETS = tuple(s.name for s in FORM_SHEETS + SETTINGS_SHEETS + PROJECT_SHEETS)
TICKET_ID = {S.INTAKE.name: "服务工单号"}  # every other form sheet names its ticket in 工单号
LINKED_ID = {S.INTAKE.name: "关联工单号"}


class ConsolidationError(WorkbookError):
    """Nothing could be consolidated (no workbook found, or none readable)."""


# ---- what a worker hands back ---------------------------------------------------------------------
@dataclass
class FileIssue:
    """A file that was not consolidated, or was with a caveat (``included``)."""

    path: str
    reason: str
    modified: dt.datetime | None = None
    included: bool = False

    @property
    def name(self) -> str:
        return Path(self.path).name

    def __str__(self) -> str:
        return f"{self.name}：{self.reason}"


@dataclass
class StoreRows:
    """One workbook's rows, ready to pool: ticket numbers keyed by store, deadlines at ``now``."""

    path: str
    modified: dt.datetime
    size: int
    key: str
    cached: bool
    version: object
    stores: list[str]
    frames: dict[str, pd.DataFrame]  # form sheets (keyed) and project sheets, tagged with 门店/来源文件
    settings_frames: dict[str, pd.DataFrame]
    params: dict
    errors: int  # data errors found while reading (rows skipped by the routines)
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return Path(self.path).name


def _modified(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)


def extract_workbook(path: str, now: dt.datetime, cache_dir: str | None = None) -> StoreRows | FileIssue:
    """Read one store workbook (from the Parquet cache when its content is known) into StoreRows.

    A top-level function of plain arguments, so worker processes and Dask workers can run it.
    """
    from macros.deadlines import deadlines_step, statuses_step
    from macros.work import Work
    from workbook import hqcache
    from workbook.errors import WorkbookError
    from workbook.reader import read_file

    clock = time.perf_counter()
    file = Path(path)
    try:
        modified, size = _modified(file), file.stat().st_size
    except OSError as exc:
        return FileIssue(path, f"无法读取（{exc.strerror or exc}）")
    try:
        key = hqcache.content_key(file, READ_SHEETS)
        snapshot = hqcache.load(Path(cache_dir), key, str(file)) if cache_dir else None
        cached = snapshot is not None
        if snapshot is None:
            snapshot = read_file(file, READ_SHEETS)
        issue = _format_issue(snapshot)
        if issue:
            return FileIssue(path, issue, modified)
        if cache_dir and not cached:
            hqcache.save(Path(cache_dir), key, snapshot)
        for sheet in FORM_SHEETS:
            if sheet.name in snapshot.sheets:
                snapshot.require(sheet.name)
        work = Work(snapshot, now)
        deadlines_step(work)
        statuses_step(work)
    except WorkbookError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        return FileIssue(path, _plain(reason, file), modified)
    frames = {s.name: work.view(s.name) for s in FORM_SHEETS + PROJECT_SHEETS if s.name in snapshot.sheets}
    label = file.stem
    stores = key_by_store(frames, label, file.name)
    frames = {name: compact_text(frame) for name, frame in frames.items()}
    errors = sum(1 for p in snapshot.problems + work.problems if p.level == "错误")
    settings_frames = {s.name: snapshot.frame(s.name) for s in SETTINGS_SHEETS if s.name in snapshot.sheets}
    return StoreRows(path, modified, size, key, cached, snapshot.params().get("工作簿版本"), stores, frames,
                     settings_frames, snapshot.params(), errors, time.perf_counter() - clock)


def compact_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its all-text object columns (the keyed ticket numbers, the statuses the
    deadline steps write, 门店, 来源文件) stored as pandas' string dtype: Arrow-backed, about half
    the memory of Python str objects — what every pooled ticket costs the calling process
    (measured: 7.7 → 4.0 MB for a 3,000-ticket store). Columns holding anything but text stay."""
    out = None
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object:
            continue
        values = column.dropna()
        if not all(isinstance(v, str) for v in values.to_numpy(dtype=object)):
            continue
        if out is None:
            out = frame.copy()
        out[name] = column.astype("str")
    return frame if out is None else out


def _plain(reason: str, file: Path) -> str:
    return reason.replace(f"{file} ", "").replace(str(file), file.name)


def _format_issue(snapshot) -> str | None:
    """Why a workbook's format cannot be consolidated: a newer version, or an older one lacking sheets/headers."""
    version = snapshot.params().get("工作簿版本") if S.PARAMS.name in snapshot.sheets else None
    try:
        number = int(float(version)) if version not in (None, "") else None
    except (TypeError, ValueError):
        number = None
    if number is not None and number > S.SCHEMA_VERSION:
        return (f"工作簿版本 {number} 比本程序支持的版本 {S.SCHEMA_VERSION} 新 — 请先升级 aftersales"
                "（pip install -U aftersales-workbook）再汇总")
    if HQ_MARK in snapshot.present:
        return "这是总部汇总工作簿（本命令的输出），不是门店工作簿，未计入"
    if S.INTAKE.name not in snapshot.sheets:
        return f"缺少工作表「{S.INTAKE.name}」— 不是售后服务工作簿，或为早期版本"
    for sheet in FORM_SHEETS:
        data = snapshot.sheets.get(sheet.name)
        if data is not None and data.missing_headers:
            missing = "、".join(f"「{h}」" for h in data.missing_headers[:5])
            older = "（早期版本的工作簿）" if number is None or number < S.SCHEMA_VERSION else ""
            return (f"工作表「{sheet.name}」缺少列{missing}{older}— 请用 aftersales new 生成的新工作簿对照补齐表头后再汇总")
    return None


def key_by_store(frames: dict[str, pd.DataFrame], label: str, file_name: str) -> list[str]:
    """Make every ticket number the pair (store, 工单号) in place; return the workbook's stores.

    A ticket's store is its 所属店铺/区域 (the file's name when blank). Service, confirmation,
    survey, pause and callback rows take the store of their ticket in the same workbook.
    """
    intake = frames[S.INTAKE.name].copy()
    store = intake["所属店铺/区域"].where(intake["所属店铺/区域"].notna(), label).astype(object)
    ids = intake["服务工单号"]
    store_of = dict(zip(ids[ids.notna()][::-1], store[ids.notna()][::-1]))  # first row of a number wins

    def keyed(values: pd.Series, stores: pd.Series) -> pd.Series:
        out = [None if (v is None or v != v) else f"{s}{KEY_SEPARATOR}{v}" for v, s in
               zip(values.to_numpy(dtype=object), stores.to_numpy(dtype=object))]
        return pd.Series(out, index=values.index, dtype=object)

    intake["服务工单号"] = keyed(ids, store)
    intake["关联工单号"] = keyed(intake["关联工单号"], store)
    intake[STORE_COLUMN] = store
    intake[FILE_COLUMN] = file_name
    frames[S.INTAKE.name] = intake
    for sheet in FORM_SHEETS[1:]:
        frame = frames.get(sheet.name)
        if frame is None:
            continue
        frame = frame.copy()
        owner = pd.Series([store_of.get(v, label) for v in frame["工单号"].to_numpy(dtype=object)],
                          index=frame.index, dtype=object)
        frame["工单号"] = keyed(frame["工单号"], owner)
        frame[STORE_COLUMN] = owner
        frame[FILE_COLUMN] = file_name
        frames[sheet.name] = frame
    for sheet in PROJECT_SHEETS:
        if sheet.name in frames:
            frames[sheet.name] = frames[sheet.name].assign(**{FILE_COLUMN: file_name})
    return sorted({str(s) for s in store.dropna()})


def hq_sources(text, base: Path) -> list[Path]:
    """The 门店工作簿位置 of an HQ workbook's 汇总设置: paths separated by ；/; (relative to ``base``)."""
    if not isinstance(text, str) or not text.strip():
        return []
    parts = [p.strip() for p in text.replace("；", ";").split(";") if p.strip()]
    return [p if p.is_absolute() else base / p for p in map(Path, parts)]


def split_key(value) -> tuple[str | None, str | None]:
    """(store, 工单号) of a pooled ticket number."""
    if not isinstance(value, str) or KEY_SEPARATOR not in value:
        return None, value
    store, _sep, number = value.partition(KEY_SEPARATOR)
    return store, number


# ---- finding the files ----------------------------------------------------------------------------
@dataclass
class Found:
    workbooks: list[Path] = field(default_factory=list)
    issues: list[FileIssue] = field(default_factory=list)
    open_in_excel: set[Path] = field(default_factory=set)


def find_workbooks(sources: Iterable[str | Path], *, skip: Iterable[Path] = ()) -> Found:
    """The workbooks named by ``sources`` (folders scanned one level deep), and the files that are not."""
    from workbook.store import excel_lock_file

    skip_set = {Path(p).resolve() for p in skip}
    found = Found()
    seen: set[Path] = set()
    candidates: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            candidates += sorted(p for p in path.iterdir() if p.is_file())
        elif path.exists():
            candidates.append(path)
        else:
            found.issues.append(FileIssue(str(path), "文件或文件夹不存在 — 请检查路径"))
    for path in candidates:
        real = path.resolve()
        if real in seen or real in skip_set:
            continue
        seen.add(real)
        name = path.name
        if name.startswith("~$"):
            continue  # Excel's lock file: it marks its workbook as open (below)
        if name.startswith(".") or name.endswith(".tmp"):
            continue  # hidden files and the temporary files of an interrupted save
        modified = _modified(path)
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            why = "不是 Excel 工作簿（.xlsx）" + ("— 旧版 .xls 请在 Excel 中另存为 .xlsx" if path.suffix.lower() == ".xls"
                                                else "，已跳过")
            found.issues.append(FileIssue(str(path), why, modified))
            continue
        found.workbooks.append(path)
        if excel_lock_file(path):
            found.open_in_excel.add(path)
    return found


# ---- the run --------------------------------------------------------------------------------------
@dataclass
class Consolidation:
    """What an HQ run found, pooled and decided; what the CLI prints and the writers lay out."""

    now: dt.datetime
    start: dt.date
    end: dt.date
    covered: list[StoreRows]
    issues: list[FileIssue]
    frames: dict[str, pd.DataFrame]
    settings: object
    kpis: dict
    store_kpis: dict[str, dict]
    regions: dict[str, str]  # store → 所属大区
    timings: dict[str, float] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    out: Path | None = None
    report: Path | None = None

    @property
    def stores(self) -> list[str]:
        return sorted(self.store_kpis)

    @property
    def skipped(self) -> list[FileIssue]:
        return [i for i in self.issues if not i.included]


def _pool_map(paths: Sequence[Path], now: dt.datetime, cache_dir: str | None, jobs: int | None,
              scheduler: str | None) -> list[StoreRows | FileIssue]:
    args = [str(p) for p in paths]
    if not args:
        return []
    if scheduler:
        from distributed import Client

        with Client(scheduler) as client:
            futures = client.map(extract_workbook, args, now=now, cache_dir=cache_dir, pure=False)
            return client.gather(futures)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(args)))
    if workers == 1:
        return [extract_workbook(p, now, cache_dir) for p in args]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(extract_workbook, args, [now] * len(args), [cache_dir] * len(args)))


def settle_duplicates(results: list[StoreRows]) -> tuple[list[StoreRows], list[FileIssue]]:
    """A store in two files: the newer file (modification time, then name) is kept, the other reported."""
    newest_first = sorted(results, key=lambda r: (r.modified, r.name), reverse=True)
    owner: dict[str, StoreRows] = {}
    kept, issues = [], []
    for rows in newest_first:
        clash = [s for s in rows.stores if s in owner]
        if clash:
            other = owner[clash[0]]
            names = "、".join(f"「{s}」" for s in clash[:3]) + ("等" if len(clash) > 3 else "")
            issues.append(FileIssue(rows.path, f"门店{names}也在较新的文件「{other.name}」（修改于 {other.modified:%Y-%m-%d %H:%M}）"
                                               "中，已按较新的文件汇总，本文件未计入 — 请删除或移走过期的副本", rows.modified))
            continue
        for s in rows.stores:
            owner[s] = rows
        kept.append(rows)
    kept.sort(key=lambda r: r.name)
    return kept, issues


def pool_frames(covered: Sequence[StoreRows]) -> dict[str, pd.DataFrame]:
    """Concatenate each sheet over the covered workbooks (tickets in receipt order)."""
    out: dict[str, pd.DataFrame] = {}
    for sheet in FORM_SHEETS + PROJECT_SHEETS:
        parts = [r.frames[sheet.name] for r in covered if sheet.name in r.frames]
        if not parts:
            continue
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        out[sheet.name] = frame
    intake = out.get(S.INTAKE.name)
    if intake is not None:
        # The whole workbook keeps tickets in receipt order; so does the pool (stable for equal times).
        out[S.INTAKE.name] = intake.sort_values(["受理时间", "服务工单号"], kind="stable", na_position="last")
    roster = [r.settings_frames.get(S.STAFF_ROSTER.name) for r in covered]
    roster = [f for f in roster if f is not None and len(f)]
    if roster:
        out[S.STAFF_ROSTER.name] = pd.concat(roster, ignore_index=True).drop_duplicates("姓名", keep="first")
    return out


def store_regions(covered: Sequence[StoreRows]) -> dict[str, str]:
    """store → 所属大区 from the 店铺区域 sheets (newest file first wins)."""
    regions: dict[str, str] = {}
    for rows in sorted(covered, key=lambda r: r.modified, reverse=True):
        frame = rows.settings_frames.get(S.STORES.name)
        if frame is None:
            continue
        for store, region in zip(frame["店铺/区域"], frame["所属大区"]):
            if store and region and store not in regions:
                regions[str(store)] = str(region)
    return regions


def consolidate(sources: Iterable[str | Path], *, out: str | Path | None = None, start: dt.date | None = None,
                end: dt.date | None = None, now: dt.datetime | None = None, cache_dir: str | Path | None = None,
                jobs: int | None = None, scheduler: str | None = None,
                exclude: Iterable[str | Path] = (), progress: Callable[[str], None] | None = None) -> Consolidation:
    """Pool the store workbooks in ``sources`` and compute the HQ view; write ``out``.

    The HQ HTML report is rendered by the fronts from the result (``reports.hq.render_hq_report``).

    ``cache_dir``: the Parquet cache (default: ``.总部汇总缓存`` beside ``out``, or beside the
    first source without ``out``); ``jobs``: worker processes (default: one per core);
    ``scheduler``: a Dask scheduler address (``tcp://host:8786``) to run the extraction there.
    """
    from macros.kpi import compute_kpis, kpi_period
    from macros.settings import Settings

    say = progress or (lambda _text: None)
    now = (now or dt.datetime.now()).replace(microsecond=0)
    start, end = kpi_period(now, start, end)
    if end < start:
        raise ConsolidationError(f"统计期间有误：结束日 {end:%Y-%m-%d} 早于开始日 {start:%Y-%m-%d}")
    sources = [Path(s) for s in sources]
    out_path = Path(out) if out else None
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    found = find_workbooks(sources, skip=[*([out_path] if out_path else []), *map(Path, exclude)])
    if cache_dir is None:
        first_excluded = next((Path(p).parent for p in exclude), None)
        base = out_path.parent if out_path else first_excluded or (sources[0] if sources and sources[0].is_dir() else Path("."))
        cache_dir = base / DEFAULT_CACHE
    cache_dir = Path(cache_dir)
    if found.workbooks:  # nothing to cache: leave no empty folder behind a run that finds no workbook
        cache_dir.mkdir(parents=True, exist_ok=True)
    say(f"读取 {len(found.workbooks)} 个工作簿 …")
    results = _pool_map(found.workbooks, now, str(cache_dir), jobs, scheduler)
    timings["读取"] = time.perf_counter() - clock
    issues = list(found.issues)
    readable = []
    for result in results:
        if isinstance(result, FileIssue):
            issues.append(result)
        else:
            readable.append(result)
    covered, duplicates = settle_duplicates(readable)
    issues += duplicates
    for rows in covered:
        if Path(rows.path) in found.open_in_excel:
            issues.append(FileIssue(rows.path, "正在被 Excel 打开（有 ~$ 锁文件）— 已按最后一次保存的内容汇总，"
                                               "未保存的修改不在其中", rows.modified, included=True))
        if rows.version in (None, ""):
            issues.append(FileIssue(rows.path, "未标注工作簿版本（早期版本的工作簿）— 各表表头齐全，已按当前格式汇总",
                                    rows.modified, included=True))
    if not covered:
        problems = "；".join(str(i) for i in issues[:5])
        raise ConsolidationError("没有可汇总的门店工作簿" + (f"：{problems}" if problems else "（文件夹中没有 .xlsx 文件）"))

    clock = time.perf_counter()
    say("合并各店数据 …")
    frames = pool_frames(covered)
    newest = max(covered, key=lambda r: (r.modified, r.name))
    settings = Settings.from_snapshot(_settings_snapshot(newest))
    issues += _settings_differences(covered, newest, settings)
    timings["合并"] = time.perf_counter() - clock

    clock = time.perf_counter()
    say("计算总部 KPI …")
    kpis = compute_kpis(frames, start, end, now=now, csat_threshold=settings.csat_threshold,
                        calendar=settings.calendar)
    by_store = split_by_store(frames)
    store_kpis = {store: compute_kpis(parts, start, end, now=now, csat_threshold=settings.csat_threshold,
                                      calendar=None)
                  for store, parts in by_store.items()}
    timings["KPI"] = time.perf_counter() - clock
    result = Consolidation(now, start, end, covered, issues, frames, settings, kpis, store_kpis,
                           store_regions(covered), timings)
    result.lines.append(f"总部汇总：{len(covered)} 个工作簿、{len(store_kpis)} 家门店，"
                        f"{kpis['period']['label']} 工单 {kpis['tickets']} 张"
                        f"（读取 {sum(not r.cached for r in covered)} 个，缓存 {sum(r.cached for r in covered)} 个）")
    if out_path is not None:
        clock = time.perf_counter()
        say("写入总部汇总工作簿 …")
        from macros.hq import hq_sheets
        from workbook.hqbook import write_hq_workbook

        write_hq_workbook(out_path, hq_sheets(result, sources=sources))
        result.out = out_path
        timings["写入"] = time.perf_counter() - clock
        result.lines.append(f"已写入 {out_path}")
    return result


def split_by_store(frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """{store: {sheet: that store's rows}} over the pooled form sheets (the roster shared)."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for sheet in FORM_SHEETS:
        frame = frames.get(sheet.name)
        if frame is None:
            continue
        for store, part in frame.groupby(STORE_COLUMN, sort=True):
            out.setdefault(str(store), {})[sheet.name] = part
    roster = frames.get(S.STAFF_ROSTER.name)
    for parts in out.values():
        if roster is not None:
            parts[S.STAFF_ROSTER.name] = roster
    return {store: parts for store, parts in out.items() if S.INTAKE.name in parts}


def subset(frames: dict[str, pd.DataFrame], stores: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The pooled frames restricted to ``stores`` (the roster kept whole)."""
    wanted = set(stores)
    out = {}
    for sheet in FORM_SHEETS:
        frame = frames.get(sheet.name)
        if frame is not None:
            out[sheet.name] = frame[frame[STORE_COLUMN].isin(wanted)]
    if S.STAFF_ROSTER.name in frames:
        out[S.STAFF_ROSTER.name] = frames[S.STAFF_ROSTER.name]
    return out


def _settings_snapshot(rows: StoreRows):
    """A Snapshot holding one workbook's settings sheets, for ``Settings.from_snapshot``."""
    from workbook.frames import SheetData
    from workbook.reader import Snapshot

    sheets = {}
    for name, frame in rows.settings_frames.items():
        sheet = S.sheet(name)
        sheets[name] = SheetData(sheet, frame, {h: j for j, h in enumerate(sheet.headers)}, {},
                                 len(frame) + 1, len(sheet.headers))
    return Snapshot(rows.path, sheets, list(sheets))


def _settings_differences(covered: Sequence[StoreRows], newest: StoreRows, settings) -> list[FileIssue]:
    """Workbooks whose CSAT threshold or periods differ from the one HQ uses (the newest file's)."""
    watched = ("CSAT达标分数", "基线期开始", "基线期结束", "评估期开始", "评估期结束")
    issues = []
    for rows in covered:
        if rows is newest:
            continue
        differ = [name for name in watched if _same_param(rows.params.get(name)) != _same_param(newest.params.get(name))]
        if differ:
            issues.append(FileIssue(rows.path, f"「系统参数」中 {'、'.join(differ)} 与 {newest.name} 不同 — "
                                               f"总部汇总统一按 {newest.name}（最新修改的工作簿）的设置计算",
                                    rows.modified, included=True))
    return issues


def _same_param(value):
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return pd.Timestamp(value).date()
    if isinstance(value, (int, float)):
        return float(value)
    return value
