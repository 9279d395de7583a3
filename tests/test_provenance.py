"""The provenance check: the brief against the saved copies of its sources (briefing/provenance.py).

Real material only: the example brief and its saved CNN article, and a New York Times page from
trafilatura's evaluation set (tests/sources/ORIGIN.md) read through the gathering readers.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from briefing.provenance import check, normalise, verbatim
from briefing.validate import validate_facts
from conftest import ROOT, pdf_text, run_cli

ARTICLE = ROOT / "briefs" / "sources" / "cnn-bakhmut-2023-03-01.txt"
CNN = '"cnn" (sources/cnn-bakhmut-2023-03-01.txt)'


@pytest.fixture
def brief(tmp_path: Path, facts_data: dict[str, Any], write_facts: Callable[..., Path]) -> Callable[..., Path]:
    """The example brief with its saved article beside it, after ``change(data)``."""
    (tmp_path / "sources").mkdir()
    shutil.copy(ARTICLE, tmp_path / "sources" / ARTICLE.name)

    def make(change: Callable[[dict[str, Any]], None] = lambda data: None) -> Path:
        facts_data["sources"][0]["file"] = f"sources/{ARTICLE.name}"  # conftest leaves the example's copy out
        change(facts_data)
        return write_facts(facts_data, "x.yaml")

    return make


def _warnings(path: Path) -> list[str]:
    return [str(p) for p in validate_facts(path.read_bytes(), path)[1]]


def _one_word_changed(data: dict[str, Any]) -> None:
    data["quotes"][0]["text"] = "We are standing in Bakhmut. No one is going to surrender yet."


def _figure_swapped(data: dict[str, Any]) -> None:
    data["figures"][0]["value"] = 5400


def _invented_claim(data: dict[str, Any]) -> None:
    data["sections"]["situation"].append(
        {"text": "The mayor of Bakhmut resigned amid protests over the water supply.", "sources": ["cnn"]})


TAMPERED = [
    (_one_word_changed, f'quotes[0].text: not verbatim in source {CNN}; closest: "\u201cWe are standing in Bakhmut. '
                        'No one is going to retreat yet,\u201d"'),
    (_figure_swapped, f'figures[0].value: 5,400 not found in source {CNN}; closest: "There are still around 4,500 '
                      'civilians in Bakhmut, including 48 children, as Russian ..."'),
    (_invented_claim, f"sections.situation[9].text: not supported by source {CNN} (best match 38 < 50); closest: "
                     '"But experts say capturing Bakhmut is unlikely to dramatically alter the overall picture ..."'),
]


@pytest.mark.parametrize(("change", "line"), TAMPERED, ids=["quote", "figure", "claim"])
def test_each_tampering_gives_its_warning_line(brief: Callable[..., Path], change: Callable, line: str) -> None:
    path = brief(change)
    found = _warnings(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}: {line}")


def test_tampered_brief_warns_builds_and_strict_refuses(brief: Callable[..., Path], tmp_path: Path) -> None:
    path = brief(lambda d: (_one_word_changed(d), _figure_swapped(d), _invented_claim(d)))
    out = tmp_path / "out"
    strict = run_cli(str(path), "--strict", "--out", str(out))
    assert strict.returncode == 2, strict.stderr
    assert not (out / "bakhmut.pdf").exists()
    for _, line in TAMPERED:
        assert f"{path}: {line}" in strict.stderr
    assert (f"{path}: provenance: quotes 4/5 verbatim, figures 2/3, numbers 14/14, statements 22/23 supported; "
            '"geonames" unchecked (no saved copy)') in strict.stderr
    built = run_cli(str(path), "--out", str(out))
    assert built.returncode == 0, built.stderr
    for _, line in TAMPERED:
        assert f"{path}: {line}" in built.stderr
    text = " ".join(pdf_text((out / "bakhmut.pdf").read_bytes()).split())
    assert "Checked against a saved copy (cnn-bakhmut-2023-03-01.txt, of 1 March 2023)." in text


def test_the_example_is_clean_on_quotes_and_figures() -> None:
    checked = run_cli("--check", "briefs/bakhmut.yaml")
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.splitlines() == [  # clean: the sources it reports via CNN are checked against CNN's copy
        'briefs/bakhmut.yaml: provenance: quotes 5/5 verbatim, figures 3/3, numbers 14/14, statements 22/22 supported; '
        '"geonames" unchecked (no saved copy)']


def test_omissions_and_insertions_in_a_quote() -> None:
    text = normalise(ARTICLE.read_text(encoding="utf-8"))
    assert verbatim("Our military is obviously going to weigh all of the options. ... [T]hey will strategically pull back", text)
    assert verbatim("Russia is trying to encircle [Bakhmut] right now [...] the most well trained and experienced", text)
    assert verbatim("\u201cThere is food, water and medicine in the city\u2026 Still, everyone has to leave.\u201d", text)
    assert not verbatim("Our military is obviously going to weigh all of the options. ... [T]hey will never pull back", text)
    assert not verbatim("[T]hey will strategically pull back ... Our military is obviously going to weigh", text)  # order


def test_normalising_quotes_dashes_and_pdf_hyphenation() -> None:
    assert normalise("it\u2019s \u201cwell-\nknown\u201d \u2013 a hyphen-\nation") == normalise("It's \"well-known\" - a hyphenation")


def test_a_saved_web_page_is_read_through_the_gathering_reader(tmp_path: Path, facts_data: dict[str, Any],
                                                              write_facts: Callable[..., Path]) -> None:
    (tmp_path / "sources").mkdir()
    shutil.copy(ROOT / "tests" / "sources" / "nytimes-blackouts.html", tmp_path / "sources" / "nyt.html")
    facts_data["sources"].append({"id": "nyt", "publisher": "The New York Times", "file": "sources/nyt.html"})
    facts_data["quotes"] = [{"text": "This should not have triggered blackouts.", "speaker": "Bill Powers", "source": "nyt"},
                            {"text": "This should never have triggered blackouts.", "speaker": "Bill Powers", "source": "nyt"}]
    facts_data["figures"] = [{"id": "share", "label": "Share of California's electricity flow the operator controls",
                              "value": 80, "unit": "%", "source": "nyt"}]
    path = write_facts(facts_data, "x.yaml")
    found = _warnings(path)
    assert [w for w in found if "quotes[" in w] == [
        f'{path}: quotes[1].text: not verbatim in source "nyt" (sources/nyt.html); '
        'closest: "\u201cThis should not have triggered blackouts.\u201d"']
    facts = validate_facts(path.read_bytes(), path)[0]
    assert check(facts, path).summary.startswith("provenance: quotes 1/2 verbatim, figures 1/1,")


def test_the_preview_shows_each_statements_supporting_passage(brief: Callable[..., Path], tmp_path: Path) -> None:
    from briefing import preview
    from briefing.build import BuildOptions

    path = brief(_invented_claim)
    draft, _ = preview.build_draft(path, tmp_path / "out", BuildOptions(), 1)
    state = preview.BriefState(key="x", path=path, draft=draft)
    html = preview._environment().get_template("_brief_live.html.j2").render(
        **preview._brief_context(preview.Preview([path], tmp_path / "out", BuildOptions()), state))
    assert "What the saved sources say" in html
    assert ("<dt><code>sections.situation[9].text</code> The mayor of Bakhmut resigned amid protests over the water "
            "supply.</dt>") in html
    assert '<dd class="line">38 (not supported),' in html
    stakes = html.split("<code>sections.stakes[0].text</code>", 1)[1].split("</dd>", 1)[0]
    assert "<q>" in stakes and "Ukraine\u2019s biggest challenge at this moment is defending Bakhmut" in stakes


def test_numbers_in_their_usual_forms() -> None:
    from briefing.provenance import numbers_in

    found = [v for v, _ in numbers_in("4,500 or 4500, 4.5 million, 4.5m, $2bn, 12% and 12 per cent, the 93rd Brigade")]
    assert found == [4500, 4500, 4.5e6, 4.5e6, 2e9, 12, 12, 93]
    assert [v for v, _ in numbers_in("on 28 February, March 1, 2023-03-01 and in 2023, 13 miles", skip_dates=True)] == [2023, 13]


def test_a_source_reported_by_another_is_checked_against_the_carriers_copy(
        brief: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import briefing.provenance as provenance

    path = brief()
    facts = validate_facts(path.read_bytes(), path)[0]
    assert facts.quotes[4].source == "isw" and facts.sources[1].via == "cnn"  # ISW's words, as CNN reports them
    assert check(facts, path).summary.startswith("provenance: quotes 5/5 verbatim")
    monkeypatch.setattr(provenance, "carrier_of", lambda source: None)  # as if no via: only CNN's own items are checked
    unvia = check(facts, path).summary
    assert unvia.startswith("provenance: quotes 0/0 verbatim") and '"isw"' in unvia and '"donetsk-rma"' in unvia
