"""Natural Earth's named layers (``assets/map/named_*``): the feature values and the tiled reader.

``briefing/geodata.py`` opens a layer (``geodata.named_layer``) and chooses features by window, kind
and rank (``geodata.named_lines``, ``named_areas``, ``named_points``); this module holds what those
return and how a layer's cells and feature table are decoded (the layout: ``briefing/tiles.py``; the
table: ``tools/build_assets.py``, ``build_named``).
"""

from __future__ import annotations

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
    window overlaps are read; ``read`` holds them), with a feature table read row by row.

    The features of a set of cells are decoded once and kept (a rerun or the preview draws the
    same views again); a call then only filters them by window, kind and rank.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._a = tiles.open_folder(folder)
        self.cells = np.asarray(self._a["cells"])
        self.kinds = tuple(str(k) for k in self._a["kinds"])
        self.read: set[int] = set()
        self._features: dict[tuple[int, ...], tuple] = {}

    def _text(self, key: str, i: int) -> str:
        start = self._a[key + "_start"]
        return bytes(self._a[key][int(start[i]):int(start[i + 1])]).decode("utf-8")

    def _common(self, u: int) -> dict:
        a = self._a
        alt = self._text("feat_alt", u)
        return dict(name=self._text("feat_name", u), kind=self.kinds[int(a["feat_kind"][u])],
                    rank=float(a["feat_rank"][u]), scalerank=int(a["feat_scalerank"][u]),
                    alt_names=tuple(alt.split("|")) if alt else ())

    def features(self, windows: Sequence[Window]) -> tuple:
        """Every feature with a piece in the cells the ``windows`` overlap (unfiltered), decoded once."""
        idx = tiles.stored_cells(self._a, windows)
        found = self._features.get(idx)
        if found is None:
            if len(self._features) >= 32:
                self._features.pop(next(iter(self._features)))
            found = self._features[idx] = self._decode(idx)
        return found

    def _decode(self, idx: tuple[int, ...]) -> tuple:
        import shapely

        a = self._a
        self.read.update(int(self.cells[i]) for i in idx)
        polys: dict[int, list] = {}
        lines: dict[int, list] = {}
        points: list[tuple[int, float, float]] = []
        for i in idx:
            if (cell := tiles.cell_polygons(a, i)) is not None:
                for g, u in zip(cell[0], cell[1]):
                    polys.setdefault(int(u), []).append(g)
            if (cell := tiles.cell_lines(a, i)) is not None and cell[2] is not None:
                for g, u in zip(cell[0], cell[2]):
                    lines.setdefault(int(u), []).append(g)
            if "cell_point" in a:
                xy, units = tiles.cell_points(a, i)
                points += [(int(u), float(x), float(y)) for u, (x, y) in zip(units, xy)]
        out: list = []
        for u, parts in sorted(polys.items()):
            geom = parts[0] if len(parts) == 1 else shapely.coverage_union_all(parts)
            geom = shapely.multipolygons(shapely.get_parts(geom)[shapely.get_type_id(shapely.get_parts(geom)) == 3])
            out.append(NamedArea(**self._common(u), label=tuple(float(v) for v in a["feat_label"][u]),
                                 bbox=tuple(float(v) for v in a["feat_bbox"][u]), geometry=geom))
        for u, parts in sorted(lines.items()):
            merged = shapely.line_merge(shapely.multilinestrings(parts)) if len(parts) > 1 else parts[0]
            geom = shapely.multilinestrings(shapely.get_parts(merged))
            out.append(NamedLine(**self._common(u), label=tuple(float(v) for v in a["feat_label"][u]),
                                 bbox=tuple(float(v) for v in a["feat_bbox"][u]), geometry=geom))
        for u, x, y in sorted(points):
            elev = int(a["feat_value"][u])
            out.append(NamedPoint(**self._common(u), lon=x, lat=y, elevation=None if elev == -32768 else elev,
                                  code=str(a["feat_code"][u])))
        return tuple(out)
