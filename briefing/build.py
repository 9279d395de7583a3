"""The pipeline in order: facts -> charts -> locator map -> words and PDF.

``build_brief`` returns PDF bytes (like WeasyPrint's ``write_pdf`` with no target); writing files
is the caller's business: ``editions.publish`` does it, atomically.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # the drawing stages import matplotlib and reportlab, validation pydantic: only a build pays for them
    from .facts import Facts, Place, Source
    from .charts import Chart
    from .pdf import ChangesPart, MapPart, MapRow

log = logging.getLogger("briefing")


@dataclass(frozen=True)
class BuildOptions:
    paper: str = "a4"
    edition: str | None = None
    changes: ChangesPart | None = None
    strict: bool = False  # warnings about the facts are errors: nothing is built
    #: Reuse chart and map drawings from the on-disk cache (``briefing/cache.py``); the PDF is the same either way.
    cache: bool = True
    #: Draw charts that are not cached in a forked child while this process draws the map (``overlap.py``);
    #: only the command line sets it, for a build in its main process: a library caller, a pool worker,
    #: the preview server or the scheduler draws in-process. The PDF is the same either way.
    overlap: bool = False


def build_brief(source: str | Path | Facts, options: BuildOptions = BuildOptions()) -> bytes:
    """Build one brief and return its PDF bytes. Raises FactsError for an unusable facts file."""
    from .facts import Facts
    from .fonts import remember_fonts, seed_matplotlib
    from .validate import load_facts
    from .pdf import render_pdf

    seed_matplotlib(options.cache)
    remember_fonts(options.cache)
    if isinstance(source, Facts):
        facts = source
    else:
        log.debug("%s: Step 1 - Loading and validating facts", source)
        facts = load_facts(source, strict=options.strict, use_cache=options.cache)
    log.debug("%s: Step 2 - Drawing charts", facts.id)
    if options.overlap:
        charts, locator = _charts_beside_the_map(facts, options.cache)
    else:
        charts = chart_part(facts, options.cache)
        log.debug("%s: Step 3 - Drawing the locator map", facts.id)
        locator = locator_part(facts, options.cache)
    log.debug("%s: Step 4 - Creating PDF", facts.id)
    return render_pdf(facts, charts, locator=locator, changes=options.changes, paper=options.paper, edition=options.edition)


#: Facts fields that only words are made of: a change to them redraws no chart.
WORDS_ONLY = frozenset({"title", "subtitle", "handling", "prepared_by", "key_points", "sections", "quotes", "sources",
                        "assessments", "indicators", "gaps", "map"})


def chart_part(facts: Facts, use_cache: bool = True) -> list[Chart]:
    """The brief's charts, from the drawing cache when the facts they draw on were drawn before."""
    from . import cache  # the drawing cache: --check never draws

    name, draw, dump, load = _chart_drawing(facts)
    return cache.cached(use_cache, name, draw, dump, load)


def _chart_drawing(facts: Facts) -> tuple[str, Callable[[], list[Chart]], Callable[[list[Chart]], bytes],
                                          Callable[[bytes], list[Chart]]]:
    """The charts' cache entry name, and how they are drawn, dumped to bytes and loaded back.

    The key is every field except ``WORDS_ONLY``: a field added later counts until it is listed there.
    """
    from . import cache
    from .drawcodec import dump_part, load_part

    def draw() -> list[Chart]:
        from .vector import load_matplotlib

        if _charted(facts):
            load_matplotlib()  # before charts imports matplotlib.figure; a brief with no charts never imports it
        from .charts import build_charts

        return build_charts(facts)

    def load(payload: bytes) -> list[Chart]:
        from reportlab.graphics.shapes import Drawing

        from .charts import Chart
        from .vector import register_drawing_fonts

        charts = [Chart(**c) for c in load_part(payload)]
        for chart in charts:
            if not isinstance(chart.drawing, Drawing):
                raise TypeError("a cached chart holds no drawing")
            register_drawing_fonts(chart.drawing)
        return charts

    def dump(charts: list[Chart]) -> bytes:
        # a dict per chart, not dataclasses.asdict: that would deep-copy every drawing
        return dump_part([{f.name: getattr(c, f.name) for f in dataclasses.fields(c)} for c in charts])

    from .vector import RENDERER_VERSION

    data = facts.model_dump(mode="json", exclude=set(WORDS_ONLY))
    return cache.key("charts", [RENDERER_VERSION, data]), draw, dump, load


def _charted(facts: Facts) -> bool:
    """Whether the facts hold what a chart may be drawn from (else drawing the charts is instant)."""
    return bool(facts.events or facts.figures or facts.series)


def _charts_beside_the_map(facts: Facts, use_cache: bool) -> tuple[list[Chart], MapPart | None]:
    """The charts and the map, the charts drawn in a forked child while this process draws the map.

    Why: on a never-built brief they are most of the build (matplotlib's import alone 0.6 s), and
    neither needs the other; side by side they take the time of the longer. Charts from the cache, a
    brief with nothing to chart, or a process that cannot fork safely (``overlap.can_fork``) draw as
    ``chart_part`` does. Anything that goes wrong in the child makes the charts here instead, and the
    map's log records are held until the charts are made, so every message comes in the order, and
    every error is the one, of a build in one process: a chart that cannot be drawn stops the build
    before the map says a word.
    """
    from . import cache, overlap

    name, draw, dump, load = _chart_drawing(facts)
    charts = cache.recall(use_cache, name, load)
    child = None
    if charts is None and _charted(facts):
        from .fonts import register_fonts

        register_fonts()  # both sides set text in the house fonts: parsed once, before the fork (0.1 s)
        child = overlap.start(lambda: dump(draw()))
    if child is None:
        charts = charts if charts is not None else cache.cached(use_cache, name, draw, dump, load)
        log.debug("%s: Step 3 - Drawing the locator map", facts.id)
        return charts, locator_part(facts, use_cache)
    with child:
        failure: Exception | None = None
        with overlap.held_logs() as held:
            log.debug("%s: Step 3 - Drawing the locator map", facts.id)
            try:
                locator = locator_part(facts, use_cache)
            except Exception as exc:  # raised once the charts are made, as it would have been after them
                locator, failure = None, exc
        payload = child.result()
    charts = _loaded(payload, load) if payload is not None else None
    if charts is None:  # the child failed, or sent what cannot be read: drawn here, as in one process
        charts = cache.cached(use_cache, name, draw, dump, load)
    elif use_cache:
        cache.write(name, payload)
    overlap.replay(held)
    if failure is not None:
        raise failure
    return charts, locator


def _loaded(payload: bytes, load: Callable[[bytes], list[Chart]]) -> list[Chart] | None:
    """The charts a child sent, or None when they cannot be read (then they are drawn here)."""
    try:
        return load(payload)
    except Exception:  # noqa: BLE001 - a payload cut short or garbled: drawing again says what is wrong, if anything
        return None


#: Changes whenever the map would be drawn differently: cached maps of older versions are not reused
#: (2: drawn with reportlab directly, ``map/canvas.py``, no longer through matplotlib and ``vector``).
MAP_VERSION = 2


def locator_part(facts: Facts, use_cache: bool = True) -> MapPart | None:
    """The locator map, or None when the map data is missing (the PDF then says so honestly).

    Cached on exactly what ``render_locator_map`` is given, so a rebuild whose places did not move
    loads the map in milliseconds.
    """
    from . import cache
    from .drawcodec import dump_part, load_part
    from .pdf import MapPart

    loc = facts.location
    located = [p for p in facts.places if p.lat is not None and p.lon is not None]
    areas = facts.map.areas if facts.map else ()
    lines = facts.map.lines if facts.map else ()
    overlays = [(o.kind, geometry, o.label, o.shapes) for geometry, items in (("area", areas), ("line", lines)) for o in items]
    inputs = {"location": [loc.name, loc.lat, loc.lon], "country": loc.country, "admin1": loc.admin1,
              "places": [[p.name, p.lat, p.lon] for p in located], "overlays": overlays}

    def draw() -> dict[str, Any]:
        from .glyphs import drawable
        from .map import MapPoint, Overlay, render_locator_map

        # Characters no font has are drawn as boxes on purpose (and said so by the validation's warning).
        drawn = render_locator_map(MapPoint(drawable(loc.name), loc.lat, loc.lon), loc.country, loc.admin1,
                                   [MapPoint(drawable(p.name), p.lat, p.lon) for p in located],
                                   overlays=tuple(Overlay(kind, geometry, drawable(label), shapes)
                                                  for kind, geometry, label, shapes in overlays))
        return {"drawing": drawn.drawing, "data_note": drawn.data_note, "warnings": list(drawn.warnings),
                "distances": [[d.name, d.km, d.mi, d.bearing_deg, d.compass] for d in drawn.distances]}

    def load(payload: bytes) -> dict[str, Any]:
        from reportlab.graphics.shapes import Drawing

        from .vector import register_drawing_fonts

        drawn = load_part(payload)
        if not isinstance(drawn, dict) or not isinstance(drawn.get("drawing"), Drawing):
            raise TypeError("a cached map holds no drawing")
        register_drawing_fonts(drawn["drawing"])
        return drawn

    try:
        drawn = cache.cached(use_cache, cache.key("map", [MAP_VERSION, inputs]), draw, dump_part, load)
    except Exception as exc:
        from .geodata import MapDataMissing  # already loaded by the drawing that raised

        if not isinstance(exc, MapDataMissing):
            raise
        log.warning("%s: locator map left out: %s", facts.id, exc)
        return None
    for warning in drawn["warnings"]:
        log.warning("%s: %s", facts.id, warning)
    from .pdf import MapLegendEntry

    gazetteers = {s.id for s in facts.sources if _is_gazetteer(s)}
    rows = tuple(_map_row(km, mi, bearing, compass, p, gazetteers)
                 for (_, km, mi, bearing, compass), p in zip(drawn["distances"], located))
    legend = tuple(MapLegendEntry(o.kind, geometry, o.label, o.as_of.isoformat() if o.as_of else None, o.source)
                   for geometry, items in (("area", areas), ("line", lines)) for o in items)
    return MapPart(drawing=drawn["drawing"], rows=rows, data_note=drawn["data_note"], legend=legend)


def _is_gazetteer(source: Source) -> bool:
    """A source that is the GeoNames gazetteer (the data the map's look-ups come from)."""
    return "geonames" in source.publisher.casefold() or "geonames.org" in (source.url or "").casefold()


def _map_row(km: float, mi: float, bearing: float, compass: str, place: Place, gazetteers: set[str]) -> "MapRow":
    """Coordinates cite only where they came from: a gazetteer look-up (or a gazetteer source the
    place lists) cites the gazetteer; otherwise the place's own sources vouch for them. The note
    cites the place's other sources."""
    from .pdf import MapRow

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
        km=f"{km:,.1f}",
        mi=f"{mi:,.1f}",
        bearing=f"{bearing:.0f}\u00b0 {compass}",
        note=place.note,
        note_sources=others if place.note else (),
    )


def format_coordinates(lat: float, lon: float) -> str:
    """``48.692° N, 38.071° E``: three decimals (about 100 m), hemisphere letters, no signs."""
    return f"{abs(lat):.3f}\u00b0 {'N' if lat >= 0 else 'S'}, {abs(lon):.3f}\u00b0 {'E' if lon >= 0 else 'W'}"
