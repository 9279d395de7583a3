"""The readers of saved sources (briefing/gather/readers.py) on real pages, a real printed PDF and feeds.

The material is under tests/sources/ (origin in tests/sources/ORIGIN.md); nothing here is fetched.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from briefing.errors import SourceError
from briefing.gather import READERS, Document, read_document, sniff_kind

SOURCES = Path(__file__).parent / "sources"


def _read(name: str, as_name: str | None = None) -> Document:
    return read_document((SOURCES / name).read_bytes(), as_name or name)


def test_registry_has_one_reader_per_format() -> None:
    assert list(READERS) == ["pdf", "feed", "html", "text"]


def test_web_page_main_text_and_metadata() -> None:
    doc = _read("bbc-mass-burials.html")
    assert doc.kind == "html"
    assert doc.title == "New York ramps up mass burials amid virus outbreak"
    assert doc.publisher == "BBC News"
    assert doc.url == "https://www.bbc.com/news/world-us-canada-52241221"
    assert doc.published == dt.date(2020, 4, 10)
    assert "Normally, about 25 bodies a week are interred on the island" in doc.text
    assert "Share this with Facebook" not in doc.text  # navigation is not the story


def test_web_page_author() -> None:
    doc = _read("nytimes-blackouts.html")
    assert (doc.author, doc.publisher, doc.published) == ("Ivan Penn", "The New York Times", dt.date(2020, 8, 16))


def test_type_is_sniffed_from_the_bytes_not_the_name() -> None:
    data = (SOURCES / "bbc-mass-burials.html").read_bytes()
    assert sniff_kind(data, "saved.txt") == "html"
    assert read_document((SOURCES / "bbc-mass-burials.pdf").read_bytes(), "report.html").kind == "pdf"


def test_printed_pdf_title_from_info_date_from_text_not_the_print_date() -> None:
    doc = _read("bbc-mass-burials.pdf")
    assert doc.kind == "pdf"
    assert doc.title == "Coronavirus: New York ramps up mass burials amid outbreak - BBC News"
    assert doc.publisher == "BBC News"
    # The file was printed on 7 December 2026 (its CreationDate and the header's "12/7/26"); the story
    # is dated "10 April 2020" under its headline.
    assert doc.published == dt.date(2020, 4, 10)
    # Lines the browser wrapped are one paragraph again; the header and footer of every page are gone.
    assert "Images have emerged of coffins being buried in a mass grave in New York City, as the death toll from the coronavirus continues to rise." in doc.paragraphs
    assert "file:///" not in doc.text and "12/7/26" not in doc.text


def test_plain_text_and_markdown() -> None:
    doc = read_document("# Floods in the north\n\nPublished 3 May 2024\n\nRivers rose.\n".encode(), "notes.md")
    assert (doc.kind, doc.title, doc.published) == ("text", "Floods in the north", dt.date(2024, 5, 3))
    latin1 = read_document("Caf\xe9 r\xe9ouvert \xe0 Qu\xe9bec le 2 mai 2024.".encode("latin-1"), "a.txt")
    assert "Québec" in latin1.text


RSS = b"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"><channel><title>Example Wire</title><link>https://wire.example/</link>
<item><title>Bridge reopens</title><link>https://wire.example/1</link>
<description>&lt;p&gt;The bridge reopened on Monday after &lt;b&gt;three&lt;/b&gt; weeks.&lt;/p&gt;</description>
<pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate></item>
<item><title>Second item</title><link>https://wire.example/2</link><description>More.</description></item>
</channel></rss>"""


def test_feed_items_are_documents() -> None:
    doc = read_document(RSS, "wire.xml")
    assert doc.kind == "feed" and doc.publisher == "Example Wire"
    first, second = doc.items
    assert (first.kind, first.title, first.url, first.published, first.publisher) == (
        "feed-item", "Bridge reopens", "https://wire.example/1", dt.date(2024, 5, 7), "Example Wire")
    assert "The bridge reopened on Monday after three weeks." in first.text
    assert second.published is None
    assert first.text in doc.text


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (bytes(range(256)) * 8, "not a web page, PDF, feed or text file"),
    (b"%PDF-1.7\n" + b"\x00garbage" * 50, "not a readable PDF"),
    (b"<html><head><title>x</title></head><body></body></html>", "no main text"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Empty</title></channel></rss>', "the feed has no items"),
])
def test_unreadable_sources_are_one_line(data: bytes, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        read_document(data, "src.bin")
    assert message in str(caught.value) and str(caught.value).startswith("src.bin: ")
    assert "\n" not in str(caught.value)


def test_encrypted_pdf_is_refused_unless_it_opens_without_a_password() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(SOURCES / "bbc-mass-burials.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(SourceError, match="encrypted"):
        read_document(locked.getvalue(), "locked.pdf")
    writer = PdfWriter(clone_from=PdfReader(SOURCES / "bbc-mass-burials.pdf"))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    open_copy = io.BytesIO()
    writer.write(open_copy)
    assert read_document(open_copy.getvalue(), "open.pdf").published == dt.date(2020, 4, 10)
