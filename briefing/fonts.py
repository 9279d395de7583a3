"""Fonts: one family for the PDF text and the charts, embedded, covering Latin Extended and Cyrillic.

Why DejaVu: it ships inside matplotlib (a registry package we already depend on), so nothing is
downloaded, and it covers Latin, Latin Extended, Greek and Cyrillic. The same files are registered with
reportlab (for paragraphs), with matplotlib (for charts and the map) and with svglib (which turns the
charts' SVG into reportlab drawings), so a chart label and the paragraph beside it share one typeface.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS = "BriefSans"
SANS_BOLD = "BriefSans-Bold"
SANS_ITALIC = "BriefSans-Oblique"
SERIF = "BriefSerif"
SERIF_BOLD = "BriefSerif-Bold"
SERIF_ITALIC = "BriefSerif-Italic"
SERIF_BOLD_ITALIC = "BriefSerif-BoldItalic"

#: The family name matplotlib writes into SVG text elements.
CHART_FAMILY = "DejaVu Sans"

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SANS_ITALIC: "DejaVuSans-Oblique.ttf",
    SERIF: "DejaVuSerif.ttf",
    SERIF_BOLD: "DejaVuSerif-Bold.ttf",
    SERIF_ITALIC: "DejaVuSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "DejaVuSerif-BoldItalic.ttf",
}


def font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@functools.cache
def register_fonts() -> None:
    """Register the house fonts once per process (reportlab, svglib and matplotlib)."""
    from svglib import fonts as svgfonts

    base = font_dir()
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(base / filename)))
    # <b>/<i> inside paragraphs pick the right face.
    addMapping(SERIF, 0, 0, SERIF)
    addMapping(SERIF, 1, 0, SERIF_BOLD)
    addMapping(SERIF, 0, 1, SERIF_ITALIC)
    addMapping(SERIF, 1, 1, SERIF_BOLD_ITALIC)
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS_ITALIC)
    addMapping(SANS, 1, 1, SANS_BOLD)
    for weight, rl in (("normal", SANS), ("bold", SANS_BOLD), ("700", SANS_BOLD)):
        svgfonts.register_font(CHART_FAMILY, weight=weight, rlgFontName=rl)
    svgfonts.register_font(CHART_FAMILY, style="italic", rlgFontName=SANS_ITALIC)
    svgfonts.register_font(CHART_FAMILY, style="oblique", rlgFontName=SANS_ITALIC)
