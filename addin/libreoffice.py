"""Open the add-in in LibreOffice headless and read back the VBA modules it imported.

LibreOffice imports the VBA of an Excel package when told to use the filter
``Calc MS Excel 2007 VBA XML``; converting to ``.ods`` then stores each imported module as
``Basic/<project>/<module>.xml``. This is a second, independent reader of the VBA project
(pyOpenVBA writes it, oletools and LibreOffice read it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

VBA_FILTER = "Calc MS Excel 2007 VBA XML"
SCRIPT_NS = "http://openoffice.org/2000/script"
LIBRARY_NS = "http://openoffice.org/2000/library"

# Lines LibreOffice puts at the top of the modules it imports from VBA.
_IMPORT_PREAMBLE = ("Rem Attribute VBA_ModuleType=", "Option VBASupport 1", "Option ClassModule")


class LibreOfficeUnavailable(RuntimeError):
    """``soffice`` is not installed (or not on PATH)."""


class LibreOfficeError(RuntimeError):
    """LibreOffice could not open or convert the file."""


def soffice() -> str | None:
    """The path of the ``soffice`` program, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def imported_modules(path: Path, *, timeout: float = 120) -> dict[str, dict[str, str]]:
    """Basic library → module → source, as LibreOffice imported them from ``path``.

    The source has LibreOffice's own preamble lines (``Rem Attribute VBA_ModuleType=...``,
    ``Option VBASupport 1``, ``Option ClassModule``) removed, so it reads as the VBA it came
    from — except that LibreOffice also drops member attributes (``Attribute Item.VB_UserMemId``).
    """
    program = soffice()
    if program is None:
        raise LibreOfficeUnavailable("soffice is not installed — install LibreOffice to run this check")
    with tempfile.TemporaryDirectory(prefix="aftersales-lo-") as tmp:
        work = Path(tmp)
        source = work / Path(path).name
        shutil.copyfile(path, source)
        # A private profile, so that this run neither waits for nor disturbs another soffice.
        profile = (work / "profile").as_uri()
        command = [
            program,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            f"--infilter={VBA_FILTER}",
            "--convert-to",
            "ods",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
        try:
            process = subprocess.run(command, capture_output=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(f"LibreOffice did not finish converting {Path(path).name} within {timeout:.0f} s") from None
        converted = work / "out" / (source.stem + ".ods")
        if not converted.exists():
            detail = (process.stderr or process.stdout).decode("utf-8", "replace").strip()
            raise LibreOfficeError(f"LibreOffice could not open {Path(path).name}: {detail or 'no output file'}")
        return _basic_modules(converted)


def _basic_modules(ods: Path) -> dict[str, dict[str, str]]:
    libraries: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(ods) as zf:
        for name in zf.namelist():
            parts = name.split("/")
            if len(parts) != 3 or parts[0] != "Basic" or not parts[2].endswith(".xml"):
                continue
            if parts[2] in ("script-lb.xml", "script-lc.xml"):
                continue
            parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)
            module = etree.fromstring(zf.read(name), parser)
            module_name = module.get(f"{{{SCRIPT_NS}}}name", parts[2][:-4])
            lines = (module.text or "").split("\n")
            while lines and lines[0].startswith(_IMPORT_PREAMBLE):
                lines.pop(0)
            libraries.setdefault(parts[1], {})[module_name] = "\n".join(lines)
    return libraries
