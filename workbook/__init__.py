"""The workbook: its schema, the builder, reading and writing. The only package that touches
openpyxl, python-calamine or xlsx XML."""

from workbook.builder import new_workbook
from workbook.changes import ChangeSet, ReportSheet, SheetChanges, diff
from workbook.errors import WorkbookError
from workbook.problems import Problem
from workbook.reader import Snapshot, read_book, read_file
from workbook.session import CommitResult, Session, open_workbook

__all__ = [
    "ChangeSet", "CommitResult", "Problem", "ReportSheet", "Session", "SheetChanges", "Snapshot",
    "WorkbookError", "diff", "new_workbook", "open_workbook", "read_book", "read_file",
]
