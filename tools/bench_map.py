#!/usr/bin/env python3
"""Time the locator map alone: one cold render (data loading included), then warm renders.

Warm means the process has loaded the map data once (as a scheduled run or the preview server
has); the target is at most 0.1 s per warm map. Run with ``make bench`` or directly.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefing.facts import load_facts  # noqa: E402
from briefing.build import locator_part  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    facts = load_facts(ROOT / "briefs" / "bakhmut.yaml")
    t = time.perf_counter()
    locator_part(facts, use_cache=False)  # the map drawn, not read from the drawing cache
    cold = time.perf_counter() - t
    runs = []
    for _ in range(10):
        t = time.perf_counter()
        locator_part(facts, use_cache=False)  # the map drawn, not read from the drawing cache
        runs.append(time.perf_counter() - t)
    size = sum(p.stat().st_size for p in (ROOT / "assets" / "map").rglob("*") if p.is_file())
    print(f"map: cold {cold:.2f} s, warm median {statistics.median(runs):.3f} s (min {min(runs):.3f}, "
          f"max {max(runs):.3f}) over {len(runs)} runs; assets/map {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
