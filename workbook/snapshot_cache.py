"""A typed snapshot of a workbook kept beside it, so a second read of the same file is cheap.

Reading a 100k-ticket workbook is most of a report's time (python-calamine's parse, then typing
every cell). A read-only run (a report, ``kpi --json``) stores the Snapshot it read in
``缓存/<workbook name>.snapshot`` beside the workbook; any later run of the same program on a
workbook with *byte-identical content* loads it instead of reading the sheets.

Why it can never be stale: the entry is keyed by the SHA-256 of the workbook file's bytes (and
of this program's reading code, pandas, numpy and Python versions), checked on every load — an
edit by anyone, a save by Excel, a refresh all change the key, and the workbook is read again.

Why it can never run code: the payload is a pickle, and unpickling runs code, so the file is
signed with HMAC-SHA256 under a random key private to the user (``~/.aftersales/snapshot.key``,
mode 0600), and the signature is checked before anything is unpickled. A snapshot someone else
put into a shared folder is ignored, and overwritten with this user's own.

After a run writes the workbook, the snapshot of the old content is useless; if one was there (the
team makes reports from this workbook), a detached low-priority process reads the new file and
keeps its snapshot, so the report after a nightly 全部刷新 does not read the workbook again. It
holds no lock and writes only into ``缓存`` (atomically); if the file changes meanwhile, the
content key simply will not match.

Personal data: the snapshot holds the same cells as the workbook, unmasked (masking is for what
leaves the workbook: reports and messages), so it stays in the workbook's own folder and gets the
workbook's permissions, never wider — like the copies in ``备份``. Deleting ``缓存`` at any time is
safe: the next run reads the workbook and writes it again. Every failure here (no space, a
read-only folder, a damaged file) only means the workbook is read the ordinary way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import pickle
import secrets
import subprocess
import sys
from pathlib import Path

from workbook.store import write_atomically

CACHE_DIR = "缓存"
SUFFIX = ".snapshot"
MAGIC = b"AFTERSALES-SNAPSHOT 1\n"
KEY_FILE = Path("~/.aftersales/snapshot.key")
_CODE: str | None = None


def cache_path(book: Path) -> Path:
    """Where the snapshot of ``book`` is kept: ``缓存/<name>.snapshot`` beside it."""
    return book.parent / CACHE_DIR / f"{book.name}{SUFFIX}"


def content_key(book: Path) -> str:
    """SHA-256 of the workbook file's bytes (about 0.1 s for 56 MB)."""
    digest = hashlib.sha256()
    with open(book, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def code_key() -> str:
    """A fingerprint of the code that turns cells into a Snapshot, and of the libraries it pickles."""
    global _CODE
    if _CODE is None:
        import numpy
        import pandas

        digest = hashlib.sha256(f"{sys.version}|{pandas.__version__}|{numpy.__version__}".encode())
        root = Path(__file__).resolve().parent.parent
        for package in ("workbook", "udfs"):
            for source in sorted((root / package).glob("*.py")):
                digest.update(source.name.encode())
                digest.update(source.read_bytes())
        _CODE = digest.hexdigest()
    return _CODE


def _secret(create: bool) -> bytes | None:
    path = KEY_FILE.expanduser()
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    if not create:
        return None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        write_atomically(path, key, mode=0o600)
        return key
    except OSError:
        return None


def load(book: Path, content: str):
    """The cached Snapshot of ``book`` whose content hashes to ``content``, or None."""
    from workbook import schema as S

    key = _secret(create=False)
    if key is None:
        return None
    try:
        with open(cache_path(book), "rb") as handle:
            if handle.readline() != MAGIC:
                return None
            header = handle.readline()
            meta = json.loads(header)
            if meta.get("content") != content or meta.get("code") != code_key():
                return None
            signature = handle.read(32)
            payload = handle.read()
    except (OSError, ValueError):
        return None
    expected = hmac.new(key, header + payload, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return None  # not written by this user: never unpickled
    try:
        snapshot = pickle.loads(payload)
        for name, data in snapshot.sheets.items():  # schemas are stored by name (see save)
            snapshot.sheets[name] = dataclasses.replace(data, schema=S.sheet(data.schema))
    except Exception:  # noqa: BLE001 - a damaged or foreign entry means: read the workbook
        return None
    return snapshot


def save(book: Path, content: str, snapshot) -> Path | None:
    """Keep ``snapshot`` (read from ``book`` whose content hashes to ``content``); None if it cannot."""
    key = _secret(create=True)
    if key is None:
        return None
    target = cache_path(book)
    try:
        stored = dataclasses.replace(snapshot, sheets={
            name: dataclasses.replace(data, schema=data.schema.name) for name, data in snapshot.sheets.items()})
        payload = pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL)
        header = json.dumps({"content": content, "code": code_key(), "workbook": book.name},
                            ensure_ascii=False).encode() + b"\n"
        signature = hmac.new(key, header + payload, hashlib.sha256).digest()
        # The workbook's own permissions, never wider: whoever may read the workbook may read this.
        return write_atomically(target, [MAGIC + header + signature, payload], mode=book.stat().st_mode & 0o666)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return None


def renew_in_background(book: Path) -> bool:
    """After a write: if ``book`` had a snapshot, start a detached process that keeps the new one."""
    if not cache_path(book).exists():
        return False
    options: dict = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
                     "close_fds": True}
    if os.name == "nt":
        options["creationflags"] = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        options["start_new_session"] = True
    try:
        subprocess.Popen([sys.executable, "-m", "workbook.snapshot_cache", str(book)], **options)
    except OSError:
        return False
    return True


def _renew(book: str) -> None:
    """The detached process: read ``book`` and keep its snapshot; any failure is silent."""
    try:
        if hasattr(os, "nice"):
            os.nice(10)  # behind the team's interactive work
        from workbook.reader import read_file

        read_file(Path(book), cache="keep")
    except BaseException:  # noqa: BLE001 - nothing to report to: the next report simply reads the file
        pass


if __name__ == "__main__":
    _renew(sys.argv[1])
