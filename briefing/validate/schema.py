"""Validation, step 1: the pydantic models check every key; each error becomes one clear line.

pydantic says what is wrong in its own terms (``string_too_short`` at ``('sources', 0, 'id')``);
a person needs the field path, what was found and what to write instead. ``check_schema`` runs the
models over the parsed YAML and raises ``FactsError`` with one ``Problem`` per error.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..errors import FactsError, Problem
from ..facts import _FILLED_BY_LOADER, LIKELIHOOD, Facts, Statement

_EXPECTED = {
    "spec": "expected 1 or 2 (the version of the facts format)",
    "grade": "expected an Admiralty grade: a letter A-F (reliability) and a digit 1-6 (credibility), such as B2",
    "id": "expected lower-case letters, digits and hyphens, 1-64 characters, such as bakhmut",
    "country": "expected an ISO 3166-1 alpha-2 code in capitals, such as UA",
    "as_of": "expected a date-time with a time zone, such as 2023-03-01T18:00:00Z, or a date alone, such as 2023-03-01",
    "published": "expected a date, YYYY-MM-DD",
    "as_of_date": "expected a date, YYYY-MM-DD",
    "lat": "expected decimal degrees from -90 to 90",
    "lon": "expected decimal degrees from -180 to 180",
    "approx": "expected true or false",
    "likelihood": "expected one of the ICD 203 terms: " + ", ".join(LIKELIHOOD),
    "confidence": "expected low, moderate or high",
    "stat": "expected one of total, latest, first, max, min, change",
    "every": "expected day, week or month",
    "agg": "expected one of sum, mean, max, min, last",
    "retrieved": "expected a date, YYYY-MM-DD",
    "sha256": "expected the file's SHA-256 as 64 hexadecimal digits (sha256sum FILE)",
    "kind": "expected one of hostile, friendly, contested, hazard, other",
}



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
        field = model.model_fields.get(part) or next((f for f in model.model_fields.values() if f.alias == part), None)
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
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()  # as written in the file, not datetime.datetime(...)
    if isinstance(value, str):
        text = '"' + "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in value) + '"'
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe(err: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
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
        allowed = ", ".join(f.alias or n for n, f in model.model_fields.items() if n not in _FILLED_BY_LOADER) if model else ""
        if value is None and " " in str(loc[-1]):  # {text: Russia, Ukraine and others} split at the comma
            return loc, (f"unknown key; a ',' inside {{...}} ends the text before it - put the whole text in quotes, "
                         f'such as text: "a, b"; allowed keys here: {allowed}')
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
        if _model_at(loc) is Statement:
            return loc, f'expected a statement with its sources, such as {{text: "...", sources: [source-id]}}, got {_show(value)}'
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



def _echo_of_an_item_error(err: dict[str, Any]) -> bool:
    """pydantic also reports a list with enough items as too short when one of its items is invalid
    ("key_points: has 1 item; expected at least 1"); the item's own error is the one that helps."""
    value, lo = err.get("input"), (err.get("ctx") or {}).get("min_length")
    return err["type"] == "too_short" and isinstance(value, (list, tuple)) and lo is not None and len(value) >= lo



def check_schema(data: Any, name: str) -> Facts:
    """``data`` (parsed YAML) as ``Facts``, or FactsError naming every field that is wrong, once each."""
    if not isinstance(data, dict):
        raise FactsError.single(name, "", f"expected a YAML mapping at the top (keys such as spec, id, title), got {_show(data)}")
    try:
        return Facts.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            if _echo_of_an_item_error(err):
                continue
            loc, message = describe(err)
            problems.append(Problem(name, _path(loc), message))
        raise FactsError(list(dict.fromkeys(problems))) from None
