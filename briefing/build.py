"""The pipeline in order: facts -> charts -> locator map -> words and PDF.

``build_brief`` returns PDF bytes (like WeasyPrint's ``write_pdf`` with no target); writing files
is the caller's business: ``editions.publish`` does it, atomically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .charts import build_charts
from .facts import Facts, Place, Source, load_facts
from .geodata import MapDataMissing
from .map import MapPoint, Overlay, PlaceDistance, render_locator_map
from .pdf import ChangesPart, MapLegendEntry, MapPart, MapRow, render_pdf

log = logging.getLogger("briefing")


@dataclass(frozen=True)
class BuildOptions:
    paper: str = "a4"
    edition: str | None = None
    changes: ChangesPart | None = None


def build_brief(source: str | Path | Facts, options: BuildOptions = BuildOptions()) -> bytes:
    """Build one brief and return its PDF bytes. Raises FactsError for an unusable facts file."""
    if isinstance(source, Facts):
        facts = source
    else:
        log.debug("%s: Step 1 - Loading and validating facts", source)
        facts = load_facts(source)
    log.debug("%s: Step 2 - Drawing charts", facts.id)
    charts = build_charts(facts)
    log.debug("%s: Step 3 - Drawing the locator map", facts.id)
    locator = locator_part(facts)
    log.debug("%s: Step 4 - Creating PDF", facts.id)
    return render_pdf(facts, charts, locator=locator, changes=options.changes, paper=options.paper, edition=options.edition)


def locator_part(facts: Facts) -> MapPart | None:
    """The locator map, or None when the map data is missing (the PDF then says so honestly)."""
    loc = facts.location
    located = [p for p in facts.places if p.lat is not None and p.lon is not None]
    places = [MapPoint(p.name, p.lat, p.lon) for p in located]
    areas = facts.map.areas if facts.map else ()
    lines = facts.map.lines if facts.map else ()
    overlays = tuple(Overlay(o.kind, "area", o.label, o.shapes) for o in areas) + tuple(
        Overlay(o.kind, "line", o.label, o.shapes) for o in lines)
    try:
        drawn = render_locator_map(MapPoint(loc.name, loc.lat, loc.lon), loc.country, loc.admin1, places,
                                   overlays=overlays)
    except MapDataMissing as exc:
        log.warning("%s: locator map left out: %s", facts.id, exc)
        return None
    for warning in drawn.warnings:
        log.warning("%s: %s", facts.id, warning)
    gazetteers = {s.id for s in facts.sources if _is_gazetteer(s)}
    rows = tuple(_map_row(d, p, gazetteers) for d, p in zip(drawn.distances, located))
    legend = tuple(MapLegendEntry(o.kind, geometry, o.label, o.as_of.isoformat() if o.as_of else None, o.source)
                   for geometry, items in (("area", areas), ("line", lines)) for o in items)
    return MapPart(svg=drawn.svg, rows=rows, data_note=drawn.data_note, legend=legend)


def _is_gazetteer(source: Source) -> bool:
    """A source that is the GeoNames gazetteer (the data the map's look-ups come from)."""
    return "geonames" in source.publisher.casefold() or "geonames.org" in (source.url or "").casefold()


def _map_row(d: PlaceDistance, place: Place, gazetteers: set[str]) -> MapRow:
    """Coordinates cite only where they came from: a gazetteer look-up (or a gazetteer source the
    place lists) cites the gazetteer; otherwise the place's own sources vouch for them. The note
    cites the place's other sources."""
    listed_gaz = tuple(s for s in place.sources if s in gazetteers)
    others = tuple(s for s in place.sources if s not in gazetteers)
    if place.gazetteer_id is not None or listed_gaz:
        coord_ids = listed_gaz or tuple(sorted(gazetteers))
        origin = None if coord_ids else "GeoNames gazetteer"
    else:
        coord_ids, origin = place.sources, None
    return MapRow(
        name=place.name,
        coordinates=format_coordinates(place.lat, place.lon),
        coordinate_sources=coord_ids,
        coordinate_origin=origin,
        km=f"{d.km:,.1f}",
        mi=f"{d.mi:,.1f}",
        bearing=f"{d.bearing_deg:.0f}\u00b0 {d.compass}",
        note=place.note,
        note_sources=others if place.note else (),
    )


def format_coordinates(lat: float, lon: float) -> str:
    """``48.692° N, 38.071° E``: three decimals (about 100 m), hemisphere letters, no signs."""
    return f"{abs(lat):.3f}\u00b0 {'N' if lat >= 0 else 'S'}, {abs(lon):.3f}\u00b0 {'E' if lon >= 0 else 'W'}"
