"""Find or add cell formats in a workbook's ``xl/styles.xml`` without disturbing existing ones.

Routines write cells with the format of their column (set by the builder). They need a few more:
a text-prefix variant (so text that looks like a formula stays text when someone edits the cell),
and the formats of report sheets (titles, headers, red/green verdicts). Existing ``xf`` indices
never change; new entries are appended.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_N = f"{{{NS}}}"
BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}


@dataclass(frozen=True)
class Look:
    """A cell look for report sheets: font, fill, number format, alignment."""

    bold: bool = False
    size: float | None = None
    color: str | None = None  # font colour, RRGGBB
    fill: str | None = None  # background, RRGGBB
    numfmt: str | None = None
    wrap: bool = False
    align: str | None = None  # left / center / right
    border: bool = False
    valign: str | None = None  # top / center / bottom (default: center when aligned at all)


class StyleBook:
    """The parsed styles part; ``changed`` tells whether it must be written back."""

    def __init__(self, xml: bytes):
        self.root = etree.fromstring(xml)
        self.changed = False
        self._cache: dict[tuple, int] = {}
        self.cell_xfs = self._section("cellXfs")
        self._date_xfs: dict[int, bool] = {}

    # ---- reading -------------------------------------------------------------------------
    def _section(self, tag: str):
        node = self.root.find(_N + tag)
        if node is None:
            node = etree.SubElement(self.root, _N + tag)
            node.set("count", "0")
        return node

    def _numfmt_code(self, fmt_id: int) -> str | None:
        fmts = self.root.find(_N + "numFmts")
        if fmts is None:
            return None
        for f in fmts:
            if int(f.get("numFmtId")) == fmt_id:
                return f.get("formatCode")
        return None

    def is_date(self, xf_index: int) -> bool:
        """Whether the format at ``xf_index`` shows a date (so a serial number reads as a date)."""
        if xf_index in self._date_xfs:
            return self._date_xfs[xf_index]
        xfs = list(self.cell_xfs)
        result = False
        if 0 <= xf_index < len(xfs):
            fmt_id = int(xfs[xf_index].get("numFmtId", "0"))
            if fmt_id in BUILTIN_DATE_FORMATS:
                result = True
            else:
                code = (self._numfmt_code(fmt_id) or "").lower()
                code = code.split(";")[0]
                stripped = "".join(ch for ch in code if ch not in '"\\')
                result = any(t in stripped for t in ("yy", "dd", "mm-", "hh", "m/d", "d/m"))
        self._date_xfs[xf_index] = result
        return result

    # ---- adding --------------------------------------------------------------------------
    def _append(self, tag: str, element) -> int:
        section = self._section(tag)
        section.append(element)
        section.set("count", str(len(section)))
        self.changed = True
        return len(section) - 1

    def _numfmt_id(self, code: str) -> int:
        builtin = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                   "0.00%": 10, "@": 49}
        if code in builtin:
            return builtin[code]
        fmts = self.root.find(_N + "numFmts")
        if fmts is None:
            fmts = etree.Element(_N + "numFmts")
            fmts.set("count", "0")
            self.root.insert(0, fmts)
        for f in fmts:
            if f.get("formatCode") == code:
                return int(f.get("numFmtId"))
        new_id = max([163] + [int(f.get("numFmtId")) for f in fmts]) + 1
        el = etree.SubElement(fmts, _N + "numFmt")
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        fmts.set("count", str(len(fmts)))
        self.changed = True
        return new_id

    def quote_prefixed(self, xf_index: int) -> int:
        """The same format as ``xf_index`` with Excel's text prefix (like typing a leading ')."""
        key = ("quote", xf_index)
        if key in self._cache:
            return self._cache[key]
        xfs = list(self.cell_xfs)
        base = xfs[xf_index] if 0 <= xf_index < len(xfs) else xfs[0]
        if base.get("quotePrefix") in ("1", "true"):
            self._cache[key] = xf_index
            return xf_index
        for i, xf in enumerate(xfs):
            if xf.get("quotePrefix") in ("1", "true") and _same_but_quote(xf, base):
                self._cache[key] = i
                return i
        clone = etree.fromstring(etree.tostring(base))
        clone.set("quotePrefix", "1")
        index = self._append("cellXfs", clone)
        self._cache[key] = index
        return index

    def look(self, look: Look) -> int:
        """The xf index of a report-cell look, added on first use."""
        key = ("look", look)
        if key in self._cache:
            return self._cache[key]
        xf = etree.Element(_N + "xf")
        xf.set("xfId", "0")
        font_id = 0
        if look.bold or look.size or look.color:
            font = etree.Element(_N + "font")
            if look.bold:
                etree.SubElement(font, _N + "b")
            etree.SubElement(font, _N + "sz").set("val", str(look.size or 11))
            if look.color:
                etree.SubElement(font, _N + "color").set("rgb", "FF" + look.color)
            etree.SubElement(font, _N + "name").set("val", "等线")
            font_id = self._append("fonts", font)
            xf.set("applyFont", "1")
        fill_id = 0
        if look.fill:
            fill = etree.Element(_N + "fill")
            pattern = etree.SubElement(fill, _N + "patternFill")
            pattern.set("patternType", "solid")
            etree.SubElement(pattern, _N + "fgColor").set("rgb", "FF" + look.fill)
            etree.SubElement(pattern, _N + "bgColor").set("indexed", "64")
            fill_id = self._append("fills", fill)
            xf.set("applyFill", "1")
        border_id = 0
        if look.border:
            border = etree.Element(_N + "border")
            for side in ("left", "right", "top", "bottom"):
                edge = etree.SubElement(border, _N + side)
                edge.set("style", "thin")
                etree.SubElement(edge, _N + "color").set("rgb", "FFBFBFBF")
            etree.SubElement(border, _N + "diagonal")
            border_id = self._append("borders", border)
            xf.set("applyBorder", "1")
        numfmt_id = self._numfmt_id(look.numfmt) if look.numfmt else 0
        if numfmt_id:
            xf.set("applyNumberFormat", "1")
        xf.set("numFmtId", str(numfmt_id))
        xf.set("fontId", str(font_id))
        xf.set("fillId", str(fill_id))
        xf.set("borderId", str(border_id))
        if look.wrap or look.align or look.valign:
            align = etree.SubElement(xf, _N + "alignment")
            if look.wrap:
                align.set("wrapText", "1")
            if look.align:
                align.set("horizontal", look.align)
            align.set("vertical", look.valign or "center")
            xf.set("applyAlignment", "1")
        index = self._append("cellXfs", xf)
        self._cache[key] = index
        return index

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _same_but_quote(a, b) -> bool:
    attrs_a = {k: v for k, v in a.attrib.items() if k != "quotePrefix"}
    attrs_b = {k: v for k, v in b.attrib.items() if k != "quotePrefix"}
    return attrs_a == attrs_b and [etree.tostring(c) for c in a] == [etree.tostring(c) for c in b]
