#!/usr/bin/env python3
"""Benchmark of gathering: one saved news page (tests/sources/bbc-mass-burials.html) into a new draft.

Times ``make_report.py --gather PAGE --draft OUT.yaml`` as a user runs it (a child process: imports,
reading, extraction, gazetteer look-ups, writing), and the library call alone when warm (readers and
gazetteer loaded), best of a few runs. Usage: python tools/bench_gather.py [--runs N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "tests" / "sources" / "bbc-mass-burials.html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    sys.path.insert(0, str(ROOT))
    from briefing.gather.draft import gather

    with tempfile.TemporaryDirectory() as tmp:
        cold = []
        for n in range(runs):
            out = Path(tmp) / f"cold{n}" / "draft.yaml"
            start = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "make_report.py"), "--gather", str(PAGE), "--draft", str(out)],
                           check=True, capture_output=True)
            cold.append(time.perf_counter() - start)
        gather([str(PAGE)], Path(tmp) / "warmup" / "draft.yaml")
        warm = []
        for n in range(runs):
            out = Path(tmp) / f"warm{n}" / "draft.yaml"
            start = time.perf_counter()
            result = gather([str(PAGE)], out)
            warm.append(time.perf_counter() - start)
    print(f"gather one page ({PAGE.stat().st_size / 1024:.0f} KB HTML): command {min(cold):.2f} s, "
          f"library call warm {min(warm) * 1000:.0f} ms (best of {runs}); {result.summary().split(' ->')[0]}")


if __name__ == "__main__":
    main()
