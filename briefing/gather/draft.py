"""Gathering: read the sources a person names, save them, and write (or add to) a draft facts file.

Why a round-trip YAML library (ruamel.yaml) and not a dump: a draft is edited by hand between runs,
and a second ``--gather`` must keep the person's edits, comments and order byte for byte. A file that
ruamel.yaml could not write back unchanged is refused rather than reformatted.

Everything is read, fetched and extracted before anything is written: a source that cannot be read
stops the run with one line and leaves the draft and its ``sources/`` folder as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import re
import stat
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..atomic import write_atomic
from ..errors import FactsError, SourceError
from .extract import Candidates, extract
from .readers import Document, read_document

log = logging.getLogger(__name__)

#: A URL is fetched once, bounded in time (seconds, for the whole download) and size (bytes).
FETCH_TIMEOUT = 20.0
MAX_SOURCE_BYTES = 20 * 1024 * 1024
TIMEOUT_ENV, MAX_BYTES_ENV = "BRIEFING_FETCH_TIMEOUT", "BRIEFING_FETCH_MAX_BYTES"
#: The most items of one feed that become sources.
MAX_FEED_ITEMS = 50
#: Where the saved copies go, beside the draft.
SOURCES_DIR = "sources"
HANDLING = "NOT FOR DISTRIBUTION"
GAZETTEER = {"id": "geonames", "publisher": "GeoNames",
             "title": "GeoNames gazetteer (populated places, shipped with this tool; CC BY 4.0)",
             "url": "https://www.geonames.org/"}
_EXTENSIONS = {"html": ".html", "pdf": ".pdf", "text": ".txt", "feed": ".xml"}


@dataclass(frozen=True)
class Gathered:
    """What one run added to the draft (printed as one line)."""

    path: Path
    sources: int
    statements: int
    quotes: int
    figures: int
    events: int
    places: int

    def summary(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}" if count == 1 else f"{count} {word}s"

        return (f"gathered {n(self.sources, 'source')}: {n(self.statements, 'statement')}, {n(self.quotes, 'quote')}, "
                f"{n(self.figures, 'figure')}, {n(self.events, 'event')}, {n(self.places, 'place')} -> {self.path}")


@dataclass(frozen=True)
class _Fetched:
    name: str  # the path or URL as given
    data: bytes
    url: str | None
    doc: Document


# --------------------------------------------------------------------------------------------------
# Reading and fetching
# --------------------------------------------------------------------------------------------------


class _SameSchemeRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed only to http(s): a page must not send the fetch to ftp: or file:."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not newurl.lower().startswith(("http://", "https://")):
            raise SourceError(f"{req.full_url}: redirected to {newurl!r}, which is not an http(s) address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _limits() -> tuple[float, int]:
    try:
        timeout = float(os.environ.get(TIMEOUT_ENV, FETCH_TIMEOUT))
        size = int(os.environ.get(MAX_BYTES_ENV, MAX_SOURCE_BYTES))
    except ValueError:
        raise SourceError(f"{TIMEOUT_ENV} and {MAX_BYTES_ENV} must be numbers (seconds, bytes)") from None
    return timeout, size


def fetch(url: str) -> bytes:
    """The bytes at ``url``, fetched once: within the timeout for the whole download and the size
    limit (``BRIEFING_FETCH_TIMEOUT``, ``BRIEFING_FETCH_MAX_BYTES``), or SourceError naming the URL."""
    import time

    timeout, limit = _limits()
    opener = urllib.request.build_opener(_SameSchemeRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "briefing-gather/0.1", "Accept-Encoding": "identity"})
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise SourceError(f"{url}: too big ({int(length):,} bytes; the limit is {limit:,}, {MAX_BYTES_ENV})")
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise SourceError(f"{url}: timed out after {timeout:g} s ({TIMEOUT_ENV})")
                chunk = response.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise SourceError(f"{url}: too big (more than {limit:,} bytes, {MAX_BYTES_ENV})")
                chunks.append(chunk)
    except SourceError:
        raise
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except TimeoutError:
        raise SourceError(f"{url}: timed out after {timeout:g} s ({TIMEOUT_ENV})") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise SourceError(f"{url}: timed out after {timeout:g} s ({TIMEOUT_ENV})") from None
        raise SourceError(f"{url}: cannot be fetched ({reason})") from None
    except (OSError, ValueError) as exc:
        raise SourceError(f"{url}: cannot be fetched ({exc})") from None
    return b"".join(chunks)


def _read_file(name: str) -> bytes:
    path = Path(name)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SourceError(f"{name}: no such file") from None
    except OSError as exc:
        raise SourceError(f"{name}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(f"{name}: not a regular file")
    _, limit = _limits()
    if info.st_size > limit:
        raise SourceError(f"{name}: too big ({info.st_size:,} bytes; the limit is {limit:,}, {MAX_BYTES_ENV})")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{name}: cannot be read ({exc.strerror})") from None


def _sidecar(name: str) -> dict[str, Any]:
    """What a ``X.meta.yaml`` beside a saved ``X.txt`` says about it (publisher, title, url, author,
    published): a text file has no metadata of its own."""
    import yaml

    path = Path(name)
    meta = path.with_name(path.stem + ".meta.yaml")
    if not meta.is_file():
        return {}
    try:
        found = yaml.safe_load(meta.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        log.warning("%s: not read (not YAML)", meta)
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: found[k] for k in ("publisher", "title", "url", "author", "published") if found.get(k) not in (None, "")}


def read_source(source: str) -> _Fetched:
    """One SOURCE of the command line: fetched (a URL) or read (a file), then read by its reader."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.I):
        if not source.lower().startswith(("http://", "https://")):
            raise SourceError(f"{source}: only http:// and https:// addresses are fetched")
        data, url = fetch(source), source
    else:
        data, url = _read_file(source), None
    doc = read_document(data, source)
    if url is None:
        meta = _sidecar(source)
        if meta:
            published = meta.get("published")
            if isinstance(published, str):
                try:
                    published = dt.date.fromisoformat(published)
                except ValueError:
                    published = None
            doc = Document(text=doc.text, kind=doc.kind, title=doc.title or _text(meta.get("title")),
                           publisher=doc.publisher or _text(meta.get("publisher")), author=doc.author or _text(meta.get("author")),
                           url=doc.url or _text(meta.get("url")),
                           published=doc.published or (published if isinstance(published, dt.date) else None), items=doc.items)
    return _Fetched(name=source, data=data, url=url or doc.url, doc=doc)


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) or None if value is not None else None


# --------------------------------------------------------------------------------------------------
# The draft
# --------------------------------------------------------------------------------------------------


def _yaml():  # type: ignore[no-untyped-def]
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # a long statement stays on one line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _dump(y, data) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def _load_existing(out: Path):  # type: ignore[no-untyped-def]
    """The draft as ruamel.yaml's round-trip tree, checked to be written back byte for byte."""
    from ruamel.yaml.error import YAMLError

    try:
        text = out.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FactsError.single(out, "", "not UTF-8 text; gathering adds only to a facts file") from None
    except OSError as exc:
        raise FactsError.single(out, "", f"cannot be read ({exc.strerror})") from None
    y = _yaml()
    try:
        data = y.load(text)
    except YAMLError as exc:
        raise FactsError.single(out, "", f"not YAML ({' '.join(str(exc).split())[:160]}); fix it before gathering into it") from None
    if data is None:
        return y, None, text
    if not hasattr(data, "keys"):
        raise FactsError.single(out, "", "is not a facts file (a mapping of keys at the top); give a new file to --draft")
    for mapping, sequence, offset in ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (2, 4, 0), (4, 4, 0), (2, 3, 1), (3, 3, 1)):
        y.indent(mapping=mapping, sequence=sequence, offset=offset)  # the file's own indentation
        if _dump(y, data) == text:
            break
    else:
        raise FactsError.single(out, "", "cannot be added to without changing its layout (an unusual indentation or "
                                         "line style); gather into a new file and copy the candidates over")
    return y, data, text


def _slug(text: str, fallback: str = "source") -> str:
    import unicodedata

    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_.lower())
    slug = "-".join(words)[:40].strip("-")
    return slug or fallback


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _host(url: str | None) -> str | None:
    m = re.match(r"https?://(?:www\.)?([^/:?#]+)", url or "")
    return m.group(1) if m else None


def _source_entry(doc: Document, sid: str, file: str, url: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": sid, "publisher": (doc.publisher or _host(url or doc.url) or "Unknown publisher")[:200]}
    if doc.title:
        entry["title"] = doc.title[:2000]
    if doc.author:
        entry["author"] = doc.author[:200]
    if url or doc.url:
        entry["url"] = (url or doc.url)[:2000]
    if doc.published:
        entry["published"] = doc.published
    entry["file"] = file
    return entry


def gather(sources: Sequence[str], out: Path, *, now: dt.datetime | None = None) -> Gathered:
    """Read every SOURCE (a file, or an http(s) URL fetched once), save each under ``sources/``
    beside ``out``, and write the draft facts file ``out`` - or add to it, keeping what is there.

    Raises SourceError (a source cannot be read or fetched) or FactsError (``out`` cannot be added
    to) before anything is written.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    fetched = [read_source(s) for s in sources]  # everything is read before anything is written
    y, data, _original = _load_existing(out) if out.exists() else (_yaml(), None, "")
    folder = out.parent
    new_file = data is None
    if new_file:
        data = CommentedMap()
        first = next((f.doc for f in fetched), None)
        title = (first.title if first and first.title else out.stem)[:300]
        for key, value in (("spec", 2), ("draft", True), ("id", _slug(out.stem, "draft")[:64]), ("title", title),
                           ("as_of", (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0, second=0).strftime("%Y-%m-%dT%H:%M:%SZ")),
                           ("handling", HANDLING)):
            data[key] = value

    def seq(key: str):  # type: ignore[no-untyped-def]
        if data.get(key) is None:
            data[key] = CommentedSeq()
        return data[key]

    existing_sources = list(data.get("sources") or [])
    taken_ids = {str(s.get("id")) for s in existing_sources if hasattr(s, "get")}
    taken_ids |= {str(s.get("id")) for key in ("datasets", "series") for s in (data.get(key) or []) if hasattr(s, "get")}
    known_urls = {str(s.get("url")) for s in existing_sources if hasattr(s, "get") and s.get("url")}
    known_hashes = set()
    for s in existing_sources:
        file = s.get("file") if hasattr(s, "get") else None
        if file:
            try:
                known_hashes.add(hashlib.sha256((folder / str(file)).read_bytes()).hexdigest())
            except OSError:
                pass
    figure_ids = {str(f.get("id")) for f in (data.get("figures") or []) if hasattr(f, "get")}
    place_names = {str(p.get("name")).casefold() for p in (data.get("places") or []) if hasattr(p, "get")}
    if hasattr(data.get("location"), "get"):
        place_names.add(str(data["location"].get("name")).casefold())
    key_points_free = max(0, 8 - len(data.get("key_points") or []))

    to_save: list[tuple[Path, bytes]] = []
    added_sources: list[dict[str, Any]] = []
    per_source: list[tuple[str, Candidates, Document]] = []
    for f in fetched:
        digest = hashlib.sha256(f.data).hexdigest()
        items = f.doc.items[:MAX_FEED_ITEMS] if f.doc.kind == "feed" else (f.doc,)
        if digest in known_hashes and not f.doc.items:
            log.info("%s: already in %s", f.name, out)
            continue
        known_hashes.add(digest)
        base = _slug(f.doc.publisher or _host(f.url) or Path(f.name).stem)
        saved_id = _unique(base, set(taken_ids))
        saved = Path(SOURCES_DIR) / (saved_id + _EXTENSIONS[f.doc.kind])
        while (folder / saved).exists() and hashlib.sha256((folder / saved).read_bytes()).hexdigest() != digest:
            saved_id = _unique(saved_id, set(taken_ids) | {saved_id})
            saved = Path(SOURCES_DIR) / (saved_id + _EXTENSIONS[f.doc.kind])
        wrote = False
        for item in items:
            url = item.url if f.doc.kind == "feed" else f.url
            if url and url in known_urls:
                log.info("%s: already in %s", url, out)
                continue
            if url:
                known_urls.add(url)
            sid = _unique(_slug(item.title or "", base) if f.doc.kind == "feed" else base, taken_ids)
            added_sources.append(_source_entry(item, sid, saved.as_posix(), url))
            per_source.append((sid, extract(item), item))
            wrote = True
        if wrote:
            to_save.append((folder / saved, f.data))

    counts = {"statements": 0, "quotes": 0, "figures": 0, "events": 0, "places": 0}
    uses_gazetteer = False
    new_places = []
    for sid, cand, item in per_source:
        seq("sources").append(_map(added_sources.pop(0)))
        if new_file and data.get("location") is None and cand.location is not None:
            data["location"] = _map({"name": cand.location.name, "lat": cand.location.lat, "lon": cand.location.lon,
                                     "country": cand.location.country})
            place_names.add(cand.location.name.casefold())
            uses_gazetteer = True
        elif cand.location is not None and cand.location.name.casefold() not in place_names:
            new_places.append((sid, cand.location))
        new_places += [(sid, p) for p in cand.places]
        statements = list(cand.key_points)
        if item.kind == "feed-item":
            statements = [item.paragraphs[1]] if len(item.paragraphs) > 1 else []  # the summary's first paragraph
        points, rest = statements[:key_points_free], statements[key_points_free:]
        key_points_free -= len(points)
        for text in points:
            seq("key_points").append(_map({"text": text, "sources": _flow([sid])}))
        if data.get("sections") is None:
            data["sections"] = CommentedMap()
        for section, texts in (("situation", rest + list(cand.situation)), ("stakes", list(cand.stakes)), ("outlook", list(cand.outlook))):
            if data["sections"].get(section) is None:
                data["sections"][section] = CommentedSeq()
            for text in texts:
                data["sections"][section].append(_map({"text": text, "sources": _flow([sid])}))
            counts["statements"] += len(texts)
        counts["statements"] += len(points)
        for q in cand.quotes:
            entry = {"text": q.text, "speaker": q.speaker}
            if q.said:
                entry["said"] = q.said
            entry["source"] = sid
            seq("quotes").append(_map(entry))
            counts["quotes"] += 1
        for fig in cand.figures:
            fid = _unique(_slug(fig.label, "figure")[:40], figure_ids)
            entry = {"id": fid, "label": fig.label, "value": fig.value}
            if fig.approx:
                entry["approx"] = True
            entry.update({"unit": fig.unit, "source": sid, "passage": fig.passage})
            seq("figures").append(_map(entry))
            counts["figures"] += 1
        for ev in cand.events:
            seq("events").append(_map({"date": ev.date, "label": ev.label, "source": sid, "passage": ev.passage}))
            counts["events"] += 1
    for sid, place in new_places:
        if place.name.casefold() in place_names or len(data.get("places") or []) >= 100:
            continue
        place_names.add(place.name.casefold())
        seq("places").append(_map({"name": place.name, "lat": place.lat, "lon": place.lon, "note": place.note,
                                   "sources": _flow([sid, GAZETTEER["id"]])}))
        counts["places"] += 1
        uses_gazetteer = True
    if uses_gazetteer and GAZETTEER["id"] not in {str(s.get("id")) for s in seq("sources")}:
        seq("sources").append(_map(dict(GAZETTEER)))
    if new_file and data.get("location") is None:
        log.warning("%s: location: no place found in the sources; add location (name, lat, lon, country) by hand", out)
    sections = data.get("sections")
    for section in ("stakes", "outlook"):  # each section needs a statement: a situation one moves over
        if new_file and not sections.get(section) and len(sections.get("situation") or []) > 1:
            sections[section].append(sections["situation"].pop())
    if new_file:
        for key in ("key_points", "quotes", "figures", "events", "places"):
            if not data.get(key) and key in data:
                del data[key]

    text = _dump(y, data)
    for path, payload in to_save:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            write_atomic(path, payload)
    write_atomic(out, text.encode("utf-8"))
    return Gathered(path=out, sources=len(per_source), **counts)


def _map(entry: dict[str, Any]):  # type: ignore[no-untyped-def]
    from ruamel.yaml.comments import CommentedMap

    m = CommentedMap()
    for k, v in entry.items():
        m[k] = v
    return m


def _flow(items: list[str]):  # type: ignore[no-untyped-def]
    from ruamel.yaml.comments import CommentedSeq

    s = CommentedSeq(items)
    s.fa.set_flow_style()
    return s
