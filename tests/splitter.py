"""Split one workbook into its stores' workbooks, as a chain that keeps one workbook per store would.

Independent of the product's reader and writer: openpyxl reads the whole workbook once, and each
store's workbook is written with openpyxl holding every sheet — the intake rows of the store's
tickets, every other sheet that names a ticket (工单号) filtered to those tickets, the settings and
project sheets whole. The store workbooks are plain sheets (no tables or validations), as a
workbook re-saved by another tool would be.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

INTAKE = "客户服务信息登记表"
STORE = "所属店铺/区域"
TICKET = "服务工单号"


def read_sheets(path: Path) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


def _trim(rows: list[list]) -> list[list]:
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def split_by_store(path: Path, folder: Path, *, name=lambda store: f"{store}.xlsx") -> dict[str, Path]:
    """Write one workbook per store of ``path``'s intake sheet into ``folder``; {store: path}."""
    sheets = {title: _trim(rows) for title, rows in read_sheets(path).items()}
    intake = sheets[INTAKE]
    header = intake[0]
    store_col, ticket_col = header.index(STORE), header.index(TICKET)
    stores = sorted({row[store_col] for row in intake[1:] if row[store_col]})
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for store in stores:
        tickets = {row[ticket_col] for row in intake[1:] if row[store_col] == store}
        book = openpyxl.Workbook(write_only=True)
        for title, rows in sheets.items():
            ws = book.create_sheet(title)
            if not rows:
                continue
            head = rows[0]
            ws.append(head)
            if title == INTAKE:
                body = [r for r in rows[1:] if r[store_col] == store]
            elif "工单号" in head:
                j = head.index("工单号")
                body = [r for r in rows[1:] if r[j] in tickets]
            else:
                body = rows[1:]
            for row in body:
                ws.append(row)
        target = folder / name(store)
        book.save(target)
        out[store] = target
    return out
