"""Tiled map data: a map reads only the cells its views overlap, and the cut never shows."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from briefing import geodata, tiles
from briefing.map import MapPoint, render_locator_map

BAKHMUT = MapPoint("Bakhmut", 48.5947, 38.0008)


def _cell(lon: float, lat: float) -> int:
    return int((lat + 90) // tiles.CELL_DEG) * (360 // tiles.CELL_DEG) + int((lon + 180) // tiles.CELL_DEG)


@pytest.fixture()
def fresh_layers():
    """The tiled layers as a new process sees them: nothing read yet."""
    loaders = (geodata.admin0, geodata.land, geodata.lakes, geodata.rivers)
    for f in loaders:
        f.cache_clear()
    yield
    for f in loaders:
        f.cache_clear()


def test_a_map_reads_only_the_cells_around_it(fresh_layers):
    render_locator_map(BAKHMUT, "UA", "Donetsk Oblast", [MapPoint("Soledar", 48.6921, 38.07098)])
    home = _cell(BAKHMUT.lon, BAKHMUT.lat)
    # the detail panel (about 50 km across) lies in one cell: only it is read of the fine layers
    assert geodata.land().read == {home}
    assert geodata.rivers().read == {home}
    assert geodata.admin0("fine").read == {home}
    # the overview (a few thousand km) reads the lakes of the cells it shows, not the planet's
    lakes = geodata.lakes()
    assert home in lakes.read and len(lakes.read) < 60 < len(lakes.cells)
    for cell in lakes.read:
        row, col = divmod(cell, 360 // tiles.CELL_DEG)
        assert 10 <= col * 5 - 180 <= 60 and 30 <= row * 5 - 90 <= 65, cell  # Ukraine and around


def test_a_second_map_of_the_same_place_reads_nothing_new(fresh_layers):
    render_locator_map(BAKHMUT, "UA", None, [])
    land = geodata.land()
    before = set(land.read)
    land.read.clear()
    render_locator_map(BAKHMUT, "UA", None, [])
    assert land.read == set() and before


def test_pieces_cut_by_the_grid_are_joined_again():
    """Sinai and the Nile delta straddle the cells' lines at 30 N and 35 E: no edge runs along them."""
    view = geodata.land().select([(31.0, 28.5, 36.5, 31.5)])
    assert len(view.polygons)
    coords = shapely.get_coordinates(shapely.boundary(view.polygons))
    on_seam = np.isclose(coords[:, 1], 30.0) | np.isclose(coords[:, 0], 35.0)
    # where a coast crosses a cell line a vertex sits on it, but never two in a row (an edge along it)
    both = on_seam[1:] & on_seam[:-1] & (np.isclose(coords[1:, 1], coords[:-1, 1]) | np.isclose(coords[1:, 0], coords[:-1, 0]))
    assert not both.any()
    # and the merged land is the same land the cells hold: areas add up
    cells = [geodata.land().select([(x + 0.1, y + 0.1, x + 4.9, y + 4.9)]) for x in (30, 35) for y in (25, 30)]
    window = shapely.box(31.0, 28.5, 36.5, 31.5)
    pieces = sum(float(shapely.area(shapely.intersection(shapely.union_all(c.polygons), window))) for c in cells)
    merged = float(shapely.area(shapely.intersection(shapely.union_all(view.polygons), window)))
    assert merged == pytest.approx(pieces, rel=1e-6)


def test_lines_cut_by_the_grid_still_meet():
    """A river crossing a cell line (the Danube at 20 E) continues from the same point on both sides."""
    view = geodata.rivers().select([(19.5, 44.0, 20.5, 46.0)])
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(view.lines, i)) for i in (0, -1)])
    at_seam = ends[np.isclose(ends[:, 0], 20.0)]
    assert len(at_seam)
    # every end on the seam is matched by another line's end at the same point
    for x, y in at_seam:
        assert (np.isclose(at_seam[:, 0], x) & np.isclose(at_seam[:, 1], y)).sum() >= 2


def test_simplifying_before_projection_keeps_degenerate_pieces_and_bends_long_segments():
    from briefing.map.layers import _presimplify

    tiny_ring = shapely.LineString([(0, 0), (1e-9, 0), (0, 0)])  # simplifies to a zero-length line GEOS cannot split
    long_edge = shapely.LineString([(0, 0), (5, 0), (10, 0)])
    out = _presimplify(np.array([tiny_ring, long_edge]), 0.01, 1.0)
    assert out[0].equals(tiny_ring)
    assert shapely.get_num_coordinates(out[1]) == 11  # the middle vertex goes, then 1-degree segments come back


def test_missing_map_data_is_named(tmp_path, monkeypatch, fresh_layers):
    monkeypatch.setattr(geodata, "ASSETS", tmp_path)
    with pytest.raises(geodata.MapDataMissing, match="admin0_fine is missing; run tools/build_assets.py"):
        render_locator_map(BAKHMUT, "UA", None, [])


# --------------------------------------------------------------------------------------------- named features
@pytest.fixture()
def fresh_named():
    """The named layers as a new process sees them: nothing read yet."""
    geodata.named_layer.cache_clear()
    yield
    geodata.named_layer.cache_clear()


def _around(lat: float, lon: float, d: float) -> tuple[float, float, float, float]:
    return (lon - d, lat - d, lon + d, lat + d)


def _names(feats) -> set[str]:
    return {f.name for f in feats}


def test_water_around_bakhmut_is_named(fresh_named):
    """The Siverskyi Donets (Natural Earth: "Donets") runs north of the city; the Sea of Azov is 160 km south."""
    donets = [f for f in geodata.named_lines(_around(48.59, 38.0, 0.5)) if "Donets" in f.name]
    assert donets and {f.kind for f in donets} == {"river"}
    assert shapely.distance(donets[0].geometry, shapely.Point(38.0, 48.59)) < 0.5  # degrees: it passes near
    seas = {f.name: f for f in geodata.named_areas(_around(48.59, 38.0, 2.5), kinds={"sea"})}
    azov = seas["Sea of Azov"]
    assert azov.kind == "sea" and shapely.contains(azov.geometry, shapely.Point(azov.label))
    assert "Black Sea" not in seas  # its water is farther than 2.5 degrees


def test_the_dnipro_and_the_kakhovka_reservoir_at_nova_kakhovka(fresh_named):
    window = _around(46.755, 33.37, 0.3)
    assert {"river", "lake centerline"} <= {f.kind for f in geodata.named_lines(window) if f.name == "Dnipro"}
    lakes = {f.name: f for f in geodata.named_areas(window, kinds=geodata.LAKE_KINDS)}
    kakhovka = lakes["Kakhovka Reservoir"]
    assert kakhovka.kind == "reservoir" and "Kakhovka Res." in kakhovka.alt_names
    # the whole reservoir's label point lies up by Zaporizhzhia; within the window the name goes on the part shown
    x0, y0, x1, y1 = window
    at = kakhovka.label_in(window)
    assert at is not None and x0 <= at[0] <= x1 and y0 <= at[1] <= y1
    assert shapely.contains(kakhovka.geometry, shapely.Point(at))


def test_the_suez_canal_its_lakes_and_its_gulf(fresh_named):
    window = _around(29.97, 32.55, 0.6)
    canal = [f for f in geodata.named_lines(window) if f.name == "Suez Canal"]
    assert len(canal) == 1 and canal[0].kind == "canal"  # NE's "River" and "Lake Centerline" parts are one feature
    areas = {f.name: f.kind for f in geodata.named_areas(window)}
    assert areas["Great Bitter Lake"] in geodata.LAKE_KINDS and areas["Gulf of Suez"] == "gulf"  # NE: "Gulf of  Suez"


def test_icelands_ice_caps_keep_their_names_in_their_script(fresh_named):
    ice = {f.name: f for f in geodata.named_areas((-25.0, 63.0, -13.0, 66.6), kinds=geodata.ICE_KINDS)}
    for name, lon, lat in (("Vatnajökull", -16.8, 64.4), ("Mýrdalsjökull", -19.1, 63.65)):
        assert shapely.contains(ice[name].geometry, shapely.Point(lon, lat)), name
    assert "" in ice  # unnamed glaciers come too: they are drawn without a name
    assert ice["Vatnajökull"].rank < ice["Drangajökull"].rank  # the big ice cap is named first


def test_mountains_airports_and_ports(fresh_named):
    (everest,) = [p for p in geodata.named_points(_around(27.99, 86.93, 0.5)) if p.kind == "mountain"]
    assert everest.elevation == 8848 and everest.name == "Mt. Everest"
    kyiv = {p.code: p for p in geodata.named_points(_around(50.4, 30.8, 0.6), kinds={"airport"})}
    assert kyiv["KBP"].name.startswith("Boryspil")
    ports = geodata.named_points(_around(46.8, 36.8, 0.3), kinds={"port"})
    assert _names(ports) == {"Berdyansk"} and ports[0].elevation is None


def test_rank_chooses_what_a_scale_shows(fresh_named):
    window = _around(48.59, 38.0, 3.0)
    all_lines = geodata.named_lines(window)
    major = geodata.named_lines(window, max_rank=6.0)
    assert "Donets" in _names(all_lines) and "Donets" not in _names(major)  # min_label 7
    assert [f.rank for f in all_lines] == sorted(f.rank for f in all_lines)  # most important first
    assert all(f.kind == "canal" for f in geodata.named_lines(_around(29.97, 32.55, 0.6), kinds={"canal"}))


def test_named_layers_read_only_the_cells_of_the_window(fresh_named):
    window = _around(48.59, 38.0, 0.5)  # inside one cell
    geodata.named_lines(window)
    geodata.named_areas(window, kinds=geodata.LAKE_KINDS)
    assert geodata.named_layer("lines").read == {_cell(38.0, 48.59)}
    assert geodata.named_layer("lakes").read <= {_cell(38.0, 48.59)}
    # layers of kinds not asked for are not opened at all
    assert geodata.named_layer.cache_info().currsize == 2


def test_a_feature_cut_by_the_grid_comes_back_whole(fresh_named):
    """The Sea of Azov straddles the cell line at 35 E (and 45 N): the pieces in two cells merge into
    one polygon with the same area as the sea in the two windows."""
    (west,) = [f for f in geodata.named_areas((34.5, 45.5, 34.9, 46.5), kinds={"sea"}) if f.name == "Sea of Azov"]
    (both,) = [f for f in geodata.named_areas((34.5, 45.5, 36.0, 46.5), kinds={"sea"}) if f.name == "Sea of Azov"]
    assert shapely.area(both.geometry) > shapely.area(west.geometry)
    coords = shapely.get_coordinates(shapely.boundary(both.geometry))
    along = np.isclose(coords[1:, 0], 35.0) & np.isclose(coords[:-1, 0], 35.0)
    assert not along.any()  # no edge runs along the seam


def test_the_tile_format_round_trips():
    """``tiles.pack`` and the cell decoders agree: a line and a polygon across a cell corner come back
    as the same geometry, each piece in its own cell, with its unit."""
    s = tiles.SCALE
    square = shapely.box(3 * s, 8 * s, 7 * s, 12 * s)  # across the corner of four cells at (5 E, 10 N)
    line = shapely.LineString([(1 * s, 9 * s), (9 * s, 11 * s)])
    cells: dict[int, dict[str, list]] = {}
    for cell, part in tiles.cut(square, tiles.POLYGON):
        cells.setdefault(cell, {}).setdefault("polys", []).append((0, 7, part))
    for cell, part in tiles.cut(line, tiles.LINE):
        cells.setdefault(cell, {}).setdefault("lines", []).append((2, 5, part))
    cells.setdefault(tiles.cell_of(6 * s, 9 * s), {}).setdefault("points", []).append((3, (6 * s, 9 * s)))
    a = tiles.pack(cells, line_units=True, points=True)
    assert len(a["cells"]) == 4
    polys, lines, points = [], [], []
    for i in range(len(a["cells"])):
        if (p := tiles.cell_polygons(a, i)) is not None:
            polys += list(p[0])
            assert set(p[1]) == {7}
        if (ln := tiles.cell_lines(a, i)) is not None:
            lines += list(ln[0])
            assert set(ln[1]) == {2} and set(ln[2]) == {5}
        points += [tuple(xy) for xy in tiles.cell_points(a, i)[0]]
    assert shapely.equals(shapely.coverage_union_all(polys), shapely.box(3, 8, 7, 12))
    assert shapely.equals(shapely.line_merge(shapely.union_all(lines)), shapely.LineString([(1, 9), (9, 11)]))
    assert points == [(6.0, 9.0)]


def test_a_small_panel_draws_the_islet_a_town_stands_on():
    """Vilufushi (Maldives, about 2,000 people) stands on an islet under 0.5 km2: the land layer lacks
    it, and a panel small enough to show it gets the islets layer too."""
    town, window = shapely.Point(73.3086, 2.5031), (73.2, 2.4, 73.4, 2.6)
    small, large = geodata.land_layers(0.05), geodata.land_layers(1.0)
    assert [layer.folder.name for layer in large] == ["land"]
    assert [layer.folder.name for layer in small] == ["land", "islets"]
    near = {layer.folder.name: min(shapely.distance(town, p) for p in layer.select([window]).polygons) for layer in small}
    assert near["land"] > 0.05 and near["islets"] == 0.0  # degrees: on the islet, 7 km from the nearest land


def test_label_zoom_matches_natural_earths_scale():
    detail, overview = geodata.label_zoom(50, 336, 48.6), geodata.label_zoom(2000, 336, 48.6)
    assert 9 < detail < 10 and 4 < overview < 4.5
    window = _around(48.59, 38.0, 0.5)
    assert "Donets" in _names(geodata.named_lines(window, max_rank=detail))
    assert "Donets" not in _names(geodata.named_lines(window, max_rank=overview))


def test_a_missing_named_layer_is_named(tmp_path, monkeypatch, fresh_named):
    monkeypatch.setattr(geodata, "ASSETS", tmp_path)
    with pytest.raises(geodata.MapDataMissing, match="named_marine is missing; run tools/build_assets.py"):
        geodata.named_areas(_around(48.59, 38.0, 1.0), kinds={"sea"})


def test_a_river_name_goes_on_its_longest_stretch_in_the_window(fresh_named):
    window = _around(48.59, 38.0, 0.5)
    (donets,) = [f for f in geodata.named_lines(window) if f.name == "Donets"]
    stretch = donets.longest_in(window)
    x0, y0, x1, y1 = window
    xs, ys = shapely.get_coordinates(stretch).T
    assert (xs >= x0 - 1e-9).all() and (xs <= x1 + 1e-9).all() and (ys >= y0 - 1e-9).all() and (ys <= y1 + 1e-9).all()
    assert stretch.length > 0.5  # degrees: it crosses most of the window
    assert donets.longest_in((20.0, 10.0, 21.0, 11.0)) is None


def test_a_misnamed_natural_earth_river_is_left_out(fresh_named):
    """Natural Earth calls a river of Iceland's highlands "Drau" (with the Austrian Drau's river number):
    the build leaves it out (tools/build_assets.py, MISNAMED), so no Icelandic map names the Drau, and
    the Drau in Austria keeps its name."""
    iceland = {f.name for f in geodata.named_lines((-24.5, 63.2, -13.5, 66.6))}
    assert "Drau" not in iceland and {"Thjórsá", "Hvítá"} <= iceland
    austria = [f for f in geodata.named_lines((12.0, 46.0, 17.0, 47.5)) if f.name == "Drau"]
    assert austria and all(shapely.bounds(f.geometry)[0] > 0 for f in austria)
