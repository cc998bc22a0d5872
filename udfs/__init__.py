"""Excel functions (xlwings UDFs) of the after-sales workbook, usable from plain Python too.

Each ``excel_*`` module holds the thin Excel face of one pure module (``udfs.sla`` with
``udfs.calendar``); this package re-exports the faces so that xlwings (UDF_MODULES = "udfs")
finds them. To add a family of functions, write ``udfs/excel_<topic>.py`` with its own
``__all__`` and add its name to FACES below.

The faces are loaded on first use of the package's attributes (``udfs.sla_due``, ``dir(udfs)``,
``from udfs import *``, which is how xlwings lists them), never by ``import udfs.sla``: the pure
modules run without xlwings.
"""

from __future__ import annotations

import importlib
import importlib.util

FACES = (
    "excel_sla",
    "excel_checklist",  # execution checklist and project sheets (udfs.checklist holds the rules)
    "staffing",  # 人员配置测算 (its __all__ lists only its Excel face)
    "excel_live",  # the 时限 columns as formulas (系统参数 时限计算方式 = 公式)
)


def _faces() -> list:
    return [importlib.import_module(f"{__name__}.{face}") for face in FACES]


def __getattr__(name: str):
    if name == "__all__":
        names = [n for module in _faces() for n in module.__all__]
        globals()["__all__"] = names
        return names
    if not name.startswith("__"):
        # ``from udfs import sla`` asks the package for the attribute before importing the
        # submodule: answer with the submodule itself, without loading the faces (xlwings).
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f"{__name__}.{name}")
        for module in _faces():
            if name in module.__all__:
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__getattr__("__all__")))
