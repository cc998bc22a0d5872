"""The workbook: its schema, the builder, reading and writing. The only package that touches
openpyxl, python-calamine or xlsx XML.

The names below are loaded on first use (``from workbook import read_file``), so importing a
light module such as ``workbook.errors`` or ``workbook.schema`` does not load pandas or openpyxl.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "new_workbook": "builder",
    "ChangeSet": "changes", "ReportSheet": "changes", "SheetChanges": "changes", "diff": "changes",
    "WorkbookError": "errors",
    "Problem": "problems",
    "Snapshot": "reader", "read_book": "reader", "read_file": "reader",
    "CommitResult": "session", "Session": "session", "open_workbook": "session",
}

__all__ = sorted(_HOMES, key=str.lower)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
