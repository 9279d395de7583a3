#!/usr/bin/env python3
"""Write assets/fonts/fontlist-v<VERSION>.json: matplotlib's font list holding only its own fonts.

Why: on a machine's first run (an empty cache) matplotlib scans every font file of the system to
build its font list (0.6 s here, more with more fonts), though a brief's charts use only DejaVu,
which ships inside matplotlib, and our fallbacks, which ``fonts.register_chart_fallbacks`` adds by
file. ``fonts.seed_matplotlib`` copies this list into the briefing cache's matplotlib folder, so the
first run reads it instead of scanning. Entries name files relative to matplotlib's data folder,
as matplotlib itself writes them; a matplotlib of another font-list version ignores the file and
scans as before. Run this after upgrading matplotlib.

Usage: python tools/build_mpl_fontlist.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MPLCONFIGDIR"] = tmp
        from matplotlib import font_manager

        listing = next(Path(tmp).glob("fontlist-v*.json"))
        data = json.loads(listing.read_text(encoding="utf-8"))
    for kind in ("ttflist", "afmlist"):  # matplotlib's own fonts are the entries with a relative path
        data[kind] = [entry for entry in data[kind] if not os.path.isabs(entry["fname"])]
    out = ROOT / "assets" / "fonts" / listing.name
    out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(out, f"({len(data['ttflist'])} TrueType, {len(data['afmlist'])} AFM fonts of matplotlib {font_manager.matplotlib.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
