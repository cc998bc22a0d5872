"""总部汇总 on a Dask distributed cluster: a real LocalCluster of worker processes, same results.

The expected values are the local run's (worker processes on this machine): the cluster path must
not change a single KPI, store figure or reported file.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.bookmaker import make_book

NOW = dt.datetime(2026, 11, 20, 16, 0)

pytestmark = pytest.mark.slow


def _stores(folder):
    from tests.test_consolidate import _ticket, _visit

    folder.mkdir()
    for i, store in enumerate(("一号店", "二号店", "三号店")):
        tickets = [_ticket(f"SV2026110{d}001", store, f"2026-11-0{d} 09:00", f"2026-11-0{d} {10 + i + d}:00",
                           f"1380000{i}{d:03d}") for d in range(2, 7)]
        visits = [_visit(t["服务工单号"], 10.0 * (i + 1)) for t in tickets] + [_visit(tickets[0]["服务工单号"], 5.0)]
        make_book(folder / f"{store}.xlsx", {"客户服务信息登记表": tickets, "服务过程记录表": visits})
    (folder / "坏的.xlsx").write_bytes(b"PK\x03\x04 broken")


def test_a_local_cluster_of_processes_gives_exactly_the_local_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    from macros.consolidate import consolidate

    folder = tmp_path / "stores"
    _stores(folder)
    period = dict(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 20), now=NOW)
    local = consolidate([folder], jobs=2, cache_dir=tmp_path / "local-cache", **period)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert all(w.process is not None for w in cluster.workers.values())  # real worker processes
        on_cluster = consolidate([folder], scheduler=cluster.scheduler_address, cache_dir=tmp_path / "cluster-cache",
                                 out=tmp_path / "hq.xlsx", **period)
    assert on_cluster.kpis == local.kpis
    assert on_cluster.store_kpis == local.store_kpis
    assert [(i.name, i.reason) for i in on_cluster.issues] == [(i.name, i.reason) for i in local.issues]
    assert [r.name for r in on_cluster.covered] == ["一号店.xlsx", "三号店.xlsx", "二号店.xlsx"]
    # Hand check of the pooled figures: 15 tickets, 3 with a second visit → FCR 12/15.
    assert local.kpis["tickets"] == 15 and local.kpis["fcr_rate"] == pytest.approx(12 / 15)
    assert (tmp_path / "hq.xlsx").exists()
