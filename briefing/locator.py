"""The two-panel locator map: an overview of the country and a detail of the location and places.

Drawn with matplotlib in an azimuthal equidistant projection centred on the location (pyproj), so
distances from the location are true to scale, shapes are good at any latitude and the antimeridian
needs no special case in the drawing. The map data is vendored under ``assets/map`` (Natural Earth,
GeoNames; see ``briefing/geodata.py``), loaded once per process and clipped to the view.

Labels are placed greedily: for each label in priority order, candidate positions around its marker
are tried (text extents measured by the renderer) and the first one that stays inside the panel and
clear of every marker, other label and map furniture wins; farther candidates get a leader line; a
label that fits nowhere is left off with a warning. The result is deterministic.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import geodata
from .geodata import ATTRIBUTION, normalise_name
from .glyphs import needs_fallback, visual
from .vector import ACCENT, ALERT, INK, MUTED, figure_to_svg, house_style

__all__ = ["MapPoint", "PlaceDistance", "LocatorMap", "render_locator_map", "distance_and_bearing"]


@dataclass(frozen=True)
class MapPoint:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PlaceDistance:
    name: str
    km: float
    mi: float
    bearing_deg: float
    compass: str


@dataclass(frozen=True)
class LocatorMap:
    svg: bytes
    distances: tuple[PlaceDistance, ...]
    attribution: str
    data_note: str
    warnings: tuple[str, ...]


DATA_NOTE = (
    "Distances and bearings: geodesics on the WGS 84 ellipsoid between the coordinates given in the "
    "facts file (or, where a place has none, the GeoNames gazetteer); bearings are initial true bearings "
    "from the location"
)

KM_PER_MI = 1.609344
COMPASS16 = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")

# Style
SEA = "#dce8f2"
LAND = "#ebebe6"
LAND_HOME = "#fbfaf4"
REGION_FILL = "#d7e3ef"
BORDER = "#6f6f6f"
COAST = "#8aa5bd"
ADMIN1_LINE = "#a0a0a0"
LABEL_PT = 7.5
SMALL_PT = 6.5
HALO = "white"

MIN_DETAIL_HALF_KM = 12.0
MIN_OVERVIEW_HALF_KM = 180.0
MAX_OVERVIEW_HALF_KM = 1800.0


# --------------------------------------------------------------------------------------------- geodesy
@functools.cache
def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


def compass_point(bearing_deg: float) -> str:
    return COMPASS16[int(((bearing_deg % 360) + 11.25) // 22.5) % 16]


def distance_and_bearing(origin: MapPoint, dest: MapPoint) -> PlaceDistance:
    az, _back, metres = _geod().inv(origin.lon, origin.lat, dest.lon, dest.lat)
    km = metres / 1000.0
    bearing = az % 360.0
    if km < 1e-9:
        bearing = 0.0
    return PlaceDistance(
        name=dest.name, km=km, mi=km / KM_PER_MI, bearing_deg=bearing, compass=compass_point(bearing)
    )


@functools.lru_cache(maxsize=32)
def _projection(lat: float, lon: float):
    """(forward, inverse) transformers lon/lat <-> metres, azimuthal equidistant centred on (lat, lon)."""
    from pyproj import CRS, Transformer

    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs")
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return fwd, inv


class _Proj:
    def __init__(self, lat: float, lon: float):
        self.lat, self.lon = lat, lon
        self.fwd, self.inv = _projection(round(lat, 6), round(lon, 6))

    def xy(self, lon, lat):
        x, y = self.fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x) / 1000.0, np.asarray(y) / 1000.0  # km

    def lonlat(self, x, y):
        lon, lat = self.inv.transform(np.asarray(x, dtype=float) * 1000.0, np.asarray(y, dtype=float) * 1000.0)
        return np.asarray(lon), np.asarray(lat)

    def transform_coords(self, coords: np.ndarray) -> np.ndarray:
        if len(coords) == 0:
            return coords
        x, y = self.xy(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])


# --------------------------------------------------------------------------------------------- views
@dataclass(frozen=True)
class _Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    def grow(self, f: float) -> "_Rect":
        dx, dy = self.w * f, self.h * f
        return _Rect(self.x0 - dx, self.y0 - dy, self.x1 + dx, self.y1 + dy)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


def _aspect_rect(cx: float, cy: float, half_w: float, half_h: float, aspect: float) -> _Rect:
    """A rect of the axes' aspect (w/h) centred on (cx, cy) covering half_w x half_h."""
    hh = max(half_h, half_w / aspect)
    hw = hh * aspect
    return _Rect(cx - hw, cy - hh, cx + hw, cy + hh)


def _geo_windows(proj: _Proj, view: _Rect) -> list[tuple[float, float, float, float]]:
    """Lon/lat rectangles (in -180..180) covering the projected view, split at the antimeridian."""
    n = 48
    t = np.linspace(0.0, 1.0, n)
    xs = np.concatenate([view.x0 + t * view.w, np.full(n, view.x1), view.x1 - t * view.w, np.full(n, view.x0)])
    ys = np.concatenate([np.full(n, view.y0), view.y0 + t * view.h, np.full(n, view.y1), view.y1 - t * view.h])
    lon, lat = proj.lonlat(xs, ys)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    pole_n = view.contains(*[float(v) for v in proj.xy(proj.lon, 90.0)])
    pole_s = view.contains(*[float(v) for v in proj.xy(proj.lon, -90.0)])
    lat_lo = -90.0 if pole_s else float(lat.min())
    lat_hi = 90.0 if pole_n else float(lat.max())
    pad = 0.05 * (lat_hi - lat_lo) + 0.1
    lat_lo, lat_hi = max(-90.0, lat_lo - pad), min(90.0, lat_hi + pad)
    if pole_n or pole_s or len(lon) == 0:
        return [(-180.0, lat_lo, 180.0, lat_hi)]
    rel = (lon - proj.lon + 180.0) % 360.0 - 180.0
    lo, hi = float(rel.min()), float(rel.max())
    lpad = 0.05 * (hi - lo) + 0.1
    lo, hi = proj.lon + lo - lpad, proj.lon + hi + lpad
    if hi - lo >= 360.0:
        return [(-180.0, lat_lo, 180.0, lat_hi)]
    if lo < -180.0:
        return [(-180.0, lat_lo, hi, lat_hi), (lo + 360.0, lat_lo, 180.0, lat_hi)]
    if hi > 180.0:
        return [(lo, lat_lo, 180.0, lat_hi), (-180.0, lat_lo, hi - 360.0, lat_hi)]
    return [(lo, lat_lo, hi, lat_hi)]


@dataclass
class _Clipped:
    """Projected, view-clipped geometry of one layer."""

    polys: np.ndarray  # shapely polygons (projected, km)
    poly_unit: np.ndarray
    lines: np.ndarray  # stored boundary lines (coast / borders), projected
    line_kind: np.ndarray
    outline: np.ndarray  # boundaries of the selected polygons (only when asked for)
    outline_unit: np.ndarray


def _select(bb: np.ndarray, windows) -> np.ndarray:
    sel = np.zeros(len(bb), dtype=bool)
    for (x0, y0, x1, y1) in windows:
        sel |= (bb[:, 0] <= x1) & (bb[:, 2] >= x0) & (bb[:, 1] <= y1) & (bb[:, 3] >= y0)
    return sel


def _geo_clip(geoms: np.ndarray, bb: np.ndarray, attr: np.ndarray, windows, type_id: int):
    import shapely

    out, out_attr = [], []
    for (x0, y0, x1, y1) in windows:
        inside = (bb[:, 0] <= x1) & (bb[:, 2] >= x0) & (bb[:, 1] <= y1) & (bb[:, 3] >= y0)
        if not inside.any():
            continue
        c = shapely.clip_by_rect(geoms[inside], x0, y0, x1, y1)
        parts, pi = shapely.get_parts(c, return_index=True)
        keep = (shapely.get_type_id(parts) == type_id) & ~shapely.is_empty(parts)
        out.append(parts[keep])
        out_attr.append(attr[inside][pi[keep]])
    if not out:
        return np.array([], dtype=object), np.array([], dtype=int)
    return np.concatenate(out), np.concatenate(out_attr)


def _clip_rect(geoms: np.ndarray, vx: "_Rect") -> np.ndarray:
    """Clip projected geometries to the view.

    A polygon far from the centre (Antarctica seen from 65 N, say) can project to a self-intersecting
    ring that GEOS refuses to clip; such polygons are repaired with make_valid one by one, and one
    that still cannot be clipped is left out (it lies far outside any view that shows it usefully).
    """
    import shapely
    from shapely.errors import GEOSException

    try:
        return shapely.clip_by_rect(geoms, vx.x0, vx.y0, vx.x1, vx.y1)
    except GEOSException:
        pass
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):
        for candidate in (geom, shapely.make_valid(geom)):
            try:
                out[i] = shapely.clip_by_rect(candidate, vx.x0, vx.y0, vx.x1, vx.y1)
                break
            except GEOSException:
                continue
    return out


def _project_clip(geoms: np.ndarray, attr: np.ndarray, proj: "_Proj", vx: "_Rect", type_id: int):
    import shapely

    if len(geoms) == 0:
        return geoms, attr
    g = _clip_rect(shapely.transform(geoms, proj.transform_coords), vx)
    # Drop vertices closer than ~1/1000 of the panel (a fifth of a point on paper): invisible in
    # print, and it keeps the SVG, and the time to turn it into PDF drawing commands, small.
    g = shapely.simplify(g, (vx.x1 - vx.x0) / 1000, preserve_topology=False)
    parts, pi = shapely.get_parts(g, return_index=True)
    keep = (shapely.get_type_id(parts) == type_id) & ~shapely.is_empty(parts)
    return parts[keep], attr[pi[keep]]


def _clip_layer(layer: geodata.Layer, proj: _Proj, view: _Rect, units: np.ndarray | None = None,
                *, lines: bool = True, outline: bool = False) -> _Clipped:
    windows = _geo_windows(proj, view)
    vx = view.grow(0.03)
    sel = _select(layer.poly_bbox, windows)
    if units is not None:
        sel &= np.isin(layer.poly_unit, units)
    idx = np.flatnonzero(sel)
    gpolys, gunit = _geo_clip(layer.polygons[idx], layer.poly_bbox[idx], layer.poly_unit[idx], windows, 3)
    if outline and len(gpolys):
        oline, ounit = _boundary_lines(gpolys, gunit)
        oline, ounit = _project_clip(oline, ounit, proj, vx, 1)
    else:
        oline, ounit = np.array([], dtype=object), np.array([], dtype=int)
    polys, punit = _project_clip(gpolys, gunit, proj, vx, 3)
    if lines and layer.line_bbox is not None and len(layer.line_bbox):
        lidx = np.flatnonzero(_select(layer.line_bbox, windows))
        gl, gk = _geo_clip(layer.lines[lidx], layer.line_bbox[lidx], layer.line_kind[lidx], windows, 1)
        gl, gk = _drop_seams(gl, gk)
        pl, pk = _project_clip(gl, gk, proj, vx, 1)
    else:
        pl, pk = np.array([], dtype=object), np.array([], dtype=int)
    return _Clipped(polys, punit, pl, pk, oline, ounit)


def _drop_seams(lines: np.ndarray, attr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut out segments running along the antimeridian or the south pole (edges of the data, not coasts)."""
    import shapely

    if len(lines) == 0:
        return lines, attr
    coords, cidx = shapely.get_coordinates(lines, return_index=True)
    seam = (np.abs(coords[:, 0]) > 179.9999) | (coords[:, 1] < -89.9999)
    same = cidx[1:] == cidx[:-1]
    art = same & seam[1:] & seam[:-1] & ((np.sign(coords[1:, 0]) == np.sign(coords[:-1, 0])) | (coords[1:, 1] < -89.9999))
    if not art.any():
        return lines, attr
    out, out_attr = [], []
    bounds = np.flatnonzero(np.diff(cidx)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(coords)]])
    for r, (s, e) in enumerate(zip(starts, ends)):
        a = attr[cidx[s]]
        if not art[s : e - 1].any():
            out.append(shapely.linestrings(coords[s:e]))
            out_attr.append(a)
            continue
        cur = [coords[s]]
        for k in range(s, e - 1):
            if art[k]:
                if len(cur) >= 2:
                    out.append(shapely.linestrings(np.asarray(cur)))
                    out_attr.append(a)
                cur = [coords[k + 1]]
            else:
                cur.append(coords[k + 1])
        if len(cur) >= 2:
            out.append(shapely.linestrings(np.asarray(cur)))
            out_attr.append(a)
    return np.asarray(out, dtype=object), np.asarray(out_attr, dtype=int)


def _boundary_lines(polys: np.ndarray, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    rings, ri = shapely.get_rings(polys, return_index=True)
    if len(rings) == 0:
        return np.array([], dtype=object), np.array([], dtype=int)
    lines = shapely.linestrings(shapely.get_coordinates(rings), indices=np.repeat(
        np.arange(len(rings)), shapely.get_num_coordinates(rings)))
    return _drop_seams(lines, unit[ri])


def _polys_to_path(polys: np.ndarray):
    import shapely
    from matplotlib.path import Path

    if len(polys) == 0:
        return None
    gtype, coords, (ring_off, _poly_off) = shapely.to_ragged_array(polys)
    codes = np.full(len(coords), Path.LINETO, dtype=np.uint8)
    codes[ring_off[:-1]] = Path.MOVETO
    codes[ring_off[1:] - 1] = Path.CLOSEPOLY
    return Path(np.round(coords, 4), codes)


def _lines_to_path(lines: np.ndarray):
    import shapely
    from matplotlib.path import Path

    if len(lines) == 0:
        return None
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    codes = np.full(len(coords), Path.LINETO, dtype=np.uint8)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(idx)) + 1])
    codes[starts] = Path.MOVETO
    return Path(np.round(coords, 4), codes)


def _draw_polys(ax, polys, **kw) -> None:
    from matplotlib.patches import PathPatch

    path = _polys_to_path(polys)
    if path is not None:
        ax.add_artist(PathPatch(path, **kw))  # add_artist: no (slow) data-limit update; limits are fixed


def _draw_lines(ax, lines, **kw) -> None:
    from matplotlib.patches import PathPatch

    path = _lines_to_path(lines)
    if path is not None:
        ax.add_artist(PathPatch(path, fill=False, **kw))


# --------------------------------------------------------------------------------------------- data lookups
def _country_units(country: str, loc: MapPoint, warnings: list[str]) -> tuple[np.ndarray, str]:
    """Admin-0 units drawn as "the country", and the ISO code actually used."""
    import shapely

    layer = geodata.admin0("fine")
    codes = np.asarray(layer.unit_code)
    code = (country or "").strip().upper()
    units = np.flatnonzero(codes == code)
    pt = shapely.points(loc.lon, loc.lat)
    containing = [int(layer.poly_unit[i]) for i in np.flatnonzero(
        (layer.poly_bbox[:, 0] <= loc.lon) & (layer.poly_bbox[:, 2] >= loc.lon)
        & (layer.poly_bbox[:, 1] <= loc.lat) & (layer.poly_bbox[:, 3] >= loc.lat)
    ) if shapely.contains(layer.polygons[i], pt)]
    if not containing:
        near = np.flatnonzero(
            (layer.poly_bbox[:, 0] <= loc.lon + 0.5) & (layer.poly_bbox[:, 2] >= loc.lon - 0.5)
            & (layer.poly_bbox[:, 1] <= loc.lat + 0.5) & (layer.poly_bbox[:, 3] >= loc.lat - 0.5)
        )
        if len(near):
            d = shapely.distance(layer.polygons[near], pt)
            if d.min() < 0.3:  # degrees; a coastal place just off the simplified coastline
                containing = [int(layer.poly_unit[near[int(np.argmin(d))]])]
    if len(units):
        return units, code
    if containing:
        u = containing[0]
        other = codes[u]
        warnings.append(
            f'location.country: "{code}" is not a separate country in the map data (Natural Earth); '
            f"the map highlights {layer.unit_name[u]}, which contains the location"
        )
        return np.flatnonzero(codes == other), other
    warnings.append(
        f'location.country: "{code}" is not a country the map data (Natural Earth) knows; '
        "drawn without a highlighted country"
    )
    return np.array([], dtype=int), code


def _find_admin1(code: str, admin1: str, loc: MapPoint, warnings: list[str]) -> int | None:
    import shapely

    layer = geodata.admin1(code) if code else None
    key = normalise_name(admin1, strip_types=True)
    matches = [i for i, keys in enumerate(layer.unit_keys) if key in keys] if layer is not None else []
    if not matches:
        warnings.append(
            f'location.admin1: "{admin1}" is not a region the map data knows for {code}; '
            "drawn without a highlighted region"
        )
        return None
    if len(matches) == 1:
        return matches[0]
    pt = shapely.points(loc.lon, loc.lat)
    best = min(
        matches,
        key=lambda u: min(
            float(shapely.distance(layer.polygons[p], pt)) for p in np.flatnonzero(layer.poly_unit == u)
        ),
    )
    return best


# --------------------------------------------------------------------------------------------- labels
@dataclass
class _Placer:
    """Greedy label placement in display (pixel) coordinates of one axes."""

    ax: object
    renderer: object
    dpi: float
    obstacles: list = field(default_factory=list)  # (x0, y0, x1, y1) pixel boxes
    labels: list = field(default_factory=list)  # (text, box) of placed labels

    def __post_init__(self):
        b = self.ax.get_window_extent(self.renderer)
        m = 2.0
        self.frame = (b.x0 + m, b.y0 + m, b.x1 - m, b.y1 - m)

    def pt(self, v: float) -> float:
        return v * self.dpi / 72.0

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        px, py = self.ax.transData.transform((x, y))
        return float(px), float(py)

    def block(self, box) -> None:
        self.obstacles.append(tuple(box))

    def block_point(self, x: float, y: float, radius_pt: float) -> None:
        px, py = self.to_px(x, y)
        r = self.pt(radius_pt)
        self.obstacles.append((px - r, py - r, px + r, py + r))

    def _free(self, box, pad: float) -> bool:
        x0, y0, x1, y1 = box
        f = self.frame
        if x0 < f[0] or y0 < f[1] or x1 > f[2] or y1 > f[3]:
            return False
        for (a0, b0, a1, b1) in self.obstacles:
            if x0 - pad < a1 and x1 + pad > a0 and y0 - pad < b1 and y1 + pad > b0:
                return False
        return True

    def measure(self, text: str, **props) -> tuple[float, float]:
        from matplotlib.text import Text

        t = Text(0, 0, text, **props)
        t.set_figure(self.ax.figure)
        bb = t.get_window_extent(self.renderer)
        return bb.width, bb.height

    def place(self, x: float, y: float, text: str, *, marker_pt: float, props: dict, candidates: str = "point",
              halo: bool = True, leader_ok: bool = True):
        """Place ``text`` near data point (x, y); returns the Text artist or None when it fits nowhere."""
        text = visual(text)  # right-to-left names in reading order
        w, h = self.measure(text, **props)
        px, py = self.to_px(x, y)
        pad = self.pt(1.0)
        tried = []
        if candidates == "center":
            for dx, dy in [(0, 0), (0, 8), (0, -8), (12, 0), (-12, 0), (0, 16), (0, -16), (20, 8), (-20, -8)]:
                tried.append((dx, dy, "center", "center", False))
        else:
            r = marker_pt + 1.5
            d = r * 0.75
            for dx, dy, ha, va in [
                (r, 0, "left", "center"), (-r, 0, "right", "center"), (d, d, "left", "bottom"),
                (d, -d, "left", "top"), (-d, d, "right", "bottom"), (-d, -d, "right", "top"),
                (0, r, "center", "bottom"), (0, -r, "center", "top"),
            ]:
                tried.append((dx, dy, ha, va, False))
            if leader_ok:
                for radius in (r + 9, r + 16, r + 26, r + 38):
                    for k in range(16):
                        ang = math.radians(k * 22.5)
                        dx, dy = radius * math.cos(ang), radius * math.sin(ang)
                        ha = "left" if dx > 1 else ("right" if dx < -1 else "center")
                        va = "bottom" if dy > 1 else ("top" if dy < -1 else "center")
                        tried.append((dx, dy, ha, va, True))
        for dx, dy, ha, va, leader in tried:
            ax_, ay_ = px + self.pt(dx), py + self.pt(dy)
            x0 = ax_ if ha == "left" else (ax_ - w if ha == "right" else ax_ - w / 2)
            y0 = ay_ if va == "bottom" else (ay_ - h if va == "top" else ay_ - h / 2)
            box = (x0, y0, x0 + w, y0 + h)
            if not self._free(box, pad):
                continue
            if leader and not self._leader_clear((px, py), (ax_, ay_), marker_pt):
                continue
            return self._commit(x, y, text, dx, dy, ha, va, leader, box, props, halo, marker_pt)
        return None

    def _leader_clear(self, a, b, marker_pt) -> bool:
        # sample the leader line: it must not cross a label or another marker
        r = self.pt(marker_pt + 0.5)
        for t in np.linspace(0.0, 1.0, 12):
            x = a[0] + (b[0] - a[0]) * t
            y = a[1] + (b[1] - a[1]) * t
            if math.hypot(x - a[0], y - a[1]) <= r:
                continue
            for (x0, y0, x1, y1) in self.obstacles:
                if x0 <= x <= x1 and y0 <= y <= y1:
                    return False
        return True

    def _commit(self, x, y, text, dx, dy, ha, va, leader, box, props, halo, marker_pt):
        from matplotlib import patheffects
        from matplotlib.transforms import offset_copy

        fig = self.ax.figure
        tr = offset_copy(self.ax.transData, fig=fig, x=dx, y=dy, units="points")
        zorder = props.pop("zorder", 20)
        if leader:
            from matplotlib.lines import Line2D

            px, py = self.to_px(x, y)
            ang = math.atan2(dy, dx)
            r0 = self.pt(marker_pt + 0.6)
            ends = np.array([[px + r0 * math.cos(ang), py + r0 * math.sin(ang)],
                             [px + self.pt(dx), py + self.pt(dy)]])
            data = self.ax.transData.inverted().transform(ends)
            self.ax.add_line(Line2D(data[:, 0], data[:, 1], color=MUTED, linewidth=0.5, zorder=zorder - 2))
        if halo:
            self.ax.text(x, y, text, transform=tr, ha=ha, va=va, zorder=zorder - 1, clip_on=False,
                         path_effects=[patheffects.Stroke(linewidth=2.2, foreground=HALO)], **props)
        t = self.ax.text(x, y, text, transform=tr, ha=ha, va=va, zorder=zorder, clip_on=False, **props)
        props["zorder"] = zorder
        self.obstacles.append(box)
        self.labels.append((text, box))
        return t


# --------------------------------------------------------------------------------------------- furniture
def _nice(v: float) -> float:
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (5, 2, 1):
        if m * e <= v:
            return m * e
    return e


def _furniture_boxes(view: _Rect, u: float, w: float, h: float) -> dict[str, _Rect]:
    m = 6 * u
    return {
        "ll": _Rect(view.x0 + m, view.y0 + m, view.x0 + m + w, view.y0 + m + h),
        "lr": _Rect(view.x1 - m - w, view.y0 + m, view.x1 - m, view.y0 + m + h),
        "ul": _Rect(view.x0 + m, view.y1 - m - h, view.x0 + m + w, view.y1 - m),
        "ur": _Rect(view.x1 - m - w, view.y1 - m - h, view.x1 - m, view.y1 - m),
    }


def _pick_corner(boxes: dict[str, _Rect], order: Sequence[str], points: np.ndarray, pad: float) -> str:
    for c in order:
        r = boxes[c].grow(0)
        if not any(r.x0 - pad <= x <= r.x1 + pad and r.y0 - pad <= y <= r.y1 + pad for x, y in points):
            return c
    return order[0]


def _km_per_pt(ax, view: _Rect, placer: _Placer) -> float:
    return view.h / (ax.get_window_extent(placer.renderer).height * 72.0 / placer.dpi)


def _scale_bar(ax, view: _Rect, placer: _Placer, points: np.ndarray, avoid: Sequence[str] = ()) -> str:
    """Scale bar in km with a miles bar under it (true along any line through the centre); returns its corner."""
    from matplotlib.patches import FancyBboxPatch, Rectangle

    u = _km_per_pt(ax, view, placer)
    km = _nice(view.w * 0.22)
    mi = _nice(view.w * 0.22 / KM_PER_MI)
    w = max(km, mi * KM_PER_MI) + 34 * u
    h = 17 * u
    boxes = _furniture_boxes(view, u, w, h)
    corner = _pick_corner(boxes, [c for c in ("ll", "lr", "ul", "ur") if c not in avoid], points, 14 * u)
    r = boxes[corner]
    x0, y_mi = r.x0 + 2 * u, r.y0 + 2 * u
    y_km = y_mi + 8 * u
    bar = 2.6 * u
    ax.add_patch(FancyBboxPatch((r.x0, r.y0), r.w, r.h, boxstyle=f"round,pad=0,rounding_size={2 * u}",
                                facecolor="white", edgecolor="none", alpha=0.75, zorder=29))
    ax.add_patch(Rectangle((x0, y_km), km, bar, facecolor=INK, edgecolor=INK, lw=0.4, zorder=30))
    ax.add_patch(Rectangle((x0, y_mi), mi * KM_PER_MI, bar, facecolor="white", edgecolor=INK, lw=0.5, zorder=30))
    ax.text(x0 + km + 3 * u, y_km + bar / 2, _fmt_len(km, "km"), fontsize=SMALL_PT, va="center", ha="left",
            color=INK, zorder=31)
    ax.text(x0 + mi * KM_PER_MI + 3 * u, y_mi + bar / 2, _fmt_len(mi, "mi"), fontsize=SMALL_PT, va="center",
            ha="left", color=INK, zorder=31)
    a = placer.to_px(r.x0, r.y0)
    b = placer.to_px(r.x1, r.y1)
    placer.block((a[0], a[1], b[0], b[1]))
    return corner


def _fmt_len(v: float, unit: str) -> str:
    return f"{v:g} {unit}" if v < 1 else f"{int(round(v))} {unit}"


def _north_arrow(ax, proj: _Proj, view: _Rect, placer: _Placer, points: np.ndarray, avoid: Sequence[str]) -> None:
    """A north arrow in a free corner, pointing to true north at that spot."""
    u = _km_per_pt(ax, view, placer)
    L = 14 * u
    boxes = _furniture_boxes(view, u, 10 * u, L + 10 * u)
    corner = _pick_corner(boxes, [c for c in ("ur", "ul", "lr", "ll") if c not in avoid], points, 14 * u)
    r = boxes[corner]
    x, y = (r.x0 + r.x1) / 2, r.y0 + 2 * u
    lon, lat = proj.lonlat(x, y)
    x2, y2 = proj.xy(lon, min(float(lat) + 0.01, 89.99))
    ang = math.atan2(float(y2) - y, float(x2) - x)
    dx, dy = L * math.cos(ang), L * math.sin(ang)
    ax.annotate("", xy=(x + dx, y + dy), xytext=(x, y),
                arrowprops=dict(arrowstyle="-|>,head_length=0.5,head_width=0.22", color=INK, lw=0.8,
                                shrinkA=0, shrinkB=0), zorder=30)
    ax.text(x + dx + 1.5 * u * math.cos(ang), y + dy + 1.5 * u * math.sin(ang), "N", fontsize=SMALL_PT,
            ha="center", va="bottom", color=INK, fontweight="bold", zorder=30)
    a = placer.to_px(r.x0, r.y0)
    b = placer.to_px(r.x1, r.y1)
    placer.block((a[0], a[1], b[0], b[1]))


def _frame(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(True)
        s.set_linewidth(0.6)
        s.set_color("#444444")


# --------------------------------------------------------------------------------------------- main
@dataclass
class _Debug:
    detail_view: _Rect
    overview_view: _Rect
    label_boxes: list  # (panel, text, (x0, y0, x1, y1)) in pixels
    marker_px: dict  # name -> (px, py) of the marker in the detail axes
    fig: object
    dropped: list


def render_locator_map(
    location: MapPoint,
    country: str,
    admin1: str | None,
    places: Sequence[MapPoint],
    *,
    width_in: float = 6.7,
    height_in: float = 3.6,
) -> LocatorMap:
    """Draw the two-panel locator map; see the module docstring."""
    result, _debug = _render(location, country, admin1, places, width_in=width_in, height_in=height_in)
    return result


def _render(location, country, admin1, places, *, width_in=6.7, height_in=3.6):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    warnings: list[str] = []
    places = list(places)
    distances = tuple(distance_and_bearing(location, p) for p in places)
    proj = _Proj(location.lat, location.lon)

    # ---- data lookups
    home_units, code = _country_units(country, location, warnings)
    region = _find_admin1(code, admin1, location, warnings) if admin1 else None

    # ---- layout (inches)
    bottom, top, side, gap = 0.2, 0.06, 0.04, 0.1
    panel_h = height_in - bottom - top
    ov_w = min(panel_h, 0.42 * (width_in - 2 * side - gap))
    de_w = width_in - 2 * side - gap - ov_w

    # ---- detail view
    lons = np.array([location.lon] + [p.lon for p in places])
    lats = np.array([location.lat] + [p.lat for p in places])
    px_, py_ = proj.xy(lons, lats)
    cx, cy = (px_.min() + px_.max()) / 2, (py_.min() + py_.max()) / 2
    half_w = (px_.max() - px_.min()) / 2 * 1.22 + 0.12 * (px_.max() - px_.min()) + 3.0
    half_h = (py_.max() - py_.min()) / 2 * 1.3 + 2.0
    half_h = max(half_h, MIN_DETAIL_HALF_KM)
    detail = _aspect_rect(cx, cy, half_w, half_h, de_w / panel_h)

    # ---- overview view
    overview = _overview_view(proj, home_units, detail, ov_w / panel_h)

    # Names that need a fallback font (CJK, Arabic, Hebrew) are drawn as outlines: the SVG route
    # knows only the house font, and a box where a name should be is worse than unsearchable text.
    outlines = any(needs_fallback(name) for name in (location.name, *(p.name for p in places)))
    with house_style(outlines):
        fig = Figure(figsize=(width_in, height_in))
        FigureCanvasAgg(fig)
        renderer = fig.canvas.get_renderer()
        ax_o = fig.add_axes([side / width_in, bottom / height_in, ov_w / width_in, panel_h / height_in])
        ax_d = fig.add_axes([(side + ov_w + gap) / width_in, bottom / height_in, de_w / width_in, panel_h / height_in])
        label_boxes: list = []
        dropped: list[str] = []

        # ---------------- overview
        ax = ax_o
        _frame(ax)
        ax.set_facecolor(SEA)
        ax.set_xlim(overview.x0, overview.x1)
        ax.set_ylim(overview.y0, overview.y1)
        a0 = geodata.admin0("coarse")
        clip = _clip_layer(a0, proj, overview)
        home = np.isin(clip.poly_unit, home_units)
        _draw_polys(ax, clip.polys[~home], facecolor=LAND, edgecolor="none", lw=0, zorder=1)
        _draw_polys(ax, clip.polys[home], facecolor=LAND_HOME, edgecolor="none", lw=0, zorder=1)
        if region is not None:
            a1 = geodata.admin1(code)
            rclip = _clip_layer(a1, proj, overview, units=np.array([region]), lines=False, outline=True)
            _draw_polys(ax, rclip.polys, facecolor=REGION_FILL, edgecolor="none", lw=0, zorder=2)
            _draw_lines(ax, rclip.outline, edgecolor=ACCENT, lw=0.7, zorder=4.5)
        _draw_lines(ax, clip.lines[clip.line_kind == 0], edgecolor=COAST, lw=0.4, zorder=3)
        _draw_lines(ax, clip.lines[clip.line_kind == 1], edgecolor=BORDER, lw=0.5, zorder=3)
        hclip = _clip_layer(a0, proj, overview, units=home_units, lines=False, outline=True)
        _draw_lines(ax, hclip.outline, edgecolor=INK, lw=0.8, zorder=4)
        from matplotlib.patches import Rectangle

        fw = max(detail.w, overview.w * 0.025)
        fh = max(detail.h, overview.h * 0.025)
        fx, fy = (detail.x0 + detail.x1) / 2 - fw / 2, (detail.y0 + detail.y1) / 2 - fh / 2
        ax.add_patch(Rectangle((fx, fy), fw, fh, facecolor="none", edgecolor=ALERT, lw=1.1, zorder=10))
        placer_o = _Placer(ax, renderer, fig.dpi)
        a, b = placer_o.to_px(fx, fy), placer_o.to_px(fx + fw, fy + fh)
        placer_o.block((a[0] - 2, a[1] - 2, b[0] + 2, b[1] + 2))
        _scale_bar(ax, overview, placer_o, np.array([[fx, fy], [fx + fw, fy + fh], [fx, fy + fh], [fx + fw, fy]]))
        # country names: home first, then by visible area
        import shapely

        areas: dict[int, float] = {}
        best_part: dict[int, object] = {}
        for g, u in zip(clip.polys, clip.poly_unit):
            ar = float(shapely.area(shapely.clip_by_rect(g, overview.x0, overview.y0, overview.x1, overview.y1)))
            areas[int(u)] = areas.get(int(u), 0.0) + ar
            if ar > float(shapely.area(best_part[int(u)])) if int(u) in best_part else True:
                best_part[int(u)] = shapely.clip_by_rect(g, overview.x0, overview.y0, overview.x1, overview.y1)
        order = sorted(areas, key=lambda u: (u not in set(home_units.tolist()), -areas[u], u))
        min_area = overview.w * overview.h * 0.004
        for u in order:
            is_home = u in set(home_units.tolist())
            if areas[u] < min_area and not is_home:
                continue
            lx, ly = (float(v) for v in proj.xy(*a0.unit_label[u])) if a0.unit_label is not None else (np.nan, np.nan)
            if not (np.isfinite(lx) and overview.grow(-0.05).contains(lx, ly)) or not shapely.contains(
                best_part[u], shapely.points(lx, ly)
            ) and not any(shapely.contains(g, shapely.points(lx, ly)) for g in clip.polys[clip.poly_unit == u]):
                rp = shapely.point_on_surface(best_part[u])
                lx, ly = float(shapely.get_x(rp)), float(shapely.get_y(rp))
            props = dict(fontsize=LABEL_PT if is_home else SMALL_PT + 0.5, color=INK if is_home else "#555555",
                         fontweight="bold" if is_home else "normal")
            t = placer_o.place(lx, ly, a0.unit_name[u], marker_pt=0, props=props, candidates="center", halo=True)
            if t is not None:
                label_boxes.append(("overview", a0.unit_name[u], placer_o.labels[-1][1]))

        # ---------------- detail
        ax = ax_d
        _frame(ax)
        ax.set_facecolor(SEA)
        ax.set_xlim(detail.x0, detail.x1)
        ax.set_ylim(detail.y0, detail.y1)
        level = "fine" if detail.h < 800 else "coarse"
        a0d = geodata.admin0(level)
        dclip = _clip_layer(a0d, proj, detail)
        home = np.isin(dclip.poly_unit, home_units)
        _draw_polys(ax, dclip.polys[~home], facecolor=LAND, edgecolor="none", lw=0, zorder=1)
        _draw_polys(ax, dclip.polys[home], facecolor=LAND_HOME, edgecolor="none", lw=0, zorder=1)
        visible_codes = sorted({a0d.unit_code[int(u)] for u in dclip.poly_unit})
        region_lines = []
        region_names = []
        for c in visible_codes:
            layer1 = geodata.admin1(c) if not c.startswith("-") else None
            if layer1 is None:
                continue
            # region borders only (dashed); the coast comes from admin-0, whose coastline differs slightly
            c1 = _clip_layer(layer1, proj, detail)
            region_lines.append(c1.lines)
            for g, u in zip(c1.polys, c1.poly_unit):
                region_names.append((float(shapely.area(g)), layer1.unit_name[int(u)], g))
        if region_lines:
            _draw_lines(ax, np.concatenate(region_lines), edgecolor=ADMIN1_LINE, lw=0.5, linestyle=(0, (3, 1.5)), zorder=2)
        _draw_lines(ax, dclip.lines[dclip.line_kind == 0], edgecolor=COAST, lw=0.6, zorder=3)
        _draw_lines(ax, dclip.lines[dclip.line_kind == 1], edgecolor=BORDER, lw=1.0, zorder=3)

        placer = _Placer(ax, renderer, fig.dpi)
        pts = np.column_stack([px_, py_])
        used = _scale_bar(ax, detail, placer, pts)
        _north_arrow(ax, proj, detail, placer, pts, avoid=(used,))
        LOC_PT, PLACE_PT = 4.2, 2.6
        ax.plot([0.0], [0.0], marker="o", markersize=2 * LOC_PT, markerfacecolor=ALERT, markeredgecolor="white",
                markeredgewidth=0.8, linestyle="none", zorder=25)
        for x, y in zip(px_[1:], py_[1:]):
            ax.plot([x], [y], marker="o", markersize=2 * PLACE_PT, markerfacecolor=INK, markeredgecolor="white",
                    markeredgewidth=0.6, linestyle="none", zorder=24)
        placer.block_point(0.0, 0.0, LOC_PT + 0.5)
        for x, y in zip(px_[1:], py_[1:]):
            placer.block_point(float(x), float(y), PLACE_PT + 0.5)
        marker_px = {location.name: placer.to_px(0.0, 0.0)}
        # the location first, then places nearest first
        t = placer.place(0.0, 0.0, location.name, marker_pt=LOC_PT,
                         props=dict(fontsize=LABEL_PT + 1, fontweight="bold", color=INK))
        if t is None:
            dropped.append(location.name)
        else:
            label_boxes.append(("detail", location.name, placer.labels[-1][1]))
        order = sorted(range(len(places)), key=lambda i: (distances[i].km, i))
        for i in order:
            p = places[i]
            marker_px.setdefault(p.name, placer.to_px(float(px_[i + 1]), float(py_[i + 1])))
            t = placer.place(float(px_[i + 1]), float(py_[i + 1]), p.name, marker_pt=PLACE_PT,
                             props=dict(fontsize=LABEL_PT, color=INK))
            if t is None:
                dropped.append(p.name)
            else:
                label_boxes.append(("detail", p.name, placer.labels[-1][1]))
        # country names (always useful when two countries show), then region names, where room is left
        dareas: dict[int, tuple[float, object]] = {}
        for g, u in zip(dclip.polys, dclip.poly_unit):
            g2 = shapely.clip_by_rect(g, detail.x0, detail.y0, detail.x1, detail.y1)
            ar = float(shapely.area(g2))
            if ar > dareas.get(int(u), (0.0, None))[0]:
                dareas[int(u)] = (ar, g2)
        if len({a0d.unit_code[u] for u in dareas}) > 1:
            for u in sorted(dareas, key=lambda u: (-dareas[u][0], u)):
                ar, g2 = dareas[u]
                if ar < detail.w * detail.h * 0.01:
                    continue
                rp = shapely.point_on_surface(g2)
                nm = a0d.unit_name[u].upper()
                t = placer.place(float(shapely.get_x(rp)), float(shapely.get_y(rp)), nm, marker_pt=0,
                                 props=dict(fontsize=LABEL_PT, color="#666666", fontweight="bold"), candidates="center")
                if t is not None:
                    label_boxes.append(("detail", nm, placer.labels[-1][1]))
        seen = set()
        for ar, nm, g in sorted(region_names, key=lambda r: (-r[0], r[1])):
            if nm in seen or not nm or ar < detail.w * detail.h * 0.03:
                continue
            seen.add(nm)
            g2 = shapely.clip_by_rect(g, detail.x0, detail.y0, detail.x1, detail.y1)
            rp = shapely.point_on_surface(g2)
            t = placer.place(float(shapely.get_x(rp)), float(shapely.get_y(rp)), nm, marker_pt=0,
                             props=dict(fontsize=SMALL_PT, color="#707070", fontstyle="italic"), candidates="center")
            if t is not None:
                label_boxes.append(("detail", nm, placer.labels[-1][1]))

        for nm in dropped:
            warnings.append(f'map: no room for the label "{nm}"; the place is marked but not named on the map')
        fig.text(side / width_in, 0.05 / height_in, f"{ATTRIBUTION}. Projection: azimuthal equidistant centred on "
                 f"{location.name}.", fontsize=SMALL_PT, color=MUTED, ha="left", va="bottom")
        svg = figure_to_svg(fig, outlines)

    result = LocatorMap(
        svg=svg,
        distances=distances,
        attribution=ATTRIBUTION,
        data_note=DATA_NOTE,
        warnings=tuple(warnings),
    )
    return result, _Debug(detail, overview, label_boxes, marker_px, fig, dropped)


def _overview_view(proj: _Proj, home_units: np.ndarray, detail: _Rect, aspect: float) -> _Rect:
    """Frame the home country (its parts near the location) and the detail area."""
    layer = geodata.admin0("coarse")
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
        near = ok & (d < MAX_OVERVIEW_HALF_KM * 1.2)
        xs.extend([float(x[near].min()), float(x[near].max())] if near.any() else [])
        ys.extend([float(y[near].min()), float(y[near].max())] if near.any() else [])
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw = (x1 - x0) / 2 * 1.08
    hh = (y1 - y0) / 2 * 1.08
    floor = max(MIN_OVERVIEW_HALF_KM, 2.5 * max(detail.w, detail.h) / 2)
    hh = max(hh, hw / aspect, floor)
    hh = min(hh, max(MAX_OVERVIEW_HALF_KM, 2.5 * max(detail.w, detail.h) / 2))
    view = _aspect_rect(cx, cy, hh * aspect, hh, aspect)
    # keep the detail frame inside
    dx = max(0.0, detail.x1 - view.x1) - max(0.0, view.x0 - detail.x0)
    dy = max(0.0, detail.y1 - view.y1) - max(0.0, view.y0 - detail.y0)
    return _Rect(view.x0 + dx, view.y0 + dy, view.x1 + dx, view.y1 + dy)
