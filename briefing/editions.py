"""Stage 6: publishing editions of a brief into an output folder.

Why editions: a brief is rebuilt on a schedule and mailed when it changes, so a run must do nothing
when nothing it is built from changed, keep every edition it did publish (a reader may ask "what did
edition 3 say?"), tell readers what changed since the previous one, and never leave a half-written
file or manifest behind, even when it is killed or two runs overlap.

Layout of ``OUT`` for a brief whose id is ``bakhmut``::

    OUT/briefing.db                                   the state store (``briefing.state``), unless --state names one
    OUT/bakhmut.pdf                                   the latest edition, always a complete PDF
    OUT/bakhmut/manifest.json                         every edition, oldest first (the store's view)
    OUT/bakhmut/bakhmut-20230301T1800Z.pdf            edition 1 (named by its as-of time, UTC)
    OUT/bakhmut/bakhmut-20230301T1800Z-r2.pdf         edition 2: same as-of time, revised
    OUT/bakhmut/bakhmut-20230301T1800Z.facts.json     the validated facts edition 1 was built from
    OUT/bakhmut/.lock                                 held while a run works on this brief

Crash safety comes from the order of writes, each one atomic: the archived PDF and facts snapshot
first, then the manifest entry in the state store (one transaction, the commit point; then its view
``manifest.json``), then ``OUT/<id>.pdf``. A run killed before the manifest
is written leaves the previous edition as it was; one killed after it leaves ``OUT/<id>.pdf`` one
edition behind, which the next run notices (by its SHA-256 in the manifest) and puts right.

This module is the ledger: manifest, snapshots, locks, input hashes and fingerprints. The words on
what changed since the previous edition come from ``briefing.changes``, which knows nothing of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import briefing

from . import cache, words
from .atomic import write_atomic
from .build import BuildOptions, build_brief
from .changes import changes_lines, edition_words, previous_words
from .errors import LOCK_TIMEOUT, BuildError, FactsError, Problem
from .files import (ID_PATTERN, MAX_SOURCE_BYTES, SOURCES_ROOT_ENV, parse_yaml, read_bounded, read_facts_bytes, read_yaml,
                    source_file)
from .state import Store, named_state, open_store, parse_manifest, read_view

if TYPE_CHECKING:  # reportlab loads only when an edition is built; pydantic only when facts are validated
    from .facts import Facts
    from .pdf import ChangesPart

log = logging.getLogger("briefing")

#: Folders whose every file goes into the fingerprint: the words of the brief, and the map data and fonts.
TEMPLATES_DIR = words.TEMPLATES
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
#: Template folders no brief is built from (the live preview's pages): editing them makes no new edition.
NOT_IN_BRIEF = ("preview",)


@dataclass(frozen=True)
class Edition:
    """One published edition: what was built from which facts, and where the PDF is.

    ``built`` is False when the run found nothing changed and left the latest edition as it was;
    the other fields then describe that latest edition. ``changes`` is what the PDF says changed.
    """

    facts: Facts
    facts_path: Path
    pdf_path: Path
    name: str
    built: bool
    number: int = 1
    revision: int = 1
    pages: int = 0
    archive_path: Path | None = None
    changes: ChangesPart | None = None
    fingerprint: str = ""
    change_lines: int = 0  # lines in its changes section, also known when it was not built in this run


# --------------------------------------------------------------------------------------------------
# Fingerprint: everything a brief is built from
# --------------------------------------------------------------------------------------------------

_FILE_HASHES: dict[Path, tuple[tuple[int, int, int, int], str]] = {}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cached_file_hash(path: Path) -> str:
    """SHA-256 of a file, read once per process while its size, times and inode stay the same.

    Why: the assets run to megabytes and a scheduled run hashes them every tick; a stat per file is
    cheap, re-reading them all is not. A file that changes gets a new change time and is read again.
    """
    st = path.stat()
    key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    cached = _FILE_HASHES.get(path)
    if cached is None or cached[0] != key:
        cached = (key, _sha256(path.read_bytes()))
        _FILE_HASHES[path] = cached
    return cached[1]


def _tree_hash(root: Path, *, cached: bool, exclude: tuple[str, ...] = (), memo: bool = True) -> str:
    """One hash of every file under ``root``: relative paths and contents (hidden and backup files, and
    the top-level folders named in ``exclude``, skipped).

    With ``memo`` the result is kept in the drawing cache (``briefing/cache.py``) under a name made of
    every file's path, size, modification and change times and inode, so an unchanged tree (the
    assets run to 25 MB) costs a stat per file instead of a read, in every run, not only within one
    process. Writing a file changes its change time, which no tool can set back: a changed tree
    always gets a new name and is hashed afresh.
    """
    found = [(rel, Path(entry.path), entry.stat())
             for rel, entry in cache.files(root, lambda rel: _skipped(rel[-1]) or rel[0] in exclude)]
    name = None
    if memo:
        listing = [["/".join(rel), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino] for rel, _, st in found]
        name = _sha256(json.dumps(["tree", str(root), exclude, listing]).encode())
        if (known := cache.read(name)) is not None:
            return known.decode()
    value = _listing_hash(("/".join(rel), _cached_file_hash(path) if cached else _sha256(path.read_bytes()))
                          for rel, path, _ in found)
    if name is not None:
        cache.write(name, value.encode())
    return value


def _skipped(name: str) -> bool:
    """Hidden and backup files and folders, and Python's byte-code folders, are no input of a brief."""
    return name.startswith(".") or name.endswith("~") or name == "__pycache__"


def input_files(facts: Facts) -> dict[str, list[Any]]:
    """The files a brief names besides itself, as the manifest records them: sources' local copies
    (with their index in ``sources``), overlays' GeoJSON and datasets, each in the facts file's order."""
    overlays = (*facts.map.areas, *facts.map.lines) if facts.map else ()
    return {"sources": [[i, s.file] for i, s in enumerate(facts.sources) if s.file],
            "overlays": [o.geojson for o in overlays if o.geojson],
            "datasets": [ds.file for ds in facts.datasets]}


def input_hashes(facts_bytes: bytes, facts: Facts, facts_path: Path, use_cache: bool = True) -> dict[str, str]:
    """The hash of each thing a brief is built from, kept apart so a rebuild can say which one changed.

    The paper size is not among them: the same content in another size is the same edition (a
    ``--paper letter`` run must not publish, or mail, a new one), written as a variant of it.
    ``use_cache``: remember the hashes of the templates and assets in the drawing cache (``_tree_hash``).
    """
    return _hashes_of(facts_bytes, input_files(facts), facts_path, use_cache)


def _hashes_of(facts_bytes: bytes, files: Mapping[str, list[Any]], facts_path: Path, use_cache: bool) -> dict[str, str]:
    """``input_hashes`` from the facts bytes and the files they name (``input_files``): FactsError for
    a source copy that is now missing, too large or outside the allowed folders."""
    base = facts_path.parent

    def source_copy(i: int, name: str) -> str:  # checked again here: the file may have changed since validation
        where = (str(facts_path), f"sources[{i}].file")
        return _sha256(read_bounded(source_file(base, name, *where), MAX_SOURCE_BYTES, *where,
                                    "a local copy of a source", "a local copy of the source"))

    def plain(name: str, hashed: Callable[[Path], str]) -> str:
        return hashed(base / name) if (base / name).is_file() else "missing"

    hashes = {
        "facts": _sha256(facts_bytes),
        "sources": _listing_hash([(name, source_copy(i, name)) for i, name in files["sources"]]
                                 + [(name, plain(name, lambda p: _sha256(p.read_bytes()))) for name in files["overlays"]]),
        **installation_hashes(use_cache),
        "version": briefing.__version__,
    }
    if files["datasets"]:  # a table that changed (new rows, revised values) is a new edition
        hashes["data"] = _listing_hash([(name, plain(name, _cached_file_hash)) for name in files["datasets"]])
    return hashes


def installation_hashes(use_cache: bool = True) -> dict[str, str]:
    """The hashes of the templates and the assets, the inputs every brief shares (``briefing.prepare``
    remembers them in the installation's cache, so a first run does not read 25 MB of map data)."""
    return {"templates": _tree_hash(TEMPLATES_DIR, cached=False, exclude=NOT_IN_BRIEF, memo=use_cache),
            "assets": _tree_hash(ASSETS_DIR, cached=True, memo=use_cache)}


def _listing_hash(listing: Iterable[tuple[str, str]]) -> str:
    """One hash of (name, hash of its content) pairs in order: the shape of every input hash but the facts'."""
    digest = hashlib.sha256()
    for name, content in listing:
        digest.update(f"{name}\0{content}\n".encode())
    return digest.hexdigest()


def fingerprint(inputs: Mapping[str, str]) -> str:
    """One SHA-256 over all the input hashes: equal fingerprints mean an identical brief."""
    return _sha256(json.dumps(dict(inputs), sort_keys=True).encode())


# --------------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------------


def publish(
    facts_path: str | Path,
    out_dir: str | Path = "output",
    options: BuildOptions = BuildOptions(),
    *,
    lock_timeout: float = LOCK_TIMEOUT,
    state: str | None = None,
) -> Edition:
    """Publish a new edition of the brief in ``facts_path`` if anything it is built from changed.

    ``state`` names the state database (``--state``; default ``BRIEFING_STATE``, else ``OUT/briefing.db``).
    Raises FactsError for an unusable facts file (nothing is written), LockedError when another run
    held the brief's lock for ``lock_timeout`` seconds, BuildError for an unreadable manifest,
    StateError for a state database that cannot be used.
    """
    from .validate import validate_facts

    facts_path = Path(facts_path)
    out_dir = Path(out_dir)
    log.debug("%s: Step 1 - Loading and validating facts", facts_path)
    first_bytes = read_facts_bytes(facts_path)
    facts, warnings = validate_facts(first_bytes, facts_path, options.strict, options.cache)  # before anything is locked or written
    brief_id = facts.id
    store = open_store(state, out_dir)
    (out_dir / brief_id).mkdir(parents=True, exist_ok=True)
    with store.brief_lock(brief_id, lock_timeout) as waited:
        _clean_stale_temps(out_dir, brief_id)
        # Hash the bytes under the lock, before any parsing: if the file changes later, the next run
        # rebuilds. A run that waited for the lock, or whose file changed meanwhile, validates it again
        # and publishes it as it is now; otherwise the facts just validated are these bytes' (validating
        # twice cost every run, and a brief with data read its tables twice).
        facts_bytes = read_facts_bytes(facts_path)
        if waited or facts_bytes != first_bytes:
            facts, warnings = validate_facts(facts_bytes, facts_path, options.strict, options.cache)
        if facts.id != brief_id:
            raise BuildError(f"{facts_path}: its id changed from {brief_id} to {facts.id} during the run; run again")
        return _publish_locked(store, facts, warnings, facts_bytes, facts_path, out_dir, options)


@dataclass(frozen=True)
class Unchanged:
    """The latest edition of a brief, found current by ``reuse_current`` without validating its facts."""

    brief_id: str
    name: str
    pdf_path: Path


def reuse_current(facts_path: str | Path, out_dir: str | Path = "output", options: BuildOptions = BuildOptions(), *,
                  lock_timeout: float = LOCK_TIMEOUT, state: str | None = None) -> Unchanged | None:
    """The latest edition, when these exact facts bytes and every file they name are what it was built from.

    Why: most runs (a cron line, a repeated ``make report``) find nothing changed, and proving that
    needs no validation (pydantic costs more than the rest of such a run), no drawing and no layout:
    the bytes are those of a file that was validated and published, and the manifest lists the
    files it names, so hashing them decides. Anything else returns None and the caller publishes
    as usual, validating first: a changed or unreadable file, a manifest from before the file list
    was recorded, another paper size, or ``strict`` (which must see the warnings as errors). The
    warnings recorded when the edition was built are logged again, as a validating run would.
    """
    facts_path, out_dir = Path(facts_path), Path(out_dir)
    if options.strict:
        return None
    try:
        facts_bytes = read_facts_bytes(facts_path)
        data = parse_yaml(facts_bytes, str(facts_path))
    except FactsError:
        return None
    brief_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(brief_id, str) or not re.fullmatch(ID_PATTERN, brief_id):
        return None
    folder = out_dir / brief_id
    if not (folder / "manifest.json").is_file() and named_state(state) is None:  # never published here
        return None
    store = open_store(state, out_dir)
    # another run may be publishing; the bytes are read again, as publish does (not held where .lock cannot be made)
    with store.brief_lock(brief_id, lock_timeout, reading=True):
        try:
            if read_facts_bytes(facts_path) != facts_bytes:
                return None
        except FactsError:
            return None
        latest = _current(store, facts_bytes, facts_path, folder, brief_id, options)
        if latest is None:
            return None
        _clean_stale_temps(out_dir, brief_id)
        _restore_latest(out_dir / f"{brief_id}.pdf", folder / latest["file"], latest)
    for field, message in latest.get("warnings", []):
        log.warning("%s", Problem(str(facts_path), field, message))
    log.info("%s: unchanged since edition %s", brief_id, latest["name"])
    return Unchanged(brief_id, latest["name"], out_dir / f"{brief_id}.pdf")


def _current(store: Store, facts_bytes: bytes, facts_path: Path, folder: Path, brief_id: str,
             options: BuildOptions) -> dict[str, Any] | None:
    """The latest manifest entry if it was built from exactly these inputs, from this file, in this paper size."""
    try:
        editions = store.editions(brief_id)
    except BuildError:
        return None
    latest = editions[-1] if editions else None
    if (latest is None or latest.get("facts_path") != str(facts_path.resolve()) or _paper(latest) != options.paper
            or (latest.get("inputs") or {}).get("facts") != _sha256(facts_bytes) or not _recorded_files(latest)
            or not _intact(folder / latest["file"], latest["pdf_sha256"])):
        return None
    try:
        inputs = _hashes_of(facts_bytes, latest["files"], facts_path, options.cache)
    except FactsError:
        return None
    return latest if _same_content(latest, inputs, fingerprint(inputs)) else None


def check_facts(facts_path: str | Path, *, strict: bool = False, use_cache: bool = True) -> None:
    """Validate a facts file (``--check``), or recall that these exact bytes, the files they name and
    this code validated before; FactsError as ``validate.load_facts`` raises it.

    Why: a pre-commit hook or a CI job checks every brief, and most did not change, yet validating
    costs pydantic's import and schema, most of such a run. Only a success is remembered (a file with
    problems is validated, and its problems reported, every time), in the drawing cache under a name
    that holds the code version (``cache.key``), the bytes, the path and ``BRIEFING_SOURCES_ROOT``; the
    files the facts name are hashed again as ``reuse_current`` hashes them. The warnings are logged
    again, or with ``strict`` raised, exactly as validation reports them.
    """
    facts_path = Path(facts_path)
    facts_bytes = read_facts_bytes(facts_path)
    name = cache.key("checked", [_sha256(facts_bytes), str(facts_path.resolve()), os.environ.get(SOURCES_ROOT_ENV, "")])
    known = cache.read(name) if use_cache else None
    problems = _recalled(known, facts_bytes, facts_path) if known is not None else None
    if problems is not None:
        if isinstance(summary := json.loads(known).get("summary"), str):
            log.info("%s", summary)  # the provenance line, as the validation printed it
        if strict and problems:
            raise FactsError(problems)
        for problem in problems:
            log.warning("%s", problem)
        return
    from .provenance import check_provenance
    from .validate import validate_facts

    facts, warnings = validate_facts(facts_bytes, facts_path, strict, use_cache)
    if use_cache:
        files = input_files(facts)
        checked = check_provenance(facts, facts_path)  # texts cached: the summary validation just printed
        cache.write(name, json.dumps({"files": files, "hashes": _hashes_of(facts_bytes, files, facts_path, True),
                                      "warnings": _recorded_warnings(warnings),
                                      "summary": checked.summary if checked.checked else None}).encode())


def _recorded_warnings(warnings: list[Problem]) -> list[list[str]]:
    """Warnings as a manifest entry or a remembered check keeps them: the field and the message (the
    file is named again by whoever logs them)."""
    return [[p.field, p.message] for p in warnings]


def _recalled(known: bytes, facts_bytes: bytes, facts_path: Path) -> list[Problem] | None:
    """The warnings of a remembered successful check whose files still hash the same; None otherwise
    (a file the facts name changed or went missing, or an entry that is not ours): validate then."""
    try:
        entry = json.loads(known)
        if _recorded_files(entry) and _hashes_of(facts_bytes, entry["files"], facts_path, True) == entry["hashes"]:
            return [Problem(str(facts_path), field, message) for field, message in entry["warnings"]]
    except (ValueError, TypeError, KeyError, FactsError):
        pass
    return None


def _recorded_files(entry: Mapping[str, Any]) -> bool:
    """Whether an entry lists the files its facts named (entries written before that was recorded do not)."""
    files = entry.get("files")
    return (isinstance(files, dict) and all(isinstance(files.get(k), list) for k in ("sources", "overlays", "datasets"))
            and all(isinstance(s, list) and len(s) == 2 and isinstance(s[0], int) and isinstance(s[1], str) for s in files["sources"])
            and all(isinstance(n, str) for k in ("overlays", "datasets") for n in files[k]))


def read_editions(out_dir: str | Path, brief_id: str) -> list[dict[str, Any]]:
    """The published editions of a brief, oldest first, from its view ``OUT/<id>/manifest.json`` (for the
    live preview, which only reads the output folder and never publishes: the store keeps the view
    current). BuildError for a manifest that is not ours."""
    path = Path(out_dir) / brief_id / "manifest.json"
    data = read_view(path, BuildError)
    return [] if data is None else parse_manifest(path, data, brief_id)


def draft_changes(facts: Facts, facts_bytes: bytes, facts_path: Path, out_dir: str | Path) -> ChangesPart | None:
    """The changes section the next edition would print, for a draft of it; None before the first edition.

    Why here: the live preview must say exactly what a published edition would, so it reuses the same
    comparison with the last published edition's facts. Raises BuildError for an unreadable manifest.
    """
    folder = Path(out_dir) / facts.id
    editions = read_editions(out_dir, facts.id)
    if not editions:
        return None
    previous = editions[-1]
    inputs = input_hashes(facts_bytes, facts, facts_path)
    if fingerprint(inputs) == previous["fingerprint"]:
        if len(editions) == 1:  # the draft is the first edition itself, which has no changes section
            return None
        lines = ["No change: this draft is the brief of that edition."]
    else:
        lines = changes_lines(folder, previous, facts.model_dump(mode="json"), inputs)
    from .pdf import ChangesPart

    return ChangesPart(previous=previous_words(previous), lines=tuple(lines))


def _clean_stale_temps(out_dir: Path, brief_id: str) -> None:
    """Remove temporary files a killed run left; safe because every writer of them holds this lock."""
    stale = list((out_dir / brief_id).glob(".*.tmp")) + list(out_dir.glob(f".{brief_id}.pdf.*.tmp"))
    for path in stale:
        path.unlink(missing_ok=True)
    if stale:
        log.info("%s: removed %d temporary file(s) left by an interrupted run", brief_id, len(stale))


def _publish_locked(store: Store, facts: Facts, warnings: list[Problem], facts_bytes: bytes, facts_path: Path, out_dir: Path,
                    options: BuildOptions) -> Edition:
    started = time.perf_counter()
    folder = out_dir / facts.id
    latest_pdf = out_dir / f"{facts.id}.pdf"
    editions = store.editions(facts.id)
    _refuse_a_second_file_with_this_id(editions, facts_path, facts.id, folder)
    inputs = input_hashes(facts_bytes, facts, facts_path, options.cache)
    fp = fingerprint(inputs)
    previous = editions[-1] if editions else None

    if previous is not None and _same_content(previous, inputs, fp) and (
            options.paper != _paper(previous) or _intact(folder / previous["file"], previous["pdf_sha256"])):
        if options.paper != _paper(previous):
            return _paper_variant(store, facts, facts_path, out_dir, editions, inputs, options)
        _restore_latest(latest_pdf, folder / previous["file"], previous)
        log.info("%s: unchanged since edition %s", facts.id, previous["name"])
        return _edition(facts, facts_path, latest_pdf, folder, previous, built=False, changes=None)

    # a date alone names the edition by its day: no hour is invented
    base = words.utc_stamp(facts.as_of, "%Y%m%d" if facts.as_of_day_only else "%Y%m%dT%H%MZ")
    revision = 1 + max((e["revision"] for e in editions if e["name"].split("-r")[0] == base), default=0)
    name = base if revision == 1 else f"{base}-r{revision}"
    number = 1 + max((e["number"] for e in editions), default=0)
    snapshot = facts.model_dump(mode="json")
    changes = None
    if previous is not None:
        from .pdf import ChangesPart

        changes = ChangesPart(previous=previous_words(previous), lines=tuple(changes_lines(folder, previous, snapshot, inputs)))

    words.macros.cache_clear()  # a long-running process must render with the templates as they are now
    pdf = build_brief(facts, dataclasses.replace(options, edition=edition_words(number, revision, facts.as_of, facts.as_of_day_only), changes=changes))
    entry = {
        "number": number,
        "name": name,
        "as_of": facts.as_of.date().isoformat() if facts.as_of_day_only else snapshot["as_of"],
        "revision": revision,
        "fingerprint": fp,
        "inputs": inputs,
        "file": f"{facts.id}-{name}.pdf",
        "facts": f"{facts.id}-{name}.facts.json",
        "pdf_sha256": _sha256(pdf),
        "pages": len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)),
        "change_lines": len(changes.lines) if changes else 0,
        "paper": options.paper,
        "built_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "facts_path": str(facts_path.resolve()),
        "files": input_files(facts),  # what reuse_current hashes to find a rerun unchanged without validating
        "warnings": _recorded_warnings(warnings),  # logged again by reuse_current
    }
    log.debug("%s: Step 5 - Writing edition %s", facts.id, name)
    write_atomic(folder / entry["file"], pdf)
    write_atomic(folder / entry["facts"], _json_bytes(snapshot))
    store.save_editions(facts.id, [*editions, entry])  # the commit point (then the manifest view)
    write_atomic(latest_pdf, pdf)
    log.info("%s: edition %s built (%d pages) in %.2f s: %s",
             facts.id, name, entry["pages"], time.perf_counter() - started, latest_pdf)
    return _edition(facts, facts_path, latest_pdf, folder, entry, built=True, changes=changes)


def _same_content(entry: Mapping[str, Any], inputs: Mapping[str, str], fp: str) -> bool:
    """Whether ``entry`` was built from these inputs; an entry from before the paper size left the
    fingerprint has it among its inputs, and must not count as changed (a new edition, re-mailed)."""
    old = entry.get("inputs") or {}
    return entry["fingerprint"] == fp or ("options" in old and entry["fingerprint"] == fingerprint({**inputs, "options": old["options"]}))


def _paper(entry: Mapping[str, Any]) -> str:
    """The paper size of an entry's main PDF (older entries name it in their inputs as ``paper=a4``)."""
    return entry.get("paper") or str((entry.get("inputs") or {}).get("options", "paper=a4")).removeprefix("paper=")


def _paper_variant(store: Store, facts: Facts, facts_path: Path, out_dir: Path, editions: list[dict[str, Any]],
                   inputs: Mapping[str, str], options: BuildOptions) -> Edition:
    """The latest edition in another paper size: built once (same edition line, same changes), then reused.

    ``OUT/<id>.pdf`` becomes that size, the manifest entry lists the variant under ``papers``, and no
    edition is added, so nothing is mailed again.
    """
    folder = out_dir / facts.id
    entry = editions[-1]
    variant = (entry.get("papers") or {}).get(options.paper)
    if variant is None or not _intact(folder / variant["file"], variant["pdf_sha256"]):
        changes = None
        if len(editions) > 1:
            from .pdf import ChangesPart  # reportlab loads only when a PDF is written

            lines = changes_lines(folder, editions[-2], facts.model_dump(mode="json"), inputs)
            changes = ChangesPart(previous=previous_words(editions[-2]), lines=tuple(lines))
        words.macros.cache_clear()
        words_of_edition = edition_words(entry["number"], entry["revision"], facts.as_of, facts.as_of_day_only)
        pdf = build_brief(facts, dataclasses.replace(options, edition=words_of_edition, changes=changes))
        variant = {"file": f"{facts.id}-{entry['name']}.{options.paper}.pdf", "pdf_sha256": _sha256(pdf)}
        write_atomic(folder / variant["file"], pdf)
        entry = {**entry, "papers": {**(entry.get("papers") or {}), options.paper: variant}}
        store.save_editions(facts.id, [*editions[:-1], entry])
        log.info("%s: edition %s written in %s size too (the same edition; nothing new to mail)", facts.id, entry["name"], options.paper)
    else:
        log.info("%s: unchanged since edition %s (%s size)", facts.id, entry["name"], options.paper)
    latest_pdf = out_dir / f"{facts.id}.pdf"
    _restore_latest(latest_pdf, folder / variant["file"], {"name": entry["name"], "pdf_sha256": variant["pdf_sha256"]})
    return dataclasses.replace(_edition(facts, facts_path, latest_pdf, folder, entry, built=False, changes=None),
                               archive_path=folder / variant["file"])


def _refuse_a_second_file_with_this_id(editions: list[dict[str, Any]], facts_path: Path, brief_id: str, folder: Path) -> None:
    """FactsError when the latest edition came from another facts file that still has this id.

    Why: two files with one id would publish into one folder by turns, each edition undoing the
    other (and ``--send`` mailing both every run). A file that was moved or renamed, or whose id
    changed, is no conflict: only a file that still exists with this id is.
    """
    other = Path(editions[-1].get("facts_path", "")) if editions else None
    if other is None or other == facts_path.resolve() or not other.is_file():
        return
    try:
        data = read_yaml(other)
    except FactsError:  # not a usable facts file: it cannot publish into this folder either
        return
    if isinstance(data, dict) and data.get("id") == brief_id:
        raise FactsError.single(facts_path, "id", f'"{brief_id}" is also the id of {other}, whose editions are in {folder}; '
                                "give each brief its own id")


def _edition(facts: Facts, facts_path: Path, pdf_path: Path, folder: Path, entry: Mapping[str, Any], *,
             built: bool, changes: ChangesPart | None) -> Edition:
    return Edition(
        facts=facts, facts_path=facts_path, pdf_path=pdf_path, name=entry["name"], built=built,
        number=entry["number"], revision=entry["revision"], pages=entry["pages"],
        archive_path=folder / entry["file"], changes=changes, fingerprint=entry["fingerprint"],
        change_lines=entry.get("change_lines", 0),
    )


def _intact(path: Path, sha256: str) -> bool:
    """Whether an archived PDF is there with the hash its manifest entry recorded: a truncated or
    altered one is never restored or mailed (the caller builds it again)."""
    if not path.is_file():
        return False
    if _sha256(path.read_bytes()) == sha256:
        return True
    log.warning("%s: differs from the SHA-256 its manifest recorded (damaged?); building it again", path)
    return False


def _restore_latest(latest_pdf: Path, archived: Path, entry: Mapping[str, Any]) -> None:
    """Make ``OUT/<id>.pdf`` the latest edition again if it is missing or stale (a run killed late)."""
    if latest_pdf.is_file() and _sha256(latest_pdf.read_bytes()) == entry["pdf_sha256"]:
        return
    write_atomic(latest_pdf, archived.read_bytes())
    log.info("%s: restored from edition %s", latest_pdf, entry["name"])


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
