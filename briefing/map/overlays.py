"""Overlays from the facts file (spec 2 ``map.areas`` and ``map.lines``), drawn on the detail panel.

Each kind has a colour, a hatch angle (areas) and a dash pattern (lines) from ``style.KINDS``, so
the kinds stay apart in greyscale. Hatching is drawn as real line geometry clipped to the area
(not a renderer pattern), so the PDF gets it as plain lines (``vector.py`` draws no patterns).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .canvas import Panel
from .projection import Proj, Rect
from .style import KINDS, LINE_WIDTH, hatch_segments, tint


@dataclass(frozen=True)
class Overlay:
    """One area or line: ``parts`` are polygons (shell, holes...) or line strings of (lon, lat)."""

    kind: str
    geometry: str  # "area" or "line"
    label: str
    parts: tuple


def project(overlay: Overlay, proj: Proj):
    """The overlay as one shapely geometry in projected km (invalid rings repaired)."""
    import shapely

    if overlay.geometry == "area":
        polys = [shapely.Polygon(p[0], p[1:]) for p in overlay.parts]
        geom = shapely.make_valid(shapely.MultiPolygon(polys)) if len(polys) > 1 else shapely.make_valid(polys[0])
    else:
        geom = shapely.MultiLineString([list(r) for r in overlay.parts])
    return shapely.transform(geom, proj.transform_coords)


def extent_points(projected: list) -> np.ndarray:
    """Corner points of every projected overlay, for framing the detail view."""
    import shapely

    if not projected:
        return np.zeros((0, 2))
    b = shapely.bounds(np.asarray(projected, dtype=object))
    return np.concatenate([b[:, [0, 1]], b[:, [2, 3]]])


def _hatch(geom, view: Rect, angle_deg: float, spacing: float):
    import shapely

    lines = hatch_segments((view.x0 + view.x1) / 2, (view.y0 + view.y1) / 2, math.hypot(view.w, view.h), angle_deg, spacing)
    return shapely.intersection(shapely.MultiLineString(lines), geom)


def draw(ax: Panel, overlays: list[tuple[Overlay, object]], view: Rect, km_per_pt: float) -> None:
    """Areas under lines, each kind in its style; clipped to the view."""
    import shapely

    box = shapely.box(view.x0, view.y0, view.x1, view.y1)
    for ov, geom in overlays:
        if ov.geometry != "area":
            continue
        st = KINDS[ov.kind]
        g = shapely.intersection(geom, box)
        polys = shapely.get_parts(g)
        polys = polys[(shapely.get_type_id(polys) == 3) & ~shapely.is_empty(polys)]
        if len(polys) == 0:
            continue
        ax.polys(polys, fill=tint(st.colour), zorder=6)
        ax.polys(polys, fill=None, stroke=st.colour, lw=0.9, zorder=6.2)
        area = shapely.union_all(polys)
        for ang in st.hatch_angles:
            h = shapely.get_parts(_hatch(area, view, ang, 4.0 * km_per_pt))
            h = h[(shapely.get_type_id(h) == 1) & ~shapely.is_empty(h)]  # a hatch far out can be an empty line
            if len(h):
                ax.lines(h, stroke=st.colour, lw=0.5, zorder=6.1)
    for ov, geom in overlays:
        if ov.geometry != "line":
            continue
        st = KINDS[ov.kind]
        parts = shapely.get_parts(shapely.intersection(geom, box))
        parts = parts[(shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)]
        if len(parts) == 0:
            continue
        ax.lines(parts, stroke="#ffffff", lw=LINE_WIDTH + 1.4, zorder=7, cap=1, join=1)
        # the dash pattern scaled by the line width, as matplotlib drew it
        ax.lines(parts, stroke=st.colour, lw=LINE_WIDTH, zorder=7.1, cap=0, join=1,
                 dash=[d * LINE_WIDTH for d in st.dash] if st.dash else None)
