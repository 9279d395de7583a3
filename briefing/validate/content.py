"""Warnings about valid facts that no other check owns: direction controls and events after ``as_of``."""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem
from ..facts import BIDI_CONTROLS, Facts, text_fields


def content_warnings(facts: Facts, file: str | Path) -> list[Problem]:
    """What is odd but not wrong in valid facts, one Problem each: the brief is built, a person is told.

    Direction controls (kept in the text, left out of mail headers and PDF metadata) and events dated
    after ``as_of``, which a brief current at ``as_of`` cannot report. Same shape as the other checks
    that ``--strict`` may turn into errors: facts in, a list of Problems out.
    """
    warnings = []
    for path, text in text_fields(facts):
        if found := BIDI_CONTROLS.findall(text):
            codes = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in found))
            warnings.append(Problem(str(file), path, f"holds invisible text-direction controls ({codes}) that can make it read "
                                    "differently from what it says; they are left out of mail subjects and PDF metadata - delete them"))
    as_of = facts.as_of.date()
    for i, event in enumerate(facts.events):
        late = event.day > as_of if not event.month_only else (event.day.year, event.day.month) > (as_of.year, as_of.month)
        if late:
            when = facts.as_of.date().isoformat() if facts.as_of_day_only else facts.as_of.isoformat()
            warnings.append(Problem(str(file), f"events[{i}].date", f"{event.date} is after as_of ({when}); "
                                    "a brief cannot report what had not happened yet - check the date or as_of"))
    return warnings
