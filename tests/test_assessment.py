"""Assessments, indicators, gaps and source grades in the PDF; the estimative-language check and --strict."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml

from briefing import build_brief, load_facts
from briefing.errors import FactsError
from briefing.estimative import estimative_warnings
from conftest import BAKHMUT, invoke_cli, pdf_pages_text, pdf_text, squash

RANGES = {
    "almost no chance": "1–5%", "very unlikely": "5–20%", "unlikely": "20–45%", "roughly even chance": "45–55%",
    "likely": "55–80%", "very likely": "80–95%", "almost certain": "95–99%",
}
CONFIDENCE = ("low", "moderate", "high")
RELIABILITY = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
               "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}
CREDIBILITY = {"1": "confirmed by other sources", "2": "probably true", "3": "possibly true",
               "4": "doubtful", "5": "improbable", "6": "truth cannot be judged"}


def _tradecraft(d: dict[str, Any]) -> dict[str, Any]:
    """The example brief with one assessment per likelihood term, every grade, indicators and gaps."""
    d["spec"] = 2
    d["assessments"] = [
        {"text": f"Judgement number {i} <b>&</b> {{{{ 7*7 }}}}.", "likelihood": term.upper() if i == 0 else term,
         "confidence": CONFIDENCE[i % 3], "sources": ["cnn"]}
        for i, term in enumerate(RANGES)
    ]
    d["sources"] += [{"id": f"s{n}", "publisher": f"Publisher {n}", "grade": f"{letter}{n}"}
                     for n, letter in enumerate("ABCDEF", start=1)]
    d["indicators"] = [{"text": "The western road is cut", "meaning": "Resupply stops", "sources": ["cnn"]},
                       {"text": "Shelling of the high ground", "meaning": "An assault on it is near"}]
    d["gaps"] = [{"text": "No figure for losses.", "sources": ["cnn"]}, {"text": "No Russian-side source."}]
    return d


@pytest.fixture(scope="module")
def pdf(bakhmut_data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("tradecraft") / "t.yaml"
    path.write_text(yaml.safe_dump(_tradecraft(copy.deepcopy(bakhmut_data)), allow_unicode=True), encoding="utf-8")
    return build_brief(path)


def test_every_likelihood_term_prints_with_its_range_and_confidence(pdf):
    text = squash(pdf_text(pdf))
    for i, (term, span) in enumerate(RANGES.items()):
        # the desk's mark leads; what the judgement rests on is its basis, not a citation
        assert (f"D{i + 1} {term.capitalize()} ({span}), {CONFIDENCE[i % 3]} confidence. Judgement number {i} <b>&</b> {{{{ 7*7 }}}}. "
                "basis: [1] · 1 independent originator") in text
    # The scale is explained once, every term with its range, and each confidence level in words.
    assert text.count("Intelligence Community Directive 203") == 1
    assert "almost no chance 1–5%, very unlikely 5–20%, unlikely 20–45%, roughly even chance 45–55%, likely 55–80%, very likely 80–95%, almost certain 95–99%." in text
    for level in CONFIDENCE:
        assert f"{level}, " in text.split("not how likely it is:")[1]


def test_the_assessment_comes_up_front_on_page_one(pdf):
    first = squash(pdf_pages_text(pdf)[0])
    assert first.index("Bottom line up front") < first.index("Assessment • D1 Almost no chance (1–5%), low confidence. Judgement number 0")
    outline = [o.title for o in pypdf.PdfReader(io.BytesIO(pdf)).outline if not isinstance(o, list)]
    assert outline[:2] == ["Battle for Bakhmut", "Assessment"]  # the bottom line is nested under the title


def test_every_admiralty_grade_prints_with_its_meaning_and_the_scale_once(pdf, bakhmut_data):
    text = squash(pdf_text(pdf))
    before = len(bakhmut_data["sources"])
    for n, letter in enumerate("ABCDEF", start=1):
        assert f"[{n + before}] Publisher {n}. Grade {letter}{n} ({RELIABILITY[letter]}; {CREDIBILITY[str(n)]})." in text
    assert text.count("follow the Admiralty system") == 1
    assert ", ".join(f"{k} {v}" for k, v in RELIABILITY.items()) in text
    assert ", ".join(f"{k} {v}" for k, v in CREDIBILITY.items()) in text


def test_indicators_are_a_table_and_gaps_a_list(pdf):
    text = squash(pdf_text(pdf))
    assert "Watch for What it would mean Source" in text
    assert "The western road is cut Resupply stops [1]" in text
    assert "Shelling of the high ground An assault on it is near —" in text
    assert "• No figure for losses. [1]" in text and "• No Russian-side source." in text
    assert text.index("Outlook") < text.index("Indicators") < text.index("Gaps") < text.index("[1] CNN")


def test_a_brief_without_tradecraft_prints_no_scale(facts_data, write_facts):
    """A spec 1 brief prints no empty Assessment heading and no scale it does not use."""
    facts_data.update(spec=1)
    for key in ("assessments", "indicators", "gaps"):
        facts_data.pop(key)
    for src in facts_data["sources"]:
        for key in ("grade", "author", "via"):
            src.pop(key, None)
    for point in facts_data["key_points"]:
        point.pop("desk", None)
    facts_data["events"] = [{k: v for k, v in e.items() if k not in ("approx", "kind")} | {"date": str(e["date"]).split("/")[0]}
                            for e in facts_data["events"]]
    pdf = build_brief(write_facts(facts_data))
    outline = [o.title for o in pypdf.PdfReader(io.BytesIO(pdf)).outline if not isinstance(o, list)]
    assert not {"Assessment", "Indicators", "Gaps"} & set(outline)
    text = pdf_text(pdf)
    assert "Directive 203" not in text and "Admiralty" not in text and "Grade" not in text


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key, value, expected", [
    ("likelihood", "probable", 'assessments[0].likelihood: "probable" is not supported; expected one of the ICD 203 terms: '
     "almost no chance, very unlikely, unlikely, roughly even chance, likely, very likely, almost certain"),
    ("confidence", "certain", 'assessments[0].confidence: "certain" is not supported; expected low, moderate or high'),
    ("sources", ["bbc"], 'assessments[0].sources[0]: unknown source id "bbc"; expected one of the ids under sources: cnn, isw, '
     "donetsk-rma, land-forces, ukraine-military, soldier-93, soldier-unnamed, rodnyansky, zelensky, geonames"),
    ("sources", [], "assessments[0].sources: is empty; expected at least 1"),
])
def test_a_bad_assessment_is_one_exact_line(facts_data, write_facts, key, value, expected):
    facts_data["assessments"][0][key] = value
    path = write_facts(facts_data)
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value) == f"{path}: {expected}"


def test_likelihood_and_confidence_are_case_insensitive(facts_data, write_facts):
    facts_data["assessments"][0].update(likelihood="Very  Likely", confidence="HIGH")
    facts_data["assessments"][0]["text"] = "Moscow will very likely press on."
    judgement = load_facts(write_facts(facts_data)).assessments[0]
    assert (judgement.likelihood, judgement.confidence) == ("very likely", "high")


# --------------------------------------------------------------------------------------------------
# The estimative-language check
# --------------------------------------------------------------------------------------------------


def _warnings(facts_data: dict[str, Any], write_facts: Any) -> list[str]:
    path = write_facts(facts_data)
    return [str(p).removeprefix(f"{path}: ") for p in estimative_warnings(load_facts(path), path)]


def test_the_example_brief_passes_the_check():
    assert estimative_warnings(load_facts(BAKHMUT), BAKHMUT) == []


@pytest.mark.parametrize("text, word", [
    ("Russian forces will certainly take the city.", "certainly"),
    ("The city will probably fall within weeks.", "probably"),
    ("Defeat is inevitable; the army said nothing.", "inevitable"),  # the attribution is in another clause
    ("Moscow is almost certainly short of shells.", "almost certainly"),
    ("A counter-attack is Very\nUnlikely.", "very unlikely"),  # one term, not also "unlikely"
    ("Reinforcements will undoubtedly arrive.", "undoubtedly"),
    ("Kyiv will definitely hold the line.", "definitely"),
])
def test_an_unattributed_estimative_word_is_flagged(facts_data, write_facts, text, word):
    facts_data["sections"]["situation"][1]["text"] = text
    assert _warnings(facts_data, write_facts) == [
        f'sections.situation[1]: "{word}" is an estimative word outside an assessment; attribute it or move it to assessments'
    ]


@pytest.mark.parametrize("text", [
    "ISW judges that Putin will likely mobilise more manpower rather than give up.",
    "According to the regional governor, the bridge will probably be repaired.",
    "Experts say capturing the city is unlikely to dramatically alter the war.",
    "Putin will likely do so rather than give up, the ISW wrote.",
    "A soldier called the advance \u201cinevitable\u201d in a video.",
    "Likelihood is not the word here: the likelihood scale is explained below.",  # "likelihood" is not "likely"
])
def test_an_attributed_or_quoted_estimative_word_passes(facts_data, write_facts, text):
    facts_data["sections"]["outlook"][0]["text"] = text
    assert _warnings(facts_data, write_facts) == []


def test_indicators_gaps_and_place_notes_are_checked_too(facts_data, write_facts):
    facts_data["indicators"][0]["meaning"] = "The city will likely fall."
    facts_data["gaps"][1]["text"] = "Losses are probably heavy."
    facts_data["places"][0]["note"] = "Certainly in Russian hands."
    assert _warnings(facts_data, write_facts) == [
        'places[0].note: "certainly" is an estimative word outside an assessment; attribute it or move it to assessments',
        'indicators[0].meaning: "likely" is an estimative word outside an assessment; attribute it or move it to assessments',
        'gaps[1]: "probably" is an estimative word outside an assessment; attribute it or move it to assessments',
    ]


def test_an_assessment_worded_against_its_likelihood_is_flagged(facts_data, write_facts):
    facts_data["assessments"][0].update(text="Ukraine will almost certainly lose the city.", likelihood="unlikely")
    facts_data["assessments"][1].update(text="The war will very likely go on.", likelihood="very likely")  # agrees
    assert _warnings(facts_data, write_facts) == [
        'assessments[0]: "almost certainly" says almost certain but the likelihood is unlikely; make the wording and the likelihood agree'
    ]


def test_check_warns_and_exits_0_strict_exits_2_and_writes_nothing(facts_data, write_facts, tmp_path: Path):
    facts_data["sections"]["situation"][1]["text"] = "Russian forces will certainly take the city."
    path = write_facts(facts_data)
    line = f'{path}: sections.situation[1]: "certainly" is an estimative word outside an assessment; attribute it or move it to assessments'

    checked = invoke_cli(str(path), "--check")
    assert checked.returncode == 0 and checked.stdout.strip() == f"{path}: ok"
    assert line in checked.stderr.splitlines()

    out = tmp_path / "out"
    strict = invoke_cli(str(path), "--strict", "--out", str(out))
    assert strict.returncode == 2
    assert strict.stderr.strip() == line
    assert strict.stdout == "" and not (out / "bakhmut.pdf").exists()

    assert invoke_cli(str(path), "--check", "--strict").returncode == 2


def test_strict_counts_every_kind_of_warning(facts_data, write_facts):
    """Glyph warnings go through the same list as the estimative check, so --strict stops them too."""
    facts_data["gaps"][1]["text"] += " \U0001f389"
    path = write_facts(facts_data)
    load_facts(path)  # a warning only
    with pytest.raises(FactsError) as info:
        load_facts(path, strict=True)
    assert [p.field for p in info.value.problems] == ["gaps[1].text"]


# --------------------------------------------------------------------------------------------------
# Estimates: time frame, alternatives, indicators tied to judgements; sources through a carrier
# --------------------------------------------------------------------------------------------------


def test_the_example_brief_has_no_estimate_warnings():
    from briefing.estimative import estimate_warnings

    assert estimate_warnings(load_facts(BAKHMUT), BAKHMUT) == []


def test_check_warns_on_an_estimate_without_a_time_frame_and_on_over_certain_alternatives(facts_data, write_facts):
    del facts_data["assessments"][0]["horizon"]
    facts_data["assessments"][1]["alternatives"] = [{"text": "The east changes a great deal", "likelihood": "likely"}]
    path = write_facts(facts_data)
    checked = invoke_cli(str(path), "--check")
    assert checked.returncode == 0 and checked.stdout.strip() == f"{path}: ok"
    assert checked.stderr.splitlines() == [
        f"{path}: assessments[0]: an estimate needs a time frame; give horizon: a date (2023-03-31) or a period from as_of (30 days)",
        f"{path}: assessments[1].alternatives: the judgement and its alternatives (likely, likely) are together at least 110% "
        "likely, more than certainty; lower a likelihood, or make the outcomes ones that can happen together",
    ]
    strict = invoke_cli(str(path), "--check", "--strict")
    assert strict.returncode == 2


def test_a_horizon_is_a_date_or_a_period_and_prints_as_one(facts_data, write_facts):
    facts_data["assessments"][0]["horizon"] = "2023-03-31"
    facts_data["assessments"][1]["horizon"] = "1 Week"
    facts = load_facts(write_facts(facts_data))
    assert [a.horizon for a in facts.assessments] == ["2023-03-31", "1 week"]
    text = squash(pdf_text(build_brief(facts)))
    assert "low confidence. By 31 March 2023: Ukraine will lose control" in text
    assert "low confidence. Over the next 1 week: The fall of Bakhmut" in text
    facts_data["assessments"][0]["horizon"] = "soon"
    path = write_facts(facts_data)
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value).startswith(f'{path}: assessments[0].horizon: ')
    assert "expected a date (YYYY-MM-DD, such as 2023-03-31) or a period from as_of" in str(info.value)


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["sources"][1].update(via="bbc"),
     'sources[1].via: unknown source id "bbc"; expected one of the ids under sources: cnn, isw, donetsk-rma, land-forces, '
     "ukraine-military, soldier-93, soldier-unnamed, rodnyansky, zelensky, geonames"),
    (lambda d: d["sources"][1].update(via="isw"),
     'sources[1].via: "isw" is this source itself; via names the source that reports it, such as a news outlet'),
    (lambda d: d["sources"][2].update(via="isw"),
     'sources[2].via: "isw" is itself reported via "cnn"; name the source whose report you read (one step)'),
    (lambda d: d["indicators"][0].update(bears_on=["nowhere"]),
     'indicators[0].bears_on[0]: unknown assessment id "nowhere"; expected one of the ids under assessments: lose-bakhmut, east-unchanged'),
    (lambda d: d["indicators"][0].pop("bears_on"),
     "indicators[0]: direction says which way the indicator moves a judgement; name it with bears_on: [ASSESSMENT-ID]"),
])
def test_a_bad_carrier_or_judgement_reference_is_one_exact_line(facts_data, write_facts, change, expected):
    change(facts_data)
    path = write_facts(facts_data)
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value) == f"{path}: {expected}"


def test_a_date_alone_as_of_prints_no_hour_and_a_time_still_prints_its_dtg(facts_data, write_facts):
    facts = load_facts(BAKHMUT)
    assert facts.as_of_day_only
    facts_data["as_of"] = "2023-03-01T18:00:00Z"
    timed = squash(pdf_pages_text(build_brief(write_facts(facts_data)))[0])
    assert "As of 011800Z MAR 23 (2023-03-01T18:00:00Z)" in timed
