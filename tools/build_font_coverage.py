#!/usr/bin/env python3
"""Write assets/fonts/coverage.json: which characters each font of the brief draws.

Why: learning that by parsing the fonts costs a build about a third of a second (and --check would
need reportlab); the table is read in a millisecond. Run this after replacing a font or upgrading
matplotlib (whose DejaVu files are the house fonts); ``tests/test_glyphs.py`` fails until you do.

Usage: python tools/build_font_coverage.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefing.fonts import COVERAGE_FILE, measure_coverage  # noqa: E402


def main() -> None:
    COVERAGE_FILE.write_text(json.dumps(measure_coverage(), separators=(",", ":")) + "\n", encoding="utf-8")
    print(COVERAGE_FILE)


if __name__ == "__main__":
    main()
