"""Vendored, offline map data: loaded lazily, once per process, from ``assets/map/``.

The files are built by ``tools/build_assets.py`` from Natural Earth (public domain), GSHHG (LGPL) and
GeoNames (CC BY 4.0); see ``assets/ATTRIBUTION.md``. Nothing here touches the network or needs the
packages they came in.

Two forms, chosen by how the map reads them. The detail layers (fine countries, land and islets,
lakes, rivers: 3 million points) and Natural Earth's named layers (rivers and canals, lakes, seas,
ice, mountains, airports, ports) are cut into 5-degree cells and memory-mapped uncompressed
(``briefing/tiles.py``; ``TiledLayer``, ``named.NamedLayer``): a map reads and decodes only the few
cells its views overlap, in milliseconds, where decompressing the whole planet took 0.4 s. Layers
every map reads whole (the overview's countries, one country's regions) are small compressed
``.npz`` files (``Layer``).
"""

from __future__ import annotations

import functools
import lzma
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import tiles
from .named import (AREA_KINDS, ICE_KINDS, LAKE_KINDS, LINE_KINDS, MARINE_KINDS, POINT_KINDS, NamedArea,  # noqa: F401
                    NamedLayer, NamedLine, NamedPoint, hits)

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "map"
SCALE = tiles.SCALE  # coordinates are stored in 1e-4 degree units (the .npz layers too)

#: How the map's data line credits Natural Earth (the countries, regions and every named layer).
NATURAL_EARTH_CREDIT = "Natural Earth (public domain)"
#: The map's data line (``map.drawing`` prints it under the map).
ATTRIBUTION = (f"Map data: {NATURAL_EARTH_CREDIT}; water: GSHHG (LGPL); "
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


Window = tiles.Window


@dataclass(frozen=True, eq=False)
class LayerView:
    """The part of a tiled layer that some lon/lat windows need, in lon/lat degrees.

    Polygons are whole again where the cells had cut them (pieces of one polygon are merged), so
    lake shores and outlines never show the cell grid; lines are left in pieces (they draw the same).
    """

    polygons: np.ndarray  # shapely polygons
    poly_unit: np.ndarray
    poly_bbox: np.ndarray  # (P, 4)
    lines: np.ndarray  # shapely linestrings
    line_kind: np.ndarray
    line_bbox: np.ndarray  # (L, 4)
    unit_name: tuple[str, ...] = ()
    unit_code: tuple[str, ...] = ()


class TiledLayer:
    """A layer cut into grid cells at build time and memory-mapped: only the cells a view overlaps
    are read and decoded, so a map of a few hundred km touches a few hundred KB, not the planet.

    ``read`` holds the cells decoded so far (the tests assert on it); decoded views are kept for
    the next map of the same area (a scheduled rerun or the preview draws the same views again).
    """

    def __init__(self, folder: Path):
        if not (folder / "cells.npy").exists():
            raise MapDataMissing(f"map data folder {folder} is missing; run tools/build_assets.py")
        self.folder = folder
        self._a = tiles.open_folder(folder)
        self.cells = np.asarray(self._a["cells"])
        self.unit_name = tuple(str(n) for n in self._a["unit_name"]) if "unit_name" in self._a else ()
        self.unit_code = tuple(str(c) for c in self._a["unit_code"]) if "unit_code" in self._a else ()
        self.unit_label = np.asarray(self._a["unit_label"]) if "unit_label" in self._a else None
        self.read: set[int] = set()
        self._views: dict[tuple[int, ...], LayerView] = {}

    def cells_for(self, windows: Sequence[Window]) -> tuple[int, ...]:
        """Indexes of the stored cells that overlap any of the lon/lat ``windows`` (x0, y0, x1, y1)."""
        return tiles.stored_cells(self._a, windows)

    def select(self, windows: Sequence[Window]) -> LayerView:
        """The layer's geometry in the cells the ``windows`` overlap."""
        key = self.cells_for(windows)
        view = self._views.get(key)
        if view is None:
            if len(self._views) >= 32:
                self._views.pop(next(iter(self._views)))
            view = self._views[key] = self._decode(key)
        return view

    def _decode(self, idx: tuple[int, ...]) -> LayerView:
        import shapely

        self.read.update(int(self.cells[i]) for i in idx)
        polys, units, ids, lines, kinds = [], [], [], [], []
        for i in idx:
            if (cell := tiles.cell_polygons(self._a, i)) is not None:
                polys.append(cell[0])
                units.append(cell[1])
                ids.append(cell[2])
            if (cell := tiles.cell_lines(self._a, i)) is not None:
                lines.append(cell[0])
                kinds.append(cell[1])
        geoms = np.concatenate(polys) if polys else np.array([], dtype=object)
        unit = np.concatenate(units).astype(np.int64) if units else np.zeros(0, np.int64)
        geoms, unit = _merge_pieces(geoms, unit, np.concatenate(ids) if ids else np.zeros(0, np.int64))
        line_geoms = np.concatenate(lines) if lines else np.array([], dtype=object)
        return LayerView(
            polygons=geoms, poly_unit=unit, poly_bbox=shapely.bounds(geoms).reshape(-1, 4),
            lines=line_geoms, line_kind=np.concatenate(kinds).astype(np.int64) if kinds else np.zeros(0, np.int64),
            line_bbox=shapely.bounds(line_geoms).reshape(-1, 4), unit_name=self.unit_name, unit_code=self.unit_code,
        )


def _merge_pieces(geoms: np.ndarray, unit: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pieces of one polygon (cut by the cell grid) joined again; they meet along identical edges."""
    import shapely

    uniq, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts == 1).all():
        return geoms, unit
    keep = np.isin(ids, uniq[counts == 1])
    out, out_unit = [geoms[keep]], [unit[keep]]
    for pid, at in zip(uniq[counts > 1], first[counts > 1]):
        merged = shapely.get_parts(shapely.coverage_union_all(geoms[ids == pid]))
        merged = merged[shapely.get_type_id(merged) == 3]
        out.append(merged)
        out_unit.append(np.full(len(merged), unit[at]))
    return np.concatenate(out), np.concatenate(out_unit)


@functools.cache
def admin0(level: str = "fine") -> Layer | TiledLayer:
    """Countries: ``level`` is "fine" (detail panel; tiled) or "coarse" (overview; read whole)."""
    if level == "fine":
        return TiledLayer(ASSETS / "admin0_fine")
    if level != "coarse":
        raise ValueError(level)
    return _load_layer(ASSETS / "admin0_coarse.npz")


@functools.cache
def lakes() -> TiledLayer:
    """Lakes and reservoirs (GSHHG level 2) as polygons."""
    return TiledLayer(ASSETS / "lakes")


@functools.cache
def land() -> TiledLayer | None:
    """The high-resolution shoreline (GSHHG level 1) as land polygons, or None when not vendored."""
    path = ASSETS / "land"
    return TiledLayer(path) if path.exists() else None


@functools.cache
def islets() -> TiledLayer:
    """GSHHG's islets of 0.2 to 0.5 km2 (too small for ``land``), for panels that can show them."""
    return TiledLayer(ASSETS / "islets")


#: The smallest island ``land`` holds (km2); ``islets`` holds those from ISLET_KM2 up to it.
LAND_KM2, ISLET_KM2 = 0.5, 0.2


def land_layers(speck_km2: float) -> tuple[TiledLayer, ...]:
    """The shoreline layers for a panel on which an island of ``speck_km2`` is the smallest worth drawing:
    ``land`` alone, and ``islets`` too when the panel is small enough to show islands under 0.5 km2
    (so a town on one is not labelled in open sea). Empty when no shoreline is vendored."""
    base = land()
    if base is None:
        return ()
    return (base, islets()) if speck_km2 < LAND_KM2 else (base,)


@functools.cache
def rivers() -> TiledLayer:
    """Rivers (GSHHG WDBII) as lines (``line_kind`` 2), without polygons."""
    return TiledLayer(ASSETS / "rivers")


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


class _Names:
    """Town names decoded one at a time from one UTF-8 buffer (147,000 of them; a map reads a few dozen)."""

    def __init__(self, data: np.ndarray, start: np.ndarray):
        self._data, self._start = data, start

    def __len__(self) -> int:
        return len(self._start) - 1

    def __getitem__(self, i: int) -> str:
        return bytes(self._data[int(self._start[i]):int(self._start[i + 1])]).decode("utf-8")


@dataclass(frozen=True, eq=False)
class Towns:
    """Gazetteer places as arrays, most populous first: orientation towns for the map."""

    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray
    name: _Names
    capital: np.ndarray  # the rows of the national capitals, ascending


@functools.cache
def towns() -> Towns:
    """Gazetteer places of 1,000 people or more, most populous first (``towns/``), memory-mapped."""
    folder = ASSETS / "towns"
    if not (folder / "lon.npy").exists():
        raise MapDataMissing(f"map data folder {folder} is missing; run tools/build_assets.py")

    def arr(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)

    return Towns(lon=arr("lon"), lat=arr("lat"), population=arr("population"),
                 name=_Names(arr("names"), arr("name_start")), capital=np.load(folder / "capital.npy"))


# --------------------------------------------------------------------------------------------- named features
def label_zoom(width_km: float, width_px: float, lat: float = 0.0) -> float:
    """The web-map zoom a panel ``width_km`` across drawn ``width_px`` wide at latitude ``lat`` matches,
    the scale of Natural Earth's ``min_label``: a feature of ``rank`` up to it deserves a name there.

    At zoom z a web map is 256 * 2**z pixels round the world, which at ``lat`` is 40,075 km * cos(lat)
    (a 50 km panel at 48.6 N drawn 336 px wide: about 9.4, so the Donets, min_label 7, is named; its
    2,000 km overview: about 4.1, the Black Sea, 2, is named and the Sea of Azov, 6, is not).
    """
    import math

    world = 40_075.0 * max(0.05, math.cos(math.radians(lat)))
    return math.log2(max(1e-9, world * width_px / (256.0 * max(width_km, 1e-6))))


def _windows(window: Window | Sequence[Window]) -> list[Window]:
    return [tuple(window)] if len(window) == 4 and not isinstance(window[0], (tuple, list)) else [tuple(w) for w in window]  # type: ignore[misc]


@functools.cache
def named_layer(name: str) -> NamedLayer:
    """One named layer: "lines", "lakes", "marine", "ice" or "points" (``assets/map/named_<name>/``)."""
    if name not in ("lines", "lakes", "marine", "ice", "points"):
        raise ValueError(name)
    folder = ASSETS / f"named_{name}"
    if not (folder / "cells.npy").exists():
        raise MapDataMissing(f"map data folder {folder} is missing; run tools/build_assets.py")
    return NamedLayer(folder)


def _select(layers: Sequence[str], window: Window | Sequence[Window], kinds: Iterable[str] | None,
            max_rank: float | None) -> list:
    windows = _windows(window)
    want = None if kinds is None else frozenset(kinds)
    out = []
    for layer in layers:
        feats, box = named_layer(layer).features(windows)
        for f, hit in zip(feats, hits(box, windows)):
            if hit and (want is None or f.kind in want) and (max_rank is None or f.rank <= max_rank):
                out.append(f)
    out.sort(key=lambda f: (f.rank, f.name))
    return out


def named_lines(window: Window | Sequence[Window], kinds: Iterable[str] | None = None,
                max_rank: float | None = None) -> tuple[NamedLine, ...]:
    """Named rivers, canals and lake centre lines (``LINE_KINDS``) with a part in ``window`` (a lon/lat
    box or several), of ``kinds`` (all when None) and ``rank`` at most ``max_rank``; most important
    first. Reads only the cells the window overlaps."""
    return tuple(_select(("lines",), window, kinds, max_rank))


def named_areas(window: Window | Sequence[Window], kinds: Iterable[str] | None = None,
                max_rank: float | None = None) -> tuple[NamedArea, ...]:
    """Lakes and reservoirs, seas, gulfs, bays, straits, ... and ice (``AREA_KINDS``) with a part in
    ``window``, as ``named_lines`` chooses them; only the layers ``kinds`` asks for are read (ice
    includes unnamed glaciers: name "")."""
    want = AREA_KINDS if kinds is None else frozenset(kinds)
    layers = [n for n, ks in (("lakes", LAKE_KINDS), ("marine", MARINE_KINDS), ("ice", ICE_KINDS)) if want & ks]
    return tuple(_select(layers, window, want, max_rank))


def named_points(window: Window | Sequence[Window], kinds: Iterable[str] | None = None,
                 max_rank: float | None = None) -> tuple[NamedPoint, ...]:
    """Mountains (with elevation), airports, ports, capes, islands, ... (``POINT_KINDS``) in ``window``,
    as ``named_lines`` chooses them."""
    return tuple(_select(("points",), window, kinds, max_rank))
