"""Characters the house fonts lack: print them with a bundled fallback font, warn about the rest.

Why: reportlab draws a character the font has no glyph for as an empty box, silently. A facts file may
hold any script (a Chinese place name, a Hebrew quote), so every run of text the house fonts (DejaVu)
cannot show is set in a bundled fallback font (``assets/fonts``: Noto Sans Arabic and Hebrew, Droid
Sans Fallback for CJK). What no font can show (emoji, private-use characters) is reported as a
warning naming the field, never left as a silent box.

Right-to-left text: reportlab lays out every line left to right in logical order, which would print
Hebrew and Arabic backwards. Each run of right-to-left text is turned into visual order (python-bidi)
and Arabic letters into their joined forms (arabic-reshaper) before layout. A run that wraps over two
lines then reads line by line in the wrong order, but no word is ever reversed.
"""

from __future__ import annotations

import bisect
import functools
import html
import json
import logging
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .errors import Problem
from .fonts import (ARABIC, CJK, COVERAGE_FILE, COVERAGE_FORMAT, FALLBACKS, HEBREW, SANS, font_files, measure_coverage,
                    register_fonts, registered)

if TYPE_CHECKING:  # reportlab loads only for a PDF: --check reads the coverage table alone
    from reportlab.pdfgen.canvas import Canvas

    from .facts import Facts

log = logging.getLogger("briefing")
_RTL_CLASSES = frozenset({"R", "AL"})
#: Bidi classes that may sit between two right-to-left letters and still belong to their run.
_RUN_INNER = frozenset({"R", "AL", "AN", "EN", "ES", "ET", "CS", "NSM", "BN", "WS", "ON"})
_TAG = re.compile(r"(<[^>]*>)")


@functools.cache
def _right_to_left() -> tuple[Any, Any]:
    """The Arabic shaper and the bidi reorderer, loaded with the first right-to-left text (they pull in fontTools).

    Arabic joining is required; of the optional ligatures only lam-alef is used (Arabic requires it).
    """
    import arabic_reshaper
    from arabic_reshaper.ligatures import LIGATURES
    from bidi import get_display

    reshaper = arabic_reshaper.ArabicReshaper(configuration={
        "delete_harakat": False,
        "support_ligatures": True,
        **{name: name.startswith("ARABIC LIGATURE LAM WITH ALEF") for name, _ in LIGATURES},
    })
    return reshaper, get_display


@functools.cache
def _coverage() -> dict[str, tuple[list[int], list[int]]]:
    """Each set of the coverage table (see ``fonts.measure_coverage``) as the starts and ends of its runs.

    Read from ``assets/fonts/coverage.json`` when it describes the installed fonts (same file sizes);
    otherwise, say after a matplotlib upgrade brought other DejaVu files, measured from the fonts, so
    a stale table costs time, never a wrong answer.
    """
    try:
        table = json.loads(COVERAGE_FILE.read_text(encoding="utf-8"))
        fits = table["format"] == COVERAGE_FORMAT and all(
            path.stat().st_size == table["fonts"][name]["size"] for name, path in font_files().items())
    except (OSError, ValueError, KeyError, TypeError):
        fits = False
    if not fits:
        log.info("%s does not describe the installed fonts; measuring them (tools/build_font_coverage.py updates it)",
                 COVERAGE_FILE)
        table = measure_coverage()
    return {name: ([a for a, _ in runs_], [b for _, b in runs_]) for name, runs_ in table["sets"].items()}


def _has(font_set: str, code: int) -> bool:
    """Whether ``code`` is in a set of the coverage table: "house", "sans" or a fallback font's name."""
    starts, ends = _coverage()[font_set]
    i = bisect.bisect_right(starts, code) - 1
    return i >= 0 and code <= ends[i]


@functools.cache
def fallback_font(ch: str) -> str | None:
    """The font to set ``ch`` in when the house faces lack it: None if they have it, "" if no font has it.

    DejaVu Sans (all its faces) comes first for symbols the serif lacks, so a text stays in one design
    where it can; right-to-left letters go to the Noto fonts made for their script.
    """
    code = ord(ch)
    if _has("house", code):
        return None
    order = (ARABIC, HEBREW, SANS, CJK) if unicodedata.bidirectional(ch) in _RTL_CLASSES else (SANS, CJK, ARABIC, HEBREW)
    return next((font for font in order if _has("sans" if font == SANS else font, code)), "")


def _invisible(ch: str) -> bool:
    """A format character (zero-width space, direction marks) no font draws: printing nothing is right."""
    return unicodedata.category(ch) == "Cf" and fallback_font(ch) == ""


def visual(text: str) -> str:
    """``text`` as it is drawn: right-to-left runs in visual order, Arabic joined, invisible marks dropped."""
    if text.isascii():
        return text
    text = "".join(ch for ch in text if not _invisible(ch))
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if unicodedata.bidirectional(text[i]) not in _RTL_CLASSES:
            out.append(text[i])
            i += 1
            continue
        end = j = i + 1  # end: one past the last right-to-left letter of the run
        while j < n and unicodedata.bidirectional(text[j]) in _RUN_INNER:
            if unicodedata.bidirectional(text[j]) in _RTL_CLASSES:
                end = j + 1
            j += 1
        run = text[i:end]
        reshaper, get_display = _right_to_left()
        out.append(get_display(reshaper.reshape(run), base_dir="R"))
        i = end
    return "".join(out)


def runs(text: str) -> Iterator[tuple[str | None, str]]:
    """Split drawn text into (font, text) runs: font None means the house font, "" means no font has it."""
    current: str | None = None
    start = 0
    for i, ch in enumerate(text):
        font = fallback_font(ch)
        if ch.isspace() or font == current:
            continue
        if i > start:
            yield current, text[start:i]
        current, start = font, i
    if text[start:]:
        yield current, text[start:]


#: What a chart or map label shows for a character no bundled font has: the box a reader would see
#: anyway, drawn on purpose, so matplotlib does not warn about each glyph (the facts file's field is
#: already named in one warning when it is loaded).
NO_GLYPH = "\u25a1"


#: The base a combining mark is shown on when it cannot sit on the character before it (Unicode's convention).
DOTTED_CIRCLE = "\u25cc"


def drawable(text: str) -> str:
    """``text`` for matplotlib: characters no bundled font has become ``NO_GLYPH``, tabs and other
    spaces a plain space (line breaks stay); a combining mark that no font has together with the
    character before it gets ``DOTTED_CIRCLE`` as its base (matplotlib shapes a character and its
    marks in one font, and would warn that the base is missing from every font); everything else stays."""
    out: list[str] = []
    for ch in text:
        if ch.isspace() and ch != "\n":
            ch = " "
        elif not ch.isascii() and fallback_font(ch) == "" and not _invisible(ch):
            ch = NO_GLYPH
        elif out and unicodedata.category(ch) in ("Mn", "Me") and not out[-1].isspace() and _apart(out[-1], ch):
            out.append(DOTTED_CIRCLE)
        out.append(ch)
    return "".join(out)


def _apart(base: str, mark: str) -> bool:
    """Whether no font a chart uses (DejaVu Sans, then the fallbacks) has both ``base`` and ``mark``,
    while the mark's own font has a dotted circle to sit on."""
    fonts = ("sans", *FALLBACKS)
    if any(_has(f, ord(base)) and _has(f, ord(mark)) for f in fonts):
        return False
    return any(_has(f, ord(mark)) and _has(f, ord(DOTTED_CIRCLE)) for f in fonts)


def needs_fallback(text: str) -> bool:
    """True when some visible character of ``text`` is not in every house face (line breaks do not count)."""
    return not text.isascii() and any(not ch.isspace() and not _has("house", ord(ch)) for ch in text)


def with_fallback(markup: str) -> str:
    """Paragraph markup with each run the house fonts lack wrapped in ``<font name=...>``.

    Works on finished markup (after the templates escaped the facts text): tags are left alone, text
    between them is unescaped, put in visual order, split into runs and escaped again.
    """
    if markup.isascii():
        return markup
    parts = _TAG.split(markup)
    for k in range(0, len(parts), 2):  # even parts are text, odd parts are tags
        if parts[k].isascii():
            continue
        pieces = []
        for font, run in runs(visual(html.unescape(parts[k]))):
            escaped = html.escape(run, quote=False)
            pieces.append(f'<font name="{registered(font)}">{escaped}</font>' if font else escaped)
        parts[k] = "".join(pieces)
    return "".join(parts)


def font_runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` as (font, text) pieces for drawn labels: ``font`` wherever a house face has the characters
    (a Sans label keeps its weight), the fallback that has them elsewhere, registered on first use."""
    if text.isascii():
        return [(font, text)]
    return [(font if f in (None, "", SANS) else registered(f), t) for f, t in runs(text)]


def string_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` as ``draw_string`` draws it (fallback runs measured in their own font)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    text = " ".join(text.split())
    return sum(stringWidth(run, registered(f) if f else font, size) for f, run in runs(visual(text)))


def draw_string(canv: Canvas, x: float, y: float, text: str, font: str, size: float, anchor: str = "left") -> None:
    """Draw one line on a canvas like ``drawString``, switching font for runs the house font lacks.

    ``anchor`` is "left", "centre" or "right": where ``x`` is on the line.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    text = " ".join(text.split())  # a line break in a title is a space on one line
    drawn = visual(text)
    width = string_width(text, font, size)
    x -= {"left": 0.0, "centre": width / 2, "right": width}[anchor]
    for f, run in runs(drawn):
        canv.setFont(f or font, size)  # registered by string_width above
        canv.drawString(x, y, run)
        x += stringWidth(run, f or font, size)


def missing(text: str) -> list[str]:
    """Characters of ``text`` that no bundled font can draw (they would print as boxes)."""
    return [ch for ch in visual(text) if not ch.isspace() and fallback_font(ch) == ""]


#: Fields whose text never prints as it stands: ids and codes (ASCII by validation) and file paths.
_NOT_PRINTED = frozenset({"id", "sources", "source", "file", "country"})


def glyph_warnings(facts: "Facts", file: str | Path) -> list[Problem]:
    """One warning per text field holding characters that would print as boxes, naming the field."""
    from .facts import text_fields

    problems = []
    for path, text in text_fields(facts, "", _NOT_PRINTED):
        if text.isascii() or not needs_fallback(text):
            continue
        chars = missing(text)
        if chars:
            what = (f"{len(chars)} characters (e.g. \"{chars[0]}\") have no glyph in the bundled fonts and print as boxes"
                    if len(chars) > 1 else f"1 character (\"{chars[0]}\") has no glyph in the bundled fonts and prints as a box")
            problems.append(Problem(str(file), path, what))
    return problems
