"""Matplotlib figures into the PDF as vector graphics with real, searchable text.

Why a renderer of our own: matplotlib hands every backend the same few calls - fill or stroke this
path, put this string at that baseline - and a reportlab Drawing has a shape for each. So
``figure_to_drawing`` draws the figure straight into a Drawing (``_DrawingRenderer``, at 72 dpi so
matplotlib's display units are PDF points) instead of writing SVG and parsing it back with svglib:
that round trip cost about 0.3 s of CPU in a cold build of the example brief for the same shapes,
and drawing directly costs a little less than writing the SVG alone did (35 against 39 ms for the
example's map). Markers and path collections come through ``RendererBase``'s defaults as paths;
no figure of ours has images, which ``RendererBase`` refuses.

What the Drawing keeps:

- text is text: each label is a reportlab ``String`` in our registered, embedded fonts, at the
  baseline matplotlib laid out (aligned by its anchor, rotated by a group transform), so chart and
  map labels are extractable and set in the paragraphs' typeface. Runs a house font lacks (CJK,
  Arabic, Hebrew) are Strings in the fallback font ``glyphs.runs`` names, so they stay searchable;
  matplotlib measures them with the same fallback fonts (``house_style(fallback=True)``);
- paths keep their fill and stroke colours, alpha, line width, dashes, caps and joins; artists
  clipped to the same rectangle or path share one clipped group (a small PDF);
- hatching is drawn as geometry by whoever wants it (``map/overlays.py``), never as a renderer
  pattern: a hatched artist is refused rather than drawn without its hatch.

Rendering is deterministic: the same figure gives the same shapes, numbers and strings.
``RENDERER_VERSION`` is part of every cache key of a drawn part (``build.py``).
"""

from __future__ import annotations

import functools
import logging
import math
from contextlib import AbstractContextManager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .fonts import (CHART_FALLBACKS, CHART_FAMILY, HOUSE_FACES, SANS, SANS_BOLD, SANS_ITALIC, register_chart_fallbacks,
                    register_fallback, register_fonts, registered)

if TYPE_CHECKING:  # matplotlib loads on first use: a build from cached drawings never needs it
    from matplotlib.figure import Figure
    from reportlab.graphics.shapes import Drawing

#: Changes whenever the renderer would draw a figure differently: cached drawings of older versions are not reused.
RENDERER_VERSION = 1


@functools.cache
def _matplotlib() -> ModuleType:
    import matplotlib

    matplotlib.use("agg")  # never a GUI: the map measures text with Agg, everything is drawn by _DrawingRenderer
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
    with _matplotlib().rc_context(_style(fallback)):
        dpi = fig.dpi
        fig.dpi = 72.0  # display units are points, as in the PDF
        try:
            width, height = (float(v) * 72.0 for v in fig.get_size_inches())
            renderer = _renderer_class()(width, height)
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


_CAPS = {"butt": 0, "round": 1, "projecting": 2}
_JOINS = {"miter": 0, "round": 1, "bevel": 2}
_HA = {"left": "start", "center": "middle", "right": "end"}


@functools.cache
def _renderer_class() -> type:
    """``_DrawingRenderer``, defined on first use: its base class is matplotlib's."""
    import numpy as np
    from matplotlib.backend_bases import RendererBase
    from matplotlib.font_manager import weight_dict
    from matplotlib.path import Path as MplPath
    from reportlab.graphics.shapes import Drawing, Group, Path, String
    from reportlab.lib.colors import Color
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import FILL_NON_ZERO

    from .glyphs import runs

    # matplotlib path codes -> reportlab operators (moveTo 0, lineTo 1, curveTo 2, closePath 3)
    ops = np.full(max(MplPath.CLOSEPOLY, MplPath.CURVE4) + 1, -1, dtype=np.int8)
    ops[MplPath.MOVETO], ops[MplPath.LINETO], ops[MplPath.CLOSEPOLY] = 0, 1, 3
    ops[MplPath.CURVE3] = ops[MplPath.CURVE4] = 2

    def firsts(mask: Any, every: int) -> Any:
        """Where a segment starts in runs of ``mask``: a curve takes ``every`` vertices of one code."""
        idx = np.arange(len(mask))
        starts = mask.copy()
        starts[1:] &= ~mask[:-1]
        run_start = np.maximum.accumulate(np.where(starts, idx, 0))
        return mask & ((idx - run_start) % every == 0)

    def segments(path: Any, transform: Any, clip: tuple[float, float, float, float] | None,
                 simplify: bool) -> tuple[list[float], list[int]]:
        """Points and operators of ``path`` in points, in numpy (paths have thousands of vertices).

        A quadratic curve (TrueType glyphs, as in text halos) becomes the same curve as a cubic one:
        its control point q gives the two at 2/3 of the way from each end to q.
        """
        cleaned = path.cleaned(transform, remove_nans=True, clip=clip, simplify=simplify, curves=True)
        verts, codes = cleaned.vertices, cleaned.codes
        if not ((codes == MplPath.CURVE3) | (codes == MplPath.CURVE4)).any():
            # straight lines only (most paths, and the longest): one point per vertex but closes and the end
            lines = codes[codes != MplPath.STOP]
            return verts[(codes == MplPath.MOVETO) | (codes == MplPath.LINETO)].ravel().tolist(), ops[lines].tolist()
        quad = firsts(codes == MplPath.CURVE3, 2)
        heads = (codes == MplPath.MOVETO) | (codes == MplPath.LINETO) | (codes == MplPath.CLOSEPOLY) | quad | firsts(
            codes == MplPath.CURVE4, 3)
        # every vertex is drawn once but a closing one (none) and a quadratic control point (two)
        counts = np.where((codes == MplPath.CLOSEPOLY) | (codes == MplPath.STOP), 0, np.where(quad, 2, 1))
        points = np.repeat(verts, counts, axis=0)
        if quad.any():
            idx = np.arange(len(codes))
            at = np.flatnonzero(quad)
            before = at - 1  # the current point: the previous vertex, or after a close the subpath's start
            subpath = np.maximum.accumulate(np.where(codes == MplPath.MOVETO, idx, 0))
            before = np.where(codes[before] == MplPath.CLOSEPOLY, subpath[before], before)
            p0, q, end = verts[before], verts[at], verts[at + 1]
            out = (np.cumsum(counts) - counts)[at]
            points[out] = p0 + (q - p0) * (2 / 3)
            points[out + 1] = end + (q - end) * (2 / 3)
        return points.ravel().tolist(), ops[codes[heads]].tolist()

    # Shapes are made by copying a blank one and setting what differs, unchecked: reportlab checks
    # every attribute as it is set (each number of a path's thousands), most of the drawing time, for
    # values made right here.
    blank_path = Path(autoclose="svg", fillMode=FILL_NON_ZERO)
    blank_string = String(0, 0, "")
    blank_group = Group()

    def new(blank: Any, **attrs: Any) -> Any:
        shape = object.__new__(type(blank))
        shape.__dict__.update(blank.__dict__, **attrs)
        return shape

    def colour(rgb: Any, alpha: float) -> Color:
        return Color(float(rgb[0]), float(rgb[1]), float(rgb[2]), alpha=float(alpha))

    class _DrawingRenderer(RendererBase):
        """Draws a matplotlib Figure into ``self.drawing`` (see the module docstring)."""

        def __init__(self, width: float, height: float):
            super().__init__()
            self.width, self.height = width, height
            self.drawing = Drawing(width, height)
            # renderPDF starts a drawing in Helvetica (never embedded) unless told
            self.drawing.initialFontName = SANS
            self._clip: Any = None
            self._shapes: list[Any] = self.drawing.contents

        def flipy(self) -> bool:
            return False  # y grows upwards, as in reportlab

        def get_canvas_width_height(self) -> tuple[float, float]:
            return self.width, self.height

        def _target(self, gc: Any) -> list[Any]:
            """Where a shape drawn with ``gc`` goes: one clipped group per run of shapes with the same clip."""
            rect = gc.get_clip_rectangle()
            clip_path, clip_transform = gc.get_clip_path()
            key = (None if rect is None else tuple(float(v) for v in rect.bounds),
                   None if clip_path is None else (clip_path.vertices.tobytes(),
                                                   None if clip_path.codes is None else clip_path.codes.tobytes(),
                                                   tuple(clip_transform.to_values())))
            if key == self._clip:
                return self._shapes
            self._clip = key
            if key == (None, None):
                self._shapes = self.drawing.contents
                return self._shapes
            self._shapes = []
            if rect is not None:
                x, y, w, h = key[0]
                self._shapes.append(self._clip_shape([x, y, x + w, y, x + w, y + h, x, y + h], [0, 1, 1, 1, 3]))
            if clip_path is not None:
                self._shapes.append(self._clip_shape(*segments(clip_path, clip_transform, None, False)))
            self.drawing.contents.append(new(blank_group, contents=self._shapes))
            return self._shapes

        @staticmethod
        def _clip_shape(points: list[float], operators: list[int]) -> Path:
            return new(blank_path, points=points, operators=operators, isClipPath=1, autoclose=None, fillColor=None,
                       strokeColor=None, strokeWidth=0)

        def draw_path(self, gc: Any, path: Any, transform: Any, rgbFace: Any = None) -> None:
            if gc.get_hatch() is not None:
                raise NotImplementedError("hatch patterns are not drawn into the PDF: draw hatching as lines "
                                          "(as briefing/map/overlays.py does)")
            rgb = gc.get_rgb()
            if gc.get_forced_alpha():
                stroke_alpha = fill_alpha = gc.get_alpha()
            else:
                stroke_alpha = rgb[3]
                fill_alpha = 1.0 if rgbFace is None or len(rgbFace) < 4 else rgbFace[3]
            stroke = gc.get_linewidth() > 0 and stroke_alpha > 0
            fill = rgbFace is not None and fill_alpha > 0
            if not (stroke or fill):
                return
            # as matplotlib's vector backends do: a line is cut to the page and thinned to what prints
            cut = None if fill else (0.0, 0.0, self.width, self.height)
            points, operators = segments(path, transform, cut, path.should_simplify and not fill)
            if not operators:
                return
            style: dict[str, Any] = {"fillColor": colour(rgbFace, fill_alpha) if fill else None}
            if stroke:
                offset, dashes = gc.get_dashes()
                pattern = [float(v) for v in dashes] if dashes is not None and len(dashes) else None
                style.update(strokeColor=colour(rgb, stroke_alpha), strokeWidth=float(gc.get_linewidth()),
                             strokeLineCap=_CAPS[gc.get_capstyle()], strokeLineJoin=_JOINS[gc.get_joinstyle()],
                             strokeDashArray=[float(offset), pattern] if pattern and offset else pattern)
            else:
                style["strokeColor"] = None
            self._target(gc).append(new(blank_path, points=points, operators=operators, **style))

        def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                      mtext: Any = None) -> None:
            if ismath:  # never with the house style (text.parse_math is off): outlines, as matplotlib draws them
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            if not s.strip():
                return
            rgb = gc.get_rgb()
            alpha = gc.get_alpha() if gc.get_forced_alpha() else rgb[3]
            if alpha <= 0:
                return
            weight = prop.get_weight()
            face = (SANS_BOLD if weight_dict.get(weight, weight) >= 600
                    else SANS_ITALIC if prop.get_style() in ("italic", "oblique") else SANS)
            style = {"fontSize": float(prop.get_size_in_points()), "fillColor": colour(rgb, alpha)}
            anchor = "start"
            if mtext is not None and (angle == 0 or mtext.get_rotation_mode() == "anchor"):
                # Anchored at matplotlib's alignment point, so the PDF's own string width aligns it
                # (as the SVG backend does): moved along the text's vertical onto the baseline.
                ax_, ay_ = mtext.get_transform().transform(mtext.get_unitless_position())
                rad = math.radians(angle)
                ux, uy = -math.sin(rad), math.cos(rad)
                lift = (x - ax_) * ux + (y - ay_) * uy
                x, y = ax_ + lift * ux, ay_ + lift * uy
                anchor = _HA[mtext.get_ha()]
            target = self._target(gc)
            if angle == 0:  # no group needed: the strings sit at the baseline point
                x0, y0 = float(x), float(y)
            else:
                rad = math.radians(angle)
                cos, sin = math.cos(rad), math.sin(rad)
                group = new(blank_group, contents=[], transform=(cos, sin, -sin, cos, float(x), float(y)))
                target.append(group)
                target, x0, y0 = group.contents, 0.0, 0.0
            pieces = [(face, s)] if s.isascii() else [
                (face if font in (None, "", SANS) else registered(font), text) for font, text in runs(s)]
            if len(pieces) == 1:
                target.append(new(blank_string, x=x0, y=y0, text=s, fontName=pieces[0][0], textAnchor=anchor, **style))
                return
            # runs in several fonts, set one after another from the start of the line
            widths = [stringWidth(text, font, style["fontSize"]) for font, text in pieces]
            at = x0 - sum(widths) * {"start": 0.0, "middle": 0.5, "end": 1.0}[anchor]
            for (font, text), width in zip(pieces, widths):
                target.append(new(blank_string, x=at, y=y0, text=text, fontName=font, **style))
                at += width

    return _DrawingRenderer

