#!/usr/bin/env python3
"""Benchmark: a cold build (a whole process, as a user runs it) and a warm batch in one process.

Targets on a 2-core machine: cold <= 2.5 s, warm <= 0.3 s a brief, PDF <= 500 KB.
Usage: python tools/bench.py [FACTS.yaml] [--warm N] [--cold N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("facts", nargs="?", default=str(ROOT / "briefs" / "bakhmut.yaml"))
    parser.add_argument("--warm", type=int, default=50, help="builds in the warm batch")
    parser.add_argument("--cold", type=int, default=5, help="cold builds (processes)")
    args = parser.parse_args()

    cold = []
    for _ in range(args.cold):
        with tempfile.TemporaryDirectory() as tmp:  # a fresh folder: an unchanged brief is not rebuilt
            started = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "make_report.py"), args.facts, "--out", tmp, "-q"],
                           check=True, stdout=subprocess.DEVNULL)
            cold.append(time.perf_counter() - started)
            size = next(Path(tmp).glob("*.pdf")).stat().st_size

    from briefing import build_brief  # imported after the cold runs: they must not share its warm-up

    build_brief(args.facts)  # first build pays for imports, fonts and map data
    started = time.perf_counter()
    for _ in range(args.warm):
        build_brief(args.facts)
    warm = (time.perf_counter() - started) / args.warm

    print(f"cold build (whole process): median {statistics.median(cold):.2f} s, best {min(cold):.2f} s over {len(cold)} runs (target <= 2.5 s)")
    print(f"warm build (one process):   {warm * 1000:.0f} ms a brief over {args.warm} builds (target <= 300 ms)")
    print(f"PDF size: {size / 1024:.0f} KB (target <= 500 KB)")


if __name__ == "__main__":
    main()
