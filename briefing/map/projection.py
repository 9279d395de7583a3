"""Projection and geometry of the view: an azimuthal equidistant projection centred on the location.

Distances from the location are true to scale, shapes are good at any latitude and the antimeridian
needs no special case in the drawing. Geodesic distances and bearings for the table come from here too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

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




DATA_NOTE = (
    "Distances and bearings: geodesics on the WGS 84 ellipsoid between the coordinates given in the "
    "facts file (or, where a place has none, the GeoNames gazetteer); bearings are initial true bearings "
    "from the location"
)
KM_PER_MI = 1.609344
COMPASS16 = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")


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


class Proj:
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
class Rect:
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

    def grow(self, f: float) -> "Rect":
        dx, dy = self.w * f, self.h * f
        return Rect(self.x0 - dx, self.y0 - dy, self.x1 + dx, self.y1 + dy)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


def aspect_rect(cx: float, cy: float, half_w: float, half_h: float, aspect: float) -> Rect:
    """A rect of the axes' aspect (w/h) centred on (cx, cy) covering half_w x half_h."""
    hh = max(half_h, half_w / aspect)
    hw = hh * aspect
    return Rect(cx - hw, cy - hh, cx + hw, cy + hh)
