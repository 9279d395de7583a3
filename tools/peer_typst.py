#!/usr/bin/env python3
"""The second yardstick for ``make bench``: the example brief's text and three vector charts, set by Typst.

The same brief as ``tools/peer_weasyprint.py`` (the same three matplotlib charts as SVG, the same
sections, DejaVu embedded), typeset by the Typst compiler the PyPI ``typst`` package ships. Typst is
the fast pipeline a user would reach for next; issue 23's goal beyond half of WeasyPrint's time is to
be below this script's.

Not part of briefing and not a dependency of it: run it from a separate environment with
``pip install typst matplotlib pyyaml`` (the ``bench`` extra installs it with WeasyPrint).

Usage: python tools/peer_typst.py FACTS.yaml OUT.pdf
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib
import typst
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_weasyprint import _bars, _places, _timeline  # noqa: E402  (the very same charts)


def _s(text: object) -> str:
    """Facts text as a Typst string literal: data, never markup."""
    body = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'#"{body}"'


def _statements(items: list[dict]) -> str:
    return "\n".join(f"- {_s(s['text'])} #super[{_s(', '.join(s['sources']))}]" for s in items)


def page(facts: dict, charts: dict[str, str]) -> str:
    figures = facts.get("figures", [])
    handling = _s(facts["handling"])
    rows = ", ".join(f"[{_s(f['label'])}], [{_s(format(f['value'], ',') + ' ' + f.get('unit', ''))}], [{_s(f['source'])}]" for f in figures)
    quotes = "\n".join(f"#quote(block: true, attribution: [{_s(q['speaker'])}])[_{_s(q['text'])}_]" for q in facts.get("quotes", []))
    sources = "\n".join(f"+ {_s(s['publisher'])}: {_s(s.get('title', ''))} {_s(s.get('url', ''))}" for s in facts["sources"])
    return f"""#set page(paper: "a4", margin: (x: 20mm, y: 24mm),
  header: align(center, text(fill: rgb("#8b0000"), weight: "bold", size: 9pt, font: "DejaVu Sans")[{handling}]),
  footer: context [#align(center, text(fill: rgb("#8b0000"), weight: "bold", size: 9pt, font: "DejaVu Sans")[{handling}])
    #place(right + bottom, text(size: 7.5pt, font: "DejaVu Sans")[Page #counter(page).display() of #counter(page).final().first()])])
#set text(font: "DejaVu Serif", size: 9.5pt)
#show heading: set text(font: "DejaVu Sans", fill: rgb("#1f4e79"))
#text(font: "DejaVu Sans", weight: "bold", size: 22pt, fill: rgb("#1f4e79"))[{_s(facts['title'])}]

{_s(facts.get('subtitle', ''))}, as of {_s(facts['as_of'])}

#block(fill: rgb("#eef2f7"), stroke: (left: 3pt + rgb("#1f4e79")), inset: (x: 10pt, y: 6pt))[
== Key points
{_statements(facts['key_points'])}
]
== Locator map
#image("{charts['places']}", width: 100%)
== Situation
{_statements(facts['sections']['situation'])}
#image("{charts['timeline']}", width: 100%)
== Stakes
{_statements(facts['sections']['stakes'])}
== Key figures
#text(font: "DejaVu Sans", size: 8.3pt)[#table(columns: 3, stroke: (bottom: 0.5pt + rgb("#b0b7c3")), {rows})]
#image("{charts['bars']}", width: 100%)
== Outlook
{_statements(facts['sections']['outlook'])}
== Quotes
{quotes}
== Sources
{sources}
"""


def main() -> None:
    facts_path, out = Path(sys.argv[1]), Path(sys.argv[2])
    facts = yaml.safe_load(facts_path.read_text(encoding="utf-8"))
    svgs = {"timeline": _timeline(facts.get("events", [])), "bars": _bars(facts.get("figures", [])),
            "places": _places(facts["location"], facts.get("places", []))}
    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    with tempfile.TemporaryDirectory(prefix="peer-typst-") as tmp:
        charts = {}
        for name, svg in svgs.items():
            (Path(tmp) / f"{name}.svg").write_text(svg, encoding="utf-8")
            charts[name] = f"{name}.svg"
        main_typ = Path(tmp) / "main.typ"
        main_typ.write_text(page(facts, charts), encoding="utf-8")
        out.write_bytes(typst.compile(str(main_typ), root=tmp, font_paths=[str(font_dir)]))


if __name__ == "__main__":
    main()
