"""Checks of a built ``aftersales.xlam``, without Excel: each names what it verifies and why it failed.

Run them all with :func:`check_addin`; every check reads the built file itself (never the
sources it was built from), so a check fails when the file is broken, whatever broke it.

=================  ==========================================================================
check              verifies
=================  ==========================================================================
package            the file is a readable zip whose every part passes its CRC, with the parts
                   an add-in needs (workbook, VBA project, customUI, settings sheet)
content_types      the workbook part is an add-in (``...addin.macroEnabled.main+xml``), the
                   VBA project part is ``application/vnd.ms-office.vbaProject``, every part has
                   a content type and no override names a missing part
relationships      the package links the workbook (officeDocument) and ``customUI/customUI.xml``
                   with the 2006 ui/extensibility type (and no 2007-type link), the workbook
                   links ``vbaProject.bin`` with the vbaProject type, every internal target exists
customui_schema    customUI is well formed, in the 2006/01 namespace and valid against
                   ``addin/customui.xsd`` (structure, required attributes, unique ids)
ribbon_buttons     one tab 售后服务 whose buttons are exactly ``addin.ribbon.BUTTONS`` (ids and
                   labels), each with an icon, a screentip and a supertip
vba_project        ``_VBA_PROJECT`` is 0x61CC / version 0xFFFF / 0x00 with no performance cache
                   (so Excel compiles from source), the project is named AfterSales and its
                   PROJECT and dir streams agree (pyOpenVBA)
vba_modules        oletools' olevba reads back every module; the project has exactly the
                   expected modules, and each equals its source text (``addin/*.bas``, xlwings'
                   module, the template's untouched modules) modulo line endings and attribute
                   header (see ``addin.vba``)
ribbon_callbacks   every onAction/onLoad names a public Sub with the signature Office calls
                   (``control As IRibbonControl`` / ``ribbon As IRibbonUI``) in the built
                   project, and each button's Sub runs ``aftersales.ribbon.<function>`` of its row
entry_points       ``aftersales.ribbon`` defines every function the buttons call
udf_wrappers       every UDF of the modules named in the settings sheet (UDF Modules) has an
                   up-to-date VBA wrapper, no wrapper is left for a UDF that is gone, and no
                   UDF or argument is named like a VBA keyword (the module would not compile)
conf_sheet         the sheet xlwings reads (``<PROJECT_NAME>.conf``) exists with the keys the
                   add-in needs, contiguous from A1 and without duplicates
xlwings_version    the VBA's XLWINGS_VERSION (it names the DLL it loads) is this Python's xlwings
libreoffice        LibreOffice headless imports every expected module, each equal to its source
                   (the generated UDF module: to olevba's reading) less member attributes,
                   which LibreOffice drops; skipped only when soffice is not installed
=================  ==========================================================================
"""

from __future__ import annotations

import warnings
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable, Literal

from lxml import etree

from addin import conf, libreoffice, package, ribbon, udf_wrappers, vba
from addin.build import TEMPLATE_DEMO_MODULE, expected_modules

Status = Literal["pass", "fail", "skip"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one named check."""

    name: str
    status: Status
    message: str

    @property
    def ok(self) -> bool:
        """False only for a failed check (a skipped check is not a failure)."""
        return self.status != "fail"

    def __str__(self) -> str:
        return f"[{self.status.upper()}] {self.name}: {self.message}"


class CheckFailed(Exception):
    """Raised inside a check: the file is wrong in the way the message says."""


class CheckSkipped(Exception):
    """Raised inside a check: it cannot run (a prerequisite failed, or a tool is missing)."""


class _Addin:
    """The built file, read lazily: each check asks only for what it needs."""

    def __init__(self, path: Path, entry: ModuleType | None = None) -> None:
        self.path = Path(path)
        self.entry = entry  # the module the buttons' RunPython commands import, given by the caller

    @cached_property
    def parts(self) -> dict[str, bytes]:
        try:
            return package.read_parts(self.path)
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
            raise CheckSkipped(f"not run: {self.path.name} is not a readable zip package ({error})") from None

    def part(self, name: str) -> bytes:
        if name not in self.parts:
            raise CheckSkipped(f"not run: the package has no {name}")
        return self.parts[name]

    def xml(self, name: str) -> etree._Element:
        try:
            return etree.fromstring(self.part(name), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as error:
            raise CheckFailed(f"{name} is not well-formed XML: {error}") from None

    @cached_property
    def modules(self) -> dict[str, str]:
        """Module name → source, as oletools' olevba reads the VBA project."""
        try:
            return _olevba_modules(self.part(package.VBA_PART))
        except CheckSkipped:
            raise
        except Exception as error:  # noqa: BLE001 - whatever olevba trips on, the project is unreadable
            raise CheckFailed(f"olevba cannot read {package.VBA_PART}: {error}") from None

    @cached_property
    def conf_sheets(self) -> dict[str, conf.ConfSheet]:
        try:
            return conf.read_conf_sheets(self.parts)
        except (KeyError, IndexError, etree.XMLSyntaxError) as error:
            raise CheckFailed(f"the settings sheet cannot be read: {error!r}") from None


def _olevba_modules(vba_project_bin: bytes) -> dict[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # olevba's pyparsing grammar warns about deprecated names
        from oletools.olevba import VBA_Parser

    parser = VBA_Parser("vbaProject.bin", data=vba_project_bin)
    try:
        modules: dict[str, str] = {}
        for _, _, filename, code in parser.extract_macros():
            name = filename.rsplit(".", 1)[0] if filename.lower().endswith((".bas", ".cls", ".frm")) else filename
            modules[name] = code if isinstance(code, str) else code.decode("cp1252", "replace")
        return modules
    finally:
        parser.close()


# --- the checks -------------------------------------------------------------------------------

REQUIRED_PARTS = (
    package.CONTENT_TYPES_PART,
    package.PACKAGE_RELS_PART,
    package.WORKBOOK_PART,
    package.WORKBOOK_RELS_PART,
    package.VBA_PART,
    package.CUSTOMUI_PART,
)

CT_NS = {"ct": package.CONTENT_TYPES_NS}
REL_NS = {"r": package.PACKAGE_REL_NS}


def check_package(addin: _Addin) -> str:
    try:
        zf = zipfile.ZipFile(addin.path)
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise CheckFailed(f"{addin.path.name} is not a readable zip package: {error}") from None
    with zf:
        names = zf.namelist()
        for name in names:
            try:
                with zf.open(name) as part:  # reading to the end verifies the CRC
                    while part.read(1 << 16):
                        pass
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
                raise CheckFailed(f"part {name} is corrupt: {error}") from None
    missing = [p for p in REQUIRED_PARTS if p not in names]
    if missing:
        raise CheckFailed(f"missing parts: {', '.join(missing)}")
    return f"{len(names)} parts, all readable"


def check_content_types(addin: _Addin) -> str:
    root = addin.xml(package.CONTENT_TYPES_PART)
    defaults = {d.get("Extension", "").lower(): d.get("ContentType") for d in root.findall("ct:Default", CT_NS)}
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType") for o in root.findall("ct:Override", CT_NS)}
    problems = []
    main = overrides.get(package.WORKBOOK_PART)
    if main != package.ADDIN_MAIN_CONTENT_TYPE:
        problems.append(
            f"{package.WORKBOOK_PART} has content type {main!r}; an add-in needs {package.ADDIN_MAIN_CONTENT_TYPE!r} "
            "(Excel refuses an .xlam whose main part is a workbook's)"
        )
    vba_type = overrides.get(package.VBA_PART)
    if vba_type != package.VBA_CONTENT_TYPE:
        problems.append(f"{package.VBA_PART} has content type {vba_type!r}; expected {package.VBA_CONTENT_TYPE!r}")
    for name in addin.parts:
        if name.endswith("/") or name == package.CONTENT_TYPES_PART:
            continue
        extension = name.rsplit(".", 1)[-1].lower()
        if name not in overrides and extension not in defaults:
            problems.append(f"part {name} has no content type")
    for name in overrides.keys() - addin.parts.keys():
        problems.append(f"[Content_Types].xml has an Override for {name}, which is not in the package")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"main part is an add-in ({package.ADDIN_MAIN_CONTENT_TYPE}), VBA project typed, every part typed"


def _relationships(addin: _Addin, rels_part: str) -> list[etree._Element]:
    return addin.xml(rels_part).findall("r:Relationship", REL_NS)


def _resolve(base_folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in base_folder.split("/") if p]
    for segment in target.split("/"):
        if segment == "..":
            parts = parts[:-1]
        elif segment not in ("", "."):
            parts.append(segment)
    return "/".join(parts)


def check_relationships(addin: _Addin) -> str:
    problems = []
    package_rels = _relationships(addin, package.PACKAGE_RELS_PART)
    by_target = {}
    for rel in package_rels:
        by_target.setdefault(_resolve("", rel.get("Target", "")), []).append(rel.get("Type"))
    if package.OFFICE_DOCUMENT_REL not in by_target.get(package.WORKBOOK_PART, []):
        problems.append(f"_rels/.rels does not link {package.WORKBOOK_PART} as the officeDocument")
    ribbon_types = [rel.get("Type") for rel in package_rels if rel.get("Type", "").endswith("/ui/extensibility")]
    customui_types = by_target.get(package.CUSTOMUI_PART, [])
    if package.RIBBON_REL_2007 in ribbon_types:
        problems.append(
            f"_rels/.rels links the ribbon with the 2007 relationship type ({package.RIBBON_REL_2007}), which is "
            "for customUI14 parts in the 2009/07 namespace; this customUI is 2006/01 and needs "
            f"{package.RIBBON_REL_2006} (Excel 2007 ignores the 2007 type)"
        )
    if customui_types != [package.RIBBON_REL_2006]:
        if not customui_types:
            problems.append(f"_rels/.rels does not link {package.CUSTOMUI_PART}: Excel would show no 售后服务 tab")
        elif package.RIBBON_REL_2007 not in customui_types:
            problems.append(f"{package.CUSTOMUI_PART} is linked with {customui_types}; expected exactly [{package.RIBBON_REL_2006!r}]")
    workbook_rels = _relationships(addin, package.WORKBOOK_RELS_PART)
    vba_links = [rel for rel in workbook_rels if rel.get("Type") == package.VBA_PROJECT_REL]
    if [_resolve("xl", rel.get("Target", "")) for rel in vba_links] != [package.VBA_PART]:
        problems.append(f"xl/_rels/workbook.xml.rels must link {package.VBA_PART} once with type {package.VBA_PROJECT_REL}")
    for rels_part, base, rels in (("_rels/.rels", "", package_rels), ("xl/_rels/workbook.xml.rels", "xl", workbook_rels)):
        for rel in rels:
            if rel.get("TargetMode") == "External":
                continue
            target = _resolve(base, rel.get("Target", ""))
            if target not in addin.parts:
                problems.append(f"{rels_part} {rel.get('Id')} points to {target}, which is not in the package")
    if problems:
        raise CheckFailed("; ".join(problems))
    return "workbook, customUI (2006 ui/extensibility) and vbaProject.bin are linked; every target exists"


def check_customui_schema(addin: _Addin) -> str:
    problems = ribbon.schema_problems(addin.part(package.CUSTOMUI_PART))
    if problems:
        raise CheckFailed("customUI/customUI.xml: " + "; ".join(problems))
    return f"well formed, namespace {ribbon.CUSTOMUI_NS}, valid against addin/customui.xsd"


def check_ribbon_buttons(addin: _Addin) -> str:
    xml = addin.part(package.CUSTOMUI_PART)
    try:
        problems = ribbon.button_problems(xml)
    except etree.XMLSyntaxError as error:
        raise CheckSkipped(f"not run: customUI is not well-formed ({error})") from None
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"tab {ribbon.TAB_LABEL} has the {len(ribbon.buttons(xml))} buttons of addin.ribbon.BUTTONS, each with icon and tips"


def check_vba_project(addin: _Addin) -> str:
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import parse_vba_project

    data = addin.part(package.VBA_PART)
    try:
        cfb = CFB.from_bytes(data)
        header = cfb.get_stream_in_storage("VBA", "_VBA_PROJECT")
    except Exception as error:  # noqa: BLE001 - any parse failure means the same: unreadable
        raise CheckFailed(f"{package.VBA_PART} is not a readable VBA project: {error}") from None
    problems = []
    if len(header) < 7 or header[:2] != b"\xcc\x61" or header[4] != 0:
        problems.append(f"_VBA_PROJECT stream starts {header[:7].hex()}; MS-OVBA requires CC61 <version> 00")
    else:
        version = int.from_bytes(header[2:4], "little")
        if version != 0xFFFF:
            problems.append(
                f"_VBA_PROJECT version is 0x{version:04X}; it must be 0xFFFF so that Excel compiles the modules "
                "from source instead of trusting compiled code of another VBA version"
            )
        if len(header) != 7:
            problems.append(f"_VBA_PROJECT carries a {len(header) - 7}-byte performance cache; MS-OVBA writers must not")
    try:
        project = parse_vba_project(cfb)
    except Exception as error:  # noqa: BLE001
        raise CheckFailed("; ".join(problems + [f"pyOpenVBA cannot parse the project: {error}"])) from None
    if project.name != vba.VBA_PROJECT_NAME:
        problems.append(f"the VBA project is named {project.name!r}; expected {vba.VBA_PROJECT_NAME!r}")
    project_text = cfb.get_stream("PROJECT").decode(f"cp{vba.CODE_PAGE}", "replace")
    if f'Name="{vba.VBA_PROJECT_NAME}"' not in project_text.splitlines():
        problems.append(f'the PROJECT stream does not say Name="{vba.VBA_PROJECT_NAME}" (it must agree with the dir stream)')
    problems += project.validate(cfb)
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"version 0xFFFF without performance cache (compiled from source), project {vba.VBA_PROJECT_NAME}, streams agree"


def _template_modules() -> dict[str, str]:
    parts = package.read_parts(package.template_bytes())
    return _olevba_modules(parts[package.VBA_PART])


def expected_module_sources() -> dict[str, str | None]:
    """Module name → expected source (None: any text, checked elsewhere) of a correct build."""
    expected: dict[str, str | None] = {
        name: text for name, text in _template_modules().items() if name != TEMPLATE_DEMO_MODULE
    }
    expected.update(expected_modules(udf_source=""))
    expected[vba.UDF_MODULE] = None  # compared with freshly generated wrappers by udf_wrappers
    return expected


def _garbled(text: str) -> bool:
    """VBA source is text: control characters other than tab and line breaks mean a damaged stream."""
    return any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text)


def check_vba_modules(addin: _Addin) -> str:
    actual = addin.modules
    expected = expected_module_sources()
    actual_by_key = {name.lower(): name for name in actual}
    problems = []
    for name, text in expected.items():
        found = actual_by_key.get(name.lower())
        if found is None:
            problems.append(f"module {name} is missing or unreadable (olevba cannot decompress it)")
        elif _garbled(actual[found]):  # a damaged stream can still "decompress", to binary noise
            problems.append(f"module {name} is missing or unreadable (its stream decompresses to binary noise)")
        elif text is not None and vba.normalize(actual[found]) != vba.normalize(text):
            problems.append(f"module {name} differs from its source: {vba.first_difference(vba.normalize(text), vba.normalize(actual[found]))}")
    for key in actual_by_key.keys() - {name.lower() for name in expected}:
        problems.append(f"unexpected module {actual_by_key[key]}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"olevba reads all {len(actual)} modules; each equals its source ({', '.join(sorted(actual))})"


def check_ribbon_callbacks(addin: _Addin) -> str:
    xml = addin.part(package.CUSTOMUI_PART)
    try:
        problems = ribbon.callback_problems(xml, addin.modules)
        count = len(ribbon.callbacks(xml))
    except etree.XMLSyntaxError as error:
        raise CheckSkipped(f"not run: customUI is not well-formed ({error})") from None
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"all {count} callbacks resolve to Subs with Office's signature, each button runs its aftersales.ribbon function"


def check_entry_points(addin: _Addin) -> str:
    """The Python side the buttons call: ``addin.entry`` (``aftersales.ribbon``, passed in by the
    command line, so that this package never imports the fronts that import it)."""
    if addin.entry is None:
        raise CheckSkipped(f"not run: no entry module given (aftersales check-addin checks {ribbon.ENTRY_MODULE})")
    name = addin.entry.__name__
    table = ribbon.button_table()
    missing = [f"{function} ({label})" for function, label in table.values() if not callable(getattr(addin.entry, function, None))]
    if missing:
        raise CheckFailed(f"{name} does not define {', '.join(missing)}: those buttons would fail with AttributeError")
    if name != ribbon.ENTRY_MODULE:
        raise CheckFailed(f"the buttons import {ribbon.ENTRY_MODULE}, not {name}")
    return f"{name} defines all {len(table)} button functions"


def check_udf_wrappers(addin: _Addin) -> str:
    sheet = addin.conf_sheets.get(conf.CONF_SHEET)
    if sheet is None:
        raise CheckSkipped(f"not run: no {conf.CONF_SHEET} sheet to name the UDF modules")
    module_names = [m.strip() for m in sheet.values.get("UDF MODULES", "").split(";") if m.strip()]
    if not module_names:
        raise CheckFailed(f"{conf.CONF_SHEET} names no UDF Modules")
    try:
        wrappers = udf_wrappers.generate(module_names)
    except udf_wrappers.UdfWrapperError as error:
        raise CheckFailed(str(error)) from None
    actual_name = next((name for name in addin.modules if name.lower() == vba.UDF_MODULE.lower()), None)
    if actual_name is None:
        raise CheckFailed(f"the VBA project has no {vba.UDF_MODULE} module: no UDF would exist in Excel")
    actual = vba.procedures(addin.modules[actual_name])
    expected = vba.procedures(wrappers.source)
    problems = []
    udf_names = {udf.name.lower() for udf in wrappers.udfs}
    for udf in wrappers.udfs:
        found = actual.get(udf.name.lower())
        if found is None:
            problems.append(
                f"UDF {udf.module}.{udf.name} has no VBA wrapper (Excel would show #NAME?) — rebuild the add-in"
            )
        elif vba.normalize(found.body) != vba.normalize(expected[udf.name.lower()].body) or found.parameters != expected[udf.name.lower()].parameters:
            problems.append(f"the wrapper of {udf.module}.{udf.name} is out of date (its arguments changed) — rebuild the add-in")
    own = udf_wrappers.OWN_PROCEDURES
    for key, procedure in actual.items():
        if key not in udf_names and key not in own:
            problems.append(f"wrapper {procedure.name} has no UDF in {', '.join(module_names)} any more — rebuild the add-in")
    if not problems and vba.normalize(addin.modules[actual_name]) != vba.normalize(wrappers.source):
        problems.append(
            f"{vba.UDF_MODULE} differs from freshly generated wrappers "
            f"({vba.first_difference(vba.normalize(wrappers.source), vba.normalize(addin.modules[actual_name]))}) — rebuild the add-in"
        )
    if problems:
        raise CheckFailed("; ".join(problems))
    names = ", ".join(udf.name for udf in wrappers.udfs) or "none"
    return f"every UDF of {', '.join(module_names)} has an up-to-date wrapper ({names})"


REQUIRED_KEYS = ("INTERPRETER_WIN", "INTERPRETER_MAC", "PYTHONPATH", "UDF MODULES")


def check_conf_sheet(addin: _Addin) -> str:
    xlwings_source = next((text for name, text in addin.modules.items() if name.lower() == vba.XLWINGS_MODULE), None)
    if xlwings_source is None:
        raise CheckSkipped("not run: the VBA project has no xlwings module")
    project_name = vba.project_name_constant(xlwings_source)
    sheet_name = f"{project_name}.conf"
    sheet = addin.conf_sheets.get(sheet_name)
    if sheet is None:
        found = ", ".join(addin.conf_sheets) or "none"
        raise CheckFailed(
            f"xlwings reads its settings from a sheet named {sheet_name!r} (PROJECT_NAME = {project_name!r}), "
            f"but the add-in's .conf sheets are: {found}"
        )
    problems = []
    upper = [key.upper() for key in sheet.keys]
    duplicates = sorted({key for key in upper if upper.count(key) > 1})
    if duplicates:
        problems.append(f"duplicate keys {duplicates} (xlwings' VBA stops with an error on a duplicate)")
    missing = [key for key in REQUIRED_KEYS if key not in upper]
    if missing:
        problems.append(f"keys {missing} are not in column A from A1 down to the first blank cell, so xlwings never reads them")
    if problems:
        raise CheckFailed(f"{sheet_name}: " + "; ".join(problems))
    return f"{sheet_name} has {len(sheet.keys)} keys from A1, UDF Modules = {sheet.values.get('UDF MODULES')!r}"


def check_xlwings_version(addin: _Addin) -> str:
    import xlwings

    xlwings_source = next((text for name, text in addin.modules.items() if name.lower() == vba.XLWINGS_MODULE), None)
    if xlwings_source is None:
        raise CheckSkipped("not run: the VBA project has no xlwings module")
    version = vba.xlwings_version_constant(xlwings_source)
    if version != xlwings.__version__:
        raise CheckFailed(
            f"the add-in's VBA is xlwings {version} (it loads xlwings64-{version}.dll) but this Python has xlwings "
            f"{xlwings.__version__} — rebuild the add-in with the Python its users run"
        )
    return f"VBA and Python are both xlwings {version}"


def check_libreoffice(addin: _Addin) -> str:
    if libreoffice.soffice() is None:
        raise CheckSkipped("soffice is not installed")
    try:
        libraries = libreoffice.imported_modules(addin.path)
    except libreoffice.LibreOfficeError as error:
        raise CheckFailed(str(error)) from None
    library = libraries.get(vba.VBA_PROJECT_NAME)
    if library is None:
        raise CheckFailed(f"LibreOffice imported no Basic library {vba.VBA_PROJECT_NAME} (found: {', '.join(libraries) or 'none'})")
    try:
        olevba_modules = addin.modules
    except CheckFailed:
        olevba_modules = {}
    problems = []
    for name, source in expected_module_sources().items():
        # Compare with the source the module was built from; the generated UDF module with olevba's reading.
        reference, what = (source, "its source") if source is not None else (olevba_modules.get(name), "olevba's reading")
        if name not in library:
            problems.append(f"LibreOffice did not import module {name}")
        elif reference is None:
            problems.append(f"module {name} cannot be compared: olevba cannot read it")
        else:
            theirs = vba.normalize(library[name])
            ours = vba.without_member_attributes(vba.normalize(reference))
            if theirs != ours:
                problems.append(f"LibreOffice reads module {name} differently from {what}: {vba.first_difference(ours, theirs)}")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"LibreOffice imports all {len(library)} modules of {vba.VBA_PROJECT_NAME}, each equal to its source"


CHECKS: dict[str, Callable[[_Addin], str]] = {
    "package": check_package,
    "content_types": check_content_types,
    "relationships": check_relationships,
    "customui_schema": check_customui_schema,
    "ribbon_buttons": check_ribbon_buttons,
    "vba_project": check_vba_project,
    "vba_modules": check_vba_modules,
    "ribbon_callbacks": check_ribbon_callbacks,
    "entry_points": check_entry_points,
    "udf_wrappers": check_udf_wrappers,
    "conf_sheet": check_conf_sheet,
    "xlwings_version": check_xlwings_version,
    "libreoffice": check_libreoffice,
}
"""Every check, by name, in the order :func:`check_addin` runs them."""


def check_addin(path: Path, *, libreoffice: bool = True, only: Iterable[str] | None = None,
                entry: ModuleType | None = None) -> list[CheckResult]:
    """Check a built add-in file without Excel; returns one named pass/fail/skip result per check.

    ``libreoffice=False`` leaves out the LibreOffice import (a few seconds); ``only`` runs the
    named checks alone; ``entry`` is the module the buttons call (``aftersales.ribbon``), without
    which the entry_points check is skipped. The add-in is good when no result has status "fail".

    Example::

        >>> from pathlib import Path
        >>> from addin.checks import check_addin
        >>> failed = [r for r in check_addin(Path("dist/aftersales.xlam")) if not r.ok]
    """
    names = list(CHECKS) if only is None else list(only)
    unknown = [name for name in names if name not in CHECKS]
    if unknown:
        raise ValueError(f"unknown checks {unknown} — known: {', '.join(CHECKS)}")
    if not libreoffice and only is None:
        names.remove("libreoffice")
    addin = _Addin(Path(path), entry)
    results = []
    for name in names:
        try:
            message = CHECKS[name](addin)
        except CheckFailed as failure:
            results.append(CheckResult(name, "fail", str(failure)))
        except CheckSkipped as skip:
            results.append(CheckResult(name, "skip", str(skip)))
        else:
            results.append(CheckResult(name, "pass", message))
    return results
