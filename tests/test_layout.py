"""Layout that holds for any data: read back from the real PDF where each character was drawn."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any, Iterator

import pdfplumber
import pytest

from briefing import build_brief
from briefing.validate import parse_facts
from briefing.pdf import MARGIN_X
from conftest import BAKHMUT, pdf_text, squash


def build(data: dict[str, Any]) -> bytes:
    return build_brief(parse_facts(data, BAKHMUT, BAKHMUT.parent))


def pages(pdf: bytes) -> Iterator[Any]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        yield from doc.pages


def overlapping_words(page: Any, slack: float = 0.6) -> list[tuple[str, str]]:
    """Pairs of words on a page whose boxes overlap (beyond ``slack`` points each way)."""
    words = page.extract_words(use_text_flow=True, keep_blank_chars=False)
    clashes = []
    for a, b in itertools.combinations(words, 2):
        if (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
                and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > slack):
            clashes.append((a["text"], b["text"]))
    return clashes


def assert_readable(pdf: bytes) -> None:
    """No two words drawn over each other, and no character outside the text frame left or right."""
    for number, page in enumerate(pages(pdf), start=1):
        assert overlapping_words(page) == [], f"page {number}"
        outside = [c["text"] for c in page.chars if c["x0"] < MARGIN_X - 0.5 or c["x1"] > page.width - MARGIN_X + 0.5]
        assert outside == [], f"page {number}"


def events(days: list[dt.date], month_only: bool = False) -> list[dict[str, Any]]:
    return [{"date": d.strftime("%Y-%m") if month_only else d.isoformat(), "label": f"Event {i:02d} on a day that matters",
             "source": "cnn"} for i, d in enumerate(days)]


# --------------------------------------------------------------------------------------------------
# Timelines
# --------------------------------------------------------------------------------------------------


def test_a_timeline_of_one_event_is_drawn_with_its_label(facts_data):
    facts_data["events"] = events([dt.date(2023, 2, 14)])
    pdf = build(facts_data)
    text = squash(pdf_text(pdf))
    assert "Event 00 on a day that matters" in text
    assert "Timeline of events. Dated events, 14 February 2023 to 14 February 2023." in text
    assert_readable(pdf)


def test_a_timeline_of_almost_three_years_gets_ticks_without_a_warning(facts_data, recwarn):
    """33 months on the axis: more than six ticks of six months can cover (matplotlib warned and
    defaulted); a yearly step is used instead."""
    facts_data["events"] = events([dt.date(2020, 1, 10), dt.date(2022, 7, 5)])
    text = squash(pdf_text(build(facts_data)))
    assert "Jan 2020 Jul 2020 Jan 2021 Jul 2021 Jan 2022" in text
    assert [str(w.message) for w in recwarn] == []


def test_events_on_the_same_day_each_get_a_label_clear_of_the_others(facts_data):
    facts_data["events"] = events([dt.date(2023, 2, 14)] * 6)
    pdf = build(facts_data)
    text = squash(pdf_text(pdf))
    for i in range(6):
        assert f"Event {i:02d} on a day that matters" in text
    assert_readable(pdf)


def test_sixty_events_over_three_years_are_split_into_balanced_readable_charts(facts_data):
    start = dt.date(2021, 1, 1)
    facts_data["events"] = events([start + dt.timedelta(days=18 * i) for i in range(60)])
    pdf = build(facts_data)
    text = squash(pdf_text(pdf))
    for i in range(60):
        assert f"Event {i:02d} on a day that matters" in text
    assert [f"Timeline of events (part {n} of 5)." in text for n in range(1, 6)] == [True] * 5
    assert "part 6" not in text
    assert_readable(pdf)


def test_long_event_labels_are_wrapped_and_split_over_charts_that_fit_a_page(facts_data):
    label = "A very long event label that goes on and on " * 6
    facts_data["events"] = [{"date": f"2023-01-{d:02d}", "label": f"{d} {label}"[:300], "source": "cnn"} for d in range(1, 21)]
    pdf = build(facts_data)  # a chart taller than a page would raise LayoutError
    assert "Timeline of events (part 1 of" in squash(pdf_text(pdf))
    assert_readable(pdf)


# --------------------------------------------------------------------------------------------------
# Bar charts
# --------------------------------------------------------------------------------------------------


def figures(values: list[float], unit: str | None = "people") -> list[dict[str, Any]]:
    return [{"id": f"f{i}", "label": f"Figure number {i}", "value": v, "unit": unit, "source": "cnn"} for i, v in enumerate(values)]


def test_positive_values_nine_orders_apart_use_a_log_axis_said_in_the_caption(facts_data):
    facts_data["figures"] = figures([3, 4_500, 2_000_000, 7_500_000_000])
    pdf = build(facts_data)
    text = squash(pdf_text(pdf))
    assert "the axis is logarithmic: equal steps are tenfold increases." in text
    for value in ("3", "4,500", "2,000,000", "7,500,000,000"):
        assert value in text
    assert_readable(pdf)


def test_negative_and_zero_values_far_apart_are_split_into_panels_said_in_the_caption(facts_data):
    facts_data["figures"] = figures([-2_000_000, 0, 12.5, 700_000_000_000, -5])
    pdf = build(facts_data)
    text = squash(pdf_text(pdf))
    assert "so the figures are drawn in 3 panels by size, each with its own linear scale" in text
    assert "Key figures (people), panel 1 of 3." in text and "Key figures (people), panel 3 of 3." in text
    assert "-2,000,000" in text and "700,000,000,000" in text
    assert_readable(pdf)


def test_negative_values_on_one_scale_keep_their_labels_clear_of_the_names(facts_data):
    facts_data["figures"] = figures([-4_500, 1_200, -300, 0, 9_999])
    pdf = build(facts_data)
    text = squash(pdf_text(pdf))
    assert "panel" not in text and "logarithmic" not in text
    for value in ("-4,500", "1,200", "-300", "9,999"):
        assert value in text
    assert_readable(pdf)


# --------------------------------------------------------------------------------------------------
# Tables and lists that break across pages
# --------------------------------------------------------------------------------------------------


def test_a_long_key_figures_table_repeats_its_header_on_every_page(facts_data):
    facts_data["figures"] = [{"id": f"f{i}", "label": f"Figure row {i:03d}", "value": i, "unit": f"unit{i}", "source": "cnn"}
                             for i in range(150)]
    pdf = build(facts_data)
    table_pages = 0
    for page in pages(pdf):
        text = page.extract_text()
        rows = [line for line in text.splitlines() if line.startswith("Figure row")]
        if rows:
            table_pages += 1
            lines = text.splitlines()
            assert "Figure Value As of Source" in lines[: lines.index(rows[0])]
    assert table_pages >= 3
    text = squash(pdf_text(pdf))
    assert all(f"Figure row {i:03d}" in text for i in range(150))


def test_a_long_sources_list_breaks_across_pages_with_every_entry(facts_data):
    facts_data["sources"] += [{"id": f"s{i}", "publisher": f"Publisher {i:03d}",
                               "url": f"https://example.org/{'very-long-path-segment/' * 12}{i}"} for i in range(120)]
    pdf = build(facts_data)
    text = squash(pdf_text(pdf))
    for i in range(120):
        assert f"Publisher {i:03d}" in text
    assert_readable(pdf)


# --------------------------------------------------------------------------------------------------
# Long words, long titles, absent parts
# --------------------------------------------------------------------------------------------------


def test_long_words_and_urls_wrap_inside_the_frame(facts_data):
    url = "https://example.org/" + "a" * 400
    word = "Supercalifragilisticexpialidocious" * 10
    facts_data["sections"]["situation"][0]["text"] = f"{url} and {word}"
    facts_data["key_points"][0]["text"] = word
    facts_data["figures"][0]["label"] = word[:300]
    facts_data["sources"][0]["url"] = url
    facts_data["sources"][0]["title"] = word
    facts_data["quotes"][0]["text"] = word
    facts_data["handling"] = "W" * 120
    pdf = build(facts_data)
    text = "".join(pdf_text(pdf).split())
    assert url in text and word in text
    assert_readable(pdf)


@pytest.mark.parametrize("title", [
    "The situation in and around the city, its approaches and the roads west of it, as reported by several sources " * 2,
    "W" * 300,
])
def test_a_long_title_fits_the_cover(facts_data, title):
    facts_data["title"] = title[:300].strip()
    pdf = build(facts_data)
    first = next(pages(pdf))
    cover = "".join(first.extract_text().split())
    assert "".join(facts_data["title"].split()) in cover
    assert "Bottomlineupfront" in cover
    assert_readable(pdf)


def test_a_brief_without_quotes_events_or_figures_leaves_those_parts_out(facts_data):
    for key in ("quotes", "events", "figures"):
        facts_data.pop(key, None)
    pdf = build(facts_data)
    lines = [line.strip() for line in pdf_text(pdf).splitlines()]
    for heading in ("In their words", "Key figures", "Timeline of events"):
        assert not any(line.startswith(heading) for line in lines), heading
    for heading in ("Bottom line up front", "Situation", "Stakes", "Outlook", "Sources"):
        assert heading in lines


def test_a_brief_of_a_thousand_statements_builds_with_every_statement(facts_data):
    """Bounded work for a big brief: 1,000 statements (about 60 pages) build in seconds, not minutes."""
    text = ("Regional officials report that the road west of the city remains open to civilian traffic "
            "during daylight hours, although shelling has damaged several bridges; statement {}.")
    statements = [{"text": text.format(i), "sources": ["cnn"]} for i in range(1000)]
    facts_data["sections"] = {"situation": statements[:400], "stakes": statements[400:700], "outlook": statements[700:]}
    pdf = build(facts_data)
    flat = squash(pdf_text(pdf))
    assert all(f"statement {i}. [1]" in flat for i in range(1000))


def test_a_day_of_many_long_labels_is_split_into_timelines_that_fit_a_page(facts_data):
    """Found by fuzzing: twelve long labels on one day stacked into a chart taller than the page."""
    label = "A very long event label that goes on and on " * 7
    facts_data["events"] = [{"date": "2023-02-14", "label": f"{i} {label}"[:300], "source": "cnn"} for i in range(12)]
    pdf = build(facts_data)  # a chart taller than a page would raise LayoutError
    text = squash(pdf_text(pdf))
    assert "Timeline of events (part 1 of" in text
    assert all(f"{i} A very long event label" in text for i in range(12))
    assert_readable(pdf)


#: Cells taller than a page (the fault probe's files): each of these ended in LayoutError, no PDF.
_HAN = ("中国人民解放军" * 300)[:2000]
_LONG_WORD = "Q" * 2000


@pytest.mark.parametrize("where,text", [
    ("place note", _HAN), ("place note", _LONG_WORD), ("indicator", _HAN), ("quote", _HAN)])
def test_a_table_cell_taller_than_a_page_breaks_across_pages_with_all_its_text(facts_data, where, text):
    if where == "place note":
        facts_data["places"][0]["note"] = text
    elif where == "indicator":
        facts_data["indicators"][0]["text"] = facts_data["indicators"][0]["meaning"] = text
    else:
        facts_data["quotes"][0]["text"] = text
    pdf = build(facts_data)
    # every character of the cell is printed (its pages' headers and footers come between its parts)
    assert pdf_text(pdf).count(text[1]) == text.count(text[1]) * (2 if where == "indicator" else 1)
    assert_readable(pdf)


@pytest.mark.parametrize("first", [True, False], ids=["peak first", "peak last"])
def test_a_peak_at_either_end_of_a_time_chart_keeps_its_label_clear_of_the_tick_labels(facts_data, first):
    """The new user's flights chart: centred over a peak on the first day, "28,000" ran out over the
    y axis onto its tick label "30k"; at the last day it runs out past the axes on the right."""
    values = [28000, 27500, 24000, 11000, 5000, 5200, 9500, 14000, 21000, 26000]
    facts_data["spec"] = 2
    facts_data["series"] = [{"id": "flights", "label": "Flights in European airspace", "unit": "flights", "points": [
        {"date": f"2023-02-{10 + i:02d}", "value": v, "source": "cnn"} for i, v in enumerate(values if first else values[::-1])]}]
    pdf = build(facts_data)
    for page in pages(pdf):
        words = page.extract_words()
        if any(w["text"] == "30k" for w in words):
            break
    [tick] = [w for w in words if w["text"] == "30k"]
    [peak] = [w for w in words if w["text"] == "28,000" and abs(w["top"] - tick["top"]) < 20]  # not the caption's
    right_ends = [w["x1"] for w in words if w["text"] == "2023-Feb"]  # the date axis' offset, at its right end
    y_axis = min(e["x0"] for e in page.lines + page.curves
                 if abs(e["x1"] - e["x0"]) < 0.5 and e["bottom"] - e["top"] > 50 and e["x0"] > tick["x1"])
    assert peak["x0"] >= y_axis  # right of the y axis, clear of its tick labels
    assert peak["x1"] <= max(right_ends) + 1  # and not past the axes' right end
    assert_readable(pdf)
