"""Map furniture: the scale bar and the north arrow, each in a free corner of its panel."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..vector import INK
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


def _km_per_pt(ax, view: Rect, placer: Placer) -> float:
    return view.h / (ax.get_window_extent(placer.renderer).height * 72.0 / placer.dpi)


def _scale_bar(ax, view: Rect, placer: Placer, points: np.ndarray, avoid: Sequence[str] = ()) -> str:
    """Scale bar in km with a miles bar under it (true along any line through the centre); returns its corner."""
    from matplotlib.patches import FancyBboxPatch, Rectangle

    u = _km_per_pt(ax, view, placer)
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
    # add_artist, not add_patch: the limits are fixed, so the (slow) data-limit update is wasted
    ax.add_artist(FancyBboxPatch((r.x0, r.y0), r.w, r.h, boxstyle=f"round,pad=0,rounding_size={2 * u}",
                                 facecolor="white", edgecolor="none", alpha=0.75, zorder=29))
    ax.add_artist(Rectangle((x0, y_km), km, bar, facecolor=INK, edgecolor=INK, lw=0.4, zorder=30))
    ax.add_artist(Rectangle((x0, y_mi), mi * KM_PER_MI, bar, facecolor="white", edgecolor=INK, lw=0.5, zorder=30))
    ax.text(x0 + km + 3 * u, y_km + bar / 2, _fmt_len(km, "km"), fontsize=SMALL_PT, va="center", ha="left",
            color=INK, zorder=31)
    ax.text(x0 + mi * KM_PER_MI + 3 * u, y_mi + bar / 2, _fmt_len(mi, "mi"), fontsize=SMALL_PT, va="center",
            ha="left", color=INK, zorder=31)
    a = placer.to_px(r.x0, r.y0)
    b = placer.to_px(r.x1, r.y1)
    placer.block((a[0], a[1], b[0], b[1]))
    return corner


def _fmt_len(v: float, unit: str) -> str:
    return f"{v:g} {unit}" if v < 1 else f"{int(round(v))} {unit}"


def _north_arrow(ax, proj: Proj, view: Rect, placer: Placer, points: np.ndarray, avoid: Sequence[str]) -> None:
    """A north arrow in a free corner, pointing to true north at that spot."""
    u = _km_per_pt(ax, view, placer)
    L = 14 * u
    boxes = _furniture_boxes(view, u, 10 * u, L + 10 * u)
    corner = _pick_corner(boxes, [c for c in ("ur", "ul", "lr", "ll") if c not in avoid], points, 14 * u)
    r = boxes[corner]
    x, y = (r.x0 + r.x1) / 2, r.y0 + 2 * u
    lon, lat = proj.lonlat(x, y)
    x2, y2 = proj.xy(lon, min(float(lat) + 0.01, 89.99))
    ang = math.atan2(float(y2) - y, float(x2) - x)
    dx, dy = L * math.cos(ang), L * math.sin(ang)
    ax.annotate("", xy=(x + dx, y + dy), xytext=(x, y),
                arrowprops=dict(arrowstyle="-|>,head_length=0.5,head_width=0.22", color=INK, lw=0.8,
                                shrinkA=0, shrinkB=0), zorder=30)
    ax.text(x + dx + 1.5 * u * math.cos(ang), y + dy + 1.5 * u * math.sin(ang), "N", fontsize=SMALL_PT,
            ha="center", va="bottom", color=INK, fontweight="bold", zorder=30)
    a = placer.to_px(r.x0, r.y0)
    b = placer.to_px(r.x1, r.y1)
    placer.block((a[0], a[1], b[0], b[1]))


def _frame(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(True)
        s.set_linewidth(0.6)
        s.set_color("#444444")


#: The legend's entries, in the order they are shown: (key, text). A key is shown when its symbol is drawn.
LEGEND = (("location", "location"), ("place", "place in the brief"), ("town", "town (gazetteer)"),
          ("capital", "capital"), ("frame", "detail area"), ("region", "region"), ("border", "border"), ("admin1", "region border"),
          ("river", "river"), ("water", "sea, lake"), ("ice", "ice"), ("peak", "peak"), ("airport", "airport"),
          ("port", "port"))
LEGEND_ROW_IN = 0.17  # the height the legend's row takes under the panels (inches)


def _legend_symbol(fig, key: str, x: float, y: float, w: float) -> None:
    """Draw the symbol of legend entry ``key`` in the ``w`` inches from (x, y) (inches, the row's middle)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    from ..vector import ALERT
    from .style import ADMIN1_LINE, BORDER, ICE, REF_POINT, REGION_FILL, REGION_LINE, SEA, TOWN, WATER_LINE
    from .towns import CAPITAL_MARK

    tr = fig.dpi_scale_trans
    cx = x + w / 2
    dot = dict(linestyle="none", marker="o", transform=tr)
    marks = {
        "location": dict(markersize=6.4, markerfacecolor=ALERT, markeredgecolor="white", markeredgewidth=0.8, **dot),
        "place": dict(markersize=4.4, markerfacecolor=INK, markeredgecolor="white", markeredgewidth=0.6, **dot),
        "town": dict(markersize=3.2, markerfacecolor="white", markeredgecolor=TOWN, markeredgewidth=0.6, **dot),
        "capital": dict(CAPITAL_MARK, linestyle="none", transform=tr),
        "peak": dict(marker="^", markersize=3.6, markerfacecolor=REF_POINT, markeredgecolor="none",
                     linestyle="none", transform=tr),
        "airport": dict(marker="s", markersize=3.0, markerfacecolor="white", markeredgecolor=REF_POINT,
                        markeredgewidth=0.7, linestyle="none", transform=tr),
        "port": dict(marker="D", markersize=2.8, markerfacecolor="white", markeredgecolor=REF_POINT,
                     markeredgewidth=0.7, linestyle="none", transform=tr),
    }
    lines = {"border": dict(color=BORDER, lw=1.0), "admin1": dict(color=ADMIN1_LINE, lw=0.6, linestyle=(0, (3, 1.5))),
             "river": dict(color=WATER_LINE, lw=0.8)}
    boxes = {"frame": dict(facecolor="none", edgecolor=ALERT, lw=1.0),
             "region": dict(facecolor=REGION_FILL, edgecolor=REGION_LINE, lw=0.7),
             "water": dict(facecolor=SEA, edgecolor=WATER_LINE, lw=0.3), "ice": dict(facecolor=ICE, edgecolor=WATER_LINE, lw=0.3)}
    if key in marks:
        fig.add_artist(Line2D([cx], [y], **marks[key]))
    elif key in lines:
        fig.add_artist(Line2D([x, x + w], [y, y], transform=tr, **lines[key]))
    else:
        h = 0.07
        fig.add_artist(Rectangle((x + w * 0.1, y - h / 2), w * 0.8, h, transform=tr, **boxes[key]))


def legend(fig, used: set[str], x_in: float, y_in: float, width_in: float) -> list[str]:
    """One row of legend under the panels for every symbol drawn (``used``: keys of ``LEGEND``); its texts.

    The overlays' own legend is the PDF's (beside the map); this one explains the base map. Laid out by
    the PDF's string widths, drawn as a few plain artists (matplotlib's legend costs a tenth of the map).
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
            _legend_symbol(fig, key, x, y, sym)
            fig.text(x + sym + pad, y, text, transform=fig.dpi_scale_trans, fontsize=size, color=INK, ha="left",
                     va="center_baseline")
            x += sym + pad + string_width(text, SANS, size) / 72.0 + gap
    return [t for _k, t in entries]
