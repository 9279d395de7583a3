"""Fonts parsed once, not every process (``briefing/fonts.py``): each test runs fresh processes, since a
process registers its fonts once and a remembered font only shows in the next one.

Each process reports which font files reportlab parsed (``TTFontFile.extractInfo`` is wrapped to
count them) and a digest of every registered font's state (its face's attributes, the scale function's
values, the font's own attributes), so "not parsed" and "the same font as parsing makes" are both
measured, not assumed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from briefing import cache, fonts

_PROCESS = r"""
import hashlib, json, sys
from pathlib import Path

from briefing import cache, fonts
from reportlab.pdfbase import pdfmetrics, ttfonts

args = json.loads(sys.argv[1])
if args.get("font_dir"):
    fonts.font_dir = lambda: Path(args["font_dir"])
parsed = []
parse = ttfonts.TTFontFile.extractInfo

def counted(self, *a, **k):
    parsed.append(Path(self.filename).name)
    return parse(self, *a, **k)

ttfonts.TTFontFile.extractInfo = counted
if args.get("facts"):
    from briefing import BuildOptions, build_brief

    Path(args["pdf"]).write_bytes(build_brief(args["facts"], BuildOptions(cache=args["cache"])))
else:
    fonts.register_fonts()
    for name in fonts.FALLBACKS:
        fonts.register_fallback(name)

def digest(font):
    face = {k: v for k, v in vars(font.face).items() if k != "_pdfScale"}
    names = {k: v.ustr for k, v in face.items() if isinstance(v, ttfonts.TTFNameBytes)}
    own = {k: v for k, v in vars(font).items() if k not in ("face", "encoding", "state")}
    text = repr([sorted(face.items()), sorted(names.items()), [font.face._pdfScale(x) for x in (1, 7, 1000, 2048)],
                 sorted(own.items()), type(font.face).__name__, type(font.encoding).__name__, font.encoding.name,
                 type(font.state).__name__, font.shapable, pdfmetrics.stringWidth("Київ 北京 x", font.fontName, 10)])
    return hashlib.sha256(text.encode()).hexdigest()

registered = [n for n in (*fonts.HOUSE_FACES, *fonts.FALLBACKS) if n in pdfmetrics.getRegisteredFontNames()]
print(json.dumps({"parsed": sorted(parsed), "fonts": {n: digest(pdfmetrics.getFont(n)) for n in registered}}))
"""


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """A fresh process with its own cache (``tmp_path/xdg``) and no installation's cache unless ``installed``."""

    def go(installed: str = "", **args: Any) -> dict[str, Any]:
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "MPLCONFIGDIR": str(tmp_path / "mpl"),
               cache.INSTALL_ENV: installed}
        done = subprocess.run([sys.executable, "-c", _PROCESS, json.dumps({"cache": True, **args})],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.splitlines()[-1])

    return go


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "xdg" / "briefing").glob("??/*"))


_ALL = sorted(path.name for path in fonts.font_files().values())


def test_a_second_process_parses_no_font_and_prints_the_same_pdf(
        run: Callable[..., dict[str, Any]], tmp_path: Path, facts_data: dict, write_facts: Callable[..., Path]) -> None:
    facts_data["key_points"][0]["text"] = "Talks in 北京 and 서울 continue; שלום and سلام were said."
    facts_data["events"][0]["label"] = "Talks in 北京"
    facts = str(write_facts(facts_data))
    first = run(facts=facts, pdf=str(tmp_path / "first.pdf"))
    assert set(first["parsed"]) >= {"DejaVuSans.ttf", "DroidSansFallback.ttf", "NotoSansArabic-Regular.ttf"}
    second = run(facts=facts, pdf=str(tmp_path / "second.pdf"))
    assert second["parsed"] == []  # house faces and fallbacks alike made from what the first process remembered
    assert second["fonts"] == first["fonts"]
    assert (tmp_path / "second.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()


def test_a_changed_font_file_is_parsed_again_even_with_its_size_and_time_kept(
        run: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    from reportlab.pdfbase.ttfonts import TTFontFile

    folder = tmp_path / "fonts"
    shutil.copytree(fonts.font_dir(), folder, copy_function=shutil.copy2)
    first = run(font_dir=str(folder))
    assert first["parsed"] == _ALL
    assert run(font_dir=str(folder))["parsed"] == []
    sans = folder / "DejaVuSans.ttf"
    ttf = TTFontFile(str(sans))
    glyph = ttf.charToGlyph[ord("x")]
    at = ttf.table["hmtx"]["offset"] + 4 * glyph  # the advance width of "x": the same size, another font
    blob = bytearray(sans.read_bytes())
    blob[at:at + 2] = (int.from_bytes(blob[at:at + 2], "big") + 300).to_bytes(2, "big")
    stat = sans.stat()
    sans.write_bytes(bytes(blob))
    os.utime(sans, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = run(font_dir=str(folder))
    assert changed["parsed"] == ["DejaVuSans.ttf"]
    assert changed["fonts"][fonts.SANS] != first["fonts"][fonts.SANS]  # its new width, not the remembered one
    assert {k: v for k, v in changed["fonts"].items() if k != fonts.SANS} == {k: v for k, v in first["fonts"].items() if k != fonts.SANS}
    assert run(font_dir=str(folder)) == {**changed, "parsed": []}


def test_a_corrupt_or_unreadable_entry_is_ignored_and_the_font_parsed(run: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    import hashlib
    import marshal

    first = run()
    entries = _entries(tmp_path)
    assert len(entries) == len(_ALL)
    flipped, garbage, misshapen, truncated = entries[:4]
    blob = bytearray(flipped.read_bytes())
    blob[-5] ^= 0xFF
    flipped.write_bytes(bytes(blob))
    sealed = {garbage: b"not marshal data", misshapen: marshal.dumps([1, 2])}  # sound checksums: only the loader stands in the way
    for path, payload in sealed.items():
        path.write_bytes(b"briefing-cache\n" + hashlib.sha256(payload).digest() + payload)
    truncated.write_bytes(truncated.read_bytes()[:40])
    again = run()
    assert len(again["parsed"]) == 4
    assert again["fonts"] == first["fonts"]
    assert run() == {**first, "parsed": []}  # each parsed font remembered again, soundly


def test_no_cache_parses_the_fonts_and_leaves_the_cache_alone(
        run: Callable[..., dict[str, Any]], tmp_path: Path, write_facts: Callable[..., Path], facts_data: dict) -> None:
    facts = str(write_facts(facts_data))
    run()
    remembered = {path: path.stat().st_mtime_ns for path in _entries(tmp_path)}
    assert len(remembered) == len(_ALL)
    uncached = run(facts=facts, pdf=str(tmp_path / "uncached.pdf"), cache=False)
    assert set(uncached["parsed"]) >= {"DejaVuSans.ttf", "DejaVuSerif.ttf"}  # parsed, though remembered
    assert {path: path.stat().st_mtime_ns for path in _entries(tmp_path)} == remembered  # neither read nor written


def test_fonts_prepared_at_install_are_read_without_parsing_and_the_cache_left_alone(
        run: Callable[..., dict[str, Any]], tmp_path: Path) -> None:
    installed = tmp_path / "installed"
    parsing = run()
    shutil.rmtree(tmp_path / "xdg")
    done = subprocess.run([sys.executable, "-m", "briefing.prepare"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, cache.INSTALL_ENV: str(installed), "MPLCONFIGDIR": str(tmp_path / "mpl")})
    assert done.returncode == 0, done.stderr
    ready = run(installed=str(installed))
    assert ready == {**parsing, "parsed": []}
    assert not (tmp_path / "xdg" / "briefing").exists()
