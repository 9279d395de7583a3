"""Provenance: does each cited source say what the brief says it says?

Why: a quote with one word changed, a figure of 5,400 where the article says 4,500, or a claim the
article never makes would otherwise build into a clean PDF with a citation mark on each. For every
source with a saved copy (``file``), read by the same readers as ``--gather`` (``briefing.gather``)
and cached by the copy's content hash, this check asks:

- quotes: each ``quotes[i].text`` is in its source verbatim, after :func:`normalise` (NFKC, curly and
  straight quotes, dashes, whitespace and line breaks, a word hyphenated at a PDF's line end);
  ``...`` or ``[...]`` stand for omitted words and a ``[bracketed]`` insertion for words replaced;
- figures: each typed-in figure's value is in its source in a usual form (4,500 / 4500 / 4.5 million
  / 4.5m / 12% / 12 per cent); a figure derived ``from`` a series is computed from its data, not here;
- numbers: every number in a statement, event label or place note, and in the desk's own judgements
  (assessments, indicators, gaps), is in one of the sources it cites (days of a date are not numbers);
- statements: each key point and section statement (but those marked ``desk``, the desk's own)
  gets its best supporting passage in its cited
  sources (a window of one to three sentences, scored by rapidfuzz); below ``SUPPORT_THRESHOLD``
  it is flagged with that passage. The judgements are the desk's own, so they are not matched.

A source with no copy is unchecked and named in the summary; one reported by another source
(``via: <carrier id>``, see :func:`carrier_of`) is checked against its carrier's copy. Findings are
warnings (``validate.facts_warnings``), errors with ``--strict``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .errors import FactsError, Problem, SourceError

if TYPE_CHECKING:
    from .facts import Facts, Source

log = logging.getLogger("briefing")

#: The least score (0-100, see :func:`support_score`) of a statement's best passage for it to count
#: as supported. Set on the Bakhmut brief (docs/facts-format.md has the scores): its 22 paraphrases
#: score 54 to 100 (before issue 25 marked the desk's summary ``desk``, that one scored 35, and an
#: earlier wording of the civilians' key point 45); claims that share no content with the article
#: score 25 to 44.
SUPPORT_THRESHOLD = 50
#: Bump when a rule changes, so cached reports (none yet) and texts are not reused across versions.
VERSION = 1
#: A passage shown in a warning is cut to this many characters.
SHOWN = 90

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u0060": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00ad": None,  # a soft hyphen is no letter
})


def normalise(text: str) -> str:
    """``text`` as the verbatim comparison sees it: NFKC, one kind of quote, apostrophe and dash,
    words hyphenated at a line end joined, one space for any run of whitespace, case folded."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"(?<=\w)-[ \t]*\n\s*(?=\w)", "", text)  # "hyphen-\nation" as printed
    text = re.sub(r"(?<=\w)-(?=\w)", "", text)  # "well-known" and "well-\nknown" compare equal
    return " ".join(text.split()).casefold()


# --------------------------------------------------------------------------------------------------
# Saved copies
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedCopy:
    """The text of one source's saved copy, ready for the checks."""

    source_id: str
    file: str  # as the facts file names it
    text: str  # as the reader gave it
    norm: str  # normalise(text)
    sentences: tuple[str, ...]
    numbers: frozenset[float]
    spans: tuple[tuple[int, int], ...] = ()  # one to three consecutive sentences: the passages a statement may rest on
    vocabulary: tuple[str, ...] = ()  # every content word, sorted
    where: dict[str, frozenset[int]] = field(default_factory=dict)  # content word -> the sentences holding it
    covering: tuple[tuple[int, ...], ...] = ()  # sentence -> the spans (by index) that hold it
    near: dict[str, frozenset[int]] = field(default_factory=dict, compare=False)  # claim word -> sentences with a word like it


@functools.lru_cache(maxsize=64)
def _document_text(digest: str, data: bytes, name: str) -> str:
    """The reader's text of a saved copy, from the drawing cache when these bytes were read before
    (a web page through trafilatura costs a tenth of a second; the cache a millisecond)."""
    from . import cache

    entry = cache.key("source-text", [VERSION, digest])
    return cache.cached(True, entry, lambda: _read(data, name), lambda t: t.encode(), lambda b: b.decode())


def _read(data: bytes, name: str) -> str:
    from .gather.readers import read_document

    return read_document(data, name).text


_SENTENCE = re.compile(r"(?<=[.!?\"\u201d])\s+(?=[\"\u201c(]?[A-Z0-9])|\n+")


@functools.lru_cache(maxsize=64)
def _saved(source_id: str, file: str, text: str, whole: bool = False) -> SavedCopy:
    """The copy's sentences, numbers and word index; ``whole``: the text is one passage."""
    sentences = (text,) if whole else tuple(s.strip() for s in _SENTENCE.split(text) if s and s.strip())
    where: dict[str, set[int]] = {}
    for i, sentence in enumerate(sentences):
        for word, _ in content_words(sentence):
            where.setdefault(word, set()).add(i)
    spans = tuple((i, i + size) for size in (1, 2, 3) for i in range(len(sentences) - size + 1))
    return SavedCopy(source_id, file, text, normalise(text), sentences, frozenset(v for v, _ in numbers_in(text)),
                     spans, tuple(sorted(where)), {w: frozenset(i) for w, i in where.items()},
                     tuple(tuple(k for k, (a, b) in enumerate(spans) if a <= i < b) for i in range(len(sentences))))


def saved_copies(facts: Facts, file: str | Path) -> tuple[dict[str, SavedCopy], list[Problem]]:
    """Source id -> its saved copy (or its carrier's), and a Problem per copy that cannot be read."""
    from .files import MAX_SOURCE_BYTES, read_bounded, source_file

    base, name = Path(file).parent, str(file)
    own: dict[str, SavedCopy] = {}
    problems = []
    for i, src in enumerate(facts.sources):
        if not src.file:
            continue
        where = f"sources[{i}].file"
        try:
            data = read_bounded(source_file(base, src.file, name, where), MAX_SOURCE_BYTES, name, where,
                                "a local copy of a source", "a local copy of the source")
            text = _document_text(hashlib.sha256(data).hexdigest(), data, src.file)
        except FactsError as exc:
            problems += exc.problems
            continue
        except SourceError as exc:
            problems.append(Problem(name, where, f"the saved copy cannot be read ({exc}); nothing is checked against it"))
            continue
        own[src.id] = _saved(src.id, src.file, text)
    copies = dict(own)
    for src in facts.sources:
        carrier = carrier_of(src)
        if src.id not in copies and carrier in own:
            copies[src.id] = own[carrier]
    return copies, problems


def carrier_of(source: Source) -> str | None:
    """The id of the source that reports this one (``via``), whose saved copy then stands for it."""
    return source.via


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------

_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
           "trillion": 1e12, "tn": 1e12}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:st|nd|rd|th)?"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|mn|bn|tn|[kmb])\b)?", re.I)
_DAY_OF_MONTH = re.compile(rf"^\s*(?:of\s+)?{_MONTH}\b|\b{_MONTH}\s*$", re.I)
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")


def numbers_in(text: str, *, skip_dates: bool = False) -> Iterator[tuple[float, str]]:
    """Every number in ``text`` as (value, as written): 4,500 and 4500 are 4500, 4.5 million and
    4.5m are 4500000, 12% is 12, 93rd is 93. With ``skip_dates`` the day of a written-out date
    ("28 February", "March 1") and ISO dates are left out: a brief states dates its source gives as
    weekdays."""
    if skip_dates:
        text = _ISO_DATE.sub(" ", text)
    for m in _NUMBER.finditer(text):
        value = float(m["num"].replace(",", ""))
        if m["scale"]:
            value *= _SCALES[m["scale"].lower()]
        if skip_dates and not m["scale"] and value <= 31 and (
                _DAY_OF_MONTH.search(text[m.end():m.end() + 12].split(",")[0]) or _DAY_OF_MONTH.search(text[max(0, m.start() - 12):m.start()])):
            continue
        yield value, m.group().strip()


def _in_numbers(value: float, found: frozenset[float]) -> bool:
    return any(abs(value - v) <= 1e-9 * max(1.0, abs(v)) for v in found)


# --------------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------------

#: An omission (``...``, ``…``, ``[...]``) or an insertion (``[Russia]``) in a quote.
_GAP = re.compile(r"\[[^\]]*\]|\.\.\.|\u2026")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def verbatim(quote: str, source_norm: str) -> bool:
    """True when ``quote`` is in the (normalised) source text: its pieces between omissions and
    insertions each verbatim, in order; punctuation at a piece's ends may differ (a quote ends with
    a full stop where the source's sentence goes on with "he said")."""
    pos = 0
    pieces = [_EDGE.sub("", normalise(p)) for p in _GAP.split(quote)]
    pieces = [p for p in pieces if p]
    if not pieces:
        return True
    for piece in pieces:
        at = source_norm.find(piece, pos)
        if at < 0:
            return False
        pos = at + len(piece)
    return True


#: Words too common to say anything a source could support or contradict.
STOPWORDS = frozenset("""a an the and or but if of to in on at by for from with as is are was were be been being has
have had do does did it its this that these those there their they them he his she her we our you your not no so than
then such also into over about after before while which who whom whose what when where why how all any some more most
other can could would should will may might must just very up out off only own same too""".split())
#: Month and day names: a brief writes a date its source gives as "on Tuesday"; they are no names.
_CALENDAR = frozenset("""january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday""".split())
_WORD = re.compile(r"(?<![\w'])[^\W_][\w']*")
#: How close (rapidfuzz ratio) a word of the source must be to a word of the claim to count as it:
#: "retreat" and "retreated", "defence" and "defense" are the same word.
WORD_MATCH = 80
#: A name (a capitalised word inside a sentence) weighs this many words: a claim about Geneva or
#: NATO in a source that names neither is not supported by its other words.
NAME_WEIGHT = 2


def content_words(text: str) -> list[tuple[str, int]]:
    """The words of ``text`` that carry its content, each with its weight (``NAME_WEIGHT`` for a
    name): no stop words, no words under three letters, possessives and apostrophes dropped."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    out = []
    for m in _WORD.finditer(text):
        word = m.group()
        low = word.casefold().removesuffix("'s").replace("'", "")
        if low in STOPWORDS or len(low) < 3:
            continue
        before = text[:m.start()].rstrip()
        initial = not before or before[-1] in '.!?:;"('
        out.append((low, NAME_WEIGHT if word[0].isupper() and not initial and low not in _CALENDAR else 1))
    return out


def support_score(claim: str, passage: str) -> float:
    """How much of ``claim`` ``passage`` says, 0-100: the weighted share of the claim's content words
    (:func:`content_words`) that the passage has, each matched loosely (rapidfuzz, ``WORD_MATCH``)."""
    return _scores(content_words(claim), _saved("", "", passage, whole=True))[0]


def _scores(words: list[tuple[str, int]], copy: SavedCopy) -> list[float]:
    """``support_score`` of a claim's content words against each of ``copy.windows``: each word is
    matched against the copy's vocabulary once (one rapidfuzz call), then looked up by sentence."""
    from rapidfuzz import fuzz, process

    if not words:
        return [100.0] * len(copy.spans)
    total = sum(weight for _, weight in words)
    scores = [0] * len(copy.spans)
    for word, weight in words:
        if (sentences := copy.near.get(word)) is None:  # the words near it, once per copy
            near = {v for v, _, _ in process.extract(word, copy.vocabulary, scorer=fuzz.ratio, score_cutoff=WORD_MATCH,
                                                      limit=None, processor=None)}
            sentences = copy.near[word] = frozenset().union(*(copy.where.get(v, ()) for v in near | {word}))
        for k in set().union(*(copy.covering[i] for i in sentences)):  # the passages holding one of them
            scores[k] += weight
    return [100 * s / total for s in scores]


def best_passage(claim: str, copy: SavedCopy) -> tuple[float, str]:
    """The passage of ``copy`` (one to three consecutive sentences) that best supports ``claim``, and its score."""
    if not copy.spans:
        return 0.0, ""
    scores = _scores(content_words(claim), copy)
    best = max(range(len(scores)), key=scores.__getitem__)
    a, b = copy.spans[best]
    return scores[best], " ".join(copy.sentences[a:b])


def _closest(text: str, copy: SavedCopy) -> str:
    """The sentence of ``copy`` nearest ``text`` (rapidfuzz's partial ratio), cut for a warning line."""
    from rapidfuzz import fuzz, process

    found = process.extractOne(text, copy.sentences, scorer=fuzz.partial_ratio) if copy.sentences else None
    return shown(found[0]) if found else ""


def _closest_span(quote: str, copy: SavedCopy) -> str:
    """The stretch of ``copy`` most like ``quote`` (rapidfuzz's partial-ratio alignment), widened to whole words."""
    from rapidfuzz import fuzz

    text = copy.text
    found = fuzz.partial_ratio_alignment(quote, text)
    if found is None:
        return _closest(quote, copy)
    start, end = found.dest_start, found.dest_end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    span = re.sub(r"^\S*[.!?]\s+(?=\S)", "", text[start:end])  # not the end of the sentence before
    return shown(span)


def shown(passage: str) -> str:
    """A passage as a warning quotes it: one line, at most ``SHOWN`` characters, cut at a word."""
    one = " ".join(passage.split())
    if len(one) <= SHOWN:
        return one
    return one[:SHOWN].rsplit(" ", 1)[0] + " ..."


@dataclass(frozen=True)
class Support:
    """A statement's best passage in its cited sources."""

    field: str
    text: str  # the statement
    source_id: str
    score: float
    passage: str

    @property
    def supported(self) -> bool:
        return self.score >= SUPPORT_THRESHOLD


@dataclass(frozen=True)
class Report:
    """What the check found: warnings, the counts of the summary line, each statement's best passage."""

    problems: tuple[Problem, ...]
    counts: dict[str, tuple[int, int]]  # kind -> (passed, checked)
    unchecked: tuple[str, ...]
    checked: tuple[str, ...]
    supports: tuple[Support, ...] = field(default=())

    @property
    def summary(self) -> str:
        """``provenance: quotes 5/5 verbatim, figures 3/3, numbers 14/14, statements 22/23 supported; "geonames" unchecked (no saved copy)``."""
        if not self.checked:
            return "provenance: nothing checked (no source has a saved copy; give one as file:)"
        q, f, n, s = (self.counts[k] for k in ("quotes", "figures", "numbers", "statements"))
        line = (f"provenance: quotes {q[0]}/{q[1]} verbatim, figures {f[0]}/{f[1]}, numbers {n[0]}/{n[1]}, "
                f"statements {s[0]}/{s[1]} supported")
        if self.unchecked:
            line += f"; {', '.join(f'{chr(34)}{sid}{chr(34)}' for sid in self.unchecked)} unchecked (no saved copy)"
        return line


def _where(copy: SavedCopy) -> str:
    return f'source "{copy.source_id}" ({copy.file})'


def _judgements(facts: Facts) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(field, text, cited ids) of the desk's own judgements: numbers checked, never matched as claims."""
    all_ids = tuple(s.id for s in facts.sources)
    for i, a in enumerate(facts.assessments):
        yield f"assessments[{i}].text", a.text, a.sources
    for i, ind in enumerate(facts.indicators):
        yield f"indicators[{i}].text", ind.text, ind.sources or all_ids
        yield f"indicators[{i}].meaning", ind.meaning, ind.sources or all_ids
    for i, gap in enumerate(facts.gaps):
        yield f"gaps[{i}].text", gap.text, gap.sources or all_ids


def _claims(facts: Facts) -> Iterator[tuple[str, str, tuple[str, ...], bool]]:
    """(field, text, cited ids, matched as a claim) of every text whose numbers a source must hold."""
    for path, statement in facts.all_statements():  # one marked desk: the desk's own judgement, not a source's claim
        yield f"{path}.text", statement.text, statement.sources, not statement.desk
    for i, place in enumerate(facts.places):
        if place.note:
            yield f"places[{i}].note", place.note, place.sources, False
    for i, event in enumerate(facts.events):
        yield f"events[{i}].label", event.label, (event.source,), False
    for path, text, ids in _judgements(facts):
        yield path, text, ids, False


def check(facts: Facts, file: str | Path) -> Report:
    """Compare ``facts`` (from the facts file ``file``) with the saved copies of its sources."""
    name = str(file)
    copies, problems = saved_copies(facts, file)
    counts = {k: [0, 0] for k in ("quotes", "figures", "numbers", "statements")}
    supports = []

    for i, q in enumerate(facts.quotes):
        if (copy := copies.get(q.source)) is None:
            continue
        counts["quotes"][1] += 1
        if verbatim(q.text, copy.norm):
            counts["quotes"][0] += 1
        else:
            problems.append(Problem(name, f"quotes[{i}].text", f'not verbatim in {_where(copy)}; closest: "{_closest_span(q.text, copy)}"'))

    for i, fig in enumerate(facts.figures):
        if fig.from_ is not None or (copy := copies.get(fig.source)) is None:
            continue  # derived from a series: computed from its data
        counts["figures"][1] += 1
        if _in_numbers(float(fig.value), copy.numbers):
            counts["figures"][0] += 1
        else:
            problems.append(Problem(name, f"figures[{i}].value", f'{_number(fig.value)} not found in {_where(copy)}; '
                                    f'closest: "{_closest(f"{fig.label} {_number(fig.value)}", copy)}"'))

    for path, text, ids, is_claim in _claims(facts):
        cited = [copies[sid] for sid in dict.fromkeys(ids) if sid in copies]
        if not cited:
            continue
        for value, written in numbers_in(text, skip_dates=True):
            counts["numbers"][1] += 1
            if any(_in_numbers(value, c.numbers) for c in cited):
                counts["numbers"][0] += 1
            else:
                problems.append(Problem(name, path, f'the number {written} is not in {", ".join(_where(c) for c in cited)}; '
                                        f'closest: "{_closest(text, cited[0])}"'))
        if is_claim:
            counts["statements"][1] += 1
            score, passage, copy = max((best_passage(text, c) + (c,) for c in cited), key=lambda b: b[0])
            supports.append(Support(path, text, copy.source_id, score, passage))
            if score >= SUPPORT_THRESHOLD:
                counts["statements"][0] += 1
            else:
                problems.append(Problem(name, path, f"not supported by {_where(copy)} (best match {score:.0f} < "
                                        f'{SUPPORT_THRESHOLD}); closest: "{shown(passage)}"'))

    unchecked = tuple(s.id for s in facts.sources if s.id not in copies)
    checked = tuple(s.id for s in facts.sources if s.id in copies)
    return Report(tuple(problems), {k: (v[0], v[1]) for k, v in counts.items()}, unchecked, checked, tuple(supports))


def _number(value: float) -> str:
    """A figure's value as a reader writes it: 5,400, 12.5."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


#: The last few reports, by the facts value they are of (held, so its id is not reused): the preview
#: and a remembered ``--check`` ask for the report that validation just made.
_RECENT: dict[tuple[int, str], tuple["Facts", Report]] = {}


def report_for(facts: Facts, file: str | Path) -> Report:
    """``check(facts, file)``, made once per facts value (validation, then the preview or --check's memory)."""
    key = (id(facts), str(file))
    if (hit := _RECENT.get(key)) is not None and hit[0] is facts:
        return hit[1]
    report = check(facts, file)
    while len(_RECENT) >= 8:
        del _RECENT[next(iter(_RECENT))]
    _RECENT[key] = (facts, report)
    return report


def summary_line(facts: Facts, file: str | Path) -> str | None:
    """The line every build and ``--check`` of a brief with a saved copy prints:
    ``FILE: provenance: quotes 5/5 verbatim, ...``; None for a brief with none (nothing was checked)."""
    report = report_for(facts, file)
    return f"{file}: {report.summary}" if report.checked else None


def provenance_warnings(facts: Facts, file: str | Path) -> list[Problem]:
    """The check's findings as warnings (``validate.facts_warnings``); its summary line is logged once."""
    report = report_for(facts, file)
    if (line := summary_line(facts, file)) is not None:
        log_summary(line)
    return list(report.problems)


@functools.lru_cache(maxsize=4096)  # bounded: --every and the preview check the same brief again and again
def log_summary(line: str) -> None:
    """Log the summary line once per process."""
    log.info("%s", line)


__all__ = ["SUPPORT_THRESHOLD", "Report", "SavedCopy", "Support", "best_passage", "carrier_of", "check", "normalise",
           "numbers_in", "provenance_warnings", "report_for", "saved_copies", "summary_line", "support_score", "verbatim"]
