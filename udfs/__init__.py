"""Excel functions (xlwings UDFs) of the after-sales workbook, usable from plain Python too.

Each ``excel_*`` module holds the thin Excel face of one pure module (``udfs.sla`` with
``udfs.calendar``); this package re-exports the faces so that xlwings (UDF_MODULES = "udfs")
finds them. To add a family of functions, write ``udfs/excel_<topic>.py`` with its own
``__all__`` and add one import line and its ``__all__`` below.
"""

from udfs import excel_sla
from udfs.excel_sla import *  # noqa: F403 - the package's public face is the union of the faces

__all__ = [*excel_sla.__all__]

# -- execution checklist and project sheets: udfs.checklist (its __all__ lists only its Excel face) --
from udfs import checklist  # noqa: E402
from udfs.checklist import *  # noqa: E402,F403

__all__ += [*checklist.__all__]

# -- staffing (人员配置测算): udfs.staffing (its __all__ lists only its Excel face) --
from udfs import staffing  # noqa: E402
from udfs.staffing import *  # noqa: E402,F403

__all__ += [*staffing.__all__]
