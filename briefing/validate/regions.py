"""Warnings about ``location.admin1``: a region the map data does not know, with the names it does.

Why at ``--check`` time: an unknown region only dropped the map's highlight, and the build's warning
did not say which names would work, so a writer could not find the right one (Iceland's "Southern
Region" is Suðurland in the data). The names come from the same admin-1 layer the map draws.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import Problem
from ..facts import Facts

#: How many region names a warning lists (a country may have dozens; the closest come first).
LISTED = 12


def admin1_warnings(facts: Facts, file: str | Path) -> list[Problem]:
    """One warning when ``location.admin1`` matches no region of ``location.country`` in the map data,
    listing that country's regions, closest first; none when the data has no regions for the country."""
    admin1 = facts.location.admin1
    if not admin1:
        return []
    from .. import geodata

    try:
        layer = geodata.admin1(facts.location.country)
    except geodata.MapDataMissing:  # the build says so once, for the whole map
        return []
    if layer is None:
        return []
    key = geodata.normalise_name(admin1, strip_types=True)
    if any(key in keys for keys in layer.unit_keys):
        return []

    def closeness(unit: int) -> float:
        return max(difflib.SequenceMatcher(None, key, k).ratio() for k in layer.unit_keys[unit] | {""})

    order = sorted(range(len(layer.unit_name)), key=lambda u: (-closeness(u), layer.unit_name[u]))
    names = list(dict.fromkeys(layer.unit_name[u] for u in order))
    listed = ", ".join(names[:LISTED]) + (f" (and {len(names) - LISTED} more)" if len(names) > LISTED else "")
    return [Problem(str(file), "location.admin1",
                    f'"{admin1}" is not a region the map data knows for {facts.location.country} (the map would '
                    f"highlight none); its regions, closest first: {listed}")]
