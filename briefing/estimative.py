"""The estimative-language check: likelihood words belong in assessments, or to someone named.

Why: a brief separates what its sources report from what the desk judges. "Russia will probably take
the city" in the situation section is a judgement passed off as a fact, with no likelihood scale
behind it and no one answerable for it; "ISW judges that Putin will likely ..." is a report of
someone else's judgement and is fine. Judgements of the desk's own go under ``assessments``, where
they carry an ICD 203 likelihood and a confidence level; there, wording that says something else
than the likelihood ("almost certainly" on a judgement marked ``unlikely``) misleads the reader.

Both are warnings, not errors (a person decides; the wording may be a quote the check cannot see):
``load_facts`` logs them, and ``--strict`` turns them into errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .errors import Problem

if TYPE_CHECKING:
    from .facts import Facts

#: Estimative words and the ICD 203 likelihood each stands for (None: a likelihood word with no
#: place on the scale, such as "possibly"). Words of certainty count as the top of the scale.
TERMS: dict[str, str | None] = {
    "almost no chance": "almost no chance", "remote chance": "almost no chance",
    "remote possibility": "almost no chance", "very unlikely": "very unlikely",
    "highly unlikely": "very unlikely", "highly improbable": "very unlikely",
    "unlikely": "unlikely", "improbable": "unlikely", "improbably": "unlikely",
    "roughly even chance": "roughly even chance", "roughly even odds": "roughly even chance",
    "even chance": "roughly even chance", "likely": "likely", "probable": "likely", "probably": "likely",
    "very likely": "very likely", "highly likely": "very likely", "highly probable": "very likely",
    "almost certain": "almost certain", "almost certainly": "almost certain",
    "nearly certain": "almost certain", "nearly certainly": "almost certain",
    "virtually certain": "almost certain", "all but certain": "almost certain",
    "certainly": "almost certain", "definitely": "almost certain", "undoubtedly": "almost certain",
    "doubtless": "almost certain", "no doubt": "almost certain", "without doubt": "almost certain",
    "inevitably": "almost certain", "inevitable": "almost certain", "surely": "almost certain",
    "possibly": None, "perhaps": None, "conceivably": None,
}

#: Words that give a judgement to someone: "experts say", "according to ISW", "the army expects".
ATTRIBUTION = (
    "said", "says", "say", "saying", "told", "tells", "tell", "according to", "judge", "judges", "judged",
    "assess", "assesses", "assessed", "assessment", "expect", "expects", "expected", "claim", "claims",
    "claimed", "believe", "believes", "believed", "estimate", "estimates", "estimated", "report", "reports",
    "reported", "wrote", "writes", "write", "argue", "argues", "argued", "predict", "predicts", "predicted",
    "warn", "warns", "warned", "think", "thinks", "thought", "forecast", "forecasts", "in the view of",
    "in their view", "in his view", "in her view", "acknowledged", "acknowledges", "admitted", "admits",
    "suggested", "suggests", "stated", "states", "concluded", "concludes",
)


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    # Longest first, so "very unlikely" is one term rather than "unlikely"; spaces match any whitespace.
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_TERM = re.compile(rf"\b(?:{_alternation(list(TERMS))})\b", re.IGNORECASE)
_ATTRIBUTED = re.compile(rf"\b(?:{_alternation(ATTRIBUTION)})\b", re.IGNORECASE)
#: Text in quotation marks is someone's own words, attributed by the statement around it.
_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"|\u00ab[^\u00bb]*\u00bb")
#: Sentences and clauses: an attribution in one does not cover a judgement in another.
_CLAUSE = re.compile(r"(?<=[.!?;:])\s+|\s+[\u2013\u2014]\s+")


def _terms(text: str) -> Iterator[str]:
    """Estimative terms in ``text``, lower-cased, outside quotation marks."""
    for match in _TERM.finditer(_QUOTED.sub(" ", text)):
        yield " ".join(match[0].lower().split())


def unattributed_terms(text: str) -> list[str]:
    """Estimative terms in clauses of ``text`` that name no one whose judgement it is (each term once)."""
    found: list[str] = []
    for clause in _CLAUSE.split(_QUOTED.sub(" ", text)):
        if not _ATTRIBUTED.search(clause):
            found += [t for t in _terms(clause) if t not in found]
    return found


def _outside_assessments(facts: "Facts") -> Iterator[tuple[str, str]]:
    """(field, text) of every statement that speaks for the brief, except the assessments.

    Quotes are someone's own words (attributed by their speaker); titles and labels are names.
    """
    for path, statement in facts.all_statements():
        yield path, statement.text
    for i, place in enumerate(facts.places):
        if place.note:
            yield f"places[{i}].note", place.note
    for i, event in enumerate(facts.events):
        yield f"events[{i}].label", event.label
    for i, indicator in enumerate(facts.indicators):
        yield f"indicators[{i}]", indicator.text
        yield f"indicators[{i}].meaning", indicator.meaning
    for i, gap in enumerate(facts.gaps):
        yield f"gaps[{i}]", gap.text


#: The lowest probability each ICD 203 term stands for, in percent: the floor of its range.
FLOOR = {"almost no chance": 1, "very unlikely": 5, "unlikely": 20, "roughly even chance": 45, "likely": 55,
         "very likely": 80, "almost certain": 95}


def estimate_warnings(facts: "Facts", file: str | Path) -> list[Problem]:
    """An estimate without a time frame, and a judgement whose alternatives together claim more than certainty.

    Why: "likely" with no date cannot be checked or acted on; and when the outcomes of one question
    are each at least as likely as their terms say, their floors can sum to more than 100%: at least
    one likelihood is overstated.
    """
    name = str(file)
    problems = []
    for i, judgement in enumerate(facts.assessments):
        if judgement.horizon is None:
            problems.append(Problem(name, f"assessments[{i}]", "an estimate needs a time frame; give horizon: a date (2023-03-31) "
                                    "or a period from as_of (30 days)"))
        if judgement.alternatives:
            terms = [judgement.likelihood, *(alt.likelihood for alt in judgement.alternatives)]
            floor = sum(FLOOR[t] for t in terms)
            if floor > 100:
                problems.append(Problem(name, f"assessments[{i}].alternatives",
                                        f"the judgement and its alternatives ({', '.join(terms)}) are together at least {floor}% likely, "
                                        "more than certainty; lower a likelihood, or make the outcomes ones that can happen together"))
    return problems


def estimative_warnings(facts: "Facts", file: str | Path) -> list[Problem]:
    """Likelihood words outside assessments without an attribution, and assessments worded against their likelihood."""
    name = str(file)
    problems = [
        Problem(name, path, f'"{term}" is an estimative word outside an assessment; attribute it or move it to assessments')
        for path, text in _outside_assessments(facts)
        for term in unattributed_terms(text)
    ]
    for i, judgement in enumerate(facts.assessments):
        for term in dict.fromkeys(_terms(judgement.text)):
            says = TERMS[term]
            if says is not None and says != judgement.likelihood:
                problems.append(Problem(
                    name, f"assessments[{i}]",
                    f'"{term}" says {says} but the likelihood is {judgement.likelihood}; '
                    "make the wording and the likelihood agree",
                ))
    return problems
