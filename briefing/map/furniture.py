"""Map furniture: the scale bar and the north arrow, each in a free corner of its panel."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..fonts import SANS_BOLD
from ..vector import INK
from .canvas import Canvas
from .labels import Placer
from .projection import KM_PER_MI, Proj, Rect
from .style import SMALL_PT


def _nice(v: float) -> float:
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (5, 2, 1):
        if m * e <= v:
            return m * e
    return e


def _furniture_boxes(view: Rect, u: float, w: float, h: float) -> dict[str, Rect]:
    m = 6 * u
    return {
        "ll": Rect(view.x0 + m, view.y0 + m, view.x0 + m + w, view.y0 + m + h),
        "lr": Rect(view.x1 - m - w, view.y0 + m, view.x1 - m, view.y0 + m + h),
        "ul": Rect(view.x0 + m, view.y1 - m - h, view.x0 + m + w, view.y1 - m),
        "ur": Rect(view.x1 - m - w, view.y1 - m - h, view.x1 - m, view.y1 - m),
    }


def _pick_corner(boxes: dict[str, Rect], order: Sequence[str], points: np.ndarray, pad: float) -> str:
    for c in order:
        r = boxes[c].grow(0)
        if not any(r.x0 - pad <= x <= r.x1 + pad and r.y0 - pad <= y <= r.y1 + pad for x, y in points):
            return c
    return order[0]


def _km_per_pt(view: Rect, placer: Placer) -> float:
    return view.h / placer.panel.height


def _scale_bar(view: Rect, placer: Placer, points: np.ndarray, avoid: Sequence[str] = ()) -> str:
    """Scale bar in km with a miles bar under it (true along any line through the centre); returns its corner."""
    u = _km_per_pt(view, placer)
    ax = placer.panel
    km = _nice(view.w * 0.22)
    mi = _nice(view.w * 0.22 / KM_PER_MI)
    w = max(km, mi * KM_PER_MI) + 34 * u
    h = 17 * u
    boxes = _furniture_boxes(view, u, w, h)
    corner = _pick_corner(boxes, [c for c in ("ll", "lr", "ul", "ur") if c not in avoid], points, 14 * u)
    r = boxes[corner]
    x0, y_mi = r.x0 + 2 * u, r.y0 + 2 * u
    y_km = y_mi + 8 * u
    bar = 2.6 * u
    ax.rect(r.x0, r.y0, r.w, r.h, fill="#ffffff", stroke=None, lw=0, alpha=0.75, radius_pt=2.0, zorder=29)
    ax.rect(x0, y_km, km, bar, fill=INK, stroke=INK, lw=0.4, zorder=30)
    ax.rect(x0, y_mi, mi * KM_PER_MI, bar, fill="#ffffff", stroke=INK, lw=0.5, zorder=30)
    ax.text(x0 + km + 3 * u, y_km + bar / 2, _fmt_len(km, "km"), size=SMALL_PT, va="center", ha="left",
            fill=INK, zorder=31)
    ax.text(x0 + mi * KM_PER_MI + 3 * u, y_mi + bar / 2, _fmt_len(mi, "mi"), size=SMALL_PT, va="center",
            ha="left", fill=INK, zorder=31)
    a = placer.to_px(r.x0, r.y0)
    b = placer.to_px(r.x1, r.y1)
    placer.block((a[0], a[1], b[0], b[1]))
    return corner


def _fmt_len(v: float, unit: str) -> str:
    return f"{v:g} {unit}" if v < 1 else f"{int(round(v))} {unit}"


def _north_arrow(proj: Proj, view: Rect, placer: Placer, points: np.ndarray, avoid: Sequence[str]) -> None:
    """A north arrow in a free corner, pointing to true north at that spot."""
    ax = placer.panel
    u = _km_per_pt(view, placer)
    L = 14 * u
    boxes = _furniture_boxes(view, u, 10 * u, L + 10 * u)
    corner = _pick_corner(boxes, [c for c in ("ur", "ul", "lr", "ll") if c not in avoid], points, 14 * u)
    r = boxes[corner]
    x, y = (r.x0 + r.x1) / 2, r.y0 + 2 * u
    lon, lat = proj.lonlat(x, y)
    x2, y2 = proj.xy(lon, min(float(lat) + 0.01, 89.99))
    ang = math.atan2(float(y2) - y, float(x2) - x)
    dx, dy = L * math.cos(ang), L * math.sin(ang)
    # matplotlib's "-|>" at its 8-point mutation scale, as the map had it: a head 4 points long
    ax.arrow(x, y, x + dx, y + dy, stroke=INK, lw=0.8, head_length=4.0, head_width=1.76, zorder=30)
    ax.text(x + dx + 1.5 * u * math.cos(ang), y + dy + 1.5 * u * math.sin(ang), "N", size=SMALL_PT,
            ha="center", va="bottom", fill=INK, font=SANS_BOLD, zorder=30)
    a = placer.to_px(r.x0, r.y0)
    b = placer.to_px(r.x1, r.y1)
    placer.block((a[0], a[1], b[0], b[1]))


#: The legend's entries, in the order they are shown: (key, text). A key is shown when its symbol is drawn.
LEGEND = (("location", "location"), ("place", "place in the brief"), ("town", "town (gazetteer)"),
          ("capital", "capital"), ("frame", "detail area"), ("region", "region"), ("border", "border"), ("admin1", "region border"),
          ("river", "river"), ("water", "sea, lake"), ("ice", "ice"), ("peak", "peak"), ("airport", "airport"),
          ("port", "port"))
LEGEND_ROW_IN = 0.17  # the height the legend's row takes under the panels (inches)


def _legend_symbol(canvas: Canvas, key: str, x: float, y: float, w: float) -> None:
    """Draw the symbol of legend entry ``key`` in the ``w`` points from (x, y) (points, the row's middle)."""
    from ..vector import ALERT
    from .style import ADMIN1_LINE, BORDER, ICE, REF_POINT, REGION_FILL, REGION_LINE, SEA, TOWN, WATER_LINE
    from .towns import CAPITAL_MARK

    cx = x + w / 2
    marks = {  # marker, size, face, edge, edge width
        "location": ("o", 6.4, ALERT, "#ffffff", 0.8),
        "place": ("o", 4.4, INK, "#ffffff", 0.6),
        "town": ("o", 3.2, "#ffffff", TOWN, 0.6),
        "capital": CAPITAL_MARK,
        "peak": ("^", 3.6, REF_POINT, None, 0.0),
        "airport": ("s", 3.0, "#ffffff", REF_POINT, 0.7),
        "port": ("D", 2.8, "#ffffff", REF_POINT, 0.7),
    }
    lines = {"border": (BORDER, 1.0, None), "admin1": (ADMIN1_LINE, 0.6, (3 * 0.6, 1.5 * 0.6)),
             "river": (WATER_LINE, 0.8, None)}
    boxes = {"frame": ("none", ALERT, 1.0), "region": (REGION_FILL, REGION_LINE, 0.7),
             "water": (SEA, WATER_LINE, 0.3), "ice": (ICE, WATER_LINE, 0.3)}
    if key in marks:
        canvas.markers([cx], [y], *marks[key], zorder=2)
    elif key in lines:
        stroke, lw, dash = lines[key]
        canvas.line([x, x + w], [y, y], stroke, lw, dash)
    else:
        h = 0.07 * 72
        fill, stroke, lw = boxes[key]
        canvas.rect(x + w * 0.1, y - h / 2, w * 0.8, h, fill, stroke, lw)


def legend(canvas: Canvas, used: set[str], x_in: float, y_in: float, width_in: float) -> list[str]:
    """One row of legend under the panels for every symbol drawn (``used``: keys of ``LEGEND``); its texts.

    The overlays' own legend is the PDF's (beside the map); this one explains the base map. Laid out by
    the PDF's string widths; positions in inches, drawn in points.
    """
    from ..fonts import SANS
    from ..glyphs import string_width

    entries = [(k, t) for k, t in LEGEND if k in used]
    if not entries:
        return []
    sym, pad, gap = 0.15, 0.035, 0.09  # inches: a symbol, between it and its text, between entries

    def row_width(items, size):
        return sum(string_width(t, SANS, size) / 72.0 + sym + pad + gap for _k, t in items) - gap

    rows = [entries]
    size = SMALL_PT
    while row_width(entries, size) > width_in and size > SMALL_PT - 1.0:
        size -= 0.5
    if row_width(entries, size) > width_in:  # still too many for one row: two rows, a little smaller
        size = SMALL_PT - 1.5
        half = next(i for i in range(1, len(entries) + 1) if row_width(entries[:i], size) > width_in / 2 + 0.3)
        rows = [entries[:half], entries[half:]]
    pitch = LEGEND_ROW_IN / 2
    for r, row in enumerate(rows):
        y = y_in + LEGEND_ROW_IN / 2 - 0.02 if len(rows) == 1 else y_in + LEGEND_ROW_IN - 0.04 - r * pitch
        x = x_in
        for key, text in row:
            _legend_symbol(canvas, key, x * 72, y * 72, sym * 72)
            canvas.text((x + sym + pad) * 72, y * 72, text, size=size, fill=INK, ha="left", va="center_baseline")
            x += sym + pad + string_width(text, SANS, size) / 72.0 + gap
    return [t for _k, t in entries]
