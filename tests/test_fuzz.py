"""Property-based tests: any facts file a person can write builds a good brief or is refused in one line.

Generated files hold any Unicode text (markup characters, braces, every script), 1-8 key points,
1-100 statements a section, up to 60 events over several years, 30 places, 15 figures (zero, negative,
nine orders of magnitude) and quotes of any length. Broken files break one rule of the spec each.

Profiles: ``ci`` (the default: about a hundred and fifty examples, every broken rule among them, the same
on every run, about half a minute) and ``fuzz`` (``HYPOTHESIS_PROFILE=fuzz``, run by ``make fuzz``: over
10,000 examples, most of them validating and a share building the whole PDF).
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import io
import os
import pkgutil
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, Callable

import pikepdf
import pypdf
import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import briefing
from briefing import build_brief, load_facts
from briefing.errors import FactsError
from briefing.facts import MAX_ITEMS, MAX_PLACES, MAX_STATEMENTS, MAX_TEXT, MAX_TITLE
from briefing.glyphs import missing, visual
from briefing.pdf import MARGIN_BOTTOM, MARGIN_TOP
from conftest import _NoAliasDumper, invoke_cli, text_only

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
# ci is derandomized (and so keeps no example database): `make test` tries the same examples on every run and
# machine, so a red run is reproducible and never a draw of luck; `make fuzz` explores anew each time.
# Hypothesis also draws literal values from the project's modules that are loaded (its "local constants"),
# so which of briefing's modules earlier tests happened to import (xdist's order) changed the examples:
# every one of them is loaded here, and the examples change only with the code.
for _module in pkgutil.walk_packages(briefing.__path__, "briefing."):
    importlib.import_module(_module.name)
settings.register_profile("ci", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("fuzz", max_examples=10_000, **_COMMON)
#: Examples per test: a full build takes 0.2-15 s (a map of places spread over the globe is the slow
#: part), validating a file 20-800 ms (mostly generating it). ci keeps `make test` short; fuzz explores.
#: "broken" is per rule (each rule is its own test, so none can go untried): 27 rules x 200 in fuzz.
EXAMPLES = {
    "ci": {"build": 3, "validate": 30, "broken": 3, "unprintable": 15},
    "fuzz": {"build": 300, "validate": 4_500, "broken": 200, "unprintable": 200},
}[PROFILE]


def profile(kind: str) -> settings:
    return settings(settings.get_profile(PROFILE), max_examples=EXAMPLES[kind])


# --------------------------------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------------------------------

#: Any character a YAML file can hold as text (no controls, surrogates, private use or unassigned).
_CHAR = st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn"))
#: Pieces that trip markup, template and YAML parsers.
_TRAPS = st.sampled_from([
    "<b>", "</b>", "<i>", "</para>", "<font name='x'>", "<br/>", "<a href='#x'>", "&", "&amp;", "&#160;",
    "&lt;", "&#0;", "{{ 7*7 }}", "{% if x %}", "{#", "}}", "${x}", "%s", "%(x)s", "\\", '"', "'", ": ", "- ",
    "---", "...", "#", "!!python/object", "*a", "&a", "|", ">", "\t", "\n", "  ", "\u00a0", "\u200b",
])
_WORDS = st.sampled_from([
    "Bakhmut", "Бахмут", "Київ", "Ελλάδα", "漢字", "한국어", "שלום עולם", "السلام عليكم", "😀", "4,500",
    "https://example.org/" + "a" * 150, "Supercalifragilistic" * 8, "2023-03-01", "yes", "NO", "null", "1e3",
])


def text(max_size: int, min_pieces: int = 1, max_pieces: int = 12) -> st.SearchStrategy[str]:
    """Text a person might write, cut to ``max_size``; never blank (a blank text is an error)."""
    piece = st.one_of(st.text(_CHAR, min_size=1, max_size=24), _TRAPS, _WORDS, st.just(" "))
    return (st.lists(piece, min_size=min_pieces, max_size=max_pieces).map("".join)
            .map(lambda t: t[:max_size]).filter(lambda t: bool(t.strip())))


_ID = st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True)
_DATE = st.dates(dt.date(2019, 1, 1), dt.date(2024, 12, 31))
_SIZE = st.one_of(
    st.just(0), st.integers(-10, 10), st.integers(-(10**12), 10**12),
    st.builds(lambda m, e, s: s * m * 10.0**e, st.floats(1, 9.99), st.integers(-3, 12), st.sampled_from([1, -1])),
)


def _partial_date(day: dt.date, month_only: bool) -> str:
    return day.strftime("%Y-%m") if month_only else day.isoformat()


@st.composite
def valid_facts(draw: st.DrawFn, max_per_section: int = 100, max_text: int = 400) -> dict[str, Any]:
    """A valid facts file as plain data."""
    # Unique by construction: filtering drawn ids for uniqueness wastes most examples.
    ids = [f"{stem}-{i}" for i, stem in enumerate(draw(st.lists(_ID, min_size=1, max_size=5)))]
    cite = st.lists(st.sampled_from(ids), min_size=1, max_size=3)

    def statement() -> dict[str, Any]:
        return {"text": draw(text(max_text, max_pieces=6)), "sources": draw(cite)}

    def optional(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(st.one_of(st.none(), strategy))

    sources = []
    for sid in ids:
        src: dict[str, Any] = {"id": sid, "publisher": draw(text(200))}
        if (title := optional(text(300))) is not None:
            src["title"] = title
        if (url := optional(st.one_of(st.just("https://example.org/" + "seg/" * 60), text(300)))) is not None:
            src["url"] = url
        if (published := optional(_DATE)) is not None:
            src["published"] = published.isoformat()
        sources.append(src)
    data: dict[str, Any] = {
        "spec": 1,
        "id": draw(st.from_regex(r"[a-z0-9-]{1,64}", fullmatch=True)),
        "title": draw(text(MAX_TITLE, max_pieces=20)),
        "as_of": draw(st.datetimes(dt.datetime(2019, 1, 1), dt.datetime(2025, 1, 1),
                                   timezones=st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=-5, minutes=-30))]))).isoformat(),
        "handling": draw(text(120)),
        "location": {"name": draw(text(200)), "lat": draw(st.floats(-90, 90)), "lon": draw(st.floats(-180, 180)),
                     "country": draw(st.from_regex(r"[A-Z]{2}", fullmatch=True))},
        "places": [
            {"name": draw(text(200)), "lat": draw(st.floats(-90, 90)), "lon": draw(st.floats(-180, 180)), "sources": draw(cite)}
            for _ in range(draw(st.integers(0, 30)))
        ],
        "sources": sources,
        "key_points": [statement() for _ in range(draw(st.integers(1, 8)))],
        "sections": {name: [statement() for _ in range(draw(st.integers(1, max_per_section)))]
                     for name in ("situation", "stakes", "outlook")},
        "quotes": [
            {"text": draw(text(MAX_TEXT, max_pieces=draw(st.sampled_from([3, 200])))), "speaker": draw(text(300)),
             "said": _partial_date(draw(_DATE), draw(st.booleans())), "source": draw(st.sampled_from(ids))}
            for _ in range(draw(st.integers(0, 4)))
        ],
        "figures": [
            {"id": f"f{i}", "label": draw(text(300)), "value": draw(_SIZE), "approx": draw(st.booleans()),
             "unit": draw(st.sampled_from(["people", "km", "USD"])), "source": draw(st.sampled_from(ids))}
            for i in range(draw(st.integers(0, 15)))
        ],
        "events": [
            {"date": _partial_date(draw(_DATE), draw(st.booleans())), "label": draw(text(300)), "source": draw(st.sampled_from(ids))}
            for _ in range(draw(st.integers(0, 60)))
        ],
    }
    if (subtitle := optional(text(MAX_TITLE))) is not None:
        data["subtitle"] = subtitle
    if (prepared_by := optional(text(200))) is not None:
        data["prepared_by"] = prepared_by
    return data


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False, width=100)


def write(tmp: Path, content: str) -> Path:
    path = tmp / "facts.yaml"
    path.write_text(content, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# What a good brief is
# --------------------------------------------------------------------------------------------------


def body_text(pdf: bytes) -> str:
    """The text drawn inside the body frame of every page, without whitespace, in drawing order.

    The handling marking and the footer are left out, so a statement broken over two pages reads as
    one; whitespace is dropped because a line break may fall inside a long word. pypdf reads the
    pages with only their text operators (see ``conftest.text_only``): the same text, in a tenth of the time.
    """
    reader = pypdf.PdfReader(io.BytesIO(text_only(pdf)))
    pieces: list[str] = []
    for page in reader.pages:
        height = float(page.mediabox.height)

        def visit(t: str, cm: list[float], tm: list[float], *_: Any) -> None:
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if MARGIN_BOTTOM - 4 < y < height - MARGIN_TOP + 4:
                pieces.append(t)

        page.extract_text(visitor_text=visit)
    return _visible("".join(pieces))


def _visible(value: str) -> str:
    """Without whitespace and invisible format characters (zero-width space, direction marks)."""
    return "".join(ch for ch in "".join(value.split()) if ch == "\xad" or unicodedata.category(ch) != "Cf")


#: Right-to-left letters, with the punctuation next to them: pypdf reads such a run back in logical
#: order while the PDF holds it in visual order, so text comparisons skip these runs (their glyphs
#: are tested in test_glyphs.py).
_RTL_RUN = re.compile(r"[^\w]*[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff](?:[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]|[^\w])*")


def drawn(value: str) -> list[re.Pattern[str]]:
    """What of a text must appear in the PDF's body, in pieces: visual order, no whitespace, no
    right-to-left runs; a character no font has (warned about at load time) prints as a box, which
    extracts as anything or nothing."""
    lost = set(missing(value))
    pieces = _RTL_RUN.split(_visible(visual(value)))
    if len(pieces) > 1:
        # pypdf also reverses the punctuation and boxes next to a right-to-left run: trim piece
        # edges to the first letter or digit that has a glyph.
        def safe(ch: str) -> bool:
            return (ch.isalnum() or ch == "_") and ch not in lost
        trimmed = []
        for piece in pieces:
            flags = [safe(ch) for ch in piece]
            if any(flags):
                trimmed.append(piece[flags.index(True): len(piece) - flags[::-1].index(True)])
        pieces = trimmed
    # A soft hyphen prints as "-" where a line breaks at it, and as nothing elsewhere.
    pattern = {**{ch: ".?" for ch in lost}, "\xad": "[-\xad]?"}
    return [re.compile("".join(pattern.get(ch) or re.escape(ch) for ch in piece), re.DOTALL) for piece in pieces if piece]


def assert_good_pdf(pdf: bytes, facts_text: list[str]) -> None:
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.check_pdf_syntax() == []  # what `qpdf --check` checks: xref, objects, streams
        assert len(doc.pages) > 0
    body = body_text(pdf)
    for value in facts_text:
        for piece in drawn(value):
            assert piece.search(body), (value, piece.pattern)


@profile("build")
@given(data=valid_facts(max_per_section=100))
def test_any_valid_facts_file_builds_a_complete_pdf(data: dict[str, Any]) -> None:
    """Valid facts -> a structurally sound PDF showing the title and every statement."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), dump(data))
        facts = load_facts(path)
        pdf = build_brief(facts)
    note(f"{len(pdf):,} bytes")
    assert_good_pdf(pdf, [facts.title] + [s.text for _, s in facts.all_statements()])


@profile("validate")
@given(data=valid_facts(max_per_section=10, max_text=MAX_TEXT))
def test_any_valid_facts_file_validates_and_keeps_its_text(data: dict[str, Any]) -> None:
    """Through YAML and back: every text arrives as written (less surrounding whitespace), in composed
    form (NFC, as briefing.facts reads text since Korean saved decomposed printed as boxes)."""
    with tempfile.TemporaryDirectory() as tmp:
        facts = load_facts(write(Path(tmp), dump(data)))
    statements = [st_["text"] for st_ in data["key_points"]]
    for name in ("situation", "stakes", "outlook"):
        statements += [st_["text"] for st_ in data["sections"][name]]
    assert [s.text for _, s in facts.all_statements()] == [unicodedata.normalize("NFC", t.strip()) for t in statements]
    assert facts.title == unicodedata.normalize("NFC", data["title"].strip())


# --------------------------------------------------------------------------------------------------
# Broken files: each breaks one rule and is refused naming the field
# --------------------------------------------------------------------------------------------------

Breaker = Callable[[dict[str, Any], st.DrawFn], str]
BREAKERS: dict[str, Breaker] = {}


def breaker(fn: Breaker) -> Breaker:
    BREAKERS[fn.__name__] = fn
    return fn


def _pick(draw: st.DrawFn, items: list[Any]) -> int:
    return draw(st.integers(0, len(items) - 1))


@breaker
def missing_required_key(d: dict[str, Any], draw: st.DrawFn) -> str:
    key = draw(st.sampled_from(["spec", "id", "title", "as_of", "handling", "location", "sources", "key_points", "sections"]))
    del d[key]
    return key


@breaker
def missing_section(d: dict[str, Any], draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["situation", "stakes", "outlook"]))
    del d["sections"][name]
    return f"sections.{name}"


@breaker
def wrong_spec_version(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["spec"] = draw(st.one_of(st.integers(3, 99), st.just("1.0"), st.just(0)))
    return "spec"


@breaker
def bad_brief_id(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["id"] = draw(st.one_of(st.from_regex(r"[a-z]+[A-Z _/.][a-z]+", fullmatch=True), st.just("x" * 65), st.just("")))
    return "id"


@breaker
def blank_or_overlong_title(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["title"] = draw(st.sampled_from(["", "   ", "x" * (MAX_TITLE + 1)]))
    return "title"


@breaker
def as_of_without_zone(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["as_of"] = draw(st.sampled_from(["2023-03-01T18:00:00", "2023-02-30", "yesterday", "2023-02-30T10:00:00Z"]))  # a date alone is valid
    return "as_of"


@breaker
def coordinate_out_of_range(d: dict[str, Any], draw: st.DrawFn) -> str:
    key = draw(st.sampled_from(["lat", "lon"]))
    limit = 90 if key == "lat" else 180
    d["location"][key] = draw(st.one_of(st.floats(limit + 0.001, 1e6), st.floats(-1e6, -limit - 0.001), st.just("north")))
    return f"location.{key}"


@breaker
def bad_country_code(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["location"]["country"] = draw(st.sampled_from(["ua", "UKR", "U", "", "12"]))
    return "location.country"


@breaker
def place_with_half_a_position(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["places"].append({"name": "Somewhere", "lat": 10.0, "sources": [d["sources"][0]["id"]]})
    return f"places[{len(d['places']) - 1}]"


@breaker
def no_sources(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["sources"] = []
    return "sources"


@breaker
def duplicate_source_id(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["sources"].append(copy.deepcopy(d["sources"][0]))
    return f"sources[{len(d['sources']) - 1}].id"


@breaker
def unknown_source_in_statement(d: dict[str, Any], draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["situation", "stakes", "outlook"]))
    i = _pick(draw, d["sections"][name])
    d["sections"][name][i]["sources"].append("no-such-source-x")
    return f"sections.{name}[{i}].sources[{len(d['sections'][name][i]['sources']) - 1}]"


@breaker
def statement_without_sources(d: dict[str, Any], draw: st.DrawFn) -> str:
    i = _pick(draw, d["key_points"])
    d["key_points"][i]["sources"] = draw(st.sampled_from([[], None]))
    if d["key_points"][i]["sources"] is None:
        del d["key_points"][i]["sources"]
    return f"key_points[{i}].sources"


@breaker
def blank_or_overlong_statement(d: dict[str, Any], draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["situation", "stakes", "outlook"]))
    i = _pick(draw, d["sections"][name])
    d["sections"][name][i]["text"] = draw(st.sampled_from(["", " \n ", "y" * (MAX_TEXT + 1)]))
    return f"sections.{name}[{i}].text"


@breaker
def control_character_by_escape(d: dict[str, Any], draw: st.DrawFn) -> str:
    i = _pick(draw, d["key_points"])
    # Inside the text (at either end, those that count as whitespace are stripped like spaces);
    # NEL (U+0085) is a line break to YAML, so it never reaches the text.
    d["key_points"][i]["text"] = "a" + draw(st.characters(categories=["Cc"]).filter(lambda c: c not in "\t\n\r\x85")) + "b"
    return f"key_points[{i}].text"


@breaker
def too_many_key_points(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["key_points"] = (d["key_points"] * 9)[: draw(st.integers(9, 20))]
    return "key_points"


@breaker
def too_many_statements(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["sections"]["outlook"] = [d["sections"]["outlook"][0]] * (MAX_STATEMENTS + 1)
    return "sections.outlook"


@breaker
def too_many_items(d: dict[str, Any], draw: st.DrawFn) -> str:
    key = draw(st.sampled_from(["events", "quotes", "places"]))
    item = {"events": {"date": "2023-01", "label": "x", "source": d["sources"][0]["id"]},
            "quotes": {"text": "x", "speaker": "y", "source": d["sources"][0]["id"]},
            "places": {"name": "p", "lat": 1.0, "lon": 2.0}}[key]
    d[key] = [item] * ((MAX_PLACES if key == "places" else MAX_ITEMS) + 1)
    return key


@breaker
def figure_value_not_a_number(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["figures"].append({"id": "broken", "label": "x", "value": draw(st.sampled_from(["4500", "4,500", True, None, float("inf"), float("nan"), 1e16])),
                         "source": d["sources"][0]["id"]})
    return f"figures[{len(d['figures']) - 1}].value"


@breaker
def duplicate_figure_id(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["figures"] += [{"id": "same", "label": "a", "value": 1, "source": d["sources"][0]["id"]}] * 2
    return f"figures[{len(d['figures']) - 1}].id"


@breaker
def approx_not_a_boolean(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["figures"].append({"id": "approx", "label": "x", "value": 1, "approx": draw(st.sampled_from(["yes", "no", 1, "true"])),
                         "source": d["sources"][0]["id"]})
    return f"figures[{len(d['figures']) - 1}].approx"


@breaker
def event_date_not_real(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["events"].append({"date": draw(st.sampled_from(["2023-02-30", "2023-13", "23-01-01", "2023-01-01T10:00:00Z", "March 2023"])),
                        "label": "x", "source": d["sources"][0]["id"]})
    return f"events[{len(d['events']) - 1}].date"


@breaker
def quote_unknown_source(d: dict[str, Any], draw: st.DrawFn) -> str:
    d["quotes"].append({"text": "x", "speaker": "y", "said": "2023-01", "source": "no-such-source-x"})
    return f"quotes[{len(d['quotes']) - 1}].source"


@breaker
def unknown_key(d: dict[str, Any], draw: st.DrawFn) -> str:
    where = draw(st.sampled_from(["", "location", "sources[0]", "key_points[0]"]))
    target = {"": d, "location": d["location"], "sources[0]": d["sources"][0], "key_points[0]": d["key_points"][0]}[where]
    target["colour"] = "blue"
    return f"{where}.colour" if where else "colour"


@breaker
def wrong_shape(d: dict[str, Any], draw: st.DrawFn) -> str:
    key = draw(st.sampled_from(["sections", "location", "key_points", "sources"]))
    d[key] = draw(st.sampled_from(["text", 3, ["a", "b"]] if key in ("sections", "location") else ["text", 3, {"a": 1}]))
    return key


TEXT_BREAKERS = {
    "duplicate_key": ("title: again\n", "line"),
    "yaml_alias": ("extra: &a [1]\nmore: *a\n", "line"),
}


@pytest.mark.parametrize("name", sorted(BREAKERS) + sorted(TEXT_BREAKERS))
@profile("broken")
@given(data=valid_facts(max_per_section=5, max_text=80), draw=st.data())
def test_each_broken_rule_is_refused_naming_the_field(data: dict[str, Any], name: str, draw: st.DataObject) -> None:
    if name in TEXT_BREAKERS:
        extra, field = TEXT_BREAKERS[name]
        content = dump(data) + extra
    else:
        field = BREAKERS[name](data, draw.draw)
        content = dump(data)
    note(f"broken: {name}, field {field}")
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), content)
        with pytest.raises(FactsError) as caught:
            load_facts(path)
    problems = caught.value.problems
    assert problems
    for problem in problems:
        line = str(problem)
        assert "\n" not in line and "\r" not in line and "\u2028" not in line and "\x85" not in line
        assert line.startswith(f"{path}: ")
        assert "Traceback" not in line
    fields = [p.field for p in problems]
    assert any(f == field or f.startswith(field + ".") or f.startswith(field + "[") or (field == "line" and f.startswith("line "))
               for f in fields), fields


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_command_line_refuses_every_kind_of_broken_file_without_a_pdf(tmp_path: Path, facts_data: dict[str, Any]) -> None:
    """One broken file per rule, all in one run: exit 2, one line each naming file and field, no PDF."""
    files, expected = [], {}
    for name, fn in sorted(BREAKERS.items()):
        data = copy.deepcopy(facts_data)
        field = fn(data, lambda strategy: strategy.example())
        path = tmp_path / f"{name}.yaml"
        path.write_text(dump(data), encoding="utf-8")
        files.append(str(path))
        expected[str(path)] = field
    out = tmp_path / "out"
    result = invoke_cli(*files, "--out", str(out), "-q")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.rglob("*.pdf")) == [] if out.exists() else True, result.stdout
    lines = result.stderr.splitlines()
    for path, field in expected.items():
        mine = [line for line in lines if line.startswith(f"{path}: ")]
        assert any(line.startswith(f"{path}: {field}") for line in mine), (path, field, mine)


@profile("unprintable")
@given(data=valid_facts(max_per_section=3, max_text=60), ch=st.characters(categories=["Cc"]).filter(lambda c: c not in "\x00\t\n\r\x85"))
def test_raw_control_characters_are_refused_with_their_line(data: dict[str, Any], ch: str) -> None:
    """A control character typed into the file itself (not as an escape): refused with line and column."""
    content = dump(data).replace("title: ", f"title: x{ch}", 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), content)
        with pytest.raises(FactsError) as caught:
            load_facts(path)
    (problem,) = caught.value.problems
    assert re.fullmatch(r"line \d+, column \d+", problem.field)
    assert problem.message == f"the control character U+{ord(ch):04X} is not allowed in YAML text; delete it"


# --------------------------------------------------------------------------------------------------
# Resource bounds: each limit refused with a message that says it
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key, count, limit", [
    ("sections.stakes", MAX_STATEMENTS + 1, MAX_STATEMENTS),
    ("events", MAX_ITEMS + 1, MAX_ITEMS),
    ("quotes", MAX_ITEMS + 1, MAX_ITEMS),
    ("figures", MAX_ITEMS + 1, MAX_ITEMS),
    ("sources", MAX_ITEMS + 1, MAX_ITEMS),
    ("places", MAX_PLACES + 1, MAX_PLACES),
])
def test_too_many_items_are_refused_saying_the_limit(facts_data, write_facts, key, count, limit):
    def item(i: int) -> dict[str, Any]:
        return {
            "sections.stakes": {"text": f"Statement {i}", "sources": ["cnn"]},
            "events": {"date": "2023-01", "label": f"Event {i}", "source": "cnn"},
            "quotes": {"text": f"Quote {i}", "speaker": "Someone", "source": "cnn"},
            "figures": {"id": f"f{i}", "label": f"Figure {i}", "value": i, "source": "cnn"},
            "sources": {"id": f"s{i}", "publisher": f"Publisher {i}"},
            "places": {"name": f"Place {i}", "lat": 48.0, "lon": 37.0},
        }[key]

    items = [item(i) for i in range(count)]
    if key == "sections.stakes":
        facts_data["sections"]["stakes"] = items
    elif key == "sources":
        facts_data["sources"] += items[: count - len(facts_data["sources"])]
    else:
        facts_data[key] = items
    with pytest.raises(FactsError) as caught:
        load_facts(write_facts(facts_data))
    assert [p.field + ": " + p.message for p in caught.value.problems] == [f"{key}: has {count} items; at most {limit} are allowed"]


def test_over_long_texts_are_refused_saying_the_limit(facts_data, write_facts):
    facts_data["title"] = "T" * (MAX_TITLE + 1)
    facts_data["quotes"][0]["text"] = "q" * (MAX_TEXT + 1)
    with pytest.raises(FactsError) as caught:
        load_facts(write_facts(facts_data))
    assert [f"{p.field}: {p.message}" for p in caught.value.problems] == [
        f"title: is {MAX_TITLE + 1} characters long; at most {MAX_TITLE} are allowed",
        f"quotes[0].text: is {MAX_TEXT + 1} characters long; at most {MAX_TEXT} are allowed",
    ]


def test_a_file_over_the_size_limit_is_refused_by_the_command_line_without_a_pdf(tmp_path, facts_data):
    data = copy.deepcopy(facts_data)
    data["sections"]["stakes"] = [{"text": "x" * MAX_TEXT, "sources": ["cnn"]}] * 1000
    data["sections"]["outlook"] = data["sections"]["stakes"]
    data["sections"]["situation"] = data["sections"]["stakes"]
    path = tmp_path / "huge.yaml"
    # libyaml's emitter when there is one: the same text as dump()'s for this plain data, 6 MB in 0.1 s, not 2.6 s
    fast = type("FastDumper", (getattr(yaml, "CSafeDumper", yaml.SafeDumper),), {"ignore_aliases": lambda self, data: True})
    path.write_text(yaml.dump(data, Dumper=fast, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    size = path.stat().st_size
    assert size > 5 * 1024 * 1024
    result = invoke_cli(str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"{path}: is {size:,} bytes; a facts file may be at most 5,242,880 bytes"
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.pdf"))
