"""Matplotlib figures into the PDF as vector graphics with real, searchable text.

Why SVG via svglib: matplotlib writes SVG with text kept as text (``svg.fonttype = none``), svglib turns
it into a reportlab Drawing whose strings use our registered fonts, so labels are crisp on paper,
extractable from the PDF and set in the same typeface as the paragraphs. Rendering is deterministic
(fixed hash salt, no date metadata).
"""

from __future__ import annotations

import functools
import io
import logging
from contextlib import AbstractContextManager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .fonts import CHART_FALLBACKS, CHART_FAMILY, SANS, register_chart_fallbacks, register_fonts, register_svg_fonts

if TYPE_CHECKING:  # matplotlib and svglib load on first use: a build from cached drawings needs neither
    from matplotlib.figure import Figure
    from reportlab.graphics.shapes import Drawing


@functools.cache
def _matplotlib() -> ModuleType:
    import matplotlib

    matplotlib.use("svg")
    # "Failed to find font weight bold for Droid Sans Fallback" is expected: the fallback has no bold.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return matplotlib


#: Colours of successive lines or bars.
PALETTE = ["#1f4e79", "#c0504d", "#4f81bd", "#9bbb59", "#8064a2"]
HOUSE_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "text.parse_math": False,  # "$" in facts text is a dollar sign, never mathtext
    "svg.hashsalt": "briefing",
    "font.family": [CHART_FAMILY],
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "lines.linewidth": 1.2,
}

#: Colours of the house style, for charts and the map.
INK = "#222222"
ACCENT = "#1f4e79"
ALERT = "#c0504d"
MUTED = "#8a8a8a"


#: For charts whose labels need a fallback font: svglib sets each text element in one font, so such
#: a chart is written with its text as outlines (matplotlib falls back per glyph), legible though
#: not searchable.
OUTLINE_TEXT = {"svg.fonttype": "path", "font.family": [CHART_FAMILY, *CHART_FALLBACKS]}


def house_style(text_as_outlines: bool = False) -> AbstractContextManager[None]:
    """Context manager: build a chart inside it so every artist picks up the house style.

    Applied per chart rather than globally, so nothing leaks into a caller's own matplotlib use.
    ``text_as_outlines`` must match the later ``figure_to_svg`` call: the fallback font list is
    read when a text artist is created.
    """
    register_fonts()
    if text_as_outlines:
        register_chart_fallbacks()
    return _matplotlib().rc_context(_style(text_as_outlines))


def _style(text_as_outlines: bool) -> dict[str, Any]:
    return {**HOUSE_STYLE, "axes.prop_cycle": _matplotlib().cycler(color=PALETTE), **(OUTLINE_TEXT if text_as_outlines else {})}


def figure_to_svg(fig: Figure, text_as_outlines: bool = False) -> bytes:
    """SVG of ``fig``; ``text_as_outlines`` when some label has glyphs only a fallback font holds."""
    buf = io.BytesIO()
    with _matplotlib().rc_context(_style(text_as_outlines)):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def svg_to_drawing(svg: bytes, width_pt: float | None = None) -> Drawing:
    """Turn SVG bytes into a reportlab Drawing, scaled to ``width_pt`` when given."""
    from svglib.svglib import svg2rlg

    register_svg_fonts()
    drawing = svg2rlg(io.BytesIO(svg))
    if drawing is None:  # pragma: no cover - matplotlib always writes valid SVG
        raise ValueError("matplotlib produced SVG that svglib could not read")
    # The renderer starts each drawing in its default font (Helvetica, not embedded) unless told.
    drawing.initialFontName = SANS
    if width_pt is not None and drawing.width:
        scale = width_pt / drawing.width
        drawing.width *= scale
        drawing.height *= scale
        drawing.scale(scale, scale)
    return drawing
