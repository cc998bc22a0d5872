"""Install the add-in for the current user, or explain how where Excel does not run.

Excel opens every file in its startup folder (XLSTART) when it starts, and that folder is a
trusted location by default, so copying ``aftersales.xlam`` there is the whole installation.
The add-in is built fresh for the install, with this Python as its interpreter: the xlwings VBA
then matches the xlwings (and its DLL) that this interpreter has.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from addin.build import DEFAULT_NAME, build_addin

WINDOWS_XLSTART = r"%APPDATA%\Microsoft\Excel\XLSTART"
MAC_STARTUP = "~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
MAC_SCRIPTS = "~/Library/Application Scripts/com.microsoft.Excel"

TRUSTED_LOCATION_NOTE = (
    "若把加载项放在其他文件夹：Excel › 文件 › 选项 › 信任中心 › 信任中心设置 › 受信任位置 › 添加新位置，"
    "再在 文件 › 选项 › 加载项 › 管理“Excel 加载项” › 转到 › 浏览 中选中它。"
)
MARK_OF_THE_WEB_NOTE = (
    "从邮件、网盘或网页下载的 aftersales.xlam 带有“来自 Internet”标记，Excel 会阻止其中的宏："
    "右键文件 › 属性 › 勾选“解除锁定” › 确定（本命令生成的文件没有此标记）。"
)


class AddinInstallError(RuntimeError):
    """The add-in could not be put in place (e.g. Excel has the old copy open)."""


@dataclass(frozen=True)
class InstallResult:
    """What ``install_addin`` did (or, for a dry run or without Excel, what is to be done)."""

    platform: str  # "windows", "macos" or "linux"
    addin_path: Path | None  # where the add-in is (or would be) installed
    interpreter: str | None  # the interpreter written into the settings sheet
    installed: bool  # True only if the file was written
    steps: tuple[str, ...]  # in Chinese, for the person installing

    def __str__(self) -> str:
        return "\n".join(f"{n}. {step}" for n, step in enumerate(self.steps, start=1))


def _platform_name(platform: str) -> str:
    if platform.startswith("win"):
        return "windows"
    if platform == "darwin":
        return "macos"
    return "linux"


def default_target_dir(platform: str | None = None) -> Path | None:
    """Excel's per-user startup folder on this OS (None where there is no Excel)."""
    name = _platform_name(platform or sys.platform)
    if name == "windows":
        return Path(os.path.expandvars(WINDOWS_XLSTART))
    if name == "macos":
        return Path(MAC_STARTUP).expanduser()
    return None


def default_interpreter() -> str:
    """The interpreter the add-in should run: this one (as ``xlwings addin install`` writes it)."""
    return sys.executable


def install_addin(
    target_dir: Path | None = None,
    *,
    dry_run: bool = False,
    interpreter: str | None = None,
    platform: str | None = None,
) -> InstallResult:
    """Install the Excel add-in for this user (XLSTART), with this Python as its interpreter.

    On Windows and macOS the add-in is built with ``interpreter`` (default: this Python) in its
    settings sheet and copied into Excel's startup folder, or into ``target_dir``; on macOS
    xlwings' AppleScript, which RunPython needs, is installed too. On Linux there is no Excel:
    nothing is installed unless ``target_dir`` is given, and the result explains what a
    Windows or macOS user does. ``dry_run`` only reports. ``str(result)`` is the numbered list of
    steps (in Chinese) to show the user.

    Example::

        >>> from addin.install import install_addin
        >>> print(install_addin(dry_run=True))
    """
    platform = platform or sys.platform
    name = _platform_name(platform)
    if name == "linux":
        return _explain_linux(target_dir, dry_run=dry_run, interpreter=interpreter)

    target_dir = Path(target_dir) if target_dir is not None else default_target_dir(platform)
    assert target_dir is not None
    interpreter = interpreter or default_interpreter()
    key = "Interpreter_Win" if name == "windows" else "Interpreter_Mac"
    target = target_dir / DEFAULT_NAME
    verb = "将" if dry_run else "已"
    steps = [
        f"{verb}生成 {DEFAULT_NAME}，并在其设置表 aftersales.conf 中写入 {key} = {interpreter}",
        f"{verb}复制到 Excel 启动文件夹 {target_dir}"
        + ("（XLSTART 默认是受信任位置，宏可以直接运行）" if name == "windows" else ""),
    ]
    if name == "macos":
        scripts = Path(MAC_SCRIPTS).expanduser()
        # Only a real macOS install touches the user's Library; a simulated one lists the step.
        install_script = not dry_run and sys.platform == "darwin"
        steps.append(
            f"{'已' if install_script else '将'}把 xlwings 的 AppleScript 复制到 {scripts}"
            "（RunPython 在 macOS 上需要它，相当于 xlwings runpython install）"
        )
    steps.append("完全退出 Excel 再重新打开：功能区出现“售后服务”选项卡。")
    if name == "windows":
        steps.append("工作表函数（如 =sla_due(...)）在 Windows 上可直接使用。")
    else:
        steps.append("macOS 上没有工作表函数（UDF）：按钮运行的程序会把计算结果直接写进工作表。首次运行时请允许 Excel 访问文件。")
    steps += [TRUSTED_LOCATION_NOTE, MARK_OF_THE_WEB_NOTE]

    if not dry_run:
        _put_in_place(target, {key: interpreter})
        if name == "macos" and sys.platform == "darwin":
            _install_applescript(Path(MAC_SCRIPTS).expanduser())
    return InstallResult(name, target, interpreter, not dry_run, tuple(steps))


def _explain_linux(target_dir: Path | None, *, dry_run: bool, interpreter: str | None) -> InstallResult:
    steps = [
        "这台电脑运行的是 Linux，没有 Microsoft Excel，加载项无法在这里安装；同样的功能可以用命令行 aftersales 运行（无需 Excel）。",
        f"Windows 用户：在装有 aftersales 的 Python 环境中运行 aftersales install-addin，"
        f"它会生成加载项、写入解释器路径并复制到 {WINDOWS_XLSTART}。",
        f"macOS 用户：同样运行 aftersales install-addin，它会复制到 {MAC_STARTUP}，并安装 xlwings 的 AppleScript。",
        "手动安装、解除锁定、受信任位置和验收清单见 docs/addin.md。",
    ]
    if target_dir is None:
        return InstallResult("linux", None, interpreter, False, tuple(steps))
    target = Path(target_dir) / DEFAULT_NAME
    settings = {}
    if interpreter:
        settings["Interpreter_Win"] = interpreter
    if dry_run:
        steps.insert(1, f"将生成 {DEFAULT_NAME} 并复制到 {target_dir}，供 Windows/macOS 用户使用。")
        return InstallResult("linux", target, interpreter, False, tuple(steps))
    _put_in_place(target, settings)
    steps.insert(1, f"已生成 {DEFAULT_NAME} 并复制到 {target_dir}，供 Windows/macOS 用户使用。")
    return InstallResult("linux", target, interpreter, True, tuple(steps))


def _put_in_place(target: Path, settings: dict[str, str]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aftersales-install-") as tmp:
        built = build_addin(Path(tmp) / DEFAULT_NAME, settings=settings)
        staged = target.with_name(f".{target.name}.new")
        try:
            shutil.copyfile(built, staged)
            os.replace(staged, target)
        except PermissionError:
            raise AddinInstallError(
                f"无法写入 {target}：文件可能正被 Excel 使用——请完全退出 Excel 后重试。"
            ) from None
        finally:
            staged.unlink(missing_ok=True)


def _install_applescript(scripts: Path) -> None:
    import xlwings

    source = Path(xlwings.__file__).with_name(f"xlwings-{xlwings.__version__}.applescript")
    scripts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, scripts / source.name)
