"""Orientation towns from the gazetteer on the detail panel: a handful, by population and nearness."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import geodata
from ..geodata import normalise_name
from .canvas import Panel
from .labels import Placer
from .layers import geo_windows
from .projection import MapPoint, Proj, Rect
from .style import TOWN, TOWN_PT

MAX_TOWNS = 10  # towns orient the reader: a handful, not every village
DOT_PT = 1.6  # a town's dot (radius, points)
CAPITAL_PT = 3.6  # a capital's star (radius, points)
CAPITAL_BONUS = 1.0  # a national capital is as welcome as a town ten times its size


def orientation_towns(proj: Proj, view: Rect, placer: Placer, named: Sequence[MapPoint], label_boxes: list,
                      drawn_towns: list, overlays: Sequence = (), capitals: list | None = None) -> None:
    """Label gazetteer towns in the view, the populous and near first, after (so never over) the facts' places;
    a national capital is starred (its name added to ``capitals``).

    A town is left out when its label or its dot would touch anything already placed, or when it is
    one of the facts' places (same name, or within a few points of one of their markers), or when
    its dot or label would touch an overlay or a river (the overlays are the facts; towns only orient).
    """
    reject = placer.touching(overlays) if len(overlays) else None

    t = geodata.towns()
    sel = np.zeros(len(t.lon), dtype=bool)
    for (x0, y0, x1, y1) in geo_windows(proj, view):
        sel |= (t.lon >= x0) & (t.lon <= x1) & (t.lat >= y0) & (t.lat <= y1)
    idx = np.flatnonzero(sel)[:400]  # most populous first
    if len(idx) == 0:
        return
    x, y = proj.xy(t.lon[idx], t.lat[idx])
    # by population and nearness: a town of a tenth the size is as welcome half a panel closer
    capital = np.isin(idx, t.capital)
    score = np.log10(np.maximum(np.asarray(t.population[idx], dtype=float), 1.0)) - np.hypot(x, y) / (
        0.5 * math.hypot(view.w, view.h)) + CAPITAL_BONUS * capital
    order = np.argsort(-np.nan_to_num(score, nan=-1e9), kind="stable")
    idx, x, y, capital = idx[order], x[order], y[order], capital[order]
    inner = view.grow(-0.02)
    own = {normalise_name(p.name) for p in named}
    own_px = [placer.to_px(*(float(v) for v in proj.xy(p.lon, p.lat))) for p in named]
    near = placer.pt(6.0)
    spacing = placer.pt(24.0)  # towns stay apart: a handful spread over the panel, not a cluster
    taken = list(own_px)
    placed = tried = 0
    dots: list[tuple[float, float]] = []
    stars: list[tuple[float, float]] = []
    for k, i in enumerate(idx):
        if placed >= MAX_TOWNS or tried >= 2 * MAX_TOWNS:  # each try measures text: keep the map quick
            break
        xi, yi = float(x[k]), float(y[k])
        if not inner.contains(xi, yi) or normalise_name(t.name[i]) in own:
            continue
        px, py = placer.to_px(xi, yi)
        if any(abs(px - a) < near and abs(py - b) < near for a, b in own_px):
            continue
        if any(math.hypot(px - a, py - b) < spacing for a, b in taken):
            continue
        dot = CAPITAL_PT if capital[k] else DOT_PT
        r = placer.pt(dot + 0.4)
        dot_box = (px - r, py - r, px + r, py + r)
        if not placer.free(dot_box, 0.0) or (reject is not None and reject(dot_box)):
            continue
        placer.block_point(xi, yi, dot + 0.4)
        tried += 1
        label = placer.place(xi, yi, t.name[i], marker_pt=dot, leader_ok=False, reject=reject,
                             props=dict(fontsize=TOWN_PT, color=TOWN, zorder=15), halo=True)
        if label is None:
            placer.obstacles.pop()  # no name, no dot: an unnamed dot would only puzzle
            continue
        (stars if capital[k] else dots).append((xi, yi))
        if capital[k] and capitals is not None:
            capitals.append(t.name[i])
        label_boxes.append(("detail", t.name[i], placer.labels[-1][1]))
        drawn_towns.append(t.name[i])
        taken.append((px, py))
        placed += 1
    if dots:  # one path for all the dots
        xs, ys = zip(*dots)
        placer.panel.markers(xs, ys, "o", 2 * DOT_PT, "#ffffff", TOWN, 0.6, zorder=14)
    if stars:
        draw_capitals(placer.panel, stars)


def draw_capitals(panel: Panel, points: Sequence[tuple[float, float]]) -> None:
    """The capital's symbol (the legend's "capital") at each of ``points`` (projected km)."""
    xs, ys = zip(*points)
    panel.markers(xs, ys, *CAPITAL_MARK, zorder=14)


#: The capital's star, on the map and in the legend: marker, size (points), face, edge, edge width.
CAPITAL_MARK = ("*", 2 * CAPITAL_PT, "#444444", "#ffffff", 0.4)


def home_capital(proj: Proj, view: Rect, placer: Placer, home_polys: np.ndarray, named: Sequence[MapPoint],
                 label_boxes: list, panel: str = "overview") -> str | None:
    """Star and name the capital of the home country on the overview (where in the country this is),
    unless it is one of the brief's places or its name finds no room; returns its name."""
    import shapely

    t = geodata.towns()
    cap = t.capital
    sel = np.zeros(len(cap), dtype=bool)
    for (x0, y0, x1, y1) in geo_windows(proj, view):
        sel |= (t.lon[cap] >= x0) & (t.lon[cap] <= x1) & (t.lat[cap] >= y0) & (t.lat[cap] <= y1)
    if not sel.any() or not len(home_polys):
        return None
    rows = cap[sel]
    x, y = proj.xy(t.lon[rows], t.lat[rows])
    inner = view.grow(-0.04)
    own = {normalise_name(p.name) for p in named}
    for i, xi, yi in zip(rows.tolist(), x.tolist(), y.tolist()):
        if not inner.contains(xi, yi) or not shapely.contains_xy(home_polys, xi, yi).any() or normalise_name(t.name[i]) in own:
            continue
        px, py = placer.to_px(xi, yi)
        r = placer.pt(CAPITAL_PT + 0.4)
        if not placer.free((px - r, py - r, px + r, py + r), 0.0):
            return None
        placer.block_point(xi, yi, CAPITAL_PT + 0.4)
        if placer.place(xi, yi, t.name[i], marker_pt=CAPITAL_PT, leader_ok=False, halo=True,
                        props=dict(fontsize=TOWN_PT, color=TOWN, zorder=15)) is None:
            placer.obstacles.pop()
            return None
        label_boxes.append((panel, t.name[i], placer.labels[-1][1]))
        draw_capitals(placer.panel, [(xi, yi)])
        return t.name[i]
    return None
