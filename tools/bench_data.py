#!/usr/bin/env python3
"""Benchmark of the data path: a brief built from a 1,000,000-row CSV, as a user runs it.

Generates the CSV (dates over three years, a category and a count per row; fixed seed) and a spec 2
facts file into a temporary folder, builds it in a child process with ``make_report.py``, and
reports the wall time and the child's peak memory (``ru_maxrss``). Target: peak memory under 1 GB.
Usage: python tools/bench_data.py [--rows N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = """\
spec: 2
id: bench-data
title: Benchmark brief from {rows:,} rows
as_of: 2024-12-31T00:00:00Z
handling: UNCLASSIFIED - BENCHMARK DATA
location: {{name: Geneva, lat: 46.20222, lon: 6.14569, country: CH}}
sources: [{{id: gen, publisher: tools/bench_data.py (generated data)}}]
datasets: [{{id: rows, publisher: tools/bench_data.py, title: Generated rows, file: rows.csv}}]
series:
  - {{id: per-day, label: Reports per day, unit: reports, data: rows, date: day, value: count, every: day}}
  - {{id: north-week, label: Arrivals per week (north), unit: people, data: rows, date: day, value: n, filter: {{point: north}}, every: week}}
figures:
  - {{id: total, label: Reports in the table, from: {{series: per-day, stat: total}}, unit: reports}}
  - {{id: peak, label: Most arrivals in one week (north), from: {{series: north-week, stat: max}}, unit: people}}
key_points: [{{text: Generated data for a benchmark., sources: [gen]}}]
sections:
  situation: [{{text: Generated data., sources: [rows]}}]
  stakes: [{{text: Generated data., sources: [rows]}}]
  outlook: [{{text: Generated data., sources: [rows]}}]
"""


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    start = dt.date(2022, 1, 1)
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range(3 * 365)]
    points = ("north", "south", "east", "west")
    with path.open("w", encoding="utf-8") as fh:
        fh.write("day,point,n\n")
        for _ in range(rows):
            fh.write(f"{rng.choice(days)},{rng.choice(points)},{rng.randint(0, 500)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_csv(folder / "rows.csv", args.rows)
        facts = folder / "bench-data.yaml"
        facts.write_text(FACTS.format(rows=args.rows), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "make_report.py"), str(facts), "--out", str(folder / "out"), "-q"],
                       check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux
        size = (folder / "rows.csv").stat().st_size
    print(f"data brief from {args.rows:,} CSV rows ({size / 1e6:.0f} MB): built in {seconds:.1f} s, "
          f"peak memory {peak_mb:.0f} MB (target < 1024 MB)")
    if peak_mb >= 1024:
        sys.exit(1)


if __name__ == "__main__":
    main()
