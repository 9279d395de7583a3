"""Pages of the example briefs, read back from the real PDF on A4 and Letter: no page but the last
more than a quarter empty, no quote alone at the top of a page, no section starting in the last
fifth of a page, a table's note with its table."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber
import pytest

from briefing import build_brief
from briefing.build import BuildOptions
from briefing import load_facts
from briefing.pdf import MARGIN_BOTTOM, MARGIN_TOP
from conftest import ROOT, squash

BRIEFS = sorted((ROOT / "briefs").glob("*.yaml"))


@pytest.fixture(scope="module", params=[(b, p) for b in BRIEFS for p in ("a4", "letter")], ids=lambda bp: f"{bp[0].stem}-{bp[1]}")
def brief(request: pytest.FixtureRequest) -> tuple[Any, list[Any]]:
    path, paper = request.param
    facts = load_facts(path)
    pdf = build_brief(facts, BuildOptions(paper=paper, cache=False))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = [(page.height, page.extract_words(extra_attrs=["fontname", "size"]), _drawn_bottom(page)) for page in doc.pages]
    return facts, pages


def _drawn_bottom(page: Any) -> float:
    """The lowest point of anything drawn in the text frame (words, lines, shapes of charts and maps)."""
    frame_bottom = page.height - MARGIN_BOTTOM
    marks = [o["bottom"] for o in (*page.chars, *page.lines, *page.rects, *page.curves)
             if MARGIN_TOP - 2 < o["top"] and o["bottom"] < frame_bottom + 2]
    return max(marks, default=MARGIN_TOP)


def test_no_page_but_the_last_is_more_than_a_quarter_empty(brief):
    _, pages = brief
    for number, (height, _, bottom) in enumerate(pages[:-1], start=1):
        frame = height - MARGIN_TOP - MARGIN_BOTTOM
        empty = (height - MARGIN_BOTTOM - bottom) / frame
        assert empty <= 0.25, f"page {number} is {empty:.0%} empty"


def test_no_quote_stands_alone_on_a_page(brief):
    facts, pages = brief
    if len(facts.quotes) < 2:
        pytest.skip("fewer than two quotes")
    per_page = []
    for _, words, _ in pages:
        text = squash(" ".join(w["text"] for w in words))
        per_page.append(sum(1 for q in facts.quotes if squash(f"\u201c{q.text}")[:40] in text))
    on = [n for n in per_page if n]
    assert sum(on) == len(facts.quotes)
    assert len(on) == 1 or min(on) >= 2, f"quotes per page: {per_page}"


def test_no_section_heading_in_the_last_fifth_of_a_page(brief):
    _, pages = brief
    for number, (height, words, _) in enumerate(pages, start=1):
        frame = height - MARGIN_TOP - MARGIN_BOTTOM
        for w in words:
            if "Sans-Bold" in w["fontname"] and round(w["size"]) == 13:  # section headings
                assert w["top"] < height - MARGIN_BOTTOM - frame / 5 + 14, f"{w['text']!r} starts low on page {number}"
