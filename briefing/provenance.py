"""Provenance: compare a brief with the saved copies of its sources.

Why: a citation mark says "this source says so", and nothing else in the tool checks that it does. A
quote with one word changed, a figure of 5,400 where the article says 4,500, or a claim the article
never made would otherwise build into a clean PDF. For every source with a ``file`` (or one that came
``via`` a carrier with a file) this module reads the saved copy with the gathering readers
(``briefing.gather.read_document``; the text is cached by the bytes' hash) and checks:

- each quote is verbatim in its source after ``normalise`` (NFKC, quotes, dashes, whitespace, PDF line-end
  hyphenation); ``...``/``[...]`` stand for omitted words, other ``[square brackets]`` are insertions;
- each typed figure's value is a number of its source (4,500 / 4500 / 4.5 thousand / 12% ...); a figure
  derived ``from`` a series is computed from its data and so checked already;
- each number written in digits in a statement, assessment, indicator or gap is a number of one of the
  sources it cites (words such as "six", ordinals such as "93rd", and weekdays resolved against the
  source's date count as numbers of the source);
- each statement (key points, sections) has a passage of its sources that supports it, scored with
  rapidfuzz; below ``SUPPORT_THRESHOLD`` it is flagged with the closest passage. The desk's own judgements
  (assessments, indicators, gaps, statements marked ``desk: true``) are no claims of a source: only their numbers are checked.

``check_provenance`` is a plain function on the frozen ``Facts``; it returns findings (warnings, or errors
under ``--strict``, through ``validate.facts_warnings``), the summary line every build prints and each
statement's supporting passage (for the preview). The PDF's source list names each source's ``file`` itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import cache
from .errors import BriefingError, Problem
from .facts import Facts
from .files import source_file

#: A statement whose best passage scores below this (0-100, see ``best_passage``) is flagged. Set on
#: the real example brief (briefs/bakhmut.yaml): its 22 sourced statements score 47.6-100 (the desk's own
#: summary in key_points[4], 35.0, is a desk judgement and not matched); claims on other subjects score 10-42.9.
SUPPORT_THRESHOLD = 45.0
#: Closest passages are cut to this many characters in a warning line.
PASSAGE_CHARS = 90

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"',
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2015": "-", "\u2212": "-", "\u00ad": None})
_OMISSION = re.compile(r"\[\s*(?:\.\s*){3}\]|\.\s*\.\s*\.|\u2026|\[[^\]]*\]")
_EDGE = "\"' .,;:!?-"


@dataclass(frozen=True)
class Support:
    """The passage of a cited source that best supports the statement at ``field`` and its score."""

    field: str
    source: str
    passage: str
    score: float


@dataclass(frozen=True)
class Provenance:
    """What the check found; ``checked`` counts the items compared with a saved copy (0: nothing to say)."""

    findings: tuple[Problem, ...]
    summary: str
    supports: tuple[Support, ...]
    checked: int = 0


@dataclass(frozen=True)
class _Text:
    """One source's saved text, normalised, with the numbers it contains and its passages."""

    id: str
    file: str
    norm: str
    numbers: frozenset[float]
    passages: tuple[str, ...]
    date: dt.date | None
    #: the passages' content words and which passages hold each (decided by the passages)
    words: _Words | None = field(default=None, compare=False)


@dataclass(frozen=True, eq=False)
class _Words:
    """The content words of one saved text's passages, and which passages hold each, as ``best_passage``
    needs them: plain Python (bit masks), so the check imports no numpy.

    ``vocab`` is sorted by length, then alphabetically: the only words rapidfuzz's ratio can find 80 or
    more like a word of length n are of length 2n/3 to 3n/2, a slice of it (``starts``).
    """

    vocab: tuple[str, ...]
    #: per word of ``vocab``, the passages that hold it: bit ``j`` set for ``passages[j]``
    holders: tuple[int, ...]
    #: ``starts[n]``: the index in ``vocab`` of its first word of length ``n`` or more
    starts: tuple[int, ...]
    #: a statement's word -> the passages holding a word like it (a process scores many statements
    #: with the same names and places in them)
    known: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, vocab: list[str], holders: list[int]) -> _Words:
        starts, k = [], 0
        for n in range(len(vocab[-1]) + 2 if vocab else 1):
            while k < len(vocab) and len(vocab[k]) < n:
                k += 1
            starts.append(k)
        return cls(tuple(vocab), tuple(holders), tuple(starts))

    def holding(self, word: str) -> int:
        """The passages (bit ``j`` for ``passages[j]``) holding a word like ``word``: rapidfuzz's ratio >= 80."""
        if (held := self.known.get(word)) is not None:
            return held
        from rapidfuzz import fuzz, process

        # ratio = 100 (1 - distance / (n + m)) and distance >= |n - m|: 80 or more needs 2n/3 <= m <= 3n/2
        last = len(self.starts) - 1
        lo, hi = self.starts[min(-(-2 * len(word) // 3), last)], self.starts[min(3 * len(word) // 2 + 1, last)]
        held = 0
        for _, _, k in process.extract(word, self.vocab[lo:hi], scorer=fuzz.ratio, score_cutoff=80, limit=None):
            held |= self.holders[lo + k]
        if len(self.known) >= 4096:
            self.known.clear()
        self.known[word] = held
        return held


# --------------------------------------------------------------------------------------------------
# Normalising and reading
# --------------------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """The form quotes are compared in: NFKC; curly quotes, apostrophes and dashes made plain; a word
    hyphenated at a line end joined (PDF text); hyphens inside words dropped on both sides (so a joined
    "longrange" still matches "long-range"); all whitespace one space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)
    text = re.sub(r"(?<=\w)-(?=\w)", "", text)
    return " ".join(text.split())


def _read_text(data: bytes, name: str) -> tuple[str, dt.date | None]:
    """The text and date of one saved source, through the gathering readers (one per format)."""
    from .gather import read_document  # the readers only; gathering's fetch and draft stay unloaded

    doc = read_document(data, name)
    parts = [doc.text, *(item.text for item in doc.items)]
    return "\n".join(p for p in parts if p), doc.published


@dataclass(frozen=True, eq=False)
class _Copy:
    """One saved copy, read: its text, its date, the text normalised, its passages and their words."""

    text: str
    date: dt.date | None
    norm: str
    passages: tuple[str, ...]
    words: _Words


@functools.lru_cache(maxsize=64)
def _text_of(digest: str, data: bytes, name: str, use_cache: bool) -> _Copy:
    """The saved copy with these bytes, read and split into passages (runs of one to three sentences),
    with their content words and, per word, the passages that hold it (``best_passage`` adds these up).

    Remembered on disk by the bytes' hash: every new process (each scheduled or reworded build) would
    otherwise run the reader and split and tokenise the same text again. One entry, JSON: the text, its
    date, its sentences and, per content word, the sentences that have it (a hexadecimal bit mask); the
    passages and their masks follow from these in a fraction of the time.
    """
    def make() -> tuple[str, dt.date | None, list[str], list[str], list[int]]:
        text, day = _read_text(data, name)
        sentences = _sentences(text)
        masks: dict[str, int] = {}  # per word, the sentences that have it
        for i, sentence in enumerate(sentences):
            for word in set(_tokens(sentence)):
                masks[word] = masks.get(word, 0) | 1 << i
        vocab = sorted(masks, key=lambda w: (len(w), w))
        return text, day, sentences, vocab, [masks[w] for w in vocab]

    def dump(value: tuple[str, dt.date | None, list[str], list[str], list[int]]) -> bytes:
        text, day, sentences, vocab, masks = value
        return json.dumps([text, day and day.isoformat(), sentences, vocab, [f"{m:x}" for m in masks]]).encode()

    def load(payload: bytes) -> tuple[str, dt.date | None, list[str], list[str], list[int]]:
        text, day, sentences, vocab, masks = json.loads(payload)
        if not (len(vocab) == len(masks) and all(isinstance(s, str) for s in [text, *sentences, *vocab, *masks])):
            raise ValueError("not a saved text with its sentences and words")
        return text, dt.date.fromisoformat(day) if day else None, sentences, vocab, [int(m, 16) for m in masks]

    text, day, sentences, vocab, masks = cache.cached(use_cache, cache.key("source-text", digest), make, dump, load)
    n = len(sentences)
    passages = tuple(" ".join(sentences[i:i + k]) for k in (1, 2, 3) for i in range(n - k + 1))
    return _Copy(text, day, normalise(text), passages, _Words.of(vocab, [_runs_holding(m, n) for m in masks]))


def _prepare(sid: str, file: str, copy: _Copy, date: dt.date | None) -> _Text:
    """One source's text made ready; the work is shared by every source read in the same copy (``via``)."""
    return _Text(sid, file, copy.norm, _numbers(copy.text, date), copy.passages, date, copy.words)


@functools.lru_cache(maxsize=64)
def _numbers(text: str, date: dt.date | None) -> frozenset[float]:
    return frozenset(numbers_in(text, date))


def _runs_holding(sentences: int, n: int) -> int:
    """The passages (bit ``j`` for ``passages[j]``) holding a word found in ``sentences`` (bit ``i`` for
    sentence ``i`` of ``n``): the runs of one sentence come first, then those of two, then of three,
    each in order of their first sentence; a run of ``k`` starting at ``i`` holds sentences ``i`` to ``i + k - 1``."""
    one = sentences
    two = (sentences | sentences >> 1) & ((1 << max(n - 1, 0)) - 1)
    three = (two | sentences >> 2) & ((1 << max(n - 2, 0)) - 1)
    return one | two << n | three << (n + max(n - 1, 0))


def _sentences(text: str) -> list[str]:
    """The sentences of the text (quotes and dashes made plain); a passage is a run of one to three."""
    flat = " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())
    return [s.strip() for s in re.split(r"(?<=[.!?])[\"']?\s+(?=[\"'(A-Z0-9])", flat) if s.strip()]


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------

_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_WORDS.update({w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)})
_ORDINALS = {w: i for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
           "k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "dozen": 12}
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:st|nd|rd|th)?"
                     r"(?:\s*(hundred|thousand|million|billion|trillion|bn|mn|m|k)\b)?", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = {"today": 0, "yesterday": 1}


def digits_in(text: str) -> list[tuple[str, float]]:
    """Each number written in digits in ``text`` (``4,500``, ``4.5 million``, ``93rd``, ``12%``) and its value."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for m in _NUMBER.finditer(text):
        value = float(m.group(1).replace(",", ""))
        scale = (m.group(2) or "").lower()
        out.append((m.group(0).strip(), value * _SCALES[scale] if scale else value))
    return out


def numbers_in(text: str, date: dt.date | None = None) -> set[float]:
    """Every number a source states: in digits (with and without a scale word: "4.5 million" is 4.5 and
    4,500,000), in words ("six", "forty-eight", "third"), and the day, month and year of its date and of
    each weekday it names, resolved to the last such day on or before the date ("on Tuesday")."""
    found = set(_text_numbers(text))
    if date:
        days = [date] + [date - dt.timedelta(days=n) for n in _RELATIVE.values()]
        lower = text.lower()
        for i, name in enumerate(_WEEKDAYS):
            if re.search(rf"\b{name}\b", lower):
                days.append(date - dt.timedelta(days=(date.weekday() - i) % 7))
        for day in days:
            found |= {float(day.day), float(day.month), float(day.year)}
    return found


@functools.lru_cache(maxsize=16)
def _text_numbers(text: str) -> frozenset[float]:
    """The numbers in the words of ``text`` (digits with and without their scale word, and words)."""
    found: set[float] = set()
    for m in _NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        value = float(m.group(1).replace(",", ""))
        found.add(value)
        if m.group(2):
            found.add(value * _SCALES[m.group(2).lower()])
    return frozenset(found | _word_numbers(text))


def _word_numbers(text: str) -> set[float]:
    """Numbers written as words: each run such as "forty-eight", "two hundred", "a dozen", "6 million"."""
    found: set[float] = set()
    total = current = 0.0
    seen = False
    for token in re.findall(r"[a-z]+", text.lower()):
        if token in _WORDS or token in _ORDINALS:
            current += _WORDS.get(token, _ORDINALS.get(token, 0))
            seen = True
        elif seen and token in ("hundred",):
            current *= 100
        elif seen and token in ("thousand", "million", "billion", "trillion"):
            total += current * _SCALES[token]
            current = 0.0
        elif token == "dozen":
            found.add(12.0 * (current or 1))
        elif seen and token == "and":
            continue
        else:
            if seen:
                found.add(total + current)
            total = current = 0.0
            seen = False
        if seen:
            found.add(total + current)
    return found


def _has_number(value: float, numbers: frozenset[float]) -> bool:
    return any(abs(value - n) <= 1e-9 * max(1.0, abs(n)) for n in numbers)


# --------------------------------------------------------------------------------------------------
# Quotes and statements
# --------------------------------------------------------------------------------------------------

def quote_in(quote: str, norm_source: str) -> bool:
    """True when every stretch of the quote between omissions (``...``, ``[...]``) and insertions
    (``[their]``) is in the normalised source, in order; the first letter of a stretch may change case
    and the punctuation at its ends may differ (a quote ends with "." where the source has ",")."""
    pos = 0
    for part in _OMISSION.split(normalise(quote)):
        part = part.strip(_EDGE)
        if not part:
            continue
        hits = [norm_source.find(p, pos) for p in {part, part[0].swapcase() + part[1:]}]
        hits = [h for h in hits if h >= 0]
        if not hits:
            return False
        pos = min(hits) + len(part)
    return True


def closest(text: str, source: _Text) -> str:
    """The stretch of the source nearest to ``text``, cut to ``PASSAGE_CHARS`` on a word boundary: for a
    quote the best alignment of its size in the text (rapidfuzz's partial ratio), begun at the sentence
    or quotation the alignment starts just before."""
    from rapidfuzz import fuzz

    norm = source.norm
    found = fuzz.partial_ratio_alignment(normalise(text), norm)
    start, end = (found.dest_start, found.dest_end) if found else (0, 0)
    head = norm[start:start + 16]
    cut = max(head.rfind('"') + 1, head.rfind(". ") + 2)
    start += cut if cut > 0 else 0
    while 0 < start < len(norm) and norm[start - 1] != " " and norm[start - 1] != '"':
        start -= 1
    return _cut(norm[start:max(end, start + 1)].strip())


def _nearest_passage(text: str, source: _Text) -> str:
    """The run of sentences of the source most like ``text`` (rapidfuzz's token ratio), cut."""
    from rapidfuzz import fuzz, process, utils

    hit = process.extractOne(text, source.passages, scorer=fuzz.token_ratio, processor=utils.default_process)
    return _cut(hit[0]) if hit else ""


def _cut(passage: str) -> str:
    if len(passage) <= PASSAGE_CHARS:
        return passage
    return passage[:PASSAGE_CHARS].rsplit(" ", 1)[0] + " ..."


_STOP = frozenset("""a an the and or but nor of to in on at by for from with as into onto than that this these those
it its is are was were be been being has have had do does did not no so if then there their they them he she his
her we our you your i me my who whom which what when where while would will can could may might should shall
also said says say told about after before over under more most some any all one such very just still yet""".split())


def _tokens(text: str) -> list[str]:
    """The content words of ``text``, lower case (rapidfuzz's default processing), stop words dropped."""
    from rapidfuzz import utils

    return [w for w in utils.default_process(unicodedata.normalize("NFKC", text)).split()
            if len(w) > 2 and w not in _STOP and not w.isdigit()]


def best_passage(statement: str, texts: list[_Text]) -> Support | None:
    """The passage of ``texts`` that covers most of the statement's content words, and that share (0-100).

    Why coverage and not a plain string ratio: a statement paraphrases and often joins two sentences, so
    it is scored by how many of its words the passage has, each word matched fuzzily (rapidfuzz's ratio
    >= 80, so "retreated" finds "retreat" and "defence" finds "defenses"); words the passage adds cost
    nothing, and a short passage cannot score high by being a subset of a long statement.

    Remembered a process for the same statement and source texts (their ids and passages, which
    decide the rest): the preview rebuilds on each save with most statements as they were, and
    scoring them was most of the check (5 of its 9 ms in a warm build of the example).
    """
    key = (statement, tuple((t.id, t.passages) for t in texts))
    if key in _BEST:
        _BEST.move_to_end(key)
        return _BEST[key]
    best = _BEST[key] = _best_passage(statement, texts)
    if len(_BEST) > 2048:
        _BEST.popitem(last=False)
    return best


_BEST: OrderedDict[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], Support | None] = OrderedDict()


def _best_passage(statement: str, texts: list[_Text]) -> Support | None:
    words = list(dict.fromkeys(_tokens(statement)))
    if not words:
        return None
    best: Support | None = None
    seen: set[int] = set()
    for text in texts:
        if not text.passages or text.words is None or id(text.passages) in seen:
            continue  # sources read in the same copy (via a carrier) share its passages: scored once
        seen.add(id(text.passages))
        top, j = _most_held([text.words.holding(w) for w in words], len(text.passages))
        score = 100.0 * top / len(words)
        if best is None or score > best.score:
            best = Support("", text.id, text.passages[j], score)
    return best


def _most_held(masks: list[int], n: int) -> tuple[int, int]:
    """How many of ``masks`` hold the passage (bit) held by most of them, and that passage: the first
    (lowest bit) of the best, as numpy's ``argmax`` picks.

    Counted in binary, one bit mask per digit (``planes[i]``: bit ``j`` is digit ``i`` of passage ``j``'s
    count), so a mask is added in a few operations on whole masks however many passages it holds.
    """
    planes: list[int] = []
    for carry in masks:
        for i, plane in enumerate(planes):
            if not carry:
                break
            planes[i], carry = plane ^ carry, plane & carry
        else:
            if carry:
                planes.append(carry)
    best, top = (1 << n) - 1, 0  # from the highest digit down: keep the passages with the larger counts
    for i in reversed(range(len(planes))):
        if best & planes[i]:
            best &= planes[i]
            top |= 1 << i
    return top, (best & -best).bit_length() - 1


# --------------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------------

def saved_texts(facts: Facts, file: str | Path, base: Path | None = None, use_cache: bool = True,
                ) -> tuple[dict[str, _Text], list[Problem]]:
    """The saved text of every source that has one: its own ``file``, or its carrier's (``via``)."""
    name = str(file)
    base = base or Path(name).parent
    by_id = {s.id: s for s in facts.sources}
    texts: dict[str, _Text] = {}
    problems: list[Problem] = []
    for i, src in enumerate(facts.sources):
        carrier = by_id.get(src.via or "")  # reported by another source: read in its saved copy
        owner = src if src.file else carrier if carrier and carrier.file else None
        if owner is None:
            continue
        try:
            path = source_file(base, owner.file, name, f"sources[{i}].file")
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            copy = _text_of(digest, data, owner.file, use_cache)
        except (BriefingError, OSError) as exc:
            problems.append(Problem(name, f"sources[{i}].file", f"saved copy cannot be read for the provenance check: {exc}"))
            continue
        shown = owner.file if owner is src else f'{owner.file}, the copy of "{owner.id}"'
        texts[src.id] = _prepare(src.id, shown, copy, copy.date or src.published or owner.published)
    return texts, problems


def check_provenance(facts: Facts, file: str | Path, base: Path | None = None, use_cache: bool = True) -> Provenance:
    """Check the brief against the saved copies of its sources; findings, summary, supports."""
    name = str(file)
    texts, findings = saved_texts(facts, file, base, use_cache)
    counts = {k: [0, 0] for k in ("quotes", "figures", "numbers", "statements")}

    def cited(ids) -> list[_Text]:
        return [texts[s] for s in ids if s in texts]

    def mark(kind: str, ok: bool) -> None:
        counts[kind][0] += ok
        counts[kind][1] += 1

    for i, quote in enumerate(facts.quotes):
        if (text := texts.get(quote.source)):
            ok = quote_in(quote.text, text.norm)
            mark("quotes", ok)
            if not ok:
                findings.append(Problem(name, f"quotes[{i}].text", f'not verbatim in source "{quote.source}" ({text.file}); '
                                        f'closest: "{closest(quote.text, text)}"'))
    for i, fig in enumerate(facts.figures):
        if fig.from_ is not None:
            if any(s in texts for s in facts.figure_sources(fig)):
                mark("figures", True)  # computed from the data it cites: checked against it by construction
            continue
        if (text := texts.get(fig.source)):
            ok = _has_number(float(fig.value), text.numbers)
            mark("figures", ok)
            if not ok:
                findings.append(Problem(name, f"figures[{i}].value", f'{fig.value:,} not found in source "{fig.source}" '
                                        f'({text.file}); closest: "{_nearest_passage(f"{fig.value:,} {fig.label}", text)}"'))
    supports = _check_statements(facts, name, cited, mark, findings)
    return Provenance(tuple(findings), _summary(facts, texts, counts),
                      tuple(supports),
                      sum(total for _, total in counts.values()))


def _judgements(facts: Facts):
    for i, a in enumerate(facts.assessments):
        yield f"assessments[{i}].text", a.text, a.sources
    for i, ind in enumerate(facts.indicators):
        yield f"indicators[{i}].text", ind.text, ind.sources
        yield f"indicators[{i}].meaning", ind.meaning, ind.sources
    for i, gap in enumerate(facts.gaps):
        yield f"gaps[{i}].text", gap.text, gap.sources


def _check_statements(facts: Facts, name: str, cited: Callable, mark: Callable, findings: list[Problem]) -> list[Support]:
    """Numbers in statements and judgements; the supporting passage of each statement."""
    # a statement marked ``desk: true`` is the desk's judgement, not a source's claim: its numbers only
    claims = [(f"{path}.text", s.text, s.sources, not s.desk) for path, s in facts.all_statements()]
    items = claims + [(path, text, ids, False) for path, text, ids in _judgements(facts)]
    supports = []
    for path, text, ids, is_claim in items:
        sources = cited(ids)
        if not sources:
            continue
        for written, value in digits_in(text):
            ok = any(_has_number(value, t.numbers) for t in sources)
            mark("numbers", ok)
            if not ok:
                names = ", ".join(f'"{t.id}"' for t in sources)
                findings.append(Problem(name, path, f'the number {written} is not in its source{"s" * (len(sources) > 1)} {names}'))
        if is_claim:
            best = best_passage(text, sources)
            ok = best is not None and best.score >= SUPPORT_THRESHOLD
            mark("statements", ok)
            if best is not None:
                supports.append(Support(path.removesuffix(".text"), best.source, best.passage, best.score))
            if not ok:
                t = next(t for t in sources if best is None or t.id == best.source)
                findings.append(Problem(name, path, f'not supported by source "{t.id}" ({t.file}); '
                                        f'closest: "{_cut(best.passage) if best else ""}"'))
    return supports


def _summary(facts: Facts, texts: dict[str, _Text], counts: dict[str, list[int]]) -> str:
    unchecked = [f'"{s.id}"' for s in facts.sources if s.id not in texts]
    if not texts:
        return f"provenance: nothing checked; {', '.join(unchecked)} unchecked (no saved copy)"
    parts = [f"quotes {'{}/{}'.format(*counts['quotes'])} verbatim", "figures {}/{}".format(*counts["figures"]),
             "numbers {}/{}".format(*counts["numbers"]), "statements {}/{} supported".format(*counts["statements"])]
    tail = f"; {', '.join(unchecked)} unchecked (no saved copy)" if unchecked else ""
    return f"provenance: {', '.join(parts)}{tail}"
