"""Where a timeline's labels go: above or below the line, how far out, and where each leader line runs.

Why a module of its own: it is geometry only (boxes and segments, tested with shapely), independent of
matplotlib and of the facts, so the rule "no label over another label or a leader line" is kept in one
place. ``charts.timeline_charts`` measures the labels and draws what ``place_labels`` decides.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

FONT_PT = 7.0
LINE_IN = FONT_PT * 1.22 / 72
GAP_IN = 0.08  # between two labels side by side, and between stacked levels
MARGIN_IN = 0.12
TICKS_IN = 0.14  # the band under the line for its date ticks


def wrap_words(text: str, width: int) -> str:
    """Wrap at spaces only: a label is never broken inside a word."""
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [text])


@dataclass
class TimelineLabel:
    x: float  # where the event is on the line, inches from the left edge
    text: str
    width: float
    lines: int
    side: int = 1  # 1 above the line, -1 below
    level: int = 0
    left: float = 0.0


def level_pitch(labels: list[TimelineLabel]) -> float:
    return max(lab.lines for lab in labels) * LINE_IN + GAP_IN


def anchor(x: float, left: float, width: float) -> float:
    """Where a leader line meets its label's near edge: straight up or down from the event if the
    label is over it, else the label's nearer corner."""
    return min(max(x, left), left + width)


def inner_edge(side: int, level: int, pitch: float) -> float:
    """How far from the line (signed: up is positive) the near edge of a level is."""
    return side * ((0.16 if side == 1 else 0.16 + TICKS_IN) + level * pitch)


def place_labels(labels: list[TimelineLabel], width_in: float) -> None:
    """Give each label a side (above or below the line), a level (how far out) and its left edge.

    Labels are placed from the last event back. Each takes the level nearest the line, on either
    side, and the first of three positions (a flag to the right of its event, centred on it, a flag
    to the left) where its box meets no other label's box and no leader line, and its own leader
    line (from the event to the label's near edge) meets no other box. So labels never overlap each
    other or a leader line, however the events cluster; a level further out is always free.
    """
    from shapely.geometry import LineString, box

    pitch = level_pitch(labels)
    placed: list[tuple[TimelineLabel, Any, Any]] = []  # label, its box, its leader line
    inset = 0.03  # between a leader line and its text

    def shapes(lab: TimelineLabel, side: int, level: int, left: float) -> tuple[Any, Any]:
        near = inner_edge(side, level, pitch)
        far = near + side * (lab.lines * LINE_IN)
        area = box(left, min(near, far), left + lab.width, max(near, far))
        return area, LineString([(lab.x, 0.0), (anchor(lab.x, left, lab.width), near)])

    xs = [lab.x for lab in labels]
    for i, lab in reversed(list(enumerate(labels))):
        lo, hi = MARGIN_IN / 2, width_in - MARGIN_IN / 2 - lab.width
        # On the event (a flag either way, or centred), or just clear of another event, so that the
        # label does not cover the place where that event's leader line has to start.
        wanted = [lab.x + inset, lab.x - lab.width / 2, lab.x - lab.width - inset]
        wanted += [x - 2 * inset - lab.width for x in xs if x < lab.x] + [x + 2 * inset for x in xs if x > lab.x]
        lefts = list(dict.fromkeys(min(max(x, lo), max(hi, lo)) for x in wanted))

        def cost(left: float, level: int, side: int, i: int = i, lab: TimelineLabel = lab) -> float:
            """Short leaders first, then levels near the line; covering where an earlier event's leader
            must start, or leaving the side the labels alternate to, costs a little."""
            covered = sum(1 for x in xs[:i] if left - inset / 2 < x < left + lab.width + inset / 2)
            away = max(left - lab.x, lab.x - left - lab.width, 0.0)
            return 2 * away + 0.35 * level + 1.0 * covered + (0.05 if side != preferred else 0.0)

        preferred = 1 if i % 2 == 0 else -1
        choice = None
        best = math.inf
        for level in range(len(labels) + 1):
            if 0.35 * level >= best:
                break
            for side in (preferred, -preferred):
                for left in lefts:
                    c = cost(left, level, side)
                    if c >= best:
                        continue
                    area, leader = shapes(lab, side, level, left)
                    padded = area.buffer(GAP_IN, cap_style="square", join_style="mitre")
                    if all(not (padded.intersects(o_area) or area.intersects(o_leader) or leader.intersects(o_area.buffer(0.01)))
                           for o, o_area, o_leader in placed):
                        choice, best = (side, level, left, area, leader), c
        if choice is None:  # not reached: the level past all others is free of boxes; its leader is the risk
            side, level, left = preferred, len(labels), lefts[0]
            choice = (side, level, left, *shapes(lab, side, level, left))
        lab.side, lab.level, lab.left = choice[:3]
        placed.append((lab, choice[3], choice[4]))
