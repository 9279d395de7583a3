"""Stage 1: load a facts file and validate it into one frozen ``facts.Facts`` value.

The floor below is ``briefing.facts`` (the model); this package is the floor above it and calls the
checks in order, each a plain function in its own module, each importing only downward:

1. ``schema.check_schema``     the pydantic models check every key; one line per error
2. ``crosschecks.cross_checks`` ids exist and are unique, local files exist, version 2 keys
3. ``data.resolve_data``       tables read into series points and derived figures (pandas; only with data)
4. ``fill.locate_places``, ``fill.read_overlays``  gazetteer coordinates, GeoJSON overlays
5. ``facts_warnings``          what is odd but not wrong: glyphs, ``content``, estimative words

Everything that is wrong with a file is reported at once, one line per problem naming the file and
the field path, so a person can fix the file in one go. A new error check goes between 2 and 3
(facts in, Problems out); a new warning goes into ``facts_warnings``.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from ..errors import FactsError, Problem
from ..facts import Facts
from ..files import parse_yaml, read_facts_bytes
from .content import content_warnings
from .crosschecks import cross_checks
from .fill import locate_places, read_overlays
from .schema import check_schema

__all__ = ["load_facts", "validate_facts", "parse_facts", "facts_warnings", "content_warnings"]

log = logging.getLogger("briefing")


def parse_facts(data: Any, file: str | Path = "<facts>", base: Path | None = None) -> Facts:
    """Validate already-parsed YAML data; raise FactsError listing every problem."""
    name = str(file)
    facts = check_schema(data, name)
    base = base or Path(name).parent
    problems = cross_checks(facts, name, base)
    if problems:
        raise FactsError(problems)
    if facts.datasets or facts.series:
        from ..data import resolve_data  # pandas loads only for a brief that has data

        facts = resolve_data(facts, name, base)
    return read_overlays(locate_places(facts, name), name, base)


def facts_warnings(facts: Facts, file: str | Path, use_cache: bool = True) -> list[Problem]:
    """Every warning about a valid facts file, from every check: the one list ``strict`` consults.

    A warning is something a person should look at but that does not stop a useful brief: text no
    bundled font can print, direction controls, events after ``as_of``, estimative words
    outside assessments, and what the saved copies of its sources do not say (``provenance``; its
    summary line is logged here, once per brief and result, when anything was compared). Add new checks here, in the order their
    lines should print. ``use_cache``: what the checks remember (saved texts, where places are) comes
    from and goes to the drawing cache; False (``--no-cache``) leaves it alone.
    """
    from ..estimative import estimate_warnings, estimative_warnings
    from ..glyphs import glyph_warnings  # reads the fonts' coverage table, never the fonts
    from .regions import admin1_warnings, overlay_warnings, place_warnings  # read the map data's countries and regions

    from ..provenance import check_provenance

    checked = check_provenance(facts, file, use_cache=use_cache)
    if checked.checked:
        _info_once(checked.summary)
    return [*glyph_warnings(facts, file), *content_warnings(facts, file), *estimative_warnings(facts, file),
            *place_warnings(facts, file, use_cache), *overlay_warnings(facts, file), *admin1_warnings(facts, file, use_cache), *estimate_warnings(facts, file),
            *checked.findings]


def load_facts(path: str | Path, strict: bool = False, use_cache: bool = True) -> Facts:
    """Read and validate a facts file; raise FactsError (one line per problem) when it is unusable."""
    path = Path(path)
    return validate_facts(read_facts_bytes(path), path, strict, use_cache)[0]


def validate_facts(facts_bytes: bytes, path: Path, strict: bool = False, use_cache: bool = True) -> tuple[Facts, list[Problem]]:
    """Validate the bytes read from the facts file ``path``; the facts and their warnings.

    Why bytes: a caller that fingerprints or remembers the file (``editions``) validates exactly the
    bytes it hashed. Warnings (see ``facts_warnings``) are logged here, so ``--check`` reports them as
    well as a build; with ``strict`` they are errors instead, for a desk that wants none to reach readers.
    """
    facts = parse_facts(parse_yaml(facts_bytes, str(path)), path, path.parent)
    found = facts_warnings(facts, path, use_cache)
    if strict and found:
        raise FactsError(found)
    for problem in found:
        _warn_once(str(problem))
    return facts, found


@functools.lru_cache(maxsize=256)
def _info_once(line: str) -> None:
    """Log an information line (the provenance summary) once per process, like ``_warn_once``."""
    log.info("%s", line)


@functools.lru_cache(maxsize=4096)  # bounded: a long-running --every process sees many texts
def _warn_once(line: str) -> None:
    """Log a warning once per process: ``--every`` and the preview validate the same brief again and again."""
    log.warning("%s", line)
