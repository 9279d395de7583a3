"""Stage 1: load a facts file and validate it into frozen, typed values.

The facts file is the contract with our users (``docs/facts-format.md``). Everything that is wrong
with it is reported at once, one line per problem naming the file and the field path, so a person
can fix the file in one go. Nothing here interprets text: statements stay plain strings until the PDF
stage escapes them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

import yaml
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import FactsError, Problem
from .gazetteer import PlaceNotFound, lookup

#: Refuse files larger than this before parsing: a runaway file must not exhaust memory.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TEXT = 2000
MAX_TITLE = 300
MAX_STATEMENTS = 1000
MAX_ITEMS = 500
MAX_PLACES = 100


# --------------------------------------------------------------------------------------------------
# YAML: safe, strict, and without the traps of YAML 1.1
# --------------------------------------------------------------------------------------------------


class _StrictConstructor:
    """Refuses duplicate keys; only true/false are booleans.

    YAML 1.1 turns ``NO`` (Norway's country code), ``on`` and ``yes`` into booleans; a facts file
    must mean what it says, so only ``true``/``false`` are booleans here.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(None, None, "a key must be plain text", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {seen[key]}); each key may appear once",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


def _strict(base: type) -> type:
    loader = type(f"Strict{base.__name__}", (_StrictConstructor, base), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return loader


#: libyaml's parser (about five times faster) when present; the pure-Python one explains errors better.
_FAST_LOADER = _strict(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_CLEAR_LOADER = _strict(yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Read a YAML file safely: bounded size, UTF-8 text, no aliases, line numbers on errors."""
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FactsError.single(name, "", "file not found; give the path of a facts file (.yaml)")
    except IsADirectoryError:
        raise FactsError.single(name, "", "is a directory; give the path of a facts file (.yaml)")
    except OSError as exc:
        raise FactsError.single(name, "", f"cannot be read ({exc.strerror}); check its permissions")
    if len(data) > MAX_FILE_BYTES:
        raise FactsError.single(
            name, "", f"is {len(data):,} bytes; a facts file may be at most {MAX_FILE_BYTES:,} bytes"
        )
    if not data.strip():
        raise FactsError.single(name, "", "is empty; a facts file is a YAML mapping (see the spec)")
    if b"\x00" in data:
        raise FactsError.single(name, "", "is a binary file, not YAML text; give a .yaml facts file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FactsError.single(
            name, "", f"is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
        )
    try:
        return _load(text, name, _FAST_LOADER)
    except yaml.YAMLError:
        pass
    try:
        return _load(text, name, _CLEAR_LOADER)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        raise FactsError.single(
            name, f"line {line}, column {column}",
            f"the control character U+{exc.character:04X} is not allowed in YAML text; delete it",
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line ?"
        what = exc.problem or exc.context or "invalid YAML"
        raise FactsError.single(name, line, f"not valid YAML: {what}")
    except yaml.YAMLError as exc:
        raise FactsError.single(name, "", f"not valid YAML: {exc}")


def _load(text: str, name: str, loader: type) -> Any:
    """Refuse anchors and aliases first (a "billion laughs" file must not expand), then load."""
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1
            raise FactsError.single(name, f"line {line}", "YAML anchors and aliases (&, *) are not allowed; write the value out")
    return yaml.load(text, Loader=loader)  # noqa: S506 - both loaders are SafeLoaders


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------

_ID = r"^[a-z0-9-]+$"
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
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
OptText = Optional[Annotated[str, Field(max_length=MAX_TEXT)]]
SourceId = Annotated[str, Field(pattern=_ID, max_length=64)]


#: Control characters (other than tab and line breaks) and lone surrogates: YAML escapes such as
#: "\x07" or "\ud800" can produce them, but no text of a brief means them and no font draws them.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        if isinstance(value, str) and (bad := _UNPRINTABLE.search(value)):
            raise ValueError(f"contains the control character U+{ord(bad[0]):04X} (character {bad.start() + 1}); delete it")
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
    published: Optional[dt.date] = None
    file: Optional[str] = None
    # spec 2
    author: Optional[Annotated[str, Field(min_length=1, max_length=200)]] = None
    grade: Optional[Annotated[str, Field(pattern=r"^[A-F][1-6]$")]] = None

    @field_validator("published", mode="before")
    @classmethod
    def _plain_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("expected a date (YYYY-MM-DD) without a time")
        return value


class Statement(_Model):
    text: Text
    sources: Annotated[tuple[SourceId, ...], Field(min_length=1)]


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


class KeyFigure(_Model):
    id: Annotated[str, Field(pattern=_ID, max_length=64)]
    label: Annotated[str, Field(min_length=1, max_length=300)]
    value: Union[int, float]
    approx: StrictBool = False
    unit: Optional[Annotated[str, Field(max_length=100)]] = None
    as_of: Optional[dt.date] = None
    source: SourceId

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("expected a number, such as 4500 or 12.5 (no quotes, no units)")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("expected a finite number")
        if abs(value) >= 1e15:
            raise ValueError("expected a number smaller than 10^15 in size")
        return value


class Event(_Model):
    date: PartialDate
    label: Annotated[str, Field(min_length=1, max_length=300)]
    source: SourceId

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        return _check_partial_date(value)

    @property
    def day(self) -> dt.date:
        """The event's date; month-precision dates fall on the 1st."""
        y, m, *d = (int(x) for x in self.date.split("-"))
        return dt.date(y, m, d[0] if d else 1)

    @property
    def month_only(self) -> bool:
        return len(self.date) == 7



OverlayKind = Literal["hostile", "friendly", "contested", "hazard", "other"]


class _Overlay(_Model):
    """Common to the map's shaded areas and lines (spec 2): what the legend prints and cites."""

    label: Annotated[str, Field(min_length=1, max_length=200)]
    kind: OverlayKind
    as_of: Optional[dt.date] = None
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

    @field_validator("as_of", mode="before")
    @classmethod
    def _plain_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("expected a date (YYYY-MM-DD) without a time")
        return value


class MapArea(_Overlay):
    polygon: Optional[tuple[Any, ...]] = None

    @model_validator(mode="after")
    def _one_geometry(self) -> "MapArea":
        if (self.geojson is None) == (self.polygon is None):
            raise ValueError("give either geojson (a file) or polygon (a list of [lon, lat] pairs), not both or neither")
        if self.polygon is not None:
            from .geojson import polygon_from_points

            object.__setattr__(self, "shapes", polygon_from_points(list(self.polygon)))
        return self


class MapLine(_Overlay):
    line: Optional[tuple[Any, ...]] = None

    @model_validator(mode="after")
    def _one_geometry(self) -> "MapLine":
        if (self.geojson is None) == (self.line is None):
            raise ValueError("give either geojson (a file) or line (a list of [lon, lat] pairs), not both or neither")
        if self.line is not None:
            from .geojson import line_from_points

            object.__setattr__(self, "shapes", line_from_points(list(self.line)))
        return self


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
    map: Optional[MapOverlays] = None

    @model_validator(mode="after")
    def _version_2_keys(self) -> "Facts":
        """A spec 1 file must not use version 2 keys: the version says what the file means."""
        if self.spec == 1:
            used = [key for key in V2_KEYS if _uses(self, key)]
            if used:
                raise ValueError(f"uses version 2 keys ({', '.join(used)}); write spec: 2 at the top to use them")
        return self

    def source_index(self) -> dict[str, int]:
        """Source id -> its number in the Sources section (1-based, in file order)."""
        return {s.id: i for i, s in enumerate(self.sources, start=1)}

    def all_statements(self) -> list[tuple[str, Statement]]:
        """Every statement with its field path, in reading order."""
        out = [(f"key_points[{i}]", s) for i, s in enumerate(self.key_points)]
        for name in ("situation", "stakes", "outlook"):
            out += [(f"sections.{name}[{i}]", s) for i, s in enumerate(getattr(self.sections, name))]
        return out


#: Keys that only ``spec: 2`` files may use, as dotted paths (``sources[].grade``: in any source).
V2_KEYS: tuple[str, ...] = ("sources[].author", "sources[].grade", "map")


def _uses(facts: Facts, key: str) -> bool:
    """Whether ``facts`` sets the (possibly nested, ``[]``-iterated) key ``key``."""
    values: list[Any] = [facts]
    for part in key.split("."):
        many = part.endswith("[]")
        name = part[:-2] if many else part
        nxt: list[Any] = []
        for v in values:
            item = getattr(v, name, None)
            if many:
                nxt.extend(item or ())
            elif item not in (None, (), ""):
                nxt.append(item)
        values = nxt
    return bool(values)


# --------------------------------------------------------------------------------------------------
# Turning pydantic's errors into one clear line each
# --------------------------------------------------------------------------------------------------

_EXPECTED = {
    "spec": "expected 1 or 2 (the version of the facts format)",
    "grade": "expected an Admiralty grade: a letter A-F (reliability) and a digit 1-6 (credibility), such as B2",
    "id": "expected lower-case letters, digits and hyphens, 1-64 characters, such as bakhmut",
    "country": "expected an ISO 3166-1 alpha-2 code in capitals, such as UA",
    "as_of": "expected a date-time with a time zone, such as 2023-03-01T18:00:00Z",
    "published": "expected a date, YYYY-MM-DD",
    "as_of_date": "expected a date, YYYY-MM-DD",
    "lat": "expected decimal degrees from -90 to 90",
    "lon": "expected decimal degrees from -180 to 180",
    "approx": "expected true or false",
    "kind": "expected one of hostile, friendly, contested, hazard, other",
}


#: Fields the loader fills in (never keys of a facts file), left out of "allowed keys" lists.
_FILLED_BY_LOADER = frozenset({"gazetteer_id", "shapes"})


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at ``loc`` (to list the allowed keys)."""
    model: Any = Facts
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _unwrap(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (tuple, list, Union) or str(origin) == "types.UnionType":
            args = [a for a in get_args(tp) if a is not type(None) and a is not Ellipsis]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else (args[0] if args else tp)
            if not models and get_origin(tp) is None:
                return tp
        else:
            return tp


def _show(value: Any) -> str:
    """A value quoted for a one-line message: line breaks and other invisible characters escaped."""
    if isinstance(value, str):
        text = '"' + "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in value) + '"'
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(err: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
    loc, kind, ctx = tuple(err["loc"]), err["type"], err.get("ctx") or {}
    # pydantic adds the union member or validator name to the loc; drop those.
    loc = tuple(p for p in loc if not (isinstance(p, str) and (p in ("int", "float") or p.startswith("function-"))))
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    key = "as_of_date" if field == "as_of" and loc[:1] in (("figures",), ("map",)) else field
    expected = _EXPECTED.get(key)
    value = err.get("input")
    if kind == "missing":
        return loc, "is required but missing" + (f"; {expected}" if expected else "")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = ", ".join(f for f in model.model_fields if f not in _FILLED_BY_LOADER) if model else ""
        return loc, f"unknown key (a typo?); allowed keys here: {allowed}"
    if kind in ("too_short", "too_long") and isinstance(value, (list, tuple)):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        if kind == "too_short":
            have = "is empty" if not value else f"has {len(value)} item{'s' if len(value) > 1 else ''}"
            return loc, f"{have}; expected at least {lo}"
        return loc, f"has {len(value)} items; at most {hi} are allowed"
    if kind == "string_too_short":
        return loc, "is empty; expected some text"
    if kind == "string_too_long":
        return loc, f"is {len(value)} characters long; at most {ctx.get('max_length')} are allowed"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return loc, f"expected a mapping of keys to values, got {_show(value)}"
    if kind in ("tuple_type", "list_type"):
        return loc, f"expected a list (items starting with '- '), got {_show(value)}"
    if kind == "string_type":
        return loc, f"expected text, got {_show(value)}" + ("; put it in quotes" if value is not None else "")
    if kind == "timezone_aware":
        return loc, f"{_show(str(value))} has no time zone; {expected or 'add Z or +HH:MM'}"
    if kind == "value_error":
        reason = str(ctx.get("error", err["msg"])).replace("Value error, ", "")
        return loc, reason if isinstance(value, dict) else f"{_show(value)}: {reason}"
    if kind == "literal_error":
        return loc, f"{_show(value)} is not supported; {expected or err['msg']}"
    if expected:
        return loc, f"{_show(value)} is not valid; {expected}"
    return loc, f"{_show(value)}: {err['msg']}"


def _cross_checks(facts: Facts, file: str, base: Path) -> list[Problem]:
    """Rules pydantic cannot see field by field: ids exist, ids unique, local files exist."""
    problems: list[Problem] = []
    ids = [s.id for s in facts.sources]
    known = ", ".join(ids)

    def unique(items: tuple[Any, ...], list_name: str, attr: str) -> None:
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            value = getattr(item, attr)
            if value in first:
                problems.append(Problem(file, f"{list_name}[{i}].{attr}", f'"{value}" repeats {list_name}[{first[value]}]; ids must be unique'))
            else:
                first[value] = i

    unique(facts.sources, "sources", "id")
    unique(facts.figures, "figures", "id")

    def known_id(path: str, sid: str) -> None:
        if sid not in ids:
            problems.append(Problem(file, path, f'unknown source id "{sid}"; expected one of the ids under sources: {known}'))

    for path, st in facts.all_statements():
        for j, sid in enumerate(st.sources):
            known_id(f"{path}.sources[{j}]", sid)
    for i, place in enumerate(facts.places):
        for j, sid in enumerate(place.sources):
            known_id(f"places[{i}].sources[{j}]", sid)
    for name, items in (("quotes", facts.quotes), ("figures", facts.figures), ("events", facts.events)):
        for i, item in enumerate(items):
            known_id(f"{name}[{i}].source", item.source)
    for kind, items in (("areas", facts.map.areas if facts.map else ()), ("lines", facts.map.lines if facts.map else ())):
        for i, item in enumerate(items):
            known_id(f"map.{kind}[{i}].source", item.source)
    for i, src in enumerate(facts.sources):
        if src.file and not (base / src.file).is_file():
            problems.append(Problem(file, f"sources[{i}].file", f'"{src.file}" not found (paths are relative to the facts file)'))
    return problems


def parse_facts(data: Any, file: str | Path = "<facts>", base: Path | None = None) -> Facts:
    """Validate already-parsed YAML data; raise FactsError listing every problem."""
    name = str(file)
    if not isinstance(data, dict):
        raise FactsError.single(name, "", f"expected a YAML mapping at the top (keys such as spec, id, title), got {_show(data)}")
    try:
        facts = Facts.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc, message = _describe(err)
            problems.append(Problem(name, _path(loc), message))
        raise FactsError(list(dict.fromkeys(problems))) from None
    problems = _cross_checks(facts, name, base or Path(name).parent)
    if problems:
        raise FactsError(problems)
    return _read_overlays(_locate_places(facts, name), name, base or Path(name).parent)


def _read_overlays(facts: Facts, file: str, base: Path) -> Facts:
    """Read the GeoJSON files of map overlays into the facts, so later stages never read a file."""
    if facts.map is None or not any(o.geojson for o in (*facts.map.areas, *facts.map.lines)):
        return facts
    from .geojson import GeometryError, read_geojson

    problems: list[Problem] = []
    done: dict[str, tuple] = {}
    for kind, items in (("areas", facts.map.areas), ("lines", facts.map.lines)):
        out = []
        for i, item in enumerate(items):
            if item.geojson is not None:
                try:
                    item = item.model_copy(update={"shapes": read_geojson(base / item.geojson, kind[:-1])})
                except GeometryError as exc:
                    problems.append(Problem(file, f"map.{kind}[{i}].geojson", f'"{item.geojson}" {exc}'))
            out.append(item)
        done[kind] = tuple(out)
    if problems:
        raise FactsError(problems)
    return facts.model_copy(update={"map": facts.map.model_copy(update=done)})


def _locate_places(facts: Facts, file: str) -> Facts:
    """Give places without coordinates the nearest match in the offline GeoNames gazetteer."""
    if all(p.lat is not None for p in facts.places):
        return facts
    near = (facts.location.lat, facts.location.lon)
    places, problems = [], []
    for i, place in enumerate(facts.places):
        if place.lat is None:
            try:
                hit = lookup(place.name, near)
            except PlaceNotFound as exc:
                problems.append(Problem(file, f"places[{i}].name", str(exc)))
                continue
            place = place.model_copy(update={"lat": hit.lat, "lon": hit.lon, "gazetteer_id": hit.geonameid})
        places.append(place)
    if problems:
        raise FactsError(problems)
    return facts.model_copy(update={"places": tuple(places)})


def load_facts(path: str | Path) -> Facts:
    """Read and validate a facts file; raise FactsError (one line per problem) when it is unusable.

    Text that no bundled font can print is not an error (the brief is still useful) but is logged
    as a warning naming the field, here, so ``--check`` reports it as well as a build.
    """
    from .glyphs import warn_missing_glyphs  # fonts load only when a file is valid

    path = Path(path)
    facts = parse_facts(read_yaml(path), path, path.parent)
    warn_missing_glyphs(facts, path)
    return facts
