"""A store workbook's typed sheets cached as Parquet, keyed by the file's content (总部汇总).

HQ consolidation reads the same store workbooks again and again; most have not changed since the
last run. ``content_key(path)`` is the SHA-256 of the file's bytes (plus a fingerprint of the
schema of the sheets read, so a code change that reads differently never meets an old entry).
``load``/``save`` keep one folder per key::

    <cache>/<key>/<sheet>.parquet   one typed frame per sheet (index = Excel row number)
    <cache>/<key>/meta.json         sheet layout, the 1904 flag, the data problems found

An entry is written to a temporary folder and renamed into place, so a reader on shared storage
sees a whole entry or none; two workers saving the same key at once both succeed (the content is
the same). The cache holds what was *read* — deadlines and statuses depend on ``now`` and are
computed again on every run from these frames.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow.parquet as pq

from workbook import schema as S
from workbook.frames import SheetData
from workbook.problems import Problem
from workbook.reader import Snapshot

CACHE_FORMAT = 1  # bump when the layout of an entry changes
_TAG = "\x1e"  # marks a cell of a mixed-type column encoded as JSON text
_ROW = "__excel_row__"


def schema_fingerprint(sheets: Iterable[str]) -> str:
    """A short hash of the declared headers and kinds of ``sheets``: part of every cache key."""
    text = json.dumps([[name, [(c.header, c.kind) for c in S.sheet(name).columns]] for name in sorted(sheets)],
                      ensure_ascii=False)
    return hashlib.sha256(f"{CACHE_FORMAT}|{text}".encode()).hexdigest()[:12]


def content_key(path: Path, sheets: Iterable[str]) -> str:
    """SHA-256 of the file's bytes, joined with the schema fingerprint of the sheets read."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f"{digest.hexdigest()}-{schema_fingerprint(sheets)}"


# ---- cells that Parquet cannot type -------------------------------------------------------------
def _encode(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return _TAG + json.dumps({"t": "datetime", "v": pd.Timestamp(value).isoformat()})
    if isinstance(value, dt.date):
        return _TAG + json.dumps({"t": "date", "v": value.isoformat()})
    if isinstance(value, dt.time):
        return _TAG + json.dumps({"t": "time", "v": value.isoformat()})
    if isinstance(value, bool):
        return _TAG + json.dumps({"t": "bool", "v": value})
    if isinstance(value, (int, float)):
        return _TAG + json.dumps({"t": "number", "v": value})
    return str(value)


def _decode(value):
    if not isinstance(value, str) or not value.startswith(_TAG):
        return value
    item = json.loads(value[1:])
    kind, v = item["t"], item["v"]
    if kind == "datetime":
        return pd.Timestamp(v).to_pydatetime()
    if kind == "date":
        return dt.date.fromisoformat(v)
    if kind == "time":
        return dt.time.fromisoformat(v)
    return v


def _plain_text(values: pd.Series) -> bool:
    return all(v is None or isinstance(v, str) for v in values.to_numpy(dtype=object))


# ---- entries ------------------------------------------------------------------------------------
def save(cache_dir: Path, key: str, snapshot: Snapshot) -> Path:
    """Store the snapshot's sheets under ``key``; an existing entry is left as it is."""
    final = Path(cache_dir) / key
    if (final / "meta.json").exists():
        return final
    tmp = Path(cache_dir) / f".{key}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir(parents=True)
    try:
        meta = {"format": CACHE_FORMAT, "origin": Path(snapshot.origin).name, "present": snapshot.present,
                "date1904": snapshot.date1904, "sheets": {}}
        for name, data in snapshot.sheets.items():
            frame = data.frame.copy()
            encoded = []
            for header in frame.columns:
                if frame[header].dtype == object and not _plain_text(frame[header]):
                    frame[header] = [_encode(v) for v in frame[header].to_numpy(dtype=object)]
                    encoded.append(header)
            frame.insert(0, _ROW, frame.index.to_numpy(dtype="int64"))
            frame.reset_index(drop=True).to_parquet(tmp / f"{len(meta['sheets'])}.parquet", index=False)
            meta["sheets"][name] = {
                "file": f"{len(meta['sheets'])}.parquet", "columns": data.columns, "last_row": data.last_row,
                "width": data.width, "missing_headers": data.missing_headers, "encoded": encoded,
                "problems": [[p.row, p.column, None if p.value is None else str(p.value), p.reason, p.level, p.ticket]
                             for p in data.problems],
            }
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(tmp, final)
        except OSError:  # another worker stored the same content first
            if not (final / "meta.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def load(cache_dir: Path, key: str, origin: str) -> Snapshot | None:
    """The snapshot stored under ``key`` (None when there is no whole entry)."""
    folder = Path(cache_dir) / key
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("format") != CACHE_FORMAT:
        return None
    sheets: dict[str, SheetData] = {}
    try:
        for name, info in meta["sheets"].items():
            frame = pq.read_table(folder / info["file"]).to_pandas()
            frame.index = pd.Index(frame.pop(_ROW).to_numpy(), name="行号")
            for header in info["encoded"]:
                frame[header] = pd.Series([_decode(v) for v in frame[header].to_numpy(dtype=object)],
                                          index=frame.index, dtype=object)
            for header in frame.columns:  # Parquet gives text back as object; keep None, not NaN
                if frame[header].dtype == object:
                    frame[header] = frame[header].where(frame[header].notna(), None)
            problems = [Problem(name, row, column, value, reason, level, ticket)
                        for row, column, value, reason, level, ticket in info["problems"]]
            sheets[name] = SheetData(S.sheet(name), frame, info["columns"], {}, info["last_row"], info["width"],
                                     problems, info["missing_headers"])
    except (OSError, ValueError, KeyError):
        return None
    return Snapshot(origin, sheets, meta["present"], None, meta["date1904"])
