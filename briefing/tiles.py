"""The tiled layout of the map's detail layers, defined once for the build and the runtime.

``tools/build_assets.py`` cuts a layer into grid cells and writes it with ``cut`` and ``pack``;
``briefing/geodata.py`` memory-maps the folder (``open_folder``) and decodes only the cells a view
overlaps (``cells_in``, ``cell_polygons``, ``cell_lines``, ``cell_points``). Keeping both halves here
means the format cannot drift between the writer and the reader.

The layout: a folder of uncompressed ``.npy`` files (so the runtime maps them, never inflates them).
The world is cut into ``CELL_DEG``-degree cells numbered row by row from the south-west corner
(``row * NCOLS + col``). Each geometry is cut along the grid with snap rounding to the 1e-4 degree
grid, so neighbouring pieces share their edge exactly and the runtime can merge them again. Pieces
are stored cell by cell:

- ``cells``: the ids of the cells that hold anything, ascending;
- ``cell_poly`` / ``cell_line`` (/ ``cell_point``): offsets of each cell's first piece, one more
  entry than ``cells``;
- polygons: ``poly_ring`` (first ring of each piece; a piece's first ring is its shell, shells
  counter-clockwise, holes clockwise), ``ring_start`` (first point of each ring), ``poly_unit``
  (the unit or feature of each piece), ``poly_id`` (the polygon it was cut from), ``xy``;
- lines: ``line_start``, ``line_kind`` (int8), optionally ``line_unit`` (the feature), ``line_xy``;
- points (optional): ``point_unit``, ``point_xy``;
- coordinates (``xy``, ``line_xy``, ``point_xy``): uint16 offsets from the cell's south-west corner
  in 1e-4 degree units (a cell is 50,000 units across, so they fit).

Any other ``.npy`` in the folder is the layer's own table (unit names, codes, feature attributes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

SCALE = 10_000  # coordinates are stored in 1e-4 degree units (about 11 m)
CELL_DEG = 5  # cells are 5 x 5 degrees: a view of a few hundred km reads one to four of them
CELL = CELL_DEG * SCALE  # one cell in 1e-4 degree units: 50,000, so offsets in a cell fit in uint16
NCOLS, NROWS = 360 // CELL_DEG, 180 // CELL_DEG

Window = tuple[float, float, float, float]  # lon/lat box: lon_min, lat_min, lon_max, lat_max

POLYGON, LINE = 3, 1  # shapely type ids of the pieces ``cut`` keeps


def cell_origin(cell: int) -> np.ndarray:
    """The south-west corner of a cell, in 1e-4 degree units (what its offsets are added to)."""
    return np.array([(cell % NCOLS) * CELL - 180 * SCALE, (cell // NCOLS) * CELL - 90 * SCALE])


def cells_in(windows: Iterable[Window]) -> set[int]:
    """The grid cells (stored or not) that overlap any of the lon/lat ``windows``."""
    want: set[int] = set()
    for (x0, y0, x1, y1) in windows:
        c0, c1 = (min(NCOLS - 1, max(0, int((v + 180.0) // CELL_DEG))) for v in (x0, x1))
        r0, r1 = (min(NROWS - 1, max(0, int((v + 90.0) // CELL_DEG))) for v in (y0, y1))
        want.update(r * NCOLS + c for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    return want


# --------------------------------------------------------------------------------------------- writing
def _cell_range(lo: float, hi: float, origin: int, n: int) -> range:
    return range(max(0, min(n - 1, int((lo + origin) // CELL))), max(0, min(n - 1, int((hi + origin) // CELL))) + 1)


def cut(geom, kind: int) -> list[tuple[int, object]]:
    """(cell, part) pairs of one geometry in 1e-4 degree units cut along the cell grid (``kind``:
    ``POLYGON`` or ``LINE``; parts of other types the cut makes are dropped).

    Cut in integer units with snap rounding (``grid_size=1``), so the vertices a cut adds lie on
    the 1e-4 degree grid, and two neighbours' pieces meet along exactly the same edge.
    """
    import shapely
    from shapely.geometry.polygon import orient

    x0, y0, x1, y1 = shapely.bounds(geom)
    cols = _cell_range(x0, x1, 180 * SCALE, NCOLS)
    rows = _cell_range(y0, y1, 90 * SCALE, NROWS)
    if len(cols) == 1 and len(rows) == 1:
        return [(rows[0] * NCOLS + cols[0], geom)]
    out = []
    for r in rows:
        for c in cols:
            box = shapely.box(c * CELL - 180 * SCALE, r * CELL - 90 * SCALE,
                              (c + 1) * CELL - 180 * SCALE, (r + 1) * CELL - 90 * SCALE)
            piece = shapely.intersection(geom, box, grid_size=1.0)
            for part in shapely.get_parts(piece):
                if shapely.get_type_id(part) != kind or part.is_empty:
                    continue
                if kind == POLYGON and part.area <= 0:
                    continue
                out.append((r * NCOLS + c, orient(part, 1.0) if kind == POLYGON else part))
    return out


def cell_of(x: float, y: float) -> int:
    """The cell of a point in 1e-4 degree units (a point on a cell's north or east edge: the next
    cell, except at the world's edge)."""
    c = max(0, min(NCOLS - 1, int((x + 180 * SCALE) // CELL)))
    r = max(0, min(NROWS - 1, int((y + 90 * SCALE) // CELL)))
    return r * NCOLS + c


def pack(cells: dict[int, dict[str, list]], *, line_units: bool = False, points: bool = False) -> dict[str, np.ndarray]:
    """The arrays of a tiled layer from its pieces, cell by cell.

    ``cells`` maps a cell id to ``{"polys": [(poly_id, unit, polygon)], "lines": [(kind, unit, line)],
    "points": [(unit, (x, y))]}`` (shapely geometries and points in 1e-4 degree units, inside the cell).
    ``line_unit`` is written only with ``line_units`` and the point arrays only with ``points``, so a
    layer without them has no such files.
    """
    keys = ["cells", "cell_poly", "cell_line", "poly_ring", "ring_start", "poly_unit", "poly_id", "xy",
            "line_start", "line_kind", "line_xy"]
    if line_units:
        keys.append("line_unit")
    if points:
        keys += ["cell_point", "point_unit", "point_xy"]
    out: dict[str, list] = {k: [] for k in keys}
    npoly = nring = npts = nline = nlpts = npoint = 0
    for cell in sorted(cells):
        origin = cell_origin(cell)
        out["cells"].append(cell)
        out["cell_poly"].append(npoly)
        out["cell_line"].append(nline)
        if points:
            out["cell_point"].append(npoint)

        def offsets(coords: np.ndarray) -> np.ndarray:
            q = np.round(coords).astype(np.int64) - origin
            assert q.min(initial=0) >= 0 and q.max(initial=0) <= CELL, (cell, q.min(), q.max())
            return q.astype(np.uint16)

        for pid, unit, part in cells[cell].get("polys", ()):
            out["poly_ring"].append(nring)
            out["poly_unit"].append(unit)
            out["poly_id"].append(pid)
            npoly += 1
            for ring in (part.exterior, *part.interiors):
                coords = np.asarray(ring.coords)
                out["ring_start"].append(npts)
                out["xy"].append(offsets(coords))
                npts += len(coords)
                nring += 1
        for kind, unit, part in cells[cell].get("lines", ()):
            coords = np.asarray(part.coords)
            out["line_start"].append(nlpts)
            out["line_kind"].append(kind)
            if line_units:
                out["line_unit"].append(unit)
            out["line_xy"].append(offsets(coords))
            nlpts += len(coords)
            nline += 1
        for unit, xy in cells[cell].get("points", ()) if points else ():
            out["point_unit"].append(unit)
            out["point_xy"].append(offsets(np.asarray([xy], dtype=np.float64)))
            npoint += 1
    out["cell_poly"].append(npoly)
    out["cell_line"].append(nline)
    out["poly_ring"].append(nring)
    out["ring_start"].append(npts)
    out["line_start"].append(nlpts)
    if points:
        out["cell_point"].append(npoint)
    coords = ("xy", "line_xy", "point_xy")
    final = {k: np.asarray(v, dtype=np.int32) for k, v in out.items() if k not in (*coords, "line_kind")}
    final["line_kind"] = np.asarray(out["line_kind"], dtype=np.int8)
    for k in coords:
        if k in out:
            final[k] = np.concatenate(out[k]) if out[k] else np.zeros((0, 2), np.uint16)
    return final


def write(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Replace the folder's ``.npy`` files with ``arrays`` (``pack``'s and the layer's own table)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.npy"):
        old.unlink()
    for key, arr in arrays.items():
        np.save(folder / f"{key}.npy", np.ascontiguousarray(arr), allow_pickle=False)


# --------------------------------------------------------------------------------------------- reading
def open_folder(folder: Path) -> dict[str, np.ndarray]:
    """Every ``.npy`` of a tiled layer, memory-mapped (nothing is read until a cell is decoded)."""
    return {p.stem: np.load(p, mmap_mode="r", allow_pickle=False) for p in sorted(folder.glob("*.npy"))}


def stored_cells(a: dict[str, np.ndarray], windows: Sequence[Window]) -> tuple[int, ...]:
    """Indexes into ``a["cells"]`` of the stored cells that overlap any of ``windows``."""
    ids = np.asarray(sorted(cells_in(windows)), dtype=np.int64)
    return tuple(int(i) for i in np.flatnonzero(np.isin(a["cells"], ids)))


def _lonlat(a: dict[str, np.ndarray], key: str, i: int, s0: int, s1: int) -> np.ndarray:
    return (a[key][s0:s1].astype(np.int64) + cell_origin(int(a["cells"][i]))) / SCALE


def cell_polygons(a: dict[str, np.ndarray], i: int):
    """The polygon pieces of stored cell ``i`` in lon/lat: (shapely polygons, poly_unit, poly_id),
    or None when it has none."""
    import shapely

    p0, p1 = int(a["cell_poly"][i]), int(a["cell_poly"][i + 1])
    if p1 <= p0:
        return None
    r0, r1 = int(a["poly_ring"][p0]), int(a["poly_ring"][p1])
    s0, s1 = int(a["ring_start"][r0]), int(a["ring_start"][r1])
    polys = shapely.from_ragged_array(
        shapely.GeometryType.POLYGON, _lonlat(a, "xy", i, s0, s1),
        (a["ring_start"][r0:r1 + 1].astype(np.int64) - s0, a["poly_ring"][p0:p1 + 1].astype(np.int64) - r0))
    return polys, np.asarray(a["poly_unit"][p0:p1]), np.asarray(a["poly_id"][p0:p1])


def cell_lines(a: dict[str, np.ndarray], i: int):
    """The line pieces of stored cell ``i`` in lon/lat: (shapely lines, line_kind, line_unit or
    None), or None when it has none."""
    import shapely

    l0, l1 = int(a["cell_line"][i]), int(a["cell_line"][i + 1])
    if l1 <= l0:
        return None
    s0, s1 = int(a["line_start"][l0]), int(a["line_start"][l1])
    lines = shapely.from_ragged_array(
        shapely.GeometryType.LINESTRING, _lonlat(a, "line_xy", i, s0, s1),
        (a["line_start"][l0:l1 + 1].astype(np.int64) - s0,))
    unit = np.asarray(a["line_unit"][l0:l1]) if "line_unit" in a else None
    return lines, np.asarray(a["line_kind"][l0:l1]), unit


def cell_points(a: dict[str, np.ndarray], i: int) -> tuple[np.ndarray, np.ndarray]:
    """The points of stored cell ``i``: ((n, 2) lon/lat, point_unit)."""
    q0, q1 = int(a["cell_point"][i]), int(a["cell_point"][i + 1])
    return _lonlat(a, "point_xy", i, q0, q1), np.asarray(a["point_unit"][q0:q1])
