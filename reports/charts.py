"""Charts as inline SVG, written by hand (no plotting library, no files, no clock).

Each function takes plain numbers and labels and returns a chart dict for a report context:
``{"key", "title", "caption", "size", "svg", "svg_narrow"}`` (size: "full" or "half" width) where
``svg`` is a ``Markup`` string ready to inline, or None when there is nothing to draw (the
template then says 无数据). A full-width chart also carries ``svg_narrow``, the same chart laid out
for a phone's width (the page shows one or the other with a media query; no script is needed).

The SVG is deterministic and safe to inline several times in one HTML page:
- text stays text (``<text>`` elements; the browser draws Chinese with the system CJK font, named
  by a CSS font stack) — the chart is sized in points (72 per inch), so a 10 pt label is 10 units
  of the viewBox and the page scales the whole drawing to its column (no fixed width/height);
- the same data always gives the same bytes (no date, no random ids);
- every ``id`` starts with the chart's key (``<key>-axes_1`` …), so two charts never share one;
- the root carries ``role="img"`` and ``aria-label`` = the title, and a ``<title>`` element.
Labels are plain text: phones in them are masked (``mask_text``), long ones are cut with …, and
everything is XML-escaped, so customer text can never become markup.

Layout needs text widths before a browser has measured them; ``text_width`` estimates them
(CJK and other wide characters one em, the rest about 0.6 em), which errs on the wide side so
labels get room rather than overlap.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Callable, Sequence

from markupsafe import Markup, escape

from workbook.masking import mask_text

FONT_STACK = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"

# Colours (also used by report.css): the baseline muted, the evaluation period in the accent.
BASELINE = "#9aa5b1"
ACCENT = "#1f5fa8"
GOOD = "#2e7d32"
BAD = "#c62828"
NEUTRAL = "#b0b7c3"
WARN = "#d89b00"
PALETTE = (ACCENT, "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
AXIS = "#8a94a3"
TICK_TEXT = "#3d4752"
VALUE_TEXT = "#1f2933"
GRID = "#e5e8ec"

PT = 72  # drawing units per inch
WIDTH = 7.2  # inches; the page scales the SVG to its column
HALF_WIDTH = 4.6  # for two charts side by side (text stays legible when each gets half the page)
# A full-width chart is drawn a second time at this width for phones: scaled down to a 390 px
# screen the wide drawing's 10 pt labels would shrink to about 7 px; this one keeps them at 11 px.
NARROW_WIDTH = 4.6
LABEL_LIMIT = 14  # characters of a category label before it is cut with …
TITLE_SIZE, LABEL_SIZE, VALUE_SIZE = 11, 10, 9
PAD = 6  # units of white space at each edge

Formatter = Callable[[float], str]


def plain(label) -> str:
    """A label as literal text: phones masked, cut to LABEL_LIMIT characters."""
    text = mask_text(label) or ""
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def text_width(text: str, size: float) -> float:
    """Estimated advance width of ``text`` at ``size`` (wide characters 1 em, others 0.6 em)."""
    return size * sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


def _n(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros (stable bytes)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _Svg:
    """Collects the elements of one drawing."""

    def __init__(self, key: str, width: float, height: float):
        self.key, self.width, self.height = key, width, height
        self.parts: list[str] = []
        self.groups = 0

    def open_group(self, kind: str = "axes") -> None:
        self.groups += 1
        self.parts.append(f'<g id="{self.key}-{kind}_{self.groups}">')

    def close_group(self) -> None:
        self.parts.append("</g>")

    def rect(self, x: float, y: float, w: float, h: float, fill: str, opacity: float | None = None) -> None:
        extra = "" if opacity is None else f' fill-opacity="{opacity}"'
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}" '
                          f'style="fill: {fill}"{extra}/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 0.8) -> None:
        self.parts.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                          f'style="stroke: {stroke}; stroke-width: {width}"/>')

    def polyline(self, points: Sequence[tuple[float, float]], stroke: str, width: float = 2) -> None:
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        self.parts.append(f'<polyline points="{coords}" style="fill: none; stroke: {stroke}; stroke-width: {width}"/>')

    def circle(self, cx: float, cy: float, r: float, fill: str) -> None:
        self.parts.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" style="fill: {fill}"/>')

    def text(self, x: float, y: float, text: str, *, size: float = LABEL_SIZE, anchor: str = "start",
             fill: str = TICK_TEXT, bold: bool = False, baseline: str = "auto") -> None:
        """``y`` is the text's baseline unless ``baseline`` says "middle" or "hanging"."""
        if not text:
            return
        style = f"font-size: {_n(size)}px; fill: {fill}"
        if bold:
            style += "; font-weight: bold"
        shift = {"auto": 0, "middle": 0.35 * size, "hanging": 0.8 * size}[baseline]
        self.parts.append(f'<text x="{_n(x)}" y="{_n(y + shift)}" text-anchor="{anchor}" style="{style}">'
                          f"{escape(text)}</text>")

    def legend(self, cx: float, y: float, items: Sequence[tuple[str, str]]) -> None:
        """Swatches with names in one row centred on ``cx``; ``y`` is the row's middle."""
        widths = [12 + 4 + text_width(name, VALUE_SIZE) for name, _c in items]
        x = cx - (sum(widths) + 14 * (len(items) - 1)) / 2
        self.open_group("legend")
        for (name, colour), w in zip(items, widths):
            self.rect(x, y - 4, 12, 8, colour)
            self.text(x + 16, y, name, size=VALUE_SIZE, baseline="middle")
            x += w + 14
        self.close_group()

    def markup(self, title: str) -> Markup:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" class="chart-svg" '
                f'preserveAspectRatio="xMidYMid meet" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
                f'font-family="{FONT_STACK}">')
        body = "\n".join([f"<title>{escape(title)}</title>", *self.parts])
        return Markup(f"{head}\n{body}\n</svg>")


def _draw(key: str, title: str, caption: str, height: float, paint: Callable[[_Svg, bool], None],
          width: float = WIDTH, narrow_height: float | None = None) -> dict:
    """Draw ``paint(svg, narrow)`` at the chart's size (and a phone's for a full-width chart)."""
    def draw(draw_width: float, draw_key: str, narrow: bool) -> Markup:
        draw_height = narrow_height if narrow and narrow_height else height
        svg = _Svg(draw_key, draw_width * PT, draw_height * PT)
        paint(svg, narrow)
        return svg.markup(plain(title))

    size = "full" if width >= WIDTH else "half"
    chart = {"key": key, "title": title, "caption": caption, "size": size, "svg": draw(width, key, False),
             "svg_narrow": None}
    if size == "full":
        chart["svg_narrow"] = draw(NARROW_WIDTH, f"{key}-narrow", True)
    return chart


def _has_data(values: Sequence[float | None]) -> bool:
    return any(v is not None for v in values)


def _span(values: Sequence[float | None], margin: float) -> tuple[float, float]:
    """The value axis' range: always through 0, widened by ``margin`` for the value labels."""
    known = [v for v in values if v is not None]
    lo, hi = min([0.0, *known]), max([0.0, *known])
    if hi == lo:
        hi = lo + 1
    extra = (hi - lo) * margin
    return (lo - extra if lo < 0 else lo), (hi + extra if hi > 0 else hi)


def _value_label(v: float | None, fmt: Formatter) -> str:
    return "无数据" if v is None else plain(fmt(v))


def _column_panel(svg: _Svg, left: float, top: float, width: float, bottom: float,
                  bars: Sequence[tuple[float | None, str]], groups: int, per_group: int,
                  fmt: Formatter, names: Sequence[str]) -> None:
    """Vertical bars in ``groups`` groups of ``per_group``, value labels, a zero line, group names."""
    lo, hi = _span([v for v, _c in bars], 0.15)
    scale = (bottom - top) / (hi - lo)
    zero = bottom - (0 - lo) * scale
    slot = width / groups
    bar_w = slot * 0.8 / per_group
    for index, (value, colour) in enumerate(bars):
        group, member = divmod(index, per_group)
        x = left + slot * group + slot * 0.1 + bar_w * member
        v = 0.0 if value is None else value
        y = zero - v * scale
        svg.rect(x + bar_w * 0.04, min(y, zero), bar_w * 0.92, abs(zero - y), colour)
        label_y = y - 3 if v >= 0 else y + 3 + VALUE_SIZE * 0.8
        svg.text(x + bar_w / 2, label_y, _value_label(value, fmt), size=VALUE_SIZE, anchor="middle", fill=VALUE_TEXT)
    svg.line(left, zero, left + width, zero, AXIS)
    for group, name in enumerate(names):
        svg.text(left + slot * (group + 0.5), bottom + 5, plain(name), anchor="middle", baseline="hanging")


# ---- chart kinds ------------------------------------------------------------------------------
def compare_bars(key: str, title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
                 fmt: Formatter, *, caption: str = "", colors: Sequence[str] = (BASELINE, ACCENT),
                 height: float = 3.2) -> dict | None:
    """Grouped vertical bars: one group per category, one bar per series (e.g. 基线期 / 评估期)."""
    if not categories or not any(_has_data(values) for _name, values in series):
        return None

    def paint(svg: _Svg, narrow: bool) -> None:
        count = len(series)
        svg.text(PAD, PAD, plain(title), size=TITLE_SIZE, bold=True, fill=VALUE_TEXT, baseline="hanging")
        bottom = svg.height - PAD - (LABEL_SIZE + 8) - (VALUE_SIZE + 12 if count > 1 else 0)
        bars = [(values[c], colors[i % len(colors)]) for c in range(len(categories))
                for i, (_name, values) in enumerate(series)]
        svg.open_group()
        _column_panel(svg, PAD, PAD + TITLE_SIZE + 10, svg.width - 2 * PAD, bottom, bars, len(categories), count,
                      fmt, categories)
        svg.close_group()
        if count > 1:
            svg.legend(svg.width / 2, svg.height - PAD - VALUE_SIZE / 2,
                       [(plain(name), colors[i % len(colors)]) for i, (name, _v) in enumerate(series)])

    return _draw(key, title, caption, height, paint)


def panel_bars(key: str, title: str, panels: Sequence[tuple[str, Sequence[float | None], Formatter]],
               series: Sequence[str], *, caption: str = "", colors: Sequence[str] = (BASELINE, ACCENT),
               height: float = 3.0) -> dict | None:
    """Grouped bars with one panel — and so one axis and one unit — per figure of merit.

    ``panels`` are (panel title with its unit, one value per series, formatter): a 0.6 % repeat
    rate is not drawn on the axis of an 89 % CSAT, nor a score on a percentage axis. Side by side
    on a wide page, two by two on a phone."""
    if not panels or not any(_has_data(values) for _t, values, _f in panels):
        return None

    def paint(svg: _Svg, narrow: bool) -> None:
        rows, cols = (2, (len(panels) + 1) // 2) if narrow and len(panels) > 2 else (1, len(panels))
        svg.text(PAD, PAD, plain(title), size=TITLE_SIZE, bold=True, fill=VALUE_TEXT, baseline="hanging")
        top = PAD + TITLE_SIZE + 8
        cell_w = (svg.width - 2 * PAD) / cols
        cell_h = (svg.height - top - PAD) / rows
        for index, (panel_title, values, fmt) in enumerate(panels):
            row, col = divmod(index, cols)
            left, cell_top = PAD + col * cell_w, top + row * cell_h
            svg.open_group()
            svg.text(left + cell_w / 2, cell_top + 2, plain(panel_title), anchor="middle", fill=VALUE_TEXT,
                     baseline="hanging")
            bars = [(values[i], colors[i % len(colors)]) for i in range(len(series))]
            _column_panel(svg, left + 4, cell_top + LABEL_SIZE + 10, cell_w - 8,
                          cell_top + cell_h - LABEL_SIZE - 10, bars, len(series), 1, fmt, series)
            svg.close_group()

    return _draw(key, title, caption, height, paint, narrow_height=height * 1.8 if len(panels) > 2 else None)


def _row_labels(svg: _Svg, labels: Sequence[str]) -> float:
    """Width taken by the category names left of horizontal bars."""
    return max(text_width(plain(label), LABEL_SIZE) for label in labels) + 8


def bars(key: str, title: str, labels: Sequence[str], values: Sequence[float | None], fmt: Formatter, *,
         caption: str = "", color: str = ACCENT, colors: Sequence[str] | None = None,
         targets: Sequence[float | None] | None = None, limit: float | None = None,
         height: float | None = None, width: float = WIDTH) -> dict | None:
    """Horizontal bars, first label on top; optional target marks (a tick per bar) and axis limit."""
    if not labels or not _has_data(values):
        return None
    height = height or max(1.6, 0.42 * len(labels) + 0.9)
    marks = [] if targets is None else [(i, t) for i, t in enumerate(targets) if t is not None]

    def paint(svg: _Svg, narrow: bool) -> None:
        svg.text(PAD, PAD, plain(title), size=TITLE_SIZE, bold=True, fill=VALUE_TEXT, baseline="hanging")
        shown = [_value_label(v, fmt) for v in values]
        left = PAD + _row_labels(svg, labels)
        right = svg.width - PAD - (0 if limit is not None else max(text_width(s, VALUE_SIZE) for s in shown) + 4)
        top = PAD + TITLE_SIZE + 10
        bottom = svg.height - PAD - (VALUE_SIZE + 10 if marks else 0)
        hi = limit if limit is not None else max([v for v in values if v is not None] + [t for _i, t in marks]) or 1
        scale = (right - left) / hi
        row = (bottom - top) / len(labels)
        shade = list(colors) if colors else [color] * len(labels)
        svg.open_group()
        for i, (label, value) in enumerate(zip(labels, values)):
            middle = top + row * (i + 0.5)
            w = (0.0 if value is None else value) * scale
            svg.rect(left, middle - row * 0.31, w, row * 0.62, shade[i % len(shade)])
            svg.text(left - 6, middle, plain(label), anchor="end", baseline="middle")
            svg.text(left + w + 3, middle, shown[i], size=VALUE_SIZE, fill=VALUE_TEXT, baseline="middle")
        for i, target in marks:
            middle = top + row * (i + 0.5)
            x = left + target * scale
            svg.line(x, middle - row * 0.4, x, middle + row * 0.4, VALUE_TEXT, 2)
        svg.line(left, top, left, bottom, AXIS)
        svg.close_group()
        if marks:
            y = svg.height - PAD - VALUE_SIZE / 2
            x = svg.width - PAD - text_width("目标", VALUE_SIZE) - 10
            svg.open_group("legend")
            svg.line(x, y - 6, x, y + 6, VALUE_TEXT, 2)
            svg.text(x + 6, y, "目标", size=VALUE_SIZE, baseline="middle")
            svg.close_group()

    return _draw(key, title, caption, height, paint, width)


def stacked_bars(key: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int], str]], *,
                 caption: str = "") -> dict | None:
    """Horizontal stacked bars of counts (e.g. 合格 / 不合格 / 未判定 per 检查维度)."""
    if not labels or not any(sum(values) for _name, values, _color in series):
        return None
    height = max(1.8, 0.46 * len(labels) + 1.2)

    def paint(svg: _Svg, narrow: bool) -> None:
        svg.text(PAD, PAD, plain(title), size=TITLE_SIZE, bold=True, fill=VALUE_TEXT, baseline="hanging")
        left = PAD + _row_labels(svg, labels)
        right = svg.width - PAD
        top = PAD + TITLE_SIZE + 10
        bottom = svg.height - PAD - VALUE_SIZE - 12
        totals = [sum(values[i] for _n, values, _c in series) for i in range(len(labels))]
        scale = (right - left) / (max(totals) or 1)
        row = (bottom - top) / len(labels)
        svg.open_group()
        for i, label in enumerate(labels):
            middle = top + row * (i + 0.5)
            x = left
            for _name, values, shade in series:
                w = values[i] * scale
                svg.rect(x, middle - row * 0.3, w, row * 0.6, shade)
                if values[i]:
                    svg.text(x + w / 2, middle, str(values[i]), size=VALUE_SIZE, anchor="middle", fill="#ffffff",
                             baseline="middle")
                x += w
            svg.text(left - 6, middle, plain(label), anchor="end", baseline="middle")
        svg.line(left, top, left, bottom, AXIS)
        svg.close_group()
        svg.legend(svg.width / 2, svg.height - PAD - VALUE_SIZE / 2, [(plain(name), shade) for name, _v, shade in series])

    return _draw(key, title, caption, height, paint)


def _nice_ticks(hi: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 5 × 10ⁿ) up to at least ``hi``."""
    if hi <= 0:
        return [0.0, 1.0]
    raw = hi / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [step * i for i in range(int(math.ceil(hi / step - 1e-9)) + 1)]


def _tick(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def trend(key: str, title: str, months: Sequence[str], panels: Sequence[tuple[str, Sequence[float | None], Formatter]],
          *, spans: Sequence[tuple[str, int, int, str]] = (), caption: str = "") -> dict | None:
    """Line charts over months, one panel per figure of merit, with shaded period spans.

    ``spans`` are (label, first index, last index, colour) — e.g. the baseline and evaluation months.
    """
    if not months or not any(_has_data(values) for _t, values, _f in panels):
        return None

    def paint(svg: _Svg, narrow: bool) -> None:
        svg.text(PAD, PAD, plain(title), size=TITLE_SIZE, bold=True, fill=VALUE_TEXT, baseline="hanging")
        top = PAD + TITLE_SIZE + 8
        if spans:
            svg.legend(svg.width / 2, top + VALUE_SIZE / 2, [(plain(label), shade) for label, _f, _l, shade in spans])
            top += VALUE_SIZE + 10
        bottom = svg.height - PAD - LABEL_SIZE - 8
        left, right = PAD + 4, svg.width - PAD - 4
        slot = (right - left) / len(months)
        panel_h = (bottom - top) / len(panels)
        for index, (panel_title, values, fmt) in enumerate(panels):
            svg.open_group()
            ptop = top + panel_h * index
            svg.text(left, ptop + 2, plain(panel_title), fill=VALUE_TEXT, baseline="hanging")
            y_top, y_bottom = ptop + LABEL_SIZE + 8, ptop + panel_h - 8
            for _label, first, last, shade in spans:
                svg.rect(left + slot * first, y_top, slot * (last - first + 1), y_bottom - y_top, shade, 0.16)
            known = [v for v in values if v is not None]
            lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
            pad = (hi - lo) * 0.3 or abs(hi) * 0.3 or 1
            lo, hi = lo - pad, hi + pad
            plot_top = y_top + VALUE_SIZE + 4  # room for the value above the highest point

            def y_of(v: float) -> float:
                return y_bottom - (v - lo) / (hi - lo) * (y_bottom - plot_top)

            for part in (0.25, 0.5, 0.75):
                svg.line(left, y_top + (y_bottom - y_top) * part, right, y_top + (y_bottom - y_top) * part, GRID)
            svg.line(left, y_bottom, right, y_bottom, AXIS)
            points = [(left + slot * (i + 0.5), y_of(v), v) for i, v in enumerate(values) if v is not None]
            if len(points) > 1:
                svg.polyline([(x, y) for x, y, _v in points], ACCENT)
            for x, y, v in points:
                svg.circle(x, y, 3, ACCENT)
                svg.text(x, y - 6, plain(fmt(v)), size=8.5 if not narrow else VALUE_SIZE, anchor="middle",
                         fill=VALUE_TEXT)
            svg.close_group()
        step = max(1, math.ceil(len(months) * text_width(plain(months[0]), LABEL_SIZE) * 1.2 / (right - left)))
        for i in range(0, len(months), step):
            svg.text(left + slot * (i + 0.5), bottom + 5, plain(months[i]), anchor="middle", baseline="hanging")

    return _draw(key, title, caption, 1.1 + 2.1 * len(panels), paint)


def daily(key: str, title: str, days: Sequence[str], values: Sequence[int], *, caption: str = "") -> dict | None:
    """Vertical bars per day (e.g. tickets received each day of a month), with a count axis."""
    if not days or not sum(values):
        return None

    def paint(svg: _Svg, narrow: bool) -> None:
        svg.text(PAD, PAD, plain(title), size=TITLE_SIZE, bold=True, fill=VALUE_TEXT, baseline="hanging")
        ticks = _nice_ticks(max(values))
        top = PAD + TITLE_SIZE + 12
        bottom = svg.height - PAD - LABEL_SIZE - 8
        left = PAD + max(text_width(_tick(t), LABEL_SIZE) for t in ticks) + 6
        right = svg.width - PAD
        scale = (bottom - top) / ticks[-1]
        slot = (right - left) / len(days)
        svg.open_group()
        for t in ticks:
            y = bottom - t * scale
            svg.line(left, y, right, y, GRID if t else AXIS)
            svg.text(left - 4, y, _tick(t), anchor="end", baseline="middle")
        for i, v in enumerate(values):
            svg.rect(left + slot * (i + 0.15), bottom - v * scale, slot * 0.7, v * scale, ACCENT)
        step = max(1, len(days) // (5 if narrow else 10))
        for i in range(0, len(days), step):
            svg.text(left + slot * (i + 0.5), bottom + 5, plain(days[i]), anchor="middle", baseline="hanging")
        svg.close_group()

    return _draw(key, title, caption, 2.6, paint)
