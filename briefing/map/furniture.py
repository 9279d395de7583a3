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
