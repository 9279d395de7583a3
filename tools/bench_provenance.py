#!/usr/bin/env python3
"""Benchmark of the provenance check: a build of the example brief with the check against one without.

Both builds are warm (libraries loaded, drawings and the saved source's text cached, as on a scheduled
rebuild); "without" replaces ``provenance.check_provenance`` for the run. The check alone is timed
too, warm (text from the cache) and on a cold cache entry (the reader runs). The target: the check
costs at most a tenth of a build. Usage: python tools/bench_provenance.py [--runs N]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "briefs" / "bakhmut.yaml"


def _best(runs: int, call) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="bench-provenance-")  # never the user's cache
    sys.path.insert(0, str(ROOT))
    logging.getLogger("briefing").setLevel(logging.ERROR)
    from briefing import provenance
    from briefing.build import build_brief
    from briefing.validate import load_facts

    facts = load_facts(BRIEF)
    real = provenance.check_provenance
    provenance._text_of.cache_clear()
    provenance._numbers.cache_clear(); provenance._text_numbers.cache_clear()
    start = time.perf_counter()
    real(facts, BRIEF)
    first = time.perf_counter() - start
    build_brief(BRIEF)  # warm-up: drawings cached
    with_check = _best(runs, lambda: build_brief(BRIEF))

    def stub(facts, file, base=None, use_cache=True):
        return provenance.Provenance((), "", ())

    provenance.check_provenance = stub
    try:
        without = _best(runs, lambda: build_brief(BRIEF))
    finally:
        provenance.check_provenance = real

    def warm_check() -> None:
        provenance._numbers.cache_clear(); provenance._text_numbers.cache_clear()
        provenance._text_of.cache_clear()  # the text and its passages come from the disk cache
        real(facts, BRIEF)

    check = _best(runs, warm_check)
    print(f"build with the check     {with_check * 1000:7.1f} ms (best of {runs}, warm)")
    print(f"build without the check  {without * 1000:7.1f} ms")
    print(f"the check alone          {check * 1000:7.1f} ms warm (text from the cache), {first * 1000:.1f} ms first"
          f" -> {check / without:.1%} of a build (target <= 10%)")


if __name__ == "__main__":
    main()
