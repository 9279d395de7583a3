"""Vendored, offline map data: loaded lazily, once per process, from ``assets/map/``.

The files are built by ``tools/build_assets.py`` from Natural Earth (public domain) and GeoNames
(CC BY 4.0) as shipped in registry packages; see ``assets/ATTRIBUTION.md``. Nothing here touches the
network or needs those packages.
"""

from __future__ import annotations

import functools
import lzma
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "map"
SCALE = 10_000  # coordinates are stored in 1e-4 degree units

ATTRIBUTION = ("Map data: Natural Earth (public domain); water: GSHHG (LGPL); "
               "places: GeoNames (CC BY 4.0, geonames.org)")


class MapDataMissing(RuntimeError):
    """The vendored map assets are not there (run tools/build_assets.py)."""


# --------------------------------------------------------------------------------------------- names
_FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i",
                       "þ": "th", "ð": "d", "ħ": "h"})
_APOSTROPHES = re.compile(r"['’ʼʹ`´‘\"]")
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.,/()]+")
_TYPE_WORDS = frozenset(
    "oblast oblasti region regions province provincia provinz state county governorate prefecture "
    "krai kray republic respublika autonomous district department departement okrug voivodeship "
    "canton of the".split()
)


def normalise_name(s: str, *, strip_types: bool = False) -> str:
    """A key for matching names: case-, diacritic-, apostrophe- and hyphen-insensitive.

    ``"Donets'k"``, ``"Donetsk"`` and ``"DONETSK"`` give the same key; with ``strip_types`` generic
    words such as "Oblast" or "Province" are dropped, so "Donetsk Oblast" matches too.
    """
    s = unicodedata.normalize("NFKC", s).casefold().translate(_FOLD)
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    s = _APOSTROPHES.sub("", s)
    s = _SEPARATORS.sub(" ", s).strip()
    if strip_types:
        words = [w for w in s.split() if w not in _TYPE_WORDS]
        if words:
            s = " ".join(words)
    return s


# --------------------------------------------------------------------------------------------- geometry
@dataclass(frozen=True, eq=False)
class Layer:
    """Polygons of named units (countries or regions), in lon/lat degrees."""

    xy: np.ndarray  # (N, 2) float64 lon, lat
    ring_start: np.ndarray  # (R + 1,)
    ring_poly: np.ndarray  # (R,)
    poly_unit: np.ndarray  # (P,)
    poly_bbox: np.ndarray  # (P, 4) lon_min, lat_min, lon_max, lat_max (of the shell)
    unit_name: tuple[str, ...]
    unit_code: tuple[str, ...] = ()  # admin-0: ISO alpha-2 (or "-" + NE A3 when there is none)
    unit_keys: tuple[frozenset[str], ...] = ()  # admin-1: normalised names that match the unit
    unit_label: np.ndarray | None = None  # admin-0: Natural Earth's label point (lon, lat)
    line_xy: np.ndarray | None = None  # boundary lines, each once: (M, 2) lon, lat
    line_start: np.ndarray | None = None  # (L + 1,)
    line_kind: np.ndarray | None = None  # (L,) 0 = coastline (outer), 1 = border between two units
    line_bbox: np.ndarray | None = None  # (L, 4)

    @functools.cached_property
    def lines(self) -> np.ndarray:
        """Boundary lines as a shapely array (built on first use)."""
        import shapely

        if self.line_xy is None or len(self.line_start) < 2:
            return np.array([], dtype=object)
        return shapely.from_ragged_array(
            shapely.GeometryType.LINESTRING, self.line_xy, (self.line_start.astype(np.int64),)
        )

    @functools.cached_property
    def polygons(self) -> np.ndarray:
        """All polygons as a shapely array (built on first use)."""
        import shapely

        ring_offsets = self.ring_start.astype(np.int64)
        poly_first_ring = np.searchsorted(self.ring_poly, np.arange(len(self.poly_unit)), side="left")
        poly_offsets = np.append(poly_first_ring, len(self.ring_poly)).astype(np.int64)
        return shapely.from_ragged_array(
            shapely.GeometryType.POLYGON, self.xy, (ring_offsets, poly_offsets)
        )


def _load_layer(path: Path) -> Layer:
    if not path.exists():
        raise MapDataMissing(f"map data file {path} is missing; run tools/build_assets.py")
    with np.load(path, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    xy = np.ascontiguousarray(np.cumsum(data["xy"].astype(np.int64), axis=0) / SCALE, dtype=np.float64)
    ring_start = data["ring_start"].astype(np.int64)
    ring_poly = data["ring_poly"].astype(np.int64)
    poly_unit = data["poly_unit"].astype(np.int64)
    npoly = len(poly_unit)
    # bbox of each polygon's shell (first ring of the polygon)
    if len(ring_poly):
        first = np.searchsorted(ring_poly, np.arange(npoly), side="left")
        starts = ring_start[first]
        ends = ring_start[first + 1]
        # reduce over [start, end) of each shell: reduceat on interleaved (start, end) offsets
        seg = np.empty(2 * npoly, dtype=np.int64)
        seg[0::2], seg[1::2] = starts, ends
        if seg[-1] == len(xy):
            seg = seg[:-1]  # the last shell then runs to the end (its holes lie inside it anyway)
        mx = np.maximum.reduceat(xy[:, 0], seg)[0::2]
        my = np.maximum.reduceat(xy[:, 1], seg)[0::2]
        mnx = np.minimum.reduceat(xy[:, 0], seg)[0::2]
        mny = np.minimum.reduceat(xy[:, 1], seg)[0::2]
        bbox = np.stack([mnx, mny, mx, my], axis=1)
    else:
        bbox = np.zeros((0, 4))
    names = tuple(str(n) for n in data["unit_name"])
    line_xy = np.ascontiguousarray(np.cumsum(data["line_xy"].astype(np.int64), axis=0) / SCALE, dtype=np.float64)
    line_start = data["line_start"].astype(np.int64)
    if len(line_start) > 1:
        s0, e0 = line_start[:-1], line_start[1:]
        seg = np.empty(2 * len(s0), dtype=np.int64)
        seg[0::2], seg[1::2] = s0, e0
        seg = seg[:-1]
        line_bbox = np.stack([np.minimum.reduceat(line_xy[:, 0], seg)[0::2], np.minimum.reduceat(line_xy[:, 1], seg)[0::2],
                              np.maximum.reduceat(line_xy[:, 0], seg)[0::2], np.maximum.reduceat(line_xy[:, 1], seg)[0::2]], 1)
    else:
        line_bbox = np.zeros((0, 4))
    return Layer(
        xy=xy,
        ring_start=ring_start,
        ring_poly=ring_poly,
        poly_unit=poly_unit,
        poly_bbox=bbox,
        unit_name=names,
        unit_code=tuple(str(c) for c in data["unit_code"]) if "unit_code" in data else (),
        unit_keys=tuple(frozenset(k for k in str(s).split("|") if k) for s in data["unit_keys"])
        if "unit_keys" in data
        else (),
        unit_label=data.get("unit_label"),
        line_xy=line_xy,
        line_start=line_start,
        line_kind=data["line_kind"].astype(np.int64),
        line_bbox=line_bbox,
    )


@functools.cache
def admin0(level: str = "fine") -> Layer:
    """Countries: ``level`` is "fine" (detail panel) or "coarse" (overview)."""
    if level not in ("fine", "coarse"):
        raise ValueError(level)
    return _load_layer(ASSETS / f"admin0_{level}.npz")


@functools.cache
def lakes() -> Layer:
    """Lakes and reservoirs (GSHHG level 2) as polygons."""
    return _load_layer(ASSETS / "lakes.npz")


@functools.cache
def land() -> Layer | None:
    """The high-resolution shoreline (GSHHG level 1) as land polygons, or None when not vendored."""
    path = ASSETS / "land.npz"
    return _load_layer(path) if path.exists() else None


@functools.cache
def rivers() -> Layer:
    """Rivers (GSHHG WDBII) as lines (``line_kind`` 2), without polygons."""
    return _load_layer(ASSETS / "rivers.npz")


@functools.cache
def admin1(iso2: str) -> Layer | None:
    """The admin-1 regions of one country, or None when the data has none for it."""
    if not re.fullmatch(r"[A-Z]{2}", iso2 or ""):
        return None
    path = ASSETS / "admin1" / f"{iso2}.npz"
    if not path.exists():
        if not ASSETS.exists():
            raise MapDataMissing(f"map data directory {ASSETS} is missing; run tools/build_assets.py")
        return None
    return _load_layer(path)


# --------------------------------------------------------------------------------------------- places
@dataclass(frozen=True)
class PlaceRow:
    geonameid: int
    name: str
    lat: float
    lon: float
    country: str
    population: int


@functools.cache
def _places_text() -> str:
    path = ASSETS / "places.tsv.xz"
    if not path.exists():
        raise MapDataMissing(f"gazetteer file {path} is missing; run tools/build_assets.py")
    return lzma.decompress(path.read_bytes()).decode("utf-8")


def find_places(key: str) -> list[PlaceRow]:
    """Gazetteer rows whose name or an alternate name has the normalised form ``key``.

    The GeoNames populated places (population >= 500) are kept as one decompressed text, loaded once;
    each line ends with "|name|alt|...|" (normalised), so a lookup is one substring search.
    """
    if not key or "|" in key or "\n" in key:
        return []
    text = _places_text()
    needle = "|" + key + "|"
    out: list[PlaceRow] = []
    seen: set[int] = set()
    pos = text.find(needle)
    while pos != -1:
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        if start not in seen:
            seen.add(start)
            gid, name, lat, lon, cc, pop, _keys = text[start:end].split("\t")
            out.append(PlaceRow(int(gid), name, float(lat), float(lon), cc, int(pop)))
        pos = text.find(needle, end)
    return out


@dataclass(frozen=True, eq=False)
class Towns:
    """Gazetteer places as arrays, most populous first: orientation towns for the map."""

    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray
    name: tuple[str, ...]
    geonameid: np.ndarray


@functools.cache
def towns() -> Towns:
    """Gazetteer places of 1,000 people or more, most populous first (``towns.npz``), loaded once."""
    path = ASSETS / "towns.npz"
    if not path.exists():
        raise MapDataMissing(f"map data file {path} is missing; run tools/build_assets.py")
    with np.load(path, allow_pickle=False) as z:
        return Towns(lon=z["lon"], lat=z["lat"], population=z["population"],
                     name=tuple(z["names"].tobytes().decode("utf-8").split("\n")), geonameid=z["geonameid"])
