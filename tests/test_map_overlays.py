"""Map overlays (spec 2 map.areas / map.lines), reference geography, orientation towns, the place table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from briefing import geodata
from briefing.build import build_brief
from briefing.errors import FactsError
from briefing.validate import load_facts
from briefing.map import MapPoint
from briefing.map.drawing import _render
from briefing.map.overlays import Overlay
from briefing.map.style import KINDS, REGION_FILL, SEA, WATER_LINE
from conftest import pdf_text, squash

BAKHMUT = MapPoint("Bakhmut", 48.59419, 37.99886)
FRONT = ((38.05, 48.72), (38.02, 48.66), (38.06, 48.56))
AREA = (((37.93, 48.55), (38.03, 48.55), (38.03, 48.63), (37.93, 48.63), (37.93, 48.55)),)


def _aeqd(lat: float, lon: float) -> Transformer:
    """An independent projection (pyproj directly), in km, as the map claims to use."""
    return Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=km",
                                always_xy=True)


def _patches(panel, colour: str) -> list:
    """The unfilled lines and outlines a panel drew in ``colour`` (each a ``canvas.Shape``, data coordinates)."""
    return [s for s in panel.shapes if s.kind in ("lines", "polys") and s.fill is None and s.stroke == colour]


def _fills(panel, colour: str, zorder: float | None = None) -> list:
    """The rings of the polygons a panel filled with ``colour`` (at ``zorder`` when given)."""
    return [ring for s in panel.shapes if s.kind == "polys" and s.fill == colour
            and (zorder is None or s.zorder == zorder) for ring in s.parts]


# ------------------------------------------------------------------------------------- drawing
def test_overlays_land_where_the_projection_puts_them():
    overlays = (Overlay("hostile", "line", "Front", (FRONT,)), Overlay("friendly", "area", "Held", (AREA,)))
    _result, dbg = _render(BAKHMUT, "UA", None, [], overlays=overlays, towns=False)
    ax = dbg.canvas.panels[1]
    tr = _aeqd(BAKHMUT.lat, BAKHMUT.lon)
    (line,) = _patches(ax, KINDS["hostile"].colour)
    expected = np.array([tr.transform(lon, lat) for lon, lat in FRONT])
    assert line.parts[0] == pytest.approx(expected, abs=1e-3)  # within a metre
    outline = [part for p in _patches(ax, KINDS["friendly"].colour) for part in p.parts if len(part) == 5]
    assert outline, "the area's outline is drawn"
    ring = np.array([tr.transform(lon, lat) for lon, lat in AREA[0]])
    assert shapely.hausdorff_distance(shapely.Polygon(outline[0]), shapely.Polygon(ring)) < 1e-3
    # the view was widened to show them
    v = dbg.detail_view
    assert v.x0 < expected[:, 0].min() and expected[:, 0].max() < v.x1
    assert v.y0 < expected[:, 1].min() and expected[:, 1].max() < v.y1


def test_every_kind_has_its_own_colour_hatch_and_dash_for_greyscale_print():
    styles = list(KINDS.values())
    assert len({s.colour for s in styles}) == len(styles)
    assert len({s.hatch_deg for s in styles}) == len(styles)
    assert len({s.dash for s in styles}) == len(styles)


def test_rivers_land_where_the_projection_puts_them():
    """Strasbourg/Kehl: the drawn river paths, taken back to lon/lat independently, lie on the Rhine data."""
    loc = MapPoint("Strasbourg", 48.5839, 7.7455)
    _result, dbg = _render(loc, "FR", None, [MapPoint("Kehl", 48.5725, 7.8152)], towns=False)
    ax = dbg.canvas.panels[1]
    rivers = [s for s in _patches(ax, WATER_LINE) if s.kind == "lines"]
    assert rivers, "rivers are drawn in the detail panel"
    inv = Transformer.from_crs(f"+proj=aeqd +lat_0={loc.lat} +lon_0={loc.lon} +datum=WGS84 +units=km",
                               "EPSG:4326", always_xy=True)
    pts = np.concatenate([part for p in rivers for part in p.parts])
    lon, lat = inv.transform(pts[:, 0], pts[:, 1])
    data = geodata.rivers().select([(7.3, 48.2, 8.2, 49.0)])
    near = (data.line_bbox[:, 2] > 7.3) & (data.line_bbox[:, 0] < 8.2) & (data.line_bbox[:, 3] > 48.2) & (data.line_bbox[:, 1] < 49.0)
    raw = shapely.union_all(data.lines[near])
    d_deg = shapely.distance(shapely.points(lon, lat), raw)
    assert np.percentile(d_deg, 95) < 0.003  # ~ 250 m: print-resolution simplification only
    # and the Rhine runs between Strasbourg and Kehl: some river point lies between them
    assert ((lon > 7.76) & (lon < 7.81) & (np.abs(lat - 48.58) < 0.03)).any()


def test_a_dam_reservoir_is_drawn_as_water():
    """Nova Kakhovka: the lake data has the reservoir, and the detail panel fills it like the sea."""
    _result, dbg = _render(MapPoint("Nova Kakhovka", 46.7543, 33.3486), "UA", "Kherson Oblast", [], towns=False)
    lakes = _fills(dbg.canvas.panels[1], SEA, zorder=1.5)
    assert lakes
    area = sum(shapely.area(shapely.Polygon(p)) for p in lakes)
    assert area > 20  # km2 of water in the panel


def test_orientation_towns_are_drawn_and_never_hide_a_facts_place():
    # Kramatorsk given slightly off its gazetteer position: the gazetteer's Kramatorsk must not be added
    places = [MapPoint("Kramatorsk", 48.735, 37.575), MapPoint("Soledar", 48.6921, 38.07098)]
    _result, dbg = _render(BAKHMUT, "UA", "Donetsk Oblast", places)
    assert len(dbg.towns) >= 3
    assert "Kramatorsk" not in dbg.towns and "Bakhmut" not in dbg.towns and "Soledar" not in dbg.towns
    boxes = {t: b for _p, t, b in dbg.label_boxes}
    facts_boxes = [boxes[n] for n in ("Bakhmut", "Kramatorsk", "Soledar")]
    for town in dbg.towns:
        b = boxes[town]
        for f in facts_boxes:
            assert not (b[0] < f[2] and b[2] > f[0] and b[1] < f[3] and b[3] > f[1]), town
        for px, py in dbg.marker_px.values():
            assert not (b[0] < px + 3 and b[2] > px - 3 and b[1] < py + 3 and b[3] > py - 3), town
    sizes = {t.text: t.size for t in dbg.canvas.panels[1].shapes if t.kind == "text"}
    assert all(sizes[t] < sizes["Soledar"] for t in dbg.towns)


def test_region_tint_does_not_look_like_water():
    r, g, b = (int(REGION_FILL[i:i + 2], 16) for i in (1, 3, 5))
    assert r > b  # warm, where the sea is cool
    assert REGION_FILL != SEA


def test_caption_wraps_instead_of_being_clipped():
    loc = MapPoint("Nova Kakhovka hydroelectric power plant and dam on the Dnipro", 46.7543, 33.3486)
    _result, dbg = _render(loc, "UA", None, [], towns=False)
    cv = dbg.canvas
    (caption,) = [t for t in cv.shapes if t.kind == "text" and "Projection" in t.text]
    assert "\n" in caption.text
    (x0, y0), (x1, y1) = caption.parts[0]
    assert 0 <= x0 and x1 <= cv.width and 0 <= y0
    for panel in cv.panels:  # the panels stay above the caption
        assert panel.box[1] > y1
    # and the PDF sets its every line within the width
    chars = _drawing_chars(_result.drawing)
    assert chars and all(0 <= c["x0"] and c["x1"] <= cv.width for c in chars)


# ------------------------------------------------------------------------------------- facts and PDF
def _drawing_chars(drawing) -> list[dict]:
    """The characters a reader's PDF viewer finds in a drawing written as a PDF on its own."""
    import io

    import pdfplumber
    from reportlab.graphics import renderPDF

    with pdfplumber.open(io.BytesIO(renderPDF.drawToString(drawing))) as pdf:
        return [dict(c) for c in pdf.pages[0].chars]


def _with_map(data: dict[str, Any], **map_: Any) -> dict[str, Any]:
    data["spec"] = 2
    data["map"] = map_
    return data


LINE = {"label": "Front line (approx.)", "kind": "hostile", "as_of": "2023-03-01", "source": "cnn",
        "line": [list(p) for p in FRONT]}


def test_legend_and_table_are_real_text_with_their_own_citations(facts_data, write_facts):
    area = {"label": "Area said to be contested", "kind": "contested", "source": "cnn", "polygon": [list(p) for p in AREA[0][:-1]]}
    pdf = build_brief(load_facts(write_facts(_with_map(facts_data, areas=[area], lines=[LINE]))))
    text = squash(pdf_text(pdf))
    assert "Area said to be contested (contested)[1]" in text
    assert "Front line (approx.) (hostile, as of 1 March 2023)[1]" in text
    # coordinates cite the gazetteer source only (geonames is source 10), the note cites the article (1)
    assert "Soledar 48.692° N, 38.071° E[10]" in text
    assert "Taken by Russian forces in mid-January 2023[1]" in text
    assert "12.1 km (7.5 mi) 26° NNE" in text


def test_a_place_found_in_the_gazetteer_cites_the_gazetteer(facts_data, write_facts):
    facts_data["places"] = [{"name": "Chasiv Yar", "note": "West of the city", "sources": ["cnn"]}]
    text = squash(pdf_text(build_brief(load_facts(write_facts(facts_data)))))
    assert "Chasiv Yar 48.588° N, 37.834° E[10]" in text and "West of the city[1]" in text
    facts_data["sources"] = [s for s in facts_data["sources"] if s["id"] != "geonames"]
    for p in facts_data["places"]:
        p["sources"] = [s for s in p.get("sources", []) if s != "geonames"]
    text = squash(pdf_text(build_brief(load_facts(write_facts(facts_data)))))
    assert "48.588° N, 37.834° E (GeoNames gazetteer)" in text and "West of the city[1]" in text


def test_geojson_files_are_read_into_the_facts(facts_data, write_facts, tmp_path: Path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [[[list(p) for p in AREA[0]]]]}}]}
    (tmp_path / "area.geojson").write_text(json.dumps(fc))
    area = {"label": "Held", "kind": "friendly", "source": "cnn", "geojson": "area.geojson"}
    facts = load_facts(write_facts(_with_map(facts_data, areas=[area])))
    assert facts.map.areas[0].shapes == (AREA,)


def _geojson(tmp_path: Path, doc: Any, name: str = "x.geojson") -> str:
    (tmp_path / name).write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return name


def _poly(coords: list) -> dict:
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [coords]}}


BAD = [
    ("unknown kind", {"areas": [{"label": "A", "kind": "enemy", "source": "cnn", "polygon": [[38, 48.6], [38.1, 48.6], [38.1, 48.7]]}]},
     'map.areas[0].kind: "enemy" is not supported; expected one of hostile, friendly, contested, hazard, other'),
    ("swapped inline", {"lines": [{"label": "L", "kind": "hostile", "source": "cnn", "line": [[48.6, 38.0], [48.7, 138.1]]}]},
     "map.lines[0]: line[1]: latitude 138.1 is out of range - are lon and lat swapped? GeoJSON order is [lon, lat]; "
     "expected [lon, lat] with lat from -90 to 90"),
    ("both geometries", {"lines": [{"label": "L", "kind": "hostile", "source": "cnn", "line": [[38, 48.6], [38.1, 48.7]], "geojson": "x.geojson"}]},
     "map.lines[0]: give either geojson (a file) or line (a list of [lon, lat] pairs), not both or neither"),
    ("unknown source", {"lines": [dict(LINE, source="bbc")]},
     'map.lines[0].source: unknown source id "bbc"; expected one of the ids under sources: cnn, isw, donetsk-rma, land-forces, ukraine-military, soldier-93, soldier-unnamed, rodnyansky, zelensky, geonames'),
]

BAD_FILES = [
    ("not json", "{\"type\": ", 'map.areas[0].geojson: "x.geojson" is not valid JSON (line 1, column 10: Expecting value); expected a GeoJSON file'),
    ("not geojson", {"hello": 1}, 'map.areas[0].geojson: "x.geojson" is not GeoJSON (no "type" member at the top); expected a FeatureCollection, Feature or geometry'),
    ("wrong geometry", {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [38, 48]}}]},
     'map.areas[0].geojson: "x.geojson" features[0].geometry: a Point cannot be drawn here; expected Polygon or MultiPolygon'),
    ("swapped in file", {"type": "FeatureCollection", "features": [_poly([[48.6, 38.0], [48.7, 138.0], [48.7, 38.1], [48.6, 38.0]])]},
     'map.areas[0].geojson: "x.geojson" features[0].geometry.coordinates[0][1]: latitude 138 is out of range - are lon and lat swapped? '
     "GeoJSON order is [lon, lat]; expected [lon, lat] with lat from -90 to 90"),
    ("open ring", {"type": "Polygon", "coordinates": [[[38, 48.6], [38.1, 48.6], [38.1, 48.7], [38.0, 48.7]]]},
     'map.areas[0].geojson: "x.geojson" coordinates[0]: the ring is not closed (its first and last positions differ); expected a closed ring'),
    ("missing file", None, 'map.areas[0].geojson: "x.geojson" not found (paths are relative to the facts file)'),
    # the fault probe's file: json's reader recursed into RecursionError, a crash of --check and the build
    ("nested 100,000 deep", "[" * 100_000 + "]" * 100_000, 'map.areas[0].geojson: "x.geojson" nests its arrays and objects too '
     "deeply to read; expected a GeoJSON file (a FeatureCollection of MultiPolygons nests 7 deep)"),
]


@pytest.mark.parametrize("overlays, expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_overlays_are_one_line_naming_the_field(facts_data, write_facts, overlays, expected):
    path = write_facts(_with_map(facts_data, **overlays))
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value) == f"{path}: {expected}"


@pytest.mark.parametrize("doc, expected", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_geojson_files_are_one_line_naming_the_field(facts_data, write_facts, tmp_path, doc, expected):
    if doc is not None:
        _geojson(tmp_path, doc)
    path = write_facts(_with_map(facts_data, areas=[{"label": "A", "kind": "hazard", "source": "cnn", "geojson": "x.geojson"}]))
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value) == f"{path}: {expected}"


def test_a_geojson_path_that_is_not_a_plain_file_in_the_folder_is_refused_without_reading_it(facts_data, write_facts, tmp_path):
    """A FIFO would block the read forever; a path out of the folder would read any file on the machine."""
    import os

    os.mkfifo(tmp_path / "pipe.geojson")
    areas = [{"label": "A", "kind": "hazard", "source": "cnn", "geojson": "pipe.geojson"},
             {"label": "B", "kind": "hazard", "source": "cnn", "geojson": "../outside.geojson"}]
    path = write_facts(_with_map(facts_data, areas=areas))
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value).splitlines() == [
        f'{path}: map.areas[0].geojson: "pipe.geojson" is not a regular file; give the path of a GeoJSON file',
        f'{path}: map.areas[1].geojson: "../outside.geojson" is outside the facts file\'s folder; keep GeoJSON files of map '
        "overlays beside the facts file (relative paths), or name their folder in BRIEFING_SOURCES_ROOT"]


def test_map_needs_spec_2(facts_data, write_facts):
    facts_data["spec"] = 1  # the example brief as a version 1 file: without its version 2 keys
    for key in ("assessments", "indicators", "gaps"):
        facts_data.pop(key, None)
    for source in facts_data["sources"]:
        for key in ("author", "grade", "via"):
            source.pop(key, None)
    for point in facts_data["key_points"]:
        point.pop("desk", None)
    facts_data["events"] = [{k: v for k, v in e.items() if k not in ("approx", "kind")} | {"date": str(e["date"]).split("/")[0]}
                            for e in facts_data["events"]]
    facts_data["map"] = {"lines": [LINE]}
    path = write_facts(facts_data)
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value) == f"{path}: map: is a version 2 key; write spec: 2 at the top to use it"


def test_loader_fields_cannot_be_written_in_a_facts_file(facts_data, write_facts):
    facts_data["places"][0]["gazetteer_id"] = 1
    path = write_facts(facts_data)
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert "places[0].gazetteer_id" in str(info.value) and "not a key for the facts file" in str(info.value)


def test_the_suez_canal_is_open_water_between_land():
    """Natural Earth's Egypt runs across the canal; the finer shoreline carves it out as water."""
    _result, dbg = _render(MapPoint("Suez Canal", 30.0, 32.58), "EG", None, [], towns=False)
    sea = _fills(dbg.canvas.panels[1], SEA, zorder=1.2)
    water = shapely.union_all([shapely.Polygon(p).buffer(0) for p in sea])
    v = dbg.detail_view
    for y in (5.0, 10.0):  # km north of the location: one narrow channel, land on both sides
        (channel,) = shapely.get_parts(shapely.intersection(water, shapely.LineString([(v.x0, y), (v.x1, y)])))
        x0, _y0, x1, _y1 = channel.bounds
        assert 0.1 < x1 - x0 < 2.0 and v.x0 + 5 < x0 and x1 < v.x1 - 5


def test_town_labels_keep_off_rivers():
    _result, dbg = _render(MapPoint("Strasbourg", 48.5839, 7.7455), "FR", None, [MapPoint("Kehl", 48.5725, 7.8152)])
    ax = dbg.canvas.panels[1]
    rivers = shapely.MultiLineString([[ax.to_pt(x, y) for x, y in part] for p in _patches(ax, WATER_LINE)
                                      if p.kind == "lines" for part in p.parts if len(part) > 1])
    boxes = {t: b for _p, t, b in dbg.label_boxes}
    assert len(dbg.towns) >= 3
    for town in dbg.towns:
        assert not shapely.intersects(rivers, shapely.box(*boxes[town])), town
