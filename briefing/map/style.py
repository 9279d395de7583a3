"""The map's look, shared by the map's drawing (``canvas``) and the PDF legend swatches.

Overlay kinds are told apart three ways at once, so they still read in greyscale print and for
readers who do not see the colours: a colour, a hatch angle for areas, and a dash pattern for lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class KindStyle:
    colour: str
    hatch_deg: float | None  # angle of the hatch lines in an area; None: cross-hatched
    dash: tuple[float, ...]  # on/off lengths in points for a line; () = solid
    name: str  # how the legend calls the kind

    @property
    def hatch_angles(self) -> tuple[float, ...]:
        """The angles an area of this kind is hatched at: one, or two crossing at right angles."""
        return (self.hatch_deg,) if self.hatch_deg is not None else (45.0, -45.0)


KINDS: dict[str, KindStyle] = {
    "hostile": KindStyle("#b2182b", 45.0, (), "hostile"),
    "friendly": KindStyle("#2166ac", -45.0, (5.0, 2.0), "friendly"),
    "contested": KindStyle("#762a83", None, (5.0, 1.5, 1.2, 1.5), "contested"),
    "hazard": KindStyle("#b35806", 0.0, (1.2, 1.4), "hazard"),
    "other": KindStyle("#4d4d4d", 90.0, (2.5, 2.5), "other"),
}

AREA_ALPHA = 0.16  # share of the kind's colour in an area's tint (mixed with white, not transparent: the
# same pale shade over land, water and other areas)


def tint(colour: str, share: float = AREA_ALPHA) -> str:
    """``colour`` mixed with white: the opaque pale fill of an area."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * share):02x}" for c in rgb)


def hatch_segments(cx: float, cy: float, r: float, angle_deg: float, spacing: float) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Parallel lines ``spacing`` apart at ``angle_deg``, long enough to cover a circle of radius ``r``
    about (cx, cy): the hatching of an area on the map (clipped to the area) and in its legend swatch."""
    a = math.radians(angle_deg)
    ux, uy = math.cos(a), math.sin(a)  # along the lines
    nx, ny = -uy, ux  # across
    n = int(r / spacing) + 1
    return [((cx + k * spacing * nx - r * ux, cy + k * spacing * ny - r * uy),
             (cx + k * spacing * nx + r * ux, cy + k * spacing * ny + r * uy)) for k in range(-n, n + 1)]


LINE_WIDTH = 1.6

# Base map
SEA = "#dce8f2"
WATER_LINE = "#6f9ccb"  # rivers and lake shores
WATER_TEXT = "#3a6ea5"  # names of water: darker than the lines, to read at 6.5 pt
LAND = "#ebebe6"
LAND_HOME = "#fbfaf4"
REGION_FILL = "#f4e6cc"  # a warm sand tint: the highlighted region must never look like water
REGION_LINE = "#a0662a"
BORDER = "#6f6f6f"
COAST = "#8aa5bd"
ADMIN1_LINE = "#a0a0a0"
TOWN = "#6b6b6b"
LABEL_PT = 7.5
SMALL_PT = 6.5
TOWN_PT = 6.5  # smaller than the facts places (7.5), grey: orientation only
ICE = "#f4f8fb"  # ice caps and glaciers: near white, blue-edged
REF_POINT = "#7a5c3a"  # peaks, airports, ports: reference points, brown apart from the places
ICE_TEXT = "#4f7896"  # names of ice caps
