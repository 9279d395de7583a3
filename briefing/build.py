"""The pipeline in order: facts -> charts -> locator map -> words and PDF.

``build_brief`` returns PDF bytes (like WeasyPrint's ``write_pdf`` with no target); writing files
is the caller's business: ``editions.publish`` does it, atomically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .charts import build_charts
from .facts import Facts, load_facts
from .geodata import MapDataMissing
from .map import MapPoint, render_locator_map
from .pdf import ChangesPart, MapPart, render_pdf

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
    try:
        drawn = render_locator_map(MapPoint(loc.name, loc.lat, loc.lon), loc.country, loc.admin1, places)
    except MapDataMissing as exc:
        log.warning("%s: locator map left out: %s", facts.id, exc)
        return None
    for warning in drawn.warnings:
        log.warning("%s: %s", facts.id, warning)
    rows = tuple(
        (d.name, f"{d.km:,.1f}", f"{d.mi:,.1f}", f"{d.bearing_deg:.0f}\u00b0 {d.compass}", p.sources)
        for d, p in zip(drawn.distances, located)
    )
    return MapPart(svg=drawn.svg, rows=rows, data_note=drawn.data_note)
