"""Names on the locator map as a reader finds them in the PDF: water named, labels apart, a legend entry per symbol.

Each map is drawn, written as a PDF on its own (reportlab) and read back with pdfplumber: the
characters a reader's PDF viewer finds, with their boxes.
"""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pdfplumber
import pytest
from conftest import drawing_text
from reportlab.graphics import renderPDF

from briefing.map import MapPoint
from briefing.map.drawing import _render

CASES = {
    "bakhmut": (MapPoint("Bakhmut", 48.5947, 38.0008), "UA", "Donetsk Oblast",
                [MapPoint("Soledar", 48.6833, 38.0833), MapPoint("Sloviansk", 48.8533, 37.6050),
                 MapPoint("Kramatorsk", 48.7233, 37.5564), MapPoint("Kostiantynivka", 48.5277, 37.7069)]),
    "nova_kakhovka": (MapPoint("Nova Kakhovka", 46.7546, 33.3486), "UA", "Kherson Oblast",
                      [MapPoint("Kherson", 46.6354, 32.6169)]),
    "ismailia": (MapPoint("Ismailia", 30.5965, 32.2715), "EG", None,
                 [MapPoint("Suez", 29.9737, 32.5263), MapPoint("Port Said", 31.2653, 32.3019)]),
    "new_orleans": (MapPoint("New Orleans", 29.9511, -90.0715), "US", "Louisiana",
                    [MapPoint("Baton Rouge", 30.4515, -91.1871)]),
    "los_angeles": (MapPoint("Los Angeles", 34.0522, -118.2437), "US", "California",
                    [MapPoint("Compton", 33.8958, -118.2201), MapPoint("Koreatown", 34.0578, -118.3009)]),
}


#: Drawn by single tests (not every parametrised one): small island countries.
ISLANDS = {
    "male": (MapPoint("Malé", 4.1755, 73.5093), "MV", None, []),
    "funafuti": (MapPoint("Funafuti", -8.5211, 179.1983), "TV", None, []),
    "honolulu": (MapPoint("Honolulu", 21.3069, -157.8583), "US", "Hawaii", [MapPoint("Pearl City", 21.3972, -157.9752)]),
}


@pytest.fixture(scope="module")
def drawn():
    cache = {}

    def get(name):
        if name not in cache:
            loc, country, admin1, places = {**CASES, **ISLANDS}[name]
            result, debug = _render(loc, country, admin1, places)
            debug.drawing = result.drawing
            with pdfplumber.open(io.BytesIO(renderPDF.drawToString(result.drawing))) as pdf:
                page = pdf.pages[0]
                chars = [dict(c) for c in page.chars]
                text = page.extract_text()
                height = float(page.height)
            cache[name] = (debug, chars, text, height)
        return cache[name]

    return get


def _panels(debug, height):
    """Each panel's box in PDF points (x0, top, x1, bottom), by name."""
    return {name: (p.box[0], height - p.box[3], p.box[2], height - p.box[1])
            for name, p in zip(("overview", "detail"), debug.canvas.panels)}


def _panel_text(debug, chars, height, panel):
    x0, t0, x1, b0 = _panels(debug, height)[panel]
    inside = [c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and t0 <= (c["top"] + c["bottom"]) / 2 <= b0]
    return "".join(c["text"] for c in sorted(inside, key=lambda c: (round(c["top"]), c["x0"])))


@pytest.mark.parametrize("name, overview, detail", [
    ("bakhmut", ["Black Sea", "Sea of Azov"], ["Donets"]),
    ("nova_kakhovka", ["Black Sea"], ["Dnipro", "Kakhovka Reservoir"]),
    ("ismailia", ["Mediterranean Sea"], ["Great Bitter Lake", "Gulf of Suez"]),
    ("new_orleans", ["Gulf of Mexico"], ["Mississippi", "Lake Pontchartrain"]),
])
def test_water_is_named_on_each_panel(drawn, name, overview, detail):
    """Rivers, reservoirs, lakes and seas are named from the reference data, though the brief names none."""
    debug, chars, _text, height = drawn(name)
    whole = " ".join(drawing_text(debug.drawing).split())  # in the order written: a rotated name reads whole
    for panel, names in (("overview", overview), ("detail", detail)):
        letters = Counter(_panel_text(debug, chars, height, panel))
        for water in names:
            assert water in whole, water
            assert not Counter(water.replace(" ", "")) - letters, (panel, water)  # its letters on this panel


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_two_labels_touch(drawn, name):
    """The characters of two different labels on a panel never overlap or touch (0.3 pt apart at least)."""
    debug, chars, _text, height = drawn(name)
    boxes = []  # (label, panel, x0, top, x1, bottom) in PDF points, from the placement record
    for i, (panel, _label, (a, b, c, d)) in enumerate(debug.label_boxes):
        boxes.append((i, panel, a, height - d, c, height - b))

    def owner(ch):
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        return next((i for i, _p, x0, t, x1, b in boxes if x0 - 0.5 <= cx <= x1 + 0.5 and t - 0.5 <= cy <= b + 0.5),
                    None)

    panels = _panels(debug, height)
    owned = [(owner(ch), ch) for ch in chars if ch["text"].strip()]
    gap = 0.3
    for panel, (px0, pt0, px1, pb0) in panels.items():
        mine = [(o, ch) for o, ch in owned if px0 <= ch["x0"] and ch["x1"] <= px1 and pt0 <= ch["top"]
                and ch["bottom"] <= pb0]
        for k, (o1, c1) in enumerate(mine):
            if o1 is None:
                continue
            for o2, c2 in mine[k + 1:]:
                if o2 == o1:
                    continue
                # the glyph boxes, shrunk to the ink's usual extent (pdfplumber's run from ascent to descent)
                h1, h2 = (c1["bottom"] - c1["top"]) * 0.15, (c2["bottom"] - c2["top"]) * 0.15
                apart = (c1["x1"] + gap <= c2["x0"] or c2["x1"] + gap <= c1["x0"]
                         or c1["bottom"] - h1 + gap <= c2["top"] + h2 or c2["bottom"] - h2 + gap <= c1["top"] + h1)
                assert apart, (name, panel, c1["text"], c2["text"], debug.label_boxes[o1][1],
                               debug.label_boxes[o2][1] if o2 is not None else "(map furniture)")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_symbol_drawn_has_a_legend_entry(drawn, name):
    """The legend names each symbol the map uses, and only those: brief's places and gazetteer towns apart."""
    debug, _chars, text, _height = drawn(name)
    _loc, _country, admin1, places = CASES[name]
    flat = " ".join(text.split())
    for entry in debug.legend:
        assert entry in flat
    assert "location" in debug.legend and "detail area" in debug.legend
    assert ("place in the brief" in debug.legend) == bool(places)
    assert ("town (gazetteer)" in debug.legend) == bool(debug.towns)
    assert ("capital" in debug.legend) == bool(debug.capitals)
    assert ("region" in debug.legend) == (admin1 is not None)
    # every case but Los Angeles has a river drawn on its detail panel (GSHHG has none there)
    assert ("river" in debug.legend) == (name != "los_angeles")


def _without_text(node):
    """A copy of a drawing's ``node`` without its strings and their halos: the map as drawn under the labels."""
    import copy

    from reportlab.graphics.shapes import Group, String

    if isinstance(node, Group):
        out = copy.copy(node)
        out.contents = [c for c in (_without_text(k) for k in node.contents) if c is not None]
        return out
    if isinstance(node, String) or getattr(node, "halo", False):
        return None
    return node


def _land_share(debug, panel: str, box) -> float:
    """The share of ``box`` (points, as placed) that the map shows as land, the labels left out: the
    drawing rendered (PDFium, 2 pixels a point) and its pixels' colours read."""
    import numpy as np
    import pypdfium2

    from briefing.map.style import LAND, LAND_HOME, REGION_FILL

    scale = 2
    if getattr(debug, "_raster", None) is None:
        bare = _without_text(debug.drawing)
        pdf = pypdfium2.PdfDocument(renderPDF.drawToString(bare))
        debug._raster = np.asarray(pdf[0].render(scale=scale).to_pil().convert("RGB")).astype(float) / 255.0
    img = debug._raster
    h = img.shape[0]
    x0, y0, x1, y1 = (int(round(v * scale)) for v in box)
    patch = img[h - y1:h - y0, x0:x1].reshape(-1, 3)
    land = np.zeros(len(patch), dtype=bool)
    for colour in (LAND, LAND_HOME, REGION_FILL):
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
        land |= np.abs(patch - rgb).max(axis=1) < 0.02
    return float(land.mean()) if len(patch) else 0.0


@pytest.mark.parametrize("name", sorted(CASES))
def test_sea_names_sit_on_water(drawn, name):
    """A sea's, gulf's or ocean's name is set on water as drawn (most of it; a narrow gulf's over its
    shores), not on a delta or a cape the coarse polygon of the sea takes in (the Black Sea over the
    Dnipro's delta at Nova Kakhovka)."""
    from briefing.geodata import MARINE_KINDS

    debug, _chars, _text, _height = drawn(name)
    marine = {(p, n) for p, n, kind in debug.water if kind in MARINE_KINDS - {"river"}}  # "river": an estuary
    assert marine
    for panel, text, box in debug.label_boxes:
        if (panel, text) in marine:
            assert _land_share(debug, panel, box) < 0.5, (name, panel, text, _land_share(debug, panel, box))


def test_one_water_name_once_per_panel(drawn):
    """The Dead Sea's two basins are one sea: named once on the overview, not twice."""
    debug, _chars, _text, _height = drawn("ismailia")
    names = [(p, n) for p, n, _k in debug.water]
    assert len(names) == len(set(names)), names


def test_a_country_that_fits_is_shown_whole_on_the_overview(drawn):
    """Los Angeles: the overview is the lower 48 United States with its neighbours and both oceans'
    coasts (the reader places California in the country), not only the western states; a country too
    large for that (Canada from Montreal) shows its part around the location."""
    from briefing.map.projection import Proj

    debug, chars, _text, height = drawn("los_angeles")
    loc = CASES["los_angeles"][0]
    view, proj = debug.overview_view, Proj(loc.lat, loc.lon)
    west = float(proj.lonlat(view.x0, 0.0)[0])
    east = float(proj.lonlat(view.x1, view.y1)[0])  # the north-east corner: past Maine
    north, south = float(proj.lonlat(0.0, view.y1)[1]), float(proj.lonlat(0.0, view.y0)[1])
    assert west < -124.4 and east > -67.0, (west, east)  # the Pacific coast to the Atlantic's
    assert north > 49.0 and south < 25.0, (north, south)  # Canada past the border, Mexico below
    text = _panel_text(debug, chars, height, "overview").replace(" ", "")
    for name in ("UnitedStates", "Canada", "Mexico", "PACIFICOCEAN", "GulfofMexico", "Washington"):
        assert name in text, (name, text)
    _result, montreal = _render(MapPoint("Montreal", 45.5017, -73.5673), "CA", None, [])
    mproj, mview = Proj(45.5017, -73.5673), montreal.overview_view
    assert float(mproj.lonlat(mview.x0, 0.0)[0]) > -100.0  # not out to the Rockies and the Yukon
    assert float(mproj.lonlat(0.0, mview.y1)[1]) < 65.0  # nor up to the Arctic islands


def test_capitals_are_starred_and_the_legend_says_so(drawn):
    """The home country's capital is starred and named on the overview (Kyiv for Bakhmut), a capital
    near the location on the detail (Kyiv for Irpin), and the legend explains the star: "capital"."""
    debug, chars, text, height = drawn("bakhmut")
    assert ("overview", "Kyiv") in debug.capitals
    assert "Kyiv" in _panel_text(debug, chars, height, "overview")
    assert "capital" in debug.legend and "capital" in " ".join(text.split())
    result, near = _render(MapPoint("Irpin", 50.5218, 30.2506), "UA", None, [MapPoint("Bucha", 50.5439, 30.2121)])
    assert ("detail", "Kyiv") in near.capitals and "capital" in near.legend
    _lonely, far = _render(*ISLANDS["honolulu"])  # Washington is far off both panels: no star, no entry
    assert not far.capitals and "capital" not in far.legend


@pytest.mark.parametrize("name, country, neighbour", [("male", "Maldives", "India"), ("funafuti", "Tuvalu", "Fiji")])
def test_an_island_country_is_named_on_its_overview(drawn, name, country, neighbour):
    """The overview of an island country names it (beside the detail frame: its atolls are too small to
    draw at that scale) and a neighbour, so a reader can tell where on Earth the islands are."""
    debug, chars, _text, height = drawn(name)
    text = _panel_text(debug, chars, height, "overview")
    assert country in text and neighbour in text, text


def test_a_place_of_the_brief_is_not_named_twice():
    """A brief about Eyjafjallajokull names the volcano once, as its location, not again as the ice cap
    (whose name folds to the same letters)."""
    from briefing.geodata import normalise_name

    _result, debug = _render(MapPoint("Eyjafjallajokull", 63.63, -19.62), "IS", None,
                             [MapPoint("Hvolsvollur", 63.7533, -20.2243)])
    names = [normalise_name(t) for p, t, _b in debug.label_boxes if p == "detail"]
    assert names.count("eyjafjallajokull") == 1, names
    assert "myrdalsjokull" in names  # the other ice cap is still named


def test_the_home_country_is_named_where_the_location_is(drawn):
    """Honolulu: the overview reaches Alaska, the largest part of the United States it shows, but the
    country is named beside Hawaii (the detail frame), where the brief is."""
    import math

    debug, _chars, _text, _height = drawn("honolulu")
    box = next(b for p, t, b in debug.label_boxes if p == "overview" and t == "United States")
    at = debug.canvas.panels[0].to_pt(0.0, 0.0)  # the location on the overview, in points
    gap_pt = math.dist(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), at)
    assert gap_pt < 60, gap_pt


def test_a_sea_name_keeps_clear_of_the_shore(drawn):
    """Funafuti: the ocean's name is set on open water, not across the atoll's islets (the land it
    touches was under 15 % of its box, so the share rule alone let it cross them)."""
    debug, _chars, _text, _height = drawn("funafuti")
    pad = 1.0  # a point
    for panel, text, (x0, y0, x1, y1) in debug.label_boxes:
        if panel == "detail" and text.endswith("OCEAN"):
            assert _land_share(debug, panel, (x0 - pad, y0 - pad, x1 + pad, y1 + pad)) == 0.0, text


def test_labels_with_no_room_are_warned_in_one_line():
    """Forty places stacked on one spot: the map marks them all, names what fits, and says so once."""
    base = CASES["bakhmut"][0]
    stacked = [MapPoint(f"Checkpoint {i}", base.lat + 0.0005 * i, base.lon) for i in range(40)]
    result, debug = _render(base, "UA", None, stacked)
    lines = [w for w in result.warnings if w.startswith("map: no room")]
    assert len(debug.dropped) > 5 and len(lines) == 1, result.warnings
    assert lines[0].startswith(f"map: no room for the labels of {len(debug.dropped)} places: ")
    assert lines[0].endswith("; marked but not named on the map") and all(f'"{n}"' in lines[0] for n in debug.dropped)


def test_water_folded_onto_the_panel_edge_is_measured_not_an_error():
    """A shore cut at the panel's edge can project to a ring folded onto that edge: three points on one
    line, no area. GEOS refused to clip it ("Invalid number of points in LinearRing found 3") and the
    build of a brief with places spread over the globe failed (found by tests/test_fuzz.py). Such a fold
    holds no sea: a name there is rejected, not an error."""
    from types import SimpleNamespace

    import shapely

    from briefing.map.water import _Land

    placer = SimpleNamespace(panel=SimpleNamespace(affine=[1, 0, 0, 1, 0, 0]), pt=lambda points: points)
    folded = shapely.Polygon([(5, -10), (5, -11), (5, 20)])
    with pytest.raises(shapely.errors.GEOSException):
        shapely.clip_by_rect(folded, 0, 0, 10, 10)  # what the map asked of GEOS
    assert _Land(None).less_sea_than(placer, folded, 0.85)((0, 0, 10, 10)) is True
    sea = shapely.MultiPolygon([shapely.box(0, 0, 10, 10), folded])  # with the open water beside the fold
    assert _Land(None).less_sea_than(placer, sea, 0.85)((0, 0, 10, 10)) is False


def test_water_with_a_hairline_spike_across_a_label_box_is_measured_not_an_error():
    """A valid sea whose hole has a hairline spike (two sides 1e-14 apart, as a shore projected far from
    the map's centre came out) crossing a box's edge: GEOS's rectangle clip refused it ("Invalid number of
    points in LinearRing found 3") and the map of a place on the equator with one in Kazakhstan failed
    (found by fuzzing the locator map with test_fuzz's places). The sea is cut to the box all the same."""
    from types import SimpleNamespace

    import shapely

    from briefing.map.layers import clip_to_rect
    from briefing.map.water import _Land

    spike = [(40, 20), (50, 30), (50, 60), (50.00000000000001, 30), (60, 20), (40, 20)]
    sea = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)], [spike])
    assert sea.is_valid
    with pytest.raises(shapely.errors.GEOSException):
        shapely.clip_by_rect(sea, 0, 50, 100, 100)  # what the map asked of GEOS
    assert clip_to_rect(sea, 0, 50, 100, 100).area == pytest.approx(5000)
    both = clip_to_rect(np.array([sea, shapely.box(0, 0, 10, 10)], dtype=object), 0, 50, 100, 100)  # as a layer is cut
    assert [g.area for g in both] == pytest.approx([5000, 0])
    placer = SimpleNamespace(panel=SimpleNamespace(affine=[1, 0, 0, 1, 0, 0]), pt=lambda points: points)
    assert _Land(None).less_sea_than(placer, sea, 0.85)((0, 50, 100, 100)) is False  # all of it is sea
