"""The live preview (``--preview``), run as a user runs it: a real server process, a real headless
Chromium (Debian's ``chromium``, driven by Playwright, no browser download), real saves of the file."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterator

import pypdf
import pytest
import yaml

from briefing.facts import LIKELIHOOD
from conftest import BAKHMUT, ROOT, run_cli, squash

LA = ROOT / "briefs" / "la-riots.yaml"

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Server:
    """One ``make_report.py --preview`` process and what it was started on."""

    def __init__(self, proc: subprocess.Popen[str], url: str, facts: Path, out: Path, tmp: Path):
        self.proc, self.url, self.facts, self.out, self.tmp = proc, url, facts, out, tmp

    def get(self, path: str, host_header: str | None = None) -> tuple[int, str, bytes]:
        """GET a path exactly as written (no client-side normalisation of ``..`` or ``%2F``), with
        ``host_header`` as the Host if given (else the server's address, as a browser sends it)."""
        host, port = self.url.split("//")[1].rstrip("/").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            if host_header is None:
                conn.request("GET", path)
            else:
                conn.putrequest("GET", path, skip_host=True)
                conn.putheader("Host", host_header)
                conn.endheaders()
            reply = conn.getresponse()
            return reply.status, reply.getheader("Content-Type") or "", reply.read()
        finally:
            conn.close()

    def wait_for(self, path: str, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.get(path)[2].decode()
            if re.search(pattern, text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} never matched {pattern!r}; last:\n{text[:3000]}")
            time.sleep(0.1)


def _start(tmp_path: Path, facts_text: str | None = None, before: Callable[[Path, Path], None] | None = None,
           name: str = "bakhmut") -> Server:
    """Start a preview server on a copy of the example brief (or ``facts_text`` saved as NAME.yaml), as a user does."""
    folder, out, tmp = tmp_path / "briefs", tmp_path / "out", tmp_path / "tmp"
    for d in (folder, tmp):
        d.mkdir(exist_ok=True)
    facts = folder / f"{name}.yaml"
    facts.write_text(facts_text or BAKHMUT.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copytree(BAKHMUT.parent / "sources", folder / "sources", dirs_exist_ok=True)  # the saved copies it names
    if before:
        before(facts, out)
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "make_report.py"), str(facts), "--preview", "--port", "0",
                             "--out", str(out), "-q"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    server = Server(proc, url, facts, out, tmp)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), url
        server.wait_for(f"/brief/{name}", "status ok")
    except BaseException:
        _stop(server)
        raise
    return server


def _stop(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.kill()
    server.proc.communicate()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start servers for one test; every one is stopped afterwards."""
    servers: list[Server] = []

    def start_(facts_text: str | None = None, before: Callable[[Path, Path], None] | None = None) -> Server:
        servers.append(_start(tmp_path, facts_text, before))
        return servers[-1]

    yield start_
    for server in servers:
        _stop(server)


#: The example brief with markup and template code in a field: the HTML rendering must print it as text.
MARKUP_FACTS = BAKHMUT.read_text(encoding="utf-8").replace(
    "prepared_by: Eastern Europe desk", 'prepared_by: "<script>alert(1)</script> & {{ 7*7 }}"')


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the tests that only read from it."""
    server = _start(tmp_path_factory.mktemp("example"), MARKUP_FACTS)
    yield server
    _stop(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: .ci/run installs Debian's chromium package for these tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _save(path: Path, text: str) -> float:
    path.write_text(text, encoding="utf-8")
    return time.monotonic()


def test_browser_sees_pages_then_an_edit_a_broken_save_and_the_fix_without_reloading(start: Callable[..., Server], browser: Any) -> None:
    server = start()
    original = server.facts.read_text(encoding="utf-8")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pages_tab, reading_tab = context.new_page(), context.new_page()  # two tabs on the same brief
    pages_tab.goto(server.url + "brief/bakhmut")
    reading_tab.goto(server.url + "brief/bakhmut/read")

    images = pages_tab.locator("section.pages img")
    _status, _type, draft = server.get("/draft/bakhmut/bakhmut-draft.pdf")
    page_count = len(pypdf.PdfReader(io.BytesIO(draft)).pages)
    assert images.count() == page_count >= 2  # an image per page of the draft
    pages_tab.wait_for_function("[...document.querySelectorAll('section.pages img')].every(i => i.complete && i.naturalWidth > 800)")
    assert "Battle for Bakhmut" in reading_tab.locator("h1").inner_text()
    for tab in (pages_tab, reading_tab):
        tab.evaluate("window.notReloaded = true")
        tab.wait_for_timeout(300)  # the update stream is open before the first save

    # An edit: both tabs show it by themselves, the reading tab within 2 s of the save.
    edited = original.replace("Russian forces are edging closer to capturing Bakhmut", "Russian forces are edging ever closer to capturing Bakhmut")
    assert edited != original
    saved = _save(server.facts, edited)
    reading_tab.get_by_text("Russian forces are edging ever closer to capturing Bakhmut").wait_for(timeout=10_000)
    seconds = time.monotonic() - saved
    pages_tab.wait_for_selector("section.pages img[src$='?v=2']", timeout=10_000)
    assert seconds < 2.0, f"the edit showed {seconds:.2f} s after the save"
    _status, _type, pdf = server.get("/draft/bakhmut/bakhmut-draft.pdf")
    text = squash("\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))
    assert "Russian forces are edging ever closer to capturing Bakhmut" in text
    assert "Edition draft, not published" in text

    # A half-written save: the error line shows, the last good draft stays below it.
    _save(server.facts, edited[: edited.index("sections:")] + "sections:\n  situation: [\n")
    error = pages_tab.locator(".problems li")
    error.first.wait_for(timeout=10_000)
    assert re.fullmatch(rf"{re.escape(str(server.facts))}: line \d+, column \d+: not valid YAML: .+", error.first.inner_text())
    assert pages_tab.locator("section.pages img").count() == page_count
    reading_tab.locator(".problems").wait_for(timeout=10_000)
    assert reading_tab.get_by_text("Russian forces are edging ever closer to capturing Bakhmut").is_visible()

    # Fixed the way editors save: delete the file, then write it anew.
    server.facts.unlink()
    _save(server.facts, original)
    reading_tab.get_by_text("Russian forces are edging closer to capturing Bakhmut").first.wait_for(timeout=10_000)
    pages_tab.locator(".problems").wait_for(state="detached", timeout=10_000)
    assert pages_tab.locator("section.pages img").count() == page_count
    assert pages_tab.evaluate("window.notReloaded") and reading_tab.evaluate("window.notReloaded")

    # A reload during a build shows the page as it is, then the new draft when it is ready.
    _save(server.facts, edited)
    reading_tab.reload()
    reading_tab.get_by_text("Russian forces are edging ever closer to capturing Bakhmut").wait_for(timeout=10_000)

    shots = os.environ.get("PREVIEW_SCREENSHOTS")  # set it to a folder to look at the pages as a reader does
    if shots:
        pages_tab.screenshot(path=f"{shots}/brief.png")
        reading_tab.screenshot(path=f"{shots}/read.png", full_page=True)
        pages_tab.goto(server.url)
        pages_tab.screenshot(path=f"{shots}/index.png")
        print(f"save to update: {seconds:.2f} s", file=sys.stderr)
    context.close()


def test_an_update_whose_fetch_fails_is_fetched_again(start: Callable[..., Server], browser: Any) -> None:
    """A dropped connection or a busy server must not leave an open page showing an old draft until the next save."""
    server = start()
    original = server.facts.read_text(encoding="utf-8")
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(server.url + "brief/bakhmut/read")
    tab.evaluate("window.notReloaded = true")
    tab.wait_for_timeout(300)  # the update stream is open
    failing, failed = [True], []

    def drop(route: Any) -> None:
        if failing[0]:
            failed.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    tab.route("**/brief/bakhmut/read/live", drop)
    _save(server.facts, original.replace("edging closer to capturing", "edging ever closer to capturing"))
    server.wait_for("/brief/bakhmut/read/live", "edging ever closer to capturing")  # the new draft is built
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # the page's fetches after the announcement fail (handled while it waits)
        tab.wait_for_timeout(100)
    failing[0] = False
    assert failed, "the page never asked for the new draft"
    tab.get_by_text("edging ever closer to capturing").first.wait_for(timeout=10_000)
    assert tab.evaluate("window.notReloaded")
    context.close()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.alts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")


def test_the_html_rendering_says_everything_the_brief_says(example: Server) -> None:
    html = example.get("/brief/bakhmut/read")[2].decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in html
    page = _Text()
    page.feed(html)
    text = squash(" ".join(page.parts))
    facts = yaml.safe_load(MARKUP_FACTS)
    statements = facts["key_points"] + [s for name in ("situation", "stakes", "outlook") for s in facts["sections"][name]]
    for item in statements + facts.get("quotes", []) + facts.get("events", []):
        assert squash(item.get("text") or item["label"]) in text
    for fig in facts.get("figures", []):
        assert fig["label"] in text
    for place in facts.get("places", []):
        assert place["name"] in text
    for src in facts["sources"]:
        assert src["publisher"] in text
    assert all(alt for alt in page.alts) and len(page.alts) >= 2  # the map and every chart say what they show
    map_alt = next(alt for alt in page.alts if alt.startswith("Locator map"))
    assert re.search(r"Soledar [\d.,]+ km [\d]+° [NESW]+", map_alt), map_alt


#: The Admiralty grading spelled out, as a reader of the PDF reads it (independent of the templates).
GRADES = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable", "D": "not usually reliable",
          "E": "unreliable", "F": "reliability cannot be judged", "1": "confirmed by other sources", "2": "probably true",
          "3": "possibly true", "4": "doubtful", "5": "improbable", "6": "truth cannot be judged"}


def _reading_text(server: Server, key: str) -> tuple[str, list[str]]:
    page = _Text()
    page.feed(server.get(f"/brief/{key}/read")[2].decode())
    return squash("".join(page.parts)), page.alts  # "".join: "<b>CNN</b>, Rob Picheta" reads as it prints


def test_the_html_rendering_has_the_assessment_indicators_gaps_and_grades(example: Server) -> None:
    text, _ = _reading_text(example, "bakhmut")
    facts = yaml.safe_load(MARKUP_FACTS)
    assert facts["assessments"] and facts["indicators"] and facts["gaps"]
    for a in facts["assessments"]:  # each judgement leads with its likelihood, ICD 203 range and confidence
        assert squash(f"{a['likelihood'].capitalize()} ({LIKELIHOOD[a['likelihood']]}), {a['confidence']} confidence. {a['text']}") in text
    assert "Intelligence Community Directive 203" in text and text.count("Confidence says how well") == 1
    for ind in facts["indicators"]:
        assert squash(ind["text"]) in text and squash(ind["meaning"]) in text
    for gap in facts["gaps"]:
        assert squash(gap["text"]) in text
    graded = [s for s in facts["sources"] if s.get("grade")]
    assert graded
    for src in graded:
        g = src["grade"]
        assert f"Grade {g} ({GRADES[g[0]]}; {GRADES[g[1]]})" in text
        if src.get("author"):
            assert f"{src['publisher']}, {src['author']}" in text
    assert text.count("follow the Admiralty system") == 1


@pytest.fixture(scope="module")
def la_riots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The example brief drawn from a data table, with its table beside it."""
    def copy_data(facts: Path, out: Path) -> None:
        shutil.copytree(LA.parent / "data", facts.parent / "data")

    server = _start(tmp_path_factory.mktemp("la"), LA.read_text(encoding="utf-8"), copy_data, name="la-riots")
    yield server
    _stop(server)


def test_the_html_rendering_lists_datasets_and_says_what_each_time_chart_shows(la_riots: Server) -> None:
    text, alts = _reading_text(la_riots, "la-riots")
    facts = yaml.safe_load(LA.read_text(encoding="utf-8"))
    for ds in facts["datasets"]:
        digest = hashlib.sha256((LA.parent / ds["file"]).read_bytes()).hexdigest()
        assert f"{ds['publisher']}. {ds['title']}. Dataset" in text
        assert f"File {ds['file']}, SHA-256 {digest}." in text
    # The time charts' text alternative: label, unit, period, first, peak and latest values, events marked.
    with (LA.parent / "data" / "la-riots.csv").open(newline="", encoding="utf-8") as fh:
        per_day = Counter(r["death_date"] for r in csv.DictReader(fh) if "1992-04-29" <= r["death_date"] <= "1992-05-04")
    peak_day = max(per_day, key=per_day.__getitem__)
    peak = dt.date.fromisoformat(peak_day)
    series_alts = [alt for alt in alts if "a chart over time" in alt]
    assert len(series_alts) == 2  # per day (two series of one unit share a chart), per month
    per_day_alt = next(alt for alt in series_alts if alt.startswith("Deaths over time, per day:"))
    assert (f"Deaths per day, all causes: 6 totals per day, 29 April 1992 to 4 May 1992; first {per_day['1992-04-29']}, "
            f"highest {per_day[peak_day]} deaths ({peak.day} {peak:%B %Y}), latest {per_day.get('1992-05-04', 0)}.") in per_day_alt
    assert "Homicides per day:" in per_day_alt
    first_event = facts["events"][0]
    assert f"Events marked: 1 = {first_event['label']} (29 April 1992)" in per_day_alt
    assert "Numbers over time" in text and per_day_alt.split(": a chart over time. ")[1] in text  # the caption too


def test_changes_since_the_published_edition_and_who_was_mailed_it(start: Callable[..., Server]) -> None:
    def publish_first(facts: Path, out: Path) -> None:
        assert run_cli(str(facts), "--out", str(out), "-q").returncode == 0
        name = json.loads((out / "bakhmut" / "manifest.json").read_text())["editions"][0]["name"]
        ledger = {"version": 1, "deliveries": [{"edition": name, "recipient": "chief@example.org", "accepted": "2023-03-01T18:05:00Z",
                                                "message_id": "<x@example.org>", "reply": "250 OK"}]}
        (out / "bakhmut.deliveries.json").write_text(json.dumps(ledger))
        facts.write_text(facts.read_text().replace("value: 4500", "value: 4000"))

    server = start(before=publish_first)
    page = server.wait_for("/brief/bakhmut", "Changes since the last published edition")
    assert "Civilians still in Bakhmut: about 4,500 -&gt; about 4,000 people (-500)" in page
    assert "chief@example.org" in page and "2023-03-01T18:05:00Z" in page
    index = server.get("/")[2].decode()
    assert "Edition 1" in index and "mailed to 1 recipient" in index and "1 change since that edition" in index
    manifest = json.loads((server.out / "bakhmut" / "manifest.json").read_text())
    assert len(manifest["editions"]) == 1  # the preview published nothing


def test_the_index_and_the_brief_page_agree_when_nothing_changed(start: Callable[..., Server]) -> None:
    def publish_unchanged(facts: Path, out: Path) -> None:
        assert run_cli(str(facts), "--out", str(out), "-q").returncode == 0

    server = start(before=publish_unchanged)
    page = server.wait_for("/brief/bakhmut", "Changes since the last published edition")
    assert "No change: this draft is the brief of that edition." in page
    index = server.get("/")[2].decode()
    assert "no change since that edition" in index and "1 change" not in index


def test_a_save_of_a_source_file_in_another_folder_rebuilds_the_draft(start: Callable[..., Server]) -> None:
    server = start()  # the example names its saved article, sources/cnn-bakhmut-2023-03-01.txt
    server.wait_for("/brief/bakhmut", r"page-1\.png\?v=1")
    time.sleep(0.5)  # the watcher takes up the sources folder
    saved = server.facts.parent / "sources" / "cnn-bakhmut-2023-03-01.txt"
    saved.write_text(saved.read_text(encoding="utf-8") + "\nA correction appended by the publisher.\n", encoding="utf-8")
    server.wait_for("/brief/bakhmut", r"page-1\.png\?v=2", timeout=15)


def test_a_save_rebuilds_the_briefs_it_touches(tmp_path: Path) -> None:
    from briefing import preview
    from briefing.build import BuildOptions

    one, two = tmp_path / "a" / "one.yaml", tmp_path / "b" / "one.yaml"
    live = preview.Preview([one, two], tmp_path / "out", BuildOptions())
    first, second = (s.key for s in live.states())
    assert (first, second) == ("one", "one-2")
    source = (tmp_path / "sources" / "article.txt").resolve()
    source.parent.mkdir()
    live._states[second] = preview.BriefState(key=second, path=two.resolve(), inputs=frozenset({source}))
    assert source.parent in live.watched_folders() and preview.TEMPLATES in live.watched_folders()

    live.changed({source})  # a source file of the second brief only
    assert live._pending == {second}
    live.changed({one.resolve()})
    assert live._pending == {first, second}
    live._pending.clear()
    live.changed({(preview.TEMPLATES / "base.html.j2").resolve()})  # the preview's own pages: no rebuild
    assert live._pending == set()
    live.changed({(preview.TEMPLATES.parent / "brief.j2").resolve()})  # the brief's words: rebuild all
    assert live._pending == {first, second}


def test_nothing_outside_the_current_draft_is_served(example: Server) -> None:
    server = example
    status, media, body = server.get("/draft/bakhmut/page-1.png")
    assert (status, media) == (200, "image/png") and body.startswith(b"\x89PNG")
    for path in ("/draft/bakhmut/../../pyproject.toml", "/draft/bakhmut/..%2F..%2Fpyproject.toml",
                 "/draft/bakhmut/%2e%2e/%2e%2e/pyproject.toml", "/draft/bakhmut/%2e%2e%2fbakhmut.yaml",
                 "/draft/..%2fbriefs/bakhmut.yaml", "/draft/bakhmut/page-9.png", "/draft/nobody/page-1.png",
                 "/brief/nobody", "/..%2f..%2fetc%2fpasswd", "/static/../../etc/passwd"):
        status, _media, body = server.get(path)
        assert status == 404, path
        assert b"[project]" not in body and b"root:" not in body


def test_only_the_names_it_is_bound_as_are_served_so_dns_rebinding_reads_nothing(example: Server) -> None:
    port = example.url.rsplit(":", 1)[1].strip("/")
    for name in ("evil.example.com", f"evil.example.com:{port}", "127.0.0.1.evil.example.com", "localhost.", ""):
        for path in ("/", "/brief/bakhmut", "/draft/bakhmut/bakhmut.pdf", "/draft/bakhmut/page-1.png", "/events"):
            status, _media, body = example.get(path, host_header=name)
            assert 400 <= status < 500, (name, path, status)
            assert b"%PDF" not in body and b"Bakhmut" not in body and b"PNG" not in body
    for name in (f"127.0.0.1:{port}", "127.0.0.1", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}"):
        status, _media, body = example.get("/brief/bakhmut", host_header=name)
        assert status == 200 and b"Bakhmut" in body, name


def test_listening_on_every_interface_warns_that_the_preview_has_no_login(tmp_path: Path) -> None:
    from briefing.webserver import served_names

    proc = subprocess.Popen([sys.executable, str(ROOT / "make_report.py"), str(BAKHMUT), "--preview", "--host", "0.0.0.0",
                             "--port", "0", "--out", str(tmp_path / "out"), "-q"], cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        assert re.fullmatch(r"http://0\.0\.0\.0:\d+/", proc.stdout.readline().strip())
        line = proc.stderr.readline()
        assert "the preview has no login" in line and "0.0.0.0:" in line, line
    finally:
        proc.kill()
        proc.communicate()
    assert socket.gethostname().lower() in served_names("0.0.0.0") and "0.0.0.0" not in served_names("0.0.0.0")
    assert served_names("::1") == ["127.0.0.1", "[::1]", "localhost"]


def test_half_sent_requests_neither_use_up_the_open_files_nor_hold_the_server(tmp_path: Path) -> None:
    import resource

    def few_files() -> None:  # the probe's limit, 1,024 open files, and one the preview cannot raise
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    env = {**os.environ, "BRIEFING_PREVIEW_HEADER_TIMEOUT": "2"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "make_report.py"), str(BAKHMUT), "--preview", "--port", "0",
                             "--out", str(tmp_path / "out"), "-q"], cwd=tmp_path, env=env, text=True, preexec_fn=few_files,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    held: list[socket.socket] = []
    try:
        assert proc.stdout is not None
        server = Server(proc, proc.stdout.readline().strip(), BAKHMUT, tmp_path / "out", tmp_path)
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        server.wait_for("/", "bakhmut")
        for _ in range(1100):  # more than the server's open-file limit
            held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            held[-1].sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        status, _media, body = server.get("/brief/bakhmut")
        assert status == 200 and b"Bakhmut" in body and time.monotonic() - started < 5, body.decode()[-4000:]
        late = held[-1]  # never finishes its request head: closed once the header time is up
        late.settimeout(6)
        assert late.recv(100) == b"" and time.monotonic() - started < 6
    finally:
        for s in held:
            s.close()
        proc.kill()
        _out, err = proc.communicate()
    assert "Too many open files" not in err and "Traceback" not in err, err[-2000:]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_at_once_on_sigterm_or_ctrl_c_leaving_no_files(start: Callable[..., Server], sig: signal.Signals) -> None:
    server = start()
    stream = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1].strip("/"))))
    stream.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # an open page's update stream
    assert b"200 OK" in stream.recv(1000)
    server.facts.write_text(server.facts.read_text() + "\n# a save: stop during the rebuild it starts\n")
    time.sleep(0.3)
    server.proc.send_signal(sig)
    started = time.monotonic()
    server.proc.wait(timeout=10)
    assert time.monotonic() - started < 2.5
    stream.close()
    assert server.proc.returncode in (0, -signal.SIGTERM)
    assert list(server.tmp.iterdir()) == []
    assert not server.out.exists()  # a preview never writes into OUT


def test_port_taken_is_one_line_and_options_need_preview(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = run_cli(str(BAKHMUT), "--preview", "--port", str(port), timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == f"cannot listen on 127.0.0.1:{port}: Address already in use; pick another --port or --host"
    done = run_cli(str(BAKHMUT), "--port", "9000", timeout=60)
    assert done.returncode == 64 and "--port and --host apply only with --preview" in done.stderr
