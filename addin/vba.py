"""VBA kept as text: the add-in's module sources, how module text is compared, and VBA parsing.

Module text is compared *modulo line endings and the attribute header*, which means exactly:
both texts have CRLF and lone CR turned into LF, the leading run of lines starting with
``Attribute VB_`` (the module attributes the VBA editor hides) is dropped, and trailing line
breaks are dropped. Everything else — indentation, blank lines inside, letter case — must match.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from addin.conf import PROJECT_NAME

RIBBON_MODULE = "AftersalesRibbon"
"""The standard module holding the ribbon callbacks (``addin/AftersalesRibbon.bas``)."""

UDF_MODULE = "xlwings_udfs"
"""The generated module of UDF wrappers; xlwings' own "Import Functions" uses the same name."""

XLWINGS_MODULE = "xlwings"
VBA_PROJECT_NAME = "AfterSales"
"""The VBA project name shown in the VBA editor (the template calls it MyAddin)."""

CODE_PAGE = 1252
"""The template project's PROJECTCODEPAGE: module source is stored in this code page."""


# [MS-VBAL] 3.3.5.2 reserved identifiers (statement and marker keywords, operators, special
# forms, reserved names and types, literals), plus the few implementation keywords VBA also
# refuses as names (Error, Step, Mid, Property...). A UDF or argument with one of these names
# would make the whole wrapper module fail to compile, and with it every UDF.
VBA_KEYWORDS = frozenset(
    word.lower()
    for word in """
    Abs AddressOf Alias And Any Array As Attribute Boolean ByRef Byte ByVal Call Case CBool CByte
    CCur CDate CDbl CDec CDecl Circle CInt CLng CLngLng CLngPtr Close Const CSng CStr Currency
    CVar CVErr Date Debug Decimal Declare DefBool DefByte DefCur DefDate DefDbl DefDec DefInt
    DefLng DefLngLng DefLngPtr DefObj DefSng DefStr DefVar Dim Do DoEvents Double Each Else
    ElseIf Empty End EndIf Enum Eqv Erase Error Event Exit False Fix For Friend Function Get
    Global GoSub GoTo If Imp Implements In Input InputB Int Integer Is LBound Len LenB Let Lib
    Like Lock Long LongLong LongPtr Loop LSet Me Mid MidB Mod New Next Not Nothing Null On Open
    Option Optional Or ParamArray Preserve Print Private Property PSet PtrSafe Public Put
    RaiseEvent ReDim Rem Resume Return RSet Scale Seek Select Set Sgn Shared Single Spc Static
    Step Stop String Sub Tab Then To True Type TypeOf UBound Unlock Until Variant Wend While With
    WithEvents Write Xor
    """.split()
)


class VbaSourceError(ValueError):
    """A VBA source text cannot go into the add-in as it is."""


def bas_sources() -> dict[str, str]:
    """The ``.bas`` files kept in ``addin/``: module name → source text (as committed)."""
    sources: dict[str, str] = {}
    for entry in sorted(resources.files("addin").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".bas"):
            text = entry.read_text(encoding="utf-8")
            sources[module_name(text, default=Path(entry.name).stem)] = text
    return sources


def module_name(source: str, *, default: str) -> str:
    """The module's ``Attribute VB_Name``, else ``default``."""
    match = re.match(r'\s*Attribute VB_Name = "([^"]+)"', source)
    return match.group(1) if match else default


def xlwings_module_source() -> str:
    """xlwings' custom-add-in VBA module, with ``PROJECT_NAME`` set to this add-in's name."""
    text = (resources.files("xlwings") / "xlwings_custom_addin.bas").read_bytes().decode("cp1252")
    pattern = re.compile(r'^(Public Const PROJECT_NAME As String = )"[^"]*"', re.MULTILINE)
    text, count = pattern.subn(rf'\1"{PROJECT_NAME}"', text)
    if count != 1:
        raise VbaSourceError(
            "xlwings_custom_addin.bas of this xlwings version has no single "
            "'Public Const PROJECT_NAME As String = ...' line — the add-in build needs updating"
        )
    return text


def xlwings_version_constant(source: str) -> str | None:
    """The ``XLWINGS_VERSION`` constant of an xlwings VBA module (it names the DLL it loads)."""
    match = re.search(r'^Public Const XLWINGS_VERSION As String = "([^"]*)"', source, re.MULTILINE)
    return match.group(1) if match else None


def project_name_constant(source: str) -> str | None:
    """The ``PROJECT_NAME`` constant of an xlwings VBA module (it names the settings sheet)."""
    match = re.search(r'^Public Const PROJECT_NAME As String = "([^"]*)"', source, re.MULTILINE)
    return match.group(1) if match else None


def to_crlf(text: str) -> str:
    """``text`` with CRLF line endings, as the VBA editor stores module source."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def normalize(text: str) -> str:
    """Module text as compared by the checks (see the module docstring for the exact rule)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = 0
    while start < len(lines) and lines[start].startswith("Attribute VB_"):
        start += 1
    return "\n".join(lines[start:]).rstrip("\n")


def without_member_attributes(text: str) -> str:
    """``text`` without member attribute lines (``Attribute Item.VB_UserMemId = 0``), which LibreOffice drops."""
    return "\n".join(line for line in text.split("\n") if not re.match(r"Attribute \w+\.VB_", line))


def first_difference(expected: str, actual: str) -> str:
    """A one-line description of where two normalized texts first differ."""
    a, b = expected.split("\n"), actual.split("\n")
    for number, (x, y) in enumerate(zip(a, b), start=1):
        if x != y:
            return f"line {number}: expected {x!r}, found {y!r}"
    if len(a) != len(b):
        return f"expected {len(a)} lines, found {len(b)}"
    return "no difference"


def check_encodable(name: str, text: str, code_page: int = CODE_PAGE) -> None:
    """Refuse text the VBA project cannot store (its source is kept in one code page)."""
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            line.encode(f"cp{code_page}")
        except UnicodeEncodeError as error:
            raise VbaSourceError(
                f"{name} line {number}: {line[error.start:error.end]!r} cannot be stored in VBA "
                f"(code page {code_page}) — keep VBA ASCII; Chinese text belongs in ribbon.xml or Python"
            ) from None


@dataclass(frozen=True)
class Procedure:
    """A Sub or Function declaration of a VBA module."""

    kind: str  # "Sub" or "Function"
    name: str
    visibility: str  # "Public", "Private", "Friend" or "" (= Public)
    parameters: tuple[str, ...]
    body: str


_PROCEDURE = re.compile(
    r"^[ \t]*(?:(Public|Private|Friend)[ \t]+)?(?:Static[ \t]+)?(Sub|Function)[ \t]+(\w+)[ \t]*\(((?:[^()\n]|\(\))*)\)"
    r"(.*?)^[ \t]*End[ \t]+\2\b",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)


def procedures(source: str) -> dict[str, Procedure]:
    """The Subs and Functions of a module, by name (VBA names are case-insensitive: keys are lower case)."""
    text = re.sub(r"[ \t]+_[ \t]*\r?\n[ \t]*", " ", source.replace("\r\n", "\n"))  # line continuations
    found: dict[str, Procedure] = {}
    for match in _PROCEDURE.finditer(text):
        visibility, kind, name, params, body = match.groups()
        parameters = tuple(p.strip() for p in params.split(",") if p.strip())
        found[name.lower()] = Procedure(kind.capitalize(), name, (visibility or "").capitalize(), parameters, body)
    return found


_RIBBON_PARAMETER = {
    "IRibbonControl": re.compile(r"^(?:(?:ByRef|ByVal)\s+)?\w+\s+As\s+(?:Office\.)?IRibbonControl$", re.IGNORECASE),
    "IRibbonUI": re.compile(r"^(?:(?:ByRef|ByVal)\s+)?\w+\s+As\s+(?:Office\.)?IRibbonUI$", re.IGNORECASE),
}


def is_ribbon_callback(procedure: Procedure, parameter_type: str) -> bool:
    """True if ``procedure`` is a public Sub taking exactly one ``parameter_type`` argument.

    That is the signature Office requires of ``onAction`` (``IRibbonControl``) and ``onLoad``
    (``IRibbonUI``) callbacks of a button; anything else makes the button do nothing or fail.
    """
    return (
        procedure.kind == "Sub"
        and procedure.visibility in ("", "Public")
        and len(procedure.parameters) == 1
        and bool(_RIBBON_PARAMETER[parameter_type].match(procedure.parameters[0]))
    )


_RUN_PYTHON = re.compile(r'^\s*RunPython\s*\(?\s*"([^"]*)"\s*\)?\s*$', re.IGNORECASE | re.MULTILINE)


def run_python_commands(body: str) -> list[str]:
    """The Python commands a procedure body passes to ``RunPython`` as string literals."""
    return _RUN_PYTHON.findall(body)


def ribbon_command(function: str) -> str:
    """The RunPython command of a ribbon button that calls ``aftersales.ribbon.<function>``."""
    return f"import aftersales.ribbon; aftersales.ribbon.{function}()"


# --- the VBA project name, stored twice ([MS-OVBA] 2.3.1.1 PROJECT stream, 2.3.4.2.1.6 PROJECTNAME)


def rename_project(vba_project_bin: bytes, name: str) -> bytes:
    """``vbaProject.bin`` with the project renamed in both the PROJECT and the dir stream.

    The VBA editor shows this name; Office reads it from both streams, so they must agree.
    """
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import compress, decompress

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,127}", name):
        raise VbaSourceError(f"VBA project name {name!r} must be a letter followed by letters, digits or _")
    cfb = CFB.from_bytes(vba_project_bin)
    raw = bytearray(decompress(cfb.get_stream_in_storage("VBA", "dir"), stream_name="dir"))
    pos = 0
    while True:
        if pos + 6 > len(raw):
            raise VbaSourceError("dir stream has no PROJECTNAME record")
        record_id, size = struct.unpack_from("<HI", raw, pos)
        if record_id == 0x0004:
            encoded = name.encode(f"cp{CODE_PAGE}")
            raw[pos : pos + 6 + size] = struct.pack("<HI", 0x0004, len(encoded)) + encoded
            break
        if record_id == 0x0009:  # PROJECTVERSION: its size field is a reserved 4, payload 6 bytes
            size = 6
        pos += 6 + size
    cfb.write_stream_in_storage("VBA", "dir", compress(bytes(raw)))
    project = cfb.get_stream("PROJECT").decode(f"cp{CODE_PAGE}")
    project, count = re.subn(r'^Name="[^"]*"', f'Name="{name}"', project, count=1, flags=re.MULTILINE)
    if count != 1:
        raise VbaSourceError("PROJECT stream has no Name= line")
    # xlwings' template ends the stream with a blank line; modules added later would then be
    # listed after it, splitting the [Workspace] section.
    project = project.rstrip("\r\n") + "\r\n"
    cfb.write_stream("PROJECT", project.encode(f"cp{CODE_PAGE}"))
    return cfb.to_bytes()
