"""Live preview for staff: edit a facts file, see the brief update in the browser.

Why: writing a brief used to be edit, build, open the PDF, again and again. ``make_report.py FACTS
--preview`` runs a local web server (127.0.0.1 unless ``--host`` says otherwise) that builds each brief
into a *draft*, shows its pages as images beside its problems, what changed since the last published
edition and who was mailed which edition, and rebuilds on every save of the facts file, the local
files it names (``sources[].file`` and any other ``file`` field) or the templates; the open pages
update by themselves through server-sent events.

A preview never publishes an edition and never mails anyone: it only reads ``OUT``. Drafts live in
memory, not in files, so nothing is left behind however the server stops (Ctrl-C, SIGTERM, even a
kill). Builds run one at a time on one daemon thread (a build keeps a core busy, and the machine is
shared); a save during a build queues one more build, and exit never waits for a build.

URLs: ``/`` the briefs and their status, ``/brief/KEY`` one brief, ``/brief/KEY/read`` its accessible
HTML rendering, ``/draft/KEY/NAME`` the draft's files (only names the current draft has: anything else,
``..`` or encoded paths included, is 404), ``/events`` the update stream. KEY is the facts file's name
without ``.yaml`` (``-2``, ``-3`` ... added if two files share a name).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import anyio
import jinja2
import pypdfium2
import uvicorn
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from reportlab.graphics.shapes import Drawing
from watchfiles import awatch

from . import words
from .build import BuildOptions, locator_part
from .charts import PLACES, Chart, build_charts, event_date
from .changes import change_count
from .webserver import bounded_protocol, is_loopback, listen, max_connections, raise_file_limit, served_names
from .editions import draft_changes, input_files, read_editions
from .errors import BriefingError, FactsError
from .facts import LIKELIHOOD, Facts
from .provenance import Support, check_provenance
from .validate import validate_facts
from .files import read_facts_bytes
from .deliveries import read_ledger
from .pdf import ChangesPart, MapPart, render_pdf

log = logging.getLogger("briefing")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Page images: 1.5 px per PDF point is sharp on a laptop screen (A4 -> 893 px wide) and quick to render.
PAGE_SCALE = 1.5
TEMPLATES = words.TEMPLATES / "preview"
#: What a draft's first page prints after "Edition": a draft is not an edition.
DRAFT_WORDS = "draft, not published"


@dataclass(frozen=True)
class Draft:
    """One successful build of a brief, with everything the pages show about it."""

    facts: Facts
    version: int
    built_at: dt.datetime
    seconds: float
    pdf_name: str
    pages: tuple[str, ...]  # names of the page images, in order
    files: Mapping[str, tuple[bytes, str]]  # name -> (content, media type): all a draft serves
    charts: tuple[tuple[Chart, str], ...]  # each chart with the name of its image
    locator: MapPart | None
    map_name: str | None
    changes: ChangesPart | None
    graphics_key: str = ""  # what the charts and the map were drawn from (see _graphics_key)
    graphics_warnings: tuple[str, ...] = ()
    #: statement text -> the passage of a saved source that best supports it (provenance.check_provenance)
    supports: Mapping[str, Support] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def change_words(self) -> str | None:
        """The index's line on changes since the published edition, agreeing with the brief's page
        (whose one "No change ..." line is no change, not "1 change"); None before the first edition."""
        if self.changes is None:
            return None
        n = change_count(self.changes.lines)
        return "no change since that edition" if n == 0 else f"{n} change{'s' if n != 1 else ''} since that edition"


@dataclass(frozen=True)
class BriefState:
    """What the preview knows about one facts file: its last good draft and the latest attempt's problems."""

    key: str
    path: Path
    draft: Draft | None = None
    problems: tuple[str, ...] = ()  # one line each: why the latest save could not be built
    warnings: tuple[str, ...] = ()  # from the latest build: it printed, but something is off
    building: bool = False
    attempts: int = 0
    inputs: frozenset[Path] = frozenset()  # files besides the facts file whose change means a rebuild


@dataclass(frozen=True)
class EditionView:
    """One published edition as the preview lists it, with who has been mailed it."""

    number: int
    name: str
    as_of: str
    built_at: str
    pages: int
    delivered: tuple[tuple[str, str], ...]  # (recipient, accepted at)


# --------------------------------------------------------------------------------------------------
# Building drafts
# --------------------------------------------------------------------------------------------------


class _Capture(logging.Handler):
    """Collects the warnings the pipeline logs on the builder thread, to show them on the page."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def _referenced_files(facts: Facts, base: Path) -> frozenset[Path]:
    """Every local file a facts file names (source copies, overlays' GeoJSON, data sets), resolved:
    the files a published edition is fingerprinted on (``editions.input_files``)."""
    files = input_files(facts)
    return frozenset((base / name).resolve() for name in (*(name for _, name in files["sources"]), *files["overlays"],
                                                          *files["datasets"]))


#: Fields that no chart or map is drawn from: an edit to them alone reuses the last draft's graphics.
_WORDS_ONLY = {"key_points", "sections", "quotes", "title", "subtitle", "prepared_by", "handling"}


def _graphics_key(facts: Facts) -> str:
    """A digest of everything but the words, so editing a statement (the usual save) redraws no chart or map.

    Why: charts and the map are half of a build; a preview must update within about a second of a save.
    The key holds every other field, including ones a later spec adds, so no change to them is missed.
    """
    data = facts.model_dump(mode="json", exclude=_WORDS_ONLY)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _page_images(pdf: bytes, scale: float = PAGE_SCALE) -> list[bytes]:
    """Each page of the PDF as a PNG, rendered by PDFium."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        images = []
        for index in range(len(doc)):
            page = doc[index]
            buf = io.BytesIO()
            page.render(scale=scale).to_pil().save(buf, "PNG", compress_level=1)
            images.append(buf.getvalue())
            page.close()
        return images
    finally:
        doc.close()


def _drawing_png(drawing: Drawing) -> bytes:
    """A chart or the map as a PNG, drawn as the PDF draws it (by PDFium, in the embedded fonts), at twice its size."""
    from reportlab.graphics import renderPDF

    return _page_images(renderPDF.drawToString(drawing), scale=2.0)[0]


def build_draft(path: Path, out_dir: Path, options: BuildOptions, version: int,
                previous: Draft | None = None) -> tuple[Draft, tuple[str, ...]]:
    """Build one draft of the brief in ``path`` and return it with the warnings the build logged.

    The pipeline of ``build_brief``, stage by stage, to keep the charts and the map for the HTML
    rendering; those of ``previous`` are reused when only words changed. Raises FactsError for an
    unusable facts file, BriefingError for other known failures.
    """
    started = time.perf_counter()
    capture = _Capture()
    log.addHandler(capture)
    try:
        facts_bytes = read_facts_bytes(path)  # refuses a FIFO, a device or an oversized file before any read
        facts, facts_problems = validate_facts(facts_bytes, path)
        try:
            changes = draft_changes(facts, facts_bytes, path, out_dir)
        except BriefingError as exc:  # an unreadable manifest: the draft is still worth seeing
            log.warning("%s", exc)
            changes = None
        key = _graphics_key(facts)
        reused = previous if previous is not None and previous.graphics_key == key else None  # same drawings, same images
        if reused is not None:
            charts, locator = [c for c, _ in reused.charts], reused.locator
            graphics_warnings = reused.graphics_warnings
        else:
            before = len(capture.lines)
            charts, locator = build_charts(facts), locator_part(facts)
            graphics_warnings = tuple(capture.lines[before:])
        pdf = render_pdf(facts, charts, locator=locator, changes=changes, paper=options.paper, edition=DRAFT_WORDS)
    finally:
        log.removeHandler(capture)
    # warnings about the facts are logged once per process: the list validation returned is shown on every rebuild
    warnings = tuple(dict.fromkeys([*(str(p) for p in facts_problems), *capture.lines, *graphics_warnings]))
    files: dict[str, tuple[bytes, str]] = {f"{facts.id}-draft.pdf": (pdf, "application/pdf")}
    pages = []
    for n, png in enumerate(_page_images(pdf), start=1):
        pages.append(f"page-{n}.png")
        files[pages[-1]] = (png, "image/png")

    def image(name: str, drawing: Drawing) -> str:
        files[name] = reused.files[name] if reused is not None else (_drawing_png(drawing), "image/png")
        return name

    named_charts = [(chart, image(f"chart-{n}.png", chart.drawing)) for n, chart in enumerate(charts, start=1)]
    if locator is not None:
        image("map.png", locator.drawing)
    draft = Draft(
        facts=facts, version=version, built_at=dt.datetime.now(dt.timezone.utc), seconds=time.perf_counter() - started,
        pdf_name=f"{facts.id}-draft.pdf", pages=tuple(pages), files=MappingProxyType(files), charts=tuple(named_charts),
        locator=locator, map_name="map.png" if locator is not None else None, changes=changes,
        graphics_key=key, graphics_warnings=graphics_warnings, supports=_supports(facts, path),
    )
    return draft, warnings


def _supports(facts: Facts, path: Path) -> Mapping[str, Support]:
    """Each statement's supporting passage, shown beside it on the reading page. The check already ran in
    validation; its saved texts are cached in this process, so this costs the matching alone (ms)."""
    statements = dict(facts.all_statements())
    found = check_provenance(facts, path).supports
    return MappingProxyType({statements[s.field].text: s for s in found if s.field in statements})


def published_editions(out_dir: Path, brief_id: str) -> tuple[list[EditionView], str | None]:
    """The published editions of a brief, newest first, with their deliveries; and a problem reading them."""
    try:
        entries = read_editions(out_dir, brief_id)
        ledger = read_ledger(out_dir, brief_id)
    except BriefingError as exc:
        return [], str(exc)
    views = []
    for entry in reversed(entries):
        delivered = tuple((d["recipient"], d.get("accepted", "")) for d in ledger if d["edition"] == entry["name"])
        views.append(EditionView(number=entry["number"], name=entry["name"], as_of=entry["as_of"],
                                 built_at=str(entry.get("built_at", "")), pages=entry["pages"], delivered=delivered))
    return views, None


# --------------------------------------------------------------------------------------------------
# The preview: state, the builder thread, the watcher
# --------------------------------------------------------------------------------------------------


def _keys(paths: Sequence[Path]) -> list[str]:
    """A short, unique, URL-safe name per facts file: its stem, numbered when two share one."""
    keys: list[str] = []
    for path in paths:
        stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in path.stem) or "brief"
        key, n = stem, 1
        while key in keys:
            n += 1
            key = f"{stem}-{n}"
        keys.append(key)
    return keys


class Preview:
    """The briefs being previewed and their drafts; shared by the web handlers and the builder thread."""

    def __init__(self, paths: Sequence[Path], out_dir: Path, options: BuildOptions):
        self.out_dir = out_dir
        self.options = options
        self._lock = threading.Lock()
        self._states = {k: BriefState(key=k, path=p.resolve()) for k, p in zip(_keys(paths), paths)}
        self._queue: queue.Queue[str] = queue.Queue()
        self._pending: set[str] = set()
        self._subscribers: set[asyncio.Queue[str]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rewatch = asyncio.Event()  # set: the watcher starts again on the folders as they are now
        self._thread = threading.Thread(target=self._work, name="briefing-preview-builder", daemon=True)

    # -- state -------------------------------------------------------------------------------------
    def states(self) -> list[BriefState]:
        with self._lock:
            return list(self._states.values())

    def state(self, key: str) -> BriefState | None:
        with self._lock:
            return self._states.get(key)

    def _update(self, key: str, **changes: Any) -> None:
        with self._lock:
            self._states[key] = dataclasses.replace(self._states[key], **changes)
        self._announce(key)

    # -- building ----------------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread.start()
        for key in self._states:
            self.request_build(key)

    def request_build(self, key: str) -> None:
        """Queue a build of one brief, unless one is already waiting (a save during a build still gets one)."""
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
        self._queue.put(key)

    def _work(self) -> None:
        while True:
            key = self._queue.get()
            with self._lock:
                self._pending.discard(key)
                state = self._states[key]
            log.debug("%s: building", key)
            self._update(key, building=True)
            self._build(state)

    def _build(self, state: BriefState) -> None:
        version = state.attempts + 1
        try:
            draft, warnings = build_draft(state.path, self.out_dir, self.options, version, previous=state.draft)
        except FactsError as exc:
            self._update(state.key, building=False, attempts=version, problems=tuple(str(p) for p in exc.problems), warnings=())
            log.warning("%s", exc)
            return
        except BriefingError as exc:
            self._update(state.key, building=False, attempts=version, problems=(str(exc),), warnings=())
            log.warning("%s", exc)
            return
        except Exception as exc:  # a bug must not stop the preview: show it, keep serving the last good draft
            log.exception("%s: the draft could not be built", state.path)
            self._update(state.key, building=False, attempts=version, warnings=(),
                         problems=(f"{state.path}: the draft could not be built ({type(exc).__name__}: {exc}); "
                                   "this is a bug in briefing, please report it",))
            return
        inputs = _referenced_files(draft.facts, state.path.parent)
        self._update(state.key, building=False, attempts=version, draft=draft, problems=(), warnings=warnings, inputs=inputs)
        if inputs != state.inputs:
            self._folders_may_have_changed()
        log.info("%s: draft %d built (%d pages) in %.2f s", draft.facts.id, version, len(draft.pages), draft.seconds)

    # -- telling the open pages --------------------------------------------------------------------
    def _announce(self, key: str) -> None:
        """Tell every open page that ``key`` changed (``*``: everything); safe from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed while we were building
                self._loop.call_soon_threadsafe(self._broadcast, key)

    def _broadcast(self, key: str) -> None:
        for subscriber in list(self._subscribers):
            subscriber.put_nowait(key)

    async def events(self, shutdown: anyio.Event) -> AsyncIterator[dict[str, str]]:
        """The update stream of one open page; it ends by itself when the server shuts down."""
        mine: asyncio.Queue[str] = asyncio.Queue()
        self._subscribers.add(mine)
        try:
            while not shutdown.is_set():
                try:
                    key = await asyncio.wait_for(mine.get(), 0.25)
                except asyncio.TimeoutError:
                    continue
                yield {"event": "update", "data": json.dumps({"key": key})}
        finally:
            self._subscribers.discard(mine)

    # -- watching ----------------------------------------------------------------------------------
    def watched_folders(self) -> set[Path]:
        """Folders, not files: editors save by deleting and recreating, which a file watch would lose."""
        templates = TEMPLATES.parent
        folders = {templates, *(d for d in templates.rglob("*") if d.is_dir())}
        for state in self.states():
            folders.add(state.path.parent)
            folders.update(p.parent for p in state.inputs)
        return {f for f in folders if f.is_dir()}

    def changed(self, paths: set[Path]) -> None:
        """Rebuild the briefs that a set of changed files affects; re-render pages if only theirs changed."""
        log.debug("changed: %s", ", ".join(sorted(str(p) for p in paths)))
        brief_templates = {p for p in paths if p.is_relative_to(TEMPLATES.parent) and not p.is_relative_to(TEMPLATES)}
        if brief_templates:
            words.macros.cache_clear()  # render with the templates as they are now
        for state in self.states():
            if brief_templates or state.path in paths or paths & state.inputs:
                self.request_build(state.key)
        if any(p.is_relative_to(TEMPLATES) for p in paths):
            self._announce("*")

    async def watch(self, stop: asyncio.Event) -> None:
        """Follow the watched folders until ``stop``; start again when a draft names files in other folders."""
        while not stop.is_set():
            folders = self.watched_folders()
            self._rewatch = asyncio.Event()
            relay = asyncio.create_task(stop.wait())
            relay.add_done_callback(lambda _task, rewatch=self._rewatch: rewatch.set())
            try:
                async for changes in awatch(*folders, stop_event=self._rewatch, debounce=400, step=30,
                                            recursive=False, watch_filter=None):
                    self.changed({Path(p).resolve() for _, p in changes})
            finally:
                relay.cancel()

    def _folders_may_have_changed(self) -> None:
        """From the builder thread: a draft names new files, so the watcher may need other folders."""
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._rewatch.set)


# --------------------------------------------------------------------------------------------------
# The web application
# --------------------------------------------------------------------------------------------------


@functools.cache
def _environment() -> jinja2.Environment:
    """The preview pages' templates: autoescaped (facts text is data), undefined names fail."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(as_of_words=words.as_of_words, as_of_iso=words.as_of_iso, horizon=words.horizon, event_date=event_date,
                       human_date=words.human_date, number=words.number)
    return env


def _page(name: str, **context: Any) -> HTMLResponse:
    html = _environment().get_template(name).render(**context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def _brief_context(preview: Preview, state: BriefState) -> dict[str, Any]:
    brief_id = state.draft.facts.id if state.draft else None
    editions, editions_problem = published_editions(preview.out_dir, brief_id) if brief_id else ([], None)
    return {"state": state, "draft": state.draft, "editions": editions, "editions_problem": editions_problem,
            "out_dir": str(preview.out_dir)}


def _reading_context(state: BriefState) -> dict[str, Any]:
    """What the reading page needs; its words for judgements, grades and scales are the PDF's own
    (the macros of ``brief.j2``), so the two renderings cannot drift apart."""
    draft = state.draft
    if draft is None:
        return {"state": state, "draft": None}
    facts = draft.facts
    events = sorted(facts.events, key=lambda e: (e.day, e.label))
    rows = list(draft.locator.rows if draft.locator else ())
    index = facts.source_index()
    charts_at = {place: [(c, name) for c, name in draft.charts if c.place == place] for place in PLACES}
    return {"state": state, "draft": draft, "facts": facts, "numbers": lambda ids: sorted({index[i] for i in ids}), "events": events,
            "support": lambda st: draft.supports.get(st.text), "map_rows": rows, "unmapped": [p for p in facts.places if p.lat is None or p.lon is None],
            "charts_at": charts_at, "likelihood": LIKELIHOOD, "pdf_words": words.macros("brief.j2"),
            "is_link": lambda url: url.lower().startswith(("http://", "https://", "mailto:"))}


def create_app(preview: Preview, host: str = "127.0.0.1") -> Starlette:
    """The web application over one Preview (the builder and watcher run in its lifespan); it answers
    only requests whose Host is one of ``served_names(host)`` (anything else is 400)."""

    def brief_or_404(request: Request) -> BriefState:
        state = preview.state(request.path_params["key"])
        if state is None:
            raise HTTPException(404)
        return state

    def index_context() -> dict[str, Any]:
        rows = []
        for state in preview.states():
            editions, problem = published_editions(preview.out_dir, state.draft.facts.id) if state.draft else ([], None)
            rows.append((state, editions[0] if editions else None, problem))
        return {"rows": rows}

    async def index(request: Request) -> Response:
        return _page("index.html.j2", **index_context())

    async def index_live(request: Request) -> Response:
        return _page("_index_live.html.j2", **index_context())

    async def brief(request: Request) -> Response:
        state = brief_or_404(request)
        return _page("brief.html.j2", **_brief_context(preview, state))

    async def brief_live(request: Request) -> Response:
        return _page("_brief_live.html.j2", **_brief_context(preview, brief_or_404(request)))

    async def reading(request: Request) -> Response:
        return _page("read.html.j2", **_reading_context(brief_or_404(request)))

    async def reading_live(request: Request) -> Response:
        return _page("_read_live.html.j2", **_reading_context(brief_or_404(request)))

    async def draft_file(request: Request) -> Response:
        state = brief_or_404(request)
        found = state.draft.files.get(request.path_params["name"]) if state.draft else None
        if found is None:
            raise HTTPException(404)
        content, media_type = found
        headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        return Response(content, media_type=media_type, headers=headers)

    async def events(request: Request) -> Response:
        shutdown = anyio.Event()  # set by sse-starlette when the server stops: the stream then ends cleanly
        return EventSourceResponse(preview.events(shutdown), ping=15, shutdown_event=shutdown, shutdown_grace_period=0.5)

    async def not_found(request: Request, exc: Exception) -> Response:
        html = _environment().get_template("404.html.j2").render(path=request.url.path)
        return HTMLResponse(html, status_code=404)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        preview.start(asyncio.get_running_loop())
        watcher = asyncio.create_task(preview.watch(stop))
        try:
            yield
        finally:
            stop.set()
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    routes = [
        Route("/", index),
        Route("/live", index_live),
        Route("/brief/{key}", brief),
        Route("/brief/{key}/live", brief_live),
        Route("/brief/{key}/read", reading),
        Route("/brief/{key}/read/live", reading_live),
        Route("/draft/{key}/{name}", draft_file),
        Route("/events", events),
    ]
    trusted = Middleware(TrustedHostMiddleware, allowed_hosts=served_names(host), www_redirect=False)
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found}, middleware=[trusted])


def serve(paths: Sequence[Path], out_dir: Path, options: BuildOptions = BuildOptions(),
          *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, announce: Any = print) -> None:
    """Serve the live preview of ``paths`` until Ctrl-C or SIGTERM; ``announce`` gets the URL once listening.

    Raises BriefingError when the address cannot be used (the port is taken, the host is not this machine's).
    """
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # it logs every change at INFO
    raise_file_limit()
    sock = listen(host, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    preview = Preview(list(paths), out_dir, options)
    if not is_loopback(host):
        log.warning("the preview has no login: anyone who can reach %s:%s can read the drafts and who was mailed them",
                    shown, bound_port)
    config = uvicorn.Config(create_app(preview, host), log_level="warning", access_log=False, lifespan="on",
                            http=bounded_protocol(), backlog=min(64, max_connections()),  # accepted per wake-up
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    announce(f"http://{shown}:{bound_port}/")
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
