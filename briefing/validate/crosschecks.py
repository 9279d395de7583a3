"""Validation, step 2: the rules pydantic cannot see field by field.

Ids exist and are unique (sources, datasets and series share one namespace), local copies of
sources exist, series name a dataset and derived figures a series, and version 2 keys appear only
with ``spec: 2``. Facts in, a list of Problems out; ``briefing.validate.parse_facts`` raises them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import FactsError, Problem
from ..facts import V2_KEYS, Facts
from ..files import source_file


def _is_default(model: Any, name: str, item: Any) -> bool:
    """A key left at its default (``approx: false``, ``kind: event``) is not a use of it."""
    field = type(model).model_fields.get(name)
    return field is not None and not field.is_required() and field.default is not None and item == field.default


def _first_use(facts: Facts, key: str) -> str | None:
    """The path of the first place ``facts`` sets the key ``key`` (``[]`` iterates a list), or None."""
    found: list[tuple[str, Any]] = [("", facts)]
    for part in key.split("."):
        many = part.endswith("[]")
        name = part[:-2] if many else part
        nxt: list[tuple[str, Any]] = []
        for path, value in found:
            item = getattr(value, name if name in type(value).model_fields else f"{name}_", None)  # from -> from_
            where = f"{path}.{name}" if path else name
            if many:
                nxt.extend((f"{where}[{i}]", v) for i, v in enumerate(item or ()))
            elif item not in (None, (), "") and not _is_default(value, name, item):
                nxt.append((where, item))
        found = nxt
    return found[0][0] if found else None


def cross_checks(facts: Facts, file: str, base: Path) -> list[Problem]:
    """Rules pydantic cannot see field by field: ids exist, ids unique, local files exist."""
    problems: list[Problem] = []
    if facts.spec == 1:  # the version says what the file means: version 2 keys need spec: 2
        for key in V2_KEYS:
            if (where := _first_use(facts, key)) is not None:
                problems.append(Problem(file, where, "is a version 2 key; write spec: 2 at the top to use it"))
    ids = [s.id for s in (*facts.sources, *facts.datasets)]
    known = ", ".join(ids)
    under = "sources and datasets" if facts.datasets else "sources"

    def unique(items: tuple[Any, ...], list_name: str, attr: str) -> None:
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            value = getattr(item, attr)
            if value in first:
                problems.append(Problem(file, f"{list_name}[{i}].{attr}", f'"{value}" repeats {list_name}[{first[value]}]; ids must be unique'))
            else:
                first[value] = i

    unique(facts.figures, "figures", "id")
    # Sources, datasets and series share one namespace: a citation must name exactly one thing.
    owner: dict[str, str] = {}
    duplicated: int | None = None  # index in problems of the first repeated source id
    for list_name, items in (("sources", facts.sources), ("datasets", facts.datasets), ("series", facts.series)):
        for i, item in enumerate(items):
            if item.id in owner and not owner[item.id].startswith(f"{list_name}["):
                problems.append(Problem(file, f"{list_name}[{i}].id", f'"{item.id}" is already the id of {owner[item.id]}; ids must be unique across sources, datasets and series'))
            elif item.id in owner:
                if list_name == "sources" and duplicated is None:
                    duplicated = len(problems)
                problems.append(Problem(file, f"{list_name}[{i}].id", f'"{item.id}" repeats {owner[item.id]}; ids must be unique'))
            else:
                owner[item.id] = f"{list_name}[{i}]"
    unknown: list[tuple[str, str]] = []  # (where, id) cited but not defined, in reading order

    def known_id(path: str, sid: str) -> None:
        if sid not in ids:
            unknown.append((path, sid))

    for path, st in facts.all_statements():
        for j, sid in enumerate(st.sources):
            known_id(f"{path}.sources[{j}]", sid)
    for i, place in enumerate(facts.places):
        for j, sid in enumerate(place.sources):
            known_id(f"places[{i}].sources[{j}]", sid)
    for name, items in (("assessments", facts.assessments), ("indicators", facts.indicators), ("gaps", facts.gaps)):
        for i, item in enumerate(items):
            for j, sid in enumerate(item.sources):
                known_id(f"{name}[{i}].sources[{j}]", sid)
    for name, items in (("quotes", facts.quotes), ("figures", facts.figures), ("events", facts.events)):
        for i, item in enumerate(items):
            if item.source is not None:
                known_id(f"{name}[{i}].source", item.source)
    for kind, items in (("areas", facts.map.areas if facts.map else ()), ("lines", facts.map.lines if facts.map else ())):
        for i, item in enumerate(items):
            known_id(f"map.{kind}[{i}].source", item.source)
    for i, series in enumerate(facts.series):
        for j, point in enumerate(series.points):
            known_id(f"series[{i}].points[{j}].source", point.source)
    if duplicated is not None and unknown:  # a source copied without renaming its id: one error, not one per citation
        counts = Counter(sid for _, sid in unknown)
        cited = ", ".join(f'"{sid}" (cited {n} time{"s" if n > 1 else ""})' for sid, n in counts.items())
        dup = problems[duplicated]
        problems[duplicated] = Problem(file, dup.field, f"{dup.message}; was it meant to be {cited}, which no source defines?")
    else:
        problems += [Problem(file, path, f'unknown source id "{sid}"; expected one of the ids under {under}: {known}')
                     for path, sid in unknown]
    for i, src in enumerate(facts.sources):
        if src.file:
            try:
                source_file(base, src.file, file, f"sources[{i}].file")
            except FactsError as exc:
                problems += exc.problems
    problems += _carriers_and_judgements(facts, file)
    datasets = [d.id for d in facts.datasets]
    for i, series in enumerate(facts.series):
        if series.data is not None and series.data not in datasets:
            problems.append(Problem(file, f"series[{i}].data", f'unknown dataset id "{series.data}"; expected one of the ids under datasets: {", ".join(datasets) or "(none)"}'))
    series_ids = [s.id for s in facts.series]
    for i, fig in enumerate(facts.figures):
        if fig.from_ is not None and fig.from_.series not in series_ids:
            problems.append(Problem(file, f"figures[{i}].from.series", f'unknown series id "{fig.from_.series}"; expected one of the ids under series: {", ".join(series_ids) or "(none)"}'))
    return problems


def _carriers_and_judgements(facts: Facts, file: str) -> list[Problem]:
    """``sources[].via`` names another source, one step from the originator; ``indicators[].bears_on``
    names assessments by their unique ids."""
    problems: list[Problem] = []
    source_ids = [src.id for src in facts.sources]
    via_of = {src.id: src.via for src in facts.sources}
    for i, src in enumerate(facts.sources):
        if src.via is None:
            continue
        if src.via == src.id:
            problems.append(Problem(file, f"sources[{i}].via", f'"{src.via}" is this source itself; via names the source that reports it, such as a news outlet'))
        elif src.via not in source_ids:
            problems.append(Problem(file, f"sources[{i}].via", f'unknown source id "{src.via}"; expected one of the ids under sources: {", ".join(source_ids)}'))
        elif via_of.get(src.via):
            problems.append(Problem(file, f"sources[{i}].via", f'"{src.via}" is itself reported via "{via_of[src.via]}"; name the source whose report you read (one step)'))
    first: dict[str, int] = {}
    for i, judgement in enumerate(facts.assessments):
        if judgement.id in first:
            problems.append(Problem(file, f"assessments[{i}].id", f'"{judgement.id}" repeats assessments[{first[judgement.id]}]; ids must be unique'))
        elif judgement.id:
            first[judgement.id] = i
    known = ", ".join(first) or "(none: give the assessment an id)"
    for i, ind in enumerate(facts.indicators):
        for j, aid in enumerate(ind.bears_on):
            if aid not in first:
                problems.append(Problem(file, f"indicators[{i}].bears_on[{j}]", f'unknown assessment id "{aid}"; expected one of the ids under assessments: {known}'))
    return problems
