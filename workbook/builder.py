"""Write an empty, ready-to-use workbook from the schema (``aftersales new``).

Every sheet becomes an Excel table with dropdowns, date and number checks, a frozen header,
widths that fit Chinese text, shaded and guarded program columns, status colours and the named
ranges the formulas use. The workbook is small, so openpyxl builds it; routines never load a
workbook with openpyxl (see ``workbook.xlsxpatch``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from workbook import schema as S
from workbook.layout import row_height

MAX_ROW = 1_048_576

NUMBER_FORMATS = {
    S.DATE: "yyyy-mm-dd",
    S.DATETIME: "yyyy-mm-dd hh:mm",
    S.MONEY: "#,##0.00",
    S.PERCENT: "0.0%",
    S.NUMBER: "0.00",
    S.INT: "0",
    S.SCORE: "0",
    S.TEXT: "@",
    S.LONGTEXT: "@",
    S.PHONE: "@",
}

# Colours: staff columns plain, program columns shaded grey, fill-if-blank columns pale green.
PROGRAM_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILLS = {
    S.STAFF: PatternFill("solid", fgColor="2F5597"),
    S.FILL: PatternFill("solid", fgColor="548235"),
    S.REQUEST: PatternFill("solid", fgColor="548235"),
    S.ROW: PatternFill("solid", fgColor="7F6000"),
    S.PROGRAM: PatternFill("solid", fgColor="7F7F7F"),
}
TAB_COLOURS = {
    S.FORM: "2F5597", S.TASKS: "548235", S.OUTPUT: "7F7F7F", S.PROJECT: "BF8F00",
    S.SETTINGS: "C00000",
}
RED = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
AMBER = PatternFill("solid", fgColor="FFEB9C", bgColor="FFEB9C")
GREEN = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
PALE_RED = PatternFill("solid", fgColor="F8CBAD", bgColor="F8CBAD")
PALE_BLUE = PatternFill("solid", fgColor="DDEBF7", bgColor="DDEBF7")

# Value → colour for status-like columns (SPEC §2: overdue red, at risk amber, done green).
STATUS_COLOURS: dict[str, PatternFill] = {
    "已超时": RED, "即将超时": AMBER, "暂停超期": PALE_BLUE, "按时完成": GREEN, "超时完成": PALE_RED,
    "不合格": RED, "合格": GREEN, "未达标": RED, "达标": GREEN, "触发": RED, "未触发": GREEN,
    "已逾期": RED, "待整改": AMBER, "整改中": AMBER, "待验证": AMBER, "验证通过": GREEN,
    "已延期": RED, "已完成": GREEN, "✓": GREEN, "✗": RED,
    "重要且紧急": RED, "重要不紧急": AMBER,
}
COLOURED_COLUMNS_SUFFIXES = ("状态", "结果", "是否达标", "是否逾期", "优先级象限", "24小时内响应")

# 执行检查表's 实测值 is written after the build (up to two lines at its width): leave room.
CHECKLIST_ROW_POINTS = 34.0

WRAP = Alignment(wrap_text=True, vertical="top")
LEFT = Alignment(horizontal="left")

GUARD_MESSAGE = "此列由程序自动计算，请勿手动输入。如需调整，请修改设置表后点「全部刷新」。"


@dataclass
class BuildReport:
    """What ``new_workbook`` wrote and what it could not pre-fill."""

    path: Path
    sheets: list[str] = field(default_factory=list)
    calendar_years: list[int] = field(default_factory=list)
    missing_years: list[int] = field(default_factory=list)


def new_workbook(path: str | Path, *, today: dt.date | None = None) -> BuildReport:
    """Write an empty, ready-to-use workbook to ``path`` (refuses to overwrite an existing file).

    Example::

        new_workbook("售后服务.xlsx")
    """
    from workbook.store import write_new_file  # local: store imports this module's siblings

    path = Path(path)
    if path.exists():
        from workbook.errors import WorkbookError

        raise WorkbookError(f"{path} 已存在 — 为保护现有数据，不会覆盖；请换一个文件名")
    wb, report = build(today=today)
    report.path = path
    write_new_file(path, wb.save)
    return report


def build(*, today: dt.date | None = None, rows: dict[str, list[tuple]] | None = None):
    """Build the openpyxl Workbook in memory; ``rows`` adds data rows per sheet (the demo)."""
    today = today or dt.date.today()
    rows = rows or {}
    wb = Workbook()
    wb.remove(wb.active)
    report = BuildReport(path=Path())

    holidays, makeup, years, missing = _statutory_rows(today)
    report.calendar_years, report.missing_years = years, missing
    prefill = {
        S.HOLIDAYS.name: holidays,
        S.MAKEUP_DAYS.name: makeup,
        S.PARAMS.name: _params_rows(years, rows.get(S.PARAMS.name, S.PARAMS_ROWS)),
    }
    for sheet in S.SHEETS:
        if sheet.name == S.PARAMS.name:
            data = prefill[sheet.name]  # already merged with any given parameter rows
        else:
            data = list(rows.get(sheet.name, prefill.get(sheet.name, sheet.rows)))
        _write_sheet(wb, sheet, data)
        report.sheets.append(sheet.name)
    _define_names(wb)
    wb.properties.title = "售后服务工作簿"
    wb.properties.creator = "aftersales"
    return wb, report


def _statutory_rows(today: dt.date):
    """Holiday and make-up rows for this year and next, from the maintained library."""
    from udfs.calendar import CalendarYearMissing, statutory_days

    holidays: list[tuple] = []
    makeup: list[tuple] = []
    years, missing = [], []
    for year in (today.year, today.year + 1):
        try:
            off, on = statutory_days(year)
        except CalendarYearMissing:
            missing.append(year)
            continue
        years.append(year)
        holidays += [(d, name, "法定节假日", "系统预置") for d, name in off]
        makeup += [(d, name, "调休上班", "系统预置") for d, name in on]
    return holidays, makeup, years, missing


def _params_rows(years: list[int], rows=S.PARAMS_ROWS) -> list[tuple]:
    out = []
    for name, value, note in rows:
        if name == "节假日数据年份" and not value:
            value = ",".join(str(y) for y in years)
        out.append((name, value, note))
    return out


def _write_sheet(wb: Workbook, sheet: S.Sheet, data: list[tuple]) -> None:
    ws = wb.create_sheet(sheet.name)
    ws.sheet_properties.tabColor = TAB_COLOURS[sheet.group]
    if sheet.hidden:
        ws.sheet_state = "hidden"
    ncols = len(sheet.columns)
    last_col = get_column_letter(ncols)
    thin = Side(style="thin", color="BFBFBF")

    for j, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(j)
        cell = ws.cell(row=1, column=j, value=col.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILLS[col.owner]
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=thin)
        dim = ws.column_dimensions[letter]
        dim.width = col.display_width
        fmt = col.number_format or NUMBER_FORMATS.get(col.kind)
        if fmt:
            dim.number_format = fmt
        if col.owner == S.PROGRAM:
            dim.fill = PROGRAM_FILL
        if col.kind == S.LONGTEXT:
            dim.alignment = Alignment(wrap_text=True, vertical="top")
        elif sheet.group == S.OUTPUT:  # rows grow for wrapped text: keep every value on the first line
            # Status words (已超时, >7 天, 达标, ✓) centred: they read as labels, apart from numbers.
            dim.alignment = Alignment(vertical="top", horizontal="center" if col.kind == S.CHOICE else None)
        elif col.kind == S.ANY:  # 系统参数 值: numbers, dates and text one under another, all left
            dim.alignment = Alignment(horizontal="left")
        # Personal columns stay unlocked unless the team turns on protection (reliability issue).
        dim.protection = Protection(locked=col.owner == S.PROGRAM)

    for i, values in enumerate(data, start=2):
        for j, col in enumerate(sheet.columns, start=1):
            value = values[j - 1] if j - 1 < len(values) else None
            if value is None or value == "":
                continue
            cell = ws.cell(row=i, column=j, value=value)
            if isinstance(value, str) and value[:1] in "=+-@":
                cell.data_type = "s"  # text that looks like a formula stays text
                cell.quotePrefix = True
            fmt = col.number_format or NUMBER_FORMATS.get(col.kind) or _value_format(value)
            if fmt:
                cell.number_format = fmt
            if col.owner == S.PROGRAM:
                cell.fill = PROGRAM_FILL
            if col.kind == S.LONGTEXT:  # a written cell has its own format, not its column's
                cell.alignment = WRAP
            elif col.kind == S.ANY:
                cell.alignment = LEFT

    if sheet.group in (S.SETTINGS, S.PROJECT):  # rows the team reads as written: fit their text
        for i, values in enumerate(data, start=2):
            height = row_height(sheet, dict(zip(sheet.headers, values)))
            floor = CHECKLIST_ROW_POINTS if sheet is S.CHECKLIST else None
            if height or floor:
                ws.row_dimensions[i].height = max(height or 0, floor or 0)

    last_row = max(2, len(data) + 1)
    table = Table(displayName=sheet.table, ref=f"A1:{last_col}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "C2" if sheet.group == S.FORM else "A2"
    if sheet.group == S.OUTPUT or sheet is S.CHECKLIST:  # printed as lists: landscape, one page wide
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"  # the header row on every page
    ws.row_dimensions[1].height = 30
    _add_validations(ws, sheet)
    _add_colours(ws, sheet)


def _value_format(value) -> str | None:
    """A format for a date typed into a column of any kind (系统参数 值): a date, not 0:00:00."""
    if isinstance(value, dt.datetime):
        return "yyyy-mm-dd" if value.time() == dt.time() else "yyyy-mm-dd hh:mm"
    if isinstance(value, dt.date):
        return "yyyy-mm-dd"
    return None


def _col_range(j: int) -> str:
    letter = get_column_letter(j)
    return f"{letter}2:{letter}{MAX_ROW}"


def _add_validations(ws, sheet: S.Sheet) -> None:
    for j, col in enumerate(sheet.columns, start=1):
        dv = _validation_for(col)
        if dv is None:
            continue
        dv.add(_col_range(j))
        ws.add_data_validation(dv)


def _validation_for(col: S.Column) -> DataValidation | None:
    title = col.header
    if col.owner == S.PROGRAM:
        return DataValidation(
            type="custom", formula1="FALSE", showErrorMessage=True, errorStyle="stop",
            errorTitle="由程序计算", error=GUARD_MESSAGE,
            showInputMessage=bool(col.note), promptTitle=title[:32], prompt=col.note[:255] or None,
        )
    common = dict(
        showErrorMessage=True, errorStyle="stop", errorTitle=f"「{title}」输入无效"[:32],
        showInputMessage=bool(col.note), promptTitle=title[:32], prompt=col.note[:255] or None,
        allow_blank=True,
    )
    if col.kind == S.CHOICE:
        if col.choices:
            formula = '"' + ",".join(col.choices) + '"'
            error = "请从下拉列表选择：" + "、".join(col.choices)
        elif col.choices_name == S.DEPARTMENTS_NAME:
            formula = '"' + ",".join(S.DEPARTMENTS) + '"'
            error = "请从下拉列表选择：" + "、".join(S.DEPARTMENTS)
        else:
            formula = col.choices_name
            sheet_name = S.LIST_NAMES[col.choices_name][0]
            error = f"请从下拉列表选择（来自「{sheet_name}」表）"
        return DataValidation(type="list", formula1=formula, error=error[:255], **common)
    if col.kind in S.TEMPORAL:
        what = "日期" if col.kind == S.DATE else "日期时间"
        example = "2026-03-01" if col.kind == S.DATE else "2026-03-01 09:30"
        return DataValidation(
            type="date", operator="between", formula1="DATE(1990,1,1)", formula2="DATE(2100,12,31)",
            error=f"请输入{what}，如 {example}", **common,
        )
    if col.kind in S.NUMERIC:
        lo = col.minimum if col.minimum is not None else -1e15
        hi = col.maximum if col.maximum is not None else 1e15
        whole = col.kind in (S.INT, S.SCORE)
        if col.kind == S.PERCENT:
            error = "请输入百分比，如 85%"
        elif whole:
            error = f"请输入整数（{_num(lo)}–{_num(hi)}）" if col.maximum is not None else "请输入整数"
        else:
            error = "请输入数字" + (f"（不小于{_num(lo)}）" if col.minimum is not None else "")
        return DataValidation(
            type="whole" if whole else "decimal", operator="between",
            formula1=_num(lo), formula2=_num(hi), error=error, **common,
        )
    if col.kind == S.PHONE:
        return DataValidation(
            type="textLength", operator="between", formula1="7", formula2="20",
            error="请输入手机（11位）或座机（区号-号码）", **{**common, "errorStyle": "warning"},
        )
    return None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _add_colours(ws, sheet: S.Sheet) -> None:
    for j, col in enumerate(sheet.columns, start=1):
        if col.kind != S.CHOICE or not col.header.endswith(COLOURED_COLUMNS_SUFFIXES):
            continue
        for value in col.choices or ():
            fill = STATUS_COLOURS.get(value)
            if fill is not None:
                ws.conditional_formatting.add(
                    _col_range(j), CellIsRule(operator="equal", formula=[f'"{value}"'], fill=fill)
                )
    if sheet is S.CHECKLIST:
        _checklist_missing_owner(ws, sheet)
    if sheet is S.CALLBACK_PLAN:
        j = sheet.headers.index("是否逾期") + 1
        ws.conditional_formatting.add(
            _col_range(j), CellIsRule(operator="equal", formula=['"是"'], fill=RED)
        )


def _checklist_missing_owner(ws, sheet: S.Sheet) -> None:
    """A 不合格 row without 整改责任人 or 整改期限 is highlighted red in the missing cell."""
    result = get_column_letter(sheet.headers.index("检查结果") + 1)
    for header in ("整改责任人", "整改期限"):
        j = sheet.headers.index(header) + 1
        letter = get_column_letter(j)
        ws.conditional_formatting.add(
            _col_range(j),
            FormulaRule(formula=[f'AND(${result}2="不合格",LEN(${letter}2)=0)'], fill=RED),
        )


def _define_names(wb: Workbook) -> None:
    for name, (sheet_name, header) in S.LIST_NAMES.items():
        sheet = S.sheet(sheet_name)
        letter = get_column_letter(sheet.headers.index(header) + 1)
        ref = f"{quote_sheetname(sheet_name)}!${letter}$2:${letter}${S.LIST_ROWS + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    params = S.PARAMS
    value_letter = get_column_letter(params.headers.index("值") + 1)
    for name, param in S.VALUE_NAMES.items():
        row = S.PARAM_NAMES.index(param) + 2
        ref = f"{quote_sheetname(params.name)}!${value_letter}${row}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
