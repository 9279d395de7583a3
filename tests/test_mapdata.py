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
