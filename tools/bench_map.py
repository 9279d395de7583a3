#!/usr/bin/env python3
"""Time the locator map alone: one cold render (data loading included), then warm renders.

Warm means the process has loaded the map data once (as a scheduled run or the preview server
has); the target is at most 0.1 s per warm map. The label placement pass (``Placer.place``,
``place_along``) is timed apart. The map is drawn with reportlab alone (``briefing/map/canvas.py``):
the run says whether matplotlib was imported (it must not be). Run with ``make bench`` or directly.
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


def _time_placement(spent: list[float]) -> None:
    """Wrap the label placement pass (every ``Placer.place`` / ``place_along`` call) to add up its time."""
    from briefing.map.labels import Placer

    for name in ("place", "place_along"):
        method = getattr(Placer, name)

        def timed(self, *args, _method=method, **kwargs):
            t = time.perf_counter()
            try:
                return _method(self, *args, **kwargs)
            finally:
                spent.append(time.perf_counter() - t)

        setattr(Placer, name, timed)


def main() -> int:
    facts = load_facts(ROOT / "briefs" / "bakhmut.yaml")
    placing: list[float] = []
    _time_placement(placing)
    t = time.perf_counter()
    locator_part(facts, use_cache=False)  # the map drawn, not read from the drawing cache
    cold = time.perf_counter() - t
    runs, placed = [], []
    for _ in range(10):
        placing.clear()
        t = time.perf_counter()
        locator_part(facts, use_cache=False)  # the map drawn, not read from the drawing cache
        runs.append(time.perf_counter() - t)
        placed.append(sum(placing))
    size = sum(p.stat().st_size for p in (ROOT / "assets" / "map").rglob("*") if p.is_file())
    print(f"map: cold {cold:.2f} s, warm median {statistics.median(runs):.3f} s (min {min(runs):.3f}, "
          f"max {max(runs):.3f}) over {len(runs)} runs; "
          f"label placement median {statistics.median(placed):.3f} s; assets/map {size / 1e6:.1f} MB; "
          f"matplotlib {'imported' if 'matplotlib' in sys.modules else 'not imported'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
