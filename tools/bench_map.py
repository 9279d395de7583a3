#!/usr/bin/env python3
"""Time the locator map alone: one cold render (data loading included), then warm renders.

Warm means the process has loaded the map data once (as a scheduled run or the preview server
has); the target is at most 0.1 s per warm map. The share of the warm map spent carrying the finished
figure into a reportlab drawing (``figure_to_drawing``) is timed apart, so matplotlib's drawing work
and the writer can be told apart. Run with ``make bench`` or directly.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefing.validate import load_facts  # noqa: E402
from briefing.build import locator_part  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _time_writer(spent: list[float]) -> None:
    """Wrap the map's figure writer to add the time of each call to ``spent``."""
    from briefing.map import drawing

    writer = drawing.figure_to_drawing

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return writer(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t)

    drawing.figure_to_drawing = timed


def main() -> int:
    facts = load_facts(ROOT / "briefs" / "bakhmut.yaml")
    writes: list[float] = []
    _time_writer(writes)
    t = time.perf_counter()
    locator_part(facts, use_cache=False)  # the map drawn, not read from the drawing cache
    cold = time.perf_counter() - t
    runs = []
    for _ in range(10):
        t = time.perf_counter()
        locator_part(facts, use_cache=False)  # the map drawn, not read from the drawing cache
        runs.append(time.perf_counter() - t)
    size = sum(p.stat().st_size for p in (ROOT / "assets" / "map").rglob("*") if p.is_file())
    writer = (f"; of which the figure writer median {statistics.median(writes[1:]):.3f} s, matplotlib's drawing "
              f"{statistics.median(r - w for r, w in zip(runs, writes[1:])):.3f} s") if len(writes) > len(runs) else ""
    print(f"map: cold {cold:.2f} s, warm median {statistics.median(runs):.3f} s (min {min(runs):.3f}, "
          f"max {max(runs):.3f}) over {len(runs)} runs{writer}; assets/map {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
