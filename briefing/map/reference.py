"""Ice caps and glaciers, and reference points (peaks, airports, ports), from Natural Earth's named layers.

Ice is drawn with the base map and named in the panel's label pass, as water is. Reference points are
bounded (a few per detail panel, most important first by ``rank`` at the panel's scale) and, like
towns, drawn only when their name fits: an unnamed symbol would only puzzle.
"""

from __future__ import annotations

import numpy as np

from .. import geodata
from ..geodata import ICE_KINDS, normalise_name
from .labels import Placer
from .canvas import Panel
from .layers import clip_to_rect, geo_windows
from .projection import Proj, Rect
from .style import ICE, ICE_TEXT, REF_POINT, SMALL_PT, WATER_LINE
from .water import _pole_in_view, panel_zoom, projected

MAX_ICE_NAMES = 2
MAX_POINTS = 3
#: The symbol of each kind of reference point: legend key, marker (canvas.marker_nodes), size (points), filled.
POINT_STYLE = {"mountain": ("peak", "^", 3.6, True), "airport": ("airport", "s", 3.0, False),
               "military airport": ("airport", "s", 3.0, False), "port": ("port", "D", 2.8, False)}


def draw_ice(panel: Panel, proj: Proj, view: Rect) -> list:
    """Draw the ice caps and glaciers on the panel; returns the named ones (most important first)."""
    import shapely

    windows = geo_windows(proj, view)
    areas = geodata.named_areas(windows, kinds=ICE_KINDS)
    if not areas:
        return []
    box = view.grow(0.02)
    geoms = [clip_to_rect(projected(proj, a.geometry), box.x0, box.y0, box.x1, box.y1) for a in areas]
    parts = shapely.get_parts(np.array(geoms, dtype=object))
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    if len(parts):
        panel.polys(parts, fill=ICE, stroke=WATER_LINE, lw=0.3, zorder=1.55)
    return [a for a, g in zip(areas, geoms) if a.name and not g.is_empty]


def label_ice(proj: Proj, view: Rect, placer: Placer, ice: list, label_boxes: list, panel: str,
              skip: frozenset = frozenset()) -> None:
    """Name the most important ice caps drawn, inside them; not one ``skip`` names (normalised): the
    brief's own places are named already (Eyjafjallajokull the location, not again as ice)."""
    zoom = panel_zoom(proj, view, placer)
    named = 0
    for area in ice:
        if named >= MAX_ICE_NAMES or area.rank > zoom + 1 or normalise_name(area.name) in skip:
            continue
        at = _pole_in_view(proj, view.grow(-0.06), area.geometry)
        if at is None:
            continue
        props = dict(fontsize=SMALL_PT, color=ICE_TEXT, fontstyle="italic", zorder=18)
        if placer.place(at[0], at[1], area.name, marker_pt=0, props=props, candidates="center") is not None:
            label_boxes.append((panel, area.name, placer.labels[-1][1]))
            named += 1


def reference_points(proj: Proj, view: Rect, placer: Placer, label_boxes: list, panel: str,
                     skip: frozenset = frozenset()) -> set[str]:
    """Peaks (with their height), airports and ports on the panel, a few, by rank, none that ``skip``
    names (the brief's places, normalised); returns the legend keys used."""
    zoom = panel_zoom(proj, view, placer)
    points = geodata.named_points(geo_windows(proj, view), kinds=POINT_STYLE.keys(), max_rank=zoom)
    inner = view.grow(-0.04)
    used: set[str] = set()
    placed = 0
    for p in points:
        if placed >= MAX_POINTS:
            break
        if normalise_name(p.name) in skip:
            continue
        x, y = (float(v) for v in proj.xy(p.lon, p.lat))
        if not (np.isfinite(x) and inner.contains(x, y)):
            continue
        key, marker, size, filled = POINT_STYLE[p.kind]
        px, py = placer.to_px(x, y)
        r = placer.pt(size / 2 + 0.4)
        if not placer.free((px - r, py - r, px + r, py + r), 0.0):
            continue
        placer.block_point(x, y, size / 2 + 0.4)
        name = f"{p.name} {p.elevation:,} m" if key == "peak" and p.elevation else p.name
        props = dict(fontsize=SMALL_PT - 0.5, color=REF_POINT, zorder=15)
        if placer.place(x, y, name, marker_pt=size / 2, leader_ok=False, props=props) is None:
            placer.obstacles.pop()
            continue
        label_boxes.append((panel, name, placer.labels[-1][1]))
        placer.panel.markers([x], [y], marker, size, REF_POINT if filled else "#ffffff",
                             None if filled else REF_POINT, 0.0 if filled else 0.7, zorder=14)
        used.add(key)
        placed += 1
    return used
