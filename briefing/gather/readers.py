"""Reading a saved source: one reader per format behind one registry (as nbconvert's exporters).

Why a registry: gathering (``--gather``) and the provenance check read the same saved copies and must
see the same text, so both call :func:`read_document`; a new format is one class and one
:func:`register_reader` call, not a branch in every caller. The format is sniffed from the bytes (a
page saved as ``.txt`` or a feed served as ``.php`` is still read for what it is); the file name only
breaks a tie.

Every reader takes the bytes and the source's name (a path or a URL, for messages and for relative
links) and returns a frozen :class:`Document`; a source it cannot read raises
:class:`~briefing.errors.SourceError` naming the source and what is wrong. Nothing is fetched here:
readers parse bytes a caller already holds.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from ..errors import SourceError

log = logging.getLogger(__name__)

#: The kinds a reader can produce (``Document.kind``); a feed's items are ``feed-item``.
KINDS = ("html", "pdf", "text", "feed", "feed-item")
#: How many bytes the sniffers look at: enough for an XML prolog, a doctype and a BOM.
SNIFF_BYTES = 4096
#: The most pages read from a PDF: a report of this size is already more than a brief cites.
MAX_PDF_PAGES = 500
#: A web page whose main text has fewer words than this has none (what is left is navigation).
MIN_WORDS = 5


@dataclass(frozen=True)
class Document:
    """What a reader found in one source: its text and what is known about it.

    ``text`` is the main text, paragraphs separated by a line break (a PDF's lines as pypdf gives
    them). ``published`` is the publication date as the source states it (a web page's metadata, a
    PDF's byline or dateline - never the day the PDF was printed), or None. For a feed, ``items``
    holds one Document per item (kind ``feed-item``, publisher = the feed's title) and ``text`` is
    their titles and summaries, so a check that looks for a passage in the saved feed finds it.
    """

    text: str
    kind: str
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    published: dt.date | None = None
    items: tuple["Document", ...] = field(default=())

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The non-empty lines of ``text``, stripped."""
        return tuple(p.strip() for p in self.text.splitlines() if p.strip())


class Reader(Protocol):
    """A format: how to recognise its bytes and how to read them."""

    kind: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]

    def sniff(self, head: bytes) -> bool:
        """True when ``head`` (the first SNIFF_BYTES) is surely this format."""

    def read(self, data: bytes, name: str) -> Document:
        """The document in ``data``; SourceError when it cannot be read."""


#: kind -> reader, in the order they are sniffed (the most specific first).
READERS: dict[str, Reader] = {}


def register_reader(reader: Reader) -> Reader:
    """Add (or replace) the reader of ``reader.kind``; sniffing tries readers in registration order."""
    READERS[reader.kind] = reader
    return reader


def get_reader(kind: str) -> Reader:
    """The reader registered for ``kind`` (``html``, ``pdf``, ``text``, ``feed``)."""
    try:
        return READERS[kind]
    except KeyError:
        raise KeyError(f"no reader for {kind!r}; known: {', '.join(READERS)}") from None


def sniff_kind(data: bytes, name: str = "") -> str:
    """The format of ``data``: the first reader whose sniffer is sure, else the one the file name's
    extension names, else ``text`` if the bytes are text. SourceError for anything else (an image,
    random bytes, an empty file)."""
    if not data.strip():
        raise SourceError(f"{name}: the source is empty")
    head = data[:SNIFF_BYTES]
    for kind, reader in READERS.items():
        if reader.sniff(head):
            return kind
    lower = name.lower().split("?", 1)[0]
    if _looks_like_text(data):
        for kind, reader in READERS.items():
            if kind != "pdf" and lower.endswith(reader.extensions):
                return kind
        return "text"
    raise SourceError(f"{name}: not a web page, PDF, feed or text file (unrecognised bytes); save the page as HTML, PDF or text")


def read_document(data: bytes, name: str) -> Document:
    """Read one saved source (the bytes of a file or of a fetched URL) with the reader its bytes call for.

    ``name`` is the path or URL, used in messages and to resolve a page's relative links. A feed comes
    back as one Document whose ``items`` are its entries. Raises SourceError (one line naming the
    source) when the bytes are none of the formats, or the format's reader cannot read them.
    """
    return get_reader(sniff_kind(data, name)).read(data, name)


# --------------------------------------------------------------------------------------------------
# Text and dates shared by the readers
# --------------------------------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _looks_like_text(data: bytes) -> bool:
    """True when ``data`` decodes as text with no more control characters than text has."""
    sample = data[:65536]
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    try:
        text = decode_text(sample, "")
    except SourceError:
        return False
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    return controls <= len(text) // 100


def decode_text(data: bytes, name: str) -> str:
    """``data`` as text: a BOM's encoding, else UTF-8, else what charset-normalizer finds."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:  # a sample cut inside a character is still UTF-8
            return data[:exc.start].decode("utf-8")
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise SourceError(f"{name}: not text in any encoding found")
    return str(best)


_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"], 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
#: Dates written out as a byline or dateline writes them: "March 1, 2023", "1 March 2023", "2023-03-01".
DATE_PATTERNS = (
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b"),
)
#: Words that mark a date as the publication's own (a byline), not one the story mentions.
_BYLINE = re.compile(r"\b(published|updated|posted|last modified|date|issued|released)\b\W{0,3}(on\s+)?\W*$", re.I)


def find_dates(text: str) -> list[tuple[int, int, dt.date]]:
    """Every written-out date in ``text`` as (start, end, date), in order; impossible dates skipped."""
    found = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            month = m.group("month")
            number = int(month) if month.isdigit() else _MONTHS[month.lower()[:3]]
            try:
                found.append((m.start(), m.end(), dt.date(int(m.group("year")), number, int(m.group("day")))))
            except ValueError:
                continue
    found.sort()
    kept: list[tuple[int, int, dt.date]] = []
    for hit in found:  # "2023-03-01" inside a longer hit is not a second date
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


def date_in_text(text: str, head_chars: int = 3000) -> dt.date | None:
    """The publication date a text states near its top: a date after "Published"/"Updated" (the
    earliest such, the original publication), else the first written-out date of the first
    ``head_chars`` characters. Numeric dates such as 3/1/23 are never taken: they are the print
    date a browser puts in a PDF's header, and ambiguous between day and month."""
    head = text[:head_chars]
    dates = find_dates(head)
    bylines = [d for start, _, d in dates if _BYLINE.search(head[max(0, start - 40):start])]
    if bylines:
        return min(bylines)
    return dates[0][2] if dates else None


def _clean(value: object) -> str | None:
    """A metadata value as one line of text, or None when it is empty."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _parse_date(value: object) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        hits = find_dates(text)
        return hits[0][2] if hits else None


# --------------------------------------------------------------------------------------------------
# The readers
# --------------------------------------------------------------------------------------------------


class PdfReader:
    """A PDF (a report, or a page a browser printed): text through pypdf, title from the document info.

    The publication date comes only from the text (a byline or dateline): the document info's
    creation date is the day the file was made, which for a printed page is the day it was printed.
    An encrypted PDF is read if it opens with the empty password (as viewers do), else refused.
    """

    kind = "pdf"
    extensions = (".pdf",)

    def sniff(self, head: bytes) -> bool:
        return b"%PDF-" in head[:1024]

    def read(self, data: bytes, name: str) -> Document:
        from pypdf import PdfReader as _Pdf
        from pypdf.errors import PyPdfError

        logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repairs of odd files are not ours to report
        try:
            pdf = _Pdf(io.BytesIO(data))
            if pdf.is_encrypted:
                try:
                    opened = pdf.decrypt("")
                except Exception:  # pypdf raises several kinds for unsupported ciphers
                    opened = 0
                if not opened:
                    raise SourceError(f"{name}: the PDF is encrypted (a password is needed); save an unprotected copy")
            pages = pdf.pages
            if len(pages) > MAX_PDF_PAGES:
                log.warning("%s: only the first %d of %d pages are read", name, MAX_PDF_PAGES, len(pages))
            text = _drop_page_furniture([page.extract_text() or "" for page in list(pages)[:MAX_PDF_PAGES]])
            info = pdf.metadata
            title = _clean(info.title) if info else None
            author = _clean(info.author) if info else None
        except SourceError:
            raise
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError, AssertionError) as exc:
            raise SourceError(f"{name}: not a readable PDF ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None
        text = _join_pdf_lines(text)
        if not text.strip():
            raise SourceError(f"{name}: the PDF has no text (a scan? text must be selectable)")
        return Document(text=text, kind=self.kind, title=title, author=author, publisher=_site_in_title(title),
                        published=date_in_text(text))


#: A browser's print footer: the page's address and "page/pages".
_FOOTER = re.compile(r"^\S+:/\S*\s+\d+/\d+$")


def _site_in_title(title: str | None) -> str | None:
    """The site a page's title ends with ("Rolling blackouts ... - The New York Times", "... | BBC"):
    a printed page keeps the page's title, and the site name is its last part."""
    parts = re.split(r"\s+[-|\u2013\u2014]\s+", title or "")
    return parts[-1] if len(parts) > 1 and 0 < len(parts[-1]) <= 40 else None


def _drop_page_furniture(pages: list[str]) -> str:
    """The pages' text without the lines printed on every page (a running header: the print date and
    the title; a footer: the address and page number), which are no part of the story."""
    split = [[line.strip() for line in page.splitlines()] for page in pages]
    if len(split) >= 3:
        counts: dict[str, int] = {}
        for lines in split:
            for line in set(lines):
                counts[line] = counts.get(line, 0) + 1
        repeated = {line for line, n in counts.items() if line and n >= max(2, len(split) * 2 // 3)}
    else:
        repeated = set()
    kept = (_reflow([line for line in lines if line and line not in repeated and not _FOOTER.match(line)]) for lines in split)
    return "\n".join(page for page in kept if page)


def _reflow(lines: list[str]) -> str:
    """A page's lines as paragraphs: a line as long as the page's full lines that does not end a
    sentence is continued by the next (the text wrapped there); short lines (headings, menus) stand."""
    if not lines:
        return ""
    widths = sorted(len(line) for line in lines)
    full = widths[int(len(widths) * 0.9)] if len(widths) >= 5 else widths[-1]
    out = [lines[0]]
    for prev, line in zip(lines, lines[1:]):
        if len(prev) >= 0.75 * full and not prev.endswith((".", "!", "?", ":", "\u201d", '"')):
            out[-1] += ("" if prev.endswith("-") and line[:1].islower() else " ") + line
        else:
            out.append(line)
    return "\n".join(out)


def _join_pdf_lines(text: str) -> str:
    """A line that ends in a hyphen before a lowercase letter continues on the next line: the two are
    joined with the hyphen kept (a browser breaks "well-known" after its hyphen; it does not hyphenate)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub("[\ufb00-\ufb06]", lambda m: unicodedata.normalize("NFKC", m.group()), text)  # the "fi" ligature is two letters
    return re.sub(r"(?<=\w-)\n(?=[a-z])", "", text)


class FeedReader:
    """An RSS or Atom feed through feedparser: each item becomes its own Document (title, link,
    published, publisher = the feed's title, its summary as text)."""

    kind = "feed"
    extensions = (".rss", ".atom", ".xml")

    def sniff(self, head: bytes) -> bool:
        return _first_element(_ascii_head(head)) in ("rss", "feed", "rdf:rdf", "rdf", "atom:feed")

    def read(self, data: bytes, name: str) -> Document:
        try:
            return self._read(data, name)
        except SourceError:
            raise
        except (ValueError, UnicodeError, TypeError, KeyError, AttributeError, RecursionError) as exc:  # a broken feed
            raise SourceError(f"{name}: not a readable feed ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None

    def _read(self, data: bytes, name: str) -> Document:
        import feedparser

        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
        feed = parsed.get("feed", {})
        publisher = _clean(feed.get("title"))
        items = []
        for entry in parsed.get("entries", []):
            title = _clean(entry.get("title"))
            summary = _html_to_text(entry.get("summary") or entry.get("description") or "")
            text = "\n".join(p for p in (title, summary) if p)
            if not text:
                continue
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            items.append(Document(
                text=text, kind="feed-item", title=title, publisher=publisher,
                author=_clean(entry.get("author")), url=_clean(entry.get("link")),
                published=dt.date(*stamp[:3]) if stamp else None,
            ))
        if not items:
            why = f" ({parsed.bozo_exception})" if parsed.get("bozo") and not parsed.get("entries") else ""
            raise SourceError(f"{name}: the feed has no items{why}")
        stamp = feed.get("published_parsed") or feed.get("updated_parsed")
        return Document(
            text="\n".join(item.text for item in items), kind=self.kind, title=publisher, publisher=publisher,
            author=_clean(feed.get("author")), url=_clean(feed.get("link")),
            published=dt.date(*stamp[:3]) if stamp else None, items=tuple(items),
        )


def _ascii_head(head: bytes) -> str:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head.decode(encoding, errors="ignore")
    return head.decode("latin-1")


def _first_element(text: str) -> str | None:
    """The name of the first element in ``text`` (lowercase), past the XML prolog, comments, doctype."""
    i = 0
    while True:
        i = text.find("<", i)
        if i < 0:
            return None
        if text.startswith("<!--", i):
            end = text.find("-->", i)
            if end < 0:
                return None
            i = end + 3
            continue
        if text.startswith(("<?", "<!"), i):
            end = text.find(">", i)
            if end < 0:
                return None
            i = end + 1
            continue
        m = re.match(r"<([A-Za-z][\w:.-]*)", text[i:])
        return m.group(1).lower() if m else None


def _html_to_text(html: str) -> str:
    """The text of an HTML fragment (a feed item's summary), paragraphs kept apart."""
    html = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", html)  # control characters XML cannot hold
    if "<" not in html:
        return " ".join(html.split())
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises ParserError for an empty or broken fragment
        return " ".join(re.sub(r"<[^>]*>", " ", html).split())
    for block in root.iter("p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr"):
        block.tail = "\n" + (block.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


class HtmlReader:
    """A web page through trafilatura: the main text (no navigation, ads, comments or scripts) and
    its metadata: title, site name, author, canonical URL, publication date."""

    kind = "html"
    extensions = (".html", ".htm", ".xhtml", ".php", ".asp", ".aspx")
    _TAGS = ("html", "head", "body", "meta", "title", "div", "p", "article", "script", "link", "style", "table", "span", "a", "header", "section", "main")

    def sniff(self, head: bytes) -> bool:
        text = _ascii_head(head).lstrip().lower()
        if text.startswith("<!doctype html") or re.search(r"<html[\s>]", text[:SNIFF_BYTES]):
            return True
        return _first_element(text) in self._TAGS

    def read(self, data: bytes, name: str) -> Document:
        import trafilatura

        url = name if name.startswith(("http://", "https://")) else None
        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # its notes on odd pages are not ours
        logging.getLogger("htmldate").setLevel(logging.CRITICAL)
        try:
            found = trafilatura.bare_extraction(
                data, url=url, with_metadata=True, include_comments=False, include_tables=True,
                deduplicate=False, date_extraction_params={"extensive_search": False, "original_date": True},
            )
        except (ValueError, TypeError, RecursionError, MemoryError) as exc:
            raise SourceError(f"{name}: the web page cannot be read ({type(exc).__name__})") from None
        text = (getattr(found, "text", None) or "").strip() if found is not None else ""
        if len(text.split()) < MIN_WORDS:  # a link or two of navigation is not a story
            raise SourceError(f"{name}: the web page has no main text (empty, or only scripts and navigation)")
        return Document(
            text=text, kind=self.kind, title=_clean(found.title), publisher=_clean(found.sitename),
            author=_clean(found.author), url=_clean(found.url) or url,
            published=_parse_date(found.date) or date_in_text(text),
        )


class TextReader:
    """Plain text or Markdown: the title is a Markdown heading or a short first line; the date the
    first written-out date near the top (a byline)."""

    kind = "text"
    extensions = (".txt", ".md", ".markdown", ".text")

    def sniff(self, head: bytes) -> bool:
        return False  # text is what is left when no other format is sure (see sniff_kind)

    def read(self, data: bytes, name: str) -> Document:
        text = decode_text(data, name).replace("\r\n", "\n").replace("\r", "\n")
        text = unicodedata.normalize("NFC", text).strip()
        if not text:
            raise SourceError(f"{name}: the source is empty")
        title = None
        first = text.split("\n", 1)[0].strip()
        heading = re.match(r"#{1,2}\s+(.+?)\s*#*$", first)
        if heading:
            title = heading.group(1)
        return Document(text=text, kind=self.kind, title=title, published=date_in_text(text))


for _reader in (PdfReader(), FeedReader(), HtmlReader(), TextReader()):
    register_reader(_reader)

__all__ = ["Document", "Reader", "READERS", "register_reader", "get_reader", "sniff_kind", "read_document",
           "find_dates", "date_in_text", "decode_text", "KINDS"]
