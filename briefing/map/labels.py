"""Greedy label placement in the points of a panel.

For each label in priority order, candidate positions around its marker are tried (text extents
measured in the PDF's own font metrics) and the first one that stays inside the panel and clear of every marker,
other label and map furniture wins; farther candidates get a leader line; a label that fits nowhere
is left off (the caller warns). The result is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..glyphs import visual
from ..vector import INK, MUTED
from .canvas import Panel, face, text_size

HALO = "white"
HALO_PT = 2.2  # the halo's width: 1.1 points of white round each glyph
_MEASURED: dict[tuple, tuple[float, float]] = {}  # label extents, see Placer.measure


def font_of(props: dict) -> str:
    """The house face ``props`` choose (``fontweight``, ``fontstyle``)."""
    return face(bold=props.get("fontweight") == "bold", italic=props.get("fontstyle") in ("italic", "oblique"))


@dataclass
class Placer:
    """Greedy label placement in the points of one panel (``dpi`` 72: a pixel is a point)."""

    panel: Panel
    obstacles: list = field(default_factory=list)  # (x0, y0, x1, y1) boxes, points
    labels: list = field(default_factory=list)  # (text, box) of placed labels
    dpi: float = 72.0

    def __post_init__(self):
        b = self.panel.box
        m = 2.0
        self.frame = (b[0] + m, b[1] + m, b[2] - m, b[3] - m)

    def pt(self, v: float) -> float:
        return v * self.dpi / 72.0

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        return self.panel.to_pt(x, y)

    def block(self, box) -> None:
        self.obstacles.append(tuple(box))

    def block_point(self, x: float, y: float, radius_pt: float) -> None:
        px, py = self.to_px(x, y)
        r = self.pt(radius_pt)
        self.obstacles.append((px - r, py - r, px + r, py + r))

    def free(self, box, pad: float) -> bool:
        x0, y0, x1, y1 = box
        f = self.frame
        if x0 < f[0] or y0 < f[1] or x1 > f[2] or y1 > f[3]:
            return False
        for (a0, b0, a1, b1) in self.obstacles:
            if x0 - pad < a1 and x1 + pad > a0 and y0 - pad < b1 and y1 + pad > b0:
                return False
        return True

    def measure(self, text: str, **props) -> tuple[float, float]:
        """Width and height of ``text`` (visual order) in points, as the PDF sets it (kept for the process:
        a scheduled rerun or the preview measures the same names again)."""
        key = (text, font_of(props), float(props.get("fontsize", 10.0)))
        size = _MEASURED.get(key)
        if size is None:
            if len(_MEASURED) > 4096:
                _MEASURED.clear()
            size = _MEASURED[key] = text_size(text, key[1], key[2])
        return size

    def place(self, x: float, y: float, text: str, *, marker_pt: float, props: dict, candidates: str = "point",
              halo: bool = True, leader_ok: bool = True, reject=None):
        """Place ``text`` near data point (x, y); returns True or None when it fits nowhere."""
        text = visual(text)  # right-to-left names in reading order
        w, h = self.measure(text, **props)
        px, py = self.to_px(x, y)
        pad = self.pt(1.0)
        tried = []
        if candidates == "center":
            for dx, dy in [(0, 0), (0, 8), (0, -8), (12, 0), (-12, 0), (0, 16), (0, -16), (20, 8), (-20, -8)]:
                tried.append((dx, dy, "center", "center", False))
        else:
            r = marker_pt + 1.5
            d = r * 0.75
            for dx, dy, ha, va in [
                (r, 0, "left", "center"), (-r, 0, "right", "center"), (d, d, "left", "bottom"),
                (d, -d, "left", "top"), (-d, d, "right", "bottom"), (-d, -d, "right", "top"),
                (0, r, "center", "bottom"), (0, -r, "center", "top"),
            ]:
                tried.append((dx, dy, ha, va, False))
            if leader_ok:
                for radius in (r + 9, r + 16, r + 26, r + 38):
                    for k in range(16):
                        ang = math.radians(k * 22.5)
                        dx, dy = radius * math.cos(ang), radius * math.sin(ang)
                        ha = "left" if dx > 1 else ("right" if dx < -1 else "center")
                        va = "bottom" if dy > 1 else ("top" if dy < -1 else "center")
                        tried.append((dx, dy, ha, va, True))
        for dx, dy, ha, va, leader in tried:
            ax_, ay_ = px + self.pt(dx), py + self.pt(dy)
            x0 = ax_ if ha == "left" else (ax_ - w if ha == "right" else ax_ - w / 2)
            y0 = ay_ if va == "bottom" else (ay_ - h if va == "top" else ay_ - h / 2)
            box = (x0, y0, x0 + w, y0 + h)
            if not self.free(box, pad) or (reject is not None and reject(box)):
                continue
            if leader and not self._leader_clear((px, py), (ax_, ay_), marker_pt):
                continue
            return self._commit(x, y, text, dx, dy, ha, va, leader, box, props, halo, marker_pt)
        return None

    def place_scan(self, x: float, y: float, text: str, *, props: dict, within, reject, halo: bool = True):
        """Place ``text`` centred at the free spot nearest data point (x, y) that ``reject`` accepts, its
        middle on ``within`` (projected km), scanning the whole panel in steps of half the label's height
        (an area's name where its area has room: a sea's open water between islands); None when none."""
        import shapely
        from shapely.affinity import affine_transform

        text = visual(text)
        w, h = self.measure(text, **props)
        px, py = self.to_px(x, y)
        f = self.frame
        pad = self.pt(1.0)
        xs = np.arange(f[0] + w / 2 + pad, f[2] - w / 2 - pad, max(h / 2, 1.0))
        ys = np.arange(f[1] + h / 2 + pad, f[3] - h / 2 - pad, max(h / 2, 1.0))
        if not len(xs) or not len(ys):
            return None
        cx, cy = (a.ravel() for a in np.meshgrid(xs, ys))
        boxes = np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
        if self.obstacles:
            ob = np.asarray(self.obstacles, dtype=float)
            hit = ((boxes[:, None, 0] - pad < ob[None, :, 2]) & (boxes[:, None, 2] + pad > ob[None, :, 0])
                   & (boxes[:, None, 1] - pad < ob[None, :, 3]) & (boxes[:, None, 3] + pad > ob[None, :, 1]))
            boxes = boxes[~hit.any(axis=1)]
        in_px = affine_transform(within, self.panel.affine)
        shapely.prepare(in_px)
        mid_x, mid_y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        boxes = boxes[shapely.contains_xy(in_px, mid_x, mid_y)]  # cheap first: its middle on the area
        order = np.argsort(np.hypot((boxes[:, 0] + boxes[:, 2]) / 2 - px, (boxes[:, 1] + boxes[:, 3]) / 2 - py),
                           kind="stable")
        for box in boxes[order[:200]]:
            box = tuple(float(v) for v in box)
            if not reject(box):
                dx = ((box[0] + box[2]) / 2 - px) * 72.0 / self.dpi
                dy = ((box[1] + box[3]) / 2 - py) * 72.0 / self.dpi
                return self._commit(x, y, text, dx, dy, "center", "center", False, box, props, halo, 0.0)
        return None

    def _leader_clear(self, a, b, marker_pt) -> bool:
        # sample the leader line: it must not cross a label or another marker
        r = self.pt(marker_pt + 0.5)
        for t in np.linspace(0.0, 1.0, 12):
            x = a[0] + (b[0] - a[0]) * t
            y = a[1] + (b[1] - a[1]) * t
            if math.hypot(x - a[0], y - a[1]) <= r:
                continue
            for (x0, y0, x1, y1) in self.obstacles:
                if x0 <= x <= x1 and y0 <= y <= y1:
                    return False
        return True

    def _commit(self, x, y, text, dx, dy, ha, va, leader, box, props, halo, marker_pt):
        zorder = props.get("zorder", 20)
        px, py = self.to_px(x, y)
        if leader:
            ang = math.atan2(dy, dx)
            r0 = self.pt(marker_pt + 0.6)
            p = self.panel
            ends = [(px + r0 * math.cos(ang), py + r0 * math.sin(ang)), (px + self.pt(dx), py + self.pt(dy))]
            self.panel.polyline([(e[0] - p.tx) / p.sx for e in ends], [(e[1] - p.ty) / p.sy for e in ends],
                                stroke=MUTED, lw=0.5, zorder=zorder - 2)
        self.panel.text_pt(px + self.pt(dx), py + self.pt(dy), text, size=float(props.get("fontsize", 10.0)),
                           fill=props.get("color", INK), font=font_of(props), ha=ha, va=va,
                           rotation=float(props.get("rotation", 0.0)), halo=HALO_PT if halo else 0.0, zorder=zorder)
        self.obstacles.append(box)
        self.labels.append((text, box))
        return True

    def outside(self, geom):
        """A test for ``reject``: does a pixel box reach outside ``geom`` (projected km, as drawn here)?"""
        import shapely
        from shapely.affinity import affine_transform

        in_px = affine_transform(geom, self.panel.affine)
        shapely.prepare(in_px)
        return lambda box: not bool(shapely.contains(in_px, shapely.box(*box)))

    def touching(self, geoms):
        """A test for ``reject``: does a pixel box touch any of ``geoms`` (projected km, as drawn here)?"""
        import shapely
        from shapely.affinity import affine_transform

        in_px = affine_transform(shapely.union_all(list(geoms)), self.panel.affine)
        shapely.prepare(in_px)
        return lambda box: bool(shapely.intersects(in_px, shapely.box(*box)))

    def place_along(self, x: float, y: float, text: str, *, angle_deg: float, offsets_pt: tuple, props: dict,
                    halo: bool = True):
        """Place ``text`` centred near data point (x, y), rotated ``angle_deg`` (a river's course), at the
        first of ``offsets_pt`` (points, (dx, dy)) where its box stays clear; None when none is.

        The box tested is the upright rectangle around the rotated text: a little generous, never short.
        """
        text = visual(text)
        w, h = self.measure(text, **props)
        a = math.radians(angle_deg)
        bw = abs(w * math.cos(a)) + abs(h * math.sin(a))
        bh = abs(w * math.sin(a)) + abs(h * math.cos(a))
        px, py = self.to_px(x, y)
        for dx, dy in offsets_pt:
            cx, cy = px + self.pt(dx), py + self.pt(dy)
            box = (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2)
            if self.free(box, self.pt(1.0)):
                return self._commit(x, y, text, dx, dy, "center", "center", False, box,
                                    dict(props, rotation=angle_deg), halo, 0.0)
        return None
