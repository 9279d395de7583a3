"""The matplotlib renderer behind ``vector.figure_to_drawing``: figure calls in, reportlab shapes out.

Why a module of its own: the class's base is matplotlib's ``RendererBase``, so importing this module
imports matplotlib; ``vector`` imports it only when a figure is drawn, and a build from cached
drawings never does. What the Drawing keeps, and why, is said in ``vector``'s docstring.

The work is split as matplotlib calls it: ``segments`` turns a path into reportlab points and
operators, ``DrawingRenderer._target`` finds the clipped group a shape goes into, ``draw_path``
styles a path, and ``draw_text`` places a string (``_text_face``, ``_baseline_anchor``,
``_text_target``) and sets its runs of fonts (``_set_runs``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.backend_bases import RendererBase
from matplotlib.font_manager import weight_dict
from matplotlib.path import Path as MplPath
from reportlab.graphics.shapes import Drawing, Group, Path, String
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import FILL_NON_ZERO

from .fonts import SANS, SANS_BOLD, SANS_ITALIC
from .glyphs import font_runs

_CAPS = {"butt": 0, "round": 1, "projecting": 2}
_JOINS = {"miter": 0, "round": 1, "bevel": 2}
_HA = {"left": "start", "center": "middle", "right": "end"}
_ANCHOR_SHARE = {"start": 0.0, "middle": 0.5, "end": 1.0}

# matplotlib path codes -> reportlab operators (moveTo 0, lineTo 1, curveTo 2, closePath 3)
_OPS = np.full(max(MplPath.CLOSEPOLY, MplPath.CURVE4) + 1, -1, dtype=np.int8)
_OPS[MplPath.MOVETO], _OPS[MplPath.LINETO], _OPS[MplPath.CLOSEPOLY] = 0, 1, 3
_OPS[MplPath.CURVE3] = _OPS[MplPath.CURVE4] = 2


def _firsts(mask: Any, every: int) -> Any:
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
        return verts[(codes == MplPath.MOVETO) | (codes == MplPath.LINETO)].ravel().tolist(), _OPS[lines].tolist()
    quad = _firsts(codes == MplPath.CURVE3, 2)
    heads = (codes == MplPath.MOVETO) | (codes == MplPath.LINETO) | (codes == MplPath.CLOSEPOLY) | quad | _firsts(
        codes == MplPath.CURVE4, 3)
    # every vertex is drawn once but a closing one (none) and a quadratic control point (two)
    counts = np.where((codes == MplPath.CLOSEPOLY) | (codes == MplPath.STOP), 0, np.where(quad, 2, 1))
    points = np.repeat(verts, counts, axis=0)
    if quad.any():
        _quadratic_to_cubic(points, verts, codes, quad, counts)
    return points.ravel().tolist(), _OPS[codes[heads]].tolist()


def _quadratic_to_cubic(points: Any, verts: Any, codes: Any, quad: Any, counts: Any) -> None:
    """Write each quadratic curve's two cubic control points into ``points`` (in place)."""
    idx = np.arange(len(codes))
    at = np.flatnonzero(quad)
    before = at - 1  # the current point: the previous vertex, or after a close the subpath's start
    subpath = np.maximum.accumulate(np.where(codes == MplPath.MOVETO, idx, 0))
    before = np.where(codes[before] == MplPath.CLOSEPOLY, subpath[before], before)
    p0, q, end = verts[before], verts[at], verts[at + 1]
    out = (np.cumsum(counts) - counts)[at]
    points[out] = p0 + (q - p0) * (2 / 3)
    points[out + 1] = end + (q - end) * (2 / 3)


# Shapes are made by copying a blank one and setting what differs, unchecked: reportlab checks
# every attribute as it is set (each number of a path's thousands), most of the drawing time, for
# values made right here.
_BLANK_PATH = Path(autoclose="svg", fillMode=FILL_NON_ZERO)
_BLANK_STRING = String(0, 0, "")
_BLANK_GROUP = Group()


def _new(blank: Any, **attrs: Any) -> Any:
    shape = object.__new__(type(blank))
    shape.__dict__.update(blank.__dict__, **attrs)
    return shape


def _colour(rgb: Any, alpha: float) -> Color:
    return Color(float(rgb[0]), float(rgb[1]), float(rgb[2]), alpha=float(alpha))


def _clip_key(gc: Any) -> tuple[Any, Any]:
    """What identifies ``gc``'s clip: its rectangle's bounds and its clip path's bytes and transform."""
    rect = gc.get_clip_rectangle()
    clip_path, clip_transform = gc.get_clip_path()
    return (None if rect is None else tuple(float(v) for v in rect.bounds),
            None if clip_path is None else (clip_path.vertices.tobytes(),
                                            None if clip_path.codes is None else clip_path.codes.tobytes(),
                                            tuple(clip_transform.to_values())))


def _clip_shape(points: list[float], operators: list[int]) -> Path:
    return _new(_BLANK_PATH, points=points, operators=operators, isClipPath=1, autoclose=None, fillColor=None,
                strokeColor=None, strokeWidth=0)


def _stroke_style(gc: Any, rgb: Any, alpha: float) -> dict[str, Any]:
    """The stroke colour, width, dashes, caps and joins of ``gc``."""
    offset, dashes = gc.get_dashes()
    pattern = [float(v) for v in dashes] if dashes is not None and len(dashes) else None
    return {"strokeColor": _colour(rgb, alpha), "strokeWidth": float(gc.get_linewidth()),
            "strokeLineCap": _CAPS[gc.get_capstyle()], "strokeLineJoin": _JOINS[gc.get_joinstyle()],
            "strokeDashArray": [float(offset), pattern] if pattern and offset else pattern}


def _text_face(prop: Any) -> str:
    """The house face for matplotlib's font properties: bold, italic or regular."""
    weight = prop.get_weight()
    if weight_dict.get(weight, weight) >= 600:
        return SANS_BOLD
    return SANS_ITALIC if prop.get_style() in ("italic", "oblique") else SANS


def _baseline_anchor(x: float, y: float, angle: float, mtext: Any) -> tuple[float, float, str]:
    """The point and anchor a string is set at, so the PDF's own string width aligns it.

    Anchored at matplotlib's alignment point (as the SVG backend does), moved along the text's
    vertical onto the baseline; otherwise the baseline's start, as matplotlib gave it.
    """
    if mtext is None or not (angle == 0 or mtext.get_rotation_mode() == "anchor"):
        return x, y, "start"
    ax_, ay_ = mtext.get_transform().transform(mtext.get_unitless_position())
    rad = math.radians(angle)
    ux, uy = -math.sin(rad), math.cos(rad)
    lift = (x - ax_) * ux + (y - ay_) * uy
    return ax_ + lift * ux, ay_ + lift * uy, _HA[mtext.get_ha()]


class DrawingRenderer(RendererBase):
    """Draws a matplotlib Figure into ``self.drawing`` (see ``vector``'s docstring)."""

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
        key = _clip_key(gc)
        if key == self._clip:
            return self._shapes
        self._clip = key
        if key == (None, None):
            self._shapes = self.drawing.contents
            return self._shapes
        self._shapes = []
        if key[0] is not None:
            x, y, w, h = key[0]
            self._shapes.append(_clip_shape([x, y, x + w, y, x + w, y + h, x, y + h], [0, 1, 1, 1, 3]))
        clip_path, clip_transform = gc.get_clip_path()
        if clip_path is not None:
            self._shapes.append(_clip_shape(*segments(clip_path, clip_transform, None, False)))
        self.drawing.contents.append(_new(_BLANK_GROUP, contents=self._shapes))
        return self._shapes

    def draw_path(self, gc: Any, path: Any, transform: Any, rgbFace: Any = None) -> None:
        if gc.get_hatch() is not None:
            raise NotImplementedError("hatch patterns are not drawn into the PDF: draw hatching as lines "
                                      "(as briefing/map/overlays.py does for the map)")
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
        style: dict[str, Any] = {"fillColor": _colour(rgbFace, fill_alpha) if fill else None}
        style.update(_stroke_style(gc, rgb, stroke_alpha) if stroke else {"strokeColor": None})
        self._target(gc).append(_new(_BLANK_PATH, points=points, operators=operators, **style))

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
        face = _text_face(prop)
        style = {"fontSize": float(prop.get_size_in_points()), "fillColor": _colour(rgb, alpha)}
        x, y, anchor = _baseline_anchor(x, y, angle, mtext)
        target, x0, y0 = self._text_target(gc, x, y, angle)
        _set_runs(target, s, face, x0, y0, anchor, style)

    def _text_target(self, gc: Any, x: float, y: float, angle: float) -> tuple[list[Any], float, float]:
        """Where a string's pieces go and their baseline point: a rotated group for turned text."""
        target = self._target(gc)
        if angle == 0:  # no group needed: the strings sit at the baseline point
            return target, float(x), float(y)
        rad = math.radians(angle)
        cos, sin = math.cos(rad), math.sin(rad)
        group = _new(_BLANK_GROUP, contents=[], transform=(cos, sin, -sin, cos, float(x), float(y)))
        target.append(group)
        return group.contents, 0.0, 0.0


def _set_runs(target: list[Any], s: str, face: str, x0: float, y0: float, anchor: str, style: dict[str, Any]) -> None:
    """``s`` as Strings: one in ``face``, or its runs in the fonts that have them, set one after another."""
    pieces = font_runs(s, face)
    if len(pieces) == 1:
        target.append(_new(_BLANK_STRING, x=x0, y=y0, text=s, fontName=pieces[0][0], textAnchor=anchor, **style))
        return
    # runs in several fonts, set one after another from the start of the line
    widths = [stringWidth(text, font, style["fontSize"]) for font, text in pieces]
    at = x0 - sum(widths) * _ANCHOR_SHARE[anchor]
    for (font, text), width in zip(pieces, widths):
        target.append(_new(_BLANK_STRING, x=at, y=y0, text=text, fontName=font, **style))
        at += width
