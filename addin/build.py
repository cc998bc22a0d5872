"""Build ``aftersales.xlam`` from xlwings' add-in template and the sources kept in ``addin/``.

What goes in:

- ``addin/ribbon.xml`` as the customUI part, linked with the 2006 relationship type;
- ``addin/*.bas`` (the ribbon callbacks) as VBA modules, replacing the template's demo module;
- xlwings' custom-add-in VBA module with ``PROJECT_NAME = "aftersales"``;
- ``xlwings_udfs``: wrappers for every UDF the UDF modules export, generated now
  (so nobody has to click "Import Functions" in Excel);
- the settings sheet ``aftersales.conf`` (``addin.conf``).

The template's ``_VBA_PROJECT`` stream (version 0xFFFF, no compiled code) is kept, so Excel
compiles the project from source when it opens the add-in. No Excel file is kept in the repository.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Mapping, Sequence

from addin import conf, package, ribbon, udf_wrappers, vba

DEFAULT_NAME = "aftersales.xlam"
TEMPLATE_DEMO_MODULE = "RibbonMyAddin"
TEMPLATE_CONF_SHEET = "_myaddin.conf"


class AddinSourceError(ValueError):
    """The add-in's sources disagree with each other or with ``addin.ribbon.BUTTONS``."""


class AddinBuildError(RuntimeError):
    """The add-in could not be assembled (template, UDF modules or output path)."""


def validate_sources(table: ribbon.ButtonTable | None = None) -> None:
    """Refuse to build from sources that disagree: ribbon XML, ``.bas`` files and the button table.

    Raises AddinSourceError listing every problem.
    """
    xml = ribbon.ribbon_xml()
    problems = ribbon.schema_problems(xml)
    if not problems:
        sources = vba.bas_sources()
        problems += ribbon.button_problems(xml, table)
        problems += ribbon.callback_problems(xml, sources, table)
        for name, text in sources.items():
            try:
                vba.check_encodable(f"{name}.bas", text)
            except vba.VbaSourceError as error:
                problems.append(str(error))
    if problems:
        raise AddinSourceError("the add-in sources disagree:\n- " + "\n- ".join(problems))


def expected_modules(udf_source: str) -> dict[str, str]:
    """The VBA modules this build writes: module name → source (the template's others stay as they are)."""
    modules = {vba.XLWINGS_MODULE: vba.xlwings_module_source()}
    modules.update(vba.bas_sources())
    modules[vba.UDF_MODULE] = udf_source
    return modules


def build_addin(
    out: Path,
    *,
    udf_modules: Sequence[str] = ("udfs",),
    settings: Mapping[str, str | bool] | None = None,
) -> Path:
    """Build the Excel add-in aftersales.xlam (ribbon tab 售后服务 and the UDFs) from xlwings' template.

    ``out`` is the file to write (a folder means ``<folder>/aftersales.xlam``); it is replaced
    only once the new add-in is complete. ``udf_modules`` are the Python modules whose
    ``@xw.func`` functions get VBA wrappers; ``settings`` overrides values of the settings sheet,
    e.g. ``{"Interpreter_Win": r"C:\\venv\\Scripts\\python.exe"}``. Returns the path written.

    Example::

        >>> from pathlib import Path
        >>> from addin.build import build_addin
        >>> build_addin(Path("dist/aftersales.xlam"))
        PosixPath('dist/aftersales.xlam')
    """
    out = Path(out)
    if out.is_dir():
        out = out / DEFAULT_NAME
    if out.suffix.lower() != ".xlam":
        raise AddinBuildError(f"{out}: an Excel add-in must end in .xlam")
    validate_sources()
    try:
        wrappers = udf_wrappers.generate(list(udf_modules), workbook_name=out.name)
    except udf_wrappers.UdfWrapperError as error:
        raise AddinBuildError(str(error)) from None
    try:
        vba.check_encodable(vba.UDF_MODULE, wrappers.source)
    except vba.VbaSourceError as error:
        raise AddinBuildError(str(error)) from None
    try:
        settings_rows = conf.default_settings(udf_modules, settings)
    except KeyError as error:
        raise AddinBuildError(error.args[0]) from None

    parts = package.read_parts(package.template_bytes())
    parts[package.PACKAGE_RELS_PART] = package.link_ribbon(parts[package.PACKAGE_RELS_PART])
    parts[package.CUSTOMUI_PART] = ribbon.ribbon_xml()
    sheet_part = package.sheet_part_of(parts, TEMPLATE_CONF_SHEET)
    parts[package.WORKBOOK_PART] = package.rename_sheet(parts[package.WORKBOOK_PART], TEMPLATE_CONF_SHEET, conf.CONF_SHEET)
    parts[package.STYLES_PART], note_style = package.append_cell_style(parts[package.STYLES_PART], conf.NOTE_XF)
    if note_style != conf.NOTE_STYLE:
        raise AddinBuildError(f"xlwings' template styles changed: the note style landed at {note_style}, not {conf.NOTE_STYLE}")
    code_name = package.sheet_code_name(parts[sheet_part])
    parts[sheet_part], parts[package.SHARED_STRINGS_PART] = conf.sheet_parts(settings_rows, code_name=code_name)
    parts[package.CORE_PROPERTIES_PART] = package.set_core_properties(
        parts[package.CORE_PROPERTIES_PART], modified=dt.datetime.now(dt.timezone.utc)
    )
    parts[package.VBA_PART] = vba.rename_project(parts[package.VBA_PART], vba.VBA_PROJECT_NAME)

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".aftersales-build-", dir=out.parent) as tmp:
        staged = Path(tmp) / "staged.xlam"
        package.write_parts(parts, staged)
        finished = Path(tmp) / out.name
        _write_modules(staged, finished, expected_modules(wrappers.source))
        os.replace(finished, out)
    return out


def _write_modules(source: Path, dest: Path, modules: Mapping[str, str]) -> None:
    """Put ``modules`` into the VBA project of ``source`` (dropping the template's demo module), save as ``dest``."""
    from pyopenvba import ExcelFile

    with ExcelFile(source) as book:
        project = book.vba_project()
        project.delete_module(TEMPLATE_DEMO_MODULE)
        existing = {name.lower() for name in project.module_names()}
        for name, text in modules.items():
            text = vba.to_crlf(text)
            if name.lower() in existing:
                book.set_module(name, text)
            else:
                project.add_module(name, text)
        book.save(dest)
