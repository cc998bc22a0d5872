"""Charts as inline SVG, drawn with matplotlib's SVG backend (no pyplot, no files, no clock).

Each function takes plain numbers and labels and returns a chart dict for a report context:
``{"key", "title", "caption", "size", "svg"}`` (size: "full" or "half" width) where ``svg`` is a ``Markup`` string ready to inline, or
None when there is nothing to draw (the template then says 无数据).

The SVG is made deterministic and safe to inline several times in one HTML page:
- ``svg.fonttype = "none"``: text stays text (the browser draws Chinese with the system CJK font);
- ``svg.hashsalt`` = the chart's key and no metadata (no date, no creator): the same data always
  gives the same bytes;
- every ``id`` (matplotlib numbers them per figure: ``figure_1``, ``axes_1`` …) and every reference
  to one is prefixed with the chart's key, so two charts never share an id;
- the XML prolog, the fixed width/height (the page scales the chart by its viewBox) and
  matplotlib's global ``*{…}`` style rule are dropped; fonts are named by a CSS stack instead of
  whatever font this machine happened to have.
Labels are plain text: phones in them are masked (``mask_text``) and ``$`` is escaped so customer
text can never switch on mathtext.
"""

from __future__ import annotations

import functools
import io
import re
import warnings
from typing import Callable, Sequence

import matplotlib
from markupsafe import Markup, escape
from matplotlib.figure import Figure

from workbook.masking import mask_text

FONT_STACK = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Heiti SC", "SimHei",
             "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK JP", "Noto Sans CJK TC")

# Colours (also used by report.css): the baseline muted, the evaluation period in the accent.
BASELINE = "#9aa5b1"
ACCENT = "#1f5fa8"
GOOD = "#2e7d32"
BAD = "#c62828"
NEUTRAL = "#b0b7c3"
WARN = "#d89b00"
PALETTE = (ACCENT, "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")

WIDTH = 7.2  # inches; the page scales the SVG to its column
HALF_WIDTH = 4.6  # for two charts side by side (text stays legible when each gets half the page)
# A full-width chart is drawn a second time at this width for phones: scaled down to a 390 px
# screen the wide drawing's 10 pt labels would shrink to about 7 px; this one keeps them at 11 px.
NARROW_WIDTH = 4.6
LABEL_LIMIT = 14  # characters of a category label before it is cut with …

Formatter = Callable[[float], str]


@functools.lru_cache(maxsize=1)
def _font_families() -> tuple[str, ...]:
    """The CJK fonts matplotlib can measure text with here (for layout), then DejaVu Sans."""
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in available) + ("DejaVu Sans",)


def _rc(key: str) -> dict:
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": key,
        "svg.image_inline": True,
        "font.family": list(_font_families()),
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#8a94a3",
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "xtick.color": "#3d4752",
        "ytick.color": "#3d4752",
        "legend.frameon": False,
        "path.simplify": True,
    }


def plain(label) -> str:
    """A label as literal text: phones masked, cut to LABEL_LIMIT characters, ``$`` escaped (no mathtext)."""
    text = mask_text(label) or ""
    text = text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"
    return text.replace("$", r"\$")


# ---- SVG post-processing ----------------------------------------------------------------------
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_ROOT_SIZE = re.compile(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"')
_GLOBAL_STYLE = re.compile(r"\s*<defs>\s*<style[^>]*>\*\{[^}]*\}</style>\s*</defs>")
_TAG = re.compile(r"<[^>]+>")  # text nodes cannot match: matplotlib escapes < in them
_ID = re.compile(r'(\sid=")([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')
_FONT = re.compile(r"font-family:[^;\"]*")
_TRAILING = re.compile(r"[ \t]+\n")


def finish_svg(svg: str, key: str, title: str) -> Markup:
    """matplotlib's SVG document → an inline ``<svg>`` element with ids unique to ``key``."""
    svg = _PROLOG.sub("", svg, count=1)
    while _ROOT_SIZE.match(svg):
        svg = _ROOT_SIZE.sub(r"\1", svg, count=1)
    svg = _GLOBAL_STYLE.sub("", svg, count=1)

    def fix(tag: re.Match) -> str:
        text = _ID.sub(lambda m: f'{m.group(1)}{key}-{m.group(2)}"', tag.group(0))
        text = _REF.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", text)
        return _FONT.sub(f"font-family: {FONT_STACK}", text)

    svg = _TAG.sub(fix, svg)
    svg = _TRAILING.sub("\n", svg).strip()
    label = f' role="img" aria-label="{escape(title)}" class="chart-svg" preserveAspectRatio="xMidYMid meet"'
    svg = svg.replace("<svg ", "<svg" + label + " ", 1)
    return Markup(svg)


def _render(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return buffer.getvalue()


def _draw(key: str, title: str, caption: str, height: float, paint: Callable[..., None],
          width: float = WIDTH, narrow_height: float | None = None) -> dict:
    """Draw a figure with ``paint(fig, narrow)`` under the report's style and return the chart dict.

    A full-width chart also gets ``svg_narrow``, the same chart drawn for a phone's width (the
    page shows one or the other with a media query; no script is needed)."""
    def draw(draw_width: float, draw_key: str, narrow: bool) -> Markup:
        draw_height = narrow_height if narrow and narrow_height else height
        with matplotlib.rc_context(_rc(draw_key)), warnings.catch_warnings():
            # A machine without a CJK font still draws the chart (the browser renders the text).
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
            fig = Figure(figsize=(draw_width, draw_height), dpi=72, layout="constrained")
            paint(fig, narrow)
            return finish_svg(_render(fig), draw_key, title)

    size = "full" if width >= WIDTH else "half"
    chart = {"key": key, "title": title, "caption": caption, "size": size, "svg": draw(width, key, False),
             "svg_narrow": None}
    if size == "full":
        chart["svg_narrow"] = draw(NARROW_WIDTH, f"{key}-narrow", True)
    return chart


def _has_data(values: Sequence[float | None]) -> bool:
    return any(v is not None for v in values)


def _label_bars(ax, bars, values: Sequence[float | None], fmt: Formatter, *, horizontal: bool = False) -> None:
    labels = ["无数据" if v is None else fmt(v) for v in values]
    ax.bar_label(bars, labels=[plain(label) for label in labels], padding=3, fontsize=9, color="#1f2933")
    if horizontal:
        ax.margins(x=0.18)
    else:
        ax.margins(y=0.15)


# ---- chart kinds ------------------------------------------------------------------------------
def compare_bars(key: str, title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
                 fmt: Formatter, *, caption: str = "", colors: Sequence[str] = (BASELINE, ACCENT),
                 height: float = 3.2) -> dict | None:
    """Grouped vertical bars: one group per category, one bar per series (e.g. 基线期 / 评估期)."""
    if not categories or not any(_has_data(values) for _name, values in series):
        return None

    def paint(fig: Figure, narrow: bool = False) -> None:
        ax = fig.subplots()
        count = len(series)
        width = 0.8 / count
        positions = range(len(categories))
        for i, (name, values) in enumerate(series):
            offsets = [p - 0.4 + width * (i + 0.5) for p in positions]
            heights = [0.0 if v is None else v for v in values]
            bars = ax.bar(offsets, heights, width * 0.92, label=plain(name), color=colors[i % len(colors)])
            _label_bars(ax, bars, values, fmt)
        ax.set_xticks(list(positions), labels=[plain(c) for c in categories])
        ax.axhline(0, color="#8a94a3", linewidth=0.8)
        ax.yaxis.set_visible(False)
        ax.spines["left"].set_visible(False)
        ax.set_title(plain(title), loc="left")
        if count > 1:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=count, fontsize=9)

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

    def paint(fig: Figure, narrow: bool = False) -> None:
        rows, cols = (2, (len(panels) + 1) // 2) if narrow and len(panels) > 2 else (1, len(panels))
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        for ax, (panel_title, values, fmt) in zip(axes, panels):
            positions = list(range(len(series)))
            heights = [0.0 if v is None else v for v in values]
            drawn = ax.bar(positions, heights, 0.7, color=[colors[i % len(colors)] for i in positions])
            _label_bars(ax, drawn, values, fmt)
            ax.set_xticks(positions, labels=[plain(name) for name in series])
            ax.axhline(0, color="#8a94a3", linewidth=0.8)
            ax.yaxis.set_visible(False)
            ax.spines["left"].set_visible(False)
            ax.set_title(plain(panel_title), loc="center", fontsize=10)
        fig.suptitle(plain(title), x=0.02, ha="left", fontsize=11, fontweight="bold")

    return _draw(key, title, caption, height, paint, narrow_height=height * 1.8 if len(panels) > 2 else None)


def bars(key: str, title: str, labels: Sequence[str], values: Sequence[float | None], fmt: Formatter, *,
         caption: str = "", color: str = ACCENT, colors: Sequence[str] | None = None,
         targets: Sequence[float | None] | None = None, limit: float | None = None,
         height: float | None = None, width: float = WIDTH) -> dict | None:
    """Horizontal bars, first label on top; optional target marks (a tick per bar) and axis limit."""
    if not labels or not _has_data(values):
        return None
    height = height or max(1.6, 0.42 * len(labels) + 0.9)

    def paint(fig: Figure, narrow: bool = False) -> None:
        ax = fig.subplots()
        positions = list(range(len(labels)))[::-1]
        widths = [0.0 if v is None else v for v in values]
        shade = list(colors) if colors else [color] * len(labels)
        drawn = ax.barh(positions, widths, 0.62, color=shade)
        _label_bars(ax, drawn, values, fmt, horizontal=True)
        if targets is not None:
            marks = [(p, t) for p, t in zip(positions, targets) if t is not None]
            if marks:
                ax.scatter([t for _p, t in marks], [p for p, _t in marks], marker="|", s=260, color="#1f2933",
                           linewidths=2, label="目标", zorder=3)
                ax.legend(loc="lower right", fontsize=9)
        ax.set_yticks(positions, labels=[plain(label) for label in labels])
        if limit is not None:
            ax.set_xlim(0, limit)
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)
        ax.set_title(plain(title), loc="left")

    return _draw(key, title, caption, height, paint, width)


def stacked_bars(key: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int], str]], *,
                 caption: str = "") -> dict | None:
    """Horizontal stacked bars of counts (e.g. 合格 / 不合格 / 未判定 per 检查维度)."""
    if not labels or not any(sum(values) for _name, values, _color in series):
        return None
    height = max(1.8, 0.46 * len(labels) + 1.2)

    def paint(fig: Figure, narrow: bool = False) -> None:
        ax = fig.subplots()
        positions = list(range(len(labels)))[::-1]
        left = [0] * len(labels)
        for name, values, shade in series:
            drawn = ax.barh(positions, values, 0.6, left=left, label=plain(name), color=shade)
            ax.bar_label(drawn, labels=[str(v) if v else "" for v in values], label_type="center", fontsize=9,
                         color="#ffffff")
            left = [a + b for a, b in zip(left, values)]
        ax.set_yticks(positions, labels=[plain(label) for label in labels])
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)
        ax.set_title(plain(title), loc="left")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncols=len(series), fontsize=9)

    return _draw(key, title, caption, height, paint)


def trend(key: str, title: str, months: Sequence[str], panels: Sequence[tuple[str, Sequence[float | None], Formatter]],
          *, spans: Sequence[tuple[str, int, int, str]] = (), caption: str = "") -> dict | None:
    """Line charts over months, one panel per figure of merit, with shaded period spans.

    ``spans`` are (label, first index, last index, colour) — e.g. the baseline and evaluation months.
    """
    if not months or not any(_has_data(values) for _t, values, _f in panels):
        return None

    def paint(fig: Figure, narrow: bool = False) -> None:
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        x = list(range(len(months)))
        for ax, (panel_title, values, fmt) in zip(axes, panels):
            for label, first, last, shade in spans:
                ax.axvspan(first - 0.5, last + 0.5, color=shade, alpha=0.16, linewidth=0, label=plain(label))
            points = [(i, v) for i, v in zip(x, values) if v is not None]
            if points:
                ax.plot([i for i, _v in points], [v for _i, v in points], marker="o", color=ACCENT, linewidth=2)
                for i, v in points:
                    ax.annotate(plain(fmt(v)), (i, v), textcoords="offset points", xytext=(0, 6), ha="center",
                                fontsize=8.5)
            ax.margins(y=0.3)
            ax.set_title(plain(panel_title), loc="left", fontsize=10)
            ax.grid(axis="y", color="#e5e8ec", linewidth=0.8)
        axes[-1].set_xticks(x, labels=[plain(m) for m in months])
        axes[-1].set_xlim(-0.5, len(months) - 0.5)
        if spans:
            axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, 1.42), ncols=len(spans), fontsize=9)
        fig.suptitle(plain(title), x=0.02, ha="left", fontsize=11, fontweight="bold")

    return _draw(key, title, caption, 1.1 + 2.1 * len(panels), paint)


def daily(key: str, title: str, days: Sequence[str], values: Sequence[int], *, caption: str = "") -> dict | None:
    """Vertical bars per day (e.g. tickets received each day of a month)."""
    if not days or not sum(values):
        return None

    def paint(fig: Figure, narrow: bool = False) -> None:
        ax = fig.subplots()
        x = list(range(len(days)))
        ax.bar(x, values, 0.7, color=ACCENT)
        step = max(1, len(days) // (5 if narrow else 10))
        ax.set_xticks(x[::step], labels=[plain(d) for d in days[::step]])
        ax.grid(axis="y", color="#e5e8ec", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_title(plain(title), loc="left")

    return _draw(key, title, caption, 2.6, paint)
