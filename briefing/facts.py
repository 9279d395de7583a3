"""The facts model: the frozen, typed values a facts file becomes, and helpers that only read them.

The facts file is the contract with our users (``docs/facts-format.md``); these pydantic models are
its shape, field by field. This module is the floor of the package: it imports nothing of ours but
``files`` (the id pattern) and ``geojson`` (inline overlay coordinates), so every stage - and every
check in ``briefing.validate`` - may import its types without a circle. Reading a file, the checks
across fields and the warnings live one floor up, in ``briefing.validate``. Nothing here interprets
text: statements stay plain strings until the PDF stage escapes them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Any, ClassVar, Iterator, Literal, Optional, Sequence, Union

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .files import ID_PATTERN

MAX_TEXT = 2000
MAX_TITLE = 300
MAX_STATEMENTS = 1000
MAX_ITEMS = 500
MAX_PLACES = 100
MAX_SERIES = 50


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------

_ID = ID_PATTERN
_PARTIAL_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _date_to_str(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value  # rejected below: a partial date has no time
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_partial_date(value: str) -> str:
    m = _PARTIAL_DATE.match(value)
    if not m:
        raise ValueError("expected a date as YYYY-MM-DD or YYYY-MM")
    year, month, day = int(m[1]), int(m[2]), m[3]
    try:
        dt.date(year, month, int(day) if day else 1)
    except ValueError as exc:
        raise ValueError(f"not a real date ({exc}); expected YYYY-MM-DD or YYYY-MM") from None
    return value


PartialDate = Annotated[str, BeforeValidator(_date_to_str)]


def _no_time(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # YAML reads 2023-03-01T18:00 as a date-time: a day was meant
        raise ValueError("expected a date (YYYY-MM-DD) without a time")
    return value


PlainDate = Annotated[dt.date, BeforeValidator(_no_time)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
OptText = Optional[Annotated[str, Field(max_length=MAX_TEXT)]]
SourceId = Annotated[str, Field(pattern=_ID, max_length=64)]


#: Control characters (other than tab and line breaks) and lone surrogates: YAML escapes such as
#: "\x07" or "\ud800" can produce them, but no text of a brief means them and no font draws them.
#: Fields kept exactly as written: paths name files on disk, whose names may be decomposed.
_AS_WRITTEN = frozenset({"file", "geojson", "url"})
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class _Model(BaseModel):
    # Validators are built by the first validation, of Facts, which holds every other model: one
    # schema build instead of one per model class at import.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any, info: ValidationInfo) -> Any:
        """Text without control characters, in composed form (NFC): Korean saved decomposed (as some
        editors and macOS file names do) is conjoining jamo, which no bundled font draws, so it printed
        as boxes; composed it is the syllables the fonts have. Paths are kept as written (a file's name)."""
        if isinstance(value, str) and (bad := _UNPRINTABLE.search(value)):
            raise ValueError(f"contains the control character U+{ord(bad[0]):04X} (character {bad.start() + 1}); delete it")
        if info.field_name in _AS_WRITTEN:
            return value
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)
        if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
            return tuple(unicodedata.normalize("NFC", v) for v in value)
        return value


class Location(_Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    admin1: Optional[Annotated[str, Field(min_length=1, max_length=200)]] = None


class Place(_Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    lat: Optional[Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]] = None
    lon: Optional[Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]] = None
    note: OptText = None
    sources: tuple[SourceId, ...] = ()
    #: Set by the loader when the coordinates came from the offline gazetteer (its GeoNames id);
    #: never written in a facts file.
    gazetteer_id: Optional[int] = None

    @field_validator("gazetteer_id", mode="before")
    @classmethod
    def _not_input(cls, value: Any) -> Any:
        if value is not None:
            raise ValueError("is filled in by the gazetteer look-up; not a key for the facts file")
        return None

    @model_validator(mode="after")
    def _both_or_neither(self) -> "Place":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither (then the name is looked up offline)")
        return self


class Source(_Model):
    id: Annotated[str, Field(pattern=_ID, max_length=64)]
    publisher: Annotated[str, Field(min_length=1, max_length=200)]
    title: OptText = None
    url: Optional[Annotated[str, Field(max_length=MAX_TEXT)]] = None
    published: Optional[PlainDate] = None
    file: Optional[str] = None
    # spec 2
    author: Optional[Annotated[str, Field(min_length=1, max_length=200)]] = None
    grade: Optional[Annotated[str, Field(pattern=r"^[A-F][1-6]$")]] = None
    #: The source that reports this one (an originator known only through a carrier, such as ISW as
    #: reported by CNN): the id of another source.
    via: Optional[SourceId] = None


class Statement(_Model):
    text: Text
    sources: Annotated[tuple[SourceId, ...], Field(min_length=1)]
    #: spec 2: a judgement of the desk's own; it prints with the desk's mark, and ``sources`` is its basis
    desk: StrictBool = False


Statements = Annotated[tuple[Statement, ...], Field(min_length=1, max_length=MAX_STATEMENTS)]


class Sections(_Model):
    situation: Statements
    stakes: Statements
    outlook: Statements


class Quote(_Model):
    text: Text
    speaker: Annotated[str, Field(min_length=1, max_length=300)]
    said: Optional[PartialDate] = None
    source: SourceId

    @field_validator("said")
    @classmethod
    def _said(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else _check_partial_date(value)


def _finite_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number, such as 4500 or 12.5 (no quotes, no units)")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number")
    if abs(value) >= 1e15:
        raise ValueError("expected a number smaller than 10^15 in size")
    return value


Number = Annotated[Union[int, float], BeforeValidator(_finite_number)]
ColumnName = Annotated[str, Field(min_length=1, max_length=200)]
FilterValue = Union[StrictBool, int, float, Annotated[str, Field(max_length=MAX_TEXT)]]
STATS = ("total", "latest", "first", "max", "min", "change")


class Dataset(_Model):
    """A table the brief draws numbers from (spec 2); cited like a source, read by ``briefing.data``."""

    id: Annotated[str, Field(pattern=_ID, max_length=64)]
    publisher: Annotated[str, Field(min_length=1, max_length=200)]
    title: OptText = None
    url: Optional[Annotated[str, Field(max_length=MAX_TEXT)]] = None
    retrieved: Optional[dt.date] = None
    file: Annotated[str, Field(min_length=1, max_length=500)]
    sha256: Optional[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = None

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


def in_utc_calendar(value: dt.datetime) -> dt.datetime:
    """``value`` if its time in UTC is still in the years 1 to 9999; else ValueError (one line), not
    the OverflowError that converting it raised in editions, mail and charts (9999-12-31T23:00-05:00)."""
    try:
        value.astimezone(dt.timezone.utc)
    except OverflowError:
        raise ValueError("in UTC it falls outside the years 1 to 9999; expected a time from 0001-01-01T00:00:00Z "
                         "to 9999-12-31T23:59:59Z") from None
    return value


def moment(value: dt.date | dt.datetime) -> dt.datetime:
    """A point's date as a datetime (a day starts at midnight), so days and times sort and plot together."""
    return value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)


class Point(_Model):
    """One value of a series at one time, with the source that gives it."""

    date: Union[dt.date, dt.datetime]
    value: Number
    source: SourceId

    @field_validator("date")
    @classmethod
    def _utc(cls, value: dt.date | dt.datetime) -> dt.date | dt.datetime:
        """Times with a zone become UTC without one, as dataset times do, so all points compare."""
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return in_utc_calendar(value).astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value


class Series(_Model):
    """Numbers over time: read from a dataset (``data`` and its columns) or given as ``points``.

    After loading, a dataset series carries its ``points`` too (each citing the dataset), so every
    later stage - charts, derived figures, the changes between editions - reads points only.
    """

    id: Annotated[str, Field(pattern=_ID, max_length=64)]
    label: Annotated[str, Field(min_length=1, max_length=300)]
    unit: Optional[Annotated[str, Field(max_length=100)]] = None
    data: Optional[SourceId] = None
    date: Optional[ColumnName] = None
    value: Optional[ColumnName] = None
    filter: Optional[dict[ColumnName, Union[FilterValue, tuple[FilterValue, ...]]]] = None
    every: Optional[Literal["day", "week", "month"]] = None
    agg: Literal["sum", "mean", "max", "min", "last"] = "sum"
    between: Optional[tuple[dt.date, dt.date]] = None
    points: Annotated[tuple[Point, ...], Field(max_length=MAX_ITEMS)] = ()

    @model_validator(mode="after")
    def _one_form(self) -> "Series":
        table = ("date", "value", "filter", "every", "between")
        if self.data is None and not self.points:
            raise ValueError("give either data (a dataset id, with date and value columns) or points")
        if self.data is None and any(getattr(self, k) is not None for k in table):
            used = [k for k in table if getattr(self, k) is not None]
            verb = "applies" if len(used) == 1 else "apply"
            raise ValueError(f"{', '.join(used)} {verb} only to a series from a dataset; give data: DATASET-ID, or drop {'it' if len(used) == 1 else 'them'} and keep the points")
        if self.data is not None and self.points:
            raise ValueError("give either data or points, not both")
        if self.data is not None and (self.date is None or self.value is None):
            raise ValueError("a series from a dataset needs date (the date column) and value (a numeric column, or count)")
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError("between: the first date is after the second; expected [FROM, TO]")
        return self

    def cites(self) -> tuple[str, ...]:
        """The ids a number drawn from this series cites: its dataset, or the sources of its points."""
        return (self.data,) if self.data else tuple(dict.fromkeys(p.source for p in self.points))


class FigureFrom(_Model):
    series: SourceId
    stat: Literal[STATS]  # type: ignore[valid-type]


class KeyFigure(_Model):
    """A number with meaning: typed in (``value`` and ``source``) or derived ``from`` a series."""

    model_config = ConfigDict(populate_by_name=True)

    id: Annotated[str, Field(pattern=_ID, max_length=64)]
    label: Annotated[str, Field(min_length=1, max_length=300)]
    # Not Optional: an explicit null is refused like any other non-number; only leaving it out is allowed.
    value: Number = None  # type: ignore[assignment]
    approx: StrictBool = False
    unit: Optional[Annotated[str, Field(max_length=100)]] = None
    as_of: Optional[dt.date] = None
    source: SourceId = None  # type: ignore[assignment]
    from_: Optional[FigureFrom] = Field(None, alias="from")
    passage: OptText = None  # spec 2: the sentence of the source the number was taken from (--gather)

    @model_validator(mode="after")
    def _one_form(self) -> "KeyFigure":
        if self.from_ is None and (self.value is None or self.source is None):
            missing = " and ".join(k for k in ("value", "source") if getattr(self, k) is None)
            raise ValueError(f"{missing} required; give value and source, or from: {{series: ID, stat: total}}")
        if self.from_ is not None and (self.source is not None or self.as_of is not None):
            raise ValueError("a figure derived from a series takes its source and as_of from the series; drop source and as_of")
        return self


class Event(_Model):
    """A dated happening, or (``kind: statement``) a dated statement, for the timeline.

    ``date`` is a day, a month (``2023-01``: only the month is known) or a range of days
    (``2023-01-10/2023-01-20``); ``approx`` says the date is not exact ("mid-January", "about").
    """

    date: PartialDate
    label: Annotated[str, Field(min_length=1, max_length=300)]
    source: SourceId
    passage: OptText = None  # spec 2: the sentence of the source that dates the event (--gather)
    # spec 2
    approx: StrictBool = False
    kind: Literal["event", "statement"] = "event"

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        if "/" not in value:
            return _check_partial_date(value)
        first, _, last = value.partition("/")
        if not (len(first) == len(last) == 10):
            raise ValueError("a range of dates is two days, FIRST/LAST, such as 2023-01-10/2023-01-20")
        _check_partial_date(first), _check_partial_date(last)
        if last <= first:
            raise ValueError(f"the range {value} ends before or on the day it starts; expected FIRST/LAST with FIRST earlier")
        return value

    @property
    def day(self) -> dt.date:
        """The event's (first) date; month-precision dates fall on the 1st."""
        y, m, *d = (int(x) for x in self.date.split("/")[0].split("-"))
        return dt.date(y, m, d[0] if d else 1)

    @property
    def end(self) -> dt.date:
        """The last day the event may fall on: the day itself, the range's last day or the month's."""
        if self.is_range:
            return dt.date.fromisoformat(self.date.split("/")[1])
        if self.month_only:
            return self.day.replace(day=calendar.monthrange(self.day.year, self.day.month)[1])  # 9999-12 too
        return self.day

    @property
    def month_only(self) -> bool:
        return len(self.date) == 7

    @property
    def is_range(self) -> bool:
        return "/" in self.date


#: ICD 203 likelihood terms, lowest first, with the range of probability each stands for.
LIKELIHOOD: dict[str, str] = {
    "almost no chance": "1\u20135%",
    "very unlikely": "5\u201320%",
    "unlikely": "20\u201345%",
    "roughly even chance": "45\u201355%",
    "likely": "55\u201380%",
    "very likely": "80\u201395%",
    "almost certain": "95\u201399%",
}
CONFIDENCE: tuple[str, ...] = ("low", "moderate", "high")


def _term(value: Any) -> Any:
    """Likelihood and confidence words match case-insensitively, spaces collapsed (``Very  Likely``)."""
    return " ".join(value.lower().split()) if isinstance(value, str) else value


Likelihood = Annotated[Literal[tuple(LIKELIHOOD)], BeforeValidator(_term)]  # type: ignore[valid-type]
_PERIOD = re.compile(r"^(\d{1,4}) (day|week|month|year)s?$")


def _horizon(value: Any) -> Any:
    """A horizon is a date (``2023-03-31``) or a period from ``as_of`` (``30 days``, ``3 months``)."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (YYYY-MM-DD) or a period such as 30 days, without a time")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = " ".join(value.lower().split())
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
        m = _PERIOD.match(text)
        if m and int(m[1]) > 0:
            return f"{int(m[1])} {m[2]}{'s' if int(m[1]) != 1 else ''}"
    raise ValueError("expected a date (YYYY-MM-DD, such as 2023-03-31) or a period from as_of (such as 30 days, 6 weeks, 3 months, 1 year)")


class Alternative(_Model):
    """Another outcome than the judgement's, with its own likelihood."""

    text: Text
    likelihood: Likelihood


class Assessment(_Model):
    """One judgement of the desk's own: how likely (ICD 203 term) and how well the evidence supports it.

    spec 2 estimates: by when (``horizon``), on what assumptions, against which other outcomes
    (``alternatives``) and what would change the call (``would_change``); ``id`` lets indicators name it.
    """

    text: Text
    likelihood: Likelihood
    confidence: Annotated[Literal[CONFIDENCE], BeforeValidator(_term)]  # type: ignore[valid-type]
    sources: Annotated[tuple[SourceId, ...], Field(min_length=1)]
    id: Optional[Annotated[str, Field(pattern=_ID, max_length=64)]] = None
    horizon: Optional[Annotated[str, BeforeValidator(_horizon)]] = None
    assumptions: Annotated[tuple[Text, ...], Field(max_length=20)] = ()
    alternatives: Annotated[tuple[Alternative, ...], Field(max_length=10)] = ()
    would_change: Annotated[tuple[Text, ...], Field(max_length=20)] = ()

    @field_validator("assumptions", "would_change", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Indicator(_Model):
    """A sign to watch for, and what it would mean for the judgements."""

    text: Text
    meaning: Text
    sources: tuple[SourceId, ...] = ()
    #: spec 2: the assessments (by id) this sign would move, and which way
    bears_on: tuple[Annotated[str, Field(pattern=_ID, max_length=64)], ...] = ()
    direction: Optional[Literal["raises", "lowers"]] = None

    @model_validator(mode="after")
    def _direction_needs_a_judgement(self) -> "Indicator":
        if self.direction is not None and not self.bears_on:
            raise ValueError("direction says which way the indicator moves a judgement; name it with bears_on: [ASSESSMENT-ID]")
        return self


class Gap(_Model):
    """Something not known that matters; ``sources`` (an extension) may show where the silence is."""

    text: Text
    sources: tuple[SourceId, ...] = ()

OverlayKind = Literal["hostile", "friendly", "contested", "hazard", "other"]


class _Overlay(_Model):
    """Common to the map's shaded areas and lines (spec 2): what the legend prints and cites."""

    label: Annotated[str, Field(min_length=1, max_length=200)]
    kind: OverlayKind
    as_of: Optional[PlainDate] = None
    source: SourceId
    geojson: Optional[Annotated[str, Field(min_length=1, max_length=500)]] = None
    #: The checked geometry, filled in by the loader from ``geojson`` or the inline coordinates;
    #: never written in a facts file.
    shapes: tuple = ()

    @field_validator("shapes", mode="before")
    @classmethod
    def _not_input(cls, value: Any) -> Any:
        if value not in ((), [], None):
            raise ValueError("is filled in from geojson or the inline coordinates; not a key for the facts file")
        return ()

    @model_validator(mode="after")
    def _one_geometry(self) -> "_Overlay":
        """Exactly one of ``geojson`` (read later, by the loader) and the inline coordinates, checked now."""
        key = self._COORDINATES
        points = getattr(self, key)
        if (self.geojson is None) == (points is None):
            raise ValueError(f"give either geojson (a file) or {key} (a list of [lon, lat] pairs), not both or neither")
        if points is not None:
            from .geojson import line_from_points, polygon_from_points

            build = polygon_from_points if key == "polygon" else line_from_points
            object.__setattr__(self, "shapes", build(list(points)))
        return self


class MapArea(_Overlay):
    _COORDINATES: ClassVar[str] = "polygon"
    polygon: Optional[tuple[Any, ...]] = None


class MapLine(_Overlay):
    _COORDINATES: ClassVar[str] = "line"
    line: Optional[tuple[Any, ...]] = None


class MapOverlays(_Model):
    areas: Annotated[tuple[MapArea, ...], Field(max_length=50)] = ()
    lines: Annotated[tuple[MapLine, ...], Field(max_length=50)] = ()


class Facts(_Model):
    """A whole facts file, validated; every collection is a tuple so the value is truly frozen."""

    spec: Literal[1, 2]
    id: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,64}$")]
    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
    subtitle: Optional[Annotated[str, Field(max_length=MAX_TITLE)]] = None
    as_of: AwareDatetime
    handling: Annotated[str, Field(min_length=1, max_length=120)]
    prepared_by: Optional[Annotated[str, Field(max_length=200)]] = None
    location: Location
    places: Annotated[tuple[Place, ...], Field(max_length=MAX_PLACES)] = ()
    sources: Annotated[tuple[Source, ...], Field(min_length=1, max_length=MAX_ITEMS)]
    key_points: Annotated[tuple[Statement, ...], Field(min_length=1, max_length=8)]
    sections: Sections
    quotes: Annotated[tuple[Quote, ...], Field(max_length=MAX_ITEMS)] = ()
    figures: Annotated[tuple[KeyFigure, ...], Field(max_length=MAX_ITEMS)] = ()
    events: Annotated[tuple[Event, ...], Field(max_length=MAX_ITEMS)] = ()
    # spec 2
    assessments: Annotated[tuple[Assessment, ...], Field(max_length=MAX_ITEMS)] = ()
    indicators: Annotated[tuple[Indicator, ...], Field(max_length=MAX_ITEMS)] = ()
    gaps: Annotated[tuple[Gap, ...], Field(max_length=MAX_ITEMS)] = ()
    datasets: Annotated[tuple[Dataset, ...], Field(max_length=MAX_ITEMS)] = ()
    series: Annotated[tuple[Series, ...], Field(max_length=MAX_SERIES)] = ()
    map: Optional[MapOverlays] = None
    draft: Optional[StrictBool] = None  # spec 2: gathered, not yet checked by a person: marked DRAFT, never mailed


    #: True when ``as_of`` was given as a date alone: the brief then prints no hour (none is known).
    _as_of_day: bool = PrivateAttr(False)

    @field_validator("as_of")
    @classmethod
    def _in_utc_calendar(cls, value: dt.datetime) -> dt.datetime:
        return in_utc_calendar(value)

    @model_validator(mode="wrap")
    @classmethod
    def _as_of_date(cls, data: Any, handler: Any) -> "Facts":
        """``as_of: 2023-03-01`` is the start of that day (UTC) for ordering, marked as a date alone."""
        day = None
        if isinstance(data, dict):
            value = data.get("as_of")
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                try:
                    value = dt.date.fromisoformat(value.strip())
                except ValueError:
                    pass  # reported as not valid by the field's own validation
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                day = value
                data = {**data, "as_of": dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)}
        facts = handler(data)
        if day is not None:
            facts._as_of_day = True
        return facts

    @property
    def as_of_day_only(self) -> bool:
        """Whether ``as_of`` is a date without a time (print the date, never an hour)."""
        return self._as_of_day

    def originators(self, ids: Sequence[str]) -> tuple[str, ...]:
        """The independent originators of what ``ids`` cite, by publisher: a source reported ``via`` a
        carrier is its own originator (ISW, not CNN), and two entries of one publisher are one."""
        by_id = {s.id: s.publisher for s in self.sources}
        return tuple(dict.fromkeys(" ".join(by_id.get(i, i).casefold().split()) for i in ids))

    def source_index(self) -> dict[str, int]:
        """Source or dataset id -> its number in the Sources section (1-based: sources, then datasets)."""
        return {s.id: i for i, s in enumerate((*self.sources, *self.datasets), start=1)}

    def figure_sources(self, figure: KeyFigure) -> tuple[str, ...]:
        """What a figure cites: its source, or for a derived figure whatever its series cites."""
        if figure.from_ is None:
            return (figure.source,) if figure.source else ()
        series = {s.id: s for s in self.series}
        return series[figure.from_.series].cites() if figure.from_.series in series else ()

    def all_statements(self) -> list[tuple[str, Statement]]:
        """Every statement with its field path, in reading order."""
        out = [(f"key_points[{i}]", s) for i, s in enumerate(self.key_points)]
        for name in ("situation", "stakes", "outlook"):
            out += [(f"sections.{name}[{i}]", s) for i, s in enumerate(getattr(self.sections, name))]
        return out


#: Keys that only ``spec: 2`` files may use, as dotted paths (``sources[].grade``: in any source).
V2_KEYS: tuple[str, ...] = ("sources[].author", "sources[].grade", "sources[].via", "key_points[].desk",
                          "sections.situation[].desk", "sections.stakes[].desk", "sections.outlook[].desk",
                          "assessments", "indicators", "gaps",
                          "datasets", "series", "figures[].from", "map", "events[].approx", "events[].kind",
                          "figures[].passage", "events[].passage", "draft")


#: Fields the loader fills in (never keys of a facts file), left out of "allowed keys" lists.
_FILLED_BY_LOADER = frozenset({"gazetteer_id", "shapes"})


#: Characters that reorder the text around them without showing themselves (U+202E and kin). In a
#: subject line or a document title they can make a brief seem to say what it does not ("Trojan Source").
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi_controls(text: str) -> str:
    """``text`` fit for a header or metadata field: without the invisible direction controls."""
    return BIDI_CONTROLS.sub("", text)


def text_fields(value: Any, path: str = "", skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """Every string in a validated facts value with its field path (``sections.stakes[2].text``),
    leaving out the fields named in ``skip``; shared by the checks that read all of a brief's text."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from text_fields(item, f"{path}[{i}]", skip)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in skip:
                yield from text_fields(getattr(value, name), f"{path}.{name}" if path else name, skip)

