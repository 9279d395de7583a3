"""Gathering: read the sources a person names, save them, and write (or add to) a draft facts file.

Why new lines are spliced into the text rather than the file dumped again: a draft is edited by hand
between runs, and a second ``--gather`` must keep the person's edits, comments, order, spacing and
line endings byte for byte; even a round-trip library (ruamel.yaml, which writes the new items here)
normalises spacing. Only a list written on one line (``quotes: []``) cannot be added to, and says so.

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
from .extract import Candidates, extract, is_country
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
        if 300 <= exc.code < 400 and exc.headers.get("Location"):  # urllib refused a redirect off http(s)
            raise SourceError(f"{url}: redirected to {exc.headers['Location']!r}, which is not an http(s) address") from None
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
    return _decoded(url, b"".join(chunks), response.headers.get("Content-Encoding", ""), limit)


def _decoded(url: str, body: bytes, encoding: str, limit: int) -> bytes:
    """The body without its transfer compression (a server may gzip even when asked not to),
    decompressed no further than the size limit: a small bomb stays small."""
    import zlib

    encoding = encoding.strip().lower()
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return body
    inflate = zlib.decompressobj(wbits=31 if "gzip" in encoding else 15)
    try:
        data = inflate.decompress(body, limit + 1)
    except zlib.error:
        raise SourceError(f"{url}: the server's {encoding} data is broken") from None
    if len(data) > limit or inflate.unconsumed_tail:
        raise SourceError(f"{url}: too big (more than {limit:,} bytes once decompressed, {MAX_BYTES_ENV})")
    return data


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
    y.width = 4096  # a long statement stays on one line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _dump(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(_plain(data), out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    """``value`` as ruamel.yaml's round-trip types, lists of ids in flow style (``sources: [cnn]``)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _plain(v)
        return m
    if isinstance(value, list):
        seq = CommentedSeq([_plain(v) for v in value])
        if all(isinstance(v, str) for v in value) and len(value) <= 8:
            seq.fa.set_flow_style()
        return seq
    return value


def _load_existing(out: Path) -> tuple[str, dict[str, Any]]:
    """The draft's text and what it holds (read only to know its sources, ids and places)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = out.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise FactsError.single(out, "", "not UTF-8 text; gathering adds only to a facts file") from None
    except OSError as exc:
        raise FactsError.single(out, "", f"cannot be read ({exc.strerror})") from None
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise FactsError.single(out, "", f"not YAML ({' '.join(str(exc).split())[:160]}); fix it before gathering into it") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FactsError.single(out, "", "is not a facts file (a mapping of keys at the top); give a new file to --draft")
    return text, data


# --------------------------------------------------------------------------------------------------
# Adding to a draft a person edited: new lines spliced in, every old line kept as it is
# --------------------------------------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _find_key(lines: list[str], start: int, end: int, indent: int, key: str) -> int | None:
    pattern = re.compile(r"^ {%d}(['\"]?)%s\1\s*:(\s|$)" % (indent, re.escape(key)))
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i
    return None


def _block_end(lines: list[str], at: int, end: int) -> int:
    """The index after the last line of the block the key on line ``at`` starts (its trailing blank
    and comment lines stay with what follows them)."""
    indent, last = _indent(lines[at]), at + 1
    for j in range(at + 1, end):
        if not _content(lines[j]):
            continue
        if _indent(lines[j]) < indent or (_indent(lines[j]) == indent and not lines[j].lstrip().startswith("-")):
            break
        last = j + 1
    return last


def _shift(text: str, by: int, newline: str) -> str:
    out = []
    for line in text.splitlines():
        out.append((" " * by + line) if by >= 0 else line[min(-by, _indent(line)):])
    return newline.join(out) + newline


def _splice(out: Path, text: str, additions: dict[str, list[dict[str, Any]]]) -> str:
    """``text`` with ``additions`` (path such as ``quotes`` or ``sections.stakes`` -> new items) added
    at the end of each list, in the file's own indentation and line endings; nothing else changes."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    inserts: list[tuple[int, int, str]] = []
    for order, (path, items) in enumerate(additions.items()):
        if not items:
            continue
        parent, _, key = path.rpartition(".")
        start, end, indent = 0, len(lines), 0
        if parent:
            at = _find_key(lines, 0, len(lines), 0, parent)
            if at is None:  # no parent yet: the whole mapping goes at the end of the file
                inserts.append((len(lines), order, _shift(_dump({parent: {key: items}}), 0, newline)))
                continue
            inline = lines[at].split(":", 1)[1].split(" #", 1)[0].strip()
            if inline:
                raise FactsError.single(out, parent, f"line {at + 1}: is written on one line; write it as a block "
                                                     "(one key per line) to gather into it")
            start, end = at + 1, _block_end(lines, at, len(lines))
            children = [j for j in range(start, end) if _content(lines[j])]
            indent = _indent(lines[children[0]]) if children else _indent(lines[at]) + 2
        at = _find_key(lines, start, end, indent, key)
        if at is None:
            inserts.append((end, order, _shift(_dump({key: items}), indent, newline)))
            continue
        value = lines[at].split(":", 1)[1].split(" #", 1)[0].strip()
        if value:
            raise FactsError.single(out, path, f"line {at + 1}: is written on one line ({value[:40]}); write it as a block list, "
                                               "one '- ' item per line, to gather into it")
        block_end = _block_end(lines, at, end)
        dashes = [j for j in range(at + 1, block_end) if lines[j].lstrip().startswith("- ")]
        dash = _indent(lines[dashes[0]]) if dashes else indent + 2
        body = _dump({key: items}).split("\n", 1)[1]  # the items alone, their dash at column 2
        inserts.append((block_end, order, _shift(body, dash - 2, newline)))
    for index, _, chunk in sorted(inserts, key=lambda t: (t[0], t[1]), reverse=True):
        lines.insert(index, chunk)
    result = "".join(lines)
    _check_splice(out, text, result, additions)
    return result


def _check_splice(out: Path, before: str, after: str, additions: dict[str, list[dict[str, Any]]]) -> None:
    """The spliced file must read as the old one with the new items at the end of each list; a layout
    the splice did not foresee is refused rather than written."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    def at(data: Any, path: str) -> list[Any]:
        for part in path.split("."):
            data = data.get(part) if isinstance(data, dict) else None
        return list(data) if isinstance(data, list) else []

    try:
        old, new = YAML(typ="safe", pure=True).load(before) or {}, YAML(typ="safe", pure=True).load(after) or {}
    except YAMLError:
        old, new = None, None
    ok = isinstance(new, dict) and all(at(new, path) == at(old, path) + [YAML(typ="safe", pure=True).load(_dump(item)) for item in items]
                                       for path, items in additions.items())
    if not ok:
        raise FactsError.single(out, "", "cannot be added to without changing what it says (an unusual layout); "
                                         "gather into a new file and copy the candidates over")


# --------------------------------------------------------------------------------------------------
# Gathering
# --------------------------------------------------------------------------------------------------


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


def _source_entry(doc: Document, sid: str, file: str, url: str | None, name: str) -> dict[str, Any]:
    """A source as the facts format has it; with no publisher stated, its address's host or the file's name."""
    entry: dict[str, Any] = {"id": sid, "publisher": (doc.publisher or _host(url or doc.url) or Path(name).name)[:200]}
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


def _ids(data: dict[str, Any], *keys: str) -> set[str]:
    return {str(item.get("id")) for key in keys for item in (data.get(key) or []) if isinstance(item, dict)}


@dataclass
class _Known:
    """What the draft already holds, so nothing is added twice: ids, addresses, saved bytes, places."""

    folder: Path
    ids: set[str]
    urls: set[str]
    hashes: set[str]
    figure_ids: set[str]
    place_names: set[str]
    location: dict[str, Any] | None
    key_points_free: int
    places_free: int

    @classmethod
    def of(cls, data: dict[str, Any], folder: Path) -> "_Known":
        existing = [s for s in (data.get("sources") or []) if isinstance(s, dict)]
        hashes = set()
        for s in existing:
            try:
                hashes.add(hashlib.sha256((folder / str(s["file"])).read_bytes()).hexdigest())
            except (KeyError, OSError, ValueError):
                pass
        location = data.get("location") if isinstance(data.get("location"), dict) else None
        places = {str(p.get("name")).casefold() for p in (data.get("places") or []) if isinstance(p, dict)}
        if location:
            places.add(str(location.get("name")).casefold())
        return cls(folder=folder, ids=_ids(data, "sources", "datasets", "series"),
                   urls={str(s["url"]) for s in existing if s.get("url")}, hashes=hashes,
                   figure_ids=_ids(data, "figures"), place_names=places, location=location,
                   key_points_free=max(0, 8 - len(data.get("key_points") or [])),
                   places_free=max(0, 100 - len(data.get("places") or [])))


_LISTS = ("sources", "key_points", "sections.situation", "sections.stakes", "sections.outlook", "quotes", "figures", "events", "places")


def _new_sources(fetched: list[_Fetched], known: _Known, adds: dict[str, list[dict[str, Any]]], out: Path
                 ) -> tuple[list[tuple[str, Candidates, Document]], list[tuple[Path, bytes]]]:
    """The sources not yet in the draft (a feed: each new item), their candidates, and the copies to save."""
    gathered: list[tuple[str, Candidates, Document]] = []
    to_save: list[tuple[Path, bytes]] = []
    for f in fetched:
        digest = hashlib.sha256(f.data).hexdigest()
        if digest in known.hashes:
            log.info("%s: already in %s", f.name, out)
            continue
        known.hashes.add(digest)
        base = _slug(f.doc.publisher or _host(f.url) or Path(f.name).stem)
        saved_id = _unique(base, set(known.ids))
        saved = Path(SOURCES_DIR) / (saved_id + _EXTENSIONS[f.doc.kind])
        while (known.folder / saved).exists() and hashlib.sha256((known.folder / saved).read_bytes()).hexdigest() != digest:
            saved_id = _unique(saved_id, set(known.ids) | {saved_id})
            saved = Path(SOURCES_DIR) / (saved_id + _EXTENSIONS[f.doc.kind])
        for item in f.doc.items[:MAX_FEED_ITEMS] if f.doc.kind == "feed" else (f.doc,):
            url = item.url if f.doc.kind == "feed" else f.url
            if url and url in known.urls:
                log.info("%s: already in %s", url, out)
                continue
            if url:
                known.urls.add(url)
            sid = _unique(_slug(item.title or "", base) if f.doc.kind == "feed" else base, known.ids)
            adds["sources"].append(_source_entry(item, sid, saved.as_posix(), url, f.name))
            gathered.append((sid, extract(item), item))
        if any(e["file"] == saved.as_posix() for e in adds["sources"]):
            to_save.append((known.folder / saved, f.data))
    return gathered, to_save


def _add_candidates(gathered: list[tuple[str, Candidates, Document]], known: _Known, adds: dict[str, list[dict[str, Any]]],
                    new_file: bool) -> int:
    """Each source's candidates as the draft's items, citing it; the number of statements added."""
    statements_added = 0
    new_places: list[tuple[str, Any]] = []
    for sid, cand, item in gathered:
        if new_file and known.location is None and cand.location is not None:
            place = cand.location
            known.location = {"name": place.name, "lat": place.lat, "lon": place.lon, "country": place.country,
                              **({"admin1": place.admin1} if place.admin1 else {})}
            known.place_names.add(place.name.casefold())
        elif cand.location is not None and not is_country(cand.location.name):  # a country is no place on the map
            new_places.append((sid, cand.location))
        new_places += [(sid, p) for p in cand.places]
        statements = list(cand.key_points)
        if item.kind == "feed-item":
            statements = [item.paragraphs[1]] if len(item.paragraphs) > 1 else []  # the summary's first paragraph
        points, rest = statements[:known.key_points_free], statements[known.key_points_free:]
        known.key_points_free -= len(points)
        for key, texts in (("key_points", points), ("sections.situation", rest + list(cand.situation)),
                           ("sections.stakes", list(cand.stakes)), ("sections.outlook", list(cand.outlook))):
            adds[key] += [{"text": t, "sources": [sid]} for t in texts]
            statements_added += len(texts)
        for q in cand.quotes:
            adds["quotes"].append({"text": q.text, "speaker": q.speaker, **({"said": q.said} if q.said else {}), "source": sid})
        for fig in cand.figures:
            fid = _unique(_slug(fig.label, "figure")[:40], known.figure_ids)
            adds["figures"].append({"id": fid, "label": fig.label, "value": fig.value, **({"approx": True} if fig.approx else {}),
                                    "unit": fig.unit, "source": sid, "passage": fig.passage})
        adds["events"] += [{"date": ev.date, "label": ev.label, "source": sid, "passage": ev.passage} for ev in cand.events]
    for sid, place in new_places:
        if place.name.casefold() in known.place_names or len(adds["places"]) >= known.places_free:
            continue
        known.place_names.add(place.name.casefold())
        adds["places"].append({"name": place.name, "lat": place.lat, "lon": place.lon, "note": place.note,
                               "sources": [sid, GAZETTEER["id"]]})
    if (adds["places"] or (new_file and known.location)) and GAZETTEER["id"] not in known.ids:
        adds["sources"].append(dict(GAZETTEER))
    return statements_added


def _new_draft(out: Path, adds: dict[str, list[dict[str, Any]]], gathered: list[tuple[str, Candidates, Document]],
               location: dict[str, Any] | None, now: dt.datetime | None) -> str:
    """A new draft's text: the header for the person to finish, then everything gathered."""
    for section in ("stakes", "outlook"):  # each section needs a statement: a situation one moves over
        if not adds[f"sections.{section}"] and len(adds["sections.situation"]) > 1:
            adds[f"sections.{section}"].append(adds["sections.situation"].pop())
    if location is None:
        log.warning("%s: location: no place found in the sources; add location (name, lat, lon, country) by hand", out)
    document: dict[str, Any] = {
        "spec": 2, "draft": True, "id": _slug(out.stem, "draft")[:64],
        "title": next((d.title for _, _, d in gathered if d.title), out.stem)[:300],
        "as_of": (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:00Z"),
        "handling": HANDLING,
    }
    if location:
        document["location"] = location
    for key in ("sources", "key_points"):
        document[key] = adds[key]
    document["sections"] = {k: adds[f"sections.{k}"] for k in ("situation", "stakes", "outlook")}
    document.update({k: adds[k] for k in ("quotes", "figures", "events", "places") if adds[k]})
    return _dump(document)


def gather(sources: Sequence[str], out: Path, *, now: dt.datetime | None = None) -> Gathered:
    """Read every SOURCE (a file, or an http(s) URL fetched once), save each under ``sources/``
    beside ``out``, and write the draft facts file ``out`` - or add to it, keeping every line the
    person wrote as it is.

    Raises SourceError (a source cannot be read or fetched) or FactsError (``out`` cannot be added
    to) before anything is written.
    """
    fetched = [read_source(s) for s in sources]  # everything is read before anything is written
    text, data = _load_existing(out) if out.exists() else ("", {})
    new_file = not text.strip()
    known = _Known.of(data, out.parent)
    adds: dict[str, list[dict[str, Any]]] = {k: [] for k in _LISTS}
    gathered, to_save = _new_sources(fetched, known, adds, out)
    statements = _add_candidates(gathered, known, adds, new_file)
    result = _new_draft(out, adds, gathered, known.location, now) if new_file else _splice(out, text, adds)
    for path, payload in to_save:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            write_atomic(path, payload)
    if result != text:
        write_atomic(out, result.encode("utf-8"))
    return Gathered(path=out, sources=sum(1 for e in adds["sources"] if e["id"] != GAZETTEER["id"]), statements=statements,
                    quotes=len(adds["quotes"]), figures=len(adds["figures"]), events=len(adds["events"]), places=len(adds["places"]))
