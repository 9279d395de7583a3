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

Parsed once, not every process. reportlab's ``TTFont`` parses a font file's tables into plain data
(widths, the character map, glyph offsets): 65-100 ms CPU for the seven house faces, as much again for
the CJK fallback, in every process that lays a PDF out. That data is remembered (``_font``), named
by the SHA-256 of the font file's bytes and reportlab's and Python's versions, so a changed font or
library is parsed again; a later process reads it back (20-30 ms: building the dicts' hundred
thousand small objects is the floor) and makes the ``TTFont`` without parsing. The file's bytes are
read every time (they are the font: subsetting copies glyphs from them) and the hash of them costs
2.5 ms for the house faces' 3.5 MB, so the content, not a size and time that a copied or restored
file may keep, names the entry. It is kept in the user cache (``briefing/cache.py``), written by the
first process that parsed the font, unless ``remember_fonts(False)`` (``--no-cache``: then every font
is parsed) leaves the cache alone; ``python -m briefing.prepare`` (``make``'s install step) puts every
font's in the installation's cache, which a read that misses the user's looks in, so even a machine's
first build, with an empty cache, parses nothing.

Stored with ``marshal``, not pickle: it builds only Python's own types (no class at all, so nothing
in an entry can choose code to run) and loads these dicts 1.5-2x faster than pickle; an entry
carries its checksum (``briefing/cache.py``), and one that is corrupt, unreadable or not of the shape
written is ignored and the font parsed.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib.util
import io
import marshal
import os
import re
import shutil
import sys
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
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


#: The layout of a remembered font's state; a change makes every entry a different name.
_STATE_FORMAT = 1
#: Face attributes not stored: the file's bytes (read again), the path (the one opened now) and the scale
#: function (made again from ``unitsPerEm``).
_NOT_STORED = frozenset({"_ttf_data", "filename", "_pdfScale"})
#: Everything ``TTFont.__init__`` sets: a font with other attributes (another reportlab) is not remembered.
_FONT_ATTRIBUTES = frozenset({"fontName", "face", "encoding", "state", "_asciiReadable", "_shapable"})
_SCALARS = frozenset({int, float, str, bytes, bool, type(None)})
_SEQUENCES = frozenset({list, tuple})
_CONTAINERS = _SEQUENCES | {dict}
_remember = True


def remember_fonts(enabled: bool) -> None:
    """Whether fonts parsed from now on are remembered in the user cache and read back from it (``--no-cache``: not)."""
    global _remember
    _remember = enabled


def remembering() -> bool:
    """Whether this process reads and writes what fonts cost to parse or draw (not under ``--no-cache``)."""
    return _remember


@functools.cache
def register_fonts() -> None:
    """Register the house fonts with reportlab, once per process.

    Fallback fonts are registered by ``register_fallback`` when some text needs them: parsing them
    (3.7 MB, CJK above all) would otherwise cost every brief, though most never use a glyph of theirs.
    """
    from reportlab.pdfbase import pdfmetrics, ttfonts

    ttfonts.makeToUnicodeCMap = _astral_safe(ttfonts.makeToUnicodeCMap)
    base = font_dir()
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(_font(name, base / filename))
    _map_faces()


def _state_name(data: bytes) -> str:
    """The entry name of the parsed state of a font file holding ``data``, for this reportlab and Python."""
    from reportlab import Version

    head = f"font-state {_STATE_FORMAT} reportlab={Version} marshal={marshal.version} python={sys.version_info[:2]}\n"
    return hashlib.sha256(head.encode() + hashlib.sha256(data).digest()).hexdigest()


def _font(name: str, path: Path) -> TTFont:
    """reportlab's ``TTFont`` of the file at ``path``, made from its remembered state when there is one.

    A font parsed here is remembered in the cache (see the module's docstring); either way the
    object is the one ``TTFont(name, str(path))`` makes, so the PDF is byte-identical.
    """
    from . import cache
    from reportlab.pdfbase.ttfonts import TTFont

    data = path.read_bytes()
    entry = _state_name(data)
    if (state := cache.recall(_remember, entry, _load_state)) is not None:  # the user's cache, else the installation's
        return _rebuilt(name, path, data, state)
    named = io.BytesIO(data)
    named.name = str(path)  # reportlab reads the bytes we hashed and names the face by the path, as TTFont(name, path) does
    font = TTFont(name, named)
    if _remember and (payload := _dump_state(font)) is not None:
        cache.write(entry, payload)
    return font


def _plain(value: Any) -> bool:
    """Whether ``value`` is made of Python's own types only, exactly (marshal would store a subclass as its base).

    A face holds 350,000 values, and a Python call or loop step for each would cost 40 ms of a first
    parse: so the types of a whole run of values (a dict's keys, its values, a list) are gathered at
    once, and a run of lists or tuples only (the glyphs' characters, the metrics' pairs) is checked as
    one run of their items."""
    runs: list[list[Any]] = [[value]]
    while runs:
        run = runs.pop()
        kinds = set(map(type, run))
        if kinds <= _SCALARS:
            continue
        if not kinds <= _SCALARS | _CONTAINERS:
            return False
        if kinds <= _SEQUENCES:
            runs.append(list(chain.from_iterable(run)))
            continue
        for item in run:  # a run mixing dicts or scalars in: a face's attributes, its table records
            if type(item) is dict:
                runs += (list(item), list(item.values()))
            elif type(item) in _SEQUENCES:
                runs.append(list(item))
    return True


def _dump_state(font: TTFont) -> bytes | None:
    """The parsed state of ``font``'s face as bytes, or None when it holds more than plain data (another reportlab).

    Stored: ``(face, names)``: the face's attributes but the unstored ones, and the ``ustr`` of each
    name string (``TTFNameBytes``, bytes with the name as text beside them), whose bytes are in ``face``.
    """
    from reportlab.pdfbase.ttfonts import TTFNameBytes

    if set(vars(font)) != _FONT_ATTRIBUTES:
        return None
    face = {key: value for key, value in vars(font.face).items() if key not in _NOT_STORED}
    names = {key: value.ustr for key, value in face.items() if type(value) is TTFNameBytes}
    face.update((key, bytes(face[key])) for key in names)
    state = (face, names)
    return marshal.dumps(state) if _plain(state) else None


def _load_state(payload: bytes) -> dict[str, Any]:
    """The face attributes ``_dump_state`` stored; raises for a payload of any other shape."""
    from reportlab.pdfbase.ttfonts import TTFNameBytes

    collecting = gc.isenabled()
    gc.disable()  # loading makes 100,000 containers: the collector would scan them again and again (half the time)
    try:
        face, names = marshal.loads(payload)
    finally:
        if collecting:
            gc.enable()
    if type(face) is not dict or type(names) is not dict or not isinstance(face.get("unitsPerEm"), int):
        raise ValueError("not a font's state")
    for key, text in names.items():
        name = bytes.__new__(TTFNameBytes, face[key])
        name.ustr = text
        face[key] = name
    return face


def _rebuilt(name: str, path: Path, data: bytes, state: dict[str, Any]) -> TTFont:
    """The ``TTFont`` that parsing ``data`` (read from ``path``) makes, from its stored ``state``: what
    ``TTFont.__init__`` and ``TTFontFile.extractInfo`` (reportlab 5.1) set besides the stored attributes."""
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, TTFontFace, unShapedFontGlob

    face = TTFontFace.__new__(TTFontFace)
    vars(face).update(state)
    face._ttf_data = data
    face.filename = str(path)
    units = face.unitsPerEm
    if units == 1000:  # extractInfo's scale, made the same way: the same floats
        face._pdfScale = lambda x: x
    else:
        _1000mult = 1000 / units
        face._pdfScale = lambda x: x * _1000mult
    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, glob) for glob in unShapedFontGlob)
    return font


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

    register_fonts()
    pdfmetrics.registerFont(_font(name, FALLBACK_DIR / _FALLBACK_FILES[name]))
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
