"""Characters the house fonts lack: set in a bundled fallback font, or named in a warning; never a silent box."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
import unicodedata
from typing import Any

import pdfplumber

from briefing import build_brief, load_facts
from briefing.charts import timeline_charts
from briefing.glyphs import DOTTED_CIRCLE, drawable, glyph_warnings, visual, with_fallback
from conftest import BAKHMUT, invoke_cli, pdf_text, squash


def chars_in(pdf: bytes, font: str) -> list[dict[str, Any]]:
    """Every character drawn in ``font`` (matched on the embedded font's name), in page order."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [c for page in doc.pages for c in page.chars if font in c["fontname"]]


def left_to_right(chars: list[dict[str, Any]]) -> str:
    """One line's characters as they appear on paper, read from left to right."""
    top = chars[0]["top"]
    return "".join(c["text"] for c in sorted((c for c in chars if abs(c["top"] - top) < 1), key=lambda c: c["x0"]))


def test_cjk_text_is_set_in_the_fallback_font_and_extracts_as_written(facts_data, write_facts):
    facts_data["key_points"][0]["text"] = "Talks in 北京 and 서울 (東京 too) continue."
    facts_data["title"] = "Battle for Bakhmut 巴赫穆特"
    pdf = build_brief(write_facts(facts_data))
    text = squash(pdf_text(pdf))
    assert "Talks in 北京 and 서울 (東京 too) continue. [1]" in text
    assert "Battle for Bakhmut 巴赫穆特" in text
    assert {c["text"] for c in chars_in(pdf, "DroidSansFallback")} >= set("北京서울東巴赫穆特")


def test_hebrew_is_drawn_right_to_left_not_reversed(facts_data, write_facts):
    facts_data["key_points"][0]["text"] = "שלום עולם"
    pdf = build_brief(write_facts(facts_data))
    hebrew = [c for c in chars_in(pdf, "NotoSansHebrew") if c["text"].strip()]
    # Read left to right on paper, the last word comes first and each word's first letter is rightmost.
    assert left_to_right(hebrew) == "םלועםולש"


def test_arabic_letters_are_joined_and_right_to_left(facts_data, write_facts):
    facts_data["sections"]["stakes"][0]["text"] = "سلام"
    pdf = build_brief(write_facts(facts_data))
    arabic = [c for c in chars_in(pdf, "NotoSansArabic") if c["text"].strip()]
    # Left to right on paper: meem (alone: alef does not join forward), lam-alef (the ligature, joined
    # to the seen), seen (initial).
    assert left_to_right(arabic) == "\ufee1\ufefc\ufeb3"
    assert visual("لا") == "\ufefb"  # lam-alef, the one ligature Arabic requires


def test_the_page_furniture_uses_the_fallback_font_too(facts_data, write_facts):
    facts_data["handling"] = "UNCLASSIFIED 非机密"
    pdf = build_brief(write_facts(facts_data))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        top = [c for c in page.chars if c["top"] < 40]
    assert "".join(c["text"] for c in top if "DroidSansFallback" in c["fontname"]) == "非机密"


def test_characters_no_font_has_are_named_in_one_warning_line_per_field(facts_data, write_facts):
    facts_data["sections"]["situation"][3]["text"] += " 🎉🎊"
    facts_data["quotes"][0]["text"] += " 🎉"
    path = write_facts(facts_data)
    result = invoke_cli(str(path), "--check")
    assert result.returncode == 0
    assert f'{path}: sections.situation[3].text: 2 characters (e.g. "🎉") have no glyph in the bundled fonts and print as boxes' in result.stderr.splitlines()
    assert f'{path}: quotes[0].text: 1 character ("🎉") has no glyph in the bundled fonts and prints as a box' in result.stderr.splitlines()


def test_text_the_fallback_fonts_cover_raises_no_warning(facts_data, write_facts):
    facts_data["key_points"][0]["text"] = "北京 서울 שלום سلام Київ Ελλάδα 😀"
    assert glyph_warnings(load_facts(write_facts(facts_data)), "f.yaml") == []


def test_fallback_markup_leaves_tags_and_escapes_alone():
    assert with_fallback('<b>a &amp; 漢字</b> <a href="#x">x</a>') == '<b>a &amp; <font name="BriefCJK">漢字</font></b> <a href="#x">x</a>'
    assert with_fallback("plain &lt;ascii&gt;") == "plain &lt;ascii&gt;"


def test_a_chart_label_needing_a_fallback_font_is_searchable_text_in_it(facts_data, write_facts):
    from reportlab.graphics import renderPDF

    facts_data["events"][0]["label"] = "Talks in 北京"
    (chart,) = timeline_charts(load_facts(write_facts(facts_data)))
    with pdfplumber.open(io.BytesIO(renderPDF.drawToString(chart.drawing))) as doc:
        page = doc.pages[0]
        assert "Talks in 北京" in page.extract_text()
        fonts = {c["text"]: c["fontname"] for c in page.chars}
    assert "DroidSansFallback" in fonts["北"] and "DejaVuSans" in fonts["T"]  # each run in the font that has it


def test_a_mark_no_font_has_with_its_base_sits_on_a_dotted_circle_and_matplotlib_stays_quiet(
        facts_data, write_facts, recwarn) -> None:
    """An Arabic mark after a Latin letter: no font has both, and matplotlib (which shapes a letter
    and its marks in one font) warned that the letter was missing from every font."""
    assert drawable("D\u08fdZ") == f"D{DOTTED_CIRCLE}\u08fdZ"
    assert drawable("\u05e9\u05b8\u05c1") == "\u05e9\u05b8\u05c1"  # Hebrew points: the Hebrew font has both
    assert drawable("e\u0301") == "e\u0301"
    facts_data["places"][0]["name"] = "Camp D\u08fdZ"
    facts_data["events"][0]["label"] = "Talks at D\u08fdZ"
    text = squash(pdf_text(build_brief(load_facts(write_facts(facts_data)))))
    assert "Talks at D" in text and "\u08fd" in text
    assert [str(w.message) for w in recwarn if "Glyph" in str(w.message)] == []


def test_the_coverage_table_is_what_the_fonts_draw() -> None:
    """assets/fonts/coverage.json stands in for parsing the fonts: it must match them, file for file and
    character for character (after a font or matplotlib upgrade: python tools/build_font_coverage.py)."""
    from briefing.fonts import COVERAGE_FILE, measure_coverage

    assert json.loads(COVERAGE_FILE.read_text(encoding="utf-8")) == measure_coverage()


def test_a_table_that_does_not_fit_the_fonts_is_measured_not_trusted(tmp_path, monkeypatch) -> None:
    from briefing import fonts, glyphs

    table = fonts.measure_coverage()
    stale = {**table, "fonts": {**table["fonts"], fonts.SERIF: {**table["fonts"][fonts.SERIF], "size": 1}},
             "sets": {name: [[0x41, 0x41]] for name in table["sets"]}}  # only "A" in every font
    (tmp_path / "coverage.json").write_text(json.dumps(stale), encoding="utf-8")
    monkeypatch.setattr(glyphs, "COVERAGE_FILE", tmp_path / "coverage.json")
    glyphs._coverage.cache_clear()
    glyphs.fallback_font.cache_clear()
    try:
        assert glyphs.fallback_font("B") is None  # the fonts say so, not the stale table
        assert glyphs.fallback_font("京") == fonts.CJK
    finally:
        glyphs._coverage.cache_clear()
        glyphs.fallback_font.cache_clear()


def _fonts_parsed(facts_path: str) -> list[str]:
    """Build a brief in a fresh interpreter (no drawing cache) and list the fonts reportlab parsed."""
    probe = ("import sys\nfrom briefing import BuildOptions, build_brief\nfrom reportlab.pdfbase import pdfmetrics\n"
             "build_brief(sys.argv[1], BuildOptions(cache=False))\nprint(sorted(pdfmetrics.getRegisteredFontNames()))")
    done = subprocess.run([sys.executable, "-c", probe, facts_path], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [name for name in ast.literal_eval(done.stdout.strip().splitlines()[-1]) if name.startswith("Brief")]


def test_a_fallback_font_is_parsed_only_when_some_text_needs_it(facts_data, write_facts) -> None:
    house = ["BriefSans", "BriefSans-Bold", "BriefSans-Oblique", "BriefSerif", "BriefSerif-Bold",
             "BriefSerif-BoldItalic", "BriefSerif-Italic"]
    assert _fonts_parsed(str(BAKHMUT)) == house
    facts_data["key_points"][0]["text"] = "שלום עולם"
    assert _fonts_parsed(str(write_facts(facts_data))) == ["BriefHebrew", *house]


def test_hangul_on_the_map_and_the_charts_builds_without_a_glyph_warning(facts_data, write_facts, recwarn) -> None:
    """The new user's Korean place names: matplotlib warned "Glyph ... (HANGUL SYLLABLE ...) missing from
    font(s) Droid Sans Fallback" for labels that print fine, in builds and test runs (issue 22 user 3)."""
    facts_data["places"][0]["name"] = "솔레다르"
    facts_data["places"][1]["name"] = "슬로뱐스크"
    facts_data["events"][0]["label"] = "한국어 사건, 日本語の出来事"
    facts = load_facts(write_facts(facts_data))
    assert glyph_warnings(facts, "f.yaml") == []
    text = pdf_text(build_brief(facts))
    assert "솔레다르" in text and "한국어 사건" in text
    assert [str(w.message) for w in recwarn if "Glyph" in str(w.message) or "missing from font" in str(w.message)] == []


def test_korean_saved_decomposed_prints_as_the_syllables_it_spells(facts_data, write_facts) -> None:
    """Hangul in NFD (conjoining jamo, as some editors and macOS file names save it): no bundled font
    draws the jamo, so "슬로뱐스크" printed as boxes with a warning; text is read composed (NFC)."""
    facts_data["places"][1]["name"] = unicodedata.normalize("NFD", "슬로뱐스크")
    facts_data["key_points"][0]["text"] = unicodedata.normalize("NFD", "바흐무트 전투가 계속된다.")
    facts = load_facts(write_facts(facts_data))
    assert glyph_warnings(facts, "f.yaml") == []
    assert facts.places[1].name == "슬로뱐스크"
    text = pdf_text(build_brief(facts))
    assert "슬로뱐스크" in text and "바흐무트 전투가 계속된다." in text
