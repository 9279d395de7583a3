"""Names of water on a panel: rivers and canals along their course, lakes, reservoirs, seas, gulfs, straits.

The names come from Natural Earth's named layers (``geodata.named_lines``, ``geodata.named_areas``),
not from the brief: a river the brief never mentions is still named. Which features are named
follows the panel's scale (``geodata.label_zoom``, Natural Earth's ``min_label``): the Black Sea on a
country overview, the Donets on a 50 km detail.
"""

from __future__ import annotations

import math

import numpy as np

from .. import geodata
from ..geodata import LAKE_KINDS, MARINE_KINDS
from .labels import Placer
from .layers import clip_to_rect, geo_windows
from .projection import Proj, Rect
from .style import SMALL_PT, WATER_TEXT

RIVER_KINDS = frozenset({"river", "canal", "intermittent river"})
MAX_AREAS = 4  # names of lakes and seas per panel
MAX_RIVERS = 4  # names of rivers and canals per panel
#: A lake or sea up to this many zoom levels past the panel's is named too where its name fits inside it:
#: ``min_label`` is set for a screen's labels, and a panel of print shows the Sea of Azov (6) on a
#: country overview (zoom 4.1) large enough to hold its name.
AREA_RANK_SLACK = 2.0
CSS_PX_PER_IN = 96.0  # web-map pixels, the scale of ``min_label``


def panel_zoom(proj: Proj, view: Rect, placer: Placer) -> float:
    """The web-map zoom this panel matches (what ``max_rank`` a named feature needs to be named)."""
    width_in = placer.panel.width / 72.0
    return geodata.label_zoom(view.w, width_in * CSS_PX_PER_IN, proj.lat)


def label_water(proj: Proj, view: Rect, placer: Placer, label_boxes: list, panel: str, *,
                rivers: bool, land=None) -> list[tuple[str, str]]:
    """Name the most important water on the panel (areas, then rivers when ``rivers``); returns the
    (name, kind) of each name set.

    ``land`` is the land as drawn on the panel (projected km; a geometry or an array of polygons):
    a sea's name sits on the sea as drawn, not on a delta or cape its coarse polygon takes in.
    """

    windows = geo_windows(proj, view)
    zoom = panel_zoom(proj, view, placer)
    inner = geo_windows(proj, view.grow(-0.08))  # a name's point well inside the panel, not at its edge
    named: list[tuple[str, str]] = []
    areas = geodata.named_areas(windows, kinds=LAKE_KINDS | MARINE_KINDS, max_rank=zoom + AREA_RANK_SLACK)
    land = _Land(land)
    tried = 0
    for area in [a for a in areas if a.name]:
        if len(named) >= MAX_AREAS or tried >= MAX_AREAS * 2:
            break
        if area.name in {n for n, _k in named}:  # one name once: the parts of the Dead Sea are one sea
            continue
        done = _label_area(proj, view, placer, area, inner, land, inside_only=area.rank > zoom)
        tried += done is not None  # only the water shown counts as a try
        if done:
            label_boxes.append((panel, area.name, placer.labels[-1][1]))
            named.append((area.name, area.kind))
    if rivers:
        lines = geodata.named_lines(windows, kinds=RIVER_KINDS, max_rank=zoom)
        count = 0
        for line in lines[:MAX_RIVERS * 3]:
            if count >= MAX_RIVERS or not line.name or line.name in {n for n, _k in named}:
                continue
            if _label_river(proj, view, placer, line, windows):
                label_boxes.append((panel, line.name, placer.labels[-1][1]))
                named.append((line.name, line.kind))
                count += 1
    return named


def _label_area(proj: Proj, view: Rect, placer: Placer, area, inner, land: "_Land", *,
                inside_only: bool) -> bool | None:
    """Name one lake or sea: inside it where the name fits (a sea's on its water as drawn), a lake's
    beside it, else centred on the water over its shores (a gulf, a strait); False when none fits,
    None when the panel shows none of it (or, ``inside_only``, too little to hold its name).
    ``inside_only``: only inside (a feature named for its size on the panel, not its rank)."""
    import shapely

    pos = next((p for w in inner if (p := area.label_in(w)) is not None), None)
    if pos is None:
        return None
    # cut to the panel's lon/lat windows before projecting: an ocean's polygon is thousands of points
    near = shapely.union_all([shapely.clip_by_rect(area.geometry, *w) for w in geo_windows(proj, view)])
    if near.is_empty:
        return None
    water = clip_to_rect(projected(proj, near), view.x0, view.y0, view.x1, view.y1)
    size = SMALL_PT + (1.0 if area.kind in MARINE_KINDS and area.rank <= 4 else 0.0)
    props = dict(fontsize=size, color=WATER_TEXT, fontstyle="italic", zorder=18)
    w_px, h_px = placer.measure(area.name, **props)
    km_per_px = 1.0 / (placer.to_px(1.0, 0.0)[0] - placer.to_px(0.0, 0.0)[0])
    if water.is_empty or inside_only and water.area < w_px * h_px * km_per_px ** 2:
        return None
    x, y = (float(v) for v in proj.xy(*pos))
    if not (np.isfinite(x) and view.grow(-0.08).contains(x, y)):
        at = _pole_in_view(proj, view.grow(-0.08), area.geometry)  # the lon/lat box is wider than the panel
        if at is None:
            return False
        x, y = at
    sea = area.kind in MARINE_KINDS and land.present
    if sea and land.covers(x, y):  # the label point is on land as drawn here: the widest water
        water = land.carve(water)
        keep = view.grow(-0.08)
        pole = _widest(clip_to_rect(water, keep.x0, keep.y0, keep.x1, keep.y1))
        if pole is None:
            return False
        x, y = pole
    outside = placer.outside(water)
    on_land = land.touching(placer, clear_pt=1.5) if sea else None  # clear of the shore, not grazing it
    reject = outside if on_land is None else (lambda box: outside(box) or on_land(box))
    if placer.place(x, y, area.name, marker_pt=0, props=props, candidates="center", reject=reject) is not None:
        return True
    if area.kind in LAKE_KINDS:
        return not inside_only and placer.place(x, y, area.name, marker_pt=0, props=props,
                                                leader_ok=False) is not None
    # the open water nearest its label point (between islands, past a cape) that holds it; else, too
    # narrow for it (a gulf, a strait), centred on the water and mostly on it, over its shores
    if sea and placer.place_scan(x, y, area.name, props=props, within=water, reject=reject) is not None:
        return True  # all on open water, clear of the shore
    return any(placer.place_scan(x, y, area.name, props=props, within=water,
                                 reject=land.less_sea_than(placer, water, share)) is not None
               for share in ((0.85,) if inside_only else (0.85, 0.5)))


class _Land:
    """The panel's land as drawn (projected km: one geometry or an array of polygons), asked cheaply
    (each polygon prepared) and carved out of a sea only when its name needs the open water."""

    def __init__(self, land) -> None:
        import shapely

        if isinstance(land, shapely.Geometry):
            land = np.array([land], dtype=object)
        self.polys = land if land is not None else np.array([], dtype=object)
        self.present = bool(len(self.polys))
        self._union = None
        self._px = None

    def covers(self, x: float, y: float) -> bool:
        import shapely

        return bool(shapely.contains_xy(self.polys, x, y).any())

    def touching(self, placer: Placer, clear_pt: float = 0.0):
        """A test for ``reject``: does a pixel box come within ``clear_pt`` of the land?"""
        import shapely

        if self._px is None:
            from shapely.affinity import affine_transform

            m = placer.panel.affine
            self._px = np.array([affine_transform(g, m) for g in self.polys], dtype=object)
            shapely.prepare(self._px)
        m = placer.pt(clear_pt)
        return lambda box: bool(shapely.intersects(self._px, shapely.box(box[0] - m, box[1] - m, box[2] + m,
                                                                          box[3] + m)).any())

    def carve(self, water):
        """``water`` less the land: the sea as drawn."""
        import shapely

        land = self.polys[0] if len(self.polys) == 1 else shapely.union_all(shapely.make_valid(self.polys))
        return shapely.difference(shapely.make_valid(water), land)

    def less_sea_than(self, placer: Placer, water, share: float):
        """A test for ``reject``: is less than ``share`` of a pixel box on ``water`` (projected km) off the
        land? Measured in the box alone (each shape cut to it), not by carving the sea out of all the land."""
        import shapely

        from shapely.affinity import affine_transform

        # A shore cut at the panel's edge can project to a ring folded onto that edge (three points on one
        # line) that GEOS's fast clip refuses: ``clip_to_rect`` repairs it, and the fold holds no sea.
        water_px = affine_transform(water, placer.panel.affine)
        self.touching(placer)  # the land in pixels, prepared

        def reject(box) -> bool:
            cell = (box[2] - box[0]) * (box[3] - box[1])
            sea = clip_to_rect(water_px, *box)
            near = self._px[shapely.intersects(self._px, shapely.box(*box))] if self.present else []
            if len(near) and not sea.is_empty:  # small shapes, cut to the box: cheap to overlay
                try:
                    sea = shapely.difference(sea, shapely.union_all(shapely.make_valid(shapely.clip_by_rect(near,
                                                                                                          *box))))
                except shapely.errors.GEOSException:  # a shoreline GEOS cannot overlay here: no name on it
                    return True
            return float(shapely.area(sea)) < share * cell

        return reject


def projected(proj: Proj, geometry):
    """A lon/lat shapely geometry in the map's projection (km); points beyond it pushed far away."""
    import shapely

    def project(xy):
        x, y = proj.xy(xy[:, 0], xy[:, 1])
        return np.column_stack([np.nan_to_num(x, nan=1e7), np.nan_to_num(y, nan=1e7)])

    return shapely.transform(geometry, project)


def _pole_in_view(proj: Proj, view: Rect, geometry) -> tuple[float, float] | None:
    """The pole of inaccessibility of the largest part of ``geometry`` (lon/lat) inside ``view`` (projected)."""
    return _widest(clip_to_rect(projected(proj, geometry), view.x0, view.y0, view.x1, view.y1))


def _widest(km) -> tuple[float, float] | None:
    """The pole of inaccessibility of the largest polygon of ``km`` (where a name has most room)."""
    import shapely
    from shapely.ops import polylabel

    parts = [g for g in shapely.get_parts(km) if shapely.get_type_id(g) == 3 and not g.is_empty]
    if not parts:
        return None
    big = max(parts, key=lambda g: g.area)
    pt = polylabel(big, tolerance=max(0.01, big.area ** 0.5 / 50.0))
    return float(pt.x), float(pt.y)


def _label_river(proj: Proj, view: Rect, placer: Placer, line, windows) -> bool:
    """Set a river's name beside the longest stretch of it on the panel, rotated to the course there."""
    import shapely

    stretch = max((s for w in windows if (s := line.longest_in(w)) is not None), key=lambda s: s.length,
                  default=None)
    if stretch is None:
        return False
    lon, lat = shapely.get_coordinates(stretch).T
    x, y = proj.xy(lon, lat)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return False
    inner = view.grow(-0.04)
    km = shapely.clip_by_rect(shapely.LineString(np.column_stack([x[ok], y[ok]])), inner.x0, inner.y0, inner.x1,
                              inner.y1)
    parts = [p for p in shapely.get_parts(shapely.line_merge(km)) if shapely.get_type_id(p) == 1]
    if not parts:
        return False
    part = max(parts, key=lambda p: p.length)
    props = dict(fontsize=SMALL_PT, color=WATER_TEXT, fontstyle="italic", zorder=18)
    w_px, h_px = placer.measure(line.name, **props)
    px_per_km = placer.to_px(1.0, 0.0)[0] - placer.to_px(0.0, 0.0)[0]
    half = w_px / px_per_km / 2  # half the name's length, in km
    if part.length < 2.2 * half:
        return False
    for frac in (0.5, 0.35, 0.65, 0.2, 0.8):
        s = min(max(part.length * frac, half), part.length - half)
        a, b = part.interpolate(s - half), part.interpolate(s + half)
        ang = math.degrees(math.atan2(b.y - a.y, b.x - a.x))
        if ang > 90:
            ang -= 180
        elif ang < -90:
            ang += 180
        c = part.interpolate(s)
        off = h_px / 2 * 72.0 / placer.dpi + 1.2  # beside the line, clear of it
        nx, ny = -math.sin(math.radians(ang)) * off, math.cos(math.radians(ang)) * off
        t = placer.place_along(c.x, c.y, line.name, angle_deg=ang, offsets_pt=((nx, ny), (-nx, -ny)), props=props)
        if t is not None:
            return True
    return False
