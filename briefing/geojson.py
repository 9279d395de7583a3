"""Reading map overlays: GeoJSON files and inline coordinate lists, checked point by point.

A facts file may draw shaded areas and lines on the locator map (spec 2, ``map.areas`` and
``map.lines``). Their geometry comes from a GeoJSON file or an inline list of ``[lon, lat]`` pairs;
either way it is checked here and turned into plain tuples, so the map stage gets frozen values and
never reads a file. A mistake is one message naming what is wrong and what was expected; the most
common one, latitude and longitude swapped, is said in so many words.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: Refuse larger GeoJSON files before parsing (a locator map needs outlines, not survey data).
MAX_GEOJSON_BYTES = 5 * 1024 * 1024
MAX_POINTS = 100_000

Point = tuple[float, float]
Ring = tuple[Point, ...]
AreaParts = tuple[tuple[Ring, ...], ...]  # polygons, each a shell and its holes
LineParts = tuple[Ring, ...]  # line strings

AREA_TYPES = ("Polygon", "MultiPolygon")
LINE_TYPES = ("LineString", "MultiLineString")


class GeometryError(ValueError):
    """The geometry is unusable; the message says what is wrong and what was expected."""


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_point(p: Any, where: str) -> Point:
    """One [lon, lat] position, in range; a swapped pair is named as such."""
    if not isinstance(p, (list, tuple)) or len(p) < 2 or not all(_number(v) for v in p[:2]):
        raise GeometryError(f"{where}: {_show(p)} is not a position; expected [lon, lat] in decimal degrees")
    lon, lat = float(p[0]), float(p[1])
    if not -90.0 <= lat <= 90.0:
        hint = (" - are lon and lat swapped? GeoJSON order is [lon, lat]" if -90.0 <= lon <= 90.0 else "")
        raise GeometryError(f"{where}: latitude {lat:g} is out of range{hint}; expected [lon, lat] with lat from -90 to 90")
    if not -180.0 <= lon <= 180.0:
        raise GeometryError(f"{where}: longitude {lon:g} is out of range; expected [lon, lat] with lon from -180 to 180")
    return (lon, lat)


def _show(v: Any) -> str:
    text = json.dumps(v) if isinstance(v, (list, dict, str, int, float, bool)) or v is None else repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _points(seq: Any, where: str, minimum: int, what: str) -> Ring:
    if not isinstance(seq, (list, tuple)) or len(seq) < minimum:
        raise GeometryError(f"{where}: {what} needs at least {minimum} positions; got {_show(seq)}")
    return tuple(check_point(p, f"{where}[{i}]") for i, p in enumerate(seq))


def polygon_from_points(seq: Any, where: str = "polygon") -> AreaParts:
    """An inline polygon: a list of [lon, lat] pairs, closed automatically."""
    ring = _points(seq, where, 3, "a polygon")
    if ring[0] != ring[-1]:
        ring = ring + (ring[0],)
    if len(set(ring)) < 3:
        raise GeometryError(f"{where}: a polygon needs at least 3 different positions")
    return ((ring,),)


def line_from_points(seq: Any, where: str = "line") -> LineParts:
    """An inline line: a list of at least two [lon, lat] pairs."""
    return (_points(seq, where, 2, "a line"),)


def _geometries(doc: Any) -> list[tuple[str, Any]]:
    """(where, geometry) for every geometry in a FeatureCollection, Feature or bare geometry."""
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
        raise GeometryError("is not GeoJSON (no \"type\" member at the top); expected a FeatureCollection, Feature or geometry")
    kind = doc["type"]
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise GeometryError('a FeatureCollection needs a "features" list')
        out: list[tuple[str, Any]] = []
        for i, f in enumerate(feats):
            if not isinstance(f, dict) or f.get("type") != "Feature":
                raise GeometryError(f"features[{i}] is not a Feature")
            out += [(f"features[{i}]" + ("." + w if w else ""), g) for w, g in _geometries_of_feature(f)]
        return out
    if kind == "Feature":
        return _geometries_of_feature(doc)
    return [("", doc)]


def _geometries_of_feature(f: dict) -> list[tuple[str, Any]]:
    g = f.get("geometry")
    if g is None:
        return []
    if isinstance(g, dict) and g.get("type") == "GeometryCollection":
        return [(f"geometry.geometries[{i}]", x) for i, x in enumerate(g.get("geometries") or [])]
    return [("geometry", g)]


def _parts(where: str, g: Any, allowed: tuple[str, ...]) -> list:
    if not isinstance(g, dict) or "coordinates" not in g:
        raise GeometryError(f"{where or 'geometry'}: not a geometry with coordinates")
    kind = g.get("type")
    if kind not in allowed:
        raise GeometryError(f"{where or 'geometry'}: a {kind} cannot be drawn here; expected {' or '.join(allowed)}")
    c = g["coordinates"]
    at = f"{where}.coordinates" if where else "coordinates"
    if kind == "LineString":
        return [_points(c, at, 2, "a LineString")]
    if kind == "MultiLineString":
        _list(c, at)
        return [_points(x, f"{at}[{i}]", 2, "a LineString") for i, x in enumerate(c)]
    polys = [c] if kind == "Polygon" else _list(c, at)
    out = []
    for i, poly in enumerate(polys):
        pat = at if kind == "Polygon" else f"{at}[{i}]"
        rings = _list(poly, pat)
        if not rings:
            raise GeometryError(f"{pat}: a Polygon needs at least one ring")
        rs = tuple(_points(r, f"{pat}[{j}]", 4, "a ring") for j, r in enumerate(rings))
        for j, r in enumerate(rs):
            if r[0] != r[-1]:
                raise GeometryError(f"{pat}[{j}]: the ring is not closed (its first and last positions differ); expected a closed ring")
        out.append(rs)
    return out


def _list(v: Any, where: str) -> list:
    if not isinstance(v, list):
        raise GeometryError(f"{where}: expected a list, got {_show(v)}")
    return v


def parse_geojson(data: bytes, kind: str) -> AreaParts | LineParts:
    """The areas (``kind="area"``) or lines (``kind="line"``) of a GeoJSON file's bytes, checked.

    The file itself is found and read as every file a facts file names is (``files.source_file``,
    ``files.read_bounded``: confined to the facts file's folder, a regular file, at most
    ``MAX_GEOJSON_BYTES``)."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise GeometryError("is not UTF-8 text; expected a GeoJSON file") from None
    except json.JSONDecodeError as exc:
        raise GeometryError(f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); expected a GeoJSON file") from None
    except RecursionError:  # the fault probe's 100,000 nested arrays: json's reader recurses per level
        raise GeometryError("nests its arrays and objects too deeply to read; expected a GeoJSON file "
                            "(a FeatureCollection of MultiPolygons nests 7 deep)") from None
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if crs is not None:
        name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
        if not name.endswith(("CRS84", "4326")):
            raise GeometryError(f"uses the coordinate system {_show(name or crs)}; expected WGS 84 longitude/latitude (RFC 7946)")
    allowed = AREA_TYPES if kind == "area" else LINE_TYPES
    parts: list = []
    for where, g in _geometries(doc):
        parts += _parts(where, g, allowed)
    if not parts:
        raise GeometryError(f"holds no {' or '.join(allowed)} geometry; expected at least one")
    total = sum(len(r) for p in parts for r in (p if kind == "area" else (p,)))
    if total > MAX_POINTS:
        raise GeometryError(f"has {total:,} positions; at most {MAX_POINTS:,} are allowed (simplify the outline)")
    return tuple(parts)
