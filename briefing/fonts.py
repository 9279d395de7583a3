"""Fonts: one family for the PDF text and the charts, embedded, covering Latin Extended and Cyrillic.

Why DejaVu: it ships inside matplotlib (a registry package we already depend on), so nothing is
downloaded, and it covers Latin, Latin Extended, Greek and Cyrillic. The same files are registered with
reportlab (for paragraphs and the charts' and map's labels, which ``vector.py`` sets as reportlab
strings) and with matplotlib (which lays the labels out), so a chart label and the paragraph beside it
share one typeface.

Fallback fonts in ``assets/fonts`` (TrueType, so reportlab can embed them; licences in LICENSES.md)
cover the scripts DejaVu lacks: Arabic, Hebrew and CJK. ``briefing/glyphs.py`` decides which
characters use them.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

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

#: The family matplotlib lays chart and map labels out in (our Sans faces, in the PDF).
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
    ttfonts.makeToUnicodeCMap = _astral_safe(ttfonts.makeToUnicodeCMap)
    base = font_dir()
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(base / filename)))
    _map_faces()


def _map_faces() -> None:
    """<b>/<i> inside paragraphs pick the right face (registering a TrueType font resets its family's mapping)."""
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
    register_fonts()
    pdfmetrics.registerFont(TTFont(name, str(FALLBACK_DIR / _FALLBACK_FILES[name])))
    # Fallbacks have one face; map bold and italic to it so <b> around a fallback run still works.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)


@functools.cache
def register_chart_fallbacks() -> None:
    """Make the fallback fonts known to matplotlib, once per process: only charts drawn as outlines use them."""
    from matplotlib import font_manager

    for filename in _FALLBACK_FILES.values():
        font_manager.fontManager.addfont(str(FALLBACK_DIR / filename))
