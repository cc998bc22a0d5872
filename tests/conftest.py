"""Shared fixtures: fresh workbooks, the demo workbook, and LibreOffice headless."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

NOW = dt.datetime(2026, 11, 20, 16, 0)
TODAY = NOW.date()


@pytest.fixture
def new_book(tmp_path) -> Path:
    """An empty workbook as `aftersales new` writes it."""
    from workbook.builder import new_workbook

    path = tmp_path / "售后服务.xlsx"
    new_workbook(path, today=TODAY)
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A small demo workbook's data (300 tickets), generated once; copy it before writing."""
    from workbook.sample import generate, write_sample

    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    write_sample(path, generate(300, seed=7, now=NOW))
    return path


@pytest.fixture
def demo_book(demo_template, tmp_path) -> Path:
    path = tmp_path / "demo.xlsx"
    shutil.copy(demo_template, path)
    return path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_or_skip() -> str:
    """LibreOffice's executable; skip the test when it is missing, fail instead in CI
    (AFTERSALES_REQUIRE_LO=1)."""
    exe = soffice()
    if exe is None:
        if os.environ.get("AFTERSALES_REQUIRE_LO") == "1":
            pytest.fail("LibreOffice (soffice) is required in CI but is not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory):
    """Convert a file with LibreOffice headless: ``convert(path, "xlsx") -> Path``.

    Skips when LibreOffice is missing, except in CI (AFTERSALES_REQUIRE_LO=1) where it fails.
    """
    exe = soffice_or_skip()
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(path: Path, fmt: str = "xlsx", infilter: str | None = None) -> Path:
        out = path.parent / f"lo-{uuid.uuid4().hex[:8]}"
        out.mkdir()
        cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}"]
        if infilter:
            cmd.append(f"--infilter={infilter}")
        cmd += ["--convert-to", fmt, "--outdir", str(out), str(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
        target = out / (path.stem + "." + fmt.split(":")[0])
        # soffice can exit 0 after "source file could not be loaded": trust only the output file.
        assert target.exists(), f"LibreOffice could not convert {path.name}: {proc.stdout}{proc.stderr}"
        return target

    return convert


@pytest.fixture(scope="session")
def libreoffice_csv(tmp_path_factory):
    """Every sheet of a workbook as CSV rows, converted by LibreOffice headless: {sheet: rows}.

    LibreOffice prints what it shows on open; for a formula cell that is its cached value
    (LibreOffice 7.4 does not recalculate an .xlsx on load by default).
    """
    exe = soffice_or_skip()
    profile = tmp_path_factory.mktemp("lo-csv-profile")

    def convert(path: Path) -> dict[str, list[list[str]]]:
        import csv

        out = path.parent / f"lo-{uuid.uuid4().hex[:8]}"
        out.mkdir()
        # Comma, double quote, UTF-8 (76), from line 1, …, sheet -1: every sheet to "<name>-<sheet>.csv".
        fmt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
        cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
               "--convert-to", fmt, "--outdir", str(out), str(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
        sheets = {}
        for file in out.glob(f"{path.stem}-*.csv"):
            with open(file, encoding="utf-8", newline="") as handle:
                sheets[file.stem[len(path.stem) + 1:]] = list(csv.reader(handle))
        # soffice can exit 0 after "source file could not be loaded": trust only the output files.
        assert sheets, f"LibreOffice could not convert {path.name}: {proc.stdout}{proc.stderr}"
        return sheets

    return convert
