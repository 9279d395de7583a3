"""Map layers: vendored geometry selected, clipped and projected for one view.

Clipping happens twice: in lon/lat (cheap, by bounding box windows that also split at the
antimeridian) and after projection (to the view rectangle), then paths are simplified to print
resolution (``canvas.Panel`` draws them). Also the look-ups that decide which country and region are "home".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .. import geodata
from ..geodata import normalise_name
from .projection import MapPoint, Rect, Proj

KM_PER_DEG_LAT = 110.574  # the shortest degree of latitude (at the equator) on the WGS 84 ellipsoid


def geo_windows(proj: Proj, view: Rect) -> list[tuple[float, float, float, float]]:
    """Lon/lat rectangles (in -180..180) covering the projected view, split at the antimeridian."""
    return list(_geo_windows(proj.lat, proj.lon, view))


@functools.lru_cache(maxsize=64)  # every layer of a panel asks for the same windows
def _geo_windows(lat: float, lon: float, view: Rect) -> tuple[tuple[float, float, float, float], ...]:
    proj = Proj(lat, lon)
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
        return ((-180.0, lat_lo, 180.0, lat_hi),)
    rel = (lon - proj.lon + 180.0) % 360.0 - 180.0
    lo, hi = float(rel.min()), float(rel.max())
    lpad = 0.05 * (hi - lo) + 0.1
    lo, hi = proj.lon + lo - lpad, proj.lon + hi + lpad
    if hi - lo >= 360.0:
        return ((-180.0, lat_lo, 180.0, lat_hi),)
    if lo < -180.0:
        return ((-180.0, lat_lo, hi, lat_hi), (lo + 360.0, lat_lo, 180.0, lat_hi))
    if hi > 180.0:
        return ((lo, lat_lo, 180.0, lat_hi), (-180.0, lat_lo, hi - 360.0, lat_hi))
    return ((lo, lat_lo, hi, lat_hi),)


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


def clip_to_rect(geoms, x0: float, y0: float, x1: float, y1: float):
    """Projected geometries (one, or an array of them) cut to the box, as ``shapely.clip_by_rect``
    cuts them, for shapes GEOS's fast clip refuses too.

    A shape projected far from the map's centre can come out as a ring GEOS will not clip ("Invalid
    number of points in LinearRing"), and the map failed:
    - a self-intersecting ring (Antarctica seen from 65 N): repaired with make_valid, then clipped;
    - a valid polygon whose hole has a hairline spike (two sides 1e-14 apart) across the box's edge,
      which the fast clip turns into a three-point ring: cut by a full intersection.
    One that still cannot be cut is left out (None in an array, empty alone): it lies far outside
    any view that shows it usefully. The fast clip's result is kept whenever it works.
    """
    import shapely
    from shapely.errors import GEOSException

    try:
        return shapely.clip_by_rect(geoms, x0, y0, x1, y1)
    except GEOSException:
        pass
    box = shapely.box(x0, y0, x1, y1)

    def one(geom):
        for cut in (lambda g: shapely.clip_by_rect(g, x0, y0, x1, y1), lambda g: shapely.intersection(g, box)):
            for candidate in (geom, shapely.make_valid(geom)):
                try:
                    return cut(candidate)
                except GEOSException:
                    continue
        return None

    if not isinstance(geoms, np.ndarray):
        cut = one(geoms)
        return shapely.GeometryCollection() if cut is None else cut
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):
        out[i] = one(geom)
    return out


def _project_clip(geoms: np.ndarray, attr: np.ndarray, proj: "Proj", vx: "Rect", type_id: int):
    import shapely

    if len(geoms) == 0:
        return geoms, attr
    # Drop vertices closer than ~1/1000 of the panel (a fifth of a point on paper): invisible in
    # print, and it keeps the SVG, and the time to turn it into PDF drawing commands, small. Half
    # of that is done before projecting (in degrees of latitude, never longer on the ground than
    # degrees of longitude), so the projection, the slowest step per point, gets a fraction of them;
    # no segment is left longer than 1/40 of the panel, so a parallel or a long straight border
    # still bends as the projection bends it.
    tol = (vx.x1 - vx.x0) / 1000
    geoms = _presimplify(geoms, 0.5 * tol / KM_PER_DEG_LAT, 25 * tol / KM_PER_DEG_LAT)
    g = clip_to_rect(shapely.transform(geoms, proj.transform_coords), vx.x0, vx.y0, vx.x1, vx.y1)
    g = shapely.simplify(g, tol, preserve_topology=False)
    parts, pi = shapely.get_parts(g, return_index=True)
    keep = (shapely.get_type_id(parts) == type_id) & ~shapely.is_empty(parts)
    return parts[keep], attr[pi[keep]]


def _presimplify(geoms: np.ndarray, tol_deg: float, max_segment_deg: float) -> np.ndarray:
    """``geoms`` simplified in lon/lat, then long segments split again; a geometry the simplification
    degrades too far to split (a ring collapsed to a point, say) is kept as it was."""
    import shapely
    from shapely.errors import GEOSException

    simple = shapely.simplify(geoms, tol_deg, preserve_topology=False)
    try:
        return shapely.segmentize(simple, max_segment_deg)
    except GEOSException:
        pass
    out = np.empty(len(geoms), dtype=object)
    for i, (geom, s) in enumerate(zip(geoms, simple)):
        try:
            out[i] = shapely.segmentize(s, max_segment_deg)
        except GEOSException:
            out[i] = geom
    return out


def clip_layer(layer: geodata.Layer | geodata.TiledLayer, proj: Proj, view: Rect, units: np.ndarray | None = None,
               *, lines: bool = True, outline: bool = False, polys: bool = True, min_km2: float = 0.0) -> _Clipped:
    """``layer`` clipped to ``view`` and projected: its polygons (unless ``polys`` is False), its
    stored lines (``lines``) and the outlines of its polygons (``outline``), only of ``units`` when
    given. Polygons that cannot cover ``min_km2`` (judged by their lon/lat box) are left out before
    they cost a projection.
    """
    windows = geo_windows(proj, view)
    if isinstance(layer, geodata.TiledLayer):
        layer = layer.select(windows)  # only the cells the view overlaps are read
    vx = view.grow(0.03)
    sel = _select(layer.poly_bbox, windows)
    if units is not None:
        sel &= np.isin(layer.poly_unit, units)
    if min_km2 > 0:
        bb = layer.poly_bbox
        # a degree is at most 111.7 km either way; 1.1 covers the projection's stretching far out
        sel &= (bb[:, 2] - bb[:, 0]) * (bb[:, 3] - bb[:, 1]) * (111.7 ** 2) * 1.1 >= min_km2
    idx = np.flatnonzero(sel)
    gpolys, gunit = _geo_clip(layer.polygons[idx], layer.poly_bbox[idx], layer.poly_unit[idx], windows, 3)
    if outline and len(gpolys):
        oline, ounit = _boundary_lines(gpolys, gunit)
        oline, ounit = _project_clip(oline, ounit, proj, vx, 1)
    else:
        oline, ounit = np.array([], dtype=object), np.array([], dtype=int)
    if polys:
        ppolys, punit = _project_clip(gpolys, gunit, proj, vx, 3)
    else:
        ppolys, punit = np.array([], dtype=object), np.array([], dtype=int)
    if lines and layer.line_bbox is not None and len(layer.line_bbox):
        lidx = np.flatnonzero(_select(layer.line_bbox, windows))
        gl, gk = _geo_clip(layer.lines[lidx], layer.line_bbox[lidx], layer.line_kind[lidx], windows, 1)
        gl, gk = _drop_seams(gl, gk)
        pl, pk = _project_clip(gl, gk, proj, vx, 1)
    else:
        pl, pk = np.array([], dtype=object), np.array([], dtype=int)
    return _Clipped(ppolys, punit, pl, pk, oline, ounit)


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


# --------------------------------------------------------------------------------------------- data lookups
def country_units(country: str, loc: MapPoint, warnings: list[str]) -> tuple[np.ndarray, str]:
    """Admin-0 units drawn as "the country", and the ISO code actually used."""
    import shapely

    tiles = geodata.admin0("fine")
    codes = np.asarray(tiles.unit_code)
    code = (country or "").strip().upper()
    units = np.flatnonzero(codes == code)
    if len(units):  # the usual case: no cells read to find what contains the location
        return units, code
    layer = tiles.select([(loc.lon - 0.6, loc.lat - 0.6, loc.lon + 0.6, loc.lat + 0.6)])
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


def find_admin1(code: str, admin1: str, loc: MapPoint, warnings: list[str]) -> int | None:
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
