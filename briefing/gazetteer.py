"""Offline gazetteer: coordinates for a place named in the facts file without lat/lon.

Looks the name up in the vendored GeoNames populated places (population >= 500; CC BY 4.0, see
``assets/ATTRIBUTION.md``), matching the name and its alternate Latin-script names case-, diacritic-
and apostrophe-insensitively ("Kostiantynivka" finds GeoNames' "Kostyantynivka"). Where several places
share the name (Ukraine has several Kostiantynivkas), the one nearest the brief's location wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import geodata
from .geodata import normalise_name

__all__ = ["GazetteerHit", "PlaceNotFound", "lookup"]


@dataclass(frozen=True)
class GazetteerHit:
    name: str
    lat: float
    lon: float
    country: str
    geonameid: int
    population: int


class PlaceNotFound(LookupError):
    """No place of that name in the offline gazetteer."""


def _haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def lookup(name: str, near: tuple[float, float], country: str | None = None) -> GazetteerHit:
    """The place called ``name`` nearest to ``near`` (lat, lon), optionally only in ``country`` (ISO2).

    Raises PlaceNotFound when nothing matches.
    """
    rows = geodata.find_places(normalise_name(name))
    if country:
        cc = country.strip().upper()
        rows = [r for r in rows if r.country == cc]
    if not rows:
        where = f" in {country.strip().upper()}" if country else ""
        raise PlaceNotFound(
            f'no place named "{name}"{where} in the offline gazetteer (GeoNames); give lat and lon for it'
        )
    d = _haversine_km(near[0], near[1], np.array([r.lat for r in rows]), np.array([r.lon for r in rows]))
    # nearest first; ties (same spot) broken by population, then id, so the answer is deterministic
    best = min(range(len(rows)), key=lambda k: (round(float(d[k]), 3), -rows[k].population, rows[k].geonameid))
    r = rows[best]
    return GazetteerHit(name=r.name, lat=r.lat, lon=r.lon, country=r.country, geonameid=r.geonameid,
                        population=r.population)
