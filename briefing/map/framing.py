"""Framing the two panels: the detail around the location and the brief's places and overlays, the
overview around the home country (its parts near the location) with enough of its surroundings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import geodata
from .layers import clip_layer, clip_to_rect
from .overlays import Overlay, extent_points
from .overlays import project as overlay_geometry
from .projection import MapPoint, Proj, Rect, aspect_rect

MIN_DETAIL_HALF_KM = 20.0  # wide enough to show a few towns around the location
MIN_OVERVIEW_HALF_KM = 180.0
#: A country whose main part fits in an overview this wide (half its width or height) is shown whole:
#: the lower 48 United States for Los Angeles or New Orleans, where the reader places the state.
WHOLE_COUNTRY_HALF_KM = 2400.0
#: A larger one (Russia, Canada) shows its part around the location, with the neighbours that place it:
#: the whole of Canada from Montreal is mostly Arctic islands, with Montreal at the bottom edge.
MAX_OVERVIEW_HALF_KM = 1400.0
MAX_ISLAND_HALF_KM = 3600.0  # an island's overview widens up to this until another country's land shows


def detail_view(proj: Proj, location: MapPoint, places: Sequence[MapPoint], overlays: Sequence[Overlay],
                 aspect: float):
    """The places projected, the overlays projected, and the detail frame around them all."""
    lons = np.array([location.lon] + [p.lon for p in places])
    lats = np.array([location.lat] + [p.lat for p in places])
    px_, py_ = proj.xy(lons, lats)
    projected = [(ov, overlay_geometry(ov, proj)) for ov in overlays]
    ext = extent_points([g for _ov, g in projected])
    ex, ey = np.concatenate([px_, ext[:, 0]]), np.concatenate([py_, ext[:, 1]])
    # centred halfway between the location (0, 0) and the middle of everything shown: the location
    # towards the middle, and a margin round every place and overlay (what lies just past them shows)
    cx, cy = (ex.min() + ex.max()) / 4, (ey.min() + ey.max()) / 4
    half_w = float(np.abs(ex - cx).max()) * 1.25 + 3.0
    half_h = float(np.abs(ey - cy).max()) * 1.3 + 2.0
    half_h = max(half_h, MIN_DETAIL_HALF_KM)
    return px_, py_, projected, aspect_rect(cx, cy, half_w, half_h, aspect)


def overview_view(proj: Proj, home_units: np.ndarray, detail: Rect, aspect: float) -> Rect:
    """Frame the home country (whole where it fits, else its parts near the location) and the detail area."""
    layer = geodata.admin0("coarse")
    xs, ys = _home_extent(layer, proj, home_units, detail, 2 * WHOLE_COUNTRY_HALF_KM)
    limit = float("inf")  # shown whole, however the panel's shape needs it
    if max(xs) - min(xs) > 2 * WHOLE_COUNTRY_HALF_KM or max(ys) - min(ys) > 2 * WHOLE_COUNTRY_HALF_KM:
        limit = MAX_OVERVIEW_HALF_KM
        xs, ys = _home_extent(layer, proj, home_units, detail, 1.2 * limit)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw = (x1 - x0) / 2 * 1.08
    hh = (y1 - y0) / 2 * 1.08
    floor = max(MIN_OVERVIEW_HALF_KM, 2.5 * max(detail.w, detail.h) / 2)
    hh = max(hh, hw / aspect, floor)
    hh = min(hh, max(limit, 2.5 * max(detail.w, detail.h) / 2))
    view = aspect_rect(cx, cy, hh * aspect, hh, aspect)
    # an island alone says nothing of where it is: widen until another country's land shows
    for _ in range(4):
        if _others_show(layer, proj, view, home_units) or view.h / 2 > MAX_ISLAND_HALF_KM:
            break
        view = view.grow(0.35)
    # keep the detail frame inside
    dx = max(0.0, detail.x1 - view.x1) - max(0.0, view.x0 - detail.x0)
    dy = max(0.0, detail.y1 - view.y1) - max(0.0, view.y0 - detail.y0)
    return Rect(view.x0 + dx, view.y0 + dy, view.x1 + dx, view.y1 + dy)


def _home_extent(layer, proj: Proj, home_units: np.ndarray, detail: Rect, radius: float,
                 ) -> tuple[list[float], list[float]]:
    """The x and y bounds of the detail frame and of the home country's land within ``radius`` km of
    the location (of each of its polygons that comes near enough to count)."""
    xs, ys = [detail.x0, detail.x1], [detail.y0, detail.y1]
    reach = max(1500.0, 3 * max(detail.w, detail.h))
    for p in np.flatnonzero(np.isin(layer.poly_unit, home_units)):
        r0 = np.searchsorted(layer.ring_poly, p)
        s, e = layer.ring_start[r0], layer.ring_start[r0 + 1]
        bb = layer.poly_bbox[p]
        # cheap reject: polygons far away in latitude
        if abs((bb[1] + bb[3]) / 2 - proj.lat) > 60:
            continue
        x, y = proj.xy(layer.xy[s:e, 0], layer.xy[s:e, 1])
        d = np.hypot(x, y)
        ok = np.isfinite(d)
        if not ok.any() or d[ok].min() > reach:
            continue
        near = ok & (d < radius)
        xs.extend([float(x[near].min()), float(x[near].max())] if near.any() else [])
        ys.extend([float(y[near].min()), float(y[near].max())] if near.any() else [])
    return xs, ys


def _others_show(layer, proj: Proj, view: Rect, home_units: np.ndarray) -> bool:
    """Does land of another country cover at least 2 % of ``view``?"""
    import shapely

    others = np.setdiff1d(np.unique(layer.poly_unit), home_units)
    other = clip_layer(layer, proj, view, units=others, lines=False, min_km2=0.002 * view.w * view.h).polys
    return bool(len(other)) and float(np.nansum(shapely.area(clip_to_rect(other, view.x0, view.y0, view.x1, view.y1)))) > 0.02 * view.w * view.h
