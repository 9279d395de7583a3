"""Matplotlib figures into the PDF as vector graphics with real, searchable text.

Why a renderer of our own: matplotlib hands every backend the same few calls - fill or stroke this
path, put this string at that baseline - and a reportlab Drawing has a shape for each. So
``figure_to_drawing`` draws the figure straight into a Drawing (``renderer.DrawingRenderer``, at 72 dpi so
matplotlib's display units are PDF points) instead of writing SVG and parsing it back with svglib:
that round trip cost about 0.3 s of CPU in a cold build of the example brief for the same shapes,
and drawing directly costs a little less than writing the SVG alone did (35 against 39 ms for the
example's map). Markers and path collections come through ``RendererBase``'s defaults as paths;
no figure of ours has images, which ``RendererBase`` refuses.

What the Drawing keeps:

- text is text: each label is a reportlab ``String`` in our registered, embedded fonts, at the
  baseline matplotlib laid out (aligned by its anchor, rotated by a group transform), so chart
  labels are extractable and set in the paragraphs' typeface. Runs a house font lacks (CJK,
  Arabic, Hebrew) are Strings in the fallback font ``glyphs.runs`` names, so they stay searchable;
  matplotlib measures them with the same fallback fonts (``house_style(fallback=True)``);
- paths keep their fill and stroke colours, alpha, line width, dashes, caps and joins; artists
  clipped to the same rectangle or path share one clipped group (a small PDF);
- hatching is drawn as geometry by whoever wants it, never as a renderer
  pattern: a hatched artist is refused rather than drawn without its hatch.

Rendering is deterministic: the same figure gives the same shapes, numbers and strings.
``RENDERER_VERSION`` is part of every cache key of a drawn part (``build.py``).
"""

from __future__ import annotations

import functools
import logging
import sys
import warnings
from contextlib import AbstractContextManager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .fonts import CHART_FALLBACKS, CHART_FAMILY, HOUSE_FACES, register_chart_fallbacks, register_fallback, register_fonts

if TYPE_CHECKING:  # matplotlib loads on first use: a build from cached drawings never needs it
    from matplotlib.figure import Figure
    from reportlab.graphics.shapes import Drawing

#: Changes whenever the renderer would draw a figure differently: cached drawings of older versions are not reused.
RENDERER_VERSION = 1


def load_matplotlib() -> ModuleType:
    """matplotlib, imported without its 3-D axes: call before a drawing stage first imports it.

    Why: ``matplotlib.figure`` imports ``matplotlib.projections``, which imports ``mpl_toolkits.mplot3d``
    (59 ms of a fresh process here) though no brief draws in 3-D. While ``projections`` is imported
    the 3-D module is marked missing, which matplotlib tolerates (it then registers no "3d"
    projection); the mark is removed afterwards, so importing ``mpl_toolkits.mplot3d`` later works.
    """
    if "matplotlib.projections" not in sys.modules:
        blocked = sys.modules.setdefault("mpl_toolkits.mplot3d", None) is None
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Unable to import Axes3D")
                import matplotlib.projections  # noqa: F401
        finally:
            if blocked and sys.modules.get("mpl_toolkits.mplot3d", False) is None:
                del sys.modules["mpl_toolkits.mplot3d"]
    return _matplotlib()


@functools.cache
def _matplotlib() -> ModuleType:
    """matplotlib, loaded for drawing (``load_matplotlib``)."""
    import matplotlib

    matplotlib.use("agg")  # never a GUI: charts measure text with Agg, everything is drawn by renderer.DrawingRenderer
    # "Failed to find font weight bold for Droid Sans Fallback" is expected: the fallback has no bold.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return matplotlib


#: Colours of successive lines or bars.
PALETTE = ["#1f4e79", "#c0504d", "#4f81bd", "#9bbb59", "#8064a2"]
HOUSE_STYLE: dict[str, Any] = {
    "text.parse_math": False,  # "$" in facts text is a dollar sign, never mathtext
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


#: For figures whose labels need a fallback font: matplotlib measures (and lays out) each glyph in
#: the font that has it, as the PDF then sets it.
FALLBACK_TEXT = {"font.family": [CHART_FAMILY, *CHART_FALLBACKS]}


def house_style(fallback: bool = False) -> AbstractContextManager[None]:
    """Context manager: build a chart inside it so every artist picks up the house style.

    Applied per chart rather than globally, so nothing leaks into a caller's own matplotlib use.
    ``fallback`` must match the later ``figure_to_drawing`` call: the font list is read when a text
    artist is created.
    """
    register_fonts()
    if fallback:
        register_chart_fallbacks()
    return _matplotlib().rc_context(_style(fallback))


def _style(fallback: bool) -> dict[str, Any]:
    return {**HOUSE_STYLE, "axes.prop_cycle": _matplotlib().cycler(color=PALETTE), **(FALLBACK_TEXT if fallback else {})}


def figure_to_drawing(fig: Figure, fallback: bool = False) -> Drawing:
    """``fig`` as a reportlab Drawing, one point per point: ``fig``'s size in inches times 72.

    ``fallback`` when some label has glyphs only a fallback font holds (as for ``house_style``).
    """
    from .renderer import DrawingRenderer  # its base class is matplotlib's: loaded with the first figure

    with _matplotlib().rc_context(_style(fallback)):
        dpi = fig.dpi
        fig.dpi = 72.0  # display units are points, as in the PDF
        try:
            width, height = (float(v) * 72.0 for v in fig.get_size_inches())
            renderer = DrawingRenderer(width, height)
            fig.draw(renderer)
        finally:
            fig.dpi = dpi
    return renderer.drawing


def register_drawing_fonts(drawing: Drawing) -> None:
    """Register the fallback fonts a (cached) drawing's strings use, before it is drawn."""
    from reportlab.graphics.shapes import Group, String

    stack: list[Any] = [drawing]
    while stack:
        node = stack.pop()
        if isinstance(node, Group):
            stack.extend(node.contents)
        elif isinstance(node, String) and node.fontName not in HOUSE_FACES:
            register_fallback(node.fontName)
