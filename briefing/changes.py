"""What changed between two editions of a brief, in words for the "Changes since the previous edition" section.

``editions`` keeps the ledger (manifest, snapshots, locks, fingerprints) and asks this module for the
lines: ``changes_lines`` reads the previous edition's facts snapshot and, when the facts did not
change, says why the edition was rebuilt; ``describe_changes`` compares two snapshots
(``Facts.model_dump(mode="json")``) section by section. It imports nothing of the ledger, so the
comparison can be read, tested and changed on its own.
"""

from __future__ import annotations

import datetime as dt
import difflib
import heapq
import html
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import words

log = logging.getLogger("briefing")

#: Two statements of the same section whose texts are at least this similar are one statement reworded.
REWORDED = 0.6
#: Above this many changed statements on either side a section's changes are counted, not listed: pairing
#: them is quadratic, and a reader gains nothing from hundreds of lines.
MAX_PAIRED = 40
#: How many of the most similar earlier statements (by a cheap bound) each new one is fully compared with.
CANDIDATES = 3
#: The changes section lists at most this many lines, then says how many more there are.
MAX_CHANGE_LINES = 50

_INPUT_WORDS = {
    "facts": "the facts file changed only in comments or layout",
    "sources": "a local copy of a source changed",
    "data": "a dataset file changed",
    "templates": "the templates changed",
    "assets": "the map or font assets changed",
}
_OTHER_FIELDS = {
    "title": "the title", "subtitle": "the subtitle", "handling": "the handling caveat",
    "prepared_by": "the author line", "location": "the location", "sources": "the list of sources",
    "quotes": "the quotes", "statements": "the order or citations of statements",
    "figures": "details of figures", "events": "details of events", "places": "details of places",
    "assessments": "the assessment", "indicators": "the indicators", "gaps": "the gaps",
    "datasets": "the datasets or their files", "series": "details of series",
}
_STATEMENT_KEYS = ("key_points", "situation", "stakes", "outlook")


#: How every line that says nothing changed begins (the draft's, and both of ``changes_lines``).
NO_CHANGE = ("No change: ", "No change to the facts")


def change_count(lines: Sequence[str]) -> int:
    """How many changes ``lines`` (a changes section) lists: 0 when its one line says there is none."""
    return 0 if len(lines) == 1 and lines[0].startswith(NO_CHANGE) else len(lines)


def changes_lines(folder: Path, previous: Mapping[str, Any], snapshot: Mapping[str, Any],
                   inputs: Mapping[str, str]) -> list[str]:
    """The lines of the changes section; one line saying why when the facts themselves did not change."""
    try:
        old = json.loads((folder / previous["facts"]).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: cannot read the previous edition's facts (%s); the changes section says so", folder, exc)
        return ["The facts of the previous edition could not be read, so the changes cannot be listed."]
    lines = describe_changes(old, snapshot)
    if lines:
        return lines
    if old != snapshot:
        return ["No change to the facts other than their as-of time."]
    return [f"No change to the facts; this edition was rebuilt because {_rebuild_reason(previous, inputs)}."]


def _rebuild_reason(previous: Mapping[str, Any], inputs: Mapping[str, str]) -> str:
    old_inputs = previous.get("inputs") or {}
    if old_inputs.get("version") != inputs["version"]:
        return f"the briefing software changed (version {old_inputs.get('version', 'unknown')} -> {inputs['version']})"
    reasons = [words_ for key, words_ in _INPUT_WORDS.items() if old_inputs.get(key) != inputs.get(key)]
    return " and ".join(reasons) if reasons else "the previous edition's PDF was missing"


def describe_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Plain-text lines on what changed between two facts snapshots (``Facts.model_dump(mode="json")``).

    Statements are compared within their section; figures by id; events by date and label; places by
    name. Anything else that changed is named in one closing "Also changed" line, so a change is never
    silently left out.
    """
    lines: list[str] = []
    other: list[str] = []
    statements_changed = False
    for key in _STATEMENT_KEYS:
        old_texts, new_texts = _statement_texts(old, key), _statement_texts(new, key)
        section = _section_name(key)
        found = _statement_changes(section, old_texts, new_texts)
        lines += found
        statements_changed |= not found and _statements(old, key) != _statements(new, key)
    if statements_changed:
        other.append("statements")
    for key, describe in (("figures", _figure_changes), ("series", _series_changes), ("events", _event_changes),
                          ("places", _place_changes)):
        olds, news = old.get(key) or [], new.get(key) or []
        found = describe(olds, news)
        lines += found
        if not found and olds != news:
            other.append(key)
    other = [k for k in ("title", "subtitle", "handling", "prepared_by", "location", "sources", "datasets", "quotes",
                                "assessments", "indicators", "gaps")
             if old.get(k) != new.get(k)] + other
    if len(lines) > MAX_CHANGE_LINES:
        lines = lines[: MAX_CHANGE_LINES - 1] + [f"And {len(lines) - MAX_CHANGE_LINES + 1} more changes, not listed here."]
    if other:
        lines.append("Also changed: " + ", ".join(_OTHER_FIELDS[k] for k in other) + ".")
    return lines


def _statements(facts: Mapping[str, Any], key: str) -> list[Any]:
    if key == "key_points":
        return facts.get("key_points") or []
    return (facts.get("sections") or {}).get(key) or []


def _statement_texts(facts: Mapping[str, Any], key: str) -> list[str]:
    return [s.get("text", "") for s in _statements(facts, key)]


def _section_name(key: str) -> str:
    return html.unescape(str(words.macros("brief.j2").heading(key)))


def _statement_changes(section: str, old: list[str], new: list[str]) -> list[str]:
    """Added, removed and reworded statements: unchanged texts first, then the closest pairs."""
    common = Counter(old) & Counter(new)
    left_old, left_new = _minus(old, common), _minus(new, common)
    if max(len(left_old), len(left_new)) > MAX_PAIRED:
        return [f"{section}: {len(left_new)} statements are new or reworded and {len(left_old)} earlier ones "
                "were reworded or removed (too many to list one by one)."]
    pairs: list[tuple[float, int, int]] = []
    # Compared word by word, not character by character: a 2,000-character statement is some 300
    # words, and two texts in one alphabet share most characters, so the cheap bounds on characters
    # ruled nothing out and every pair cost a quadratic match (a long, fully reworded brief took
    # minutes while holding the brief's lock). Only the few closest candidates by the cheap bound get
    # the full comparison, so the cost grows with the number of statements, not its square.
    old_words = [a.split() for a in left_old]
    for j, b in enumerate(left_new):
        sm = difflib.SequenceMatcher(None, autojunk=False)
        sm.set_seq2(b.split())  # seq2 is indexed once and compared with every old statement
        candidates = []
        for i, a in enumerate(old_words):
            sm.set_seq1(a)
            if sm.real_quick_ratio() >= REWORDED and (bound := sm.quick_ratio()) >= REWORDED:
                candidates.append((bound, -i))
        for _, i in heapq.nlargest(CANDIDATES, candidates):
            sm.set_seq1(old_words[-i])
            if (r := sm.ratio()) >= REWORDED:
                pairs.append((-r, -i, j))
    matched_old: dict[int, int] = {}
    matched_new: dict[int, int] = {}
    for _, i, j in sorted(pairs):
        if i not in matched_old and j not in matched_new:
            matched_old[i], matched_new[j] = j, i
    lines = []
    for j, b in enumerate(left_new):
        if j in matched_new:
            was, now = _brief_diff(left_old[matched_new[j]], b)
            lines.append(f'{section}, reworded: "{was}" -> "{now}"')
        else:
            lines.append(f'{section}, added: "{_shorten(b)}"')
    lines += [f'{section}, removed: "{_shorten(a)}"' for i, a in enumerate(left_old) if i not in matched_old]
    return lines


def _minus(texts: list[str], common: Counter[str]) -> list[str]:
    left = Counter(common)
    out = []
    for t in texts:
        if left[t] > 0:
            left[t] -= 1
        else:
            out.append(t)
    return out


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _brief_diff(old: str, new: str, context: int = 4) -> tuple[str, str]:
    """The changed words of a reworded statement with a few words either side, elided with "…"."""
    a, b = old.split(), new.split()
    ops = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not ops:  # only spacing changed
        return _shorten(old), _shorten(new)
    start = max(0, ops[0][1] - context)  # the common prefix has the same length in both
    tail = max(0, min(len(a) - ops[-1][2], len(b) - ops[-1][4]) - context)

    def excerpt(ws: list[str]) -> str:
        text = " ".join(ws[start : len(ws) - tail])
        return ("…" if start else "") + _shorten(text) + ("…" if tail else "")

    return excerpt(a), excerpt(b)


def _figure_value(fig: Mapping[str, Any], with_unit: bool) -> str:
    text = ("about " if fig.get("approx") else "") + words.amount(fig["value"])
    return f"{text} {fig['unit']}" if with_unit and fig.get("unit") else text


def _figure_changes(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[str]:
    """``Civilians still in Bakhmut: about 4,500 -> about 4,000 people (-500)``, by figure id."""
    before = {f["id"]: f for f in old}
    after = {f["id"]: f for f in new}
    lines = []
    for fid, f in after.items():
        was = before.get(fid)
        if was is None:
            lines.append(f"New figure: {f['label']}: {_figure_value(f, True)}")
        elif (was["value"], was.get("approx"), was.get("unit")) != (f["value"], f.get("approx"), f.get("unit")):
            if was.get("unit") == f.get("unit"):
                delta = f["value"] - was["value"]
                diff = f" ({'+' if delta > 0 else '-'}{words.amount(round(abs(delta), 9))})" if delta else ""
                lines.append(f"{f['label']}: {_figure_value(was, False)} -> {_figure_value(f, True)}{diff}")
            else:
                lines.append(f"{f['label']}: {_figure_value(was, True)} -> {_figure_value(f, True)}")
    lines += [f"Figure no longer given: {f['label']}" for fid, f in before.items() if fid not in after]
    return lines


def _series_changes(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[str]:
    """``Deaths per day: 1 value added, 2 revised (latest 5 -> 7)``, by series id, from their points."""
    before = {s["id"]: s for s in old}
    lines = []
    for s in new:
        was = before.get(s["id"])
        if was is None:
            lines.append(f"New series: {s['label']}")
            continue
        a = {p["date"]: p["value"] for p in was.get("points") or []}
        b = {p["date"]: p["value"] for p in s.get("points") or []}
        if a == b:
            continue
        counts = [(len(b.keys() - a.keys()), "added"), (sum(1 for d in a.keys() & b.keys() if a[d] != b[d]), "revised"),
                  (len(a.keys() - b.keys()), "removed")]
        parts = [f"{n} {what}" for n, what in counts if n]
        words_ = parts[0].replace(" ", f" value{'s' if parts[0].split()[0] != '1' else ''} ", 1) + "".join(f", {p}" for p in parts[1:])
        latest = ""
        if a and b:
            old_last, new_last = a[max(a)], b[max(b)]
            if old_last != new_last:
                latest = f" (latest {words.number(old_last)} -> {words.number(new_last)})"
        lines.append(f"{s['label']}: {words_}{latest}")
    after = {s["id"] for s in new}
    return lines + [f"Series no longer given: {s['label']}" for sid, s in before.items() if sid not in after]


def _event_changes(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[str]:
    before = {(e["date"], e["label"]) for e in old}
    after = {(e["date"], e["label"]) for e in new}
    return [f"New event: {words.human_date(d)}: {label}" for d, label in sorted(after - before)] + [
        f"Event removed: {words.human_date(d)}: {label}" for d, label in sorted(before - after)
    ]


def _place_changes(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[str]:
    before = {p["name"] for p in old}
    new = list(new)
    lines = [f"New place on the map: {p['name']}" + (f" ({p['note']})" if p.get("note") else "")
             for p in new if p["name"] not in before]
    after = {p["name"] for p in new}
    return lines + [f"Place removed from the map: {name}" for name in sorted(before - after)]


# --------------------------------------------------------------------------------------------------
# Words about editions
# --------------------------------------------------------------------------------------------------


def _when(as_of: dt.datetime, day_only: bool = False) -> str:
    if day_only:
        return f"{as_of.day} {as_of:%B %Y}"
    utc = as_of.astimezone(dt.timezone.utc)
    return f"{utc.day} {utc:%B %Y %H:%M} UTC"


def edition_words(number: int, revision: int, as_of: dt.datetime, day_only: bool = False) -> str:
    """What page 1 prints after "Edition": ``3``, or ``4 (revision 2 of 1 March 2023 18:00 UTC)``."""
    return str(number) if revision == 1 else f"{number} (revision {revision} of {_when(as_of, day_only)})"


def previous_words(entry: Mapping[str, Any]) -> str:
    """How a changes section names the edition it compares with: ``edition 3, as of 1 March 2023``."""
    day_only = len(entry["as_of"]) == 10  # recorded as a date alone
    as_of = dt.datetime.fromisoformat(entry["as_of"].replace("Z", "+00:00"))
    return f"edition {edition_words(entry['number'], entry['revision'], as_of, day_only)}, as of {_when(as_of, day_only)}"
