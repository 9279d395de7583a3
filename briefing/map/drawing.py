"""Drawing the two-panel locator map: an overview of the country and a detail of the location.

``render_locator_map`` is a pure function of its (frozen) inputs: same inputs, same drawing.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import geodata
from ..geodata import ATTRIBUTION, normalise_name
from ..fonts import SANS
from ..glyphs import visual
from ..vector import ALERT, INK, MUTED
from .canvas import ASCENT, DESCENT, Canvas, Panel, text_width
from .furniture import LEGEND_ROW_IN, _km_per_pt, _north_arrow, _scale_bar, legend
from .labels import Placer
from .reference import draw_ice, label_ice, reference_points
from .water import label_water
from .style import (ADMIN1_LINE, BORDER, COAST, LABEL_PT, LAND, LAND_HOME, REGION_FILL, REGION_LINE, SEA, SMALL_PT,
                    WATER_LINE)
from .layers import clip_layer, clip_to_rect, country_units, find_admin1, geo_windows
from .framing import detail_view, overview_view
from .overlays import Overlay
from .overlays import draw as draw_overlays
from .projection import DATA_NOTE, MapPoint, PlaceDistance, Proj, Rect, distance_and_bearing
from .towns import home_capital, orientation_towns

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing


@dataclass(frozen=True)
class LocatorMap:
    """What the PDF needs from the map: the drawing, the distance rows, and notes about the data."""

    drawing: Drawing  # reportlab, at its natural size (points)
    distances: tuple[PlaceDistance, ...]
    attribution: str
    data_note: str
    warnings: tuple[str, ...]


# --------------------------------------------------------------------------------------------- main
@dataclass
class _Debug:
    detail_view: Rect
    overview_view: Rect
    label_boxes: list  # (panel, text, (x0, y0, x1, y1)) in points
    marker_px: dict  # name -> (px, py) of the marker in the detail panel, points
    canvas: Canvas
    dropped: list
    towns: list = field(default_factory=list)  # names of the orientation towns drawn
    legend: list = field(default_factory=list)  # the legend's entries, as printed
    capitals: list = field(default_factory=list)  # (panel, name) of each capital starred
    water: list = field(default_factory=list)  # (panel, name, kind) of each water name set


def render_locator_map(
    location: MapPoint,
    country: str,
    admin1: str | None,
    places: Sequence[MapPoint],
    *,
    overlays: Sequence[Overlay] = (),
    towns: bool = True,
    width_in: float = 6.7,
    height_in: float = 3.6,
) -> LocatorMap:
    """Draw the two-panel locator map; see the module docstring.

    ``overlays`` are the facts file's areas and lines; ``towns`` adds orientation towns from the
    gazetteer to the detail panel (smaller and grey, never over the facts' own places).
    """
    result, _debug = _render(location, country, admin1, places, overlays=overlays, towns=towns,
                             width_in=width_in, height_in=height_in)
    return result


@dataclass(frozen=True)
class _Layout:
    """Where the two panels and the caption sit on the figure (inches)."""

    caption: tuple[str, ...]
    side: float
    gap: float
    bottom: float
    panel_h: float
    ov_w: float
    de_w: float


def _layout(location: MapPoint, places: Sequence[MapPoint], width_in: float, height_in: float) -> _Layout:
    """Split the figure into overview, detail and the caption under them."""
    top, side, gap = 0.06, 0.04, 0.1
    caption = _caption_lines(f"{ATTRIBUTION}. Projection: azimuthal equidistant centred on {location.name}.",
                             width_in - 2 * side)
    bottom = 0.08 + len(caption) * SMALL_PT * 1.25 / 72.0 + LEGEND_ROW_IN
    panel_h = height_in - bottom - top
    ov_w = min(panel_h, 0.42 * (width_in - 2 * side - gap))
    de_w = width_in - 2 * side - gap - ov_w
    return _Layout(caption, side, gap, bottom, panel_h, ov_w, de_w)


def _render(location, country, admin1, places, *, overlays=(), towns=True, width_in=6.7, height_in=3.6):
    """The map and what the tests look at: the overview, then the detail, each drawn then labelled."""
    warnings: list[str] = []
    places = list(places)
    distances = tuple(distance_and_bearing(location, p) for p in places)
    proj = Proj(location.lat, location.lon)
    home_units, code = country_units(country, location, warnings)
    # where the facts name the country the map uses, validation has warned of an unknown region (with its names)
    said = code == (country or "").strip().upper()
    region = find_admin1(code, admin1, location, [] if said else warnings) if admin1 else None
    lay = _layout(location, places, width_in, height_in)
    px_, py_, projected, detail = detail_view(proj, location, places, overlays, lay.de_w / lay.panel_h)
    overview = overview_view(proj, home_units, detail, lay.ov_w / lay.panel_h)

    cv = Canvas(width_in * 72, height_in * 72)
    ax_o = cv.panel(lay.side * 72, lay.bottom * 72, lay.ov_w * 72, lay.panel_h * 72, overview)
    ax_d = cv.panel((lay.side + lay.ov_w + lay.gap) * 72, lay.bottom * 72, lay.de_w * 72, lay.panel_h * 72, detail)
    label_boxes: list = []
    drawn_towns: list[str] = []
    dropped: list[str] = []

    clip = _overview_base(ax_o, proj, overview, home_units, code, region)
    placer_o = Placer(ax_o)
    _detail_frame(ax_o, overview, detail, placer_o)
    water = [("overview", *w) for w in label_water(proj, overview, placer_o, label_boxes, "overview",
                                                   rivers=False, land=clip.polys)]
    capitals = [("overview", c)] if (c := home_capital(proj, overview, placer_o, clip.polys[np.isin(
        clip.poly_unit, home_units)], [location, *places], label_boxes)) else []
    _overview_country_labels(proj, overview, clip, home_units, placer_o, label_boxes)

    dclip, a0d, river_lines, region_names, ice, admin1_drawn, land_d = _detail_base(ax_d, proj, detail, home_units)
    placer = Placer(ax_d)
    if projected:
        draw_overlays(ax_d, projected, detail, _km_per_pt(detail, placer))
    marker_px = _place_labels(ax_d, proj, detail, placer, location, places, distances, px_, py_, label_boxes,
                              dropped)
    water += [("detail", *w) for w in label_water(proj, detail, placer, label_boxes, "detail", rivers=True,
                                                  land=land_d)]
    own = frozenset(normalise_name(p.name) for p in (location, *places))
    label_ice(proj, detail, placer, ice, label_boxes, "detail", skip=own)
    _detail_country_labels(detail, dclip, a0d, placer, label_boxes)  # two countries: both named, before towns
    if towns:
        starred: list[str] = []
        orientation_towns(proj, detail, placer, [location, *places], label_boxes, drawn_towns,
                          [g for _ov, g in projected] + list(river_lines), capitals=starred)
        capitals += [("detail", c) for c in starred]
    points_used = reference_points(proj, detail, placer, label_boxes, "detail", skip=own)
    _region_labels(detail, region_names, placer, label_boxes)

    used = {"location", "frame", "water"} | ({"place"} if places else set()) | ({"town"} if drawn_towns else set())
    used |= ({"region"} if region is not None else set()) | ({"river"} if len(river_lines) else set())
    used |= {"border"} if (dclip.line_kind == 1).any() or (clip.line_kind == 1).any() else set()
    used |= ({"admin1"} if admin1_drawn else set()) | ({"ice"} if ice else set()) | points_used
    used |= {"capital"} if capitals else set()
    legend_texts = legend(cv, used, lay.side, lay.bottom - LEGEND_ROW_IN + 0.02, width_in - 2 * lay.side)
    if dropped:  # one line, however many: a hundred stacked places are one problem
        names = ", ".join(f'"{nm}"' for nm in dropped)
        what = "the label" if len(dropped) == 1 else f"the labels of {len(dropped)} places:"
        warnings.append(f"map: no room for {what} {names}; marked but not named on the map")
    cv.text(lay.side * 72, 0.04 * 72, "\n".join(visual(line) for line in lay.caption), size=SMALL_PT, fill=MUTED, ha="left",
            va="bottom", line_pitch=1.25 * (ASCENT + DESCENT))
    drawing = cv.drawing()

    result = LocatorMap(
        drawing=drawing,
        distances=distances,
        attribution=ATTRIBUTION,
        data_note=DATA_NOTE,
        warnings=tuple(warnings),
    )
    return result, _Debug(detail, overview, label_boxes, marker_px, cv, dropped, drawn_towns, legend_texts,
                          water=water, capitals=capitals)


def _overview_base(ax: Panel, proj: Proj, overview: Rect, home_units: np.ndarray, code, region):
    """Countries (home filled apart), the region, lakes, coasts, borders and the home outline."""
    a0 = geodata.admin0("coarse")
    clip = clip_layer(a0, proj, overview)
    home = np.isin(clip.poly_unit, home_units)
    ax.polys(clip.polys[~home], fill=LAND, zorder=1)
    ax.polys(clip.polys[home], fill=LAND_HOME, zorder=1)
    if region is not None:
        a1 = geodata.admin1(code)
        rclip = clip_layer(a1, proj, overview, units=np.array([region]), lines=False, outline=True)
        ax.polys(rclip.polys, fill=REGION_FILL, zorder=2)
        ax.lines(rclip.outline, stroke=REGION_LINE, lw=0.7, zorder=4.5)
    _water(ax, proj, overview, rivers=False)  # lakes only: rivers would clutter the overview
    draw_ice(ax, proj, overview)
    ax.lines(clip.lines[clip.line_kind == 0], stroke=COAST, lw=0.4, zorder=3)
    ax.lines(clip.lines[clip.line_kind == 1], stroke=BORDER, lw=0.5, zorder=3)
    hclip = clip_layer(a0, proj, overview, units=home_units, lines=False, outline=True, polys=False)
    ax.lines(hclip.outline, stroke=INK, lw=0.8, zorder=4)
    return clip


def _detail_frame(ax: Panel, overview: Rect, detail: Rect, placer_o: Placer) -> None:
    """The detail panel's frame on the overview (never smaller than a few points), and the scale bar."""
    fw = max(detail.w, overview.w * 0.025)
    fh = max(detail.h, overview.h * 0.025)
    fx, fy = (detail.x0 + detail.x1) / 2 - fw / 2, (detail.y0 + detail.y1) / 2 - fh / 2
    ax.rect(fx, fy, fw, fh, fill=None, stroke=ALERT, lw=1.1, zorder=10)
    a, b = placer_o.to_px(fx, fy), placer_o.to_px(fx + fw, fy + fh)
    placer_o.block((a[0] - 2, a[1] - 2, b[0] + 2, b[1] + 2))
    _scale_bar(overview, placer_o, np.array([[fx, fy], [fx + fw, fy + fh], [fx, fy + fh], [fx + fw, fy]]))


def _overview_country_labels(proj: Proj, overview: Rect, clip, home_units: np.ndarray, placer_o: Placer,
                             label_boxes: list) -> None:
    """Country names: home first, then by visible area; each at its label point, or on its largest part."""
    import shapely

    a0 = geodata.admin0("coarse")
    areas: dict[int, float] = {}
    best_part: dict[int, object] = {}
    best_area: dict[int, float] = {}
    shown = clip_to_rect(clip.polys, overview.x0, overview.y0, overview.x1, overview.y1)
    for g, ar, u in zip(shown, shapely.area(shown).tolist(), clip.poly_unit.tolist()):
        areas[u] = areas.get(u, 0.0) + ar
        if ar > best_area.get(u, -1.0):
            best_area[u], best_part[u] = ar, g
    # an ocean of islands (Tuvalu, the Maldives): each island country is a landmark, named beside its
    # islands, and the home country is named though its atolls are too small to draw at this scale
    islands = sum(areas.values()) < 0.1 * overview.w * overview.h
    for u in home_units.tolist() if islands else ():
        if u not in areas:
            areas[u], best_part[u] = 0.0, shapely.points(0.0, 0.0)
    order = sorted(areas, key=lambda u: (u not in set(home_units.tolist()), -areas[u], u))
    min_area = overview.w * overview.h * (0.0002 if islands else 0.004)
    for u in order:
        is_home = u in set(home_units.tolist())
        if areas[u] < min_area and not is_home:
            continue
        lx, ly = (float(v) for v in proj.xy(*a0.unit_label[u])) if a0.unit_label is not None else (np.nan, np.nan)
        if areas[u] == 0.0:  # not drawn at all: named beside the detail frame, where it is
            lx, ly = 0.0, 0.0
        elif not (np.isfinite(lx) and overview.grow(-0.05).contains(lx, ly)) or not shapely.contains(
            best_part[u], shapely.points(lx, ly)
        ) and not any(shapely.contains(g, shapely.points(lx, ly)) for g in clip.polys[clip.poly_unit == u]):
            if is_home:  # the home's part where the location is, not its largest (Hawaii's, not Alaska)
                mine = shown[(clip.poly_unit == u) & ~shapely.is_empty(shown)]
                best_part[u] = mine[int(np.argmin(shapely.distance(mine, shapely.points(0.0, 0.0))))]
            rp = shapely.point_on_surface(best_part[u])
            lx, ly = float(shapely.get_x(rp)), float(shapely.get_y(rp))
        props = dict(fontsize=LABEL_PT if is_home else SMALL_PT + 0.5, color=INK if is_home else "#555555",
                     fontweight="bold" if is_home else "normal")
        outside = placer_o.outside(shapely.union_all(shown[clip.poly_unit == u]))  # a country's name never crosses its border
        t = placer_o.place(lx, ly, a0.unit_name[u], marker_pt=0, props=props, candidates="center", halo=True,
                           reject=outside)
        # the label point's surroundings are too narrow: the middle of the largest part shown (none where the
        # country, its label point beside the detail frame, has nothing left on the panel: an empty point)
        if t is None and not shapely.is_empty(rp := _pole(best_part[u])):
            t = placer_o.place(float(shapely.get_x(rp)), float(shapely.get_y(rp)), a0.unit_name[u], marker_pt=0,
                               props=props, candidates="center", halo=True, reject=outside)
        if t is None and (is_home or islands):  # too small to hold its name: beside it (the home always)
            t = _place_beside(placer_o, lx, ly, a0.unit_name[u], props)
        if t is not None:
            label_boxes.append(("overview", a0.unit_name[u], placer_o.labels[-1][1]))


def _place_beside(placer: Placer, x: float, y: float, text: str, props: dict):
    """``text`` beside data point (x, y), clear of whatever covers the point (the detail frame round a
    small island country): the candidates start at the edge of the box that covers it."""
    px, py = placer.to_px(x, y)
    cover = [b for b in placer.obstacles if b[0] <= px <= b[2] and b[1] <= py <= b[3]]
    reach = max((max(px - b[0], b[2] - px, py - b[1], b[3] - py) for b in cover), default=0.0)
    return placer.place(x, y, text, marker_pt=reach * 72.0 / placer.dpi, props=props, halo=True)


def _detail_base(ax: Panel, proj: Proj, detail: Rect, home_units: np.ndarray):
    """Land, shoreline, water, region borders, coasts and borders of the detail panel.

    Returns the clipped countries, their layer, the river lines drawn, the regions (area, name, polygon),
    the named ice drawn, whether any region border was drawn, and the land as drawn (projected km:
    water names keep off it).
    """
    import shapely

    level = "fine" if detail.h < 800 else "coarse"
    a0d = geodata.admin0(level)
    dclip = clip_layer(a0d, proj, detail)
    home = np.isin(dclip.poly_unit, home_units)
    ax.polys(dclip.polys[~home], fill=LAND, zorder=1)
    ax.polys(dclip.polys[home], fill=LAND_HOME, zorder=1)
    land_ = _shoreline(ax, proj, detail, dclip.polys[home])
    river_lines = _water(ax, proj, detail, rivers=True)
    ice = draw_ice(ax, proj, detail)
    visible_codes = sorted({a0d.unit_code[int(u)] for u in dclip.poly_unit})
    region_lines = []
    region_names = []
    for c in visible_codes:
        layer1 = geodata.admin1(c) if not c.startswith("-") else None
        if layer1 is None:
            continue
        # region borders only (dashed); the coast comes from admin-0, whose coastline differs slightly
        c1 = clip_layer(layer1, proj, detail)
        region_lines.append(c1.lines)
        for g, u in zip(c1.polys, c1.poly_unit):
            region_names.append((float(shapely.area(g)), layer1.unit_name[int(u)], g))
    region_lines = [ls for ls in region_lines if len(ls)]
    if region_lines:
        ax.lines(np.concatenate(region_lines), stroke=ADMIN1_LINE, lw=0.5, dash=(1.5, 0.75), zorder=2)  # (3, 1.5) x lw
    if land_ is None:
        land_ = shapely.union_all(dclip.polys)
        ax.lines(dclip.lines[dclip.line_kind == 0], stroke=COAST, lw=0.6, zorder=3)
    ax.lines(dclip.lines[dclip.line_kind == 1], stroke=BORDER, lw=1.0, zorder=3)
    return dclip, a0d, river_lines, region_names, ice, bool(region_lines), land_


LOC_PT, PLACE_PT = 4.2, 2.6  # marker radii (points): the location, the brief's places


def _place_labels(ax: Panel, proj: Proj, detail: Rect, placer: Placer, location: MapPoint, places: Sequence[MapPoint],
                  distances, px_, py_, label_boxes: list, dropped: list) -> dict:
    """Scale bar, north arrow, the markers, then the location's and the places' names (nearest first)."""
    pts = np.column_stack([px_, py_])
    used = _scale_bar(detail, placer, pts)
    _north_arrow(proj, detail, placer, pts, avoid=(used,))
    ax.markers([0.0], [0.0], "o", 2 * LOC_PT, ALERT, "#ffffff", 0.8, zorder=25)
    if len(px_) > 1:
        ax.markers(px_[1:], py_[1:], "o", 2 * PLACE_PT, INK, "#ffffff", 0.6, zorder=24)
    placer.block_point(0.0, 0.0, LOC_PT + 0.5)
    for x, y in zip(px_[1:], py_[1:]):
        placer.block_point(float(x), float(y), PLACE_PT + 0.5)
    marker_px = {location.name: placer.to_px(0.0, 0.0)}
    t = placer.place(0.0, 0.0, location.name, marker_pt=LOC_PT,
                     props=dict(fontsize=LABEL_PT + 1, fontweight="bold", color=INK))
    if t is None:
        dropped.append(location.name)
    else:
        label_boxes.append(("detail", location.name, placer.labels[-1][1]))
    order = sorted(range(len(places)), key=lambda i: (distances[i].km, i))
    for i in order:
        p = places[i]
        marker_px.setdefault(p.name, placer.to_px(float(px_[i + 1]), float(py_[i + 1])))
        t = placer.place(float(px_[i + 1]), float(py_[i + 1]), p.name, marker_pt=PLACE_PT,
                         props=dict(fontsize=LABEL_PT, color=INK))
        if t is None:
            dropped.append(p.name)
        else:
            label_boxes.append(("detail", p.name, placer.labels[-1][1]))
    return marker_px


def _detail_country_labels(detail: Rect, dclip, a0d, placer: Placer, label_boxes: list) -> None:
    """Country names on the detail panel, when more than one country shows."""
    import shapely

    dareas: dict[int, tuple[float, object]] = {}
    dshown = clip_to_rect(dclip.polys, detail.x0, detail.y0, detail.x1, detail.y1)
    for g2, ar, u in zip(dshown, shapely.area(dshown).tolist(), dclip.poly_unit.tolist()):
        if ar > dareas.get(u, (0.0, None))[0]:
            dareas[u] = (ar, g2)
    if len({a0d.unit_code[u] for u in dareas}) <= 1:
        return
    for u in sorted(dareas, key=lambda u: (-dareas[u][0], u)):
        ar, g2 = dareas[u]
        if ar < detail.w * detail.h * 0.01:
            continue
        rp = shapely.point_on_surface(g2)
        nm = a0d.unit_name[u].upper()
        t = placer.place(float(shapely.get_x(rp)), float(shapely.get_y(rp)), nm, marker_pt=0,
                         props=dict(fontsize=LABEL_PT, color="#666666", fontweight="bold"), candidates="center",
                         reject=placer.outside(g2))
        if t is not None:
            label_boxes.append(("detail", nm, placer.labels[-1][1]))


def _region_labels(detail: Rect, region_names: list, placer: Placer, label_boxes: list) -> None:
    """Region names, largest first, where room is left inside the region."""
    import shapely

    seen = set()
    for ar, nm, g in sorted(region_names, key=lambda r: (-r[0], r[1])):
        if nm in seen or not nm or ar < detail.w * detail.h * 0.03:
            continue
        seen.add(nm)
        g2 = clip_to_rect(g, detail.x0, detail.y0, detail.x1, detail.y1)
        if g2.is_empty:  # a region GEOS could not cut to the panel: not named rather than named off it
            continue
        rp = shapely.point_on_surface(g2)
        t = placer.place(float(shapely.get_x(rp)), float(shapely.get_y(rp)), nm, marker_pt=0,
                         props=dict(fontsize=SMALL_PT, color="#707070", fontstyle="italic"), candidates="center",
                         reject=placer.outside(g2))  # inside its region: a name across a border misleads
        if t is not None:
            label_boxes.append(("detail", nm, placer.labels[-1][1]))


def _water(ax: Panel, proj: Proj, view: Rect, *, rivers: bool) -> np.ndarray:
    """Lakes and reservoirs (sea-coloured, shore drawn) and, in the detail panel, rivers.

    Lakes smaller than about a point across on paper are left out: they would print as specks.
    Returns the river lines drawn (projected), so town labels can keep off them.
    """
    import shapely

    speck = (view.h / 180.0) ** 2
    lakes = clip_layer(geodata.lakes(), proj, view, lines=False, min_km2=speck)
    if len(lakes.polys):
        big = shapely.area(lakes.polys) > speck
        ax.polys(lakes.polys[big], fill=SEA, stroke=WATER_LINE, lw=0.3, zorder=1.5)
    if rivers:
        r = clip_layer(geodata.rivers(), proj, view)
        ax.lines(r.lines, stroke=WATER_LINE, lw=0.6, zorder=1.6, cap=1, join=1)
        return r.lines
    return np.array([], dtype=object)


@functools.lru_cache(maxsize=64)
def _caption_lines(text: str, width_in: float) -> tuple[str, ...]:
    """The caption broken into lines that fit ``width_in`` (measured as the PDF sets it), never clipped:
    each line takes as many words as fit (one word never splits)."""
    limit = width_in * 72.0
    words, lines = text.split(" "), []
    while words:
        n = 1
        while n < len(words) and text_width(visual(" ".join(words[:n + 1])), SANS, SMALL_PT) <= limit:
            n += 1
        lines.append(" ".join(words[:n]))
        words = words[n:]
    return tuple(lines)


def _shoreline(ax: Panel, proj: Proj, view: Rect, home_polys: np.ndarray):
    """Carve the sea out of the country fills along GSHHG's finer shoreline; returns the land drawn
    (projected km), None where the shoreline has none.

    Natural Earth's countries run across narrow water (the Suez Canal, straits, fjords); the
    high-resolution shoreline keeps them open, and draws the coast. Land it has that the countries
    lack (small islands, a finer coast) takes the fill of the country beside it: home or other.
    """
    import shapely

    layers = geodata.land_layers((view.h / 180.0) ** 2)  # islets too where the panel is small enough to show them
    windows = geo_windows(proj, view)
    if not layers or min(w[1] for w in windows) < -60.0:
        return None
    polys = np.concatenate([clip_layer(layer, proj, view, lines=False).polys for layer in layers])
    vx = view.grow(0.03)
    box = shapely.box(vx.x0, vx.y0, vx.x1, vx.y1)
    land_ = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    sea = shapely.get_parts(shapely.difference(box, land_))
    sea = sea[shapely.get_type_id(sea) == 3]
    ax.polys(polys, fill=LAND, zorder=0.9)
    if len(home_polys) and len(polys):
        near_home = shapely.buffer(shapely.union_all(home_polys), view.h / 8.0)
        mine = shapely.get_parts(shapely.intersection(land_, near_home))
        ax.polys(mine[shapely.get_type_id(mine) == 3], fill=LAND_HOME, zorder=0.95)
    ax.polys(sea, fill=SEA, zorder=1.2)
    shore = shapely.get_parts(shapely.intersection(shapely.boundary(land_), box)) if len(polys) else np.array([])
    shore = shore[shapely.get_type_id(shore) == 1] if len(shore) else shore
    ax.lines(shore, stroke=COAST, lw=0.6, zorder=3)
    return land_


def _pole(geom):
    """The point of ``geom``'s largest polygon farthest from its edge (where a name has most room)."""
    import shapely
    from shapely.ops import polylabel

    parts = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) == 3 and not g.is_empty]
    if not parts:
        return shapely.point_on_surface(geom)
    big = max(parts, key=lambda g: g.area)
    return polylabel(big, tolerance=max(1.0, big.area ** 0.5 / 50.0))
