"""Candidates for a draft brief, found in a source's text: places, quotes, figures, events, statements.

Why heuristics and no language model: every candidate must be text the source contains (a draft
invents nothing), found the same way on every run, offline. Each candidate carries the sentence it
came from (``passage``) so the person who edits the draft, and the provenance check, can see why it is
there. What the rules cannot tell (a quote without a named speaker, a date the text does not give)
is left out rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from dataclasses import dataclass

from .readers import Document, find_dates

#: Bounds per source: a draft is a start for a person to edit, not a dump of the article.
MAX_PLACES = 8
MAX_QUOTES = 20
MAX_FIGURES = 20
MAX_EVENTS = 20
MAX_KEY_POINTS = 3
MAX_SITUATION = 6
MAX_CUED = 4
#: The longest text the facts format takes for a statement or quote, and for a label.
MAX_TEXT = 2000
MAX_LABEL = 300
#: A quote must have at least this many words to be a candidate (shorter ones are phrases, not quotes).
MIN_QUOTE_WORDS = 6
#: Candidates come from the first this many characters of a text (about 50,000 words, a long report):
#: the bounds above fill long before, and a 20 MB page must not take minutes.
MAX_EXTRACT_CHARS = 300_000


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    country: str
    mentions: int
    note: str  # the first sentence that names it
    admin1: str | None = None  # set when the place is a state or province itself


@dataclass(frozen=True)
class Quote:
    text: str
    speaker: str
    said: str | None  # YYYY-MM-DD or YYYY-MM
    passage: str


@dataclass(frozen=True)
class Figure:
    label: str
    value: float
    approx: bool
    unit: str
    passage: str


@dataclass(frozen=True)
class Event:
    date: str  # YYYY-MM-DD or YYYY-MM
    label: str
    passage: str


@dataclass(frozen=True)
class Candidates:
    """What one document offers a draft; every text is a span of the document's text."""

    location: Place | None = None
    dateline: bool = False
    places: tuple[Place, ...] = ()
    quotes: tuple[Quote, ...] = ()
    figures: tuple[Figure, ...] = ()
    events: tuple[Event, ...] = ()
    key_points: tuple[str, ...] = ()
    situation: tuple[str, ...] = ()
    stakes: tuple[str, ...] = ()
    outlook: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------------

_ABBREV = ("Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Gen", "Col", "Lt", "Sgt", "Capt", "Gov", "Sen", "Rep", "Jr", "Sr",
           "No", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "U.S", "U.K", "U.N", "vs", "etc", "Inc", "Co", "Corp", "Lt.-Gen")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph (a line of a Document's text), each a span of it."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start:m.start()]
        word = re.search(r"([\w.]+)[.!?]*[\"”’)]*$", before)
        if word and (word.group(1).rstrip(".") in _ABBREV or re.fullmatch(r"[A-Z]", word.group(1).rstrip("."))):
            continue
        out.append(paragraph[start:m.end()].strip())
        start = m.end()
    rest = paragraph[start:].strip()
    if rest:
        out.append(rest)
    return out


def _is_prose(sentence: str) -> bool:
    """A real sentence of the story: ends like one, long enough, mostly words (no menu, caption, credit)."""
    return (len(sentence.split()) >= 8 and len(sentence) <= MAX_TEXT
            and sentence.rstrip("\"”’)").endswith((".", "!")) and (sentence[:1].isupper() or sentence[:1] in "\"“‘"))


# --------------------------------------------------------------------------------------------------
# Dates in words, resolved against the publication date
# --------------------------------------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_MONTH_RE = r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
_DAY_MONTH = re.compile(r"\b(?:on\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r"(?!\s*,?\s*(?:19|20)\d\d)\b")
_MONTH_DAY = re.compile(r"\b(?:on\s+)?" + _MONTH_RE + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*,?\s*(?:19|20)\d\d)(?!\d)")
_IN_MONTH = re.compile(r"\b(?:[Ii]n|[Ss]ince|[Bb]y|[Ee]arly|[Ll]ate|[Mm]id-?)\s+(?:early\s+|late\s+|mid-?)?" + _MONTH_RE + r"(?:\s+((?:19|20)\d\d))?\b")
_WEEKDAY = re.compile(r"\b(?:on|last|this|late|early)\s+(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:'s)?\b")
_RELATIVE = re.compile(r"\b(yesterday|today|earlier today|last night|this morning|tonight)\b", re.I)


def _month_number(word: str) -> int:
    return next(i for i, m in enumerate(_MONTH_NAMES, 1) if m.startswith(word.lower().rstrip(".")[:3]))


def _past_date(month: int, day: int | None, published: dt.date) -> dt.date | None:
    """The date of ``day month`` a story published on ``published`` means: that year's, unless it is
    more than 60 days after publication ("in December" in a story of March is last year's)."""
    try:
        when = dt.date(published.year, month, day or 1)
        if when > published + dt.timedelta(days=60):  # "in December" in a story of January: last year's
            when = dt.date(published.year - 1, month, day or 1)
    except ValueError:
        return None
    return when


def date_of(sentence: str, published: dt.date | None) -> str | None:
    """The day (YYYY-MM-DD) or month (YYYY-MM) a sentence dates what it tells, or None.

    A full date is taken as written; "on Tuesday", "28 February", "yesterday" or "in January" need the
    publication date, against which they are resolved (the last such day on or before it).
    """
    full = find_dates(sentence)
    if full:
        return full[0][2].isoformat()
    if published is None:
        return None
    m = _DAY_MONTH.search(sentence)
    if m:
        when = _past_date(_month_number(m.group(2)), int(m.group(1)), published)
        return when.isoformat() if when else None
    m = _MONTH_DAY.search(sentence)
    if m:
        when = _past_date(_month_number(m.group(1)), int(m.group(2)), published)
        return when.isoformat() if when else None
    m = _WEEKDAY.search(sentence)
    if m:
        weekday = _WEEKDAYS.index((m.group(1) or m.group(2)).lower())
        back = (published.weekday() - weekday) % 7
        return (published - dt.timedelta(days=back)).isoformat()
    m = _RELATIVE.search(sentence)
    if m:
        back = 1 if m.group(1).lower() in ("yesterday", "last night") else 0
        return (published - dt.timedelta(days=back)).isoformat()
    m = _IN_MONTH.search(sentence)
    if m:
        month = _month_number(m.group(1))
        if m.group(2):
            return f"{int(m.group(2)):04d}-{month:02d}"
        when = _past_date(month, None, published)
        return f"{when.year:04d}-{month:02d}" if when else None
    return None


# --------------------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------------------

#: Capitalised words that are never a place on their own, however many villages GeoNames names so.
_NOT_PLACES = frozenset("""
a an the this that these those it its he she his her they their we our you i in on at of for by to from with
and but or as if so not no yes all some many more most other such one two three four five six seven eight nine ten
mr mrs ms dr president minister mayor governor senator general officials police army military forces government
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december jan feb mar apr jun jul aug sep sept oct nov dec today yesterday tonight image images photo video getty reuters ap afp cnn bbc
north south east west northern southern eastern western central news media share read more home world live
however meanwhile despite after before during while when where what why how who which there here then now also
state city county island republic union party democrats republicans democratic republican covid coronavirus
are can is was will do does did has have had be mps mp
""".split())
#: Words after a place name that make the name before them a place ("Kyiv Mayor ...", "Gaza City officials").
_ROLES = frozenset("mayor governor president police officials official authorities council residents province region "
                   "county state city district oblast army forces military government hospital airport".split())
#: Names of institutions, regions and continents that GeoNames also gives to some town.
_NOT_PLACE_NAMES = frozenset("""white house|pentagon|kremlin|downing street|capitol|congress|parliament|senate|house|
supreme court|oval office|africa|europe|asia|america|north america|south america|latin america|antarctica|oceania|
middle east|the west|the east|west bank""".replace("\n", "").split("|"))
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:de|del|da|al|el|la|le|van|von|upon|on|of)\s+)?[A-Z][\w'’.-]*)*")
_LOCATIVE = re.compile(r"\b(in|near|at|from|outside|to|into|around|across|toward|towards|of)\s+(the\s+)?$", re.I)
_DATELINE = re.compile(r"^\s*([A-Z][A-Z .'’-]{2,40}?)(?:,\s*([A-Z][\w .'’-]{1,40}?))?\s*(?:\([^)]{1,40}\)\s*)?[—–-]{1,2}\s")


@functools.cache
def _country_table() -> tuple[dict[str, str], dict[str, tuple[str, float, float]]]:
    """Normalised country name -> ISO alpha-2, and ISO alpha-2 -> (name, lat, lon) of Natural Earth's
    label point, from the shipped map data."""
    import numpy as np

    from ..geodata import ASSETS, normalise_name

    folder = ASSETS / "admin0_fine"
    try:
        names, codes = np.load(folder / "unit_name.npy"), np.load(folder / "unit_code.npy")
        labels = np.load(folder / "unit_label.npy")
    except OSError:
        return {}, {}
    found = {normalise_name(str(n)): str(c) for n, c in zip(names, codes) if not str(c).startswith("-")}
    found.update({"us": "US", "usa": "US", "united states": "US", "uk": "GB", "britain": "GB", "great britain": "GB"})
    points = {str(c): (str(n), float(p[1]), float(p[0])) for n, c, p in zip(names, codes, labels) if not str(c).startswith("-")}
    return found, points


def _countries() -> dict[str, str]:
    return _country_table()[0]


def is_country(name: str) -> bool:
    """True when ``name`` is a country's (Natural Earth's names, and US, UK, Britain)."""
    from ..geodata import normalise_name

    return normalise_name(name) in _countries()


@functools.lru_cache(maxsize=64)
def _regions(country: str) -> frozenset[str]:
    """The normalised names of a country's states and provinces (the shipped admin-1 map data)."""
    from .. import geodata

    try:
        layer = geodata.admin1(country)
    except geodata.MapDataMissing:
        return frozenset()
    return frozenset().union(*layer.unit_keys) if layer is not None and layer.unit_keys else frozenset()


@functools.lru_cache(maxsize=4096)
def _lookup(name: str) -> list:
    """The gazetteer's rows for ``name`` (each lookup scans the gazetteer's text, so they are kept)."""
    from .. import geodata
    from ..geodata import normalise_name

    try:
        return geodata.find_places(normalise_name(name))
    except geodata.MapDataMissing:
        return []


def _resolve(names: Counter, notes: dict[str, str], locative: Counter) -> list[Place]:
    """The gazetteer's place for each name: in the country most of the names agree on, else the most
    populous. A name only GeoNames' hamlets share is kept when the text puts it after "in", "near"..."""
    from ..geodata import normalise_name

    countries = _countries()
    votes: Counter = Counter()
    for name in names:  # a country named counts for its places, and is not itself a place on the map
        if normalise_name(name) in countries:
            votes[countries[normalise_name(name)]] += names[name]
    rows = {name: _lookup(name) for name in names if normalise_name(name) not in countries}
    for name, found in rows.items():
        for country in {r.country for r in found if r.population >= 5000}:
            votes[country] += names[name]
    top = votes.most_common(2)  # the country most names agree on; none when they split evenly
    main = top[0][0] if top and (len(top) == 1 or top[0][1] > top[1][1]) else None
    places = []
    for name, found in rows.items():
        if not found:
            continue
        in_country = [r for r in found if r.country == main]
        best = max(in_country or found, key=lambda r: (r.population, -r.geonameid))
        if best.population < 1000 and not locative[name]:
            continue
        if best.population < 100000 and normalise_name(name) in _regions(best.country):
            continue  # California the state, not California, Maryland (but New York the city is a place)
        if best.population < 50000 and main and best.country != main:
            continue
        places.append(Place(name=name, lat=best.lat, lon=best.lon, country=best.country, mentions=names[name], note=notes[name]))
    return sorted(places, key=lambda p: (-p.mentions, p.name))


def _place_names(sentences_: list[str]) -> tuple[Counter, dict[str, str], Counter]:
    people = {w for s in sentences_ for m in _PERSON.finditer(s) for w in m.group().split()[-1:]}
    names: Counter = Counter()
    notes: dict[str, str] = {}
    locative: Counter = Counter()
    for sentence in sentences_:
        for m in _CAPITALISED.finditer(sentence):
            words = m.group().rstrip(".’'").split()
            # the longest prefix the gazetteer might know: "New York City Mayor Bill" -> "New York City"
            for n in range(min(len(words), 4), 0, -1):
                name = " ".join(words[:n]).rstrip(".,’'").removesuffix("'s").removesuffix("’s")
                if n < len(words) and words[n].lower().rstrip(".,'’s") not in _ROLES:
                    continue  # "Hart Island" is not the village of Hart; "New York City Mayor" is New York City
                if n == 1 and not sentence[:m.start()].strip(" \"“‘'(-—–"):
                    break  # a sentence's first word is capitalised anyway ("Can you ...", "Are ..."); other mentions count
                if name.lower() in _NOT_PLACES or name.lower() in _NOT_PLACE_NAMES or name in people or len(name) < 3 or not name[0].isupper() or name.isupper():
                    continue
                if _lookup(name) or is_country(name):
                    names[name] += 1
                    notes.setdefault(name, sentence)
                    if _LOCATIVE.search(sentence[:m.start()]):
                        locative[name] += 1
                    break
    return names, notes, locative


def find_places(paragraphs: tuple[str, ...], all_sentences: list[str]) -> tuple[Place | None, bool, list[Place]]:
    """The location (the dateline's place, else the most named) and the other places, most named first."""
    names, notes, locative = _place_names([s for s in all_sentences if len(s) <= MAX_TEXT])
    places = _resolve(names, notes, locative)
    dateline = None
    for paragraph in paragraphs[:3]:
        m = _DATELINE.match(paragraph)
        if m:
            from ..geodata import normalise_name

            city = m.group(1).strip().title()
            where = _countries().get(normalise_name(m.group(2) or ""))  # "KHAN YOUNIS, Gaza", "KYIV, Ukraine"
            rows = [r for r in _lookup(city) if where is None or r.country == where]
            if rows:
                best = max(rows, key=lambda r: r.population)
                dateline = Place(city, best.lat, best.lon, best.country, 1, sentences(paragraph)[0])
            elif where is not None:  # a place the gazetteer lacks, in a country it knows: the country
                name, lat, lon = _country_table()[1][where]
                dateline = Place(name, lat, lon, where, 1, sentences(paragraph)[0])
            break
    if dateline is not None:
        return dateline, True, [p for p in places if p.name.lower() != dateline.name.lower()][:MAX_PLACES]
    favoured = sorted(places, key=lambda p: (-(p.mentions + locative[p.name]), p.name))
    if not favoured:  # no town named, but a state or province, or a country: the brief is about that
        from ..geodata import normalise_name

        region = _region_named(names, notes)
        if region is not None:
            return region, False, []
        named = Counter({_countries()[normalise_name(n)]: c for n, c in names.items() if normalise_name(n) in _countries()})
        if not named:
            return None, False, []
        code = named.most_common(1)[0][0]
        name, lat, lon = _country_table()[1][code]
        note = next((notes[n] for n in names if _countries().get(normalise_name(n)) == code), "")
        return Place(name, lat, lon, code, named[code], note), False, []
    return favoured[0], False, [p for p in places if p is not favoured[0]][:MAX_PLACES]


def _region_named(names: Counter, notes: dict[str, str]) -> Place | None:
    """The state or province named most ("California"), placed at a point inside it (the shipped
    admin-1 map data), when the text names no town: GeoNames lists towns, not regions."""
    import numpy as np
    import shapely

    from .. import geodata
    from ..geodata import normalise_name

    for name, count in names.most_common():
        key = normalise_name(name)
        for country in sorted({r.country for r in _lookup(name)}):
            if key not in _regions(country):
                continue
            layer = geodata.admin1(country)
            unit = next(i for i, keys in enumerate(layer.unit_keys) if key in keys)
            parts = layer.polygons[np.asarray(layer.poly_unit) == unit]
            point = max(parts, key=lambda g: g.area).representative_point() if len(parts) else None
            if point is not None and not shapely.is_empty(point):
                return Place(name, round(point.y, 5), round(point.x, 5), country, count, notes[name], admin1=name)
    return None


# --------------------------------------------------------------------------------------------------
# Quotes
# --------------------------------------------------------------------------------------------------

_QUOTED = re.compile(r"“([^“”]+)”|(?<![\w])\"([^\"]+)\"")
_VERBS = r"(?:said|says|told|added|wrote|writes|explained|warned|stated|declared|noted|insisted|argued|claimed|continued|tweeted|posted|recalled|asked)"
_TITLES = r"(?:(?:Dr|Mr|Mrs|Ms|Prof|Gen|Col|Sen|Rep|Gov|Lt|Sgt|Capt)\.?\s+)?"
_NAME = _TITLES + r"[A-Z][\w'’.-]+(?:\s+(?:(?:de|del|da|al|bin|van|von|la|le|of|of the|for|for the)\s+)?[A-Z][\w'’.-]+){0,4}"
_PRONOUN = r"(?:he|she|they|He|She|They)"
# "..., said Dr. X, a doctor at ..." | "..., X said" | "..., he said" | "X said: “...”" | "X told CNN “...”"
_AFTER_VERB_NAME = re.compile(r"^\s*,?\s*" + _VERBS + r"\s+(?P<who>(?:the\s+|a\s+|an\s+)?" + _NAME + r"(?:,\s+(?:a|an|the)\s+[^,.;“\"]{2,120})?)")
_AFTER_NAME_VERB = re.compile(r"^\s*,?\s*(?P<who>" + _NAME + r"(?:,\s+(?:a|an|the)\s+[^,.;“\"]{2,120},)?|" + _PRONOUN + r")\s+" + _VERBS + r"\b")
# "..., the soldier said" | "..., a soldier who didn't want to be named told CNN": who, as the text describes them
_AFTER_DESCRIBED = re.compile(r"^\s*,?\s*(?P<who>(?:the|a|an)\s+[a-z][^,.;:“”\"]{2,80}?)\s+" + _VERBS + r"\b")
_BEFORE = re.compile(r"(?P<who>" + _NAME + r"(?:,\s+(?:a|an|the)\s+[^,.;“\"]{2,120},)?|" + _PRONOUN + r")\s+" + _VERBS + r"\b[^“\"]{0,80}?[:,]?\s*$")
_PERSON = re.compile(r"\b(?:(?:Dr|Mr|Mrs|Ms|Prof|Gen|Col|Sen|Rep|Gov|Lt|Sgt|Capt)\.?\s+[A-Z][a-z][\w'’-]+(?:\s+[A-Z][a-z][\w'’-]+)?"
                     r"|[A-Z][a-z][\w'’-]+(?:\s+(?:de|del|da|al|bin|van|von)\s+|\s+)[A-Z][a-z][\w'’-]+)\b")
#: Words that make two capitalised words an organisation or a title, not a person.
_ORGANISATION = frozenset("""commission committee department ministry agency council university party company
corporation times news post journal press service services office board bank group forces army police court
house senate congress assembly government administration authority institute foundation association union""".split())


def _is_place(name: str) -> bool:
    """A place's name ("New York"), or a part of one ("Southern California")."""
    words = name.split()
    return bool(_lookup(name)) or (len(words) == 2 and words[0].lower() in _COMPASS and bool(_lookup(words[-1]) or is_country(words[-1])))


def _is_person(name: str) -> bool:
    """Capitalised words that name no place and no organisation may be a person ("he said" points back to them)."""
    return not any(w.lower() in _ORGANISATION for w in name.split()) and not _is_place(name)


_COMPASS = frozenset("north south east west northern southern eastern western central northeast northwest southeast southwest".split())


def _speaker(after: str, before: str, last_person: str | None) -> str | None:
    m = _AFTER_VERB_NAME.match(after) or _AFTER_NAME_VERB.match(after) or _AFTER_DESCRIBED.match(after)
    if not m:
        m = _BEFORE.search(before)
    if not m:
        return None
    who = m.group("who").strip().rstrip(",")
    if re.fullmatch(_PRONOUN, who):
        return last_person
    if _is_place(who.split(",")[0]):
        return None  # "Southern California" is where, not who (an organisation may speak: "Land Forces of Ukraine")
    if who[0].isupper() and who.split()[0].lower() in _NOT_PLACES - {"mr", "mrs", "ms", "dr", "president", "minister", "mayor", "governor", "senator", "general", "officials", "police"}:
        return None
    return who


def find_quotes(paragraphs: tuple[str, ...], published: dt.date | None) -> list[Quote]:
    """Direct quotations of MIN_QUOTE_WORDS words or more, verbatim, with the speaker the attribution
    names (a pronoun is the last person named before it) and the date the sentence gives."""
    quotes: list[Quote] = []
    last_person: str | None = None
    full_names: dict[str, str] = {}  # "Ignatchenko" -> "Tetiana Ignatchenko", as the text first named her
    for paragraph in paragraphs:
        for person in _PERSON.finditer(paragraph):
            full_names.setdefault(person.group().split()[-1], person.group())
        last_end = 0
        for m in _QUOTED.finditer(paragraph):
            inner = m.group(1) or m.group(2)
            before, after = paragraph[:m.start()], paragraph[m.end():]
            text = inner.strip().rstrip(",").strip()
            for person in _PERSON.finditer(paragraph[last_end:m.start()]):  # named since the last quote
                if _is_person(person.group()):
                    last_person = person.group()
            speaker = _speaker(after, before, last_person)
            if speaker and " " not in speaker:
                speaker = full_names.get(speaker, speaker)
            if not speaker:
                last_end = m.end()
                continue
            last_person = speaker.split(",")[0]  # a short quote's speaker is the next "he said" too
            if len(text.split()) >= MIN_QUOTE_WORDS and len(text) <= MAX_TEXT:
                sentence = _sentence_around(paragraph, m.start(), m.end())
                quotes.append(Quote(text=text, speaker=speaker[:MAX_LABEL], said=date_of(_attribution(before, after), published), passage=sentence))
            last_end = m.end()
        for person in _PERSON.finditer(paragraph[last_end:]):  # named after the paragraph's last quote
            if _is_person(person.group()):
                last_person = person.group()
        if len(quotes) >= MAX_QUOTES:
            break
    return quotes[:MAX_QUOTES]


def _attribution(before: str, after: str) -> str:
    """The words around a quote that say who said it and when: the clause before it, the one after it."""
    return (before[-160:] + " " + re.split(r"[.;“\"]", after, maxsplit=1)[0][:160]).strip()


def _sentence_around(paragraph: str, start: int, end: int) -> str:
    """The sentences of ``paragraph`` that the span start:end touches, as one span of it."""
    first = last = None
    pos = 0
    for sentence in sentences(paragraph):
        at = paragraph.find(sentence, pos)
        pos = at + len(sentence)
        if pos > start and at < end:
            first = at if first is None else first
            last = pos
    return paragraph[first:last] if first is not None else paragraph


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------

_APPROX = r"(?P<approx>about|around|nearly|almost|more than|over|some|roughly|approximately|at least|up to|fewer than|less than|an estimated|close to)\s+"
_NUMBER = r"(?P<cur>[$£€])?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<mult>\s+(?:million|billion|thousand|trillion)|m\b|bn\b)?(?P<pct>%|\s+per\s?cent\b|\s+percent\b)?"
_FIGURE = re.compile(r"(?<![\w,.:$£€/-])(?:" + _APPROX + r")?" + _NUMBER + r"(?![\w-]|,\d|\.\d|:\d)")
_CURRENCIES = {"$": "dollars", "£": "pounds", "€": "euros"}
_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_STOP = frozenset("""
a an the and or but of in on at to from for by with as is are was were be been being has have had will would could can may might
that which who whom whose this these those it its their his her our there than then so such per since after before during while
said says say told according including include includes about more less over under into out up down off said year years old
he she they we i you it him them us me where when what if unless because while whether
above below across between among against within without through toward towards near beyond behind
""".split()) - {"a", "per"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_TIME_WORDS = frozenset("am pm a.m. p.m. gmt utc bst est edt pst cet".split())


def find_figures(sentences_: list[str]) -> list[Figure]:
    """Numbers with what they count ("about 25 bodies a week", "30 hospitals", "12%"): the words after
    the number up to the first that ends the noun, ``approx`` for about / nearly / more than ..."""
    figures: list[Figure] = []
    seen: set[tuple[str, float]] = set()
    for sentence in sentences_:
        if len(sentence) > MAX_TEXT:
            continue
        dates = [(a, b) for a, b, _ in find_dates(sentence)]
        for m in _FIGURE.finditer(sentence):
            if any(a <= m.start("num") < b for a, b in dates) or re.search(_MONTH_RE + r"\s+$", sentence[:m.start()]):
                continue  # part of a date ("1 March 2023", "June 2")
            num = m.group("num").replace(",", "")
            value = float(num)
            mult = (m.group("mult") or "").strip().lower()
            if mult:
                value *= _MULTIPLIERS[mult]
            rest = sentence[m.end():]
            if m.group("pct"):
                of = re.match(r"\s+(of\s+(?:the\s+)?(?!(?:its|their|his|her|our|them|those|these|all|which|whom)\b)[\w’'-]+(?:\s+[A-Z][\w’'-]+){0,2})", rest)
                unit, label = "%", of.group(1) if of else ""
            else:
                label = _label_after(rest)
                if not label:
                    continue
                first = label.split()[0].lower()
                if first in _TIME_WORDS or first in _MONTH_NAMES or first.rstrip("s") in ("year", "hour", "minute", "second"):
                    continue
                if 1900 <= value <= 2100 and "," not in m.group("num") and not m.group("cur"):
                    continue  # a year
                unit = label.split()[-1] if not re.search(r"\b(a|per|each|every)\s+\w+$", label) else label.split()[0]
                if m.group("cur"):
                    unit = _CURRENCIES[m.group("cur")]  # printed after the value: "50 pounds", not "50 £"
            if not label:
                continue
            key = (label.lower(), value)
            if key in seen:
                continue
            seen.add(key)
            figures.append(Figure(label=label[:MAX_LABEL], value=int(value) if value == int(value) else value,
                                  approx=bool(m.group("approx")) and m.group("approx").lower() not in ("at least", "up to"),
                                  unit=unit, passage=sentence))
            if len(figures) >= MAX_FIGURES:
                return figures
    return figures


def _label_after(rest: str) -> str:
    """The noun phrase right after a number: up to four words, ending before a verb, a preposition or a
    punctuation mark; "a week" or "per day" after it belongs to it."""
    words = []
    for m in re.finditer(r"\S+", rest[:80]):
        token = m.group()
        word = token.strip(",.;:!?)(\"“”’'")
        if not _WORD.fullmatch(word) or word.lower() in _STOP or word[0].isupper():
            break
        words.append(word)
        if token != word or len(words) >= 4:
            break
    if not words:
        return ""
    tail = re.match(r"\s*(a|per|each|every)\s+(day|week|month|year|hour)\b", rest[len(" ".join(words)) + (len(rest) - len(rest.lstrip())):])
    phrase = " ".join(words)
    if tail and rest.lstrip().startswith(phrase):
        phrase += " " + tail.group(1) + " " + tail.group(2)
    return phrase if rest.lstrip().startswith(phrase) else ""


# --------------------------------------------------------------------------------------------------
# Events and statements
# --------------------------------------------------------------------------------------------------

_STAKES_CUES = re.compile(r"\b(would|could|threat|threaten\w*|risk\w*|matters?|important|importance|significan\w*|strategic|crucial|key|at stake|because|consequence\w*|impact)\b(?!-)", re.I)
_OUTLOOK_CUES = re.compile(r"\b(will|expected|expects?|likely|unlikely|plans? to|planned|next|is set to|are set to|forecast\w*|coming (days|weeks|months)|future|soon|remains? to be seen)\b(?!-)", re.I)


def find_events(sentences_: list[str], published: dt.date | None) -> list[Event]:
    events = []
    for sentence in sentences_:
        if len(sentence) > MAX_LABEL or not _is_prose(sentence) or re.search("[“”\"]", sentence):
            continue  # a sentence of a quotation is the quote's, and split at its full stops
        when = date_of(sentence, published)
        if when and (published is None or when[:len(published.isoformat()[:len(when)])] <= published.isoformat()[:len(when)]):
            events.append(Event(date=when, label=sentence, passage=sentence))
        if len(events) >= MAX_EVENTS:
            break
    return events


def extract(doc: Document) -> Candidates:
    """Every candidate in one document (for a feed, call it on each item), from its first MAX_EXTRACT_CHARS."""
    paragraphs, size = [], 0
    for paragraph in doc.paragraphs:
        size += len(paragraph) + 1
        if size > MAX_EXTRACT_CHARS:
            break
        paragraphs.append(paragraph)
    all_sentences = [s for p in paragraphs for s in sentences(p)]
    prose = [s for s in all_sentences if _is_prose(s)]
    location, dateline, places = find_places(tuple(paragraphs), all_sentences)
    unquoted = [s for s in prose if not re.search("[“”\"]", s)]
    key_points = tuple(unquoted[:MAX_KEY_POINTS])
    rest = [s for s in unquoted if s not in key_points]
    stakes = tuple(s for s in rest if _STAKES_CUES.search(s))[:MAX_CUED]
    outlook = tuple(s for s in rest if _OUTLOOK_CUES.search(s) and s not in stakes)[:MAX_CUED]
    situation = tuple(s for s in rest if s not in stakes and s not in outlook)[:MAX_SITUATION]
    return Candidates(
        location=location, dateline=dateline, places=tuple(places),
        quotes=tuple(find_quotes(tuple(paragraphs), doc.published)),
        figures=tuple(find_figures(prose)),
        events=tuple(find_events(prose, doc.published)),
        key_points=key_points, situation=situation, stakes=stakes, outlook=outlook,
    )
