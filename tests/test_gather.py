"""make_report.py --gather SOURCE... --draft OUT.yaml on real material (tests/sources/, origin in ORIGIN.md).

URLs come from a loopback HTTP server started here; nothing leaves the machine.
"""

from __future__ import annotations

import gzip
import http.server
import io
import threading
import time
from pathlib import Path
from typing import Iterator

import pypdf
import pytest
import yaml
from click.testing import CliRunner

from briefing.build import build_brief
from briefing.cli import main
from briefing.gather import read_document

SOURCES = Path(__file__).parent / "sources"
BBC = SOURCES / "bbc-mass-burials.html"


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path == "/elsewhere":  # a redirect away from http(s) must not be followed
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(3)
        body = self.routes.get(self.path)
        if body is None and self.path != "/slow":
            self.send_error(404)
            return
        body = body or b"<html><body><p>late</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if self.path.startswith("/gz/"):  # sent compressed though the client asked for identity
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    _Handler.routes = {"/news/burials": BBC.read_bytes(), "/gz/burials": gzip.compress(BBC.read_bytes()),
                       "/gz/bomb": gzip.compress(b"<p>" + b" " * 50_000_000), "/big": b"<html><body>" + b"<p>x</p>" * 20000 + b"</body></html>"}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _gather(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--gather", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_a_page_from_a_url_becomes_a_draft_that_checks_and_builds_marked_draft(tmp_path: Path, server: str) -> None:
    out = tmp_path / "brief" / "burials.yaml"
    code, stdout, stderr = _gather(f"{server}/news/burials", "--draft", str(out))
    assert (code, stderr) == (0, "")
    assert stdout.startswith("gathered 1 source: ") and stdout.rstrip().endswith(f"-> {out}")
    draft = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert draft["spec"] == 2 and draft["draft"] is True
    (source,) = [s for s in draft["sources"] if s["id"] != "geonames"]
    assert source["publisher"] == "BBC News" and str(source["published"]) == "2020-04-10"
    assert source["url"] == f"{server}/news/burials"  # the address it was fetched from
    assert (out.parent / source["file"]).read_bytes() == BBC.read_bytes()  # the original bytes, saved once
    assert draft["location"]["name"] == "New York" and draft["location"]["country"] == "US"
    text = _norm(read_document(BBC.read_bytes(), "bbc").text)
    # A draft invents nothing: every statement, quote and passage is in the source.
    for statement in draft["key_points"] + [s for v in draft["sections"].values() for s in v]:
        assert _norm(statement["text"]) in text
    for quote in draft["quotes"]:
        assert _norm(quote["text"]) in text and len(quote["text"].split()) >= 6
    assert {"text": "Obviously the place we have used historically is Hart Island", "speaker": "Bill de Blasio", "source": source["id"]} in draft["quotes"]
    bodies = next(f for f in draft["figures"] if f["value"] == 25)
    assert (bodies["label"], bodies["approx"], bodies["unit"]) == ("bodies a week", True, "bodies")
    assert bodies["passage"].startswith("Normally, about 25 bodies a week are interred on the island")
    thursday = [e for e in draft["events"] if e["passage"].startswith("On Thursday, another glimmer of hope")]
    assert thursday and thursday[0]["date"] == "2020-04-09"  # "on Thursday" in a story of Friday 10 April 2020
    for figure in draft["figures"]:
        assert _norm(figure["passage"]) in text

    again = out.read_bytes()
    assert _gather(f"{server}/news/burials", "--draft", str(out))[1].startswith("gathered 0 sources:")  # the same URL
    assert out.read_bytes() == again

    assert CliRunner().invoke(main, ["--check", str(out)]).stdout == f"{out}: ok\n"
    pdf = pypdf.PdfReader(io.BytesIO(build_brief(out)))
    for page in pdf.pages:
        assert page.extract_text().count("DRAFT") >= 2  # both marking bands of every page


def test_adding_to_a_draft_keeps_the_persons_edits_and_one_source_is_gathered_once(tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    assert _gather(str(BBC), "--draft", str(out))[0] == 0
    text = out.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    edited = "# the desk's own comment, first line\n" + text.replace(title, "title: 'Burials on Hart Island'   # my title", 1)
    edited = edited.replace("\nkey_points:\n", "\n#  the points I keep\nkey_points:\n", 1)
    out.write_text(edited, encoding="utf-8")
    before = out.read_bytes()
    code, stdout, _ = _gather(str(SOURCES / "nytimes-blackouts.html"), "--draft", str(out))
    assert code == 0 and stdout.startswith("gathered 1 source:")
    after = out.read_text(encoding="utf-8")
    # Every line the person had is still there, in order, byte for byte; the new lines only add.
    lines = iter(after.splitlines())
    assert all(any(line == new for new in lines) for line in before.decode().splitlines())
    assert after.startswith("# the desk's own comment, first line\n")
    data = yaml.safe_load(after)
    assert [s["publisher"] for s in data["sources"]] == ["BBC News", "GeoNames", "The New York Times"]
    assert data["location"]["name"] == "New York"  # the draft's location is the person's, not the new source's
    # The same bytes again (another name, same content) are one source: nothing is added.
    copy = tmp_path / "copy-of-bbc.html"
    copy.write_bytes(BBC.read_bytes())
    unchanged = out.read_bytes()
    code, stdout, _ = _gather(str(copy), "--draft", str(out))
    assert (code, stdout.split(" ->")[0]) == (0, "gathered 0 sources: 0 statements, 0 quotes, 0 figures, 0 events, 0 places")
    assert out.read_bytes() == unchanged
    assert CliRunner().invoke(main, ["--check", str(out)]).exit_code == 0


def test_a_printed_pdf_and_a_feed(tmp_path: Path) -> None:
    out = tmp_path / "mixed.yaml"
    code, stdout, stderr = _gather(str(SOURCES / "bbc-mass-burials.pdf"), str(SOURCES / "guardian-uk.rss"), "--draft", str(out))
    assert (code, stderr) == (0, "")
    assert stdout.startswith("gathered 3 sources:")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    pdf_source, item1, item2 = [s for s in data["sources"] if s["id"] != "geonames"]
    # The PDF was printed on 7 December 2026; the story is of 10 April 2020 (its dateline under the headline).
    assert str(pdf_source["published"]) == "2020-04-10" and pdf_source["file"].endswith(".pdf")
    assert pdf_source["title"] == "Coronavirus: New York ramps up mass burials amid outbreak - BBC News"
    assert pdf_source["publisher"] == "BBC News"  # the site's name ends the title the browser printed
    # Each feed item is its own source, published by the feed, all three citing the one saved feed.
    assert (item1["publisher"], item2["publisher"]) == ("The Guardian", "The Guardian")
    assert item2["url"] == "https://www.theguardian.com/world/2025/mar/01/ukraine-reacts-zelenskyy-clash-trump"
    assert item2["author"] == "Luke Harding in Kyiv" and str(item2["published"]) == "2025-03-01"
    assert item1["file"] == item2["file"] and (tmp_path / item1["file"]).read_bytes() == (SOURCES / "guardian-uk.rss").read_bytes()
    cited = [s for s in data["key_points"] + data["sections"]["situation"] if s["sources"] == [item2["id"]]]
    assert cited[0]["text"] == "Back home there was widespread support for Ukraine’s president, but also dismay at his car-crash encounter in the Oval Office"
    # The printed page's menus ("Can you become immune", "Africa"), a country named by the feed (Ukraine)
    # and the White House (a town in Morocco, to GeoNames) are not places on the map.
    assert data["location"]["name"] == "New York"
    assert [p["name"] for p in data["places"]] == ["New York City", "Bronx", "Brooklyn", "Chicago"]
    assert CliRunner().invoke(main, ["--check", str(out)]).exit_code == 0


def _encrypted() -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(SOURCES / "bbc-mass-burials.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    data = io.BytesIO()
    writer.write(data)
    return data.getvalue()


@pytest.mark.parametrize("name, data, message", [
    ("missing.html", None, "missing.html: no such file"),
    ("noise.bin", bytes(range(256)) * 64, "noise.bin: not a web page, PDF, feed or text file"),
    ("empty.html", b"<html><head><title>t</title><script>var a=1;</script></head><body><nav><a href='/'>Home</a></nav></body></html>", "empty.html: the web page has no main text"),
    ("nothing.rss", b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>', "nothing.rss: the feed has no items"),
    ("locked.pdf", "encrypted", "locked.pdf: the PDF is encrypted"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF", "broken.pdf: "),
])
def test_an_unreadable_source_is_one_line_and_the_draft_is_untouched(tmp_path: Path, name: str, data: bytes | str | None, message: str) -> None:
    out = tmp_path / "draft.yaml"
    assert _gather(str(BBC), "--draft", str(out))[0] == 0
    before = out.read_bytes()
    saved = sorted(p.name for p in (tmp_path / "sources").iterdir())
    if data is not None:
        (tmp_path / name).write_bytes(_encrypted() if data == "encrypted" else data)
    code, stdout, stderr = _gather(str(SOURCES / "nytimes-blackouts.html"), str(tmp_path / name), "--draft", str(out))
    assert code == 2 and stdout == ""
    assert stderr.startswith(str(tmp_path / message)) and stderr.count("\n") == 1, stderr
    assert out.read_bytes() == before and sorted(p.name for p in (tmp_path / "sources").iterdir()) == saved
    fresh = tmp_path / "fresh.yaml"
    assert _gather(str(tmp_path / name), "--draft", str(fresh))[0] == 2 and not fresh.exists()


def test_a_url_that_times_out_or_is_too_big_is_one_line(tmp_path: Path, server: str) -> None:
    out = tmp_path / "draft.yaml"
    code, _, stderr = _gather(f"{server}/slow", "--draft", str(out), env={"BRIEFING_FETCH_TIMEOUT": "0.5"})
    assert code == 2 and stderr == f"{server}/slow: timed out after 0.5 s (BRIEFING_FETCH_TIMEOUT)\n"
    code, _, stderr = _gather(f"{server}/big", "--draft", str(out), env={"BRIEFING_FETCH_MAX_BYTES": "10000"})
    assert code == 2 and stderr.startswith(f"{server}/big: too big (") and stderr.count("\n") == 1
    code, _, stderr = _gather(f"{server}/gz/bomb", "--draft", str(out))
    assert code == 2 and stderr.startswith(f"{server}/gz/bomb: too big (more than ") and "once decompressed" in stderr
    code, _, stderr = _gather(f"{server}/gone", "--draft", str(out))
    assert code == 2 and stderr == f"{server}/gone: the server answered 404 Not Found\n"
    code, _, stderr = _gather(f"{server}/elsewhere", "--draft", str(out))
    assert code == 2 and stderr == f"{server}/elsewhere: redirected to 'file:///etc/passwd', which is not an http(s) address\n"
    code, _, stderr = _gather("file:///etc/passwd", "--draft", str(out))
    assert code == 2 and "only http:// and https:// addresses are fetched" in stderr
    assert not out.exists() and not (tmp_path / "sources").exists()
    code, stdout, _ = _gather(f"{server}/gz/burials", "--draft", str(out))
    assert code == 0 and stdout.startswith("gathered 1 source:")
    assert (tmp_path / "sources").is_dir() and [p.read_bytes() for p in (tmp_path / "sources").iterdir()] == [BBC.read_bytes()]


def test_a_hostile_page_is_data(tmp_path: Path) -> None:
    nested = "<div>" * 200 + "deep" + "</div>" * 200
    script = "<script>document.write('{{ 7*7 }}'); alert(1)</script>"
    story = " ".join(f"<p>Officials in Lagos said on Monday that {n} new shelters had opened for people displaced by the floods, "
                     f"with {n * 10} beds in all.</p>" for n in range(2, 400))
    page = (f"<html><head><meta property='article:published_time' content='2024-05-08'><title>../../etc/passwd &lt;b&gt;{{{{ x }}}}</title>{script * 200}</head><body>{nested}"
            f"<article><h1>Floods</h1>{story}<p>&lt;para&gt;“We will not leave our homes until the water goes down,” said Amina Bello, a resident.</p></article>{script}</body></html>")
    source = tmp_path / "hostile.html"
    source.write_text(page, encoding="utf-8")
    out = tmp_path / "draft.yaml"
    code, stdout, stderr = _gather(str(source), "--draft", str(out))
    assert code == 0, stderr
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert "alert(1)" not in out.read_text(encoding="utf-8")
    assert all(Path(s["file"]).parent == Path("sources") for s in data["sources"] if "file" in s)
    assert sorted(p.parent for p in tmp_path.rglob("*") if p.is_file()) == [tmp_path, tmp_path, tmp_path / "sources"]
    assert 1 <= len(data["figures"]) <= 20 and 1 <= len(data["events"]) <= 20 and len(data.get("places", [])) <= 8
    assert data["events"][0]["date"] == "2024-05-06"  # "on Monday" in a story of Wednesday 8 May 2024
    assert any(q["speaker"] == "Amina Bello, a resident" for q in data["quotes"])
    pdf = pypdf.PdfReader(io.BytesIO(build_brief(out)))
    assert "DRAFT" in pdf.pages[0].extract_text()
    # Nested past what the HTML parser builds, the story is lost: one line, no traceback, nothing written.
    source.write_text("<html><body>" + "<div>" * 100000 + story + "</div>" * 100000 + "</body></html>", encoding="utf-8")
    before = out.read_bytes()
    code, _, stderr = _gather(str(source), "--draft", str(out))
    assert code == 2 and stderr.count("\n") == 1 and stderr.startswith(str(source)) and out.read_bytes() == before


def test_a_draft_is_never_mailed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "draft.yaml"
    assert _gather(str(BBC), "--draft", str(out))[0] == 0
    env = {"BRIEFING_SMTP_HOST": "127.0.0.1", "BRIEFING_MAIL_FROM": "briefs@example.org", "BRIEFING_SMTP_SECURITY": "none"}
    result = CliRunner().invoke(main, [str(out), "--out", str(tmp_path / "pdf"), "--send", "--dry-run", "--to", "desk@example.org"], env=env)
    assert result.exit_code == 2
    assert result.stderr == f"{out}: draft: true - a draft is never mailed; check it, then remove 'draft: true' to send it\n"
    assert not list((tmp_path / "pdf").rglob("*.eml"))
    scheduled = CliRunner().invoke(main, [str(out), "--out", str(tmp_path / "pdf"), "--every", "60", "--max-ticks", "1",
                                          "--send", "--dry-run", "--to", "desk@example.org"], env=env)
    assert scheduled.exit_code == 0  # a service keeps running, and says why nothing was sent
    assert f"{out}: draft: true - a draft is never mailed" in caplog.text  # the service's log line
    assert not list((tmp_path / "pdf").rglob("*.eml"))



def test_quotes_speakers_pronouns_and_dates_in_the_cnn_article(tmp_path: Path) -> None:
    """The article briefs/bakhmut.yaml rests on, gathered: its metadata from the .meta.yaml beside it."""
    out = tmp_path / "bakhmut.yaml"
    assert _gather(str(SOURCES / "cnn-bakhmut-2023-03-01.txt"), "--draft", str(out))[0] == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    cnn = data["sources"][0]
    assert (cnn["publisher"], cnn["author"], str(cnn["published"])) == ("CNN", "Rob Picheta", "2023-03-01")
    assert (data["location"]["name"], data["location"]["country"]) == ("Bakhmut", "UA")
    assert {"Soledar", "Kostiantynivka", "Kramatorsk", "Sloviansk"} <= {p["name"] for p in data["places"]}
    quotes = {q["text"]: q for q in data["quotes"]}
    text = _norm((SOURCES / "cnn-bakhmut-2023-03-01.txt").read_text(encoding="utf-8"))
    assert all(_norm(q) in text for q in quotes)
    # "..., a soldier who didn't want to be named told CNN on Tuesday": published Wednesday 1 March 2023
    worse = quotes["The situation in Bakhmut is very difficult now. It is much worse than officially reported"]
    assert (worse["speaker"], worse["said"]) == ("a soldier who didn’t want to be named", "2023-02-28")
    # "..., he said." after the 93rd Brigade soldier's words is the soldier's, not the spokeswoman's named before
    assert quotes["We are standing in Bakhmut. No one is going to retreat yet"]["said"] == "2023-03-01"
    assert quotes["We have muffled the enemy down a little bit. It’s a little calmer, but there are still gunfights on the outskirts"]["speaker"] == "the soldier"
    assert quotes["the situation is difficult. There is no secret about that."]["speaker"] == "Alexander Rodnyansky, an economic adviser to Zelenksy"
    # "..., Ignatchenko said": the spokeswoman the text named in full before
    assert quotes["There is food, water and medicine in the city. People were provided with everything in advance"]["speaker"] == "Tetiana Ignatchenko"
    civilians = next(f for f in data["figures"] if f["value"] == 4500)
    assert (civilians["approx"], civilians["unit"]) == (True, "civilians")
    assert {"date": "2023-01", "label": "When Russian troops took the town of Soledar in mid-January, it marked a first gain in the Donbas for months.",
            "source": "cnn", "passage": "When Russian troops took the town of Soledar in mid-January, it marked a first gain in the Donbas for months."} in data["events"]


def test_the_dateline_names_the_location(tmp_path: Path) -> None:
    out = tmp_path / "d.yaml"
    assert _gather(str(SOURCES / "jamaicaobserver-attack.html"), "--draft", str(out))[0] == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    # "ST CATHERINE, Jamaica —": the gazetteer's St Catherine is in Egypt; in Jamaica it has only the country
    assert (data["location"]["name"], data["location"]["country"]) == ("Jamaica", "JM")
    assert [p["name"] for p in data.get("places", [])] == ["Spanish Town"]


def test_a_hand_written_file_is_added_to_without_touching_a_byte_of_it(tmp_path: Path) -> None:
    """CRLF line ends, trailing blanks, odd spacing, lists at the key's own column, comments: all kept."""
    out = tmp_path / "brief.yaml"
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "bbc.html").write_bytes(BBC.read_bytes())
    lines = [
        "# my brief   ", "spec: 2", "draft:   true", "id: burials", "title:  'Burials'  # mine", "as_of: 2020-04-10T12:00:00Z",
        "handling: UNCLASSIFIED", "location: {name: New York, lat: 40.71427, lon: -74.00597, country: US}", "sources:",
        "- id: bbc", "  publisher: BBC News", "  file: sources/bbc.html", "# end of my sources", "", "key_points:",
        "- text: Coffins are buried on Hart Island.", "  sources: [ bbc ]", "sections:", "    situation:",
        "    - text: The city's morgues are full.", "      sources: [bbc]", "    stakes:",
        "    - text: Unclaimed bodies are buried in mass graves.   ", "      sources: [bbc]", "    outlook:",
        "    - {text: Burials go on five days a week., sources: [bbc]}", "",
    ]
    original = "\r\n".join(lines).encode()
    out.write_bytes(original)
    code, stdout, stderr = _gather(str(SOURCES / "nytimes-blackouts.html"), str(BBC), "--draft", str(out))
    assert (code, stderr) == (0, ""), stderr
    assert stdout.startswith("gathered 1 source:")  # the BBC page is the saved copy the file already cites
    after = out.read_bytes()
    assert b"\n" not in after.replace(b"\r\n", b"")  # the file's own line ends
    kept = iter(after.split(b"\r\n"))
    assert all(any(line == new for new in kept) for line in original.split(b"\r\n"))
    data = yaml.safe_load(after)
    nyt = data["sources"][1]["id"]
    assert data["sources"][0]["id"] == "bbc" and data["sources"][1]["publisher"] == "The New York Times"
    assert data["sections"]["situation"][0]["text"] == "The city's morgues are full."
    assert data["sections"]["situation"][-1]["sources"] == [nyt] and data["quotes"][0]["source"] == nyt
    assert data["key_points"][0]["sources"] == ["bbc"] and data["key_points"][-1]["sources"] == [nyt]
    assert CliRunner().invoke(main, ["--check", str(out)]).exit_code == 0
    # A list written on one line cannot take new items: said, and nothing changes.
    out.write_bytes(after.replace(b"sources:\r\n- id: bbc", b"sources: []\r\nold:\r\n- id: bbc", 1))
    before = out.read_bytes()
    code, _, stderr = _gather(str(SOURCES / "politico-retirement.html"), "--draft", str(out))
    assert code == 2 and stderr.startswith(f"{out}: sources: line 9: is written on one line ([]);") and out.read_bytes() == before


@pytest.mark.parametrize("args", [["--gather", "x.html"], ["--draft", "o.yaml", "x.html"], ["--gather", "--draft", "o.yaml"],
                                  ["--gather", "x.html", "--draft", "o.yaml", "--check"]])
def test_a_wrong_gather_command_line_is_a_usage_error(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 64 and "--gather" in result.stderr


def test_a_layout_the_splice_cannot_extend_is_refused_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    assert _gather(str(BBC), "--draft", str(out))[0] == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    text = out.read_text(encoding="utf-8")
    flow = "sections: " + yaml.safe_dump(data["sections"], default_flow_style=True, width=10**6).strip() + "\n"
    start, end = text.index("sections:\n"), text.index("quotes:\n")
    out.write_text(text[:start] + flow + text[end:], encoding="utf-8")
    before = out.read_bytes()
    code, _, stderr = _gather(str(SOURCES / "nytimes-blackouts.html"), "--draft", str(out))
    assert code == 2 and stderr.startswith(f"{out}: sections: line ") and "is written on one line" in stderr
    assert out.read_bytes() == before
