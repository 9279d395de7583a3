#!/usr/bin/env python3
"""The yardstick for ``make bench``: the example brief's text and three vector charts, set by WeasyPrint.

A same-sized brief made the way a WeasyPrint user would make it: the facts file's words as HTML with
paged-media CSS (running handling marking, "Page X of Y", DejaVu embedded), three matplotlib charts
embedded as SVG (the timeline, the figures, the places by longitude and latitude). The ratio of our
build time to this script's, measured side by side on one machine, is what the speed targets are
stated in.

Not part of briefing and not a dependency of it: run it from a separate environment with
``pip install weasyprint matplotlib pyyaml`` (WeasyPrint needs the system's Pango:
``apt-get install libpango-1.0-0 libpangoft2-1.0-0``), or install this project's ``bench`` extra.

Usage: python tools/peer_weasyprint.py FACTS.yaml OUT.pdf
"""

from __future__ import annotations

import datetime as dt
import html
import io
import sys
from pathlib import Path

import matplotlib
import yaml

matplotlib.use("svg")
from matplotlib.figure import Figure  # noqa: E402
from weasyprint import HTML  # noqa: E402

STYLE = {"svg.fonttype": "none", "font.family": ["DejaVu Sans"], "font.size": 8, "svg.hashsalt": "peer"}


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _day(value: object) -> dt.date:
    """An event's date as a day: a month (2023-01) its first, a range (2023-01-11/2023-01-20) its start."""
    text = str(value).split("/")[0]
    return dt.date.fromisoformat(text + ("-01" if len(text) == 7 else ""))


def _timeline(events: list[dict]) -> str:
    events = sorted(events, key=lambda e: str(e["date"]))
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6.6, 0.3 * len(events) + 0.8))
        ax = fig.add_axes((0.45, 0.2, 0.52, 0.75))
        days = [_day(e["date"]) for e in events]
        ax.plot(days, range(len(events)), "o", color="#1f4e79")
        ax.set_yticks(range(len(events)), [e["label"][:46] for e in events], fontsize=7.5)
        ax.invert_yaxis()
        ax.grid(axis="x", color="#e6e6e6")
        return _svg(fig)


def _bars(figures: list[dict]) -> str:
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6.6, 0.32 * len(figures) + 0.8))
        ax = fig.add_axes((0.4, 0.2, 0.56, 0.75))
        ax.barh(range(len(figures)), [float(f["value"]) for f in figures], color="#1f4e79")
        ax.set_yticks(range(len(figures)), [f["label"][:40] for f in figures], fontsize=7.5)
        ax.invert_yaxis()
        for y, f in enumerate(figures):
            ax.annotate(f"{f['value']:,}", (float(f["value"]), y), xytext=(4, 0), textcoords="offset points", va="center")
        return _svg(fig)


def _places(location: dict, places: list[dict]) -> str:
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6.6, 3.6))
        ax = fig.add_axes((0.08, 0.1, 0.9, 0.85))
        ax.set_facecolor("#dce8f2")
        for p in [location, *places]:
            ax.plot(p["lon"], p["lat"], "o", color="#c0504d" if p is location else "#222222")
            ax.annotate(p["name"], (p["lon"], p["lat"]), xytext=(5, 3), textcoords="offset points")
        ax.set_aspect(1.5)
        return _svg(fig)


def _statements(items: list[dict]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(s['text'])} <sup>[{', '.join(s['sources'])}]</sup></li>" for s in items) + "</ul>"


def page(facts: dict) -> str:
    e = html.escape
    figures = facts.get("figures", [])
    rows = "".join(f"<tr><td>{e(f['label'])}</td><td>{f['value']:,} {e(f.get('unit', ''))}</td><td>{e(f['source'])}</td></tr>" for f in figures)
    quotes = "".join(f"<blockquote>{e(q['text'])}<footer>{e(q['speaker'])}</footer></blockquote>" for q in facts.get("quotes", []))
    sources = "".join(f"<li>{e(s['publisher'])}: {e(s.get('title', ''))} {e(s.get('url', ''))}</li>" for s in facts["sources"])
    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = "".join(
        f"@font-face {{ font-family: '{family}'; src: url('{(font_dir / file).as_uri()}'); font-weight: {w}; font-style: {s}; }}"
        for family, file, w, s in (("Brief Sans", "DejaVuSans.ttf", "normal", "normal"), ("Brief Sans", "DejaVuSans-Bold.ttf", "bold", "normal"),
                                   ("Brief Serif", "DejaVuSerif.ttf", "normal", "normal"), ("Brief Serif", "DejaVuSerif-Italic.ttf", "normal", "italic")))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{e(facts['title'])}</title><style>
{faces}
@page {{ size: A4; margin: 24mm 20mm;
  @top-center {{ content: "{e(facts['handling'])}"; color: #8b0000; font: bold 9pt 'Brief Sans'; }}
  @bottom-center {{ content: "{e(facts['handling'])}"; color: #8b0000; font: bold 9pt 'Brief Sans'; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font: 7.5pt 'Brief Sans'; }} }}
body {{ font: 9.5pt/13.2pt 'Brief Serif'; }}
h1 {{ font: bold 22pt 'Brief Sans'; color: #1f4e79; }} h2 {{ font: bold 13pt 'Brief Sans'; color: #1f4e79; break-after: avoid; }}
.box {{ background: #eef2f7; border-left: 3pt solid #1f4e79; padding: 6pt 10pt; }}
figure {{ break-inside: avoid; margin: 6pt 0; }} svg {{ width: 100%; height: auto; }}
table {{ border-collapse: collapse; width: 100%; font: 8.3pt 'Brief Sans'; }} td {{ border-bottom: 0.5pt solid #b0b7c3; padding: 2pt; }}
blockquote {{ font-style: italic; font-size: 11pt; }}
</style></head><body>
<h1>{e(facts['title'])}</h1><p>{e(facts.get('subtitle', ''))}, as of {e(str(facts['as_of']))}</p>
<div class="box"><h2>Key points</h2>{_statements(facts['key_points'])}</div>
<h2>Locator map</h2><figure>{_places(facts['location'], facts.get('places', []))}</figure>
<h2>Situation</h2>{_statements(facts['sections']['situation'])}
<figure>{_timeline(facts.get('events', []))}</figure>
<h2>Stakes</h2>{_statements(facts['sections']['stakes'])}
<h2>Key figures</h2><table>{rows}</table><figure>{_bars(figures)}</figure>
<h2>Outlook</h2>{_statements(facts['sections']['outlook'])}
<h2>Quotes</h2>{quotes}
<h2>Sources</h2><ol>{sources}</ol>
</body></html>"""


def main() -> None:
    facts_path, out = Path(sys.argv[1]), Path(sys.argv[2])
    facts = yaml.safe_load(facts_path.read_text(encoding="utf-8"))
    out.write_bytes(HTML(string=page(facts), base_url=str(facts_path.parent)).write_pdf())


if __name__ == "__main__":
    main()
