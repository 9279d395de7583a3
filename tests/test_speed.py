"""Speed without a change in the output: the drawing cache, lazy imports, -j, and quiet drawing."""

from __future__ import annotations

import ast
import pickle
import re
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from briefing import BuildOptions, build_brief, cache
from conftest import BAKHMUT, ROOT, invoke_cli, pdf_text, run_cli, squash


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "briefing"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("??/*"))


@pytest.fixture(scope="module")
def uncached_pdf() -> bytes:
    return build_brief(BAKHMUT, BuildOptions(cache=False))


def test_a_miss_fills_the_cache_and_a_hit_prints_the_same_bytes(cache_home: Path, uncached_pdf: bytes) -> None:
    from briefing import provenance

    provenance._text_of.cache_clear()  # the saved source's text too goes to this cache, not only to memory
    first = build_brief(BAKHMUT)
    entries = _entries(cache_home)
    assert len(entries) == 5  # the charts and the map, each with its drawing; the saved text; the location's two checks
    stamps = {p: p.stat().st_mtime_ns for p in entries}
    second = build_brief(BAKHMUT)
    assert first == second == uncached_pdf
    assert _entries(cache_home) == entries
    assert all(p.stat().st_mtime_ns >= stamps[p] for p in entries)  # read, not rewritten elsewhere


def test_no_cache_neither_reads_nor_writes(cache_home: Path, uncached_pdf: bytes) -> None:
    assert build_brief(BAKHMUT, BuildOptions(cache=False)) == uncached_pdf
    assert not cache_home.exists()


def test_no_cache_in_a_new_process_leaves_the_cache_alone(tmp_path: Path) -> None:
    """``--no-cache`` in a process of its own, so nothing remembered in memory hides a write: the checks'
    memories (saved texts, where places are) stay out of the cache as the drawings do."""
    import os

    cache_home = tmp_path / "xdg"
    done = run_cli(str(BAKHMUT), "--out", str(tmp_path / "out"), "-q", "--no-cache",
                   env={**os.environ, "XDG_CACHE_HOME": str(cache_home), "MPLCONFIGDIR": str(tmp_path / "mpl")})
    assert done.returncode == 0, done.stderr
    assert not (cache_home / "briefing").exists()


def test_a_corrupt_entry_is_drawn_again_never_trusted(cache_home: Path, uncached_pdf: bytes) -> None:
    build_brief(BAKHMUT)
    for path in _entries(cache_home):
        blob = bytearray(path.read_bytes())
        blob[-5] ^= 0xFF  # one flipped byte in each payload
        path.write_bytes(bytes(blob))
    truncated = _entries(cache_home)[0]
    truncated.write_bytes(truncated.read_bytes()[:40])
    assert build_brief(BAKHMUT) == uncached_pdf
    assert all(cache.read(p.name) is not None for p in _entries(cache_home))  # every entry sound again


def test_a_cached_drawing_cannot_run_code(cache_home: Path, tmp_path: Path, uncached_pdf: bytes) -> None:
    build_brief(BAKHMUT)
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
            import os

            return os.system, (f"touch {marker}",)

    drawings = [p for p in _entries(cache_home) if cache.read(p.name)[:1] == b"\x80"]  # type: ignore[index]
    assert len(drawings) == 2  # the charts' (the timeline) and the map's
    for path in drawings:  # a well-formed entry, checksum and all: only the unpickler stands in the way
        cache.write(path.name, pickle.dumps(Exploit()))
    assert build_brief(BAKHMUT) == uncached_pdf
    assert not marker.exists()


def test_only_charted_facts_key_the_charts(cache_home: Path, facts_data: dict, write_facts: Callable[..., Path]) -> None:
    build_brief(write_facts(facts_data))
    before = set(_entries(cache_home))
    facts_data["sections"]["situation"][0]["text"] = "A reworded statement about the situation."
    facts_data["title"] = "Another title"
    pdf = build_brief(write_facts(facts_data))
    assert set(_entries(cache_home)) == before  # text changed: every drawing came from the cache
    assert "A reworded statement about the situation." in squash(pdf_text(pdf))
    facts_data["events"][0]["label"] = "A relabelled event"
    pdf = build_brief(write_facts(facts_data))
    assert len(set(_entries(cache_home)) - before) == 1  # the charts' entry (the map's is unchanged)
    assert "A relabelled event" in squash(pdf_text(pdf))


def test_the_cache_is_bounded_least_recently_used_first(cache_home: Path) -> None:
    import os

    for n in range(5):
        cache.write(f"{n:02d}" + "0" * 62, bytes(1000))
        path = cache_home / f"{n:02d}" / (f"{n:02d}" + "0" * 62)
        os.utime(path, ns=(n * 10**9, n * 10**9))
    cache.trim(max_bytes=2500)
    assert [p.name[:2] for p in _entries(cache_home)] == ["03", "04"]


def _loaded_after(*args: str, one_process: bool = False) -> list[str]:
    """Run the CLI in a fresh interpreter and list which heavy libraries it imported. ``one_process``:
    with a second thread running, so the build draws its charts itself, never in a forked child
    (``overlap.can_fork``), and what drawing them imports is seen (tests/test_overlap.py has the child)."""
    probe = (
        "import atexit, sys, threading\n"
        f"if {one_process}: threading.Thread(target=threading.Event().wait, daemon=True).start()\n"
        "atexit.register(lambda: print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & "
        "{'matplotlib', 'reportlab', 'pydantic', 'email_validator', 'apscheduler'})))\n"
        "from briefing.cli import main\n"
        "main()\n"
    )
    import subprocess

    done = subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.split("LOADED", 1)[1].strip())


def test_check_and_an_unchanged_rerun_load_no_drawing_or_mail_libraries(tmp_path: Path, cache_home: Path) -> None:
    assert _loaded_after(str(BAKHMUT), "--check") == ["pydantic"]
    assert _loaded_after(str(BAKHMUT), "--check") == []  # checked before, nothing changed: recalled
    out = str(tmp_path / "out")
    assert "matplotlib" in _loaded_after(str(BAKHMUT), "--out", out, "-q", one_process=True)  # cold: draws
    assert _loaded_after(str(BAKHMUT), "--out", out, "-q") == []  # unchanged: nothing to validate or draw
    other = str(tmp_path / "other")
    assert _loaded_after(str(BAKHMUT), "--out", other, "-q") == ["pydantic", "reportlab"]  # cached drawings: no matplotlib


def test_a_recalled_check_says_what_validation_says_and_sees_changed_files(
        cache_home: Path, facts_data: dict, write_facts: Callable[..., Path], tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text("As saved.", encoding="utf-8")
    # on the gazetteer source, which only places cite: the provenance check has nothing to compare with it
    next(s for s in facts_data["sources"] if s["id"] == "geonames")["file"] = "article.txt"
    facts_data["events"][0]["date"] = "2023-03-05"  # after as_of: a warning
    path = write_facts(facts_data)
    first, again = invoke_cli(str(path), "--check"), invoke_cli(str(path), "--check")
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr) == (
        0, f"{path}: ok\n", f"{path}: events[0].date: 2023-03-05 is after as_of (2023-03-01); "
        "a brief cannot report what had not happened yet - check the date or as_of\n")
    strict = [invoke_cli(str(path), "--check", "--strict") for _ in range(2)]
    assert strict[0].returncode == strict[1].returncode == 2 and strict[0].stderr == strict[1].stderr == first.stderr
    (tmp_path / "article.txt").unlink()  # a file the facts name is gone: validated again, and refused
    gone = invoke_cli(str(path), "--check")
    assert gone.returncode == 2 and '"article.txt" not found' in gone.stderr


def test_check_of_text_in_any_script_loads_no_fonts_or_reportlab(cache_home: Path, facts_data: dict,
                                                                 write_facts: Callable[..., Path]) -> None:
    facts_data["key_points"][0]["text"] = "Talks in 北京, Київ and שלום continue 🎉."
    path = write_facts(facts_data)
    assert _loaded_after(str(path), "--check") == ["pydantic"]  # the glyph check reads the coverage table only
    assert invoke_cli(str(path), "--check").stderr.splitlines() == [
        f'{path}: key_points[0].text: 1 character ("🎉") has no glyph in the bundled fonts and prints as a box']


def test_jobs_build_each_brief_in_order_with_its_own_errors(tmp_path: Path, facts_data: dict,
                                                            write_facts: Callable[..., Path]) -> None:
    paths = []
    for n in range(3):
        facts_data["id"] = f"brief-{n}"
        paths.append(str(write_facts(facts_data, f"brief-{n}.yaml")))
    facts_data["sections"]["stakes"][0]["sources"] = ["nope"]
    paths.insert(1, str(write_facts(facts_data, "broken.yaml")))
    parallel = run_cli(*paths, "--out", str(tmp_path / "j2"), "-j", "2", "-q")
    assert parallel.returncode == 2
    assert parallel.stdout.splitlines() == [str(tmp_path / "j2" / f"brief-{n}.pdf") for n in range(3)]
    assert parallel.stderr.splitlines() == [
        f"{paths[1]}: sections.stakes[0].sources[0]: unknown source id \"nope\"; expected one of the ids under sources: cnn, isw, donetsk-rma, land-forces, ukraine-military, soldier-93, soldier-unnamed, rodnyansky, zelensky, geonames"]
    serial = run_cli(*paths, "--out", str(tmp_path / "j1"), "-q", "--no-cache")
    for n in range(3):
        assert (tmp_path / "j2" / f"brief-{n}.pdf").read_bytes() == (tmp_path / "j1" / f"brief-{n}.pdf").read_bytes()
    assert serial.returncode == 2


def test_jobs_with_a_schedule_is_a_usage_error() -> None:
    done = run_cli(str(BAKHMUT), "--every", "5", "-j", "2")
    assert done.returncode == 64
    assert done.stderr.splitlines()[-1] == "Error: -j applies to a single run; --every and --cron build one brief at a time"


def test_labels_with_characters_no_font_has_draw_boxes_without_matplotlib_warnings(
        cache_home: Path, facts_data: dict, write_facts: Callable[..., Path], recwarn: pytest.WarningsRecorder) -> None:
    facts_data["events"][0]["label"] = "Celebration \U0001F389 in the square"
    facts_data["figures"][0]["label"] = "Runes \u16a0\u16a2 counted"
    facts_data["places"][0]["name"] = "Sol\U0001F389edar"
    pdf = build_brief(write_facts(facts_data))
    assert [str(w.message) for w in recwarn if "Glyph" in str(w.message)] == []
    text = squash(pdf_text(pdf))
    assert "Celebration \u25a1 in the square" in text  # the timeline label, as drawn
    assert "Sol\u25a1edar" in text  # the map label, as drawn
    assert re.search(r"Sol.edar 48\.692° N, 38\.071° E\[10\] 12\.1 km \(7\.5 mi\) 26° NNE", text)  # the table row still there


def test_the_map_is_drawn_without_matplotlib(tmp_path: Path, cache_home: Path, facts_data: dict,
                                            write_facts: Callable[..., Path]) -> None:
    """Issue 23: the locator map is drawn with reportlab alone (``map/canvas.py``), so a brief without
    charts never imports matplotlib (0.77 s of a fresh process), nor does a build that redraws only the
    map (an overlay added: the charts come from the cache)."""
    out = str(tmp_path / "out")
    charted = write_facts(facts_data, "charted.yaml")
    assert "matplotlib" in _loaded_after(str(charted), "--out", out, "-q", one_process=True)  # cold: the charts are drawn
    facts_data["spec"] = 2
    facts_data["map"] = {"lines": [{"label": "Front line (approx.)", "kind": "hostile", "as_of": "2023-03-01",
                                    "source": "cnn", "line": [[38.05, 48.72], [38.02, 48.66], [38.06, 48.56]]}]}
    write_facts(facts_data, "charted.yaml")
    assert "matplotlib" not in _loaded_after(str(charted), "--out", out, "-q")  # the map redrawn, charts cached
    assert "Front line (approx.)" in squash(pdf_text((tmp_path / "out" / f"{facts_data['id']}.pdf").read_bytes()))
    plain = {k: v for k, v in facts_data.items() if k not in ("events", "figures", "series")}
    plain["id"] = "no-charts"
    plain["places"] = [{**p, "name": p["name"] + " (east)"} for p in plain.get("places", [])]  # a map never drawn
    pdf = tmp_path / "out" / "no-charts.pdf"
    assert "matplotlib" not in _loaded_after(str(write_facts(plain, "plain.yaml")), "--out", out, "-q")
    text = squash(pdf_text(pdf.read_bytes()))
    assert facts_data["location"]["name"] in text and "Numbers over time" not in text


@pytest.mark.parametrize("facts", [BAKHMUT, ROOT / "briefs" / "la-riots.yaml"], ids=["bakhmut", "la-riots"])
def test_a_warm_rebuild_formats_no_path_and_parses_no_paragraph_again_and_prints_reportlabs_bytes(
        facts: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23 (warm build): the map's paths are formatted into PDF operators, and paragraph markup
    is parsed, once a process (``pdfmemo``): 15,000 points were a fifth of a warm build, parsing a
    tenth. The PDF stays byte for byte what reportlab's own renderer and Paragraph write."""
    from reportlab.graphics.shapes import Drawing
    from reportlab.platypus import Paragraph
    from reportlab.platypus.paraparser import ParaParser

    from briefing import pdf, pdfmemo
    from briefing.glyphs import with_fallback

    pdfmemo._path_code.cache_clear()
    pdfmemo._PARSED.clear()
    formatted: list[int] = []
    parsed: list[str] = []
    real_render, real_parse = pdfmemo._renderPath, ParaParser.parse
    monkeypatch.setattr(pdfmemo, "_renderPath", lambda path, *a, **k: formatted.append(len(path.points)) or real_render(path, *a, **k))
    monkeypatch.setattr(ParaParser, "parse", lambda self, text, style: parsed.append(text) or real_parse(self, text, style))
    first = build_brief(facts)
    assert sum(formatted) > 5000  # the map's coastlines, rivers and label halos
    assert len(parsed) > 40
    formatted.clear()
    parsed.clear()
    assert build_brief(facts) == first  # the map from the drawing cache: new objects, the same paths
    assert formatted == [] and parsed == []
    monkeypatch.setattr(pdf, "MemoDrawing", Drawing)  # reportlab's renderer and Paragraph, as before pdfmemo

    def unparsed(self: Any, text: str | None, style: Any, *args: Any, **kwargs: Any) -> None:
        Paragraph.__init__(self, text if text is None else with_fallback(text), style, *args, **kwargs)
        self._wrapped = None

    monkeypatch.setattr(pdf.ScriptParagraph, "__init__", unparsed)
    assert build_brief(facts) == first
    assert len(parsed) > 40


def test_matplotlib_loads_without_set_docs_and_its_set_still_takes_every_property() -> None:
    """Issue 23: the 90 Artist classes of ``matplotlib.figure`` no longer write a signature and a
    docstring for their ``set()`` (0.1 s of a fresh process), which nothing here reads; ``set()``
    still sets every property and refuses an unknown one, as matplotlib's does."""
    probe = (
        "from briefing.vector import load_matplotlib\n"
        "load_matplotlib()\n"
        "import matplotlib.figure, matplotlib.lines, matplotlib.text\n"
        "line = matplotlib.lines.Line2D([0], [0])\n"
        "line.set(color='red', linewidth=3, label='x')\n"
        "try:\n"
        "    line.set(colour_of_sky='blue')\n"
        "except AttributeError as exc:\n"
        "    refused = str(exc)\n"
        "print(line.get_color(), line.get_linewidth(), line.get_label(), matplotlib.text.Text.set.__doc__, refused, sep='|')\n"
    )
    import subprocess

    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().split("|") == ["red", "3.0", "x", "None", "Line2D.set() got an unexpected keyword argument 'colour_of_sky'"]


@pytest.mark.parametrize("where", ["katla-swapped", "the-example"])
def test_a_rebuild_whose_location_did_not_move_reads_no_map_data_for_its_checks(
        where: str, tmp_path: Path, facts_data: dict, write_facts: Callable[..., Path]) -> None:
    """Issue 23: where the location is (in its country? its admin1 known?) is remembered in the cache
    under those inputs and the map data's version, so a reworded build or ``--check`` reads no map data
    and imports no shapely (50-70 ms); the warnings it gives are the same from the cache as computed,
    and a check that found nothing is remembered too."""
    import os
    import subprocess

    if where == "katla-swapped":
        facts_data["location"] = {"name": "Katla", "lat": -19.05, "lon": 63.63, "country": "IS", "admin1": "Southern Region"}
    path = write_facts(facts_data)
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('MAPDATA', sorted({'shapely', 'briefing.geodata'} & set(sys.modules))))\n"
             "from briefing.cli import main\n"
             "main()\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    runs = []
    for n in range(2):  # the second time a statement reworded: validated again, the location not moved
        facts_data["key_points"][0]["text"] = f"Reworded {n}: " + facts_data["key_points"][0]["text"]
        write_facts(facts_data)
        runs.append(subprocess.run([sys.executable, "-c", probe, str(path), "--check"], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=300))
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert [ast.literal_eval(r.stdout.split("MAPDATA")[1].strip()) for r in runs] == [["briefing.geodata", "shapely"], []]
    lines = [[line for line in r.stderr.splitlines() if "location" in line] for r in runs]
    assert lines[0] == lines[1] and len(lines[0]) == (2 if where == "katla-swapped" else 0), runs[0].stderr
    if where == "katla-swapped":
        assert f"{path}: location: (-19.05, 63.63) is not in IS, the location's country; latitude and longitude swapped?" in lines[0]
        assert any("Suðurland" in line for line in lines[0])
