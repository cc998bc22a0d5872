"""总部汇总 (aftersales consolidate): a chain's store workbooks pooled into one HQ view.

The central check is the issue's bar: a demo workbook split into its stores' workbooks (every
sheet filtered to the store's tickets, by ``tests/splitter.py`` — openpyxl, independent of the
product's reader and writer) plus one damaged file gives, through ``aftersales consolidate
--json``, the very KPIs ``aftersales kpi --json`` gives on the whole workbook for the same period.
The whole-workbook run is the independent source of the expected values.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.bookmaker import make_book
from tests.splitter import split_by_store

BIN = Path(sys.executable).parent
NOW_TEXT = "2026-11-20 16:00"
NOW = dt.datetime(2026, 11, 20, 16, 0)
PERIOD = ("2026-09-01", "2026-11-20")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "aftersales"), *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> dict:
    """A demo workbook (every routine run on it, as `aftersales demo` leaves it), split by store,
    plus one damaged store file: the first 20 kB of a real store workbook."""
    base = tmp_path_factory.mktemp("chain")
    done = cli("demo", "--out", str(base / "demo"), "--tickets", "700", "--seed", "3", "--now", NOW_TEXT)
    assert done.returncode == 0, done.stderr
    whole = base / "demo" / "售后服务示例.xlsx"
    stores = base / "stores"
    parts = split_by_store(whole, stores)
    damaged = stores / "损坏的门店.xlsx"
    damaged.write_bytes(parts[sorted(parts)[0]].read_bytes()[:20_000])
    return {"whole": whole, "folder": stores, "parts": parts, "damaged": damaged, "base": base}


def test_consolidated_json_equals_kpi_json_of_the_whole_workbook_key_by_key(chain, tmp_path):
    whole = cli("kpi", str(chain["whole"]), "--from", PERIOD[0], "--to", PERIOD[1], "--now", NOW_TEXT, "--json")
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "总部汇总.xlsx"
    pooled = cli("consolidate", str(chain["folder"]), "--out", str(out), "--from", PERIOD[0], "--to", PERIOD[1],
                 "--now", NOW_TEXT, "--json", "--cache", str(tmp_path / "cache"))
    assert pooled.returncode == 0, pooled.stderr
    expected, got = json.loads(whole.stdout), json.loads(pooled.stdout)
    assert list(got) == list(expected)  # the same keys, in the same order
    assert expected["tickets"] > 300 and len(chain["parts"]) == 9  # the demo's nine stores, really pooled
    for key in expected:  # exactly: the KPI code sums exactly, so the pooling order cannot show
        assert got[key] == expected[key], key
    # the damaged file is named, with the reason; the rest were consolidated
    assert "损坏的门店.xlsx" in pooled.stderr and "损坏" in pooled.stderr
    assert "9 个工作簿、9 家门店" in pooled.stderr
    # and the HQ workbook was written, with its sheets
    book = openpyxl.load_workbook(out, read_only=True)
    assert {"总部汇总", "门店对比", "试点对比", "区域监控", "月报_2026-11", "汇总设置"} <= set(book.sheetnames)
    book.close()


def test_the_month_to_date_default_period_matches_kpi_too(chain, tmp_path):
    # Neither --from nor --to: both commands take the month to date of --now (2026-11-01 … 11-20).
    whole = cli("kpi", str(chain["whole"]), "--now", NOW_TEXT, "--json")
    pooled = cli("consolidate", *map(str, chain["parts"].values()), "--out", str(tmp_path / "hq.xlsx"),
                 "--now", NOW_TEXT, "--json", "--jobs", "1", "--cache", str(tmp_path / "cache"))
    assert whole.returncode == 0 and pooled.returncode == 0, pooled.stderr
    expected, got = json.loads(whole.stdout), json.loads(pooled.stdout)
    assert got["period"] == expected["period"] == {"start": "2026-11-01", "end": "2026-11-20",
                                                   "label": "2026-11-01 至 2026-11-20"}
    assert got["tickets"] == expected["tickets"] and got["sla_counted"] == expected["sla_counted"]
    assert got["fcr_rate"] == pytest.approx(expected["fcr_rate"]) and got["nps"] == pytest.approx(expected["nps"])


# ---- two stores, the same ticket numbers ---------------------------------------------------------
def _ticket(number: str, store: str, received: str, done: str, phone: str) -> dict:
    return {"服务工单号": number, "受理时间": dt.datetime.fromisoformat(received), "客户名称/姓名": "王先生",
            "联系方式": phone, "所属店铺/区域": store, "需求类型": "维修类", "紧急程度": "一般",
            "购买产品型号": "JS-200", "处理人": "工程师B", "完成时间": dt.datetime.fromisoformat(done),
            "当前状态": "已完成"}


def _visit(number: str, cost: float) -> dict:
    return {"工单号": number, "服务类型": "维修", "服务执行人": "工程师B",
            "服务时间": dt.datetime(2026, 11, 3, 10, 0), "配件/维修费": cost}


def test_two_stores_with_the_same_sv_numbers_never_collide(tmp_path):
    # 一号店 and 二号店 both number their first ticket SV20261102001 (each workbook numbers its own).
    folder = tmp_path / "stores"
    folder.mkdir()
    number = "SV20261102001"
    make_book(folder / "一号店.xlsx", {
        "客户服务信息登记表": [_ticket(number, "一号店", "2026-11-02 09:00", "2026-11-02 19:00", "13800000001")],
        "服务过程记录表": [_visit(number, 100.0)],
        "客户满意度调研表": [{"工单号": number, "回访时间": dt.datetime(2026, 11, 5, 10, 0), "总体满意度": 9,
                              "推荐意愿": 10}],
    })
    make_book(folder / "二号店.xlsx", {
        "客户服务信息登记表": [_ticket(number, "二号店", "2026-11-02 10:00", "2026-11-03 10:00", "13900000002")],
        "服务过程记录表": [_visit(number, 50.0), _visit(number, 30.0)],
    })
    from macros.consolidate import consolidate

    result = consolidate([folder], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 20), now=NOW, jobs=1,
                         cache_dir=tmp_path / "cache")
    k = result.kpis
    # Worked by hand: two tickets, both completed; 一号店's has one visit (FCR), 二号店's two (not).
    assert k["tickets"] == 2 and k["completed"] == 2
    assert k["fcr_tickets"] == 1 and k["fcr_rate"] == 0.5
    assert k["cost_parts_repair"] == 180.0 and k["cost_per_ticket"] == 90.0
    assert k["resolution_hours_avg"] == pytest.approx((10 + 24) / 2)  # 09:00→19:00 and 10:00→10:00 next day
    assert k["surveys"] == 1 and k["nps"] == 100.0
    # Each store on its own, by the same code: 一号店 FCR 1/1, 二号店 0/1.
    assert result.store_kpis["一号店"]["fcr_rate"] == 1.0 and result.store_kpis["二号店"]["fcr_rate"] == 0.0
    assert result.store_kpis["二号店"]["cost_total"] == 80.0


# ---- files as they come --------------------------------------------------------------------------
def test_every_odd_file_is_named_with_its_reason_and_the_rest_are_consolidated(chain, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    parts = chain["parts"]
    names = sorted(parts)
    for store in names[:4]:
        shutil.copy(parts[store], folder / parts[store].name)
    # damaged: a truncated zip
    (folder / "坏文件.xlsx").write_bytes(parts[names[4]].read_bytes()[:5000])
    # a non-workbook and an old .xls
    (folder / "说明.txt").write_text("门店工作簿放在这里", encoding="utf-8")
    (folder / "旧表.xls").write_bytes(b"\xd0\xcf\x11\xe0not really")
    # open in Excel: the lock file beside the first store's workbook
    open_one = folder / parts[names[0]].name
    (folder / f"~${open_one.name}").write_bytes(b"\x00" * 165)
    # a store in two files: an older copy of the second store's workbook
    stale = folder / f"{names[1]}（旧副本）.xlsx"
    shutil.copy(parts[names[1]], stale)
    os.utime(stale, (1_700_000_000, 1_700_000_000))
    # a newer format and an older one
    newer = _resave(parts[names[5]], folder / "新版本.xlsx", params={"工作簿版本": 99})
    older = _resave(parts[names[6]], folder / "旧版本.xlsx", params={"工作簿版本": None},
                    drop_header=("客户服务信息登记表", "结果反馈时限"))

    from macros.consolidate import consolidate

    result = consolidate([folder], out=tmp_path / "hq.xlsx", start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 20),
                         now=NOW, jobs=2, cache_dir=tmp_path / "cache")
    issues = {i.name: i for i in result.issues}
    assert "损坏" in issues["坏文件.xlsx"].reason and not issues["坏文件.xlsx"].included
    assert "不是 Excel 工作簿" in issues["说明.txt"].reason
    assert "另存为 .xlsx" in issues["旧表.xls"].reason
    assert "Excel 打开" in issues[open_one.name].reason and issues[open_one.name].included
    assert "较新的文件" in issues[stale.name].reason and parts[names[1]].name in issues[stale.name].reason
    assert "版本 99" in issues[newer.name].reason and "升级" in issues[newer.name].reason
    assert "结果反馈时限" in issues[older.name].reason and "早期版本" in issues[older.name].reason
    assert not any(n.startswith("~$") for n in issues)  # the lock file is a sign, not a file to report
    assert sorted(r.name for r in result.covered) == sorted(parts[s].name for s in names[:4])
    assert result.stores == names[:4]
    # the HQ workbook lists the covered files with their modification times, and the others
    sheet = openpyxl.load_workbook(tmp_path / "hq.xlsx", read_only=True)["总部汇总"]
    text = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    stamps = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, dt.datetime)]
    for rows in result.covered:
        assert rows.name in text
        assert rows.modified in stamps
    for name in ("坏文件.xlsx", "说明.txt", stale.name, newer.name, older.name):
        assert name in text


def _resave(source: Path, target: Path, *, params: dict | None = None, drop_header: tuple | None = None) -> Path:
    book = openpyxl.load_workbook(source)
    if params:
        ws = book["系统参数"]
        found = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
        for key, value in params.items():
            if key in found:
                found[key].value = value
            else:
                ws.append([key, value, ""])
    if drop_header:
        ws = book[drop_header[0]]
        for cell in ws[1]:
            if cell.value == drop_header[1]:
                cell.value = "（已删除）"
    book.save(target)
    return target


# ---- incremental ---------------------------------------------------------------------------------
def test_a_rerun_after_one_store_changed_rereads_only_that_file_and_gives_the_same_kpis(chain, tmp_path):
    from macros.consolidate import consolidate

    folder = tmp_path / "stores"
    shutil.copytree(chain["folder"], folder)
    (folder / "损坏的门店.xlsx").unlink()
    cache = tmp_path / "cache"
    period = dict(start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 20), now=NOW, jobs=2, cache_dir=cache)
    first = consolidate([folder], **period)
    assert [r.cached for r in first.covered] == [False] * 9
    second = consolidate([folder], **period)
    assert [r.cached for r in second.covered] == [True] * 9
    assert second.kpis == first.kpis and second.store_kpis == first.store_kpis  # the cache changes nothing
    # one store adds a survey (a 10 on both scores) to one of its tickets
    changed = sorted(folder.glob("*.xlsx"))[2]
    book = openpyxl.load_workbook(changed)
    ticket = next(row[0] for row in book["客户服务信息登记表"].iter_rows(min_row=2, values_only=True) if row[0])
    survey = book["客户满意度调研表"]
    headers = [c.value for c in survey[1]]
    row = [None] * len(headers)
    row[headers.index("工单号")] = ticket
    row[headers.index("回访时间")] = dt.datetime(2026, 11, 19, 10, 0)
    row[headers.index("总体满意度")] = 10
    row[headers.index("推荐意愿")] = 10
    survey.append(row)
    book.save(changed)
    third = consolidate([folder], **period)
    assert [r.name for r in third.covered if not r.cached] == [changed.name]
    assert third.kpis["surveys"] == first.kpis["surveys"] + 1
    # and a run without any cache agrees with the incremental one
    fresh = consolidate([folder], **{**period, "cache_dir": tmp_path / "fresh-cache"})
    assert fresh.kpis == third.kpis


# ---- the HQ workbook as HQ sees it ----------------------------------------------------------------
@pytest.mark.libreoffice
def test_libreoffice_opens_the_hq_workbook_and_shows_the_store_comparison(chain, tmp_path, libreoffice):
    from macros.consolidate import consolidate

    out = tmp_path / "总部汇总.xlsx"
    result = consolidate([chain["folder"]], out=out, start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 20), now=NOW,
                         jobs=2, cache_dir=tmp_path / "cache")
    resaved = libreoffice(out, "xlsx")
    book = openpyxl.load_workbook(resaved, read_only=True)
    assert book.sheetnames[:4] == ["总部汇总", "门店对比", "试点对比", "区域监控"]
    rows = [r for r in book["门店对比"].iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "综合排名")
    body = [r for r in rows[rows.index(header) + 1:] if r and r[1]]
    stores = [r[1] for r in body if r[1] != "全部门店（合并计算）"]
    assert sorted(stores) == result.stores
    total = next(r for r in body if r[1] == "全部门店（合并计算）")
    tickets = header.index("工单量")
    # the pooled row equals the sum of the stores' ticket counts (a count adds up; a ratio would not)
    assert total[tickets] == result.kpis["tickets"] == sum(r[tickets] for r in body if r[1] != "全部门店（合并计算）")
    ranks = sorted(r[0] for r in body if r[0] is not None)
    assert ranks[0] == 1 and len(ranks) == 9


# ---- the ribbon button of an HQ workbook ---------------------------------------------------------
def test_the_hq_ribbon_button_rewrites_the_hq_sheets_of_the_open_workbook(tmp_path, monkeypatch):
    from aftersales import ribbon
    from macros.consolidate import consolidate
    from tests import fakexw
    from tests.test_consolidate_dask import _stores

    folder = tmp_path / "stores"
    _stores(folder)  # three stores of five tickets each, and one broken file
    hq_path = tmp_path / "总部汇总.xlsx"
    consolidate([folder / "一号店.xlsx"], out=hq_path, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 20),
                now=NOW, jobs=1)  # last month's HQ workbook covered one store
    book = fakexw.Book(hq_path)
    settings = book.sheets["汇总设置"]
    settings.range("B2").value = "stores"  # relative to the HQ workbook's folder
    settings.range("B3").value = dt.datetime(2026, 11, 1)
    settings.range("B4").value = dt.datetime(2026, 11, 20)
    fakexw.set_mock_caller(book)
    monkeypatch.setattr(ribbon, "_caller", fakexw.Book.caller)
    ribbon.consolidate_hq()
    (title, message), = book.app.alerts
    assert title == "售后服务 — 总部汇总"
    assert "3 个工作簿、3 家门店" in message and "工单 15 张" in message  # 3 stores × 5 tickets
    assert "坏的.xlsx" in message
    assert book.app.status_bar is False
    book.save()
    sheet = openpyxl.load_workbook(hq_path, read_only=True)["门店对比"]
    stores = {row[1] for row in sheet.iter_rows(values_only=True) if row and row[1]}
    assert {"一号店", "二号店", "三号店", "全部门店（合并计算）"} <= stores
