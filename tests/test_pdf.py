"""The example brief, read back from the real PDF: order, citations, page furniture, fonts, metadata."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
import pytest

from briefing import BuildOptions, build_brief, load_facts
from briefing.pdf import ChangesPart
from conftest import BAKHMUT, ROOT, invoke_cli, pdf_pages_text, pdf_text, run_cli, squash


@pytest.fixture(scope="module")
def facts():
    return load_facts(BAKHMUT)


@pytest.fixture(scope="module")
def pdf(facts) -> bytes:
    return build_brief(facts)


@pytest.fixture(scope="module")
def reader(pdf) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def _outline_titles(reader: pypdf.PdfReader) -> list[str]:
    out: list[str] = []

    def walk(items: Any) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(item.title)

    walk(reader.outline)
    return out


def test_sections_come_in_order_as_outline_and_text(pdf, reader):
    titles = _outline_titles(reader)
    # The map stands before the Situation text, or after it when page 1 has no room left for it;
    # the timeline follows the Situation text, or Stakes when it had to move to the next page.
    assert [t for t in titles if t not in ("Locator map", "Timeline")] == ["Battle for Bakhmut", "Bottom line up front", "Assessment", "Situation",
                                                        "Stakes", "Key figures", "Outlook", "Indicators", "Gaps", "In their words", "Sources"]
    assert titles.index("Assessment") < titles.index("Locator map") < titles.index("Stakes")
    assert titles.index("Situation") < titles.index("Timeline") < titles.index("Key figures")
    text = pdf_text(pdf)
    lines = [line.strip() for line in text.splitlines()]
    positions = [lines.index(t) for t in ("Bottom line up front", "Assessment", "Situation", "Stakes", "Outlook",
                                          "Indicators", "Gaps", "Sources")]
    assert positions == sorted(positions)


def test_every_statement_is_printed_with_its_citation(pdf, facts):
    text = squash(pdf_text(pdf))
    numbers = facts.source_index()
    for path, statement in facts.all_statements():
        marks = "".join(f"[{n}]" for n in sorted({numbers[s] for s in statement.sources}))
        if statement.desk:  # the desk's own: its mark, and the sources as its basis, not as citations
            basis = ", ".join(f"[{n}]" for n in sorted({numbers[s] for s in statement.sources}))
            assert "Desk " + squash(statement.text) + " basis: " + basis in text, path
        else:
            assert squash(statement.text) + " " + marks in text, path


def test_desk_judgements_carry_the_desk_mark_and_a_basis_not_a_citation(pdf, facts):
    text = squash(pdf_text(pdf))
    assert "D1 Likely (55–80%), low confidence. Over the next 3 months: Ukraine will lose control of Bakhmut" in text
    assert "D2 Likely (55–80%), low confidence. Over the next 3 months: The fall of Bakhmut" in text
    assert "basis: [1], [6], [7], [8], [5] · 5 independent originators" not in text  # numbers are sorted
    assert "basis: [1], [5], [6], [7], [8] · 5 independent originators" in text
    assert "basis: [1], [2] · 2 independent originators" in text
    # the desk's judgement never reads as CNN's: no citation mark right after its text
    assert "rather than hold the city. [1]" not in text and "a little calmer. [1]" not in text
    # the sourcing line is the tool's: counted, and citing nothing
    assert ("Sourcing, counted by the tool: 3 of the 5 points above rest on a single originator; "
            "the brief draws on 9 originators, 8 of them known only through CNN.") in text
    assert "rests on a single source. [1]" not in text


def test_every_bakhmut_assessment_has_a_horizon_alternatives_and_what_would_change_it(pdf, facts):
    text = squash(pdf_text(pdf))
    for a in facts.assessments:
        assert a.horizon and a.alternatives and a.would_change and a.assumptions
    assert text.count("Over the next 3 months:") == len(facts.assessments)
    assert text.count("Alternative, unlikely (20–45%):") == 2
    assert text.count("Would change the call:") == 2 and text.count("Assumes:") == 2
    assert "Bears on D1: raises its likelihood" in text and "Bears on D2: lowers its likelihood" in text


def test_every_citation_link_resolves_to_its_numbered_source(pdf, reader, facts):
    """Each [n] marker is a link whose target is the line of source n in the Sources section."""
    page_index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    checked = 0
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page, plumb in zip(reader.pages, doc.pages):
            h = float(page.mediabox.height)
            for annot in page.get("/Annots") or []:
                a = annot.get_object()
                if a.get("/Subtype") != "/Link" or "/Dest" not in a:
                    continue
                x0, y0, x1, y1 = (float(v) for v in a["/Rect"])
                marker = plumb.within_bbox((x0 - 0.5, h - y1 - 2, x1 + 0.5, h - y0 + 2)).extract_text().strip()
                assert re.fullmatch(r"\[\d+\]", marker), f"link over {marker!r}"
                target_page, _, _, top, _ = a["/Dest"]
                target = doc.pages[page_index[target_page.idnum]]
                entry = [w for w in target.extract_words() if w["text"] == marker and abs((target.height - w["top"]) - float(top)) < 16]
                assert entry, f"{marker} on page {plumb.page_number} does not land on source entry {marker}"
                checked += 1
    assert checked >= len(facts.all_statements()) + len(facts.quotes) + len(facts.figures)
    text = pdf_text(pdf)
    assert "[1] CNN, Rob Picheta. Published 1 March 2023. Grade B3 (usually reliable; possibly true)." in text
    assert "[10] GeoNames." in text


def test_sources_reported_through_a_carrier_name_it_and_keep_their_own_grade(pdf):
    text = squash(pdf_text(pdf))
    assert ("[2] Institute for the Study of War, 26 February 2023 (reported by CNN [1]). Update on the state of "
            "Russian forces and firepower. Grade B3 (usually reliable; possibly true).") in text
    assert text.count("(reported by CNN [1])") == 8
    assert "[7] Ukrainian soldier who asked not to be named, 28 February 2023 (reported by CNN [1]). Grade F3" in text


def test_page_x_of_y_and_handling_on_every_page(pdf, facts):
    pages = pdf_pages_text(pdf)
    assert len(pages) >= 3
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
        assert text.count(facts.handling) >= 2, f"handling marking top and bottom on page {n}"
        assert "Battle for Bakhmut" in text


def test_page_one_has_the_dtg_the_iso_time_and_the_key_points(pdf):
    first = squash(pdf_pages_text(pdf)[0])
    # as_of is a date alone: no hour is invented, in the dateline or in the footer
    assert "As of 1 March 2023 (2023-03-01) · Prepared by Eastern Europe desk" in first
    assert "Battle for Bakhmut — as of 1 March 2023" in first
    assert "Z MAR 23" not in first and "00:00" not in first
    assert "Prepared by Eastern Europe desk" in first
    assert "Bottom line up front" in first
    assert "About 4,500 civilians, 48 of them children, remain in the city" in first


def _fonts(obj: Any, seen: set[int]) -> list[Any]:
    fonts = []
    res = obj.get("/Resources")
    if res is None:
        return fonts
    res = res.get_object()
    for font in (res.get("/Font") or {}).values():
        fonts.append(font.get_object())
    for xobj in (res.get("/XObject") or {}).values():
        x = xobj.get_object()
        if id(x) not in seen and x.get("/Subtype") == "/Form":
            seen.add(id(x))
            fonts += _fonts(x, seen)
    return fonts


def test_all_fonts_are_embedded(reader):
    names = set()
    for page in reader.pages:
        for font in _fonts(page, set()):
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            assert descriptor is not None, f"{font.get('/BaseFont')} has no descriptor (a non-embedded base font)"
            d = descriptor.get_object()
            assert any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.get("/BaseFont")
            names.add(str(font["/BaseFont"]).split("+")[-1])
    assert {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSerif"} <= names


def test_cyrillic_and_latin_extended_render_as_text(facts_data, write_facts):
    facts_data["title"] = "Бахмут — Türkçe ı ş ğ, Łódź"
    facts_data["sections"]["situation"][0]["text"] = "Місто Бахмут (Артемівськ); İstanbul, Ağrı, Şırnak."
    pdf = build_brief(load_facts(write_facts(facts_data)))
    text = pdf_text(pdf)
    assert "Бахмут — Türkçe ı ş ğ, Łódź" in text
    assert "Місто Бахмут (Артемівськ); İstanbul, Ağrı, Şırnak." in squash(text)


def test_metadata_comes_from_the_facts(reader):
    meta = reader.metadata
    assert meta.title == "Battle for Bakhmut"
    assert meta.author == "Eastern Europe desk"
    assert meta.subject == "Situation brief: Bakhmut, as of 1 March 2023"
    assert "bakhmut" in meta["/Keywords"] and "UA" in meta["/Keywords"]
    assert meta.creation_date == dt.datetime(2023, 3, 1, 0, 0, tzinfo=dt.timezone.utc)
    assert meta.modification_date == meta.creation_date


def test_same_inputs_give_byte_identical_pdfs_across_processes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out, seed in ((a, "1"), (b, "2")):
        result = run_cli(str(BAKHMUT), "--out", str(out), env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
        assert result.returncode == 0, result.stderr
    digest = [hashlib.sha256((d / "bakhmut.pdf").read_bytes()).hexdigest() for d in (a, b)]
    assert digest[0] == digest[1]


def test_charts_are_vector_with_real_text(pdf):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert all(not page.images for page in doc.pages), "charts must not be raster images"
    text = squash(pdf_text(pdf))
    assert "Russian forces take the nearby town of Soledar about 11–20 January 2023" in text  # a timeline label
    assert "Timeline of events." in text


def test_the_timeline_has_a_heading_and_keeps_statements_off_the_event_line(pdf, reader):
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Timeline" in titles
    text = squash(pdf_text(pdf))
    chart = text[text.index("Timeline 15 Jan 2023"):text.index("Timeline of events.")]
    assert "Syrskyi visits units defending Bakhmut" in chart  # an event, on the line
    assert "ISW writes" not in chart and "Zelensky calls" not in chart  # statements, not on the line
    assert "a bar a range of days" in text  # "mid-January" is drawn as the days it means, not the month
    listed = text[text.index("Statements on record"):]
    assert listed.startswith("Statements on record, by the date they were made: • 26 February 2023. ISW writes "
                             "that limitless Russian manpower is a myth [2] • 28 February 2023.")
    assert "Key figures (people)." not in text  # two figures, 4,500 civilians and 48 children: a table, not a chart
    assert "about 4,500" in text and "Civilians still in Bakhmut" in text


def test_key_figures_table(pdf):
    text = squash(pdf_text(pdf))
    # "people" adds nothing to a count of civilians or of children (the label says what is counted);
    # "miles" does
    assert "Civilians still in Bakhmut about 4,500 1 March 2023 [3]" in text
    assert "Children among them 48 1 March 2023 [3]" in text
    assert "48 people" not in text
    assert "Distance from Bakhmut to Luhansk region about 13 miles — [1]" in text


def test_quotes_are_verbatim_with_speaker_and_date(pdf):
    text = squash(pdf_text(pdf))
    assert "“We are standing in Bakhmut. No one is going to retreat yet.”" in text
    assert "— Soldier of Ukraine's 93rd Brigade, in a video posted by the Ukrainian military, 1 March 2023 [6]" in text


def test_letter_paper(facts):
    reader = pypdf.PdfReader(io.BytesIO(build_brief(facts, BuildOptions(paper="letter"))))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_example_brief_is_small(pdf):
    assert len(pdf) <= 500 * 1024


INJECTION = '<b>bold</b> & {{ 7*7 }} {% if true %}x{% endif %} <font size="40">big</font> &amp; <a href="#x">'


def test_markup_and_template_code_in_facts_print_literally(facts_data, write_facts):
    facts_data["title"] = "T <i>x</i> {{ 7*7 }}"
    facts_data["handling"] = "H & <b>C</b>"
    facts_data["key_points"][0]["text"] = INJECTION
    facts_data["sections"]["stakes"][0]["text"] = INJECTION
    facts_data["quotes"][0]["speaker"] = "{{ config }} <br/>"
    facts_data["sources"][0]["publisher"] = "CNN <u>&</u>"
    facts_data["sources"][0]["url"] = 'https://example.org/?a=1&b="2"<x>'
    facts_data["figures"][0]["label"] = "<b>Civilians</b> {{ 1+1 }}"
    facts_data["events"][0]["label"] = "$x^2$ <b>Soledar</b> {{ 7*7 }}"
    pdf = build_brief(load_facts(write_facts(facts_data)))
    text = squash(pdf_text(pdf))
    assert text.count(squash(INJECTION)) == 2
    assert "T <i>x</i> {{ 7*7 }}" in text
    assert "H & <b>C</b>" in text
    assert "— {{ config }} <br/>" in text
    assert "CNN <u>&</u>" in text
    assert 'https://example.org/?a=1&b="2"<x>' in text
    assert "<b>Civilians</b> {{ 1+1 }}" in text
    assert "$x^2$ <b>Soledar</b> {{ 7*7 }}" in text
    assert "49" not in text


def test_two_hundred_statements_paginate_cleanly(facts_data, write_facts):
    for i, name in enumerate(("situation", "stakes", "outlook")):
        facts_data["sections"][name] = [
            {"text": f"Statement {name} {n}: " + "words of a realistic length " * (1 + n % 5), "sources": ["cnn"]}
            for n in range(67 if i < 2 else 66)
        ]
    pdf = build_brief(load_facts(write_facts(facts_data)))
    pages = pdf_pages_text(pdf)
    text = squash("\n".join(pages))
    for name in ("situation", "stakes", "outlook"):
        for n in range(66):
            assert f"Statement {name} {n}: words" in text
    assert 8 <= len(pages) <= 30
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
    _assert_no_stranded_headings(pdf)


def _assert_no_stranded_headings(pdf: bytes) -> None:
    """A section heading always has body text after it on the same page."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            words = page.extract_words(extra_attrs=["fontname", "size"])
            footer_top = page.height - 20 * 72 / 25.4
            for w in words:
                if "Sans-Bold" in w["fontname"] and round(w["size"]) == 13:
                    below = [b for b in words if w["bottom"] + 1 < b["top"] < footer_top]
                    assert below, f"heading {w['text']!r} stranded at the bottom of page {page.page_number}"


def test_example_headings_are_not_stranded(pdf):
    _assert_no_stranded_headings(pdf)


def test_cli_builds_every_brief_in_briefs_folder(tmp_path):
    result = invoke_cli("--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (ROOT / "briefs").glob("*.yaml"))
    pdfs = [tmp_path / f"{Path(n).stem}.pdf" for n in names]
    assert "la-riots.yaml" in names and sorted(result.stdout.split()) == sorted(str(p) for p in pdfs)
    assert all(re.match(rb"%PDF-1\.\d", p.read_bytes()[:8]) for p in pdfs)


def test_an_unwritable_output_folder_is_one_line_not_a_traceback():
    result = invoke_cli(str(BAKHMUT), "--out", "/proc/briefing-cannot-write-here")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"{BAKHMUT}: cannot write the brief: No such file or directory (/proc/briefing-cannot-write-here)"
    )
    assert "Traceback" not in result.stderr


def test_a_heading_moves_with_the_map_or_chart_it_introduces(facts):
    """A changes section pushes the locator map to page 2: its heading and outline entry go with it."""
    changes = ChangesPart("edition 1", tuple(f"Change number {n} to the facts" for n in range(3)))
    pdf = build_brief(facts, BuildOptions(changes=changes, edition="2"))
    _assert_no_stranded_headings(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages = {o.title: reader.get_destination_page_number(o) for o in reader.outline if not isinstance(o, list)}
    map_page = next(i for i, t in enumerate(pdf_pages_text(pdf)) if "Map data" in t)  # the credit line under the drawing
    assert pages["Locator map"] == map_page
    assert "Locator map" in pdf_pages_text(pdf)[map_page]


def test_a_url_without_a_scheme_prints_as_text_not_a_broken_link(facts_data, write_facts):
    """Found by fuzzing: an href without a scheme names a destination inside the PDF, and reportlab
    failed on the undefined destination instead of printing the source."""
    facts_data["sources"][-1]["url"] = "<a href='#x'> not a link"
    pdf = build_brief(load_facts(write_facts(facts_data)))
    assert "[10] GeoNames. GeoNames gazetteer" in pdf_text(pdf)
    assert "<a href='#x'> not a link" in squash(pdf_text(pdf))
