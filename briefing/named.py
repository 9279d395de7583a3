"""Natural Earth's named layers (``assets/map/named_*``): the feature values and the tiled reader.

``briefing/geodata.py`` opens a layer (``geodata.named_layer``) and chooses features by window, kind
and rank (``geodata.named_lines``, ``named_areas``, ``named_points``); this module holds what those
return and how a layer's cells and feature table are decoded (the layout: ``briefing/tiles.py``; the
table: ``tools/build_assets.py``, ``build_named``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import tiles
from .tiles import Window

if TYPE_CHECKING:
    import shapely

#: Kinds of named features, by the function that returns them (``kinds`` chooses among them).
LINE_KINDS = frozenset({"river", "intermittent river", "canal", "lake centerline"})
LAKE_KINDS = frozenset({"lake", "reservoir", "alkaline lake"})
MARINE_KINDS = frozenset({"ocean", "sea", "gulf", "bay", "strait", "channel", "sound", "fjord", "lagoon", "inlet",
                          "reef", "river"})  # "river": an estuary (Rio de la Plata) drawn as sea
ICE_KINDS = frozenset({"ice"})
AREA_KINDS = LAKE_KINDS | MARINE_KINDS | ICE_KINDS
POINT_KINDS = frozenset({"mountain", "spot elevation", "depression", "plateau", "pass", "airport", "military airport",
                         "port", "cape", "island", "island group", "waterfall", "plain", "pole"})


@dataclass(frozen=True, eq=False)
class NamedFeature:
    """A feature of Natural Earth's named layers, as far as the cells read hold it.

    ``name`` is Natural Earth's own (``name``; in the script it has there, whitespace tidied; "" only
    for unnamed ice), ``alt_names`` its other names (English, alternative, abbreviated).
    ``rank``: lower is more important; Natural Earth's ``min_label`` (the web-map zoom from which it
    labels the feature: 1 an ocean, 5 the Dnipro, 7 the Donets, 8 a supplementary river) where the
    layer has one, else ``min_zoom``, else ``scalerank``. ``scalerank`` is Natural Earth's (0-12).
    ``label`` is where a name goes when all of it is shown: an area's pole of inaccessibility, a
    line's middle (lon, lat). ``bbox`` is the whole feature's (lon/lat).
    """

    name: str
    kind: str
    rank: float
    scalerank: int
    alt_names: tuple[str, ...]
    label: tuple[float, float]
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True, eq=False)
class NamedLine(NamedFeature):
    """A river, canal or lake centre line. ``geometry``: a shapely MultiLineString in lon/lat, the
    parts in the cells read (pieces cut by the grid joined again)."""

    geometry: shapely.MultiLineString | None = None

    def longest_in(self, window: Window) -> shapely.LineString | None:
        """The longest stretch of the line inside ``window`` (lon/lat; where its name is set along it),
        or None when none of it is there."""
        import shapely

        parts = shapely.get_parts(shapely.line_merge(shapely.clip_by_rect(self.geometry, *window)))
        parts = [p for p in parts if shapely.get_type_id(p) == 1 and not p.is_empty]
        return max(parts, key=lambda p: p.length) if parts else None


@dataclass(frozen=True, eq=False)
class NamedArea(NamedFeature):
    """A lake, reservoir, sea, gulf, strait, ... or ice. ``geometry``: a shapely MultiPolygon in lon/lat,
    the parts in the cells read (pieces cut by the grid merged again)."""

    geometry: shapely.MultiPolygon | None = None

    def label_in(self, window: Window) -> tuple[float, float] | None:
        """Where the name goes in ``window``: ``label`` when it lies inside, else the pole of
        inaccessibility of the part of the area in the window (None when none of it is there)."""
        import shapely
        from shapely.ops import polylabel

        x0, y0, x1, y1 = window
        if x0 <= self.label[0] <= x1 and y0 <= self.label[1] <= y1:
            return self.label
        parts = shapely.get_parts(shapely.clip_by_rect(self.geometry, x0, y0, x1, y1))
        parts = [p for p in parts if shapely.get_type_id(p) == 3 and not p.is_empty]
        if not parts:
            return None
        big = max(parts, key=lambda p: p.area)
        pt = polylabel(big, tolerance=max(1e-4, big.area ** 0.5 / 100.0))
        return float(pt.x), float(pt.y)


@dataclass(frozen=True)
class NamedPoint:
    """A mountain (with ``elevation`` in metres, or None), airport (``code``: IATA), port, cape, island, ..."""

    name: str
    kind: str
    rank: float
    scalerank: int
    alt_names: tuple[str, ...]
    lon: float
    lat: float
    elevation: int | None = None
    code: str = ""


def hits(bbox: np.ndarray, windows: Sequence[Window]) -> np.ndarray:
    """Which (n, 4) lon/lat boxes overlap any window."""
    hit = np.zeros(len(bbox), dtype=bool)
    for (x0, y0, x1, y1) in windows:
        hit |= (bbox[:, 0] <= x1) & (bbox[:, 2] >= x0) & (bbox[:, 1] <= y1) & (bbox[:, 3] >= y0)
    return hit


class NamedLayer:
    """One of the named layers (``assets/map/named_*``): tiled like ``TiledLayer`` (only the cells a
    window overlaps are read; ``read`` holds them), with a feature table read whole on first use.

    The features of a set of cells are decoded once and kept (a rerun or the preview draws the
    same views again); a call then only filters them by window, kind and rank.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._a = tiles.open_folder(folder)
        self.cells = np.asarray(self._a["cells"])
        self.kinds = tuple(str(k) for k in self._a["kinds"])
        self.read: set[int] = set()
        self._features: dict[tuple[int, ...], tuple[tuple, np.ndarray]] = {}

    @functools.cached_property
    def _table(self) -> dict[str, list]:
        """The feature table as Python values, read once (a few hundred KB; indexing the memory map
        feature by feature cost more than the geometry)."""
        a = self._a

        def texts(key: str) -> list[str]:
            buf, start = bytes(a[key]), np.asarray(a[key + "_start"]).tolist()
            return [buf[s:e].decode("utf-8") for s, e in zip(start[:-1], start[1:])]

        table = {"name": texts("feat_name"), "alt": [tuple(t.split("|")) if t else () for t in texts("feat_alt")],
                 "kind": [self.kinds[k] for k in np.asarray(a["feat_kind"]).tolist()],
                 "rank": np.asarray(a["feat_rank"], dtype=np.float64).tolist(),
                 "scalerank": np.asarray(a["feat_scalerank"]).tolist()}
        for key in ("feat_label", "feat_bbox", "feat_value", "feat_code"):
            if key in a:
                table[key] = [tuple(v) if isinstance(v, list) else v for v in np.asarray(a[key]).tolist()]
        return table

    def _common(self, u: int) -> dict:
        t = self._table
        return dict(name=t["name"][u], kind=t["kind"][u], rank=t["rank"][u], scalerank=t["scalerank"][u],
                    alt_names=t["alt"][u])

    def features(self, windows: Sequence[Window]) -> tuple[tuple, np.ndarray]:
        """Every feature with a piece in the cells the ``windows`` overlap (unfiltered), decoded once,
        and the lon/lat box of each one's pieces there ((n, 4): what a window is tested against)."""
        idx = tiles.stored_cells(self._a, windows)
        found = self._features.get(idx)
        if found is None:
            if len(self._features) >= 32:
                self._features.pop(next(iter(self._features)))
            found = self._features[idx] = self._decode(idx)
        return found

    def _decode(self, idx: tuple[int, ...]) -> tuple[tuple, np.ndarray]:
        import shapely

        a = self._a
        self.read.update(int(self.cells[i]) for i in idx)
        pgeoms, punits, lgeoms, lunits = [], [], [], []
        points: list[tuple[int, float, float]] = []
        for i in idx:
            if (cell := tiles.cell_polygons(a, i)) is not None:
                pgeoms.append(cell[0])
                punits.append(cell[1])
            if (cell := tiles.cell_lines(a, i)) is not None and cell[2] is not None:
                lgeoms.append(cell[0])
                lunits.append(cell[2])
            if "cell_point" in a:
                xy, units = tiles.cell_points(a, i)
                points += [(int(u), float(x), float(y)) for u, (x, y) in zip(units, xy)]
        t = self._table
        out: list = []
        units, geoms = _per_unit(pgeoms, punits, lambda parts: shapely.coverage_union_all(parts), shapely.multipolygons, 3)
        for u, geom in zip(units, geoms):
            out.append(NamedArea(**self._common(u), label=t["feat_label"][u], bbox=t["feat_bbox"][u], geometry=geom))
        units, geoms = _per_unit(lgeoms, lunits, lambda parts: shapely.line_merge(shapely.multilinestrings(parts)),
                                 shapely.multilinestrings, 1)
        for u, geom in zip(units, geoms):
            out.append(NamedLine(**self._common(u), label=t["feat_label"][u], bbox=t["feat_bbox"][u], geometry=geom))
        for u, x, y in sorted(points):
            elev = t["feat_value"][u]
            out.append(NamedPoint(**self._common(u), lon=x, lat=y, elevation=None if elev == -32768 else elev,
                                  code=t["feat_code"][u]))
        if "cell_point" in a:
            box = np.array([(f.lon, f.lat, f.lon, f.lat) for f in out]).reshape(-1, 4)
        else:
            box = shapely.bounds(np.array([f.geometry for f in out], dtype=object)).reshape(-1, 4)
        return tuple(out), box


def _per_unit(geoms: list, units: list, join, collect, type_id: int) -> tuple[list[int], np.ndarray]:
    """The pieces of each feature (``units``) joined where the grid cut it (``join``, only for a feature
    of several pieces) and collected into one multi-geometry each (``collect``), features ascending."""
    import shapely

    if not geoms:
        return [], np.array([], dtype=object)
    g, u = np.concatenate(geoms), np.concatenate(units).astype(np.int64)
    order = np.argsort(u, kind="stable")
    g, u = g[order], u[order]
    uniq, start, count = np.unique(u, return_index=True, return_counts=True)
    parts, index = [g[np.isin(u, uniq[count == 1])]], [np.flatnonzero(count == 1)]
    for k in np.flatnonzero(count > 1):
        joined = shapely.get_parts(join(g[start[k]:start[k] + count[k]]))
        joined = joined[shapely.get_type_id(joined) == type_id]
        parts.append(joined)
        index.append(np.full(len(joined), k))
    parts, index = np.concatenate(parts), np.concatenate(index)
    order = np.argsort(index, kind="stable")  # shapely wants the parts of one collection together, in order
    return uniq.tolist(), collect(parts[order], indices=index[order], out_size=len(uniq))
