"""Named errors of the workbook layer. Messages are Chinese (users read them at the CLI edge and
in Excel) and carry the place, the problem and the fix."""

from __future__ import annotations


class WorkbookError(Exception):
    """Base class: a run cannot continue; nothing has been written."""


class SheetMissing(WorkbookError):
    def __init__(self, sheet: str):
        self.sheet = sheet
        super().__init__(f"缺少工作表「{sheet}」— 请恢复该表（可用 aftersales new 生成的空白工作簿对照）")


class HeaderMissing(WorkbookError):
    def __init__(self, sheet: str, headers: list[str], found: list[str]):
        self.sheet, self.headers, self.found = sheet, headers, found
        missing = "、".join(f"「{h}」" for h in headers)
        super().__init__(
            f"{sheet} 第1行：找不到列 {missing} — 表头是程序识别各列的依据，请恢复原表头文字"
        )


class WorkbookOpenInExcel(WorkbookError):
    """An office suite (Excel, WPS, LibreOffice) holds the workbook open: its lock file is there."""

    def __init__(self, path, lock, *, suite: str = "Excel", holder: str | None = None):
        self.path, self.lock, self.suite, self.holder = path, lock, suite, holder
        who = f"，使用者 {holder}" if holder else ""
        where = "，或在 Excel 中用功能区按钮运行" if suite == "Excel" else ""
        super().__init__(
            f"{path} 正在被 {suite} 打开（发现锁文件 {lock.name}{who}）— 请先在 {suite} 中保存并关闭"
            f"{where}；确认无人打开（锁文件是程序异常退出后留下的）时可加 --force"
        )


class WorkbookReadOnly(WorkbookError):
    def __init__(self, path):
        self.path = path
        super().__init__(
            f"{path} 是只读文件 — 本次未写入；如需让程序更新它，请先取消只读"
            "（Windows：右键→属性→取消「只读」；Linux/macOS：chmod u+w 文件名）"
        )


class FolderNotWritable(WorkbookError):
    def __init__(self, folder, reason: str):
        self.folder, self.reason = folder, reason
        super().__init__(
            f"无法在文件夹 {folder} 中写入（{reason}）— 本次未写入任何内容；请把工作簿复制到"
            "可写的文件夹后再运行，或请管理员为该文件夹开放写入权限（只读挂载的共享盘需以读写方式挂载）"
        )


class WorkbookBusy(WorkbookError):
    def __init__(self, path, waited: float):
        self.path, self.waited = path, waited
        super().__init__(
            f"{path} 正被另一个例程写入，已等待 {waited:.0f} 秒仍未完成 — 请稍后再试"
        )


class WorkbookChanged(WorkbookError):
    def __init__(self, path):
        self.path = path
        super().__init__(
            f"{path} 在读取后被其他程序修改 — 为避免覆盖他人的修改，本次未写入；请重新运行"
        )


class WriteFailed(WorkbookError):
    def __init__(self, path, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"写入 {path} 失败：{reason} — 原文件未被修改")


class SheetFull(WorkbookError):
    def __init__(self, sheet: str, rows: int, room: int):
        self.sheet, self.rows, self.room = sheet, rows, room
        super().__init__(
            f"{sheet}：需要新增 {rows} 行，但 Excel 每张表最多 1,048,576 行，只剩 {max(room, 0)} 行 — "
            "本次未写入；请把旧数据归档到另一个工作簿后再运行"
        )


class RowsInTheWay(WorkbookError):
    def __init__(self, sheet: str, rows: list[int]):
        self.sheet, self.rows = sheet, rows
        where = "、".join(f"第{r}行" for r in rows[:5]) + ("等" if len(rows) > 5 else "")
        super().__init__(
            f"{sheet}：新行要写入表格下方的{where}，但那里有表格之外的内容 — 本次未写入；"
            "请把这些内容移到别处（或删除）后再运行"
        )


class NotAWorkbook(WorkbookError):
    def __init__(self, path, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path} 不是可读取的 .xlsx 工作簿：{reason}")


class OwnershipViolation(AssertionError):
    """A routine tried to write a cell staff own: a programming error, never a user error."""
