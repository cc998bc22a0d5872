"""install_addin: where the add-in goes on each OS, and what the user is told."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

from addin import install, package
from addin.conf import read_conf_sheets
from addin.install import InstallResult, install_addin


@pytest.fixture(autouse=True)
def stand_in_udfs(tmp_path_factory, monkeypatch):
    """Install builds with a stand-in UDF module: these tests are about installing, not about `udfs`."""
    folder = tmp_path_factory.mktemp("udfs")
    (folder / "fake_install_udfs.py").write_text("import xlwings as xw\n\n\n@xw.func\ndef one():\n    return 1\n")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setattr(install, "build_addin", functools.partial(install.build_addin, udf_modules=["fake_install_udfs"]))


def conf_values(path: Path) -> dict[str, str]:
    return read_conf_sheets(package.read_parts(path))["aftersales.conf"].values


def test_on_windows_the_add_in_goes_to_xlstart_with_this_python_as_interpreter(tmp_path):
    result = install_addin(tmp_path, platform="win32")
    assert result.installed and result.platform == "windows"
    assert result.addin_path == tmp_path / "aftersales.xlam"
    assert conf_values(result.addin_path)["INTERPRETER_WIN"] == install.default_interpreter()
    text = str(result)
    assert "受信任位置" in text and "解除锁定" in text  # trusted locations and Mark of the Web
    assert [p.name for p in tmp_path.iterdir()] == ["aftersales.xlam"]  # no staging file left


def test_on_macos_the_interpreter_is_written_for_mac_and_udfs_are_said_to_be_windows_only(tmp_path):
    result = install_addin(tmp_path, platform="darwin", interpreter="/Users/kf/aftersales/.venv/bin/python")
    assert conf_values(result.addin_path)["INTERPRETER_MAC"] == "/Users/kf/aftersales/.venv/bin/python"
    assert "AppleScript" in str(result)
    assert "macOS 上没有工作表函数" in str(result)


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(tmp_path):
    result = install_addin(tmp_path, platform="win32", dry_run=True)
    assert not result.installed
    assert list(tmp_path.iterdir()) == []
    assert result.steps[0].startswith("将生成 aftersales.xlam")


def test_on_linux_nothing_is_installed_and_windows_and_mac_steps_are_explained(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    result = install_addin()
    assert result == InstallResult("linux", None, None, False, result.steps)
    text = str(result)
    assert "没有 Microsoft Excel" in text
    assert install.WINDOWS_XLSTART in text and install.MAC_STARTUP in text


def test_default_startup_folders_are_excels(monkeypatch):
    monkeypatch.setenv("APPDATA", r"C:\Users\kf\AppData\Roaming")
    assert str(install.default_target_dir("win32")).endswith(r"Microsoft\Excel\XLSTART")
    assert install.default_target_dir("darwin").parts[-4:] == (
        "UBF8T346G9.Office", "User Content.localized", "Startup.localized", "Excel"
    )
    assert install.default_target_dir("linux") is None


def test_an_add_in_excel_keeps_open_is_reported_in_chinese(tmp_path, monkeypatch):
    real_replace = install.os.replace

    def locked(src, dst):  # Windows refuses to replace a file Excel has open
        if Path(dst).parent == tmp_path:
            raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(install.os, "replace", locked)
    with pytest.raises(install.AddinInstallError, match="请完全退出 Excel 后重试"):
        install_addin(tmp_path, platform="win32")
    assert list(tmp_path.iterdir()) == []
