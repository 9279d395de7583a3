"""Fonts: one family for the PDF text and the charts, embedded, covering Latin Extended and Cyrillic.

Why DejaVu: it ships inside matplotlib (a registry package we already depend on), so nothing is
downloaded, and it covers Latin, Latin Extended, Greek and Cyrillic. The same files are registered with
reportlab (for paragraphs, the map's labels and the charts', which ``vector.py`` sets as reportlab
strings) and with matplotlib (which lays the charts' labels out), so a chart label and the paragraph beside it
share one typeface.

Fallback fonts in ``assets/fonts`` (TrueType, so reportlab can embed them; licences in LICENSES.md)
cover the scripts DejaVu lacks: Arabic, Hebrew and CJK. ``briefing/glyphs.py`` decides which
characters use them, from the coverage table ``assets/fonts/coverage.json`` that ``measure_coverage``
writes (``tools/build_font_coverage.py``): knowing a font's characters then costs no font parsing.

reportlab is imported by the functions that register fonts, not by this module: the glyph check of
``--check`` reads the names and files here without loading reportlab.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Iterable

SANS = "BriefSans"
SANS_BOLD = "BriefSans-Bold"
SANS_ITALIC = "BriefSans-Oblique"
SERIF = "BriefSerif"
SERIF_BOLD = "BriefSerif-Bold"
SERIF_ITALIC = "BriefSerif-Italic"
SERIF_BOLD_ITALIC = "BriefSerif-BoldItalic"

ARABIC = "BriefArabic"
HEBREW = "BriefHebrew"
CJK = "BriefCJK"

#: Every face the brief's own text can be set in; a character is safe when all of them have it.
HOUSE_FACES = (SANS, SANS_BOLD, SANS_ITALIC, SERIF, SERIF_BOLD, SERIF_ITALIC, SERIF_BOLD_ITALIC)
#: The Sans faces: symbols the serif lacks are set in Sans when all of these have them.
SANS_FACES = (SANS, SANS_BOLD, SANS_ITALIC)
FALLBACKS = (ARABIC, HEBREW, CJK)

#: The family matplotlib lays chart labels out in (our Sans faces, in the PDF).
CHART_FAMILY = "DejaVu Sans"
#: Families matplotlib falls back to, in order, for glyphs DejaVu Sans lacks.
CHART_FALLBACKS = ["Noto Sans Arabic", "Noto Sans Hebrew", "Droid Sans Fallback"]

FALLBACK_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"
_FALLBACK_FILES = {
    ARABIC: "NotoSansArabic-Regular.ttf",
    HEBREW: "NotoSansHebrew-Regular.ttf",
    CJK: "DroidSansFallback.ttf",
}

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SANS_ITALIC: "DejaVuSans-Oblique.ttf",
    SERIF: "DejaVuSerif.ttf",
    SERIF_BOLD: "DejaVuSerif-Bold.ttf",
    SERIF_ITALIC: "DejaVuSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "DejaVuSerif-BoldItalic.ttf",
}


#: The characters each font draws (see ``measure_coverage``), kept beside the fallback fonts.
COVERAGE_FILE = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "coverage.json"
COVERAGE_FORMAT = 1


def _astral_safe(make_cmap):  # type: ignore[no-untyped-def]
    """Wrap reportlab's ToUnicode CMap writer to write code points above U+FFFF as UTF-16 pairs.

    reportlab 5.1 writes them as five or six hex digits (``<1F600>``), which is not valid in a CMap:
    the glyph prints but readers cannot copy, search or extract it (emoji, rare CJK ideographs).
    """

    def to_unicode_cmap(fontname: str, subset: list[int]) -> str:
        return re.sub(r"<([0-9A-F]{5,6})>", lambda m: "<" + chr(int(m[1], 16)).encode("utf-16-be").hex().upper() + ">",
                      make_cmap(fontname, subset))

    return to_unicode_cmap


def font_dir() -> Path:
    """matplotlib's DejaVu folder, found without importing matplotlib (a build from cached charts never needs it)."""
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations, "matplotlib is a dependency"
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


@functools.cache
def register_fonts() -> None:
    """Register the house fonts with reportlab, once per process.

    Fallback fonts are registered by ``register_fallback`` when some text needs them: parsing them
    (3.7 MB, CJK above all) would otherwise cost every brief, though most never use a glyph of theirs.
    """
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.pdfbase.ttfonts import TTFont

    ttfonts.makeToUnicodeCMap = _astral_safe(ttfonts.makeToUnicodeCMap)
    base = font_dir()
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(base / filename)))
    _map_faces()


def _map_faces() -> None:
    """<b>/<i> inside paragraphs pick the right face (registering a TrueType font resets its family's mapping)."""
    from reportlab.lib.fonts import addMapping

    addMapping(SERIF, 0, 0, SERIF)
    addMapping(SERIF, 1, 0, SERIF_BOLD)
    addMapping(SERIF, 0, 1, SERIF_ITALIC)
    addMapping(SERIF, 1, 1, SERIF_BOLD_ITALIC)
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS_ITALIC)
    addMapping(SANS, 1, 1, SANS_BOLD)


@functools.cache
def register_fallback(name: str) -> None:
    """Register one fallback font with reportlab, once per process (before its first measurement or use)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    register_fonts()
    pdfmetrics.registerFont(TTFont(name, str(FALLBACK_DIR / _FALLBACK_FILES[name])))
    # Fallbacks have one face; map bold and italic to it so <b> around a fallback run still works.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)


def registered(font: str) -> str:
    """``font``, registered with reportlab first if it is a fallback (each is parsed only when some text uses it)."""
    if font in FALLBACKS:
        register_fallback(font)
    return font


@functools.cache
def register_chart_fallbacks() -> None:
    """Make the fallback fonts known to matplotlib, once per process: only charts drawn as outlines use them."""
    from matplotlib import font_manager

    for filename in _FALLBACK_FILES.values():
        font_manager.fontManager.addfont(str(FALLBACK_DIR / filename))


def seed_matplotlib(enabled: bool = True) -> None:
    """Point matplotlib at a config folder in our cache whose font list holds only the fonts we use.

    Why: with no font list yet (a machine's first run, an empty cache) matplotlib scans every font
    file of the system before drawing anything (0.6 s here); the charts use only DejaVu, which ships
    inside matplotlib, and our fallbacks, which ``register_chart_fallbacks`` adds by file. The seed
    (``assets/fonts/fontlist-v*.json``, written by ``tools/build_mpl_fontlist.py``) is that list; a
    matplotlib of another font-list version ignores it and scans once, into the same folder. The
    folder is ours, so neither a user's matplotlibrc nor their installed fonts change a chart.
    Call before matplotlib is imported; a caller who set ``MPLCONFIGDIR`` keeps it, and
    ``enabled=False`` (``--no-cache``: the cache is left alone) keeps matplotlib's own folder.
    """
    if not enabled or "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR"):
        return
    from .cache import cache_dir

    config = cache_dir() / "matplotlib"
    try:
        for seed in FALLBACK_DIR.glob("fontlist-v*.json"):
            if not (config / seed.name).exists():
                config.mkdir(parents=True, exist_ok=True, mode=0o700)
                shutil.copyfile(seed, config / seed.name)
    except OSError:
        return  # an unwritable cache: matplotlib's own folder, as before
    os.environ["MPLCONFIGDIR"] = str(config)


def font_files() -> dict[str, Path]:
    """Every font a brief's text may be set in, by its registered name: the house faces, then the fallbacks."""
    base = font_dir()
    return {**{name: base / file for name, file in _FILES.items()},
            **{name: FALLBACK_DIR / file for name, file in _FALLBACK_FILES.items()}}


def _ranges(codes: Iterable[int]) -> list[list[int]]:
    """Sorted code points as [first, last] runs: DejaVu's 6,000 characters are a few hundred runs."""
    out: list[list[int]] = []
    for code in sorted(codes):
        if out and code == out[-1][1] + 1:
            out[-1][1] = code
        else:
            out.append([code, code])
    return out


def measure_coverage() -> dict[str, Any]:
    """The coverage table, measured by parsing every font (about 0.3 s; the CJK fallback is 3.4 MB).

    ``sets`` holds, as [first, last] runs of code points: ``house``, the characters every house face
    draws; ``sans``, those every Sans face draws; and each fallback font's. A character mapped to
    glyph 0 (the empty box) does not count. ``fonts`` names each file with its size, which a run
    compares to tell a table that no longer fits the installed fonts (it then measures them itself),
    and its SHA-256, which the tests compare.
    """
    from reportlab.pdfbase.ttfonts import TTFontFile

    files = font_files()
    drawn = {name: {code for code, glyph in TTFontFile(str(path)).charToGlyph.items() if glyph}
             for name, path in files.items()}
    sets = {"house": set.intersection(*(drawn[f] for f in HOUSE_FACES)),
            "sans": set.intersection(*(drawn[f] for f in SANS_FACES)),
            **{name: drawn[name] for name in FALLBACKS}}
    return {
        "format": COVERAGE_FORMAT,
        "fonts": {name: {"file": path.name, "size": path.stat().st_size,
                         "sha256": hashlib.sha256(path.read_bytes()).hexdigest()} for name, path in files.items()},
        "sets": {name: _ranges(codes) for name, codes in sets.items()},
    }
