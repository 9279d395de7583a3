#!/usr/bin/env python3
"""Benchmark of the provenance check: a build of the example brief with the check against one without.

The example brief is copied to a temporary folder twice: as it is (citing its saved CNN article, so
every build runs the check) and without ``sources[].file`` (nothing to check). Each is built in
process (``build.build_brief``, the drawing cache warm, the article's text cached) several times; the
medians are compared with the check alone (``provenance.check``). Target: the check costs at most a
tenth of a build once its sources are cached. Also timed: a saved web page read through trafilatura
the first time and from the cache after. Usage: python tools/bench_provenance.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "briefs" / "bakhmut.yaml"
PAGE = ROOT / "tests" / "sources" / "nytimes-blackouts.html"


def _median(runs: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # a cache of its own, warmed below
        sys.path.insert(0, str(ROOT))
        import logging

        logging.getLogger("briefing").setLevel(logging.ERROR)
        from briefing import provenance
        from briefing.build import build_brief
        from briefing.validate import load_facts

        checked = Path(tmp) / "checked" / "bakhmut.yaml"
        shutil.copytree(BRIEF.parent / "sources", checked.parent / "sources")
        checked.write_bytes(BRIEF.read_bytes())
        data = yaml.safe_load(BRIEF.read_text(encoding="utf-8"))
        for source in data["sources"]:
            source.pop("file", None)
        bare = Path(tmp) / "bare" / "bakhmut.yaml"
        bare.parent.mkdir()
        bare.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

        build_brief(checked), build_brief(bare)  # warm: drawings and the article's text cached
        with_check = _median(runs, lambda: build_brief(checked))
        without = _median(runs, lambda: build_brief(bare))
        facts = load_facts(checked)
        alone = _median(runs, lambda: provenance.check(facts, checked))
        report = provenance.check(facts, checked)

        page = PAGE.read_bytes()
        import hashlib

        digest = hashlib.sha256(page).hexdigest()
        start = time.perf_counter()
        provenance._document_text(digest, page, PAGE.name)  # first read: trafilatura, then stored
        first = time.perf_counter() - start
        provenance._document_text.cache_clear()  # a new process: the text comes from the drawing cache
        again = _median(runs, lambda: (provenance._document_text.cache_clear(), provenance._document_text(digest, page, PAGE.name)))

    share = alone / with_check
    print(f"provenance: build with the check {with_check:.3f} s, without {without:.3f} s (difference "
          f"{(with_check - without) * 1000:+.0f} ms); the check alone {alone * 1000:.1f} ms = {share:.1%} of a build "
          f"({'within' if share <= 0.1 else 'OVER'} the target of 10%); medians of {runs}")
    print(f"provenance: a saved web page ({len(page) / 1024:.0f} KB HTML) read {first * 1000:.0f} ms the first time, "
          f"{again * 1000:.2f} ms from the cache")
    print(f"the example: {report.summary}")


if __name__ == "__main__":
    main()
