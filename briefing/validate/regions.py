"""Warnings about where the brief is: ``location.admin1`` the map data does not know (with the names
it does), a location outside its own country, a place far away from the others, a map overlay off the map.

Why at ``--check`` time: an unknown region only dropped the map's highlight, and the build's warning
did not say which names would work (Iceland's "Southern Region" is Suðurland in the data); latitude
and longitude written the wrong way round are both in range, so validation passed and the map drew
a hemisphere. Each warning says "latitude and longitude swapped?" where swapping them would fix it.
"""

from __future__ import annotations

import difflib
import json
import math
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from ..errors import Problem
from ..facts import Facts

if TYPE_CHECKING:
    import numpy as np

_T = TypeVar("_T")

#: How many region names a warning lists (a country may have dozens; the closest come first).
LISTED = 12


def admin1_warnings(facts: Facts, file: str | Path, use_cache: bool = True) -> list[Problem]:
    """One warning when ``location.admin1`` matches no region of ``location.country`` in the map data,
    listing that country's regions, closest first; none when the data has no regions for the country."""
    admin1 = facts.location.admin1
    if not admin1:
        return []
    listed = _remembered("admin1-unknown", [admin1, facts.location.country],
                         lambda: _other_regions(admin1, facts.location.country), use_cache)
    if listed is None:
        return []
    return [Problem(str(file), "location.admin1",
                    f'"{admin1}" is not a region the map data knows for {facts.location.country} (the map would '
                    f"highlight none); its regions, closest first: {listed}")]


def _other_regions(admin1: str, country: str) -> str | None:
    """None when ``admin1`` names a region of ``country`` in the map data (or the data has none for
    it, or there is no map data: the build says so once, for the whole map); otherwise the country's
    regions, closest first, as the warning lists them."""
    from .. import geodata

    try:
        layer = geodata.admin1(country)
    except geodata.MapDataMissing:
        return None
    if layer is None:
        return None
    key = geodata.normalise_name(admin1, strip_types=True)
    if any(key in keys for keys in layer.unit_keys):
        return None

    def closeness(unit: int) -> float:
        return max(difflib.SequenceMatcher(None, key, k).ratio() for k in layer.unit_keys[unit] | {""})

    order = sorted(range(len(layer.unit_name)), key=lambda u: (-closeness(u), layer.unit_name[u]))
    names = list(dict.fromkeys(layer.unit_name[u] for u in order))
    return ", ".join(names[:LISTED]) + (f" (and {len(names) - LISTED} more)" if len(names) > LISTED else "")


def _remembered(kind: str, inputs: list, compute: Callable[[], _T], use_cache: bool) -> _T:
    """``compute()`` (JSON), remembered in the drawing cache under ``inputs`` and the code version, which
    covers the map data: a build whose location did not move reads no map data for these checks (and
    imports no shapely), 50-70 ms of a reworded build or a ``--check``; ``use_cache`` False computes it."""
    from .. import cache

    return cache.cached(use_cache, cache.key(kind, inputs), compute, lambda value: json.dumps(value).encode(), json.loads)


#: A place farther from the location than this (km) and ten times the places' median is suspect
#: (with fewer than three places, four times this).
FAR_KM = 500.0
SWAPPED = "latitude and longitude swapped?"


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine on a 6,371 km sphere: enough to tell near from far)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _swappable(lat: float, lon: float) -> bool:
    return abs(lon) <= 90


def place_warnings(facts: Facts, file: str | Path, use_cache: bool = True) -> list[Problem]:
    """A location outside its own ``country``, and each place far from the location compared with the others."""
    loc, out = facts.location, []
    inside = _in_country(loc.country, loc.lat, loc.lon, use_cache)
    if inside is False:
        hint = f"; {SWAPPED}" if _swappable(loc.lat, loc.lon) and _in_country(loc.country, loc.lon, loc.lat, use_cache) else ""
        out.append(Problem(str(file), "location", f"({loc.lat}, {loc.lon}) is not in {loc.country}, the location's "
                           f"country{hint}"))
    located = [(i, p) for i, p in enumerate(facts.places) if p.lat is not None and p.lon is not None]
    far = [_km(loc.lat, loc.lon, p.lat, p.lon) for _, p in located]  # type: ignore[arg-type]
    if not far:
        return out
    typical = statistics.median(far)
    limit = max(FAR_KM, 10 * typical) if len(far) > 2 else FAR_KM * 4
    for (i, p), km in zip(located, far):
        if km <= limit:
            continue
        swapped = _swappable(p.lat, p.lon) and _km(loc.lat, loc.lon, p.lon, p.lat) <= limit  # type: ignore[arg-type]
        out.append(Problem(str(file), f"places[{i}]", f'"{p.name}" at ({p.lat}, {p.lon}) is {km:,.0f} km from the location, '
                           f"far from the other places{'; ' + SWAPPED if swapped else ''}"))
    return out


#: A map overlay whose nearest position is farther from the location than this (km) is off the map.
OVERLAY_FAR_KM = 4 * FAR_KM


def overlay_warnings(facts: Facts, file: str | Path) -> list[Problem]:
    """Each map overlay nowhere near the location: the map frames its overlays with the location, so one
    given as [lat, lon] (in range, the wrong hemisphere) shrank Iceland to a speck on a half-globe map."""
    if facts.map is None:
        return []  # most briefs: no numpy to import (a reworded build of one imports none)
    import numpy as np

    loc, out = facts.location, []
    for key, items in (("areas", facts.map.areas), ("lines", facts.map.lines)):
        for i, overlay in enumerate(items):
            rings = [ring for part in overlay.shapes for ring in (part if key == "areas" else (part,))]
            if not rings:
                continue
            lon, lat = np.concatenate([np.asarray(r, dtype=float) for r in rings]).T
            km = _nearest_km(loc.lat, loc.lon, lat, lon)
            if km <= OVERLAY_FAR_KM:
                continue
            swapped = bool(np.all(np.abs(lon) <= 90)) and _nearest_km(loc.lat, loc.lon, lon, lat) <= OVERLAY_FAR_KM
            out.append(Problem(str(file), f"map.{key}[{i}]", f'"{overlay.label}" is {km:,.0f} km from the location at its '
                               f"nearest, off the map{'; GeoJSON order is [lon, lat]: ' + SWAPPED if swapped else ''}"))
    return out


def _nearest_km(lat0: float, lon0: float, lat: "np.ndarray", lon: "np.ndarray") -> float:
    """The great-circle distance from (lat0, lon0) to the nearest of the positions (as ``_km``)."""
    import numpy as np

    p1, p2, dl = np.radians(lat0), np.radians(lat), np.radians(lon - lon0)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(h))).min())


def _in_country(code: str, lat: float, lon: float, use_cache: bool = True) -> bool | None:
    """Whether (lat, lon) is in the country ``code`` (within about 30 km of its simplified outline); None
    when the map data is missing or does not have that country."""
    return _remembered("in-country", [code, lat, lon], lambda: _in_country_now(code, lat, lon), use_cache)


def _in_country_now(code: str, lat: float, lon: float) -> bool | None:
    import shapely

    from .. import geodata

    try:
        layer = geodata.admin0("coarse")
    except geodata.MapDataMissing:
        return None
    units = [u for u, c in enumerate(layer.unit_code) if c == code]
    if not units:
        return None
    polys = [layer.polygons[i] for i, u in enumerate(layer.poly_unit) if u in units]
    point = shapely.points(lon, lat)
    return bool(min(float(d) for d in shapely.distance(polys, point)) < 0.3)
