"""Build small workbooks for tests from rows given as {header: value} dicts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from workbook import schema as S
from workbook.builder import build
from workbook.store import write_new_file

ROSTER = [
    # 姓名, 部门, 角色, 负责店铺, 在岗状态, 最大在办工单数, 上级主管
    {"姓名": "经理甲", "部门": "客服部", "角色": "客服经理", "在岗状态": "在岗"},
    {"姓名": "主管乙", "部门": "客服部", "角色": "客服主管", "在岗状态": "在岗", "上级主管": "经理甲"},
    {"姓名": "工程师A", "部门": "维修部", "角色": "技术工程师", "负责店铺": "一号店", "在岗状态": "在岗",
     "最大在办工单数": 2, "上级主管": "主管乙"},
    {"姓名": "工程师B", "部门": "维修部", "角色": "技术工程师", "在岗状态": "在岗", "最大在办工单数": 10,
     "上级主管": "主管乙"},
    {"姓名": "工程师C", "部门": "维修部", "角色": "技术工程师", "在岗状态": "在岗", "最大在办工单数": 10,
     "上级主管": "主管乙"},
    {"姓名": "工程师D", "部门": "维修部", "角色": "技术工程师", "负责店铺": "二号店", "在岗状态": "休假",
     "最大在办工单数": 10, "上级主管": "主管乙"},
    {"姓名": "专员E", "部门": "咨询部", "角色": "产品专员", "在岗状态": "在岗", "上级主管": "主管乙"},
    {"姓名": "回访F", "部门": "回访组", "角色": "回访专员", "在岗状态": "在岗", "上级主管": "主管乙"},
]
STORES = [{"店铺/区域": "一号店", "所属大区": "华东"}, {"店铺/区域": "二号店", "所属大区": "华东"},
          {"店铺/区域": "三号店", "所属大区": "华南"}]
PRODUCTS = [{"产品型号": "JS-200", "产品线": "净水器", "保修期(月)": 24},
            {"产品型号": "KJ-500", "产品线": "空气净化器", "保修期(月)": 12}]


def as_tuples(sheet: S.Sheet, rows: list[dict]) -> list[tuple]:
    unknown = {k for r in rows for k in r} - set(sheet.headers)
    assert not unknown, f"{sheet.name} has no columns {unknown}"
    return [tuple(r.get(h) for h in sheet.headers) for r in rows]


def make_book(path: Path, sheets: dict[str, list[dict]], *, today=dt.date(2026, 11, 20),
              params: dict | None = None) -> Path:
    """A workbook with the default settings, this roster, and the given rows per sheet."""
    data = {S.STAFF_ROSTER.name: ROSTER, S.STORES.name: STORES, S.PRODUCTS.name: PRODUCTS, **sheets}
    rows = {name: as_tuples(S.sheet(name), values) for name, values in data.items()}
    if params:
        rows[S.PARAMS.name] = [(k, params.get(k, v), note) for k, v, note in S.PARAMS_ROWS]
    wb, _ = build(today=today, rows=rows)
    write_new_file(Path(path), wb.save)
    return Path(path)
