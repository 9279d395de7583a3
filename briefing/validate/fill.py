"""Validation, step 4: fill in what the facts file points to, so later stages never read a file.

After the tables (``data.resolve_data``, step 3): places without coordinates get the offline
gazetteer's nearest match, and map overlays their geometry from the GeoJSON files they name.
Each raises FactsError listing every place or file that fails.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import FactsError, Problem
from ..facts import Facts
from ..files import read_bounded, source_file


def locate_places(facts: Facts, file: str) -> Facts:
    """Give places without coordinates the nearest match in the offline GeoNames gazetteer."""
    if all(p.lat is not None for p in facts.places):
        return facts
    from ..gazetteer import PlaceNotFound, lookup  # numpy and the gazetteer data: only when needed

    near = (facts.location.lat, facts.location.lon)
    places, problems = [], []
    for i, place in enumerate(facts.places):
        if place.lat is None:
            try:
                hit = lookup(place.name, near)
            except PlaceNotFound as exc:
                problems.append(Problem(file, f"places[{i}].name", str(exc)))
                continue
            place = place.model_copy(update={"lat": hit.lat, "lon": hit.lon, "gazetteer_id": hit.geonameid})
        places.append(place)
    if problems:
        raise FactsError(problems)
    return facts.model_copy(update={"places": tuple(places)})


def read_overlays(facts: Facts, file: str, base: Path) -> Facts:
    """Read the GeoJSON files of map overlays into the facts, so later stages never read a file."""
    if facts.map is None or not any(o.geojson for o in (*facts.map.areas, *facts.map.lines)):
        return facts
    from ..geojson import MAX_GEOJSON_BYTES, GeometryError, parse_geojson

    what = ("GeoJSON files of map overlays", "a GeoJSON file", "a GeoJSON file")

    problems: list[Problem] = []
    done: dict[str, tuple] = {}
    for kind, items in (("areas", facts.map.areas), ("lines", facts.map.lines)):
        out = []
        for i, item in enumerate(items):
            if item.geojson is not None:
                field = f"map.{kind}[{i}].geojson"
                try:
                    path = source_file(base, item.geojson, file, field, limit=MAX_GEOJSON_BYTES, kind=what)
                    data = read_bounded(path, MAX_GEOJSON_BYTES, file, field, *what[1:])
                    item = item.model_copy(update={"shapes": parse_geojson(data, kind[:-1])})
                except GeometryError as exc:
                    problems.append(Problem(file, field, f'"{item.geojson}" {exc}'))
                except FactsError as exc:
                    problems.extend(exc.problems)
            out.append(item)
        done[kind] = tuple(out)
    if problems:
        raise FactsError(problems)
    return facts.model_copy(update={"map": facts.map.model_copy(update=done)})
