"""The few drawing primitives the locator map uses, straight into a reportlab Drawing.

Why not matplotlib: the map's geometry is already projected and clipped by our own code (numpy,
shapely, pyproj), so a matplotlib Figure only cost time - 0.77 s to import ``matplotlib.figure`` in a
fresh process and about 0.5 s to draw and carry the figure over - for shapes reportlab draws in
milliseconds. A build whose charts are cached (or a brief without charts) now never imports matplotlib.

A ``Canvas`` is the figure (points, y up); a ``Panel`` is an axes: a data (projected km) to points
transform and a clip rectangle, its shapes drawn in ``zorder`` order under a frame. Every shape is also
kept as a ``Shape`` record in data coordinates, which the tests read (where a marker, a river or a lake
was drawn, in what colour).

Text is a reportlab ``String`` in our embedded fonts (searchable, extractable), measured by reportlab's
own ``stringWidth`` - the numbers the PDF sets it by - with runs a house font lacks (CJK, Arabic, Hebrew)
set in the fallback font ``glyphs.runs`` names. A label's white halo is the outline of its glyphs
(read with fontTools), stroked: a second String would be found twice by a reader's search and copy.
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from reportlab.graphics.shapes import Drawing, Group, Path, String
from reportlab.lib.colors import Color, HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import FILL_NON_ZERO

from ..fonts import ARABIC, HEBREW, SANS, SANS_BOLD, SANS_ITALIC, font_files, register_fonts, remembering
from ..glyphs import font_runs

#: A line of text's extent above and below its baseline, as a share of its size (the box matplotlib gave a label
#: in DejaVu Sans, 1.03 high): what label placement keeps clear.
ASCENT, DESCENT = 0.79, 0.24
_ANCHOR = {"left": "start", "center": "middle", "right": "end"}
_SHARE = {"start": 0.0, "middle": 0.5, "end": 1.0}


@dataclass
class Shape:
    """What was drawn, for the tests: ``parts`` are arrays of (x, y) in the panel's data coordinates."""

    kind: str  # "polys", "lines", "marker", "rect", "text"
    zorder: float
    fill: str | None = None
    stroke: str | None = None
    lw: float = 0.0
    parts: list = field(default_factory=list)
    text: str = ""
    size: float = 0.0
    marker: str = ""


def colour(c: str | None, alpha: float = 1.0) -> Color | None:
    """A reportlab colour for a "#rrggbb" (or "white", "none")."""
    if c is None or c == "none":
        return None
    if c == "white":
        c = "#ffffff"
    col = HexColor(c)
    return Color(col.red, col.green, col.blue, alpha=alpha) if alpha < 1.0 else col


def face(bold: bool = False, italic: bool = False) -> str:
    """The house sans face: bold wins over italic, as the map never sets both."""
    return SANS_BOLD if bold else SANS_ITALIC if italic else SANS


def text_width(text: str, font: str, size: float) -> float:
    """The width (points) the PDF gives ``text`` (already in visual order), runs in their fonts."""
    register_fonts()
    return sum(stringWidth(t, f, size) for f, t in font_runs(text, font))


def text_size(text: str, font: str, size: float) -> tuple[float, float]:
    """Width and height (points) of one line of ``text``: the box label placement keeps clear."""
    return text_width(text, font, size), (ASCENT + DESCENT) * size


def _path(points: list[float], operators: list[int], **style: Any) -> Path:
    p = Path(autoclose="svg", fillMode=FILL_NON_ZERO)
    p.__dict__.update(points=points, operators=operators, **style)  # unchecked: values made right here
    return p


def _stroke(stroke: str | None, lw: float, dash: Sequence[float] | None = None, cap: int = 0, join: int = 0,
            alpha: float = 1.0) -> dict[str, Any]:
    if stroke is None or stroke == "none" or lw <= 0:
        return {"strokeColor": None}
    return {"strokeColor": colour(stroke, alpha), "strokeWidth": float(lw), "strokeLineCap": cap,
            "strokeLineJoin": join, "strokeDashArray": list(dash) if dash else None}


# --------------------------------------------------------------------------------------------- halos
@functools.cache
def _font(font: str) -> Any:
    import io

    from fontTools.ttLib import TTFont

    # read whole: a lazily read font would keep its file open for the process
    return TTFont(io.BytesIO(font_files()[font].read_bytes()), lazy=True)


@functools.cache
def _glyphs(font: str) -> tuple[dict[int, str], Any, float, type]:
    """``font``'s character map, its glyphs, units per em, and a pen that records an outline (cubic)."""
    from fontTools.pens.basePen import BasePen

    class Pen(BasePen):
        def __init__(self, glyphs: Any) -> None:
            super().__init__(glyphs)
            self.ops: list[tuple] = []

        def _moveTo(self, p):  # noqa: ANN001
            self.ops.append((0, p))

        def _lineTo(self, p):  # noqa: ANN001
            self.ops.append((1, p))

        def _curveToOne(self, a, b, c):  # noqa: ANN001
            self.ops.append((2, a, b, c))

        def _closePath(self):
            self.ops.append((3,))

        _endPath = _closePath

    tt = _font(font)
    return tt.getBestCmap(), tt.getGlyphSet(), float(tt["head"].unitsPerEm), Pen


@functools.cache
def _glyph(font: str, ch: str) -> tuple[tuple, float]:
    """The outline of ``ch`` in ``font`` (cubic, in em units) and its units per em: from the outlines the
    installation's cache holds (``prepare_outlines``; not under ``--no-cache``, as the fonts), else drawn
    by fontTools."""
    if remembering() and (page := _prepared_page(font, ord(ch) >> 8)) is not None:
        upem, outlines = page
        return marshal.loads(outlines.get(ch, outlines[""])), upem
    return _drawn(font, ch)


def _drawn(font: str, ch: str) -> tuple[tuple, float]:
    cmap, glyphs, upem, pen_type = _glyphs(font)
    pen = pen_type(glyphs)
    glyphs[cmap.get(ord(ch), ".notdef")].draw(pen)
    return tuple(pen.ops), upem


# Why prepared: opening a face with fontTools (its character map and glyph set) costs 20-30 ms, and a
# map labels in three faces, so a map drawn in a fresh process paid about 0.1 s for its halos. The
# outlines of every character of the faces below are drawn once, at install (``briefing.prepare``), and
# kept by pages of 256 code points; a page is read (about 1 ms) when a label needs one of its characters.
OUTLINE_FORMAT = 1
#: The Sans faces and the Arabic and Hebrew fallbacks (the CJK one, 3.7 MB of ideographs, is drawn as needed).
PREPARED_FACES = (SANS, SANS_BOLD, SANS_ITALIC, ARABIC, HEBREW)


def _outlines_name(font: str, page: int) -> str:
    """The entry of one page of ``font``'s outlines: named by the font file (size, time) and fontTools' version."""
    import importlib.util

    path = font_files()[font]
    spec = importlib.util.find_spec("fontTools")
    lib = os.stat(spec.origin) if spec and spec.origin else None
    st = path.stat()
    text = json.dumps(["glyph-outlines", OUTLINE_FORMAT, font, path.name, st.st_size, st.st_mtime_ns,
                       lib and (lib.st_size, lib.st_mtime_ns), page])
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _prepared_face(font: str) -> tuple[float, bytes, frozenset[int]] | None:
    """Units per em, the missing glyph's outline and the pages that have characters, of a prepared face."""
    entry = _prepared(font, -1)
    if not (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[0], float) and isinstance(entry[1], bytes)
            and isinstance(entry[2], frozenset)):
        return None
    return entry


@functools.cache
def _prepared_page(font: str, page: int) -> tuple[float, dict[str, bytes]] | None:
    """Units per em and the outline of each character of one page (``""``: the missing glyph's), or None;
    each outline is loaded when a label uses its character (a whole page's tuples would take 4 ms)."""
    if (face := _prepared_face(font)) is None:
        return None
    upem, notdef, pages = face
    if page not in pages:
        return upem, {"": notdef}  # the font has no character there
    outlines = _prepared(font, page)
    return (upem, {"": notdef, **outlines}) if isinstance(outlines, dict) else None


def _prepared(font: str, page: int) -> Any:
    """What ``prepare_outlines`` wrote for one page of ``font`` (-1: the face's index), or None."""
    from .. import cache

    if font not in PREPARED_FACES or (payload := cache.read_installed(_outlines_name(font, page))) is None:
        return None
    try:  # marshal: tuples of numbers as they were (JSON would make lists to turn back), and no code runs
        return marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None  # not what prepare_outlines writes: drawn as without it


def prepare_outlines() -> None:
    """Write every page of the prepared faces' outlines into the cache (``briefing.prepare`` runs this)."""
    from .. import cache

    for font in PREPARED_FACES:
        cmap, _, upem, _ = _glyphs(font)
        pages: dict[int, dict[str, bytes]] = {}
        for code in sorted(cmap):
            pages.setdefault(code >> 8, {})[chr(code)] = marshal.dumps(_drawn(font, chr(code))[0])
        notdef = marshal.dumps(_drawn(font, "\uffff" if 0xFFFF not in cmap else "\U0010ffff")[0])
        for page, outlines in pages.items():
            cache.write(_outlines_name(font, page), marshal.dumps(outlines))
        cache.write(_outlines_name(font, -1), marshal.dumps((upem, notdef, frozenset(pages))))


def _outline(pieces: list[tuple[str, str]], x: float, y: float, size: float) -> tuple[list[float], list[int]]:
    """The glyph outlines of ``pieces`` set from (x, y) on the baseline, as reportlab points and operators."""
    points: list[float] = []
    operators: list[int] = []
    for font, text in pieces:
        for ch in text:
            ops, upem = _glyph(font, ch)
            k = size / upem
            for op in ops:
                operators.append(op[0])
                for px, py in op[1:]:
                    points += (round(x + px * k, 3), round(y + py * k, 3))
            x += stringWidth(ch, font, size)
    return points, operators


def text_nodes(x: float, y: float, text: str, *, size: float, fill: str, font: str = SANS, ha: str = "left",
               va: str = "baseline", rotation: float = 0.0, halo: float = 0.0, halo_colour: str = "#ffffff",
               line_pitch: float = 1.2) -> list[Any]:
    """``text`` (in visual order; lines split at "\\n") anchored at (x, y) points by ``ha``/``va``, turned
    ``rotation`` degrees about that point, with a halo ``halo`` points wide under it."""
    lines = text.split("\n")
    n = len(lines)
    pitch = line_pitch * size
    # the baseline of the first line, relative to y, for the block's vertical alignment
    top = {"baseline": 0.0, "bottom": DESCENT * size + (n - 1) * pitch, "top": -ASCENT * size,
           "center": ((n - 1) * pitch - (ASCENT - DESCENT) * size) / 2,
           "center_baseline": -0.365 * size}[va]
    anchor = _ANCHOR[ha]
    out: list[Any] = []
    halos: list[Any] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        by = top - i * pitch
        pieces = font_runs(line, font)
        widths = [stringWidth(t, f, size) for f, t in pieces]
        at = -sum(widths) * _SHARE[anchor]
        if halo > 0:
            pts, ops = _outline(pieces, at, by, size)
            halos.append(_path(pts, ops, fillColor=colour(halo_colour), strokeColor=colour(halo_colour),
                               strokeWidth=halo, strokeLineJoin=1, strokeLineCap=1, halo=True))
        for (f, t), w in zip(pieces, widths):
            s = String(0, 0, "")
            s.__dict__.update(x=round(at, 3), y=round(by, 3), text=t, fontName=f, fontSize=size,
                              fillColor=colour(fill), textAnchor="start")
            out.append(s)
            at += w
    nodes = halos + out
    rad = math.radians(rotation)
    g = Group()
    g.contents = nodes
    g.transform = (math.cos(rad), math.sin(rad), -math.sin(rad), math.cos(rad), float(x), float(y))
    return [g]


# --------------------------------------------------------------------------------------------- markers
def _marker_points(marker: str, size: float) -> tuple[list[tuple[float, float]], bool]:
    """The outline of a marker of ``size`` points (matplotlib's sizes) about (0, 0); True for a circle."""
    h = size / 2
    if marker == "o":
        return [], True
    if marker == "s":
        return [(-h, -h), (h, -h), (h, h), (-h, h)], False
    if marker == "D":
        d = h * math.sqrt(2)
        return [(0, -d), (d, 0), (0, d), (-d, 0)], False
    if marker == "^":
        return [(0, h), (-h, -h), (h, -h)], False
    if marker == "*":
        pts = []
        for k in range(10):
            r = h if k % 2 == 0 else h * 0.381966
            a = math.pi / 2 + k * math.pi / 5
            pts.append((r * math.cos(a), r * math.sin(a)))
        return pts, False
    raise ValueError(f"no marker {marker!r}")


def marker_nodes(xs: Sequence[float], ys: Sequence[float], marker: str, size: float, face_: str | None,
                 edge: str | None, edge_width: float) -> list[Any]:
    """One path holding a marker at each (x, y) points."""
    outline, circle = _marker_points(marker, size)
    points: list[float] = []
    operators: list[int] = []
    for x, y in zip(xs, ys):
        if circle:  # four Bezier quarters, as reportlab's own circle
            r, k = size / 2, 0.5523 * size / 2
            points += [x + r, y, x + r, y + k, x + k, y + r, x, y + r, x - k, y + r, x - r, y + k, x - r, y,
                       x - r, y - k, x - k, y - r, x, y - r, x + k, y - r, x + r, y - k, x + r, y]
            operators += [0, 2, 2, 2, 2, 3]
        else:
            for i, (dx, dy) in enumerate(outline):
                points += [x + dx, y + dy]
                operators.append(0 if i == 0 else 1)
            operators.append(3)
    return [_path([round(v, 3) for v in points], operators, fillColor=colour(face_),
                  **_stroke(edge, edge_width, join=0))]


# --------------------------------------------------------------------------------------------- canvas
class Canvas:
    """The figure: ``width`` by ``height`` points, y up; panels and figure-level shapes by zorder."""

    def __init__(self, width: float, height: float) -> None:
        register_fonts()
        self.width, self.height = width, height
        self.panels: list[Panel] = []
        self.shapes: list[Shape] = []  # figure-level records (points)
        self._items: list[tuple[float, int, Any]] = []

    def _add(self, zorder: float, nodes: list[Any], record: Shape) -> None:
        for n in nodes:
            self._items.append((zorder, len(self._items), n))
        self.shapes.append(record)

    def panel(self, x0: float, y0: float, w: float, h: float, view: Any) -> Panel:
        """An axes ``w`` by ``h`` points at (x0, y0) showing ``view`` (projected km), its sea behind."""
        p = Panel(self, (x0, y0, x0 + w, y0 + h), view)
        self.panels.append(p)
        return p

    def text(self, x: float, y: float, text: str, *, size: float, fill: str, font: str = SANS, ha: str = "left",
             va: str = "baseline", zorder: float = 3.0, line_pitch: float = 1.2) -> Shape:
        nodes = text_nodes(x, y, text, size=size, fill=fill, font=font, ha=ha, va=va, line_pitch=line_pitch)
        lines = text.split("\n")
        w = max(text_width(t, font, size) for t in lines)
        h = (ASCENT + DESCENT) * size + (len(lines) - 1) * line_pitch * size
        x0 = x - w * _SHARE[_ANCHOR[ha]]
        y0 = {"bottom": y, "top": y - h, "center": y - h / 2}.get(va, y - DESCENT * size)
        rec = Shape("text", zorder, fill=fill, text=text, size=size, parts=[np.array([[x0, y0], [x0 + w, y0 + h]])])
        self._add(zorder, nodes, rec)
        return rec

    def markers(self, xs: Sequence[float], ys: Sequence[float], marker: str, size: float, face_: str | None,
                edge: str | None = None, edge_width: float = 0.0, zorder: float = 2.0) -> None:
        self._add(zorder, marker_nodes(xs, ys, marker, size, face_, edge, edge_width),
                  Shape("marker", zorder, fill=face_, stroke=edge, marker=marker, parts=[np.column_stack([xs, ys])]))

    def line(self, xs: Sequence[float], ys: Sequence[float], stroke: str, lw: float,
             dash: Sequence[float] | None = None, zorder: float = 2.0) -> None:
        pts = [round(float(v), 3) for xy in zip(xs, ys) for v in xy]
        self._add(zorder, [_path(pts, [0] + [1] * (len(xs) - 1), fillColor=None, **_stroke(stroke, lw, dash))],
                  Shape("lines", zorder, stroke=stroke, lw=lw, parts=[np.column_stack([xs, ys])]))

    def rect(self, x: float, y: float, w: float, h: float, fill: str | None, stroke: str | None, lw: float,
             zorder: float = 1.0) -> None:
        self._add(zorder, [_rect_path(x, y, w, h, fill, stroke, lw)],
                  Shape("rect", zorder, fill=fill, stroke=stroke, lw=lw, parts=[np.array([[x, y], [x + w, y + h]])]))

    def drawing(self) -> Drawing:
        """Everything drawn, as a reportlab Drawing: each panel (clipped, framed), then the figure's shapes."""
        d = Drawing(self.width, self.height)
        d.initialFontName = SANS  # renderPDF starts a drawing in Helvetica (never embedded) unless told
        for p in self.panels:
            d.contents.extend(p.nodes())
        d.contents.extend(n for _z, _i, n in sorted(self._items, key=lambda t: (t[0], t[1])))
        return d


def _rect_path(x: float, y: float, w: float, h: float, fill: str | None, stroke: str | None, lw: float,
               alpha: float = 1.0, radius: float = 0.0) -> Path:
    if radius > 0:  # corners as quarter circles (Bezier)
        r, k = radius, radius * 0.4477
        pts = [x + r, y, x + w - r, y, x + w - k, y, x + w, y + k, x + w, y + r, x + w, y + h - r, x + w, y + h - k,
               x + w - k, y + h, x + w - r, y + h, x + r, y + h, x + k, y + h, x, y + h - k, x, y + h - r, x, y + r,
               x, y + k, x + k, y, x + r, y]
        ops = [0, 1, 2, 1, 2, 1, 2, 1, 2, 3]
    else:
        pts, ops = [x, y, x + w, y, x + w, y + h, x, y + h], [0, 1, 1, 1, 3]
    return _path([round(v, 3) for v in pts], ops, fillColor=colour(fill, alpha), **_stroke(stroke, lw, join=0))


class Panel:
    """An axes: ``view`` (projected km) shown in ``box`` (points), its shapes clipped to the box."""

    FRAME = "#444444"

    def __init__(self, canvas: Canvas, box: tuple[float, float, float, float], view: Any) -> None:
        self.canvas, self.box, self.view = canvas, box, view
        self.sx = (box[2] - box[0]) / view.w
        self.sy = (box[3] - box[1]) / view.h
        self.tx = box[0] - view.x0 * self.sx
        self.ty = box[1] - view.y0 * self.sy
        self.shapes: list[Shape] = []
        self._items: list[tuple[float, int, Any]] = []

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def affine(self) -> list[float]:
        """The data-to-points transform as shapely's ``affine_transform`` takes it."""
        return [self.sx, 0.0, 0.0, self.sy, self.tx, self.ty]

    def to_pt(self, x: float, y: float) -> tuple[float, float]:
        return float(x * self.sx + self.tx), float(y * self.sy + self.ty)

    def _xy(self, coords: np.ndarray) -> np.ndarray:
        return np.round(coords * (self.sx, self.sy) + (self.tx, self.ty), 3)

    def _add(self, zorder: float, node: Any, record: Shape) -> None:
        self._items.append((zorder, len(self._items), node))
        self.shapes.append(record)

    def polys(self, polys: Any, *, fill: str | None, stroke: str | None = None, lw: float = 0.0,
              zorder: float = 1.0) -> None:
        """Polygons (shapely, data coordinates) filled and/or outlined, as one path."""
        import shapely

        if len(polys) == 0:
            return
        _t, coords, (ring_off, _poly_off) = shapely.to_ragged_array(np.asarray(polys, dtype=object))
        ops = np.ones(len(coords), dtype=np.int8)
        ops[ring_off[:-1]] = 0
        last = ring_off[1:] - 1  # a ring's closing vertex (its first again): the close operator instead
        ops[last] = 3
        keep = np.ones(len(coords), dtype=bool)
        keep[last] = False
        out_ops = ops.tolist()
        pts = self._xy(coords)[keep].ravel().tolist()
        self._add(zorder, _path(pts, out_ops, fillColor=colour(fill), **_stroke(stroke, lw, join=0)),
                  Shape("polys", zorder, fill=fill, stroke=stroke, lw=lw,
                        parts=np.split(coords, ring_off[1:-1])))

    def lines(self, lines: Any, *, stroke: str, lw: float, zorder: float = 2.0, dash: Sequence[float] | None = None,
              cap: int = 0, join: int = 0) -> None:
        """Line strings (shapely, data coordinates) stroked, as one path."""
        import shapely

        if len(lines) == 0:
            return
        coords, idx = shapely.get_coordinates(np.asarray(lines, dtype=object), return_index=True)
        ops = np.ones(len(coords), dtype=np.int8)
        starts = np.concatenate([[0], np.flatnonzero(np.diff(idx)) + 1])
        ops[starts] = 0
        self._add(zorder, _path(self._xy(coords).ravel().tolist(), ops.tolist(), fillColor=None,
                                **_stroke(stroke, lw, dash, cap, join)),
                  Shape("lines", zorder, stroke=stroke, lw=lw, parts=np.split(coords, starts[1:])))

    def polyline(self, xs: Sequence[float], ys: Sequence[float], *, stroke: str, lw: float, zorder: float) -> None:
        """One line through data points (a leader)."""
        import shapely

        self.lines([shapely.linestrings(np.column_stack([xs, ys]))], stroke=stroke, lw=lw, zorder=zorder)

    def markers(self, xs: Sequence[float], ys: Sequence[float], marker: str, size: float, face_: str | None,
                edge: str | None = None, edge_width: float = 0.0, zorder: float = 2.0) -> None:
        """Markers of ``size`` points at data points."""
        pts = [self.to_pt(x, y) for x, y in zip(xs, ys)]
        self._add(zorder, marker_nodes([p[0] for p in pts], [p[1] for p in pts], marker, size, face_, edge, edge_width)[0],
                  Shape("marker", zorder, fill=face_, stroke=edge, marker=marker,
                        parts=[np.column_stack([np.asarray(xs, float), np.asarray(ys, float)])]))

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str | None, stroke: str | None, lw: float,
             zorder: float, alpha: float = 1.0, radius_pt: float = 0.0) -> None:
        """A rectangle in data coordinates; ``radius_pt`` rounds its corners."""
        (x0, y0), (x1, y1) = self.to_pt(x, y), self.to_pt(x + w, y + h)
        self._add(zorder, _rect_path(x0, y0, x1 - x0, y1 - y0, fill, stroke, lw, alpha, radius_pt),
                  Shape("rect", zorder, fill=fill, stroke=stroke, lw=lw, parts=[np.array([[x, y], [x + w, y + h]])]))

    def arrow(self, x: float, y: float, x2: float, y2: float, *, stroke: str, lw: float, head_length: float,
              head_width: float, zorder: float) -> None:
        """A line from data point (x, y) to (x2, y2) ending in a filled head (points long, half-wide)."""
        (a, b), (c, d) = self.to_pt(x, y), self.to_pt(x2, y2)
        ang = math.atan2(d - b, c - a)
        ux, uy = math.cos(ang), math.sin(ang)
        bx, by = c - head_length * ux, d - head_length * uy
        shaft = _path([round(v, 3) for v in (a, b, bx, by)], [0, 1], fillColor=None, **_stroke(stroke, lw))
        head = _path([round(v, 3) for v in (c, d, bx - head_width * uy, by + head_width * ux,
                                            bx + head_width * uy, by - head_width * ux)], [0, 1, 1, 3],
                     fillColor=colour(stroke), **_stroke(stroke, lw, join=0))
        g = Group(shaft, head)
        self._add(zorder, g, Shape("lines", zorder, stroke=stroke, lw=lw, parts=[np.array([[x, y], [x2, y2]])]))

    def text_pt(self, x: float, y: float, text: str, *, size: float, fill: str, font: str = SANS, ha: str = "left",
                va: str = "baseline", rotation: float = 0.0, halo: float = 0.0, zorder: float = 20.0) -> None:
        """``text`` (visual order) anchored at (x, y) points."""
        (node,) = text_nodes(x, y, text, size=size, fill=fill, font=font, ha=ha, va=va, rotation=rotation, halo=halo)
        self._add(zorder, node, Shape("text", zorder, fill=fill, text=text, size=size,
                                      parts=[np.array([[(x - self.tx) / self.sx, (y - self.ty) / self.sy]])]))

    def text(self, x: float, y: float, text: str, **kw: Any) -> None:
        """``text`` anchored at data point (x, y)."""
        self.text_pt(*self.to_pt(x, y), text, **kw)

    def nodes(self) -> list[Any]:
        """The panel for the Drawing: the sea, its shapes by zorder, clipped to the box, then its frame."""
        from .style import SEA

        x0, y0, x1, y1 = self.box
        clip = _path([x0, y0, x1, y0, x1, y1, x0, y1], [0, 1, 1, 1, 3], fillColor=None, strokeColor=None,
                     strokeWidth=0, isClipPath=1, autoclose=None)
        g = Group()
        g.contents = [clip, _rect_path(x0, y0, x1 - x0, y1 - y0, SEA, None, 0)]
        g.contents += [n for _z, _i, n in sorted(self._items, key=lambda t: (t[0], t[1]))]
        return [g, _rect_path(x0, y0, x1 - x0, y1 - y0, None, self.FRAME, 0.6)]
