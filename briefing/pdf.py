"""Stage 4: assemble the paginated PDF with reportlab platypus.

Everything a reader sees on paper is decided here: page furniture (handling marking top and bottom,
title, "Page X of Y"), the order of the parts, and the rules that keep a page readable (headings kept
with what follows, charts never split, tables that break repeat their header).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from markupsafe import escape
from reportlab.graphics.shapes import Drawing, Group
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .version import __version__
from .charts import PLACES, event_date
from .pdfmemo import MemoDrawing, parsed_paragraph
from .facts import LIKELIHOOD, Facts, Statement, strip_bidi_controls
from .fonts import SANS, SANS_BOLD, SERIF, SERIF_ITALIC, register_fonts
from .glyphs import with_fallback
from .pagination import (MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, RULE, Bookmark, Float, PageFurniture, PdfCanvas, SectionStart, TallRowTable,
                         bind_headings, no_lone_items, sink_float)
from .words import amount, as_of_iso, as_of_words, horizon, human_date, macros

if TYPE_CHECKING:
    from .charts import Chart

# Streams are Flate-compressed binary, not also ASCII85-encoded: 25% smaller and faster to write.
rl_config.useA85 = 0

PAPER = {"a4": A4, "letter": LETTER}
_URL_SCHEME = re.compile(r"^(?:https?|ftp|mailto):\S", re.IGNORECASE)
ACCENT = colors.HexColor("#1f4e79")
BOX = colors.HexColor("#eef2f7")


@dataclass(frozen=True)
class MapRow:
    """One place under the map. The coordinates cite only where they came from (``coordinate_sources``,
    or ``coordinate_origin`` in words when no listed source is it); the note cites the note's sources."""

    name: str
    coordinates: str
    coordinate_sources: tuple[str, ...]
    coordinate_origin: str | None
    km: str
    mi: str
    bearing: str
    note: str | None
    note_sources: tuple[str, ...]


@dataclass(frozen=True)
class MapLegendEntry:
    """An overlay as the legend prints it: a swatch of its kind, its label, date and citation."""

    kind: str
    geometry: str  # "area" or "line"
    label: str
    as_of: str | None
    source: str


@dataclass(frozen=True)
class MapPart:
    """The locator map as the PDF needs it: the drawing (which carries its own attribution line),
    the legend of its overlays, a row per place, and what the distances come from."""

    drawing: Drawing  # at its natural size; scaled to the text width on the page
    rows: tuple[MapRow, ...]
    data_note: str
    legend: tuple[MapLegendEntry, ...] = ()


@dataclass(frozen=True)
class ChangesPart:
    """What changed since the previous edition, as plain sentences (escaped on output)."""

    previous: str
    lines: tuple[str, ...]


class ScriptParagraph(Paragraph):
    """A platypus Paragraph that sets characters the house fonts lack in a fallback font (``glyphs.with_fallback``)."""

    def __init__(self, text: str | None, style: Any, bulletText: Any = None, **kwargs: Any):
        if text is None:  # ``split`` makes the halves of a paragraph broken over pages from its fragments
            super().__init__(None, style, bulletText, **kwargs)
        else:  # the markup parsed once a process (``pdfmemo``), as Paragraph would parse it
            text, style, frags, bullet = parsed_paragraph(with_fallback(text), style)
            super().__init__(text, style, bullet or bulletText, frags=frags, **kwargs)
        self._wrapped: tuple[float, Any] | None = None  # (width, lines) of the last wrap

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """The lines at this width, broken once: platypus asks again at the same width (a frame's fit
        test, then its placement; a table row's height, then its drawing), 208 of the example's 342
        wraps, and breaking lines is most of laying a brief out. Only the width decides the lines."""
        if self._wrapped is not None and self._wrapped[0] == availWidth and getattr(self, "blPara", None) is self._wrapped[1]:
            return self.width, self.height  # (``split`` drops the lines when the paragraph moves on: then it breaks anew)
        width, height = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, self.blPara) if height != 0x7FFFFFFF else None  # (no room at all: nothing to keep)
        return width, height


#: Tables draw a cell font even for cells that hold paragraphs; keep it an embedded one.
_TABLE_BASE: list[tuple] = [("FONT", (0, 0), (-1, -1), SANS, 8.3)]


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=SERIF, fontSize=9.5, leading=13.2, spaceAfter=4.5, splitLongWords=1)
    return {
        "body": body,
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=11, bulletIndent=1, bulletFontName=SERIF),
        "title": ParagraphStyle("title", fontName=SANS_BOLD, fontSize=22, leading=26, textColor=ACCENT, spaceAfter=3),
        "subtitle": ParagraphStyle("subtitle", fontName=SANS, fontSize=12.5, leading=16, textColor=colors.HexColor("#444444"), spaceAfter=6),
        "meta": ParagraphStyle("meta", fontName=SANS, fontSize=8.3, leading=11.5, textColor=colors.HexColor("#333333"), spaceAfter=8),
        "h1": ParagraphStyle("h1", fontName=SANS_BOLD, fontSize=13, leading=16, textColor=ACCENT, spaceBefore=10, spaceAfter=5, keepWithNext=1),
        "boxhead": ParagraphStyle("boxhead", fontName=SANS_BOLD, fontSize=10.5, leading=13, textColor=ACCENT),
        "boxbullet": ParagraphStyle("boxbullet", parent=body, fontSize=10, leading=13.6, leftIndent=11, bulletIndent=1, bulletFontName=SERIF, spaceAfter=0),
        "caption": ParagraphStyle("caption", fontName=SANS, fontSize=7.8, leading=10, textColor=colors.HexColor("#333333"), spaceAfter=2),
        "quote": ParagraphStyle("quote", fontName=SERIF_ITALIC, fontSize=11, leading=15, textColor=colors.HexColor("#1b2a3a")),
        "attrib": ParagraphStyle("attrib", fontName=SANS, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444"), spaceBefore=2),
        "cell": ParagraphStyle("cell", fontName=SANS, fontSize=8.3, leading=10.5),
        "cellhead": ParagraphStyle("cellhead", fontName=SANS_BOLD, fontSize=8.3, leading=10.5, textColor=colors.white),
        "source": ParagraphStyle("source", parent=body, fontSize=8.8, leading=12, leftIndent=14, firstLineIndent=-14),
        "placeholder": ParagraphStyle("placeholder", fontName=SANS, fontSize=8.5, leading=11.5, alignment=TA_LEFT, textColor=colors.HexColor("#555555")),
    }


class _Doc(BaseDocTemplate):
    def __init__(self, buf: io.BytesIO, facts: Facts, pagesize: tuple[float, float], furniture: PageFurniture):
        super().__init__(
            buf,
            pagesize=pagesize,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            # metadata shows in file browsers and search results: no invisible direction controls there
            title=strip_bidi_controls(facts.title),
            author=strip_bidi_controls(facts.prepared_by or "briefing"),
            subject=strip_bidi_controls(f"{facts.subtitle or 'Situation brief'}: {facts.location.name}, as of {as_of_words(facts.as_of, facts.as_of_day_only)}"),
            keywords=[strip_bidi_controls(k) for k in (facts.id, facts.location.name, facts.location.country, facts.handling, "situation brief")],
            creator=f"briefing {__version__}",
            invariant=1,
            initialFontName=SANS,
            initialFontSize=9,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", leftPadding=0, rightPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=furniture.draw)])

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        if getattr(self, "frame", None) is not None:  # the first page's frame exists once it began
            sink_float(flowables, self.frame)
        super().handle_flowable(flowables)


class _Graphic(Flowable):
    """A vector drawing as a flowable of its own size."""

    def __init__(self, drawing: Drawing):
        super().__init__()
        self.drawing = drawing
        self.width, self.height = drawing.width, drawing.height

    def wrap(self, *_: Any) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.drawing.drawOn(self.canv, 0, 0)


def render_pdf(
    facts: Facts,
    charts: Sequence[Chart] = (),
    *,
    locator: MapPart | None = None,
    changes: ChangesPart | None = None,
    paper: str = "a4",
    edition: str | None = None,
) -> bytes:
    """Lay out the brief and return the PDF bytes (deterministic for the same inputs)."""
    pagesize = PAPER[paper.lower()]
    width = pagesize[0] - 2 * MARGIN_X
    drawings = {id(c): _Graphic(_scaled(c.drawing, width)) for c in charts}
    map_drawing = _Graphic(_scaled(locator.drawing, width)) if locator else None
    buf = io.BytesIO()
    furniture = PageFurniture(facts, pagesize)
    doc = _Doc(buf, facts, pagesize, furniture)
    story = _story(facts, list(charts), drawings, locator, map_drawing, changes, doc.width, doc.height, edition)
    doc.build(story, canvasmaker=lambda *a, **k: PdfCanvas(*a, as_of=facts.as_of, before_save=furniture.finish, **k))
    return buf.getvalue()


def _scaled(drawing: Drawing, width: float) -> Drawing:
    """``drawing`` scaled to ``width``: a new drawing around the same shapes, which stay unchanged."""
    scale = width / drawing.width
    scaled = MemoDrawing(width, drawing.height * scale, Group(*drawing.contents, transform=(scale, 0, 0, scale, 0, 0)))
    scaled.initialFontName = drawing.initialFontName
    return scaled


def _story(
    facts: Facts,
    charts: list[Chart],
    drawings: dict[int, _Graphic],
    locator: MapPart | None,
    map_drawing: _Graphic | None,
    changes: ChangesPart | None,
    width: float,
    height: float,
    edition: str | None,
) -> list[Flowable]:
    st = _styles()
    m = macros("brief.j2")
    numbers = facts.source_index()

    def cites(ids: Sequence[str]) -> list[int]:
        return sorted({numbers[i] for i in ids})

    def stmt(s: Statement, style: str) -> ScriptParagraph:
        if s.desk:  # the desk's own judgement: its mark, and what it rests on as its basis
            words = str(m.desk_statement(s.text, cites(s.sources), len(facts.originators(s.sources))))
        else:
            words = str(m.statement(s.text, cites(s.sources)))
        return ScriptParagraph(words, st[style], bulletText="\u2022")

    def heading(key: str) -> list[Flowable]:
        title = str(m.heading(key))
        return [SectionStart(height / 5), Bookmark(key, title), ScriptParagraph(title, st["h1"])]

    story: list[Flowable] = [
        Bookmark("cover", facts.title),
        ScriptParagraph(str(m.title(facts.title)), st["title"]),
    ]
    if facts.subtitle:
        story.append(ScriptParagraph(str(m.title(facts.subtitle)), st["subtitle"]))
    day_only = facts.as_of_day_only
    story.append(ScriptParagraph(str(m.dateline(as_of_words(facts.as_of, day_only), as_of_iso(facts.as_of, day_only), facts.prepared_by, edition)), st["meta"]))

    story += _bottom_line(facts, st, m, stmt, width)

    if facts.assessments:  # the desk's judgements come up front, next to the bottom line
        story += heading("assessment")
        estimates = [_estimate(facts, mark, a, st, m, cites) for mark, a in zip(assessment_marks(facts), facts.assessments)]
        estimates[-1].append(ScriptParagraph(str(m.likelihood_scale(LIKELIHOOD.items())), st["caption"]))  # never alone atop a page
        for e in estimates:  # the details of an estimate and its basis stay together, after its judgement
            details = [f for f in e[1:] if getattr(f, "style", None) is None or f.style.name != "caption"]
            story += [KeepTogether(e)] if len(details) <= 1 else [e[0], KeepTogether(e[1:])]  # a short one stays whole

    if changes is not None:
        story += heading("changes")
        story.append(ScriptParagraph(f"Compared with {_esc(changes.previous)}:", st["body"]))
        story += [ScriptParagraph(_esc(line), st["bullet"], bulletText="\u2022") for line in changes.lines]

    story += bind_headings(heading("map") + _map_part(facts, locator, map_drawing, st, width, m, cites))
    story += heading("situation") + [stmt(s, "bullet") for s in facts.sections.situation]

    placed = {place: [c for c in charts if c.place == place] for place in PLACES}
    unplaced = [c.kind for c in charts if c.place not in placed]
    if unplaced:  # a chart kind whose place the PDF does not know must fail loudly, not vanish
        raise ValueError(f"charts of kind {', '.join(unplaced)} have no place in the brief; expected one of {', '.join(PLACES)}")

    def charts_at(place: str) -> list[Flowable]:
        return [_chart_block(c, drawings[id(c)], st, m, cites) for c in placed[place]]

    story += _timeline_part(facts, placed["situation"], heading, charts_at, st, m, cites)
    story += [_chart_block(c, drawings[id(c)], st, m, cites) for c in placed["situation"] if c.kind != "timeline"]

    story += heading("stakes")
    story += [stmt(s, "bullet") for s in facts.sections.stakes]
    story += charts_at("stakes")

    if facts.series or placed["series"]:
        story += heading("series")
        story += charts_at("series")

    if facts.figures or placed["figures"]:
        story += heading("figures")
        if facts.figures:
            story.append(_figures_table(facts, st, width, m, cites))
        story += charts_at("figures")

    story += heading("outlook")
    story += [stmt(s, "bullet") for s in facts.sections.outlook]
    story += charts_at("outlook")

    if facts.indicators:
        story += heading("indicators")
        story.append(_indicators_table(facts, st, width, m, cites))
    if facts.gaps:
        story += heading("gaps")
        story += [ScriptParagraph(str(m.gap(g.text, cites(g.sources))), st["bullet"], bulletText="\u2022") for g in facts.gaps]

    if facts.quotes:
        story += heading("quotes")
        quotes = [_pull_quote(q.text, q.speaker, human_date(q.said) if q.said else None, numbers[q.source], st, width, m)
                  for q in facts.quotes]
        story += no_lone_items(quotes)

    story += heading("sources") + _sources_part(facts, st, m)
    return bind_headings(story)


def _bottom_line(facts: Facts, st: dict[str, ParagraphStyle], m: Any, stmt: Callable[[Statement, str], Flowable], width: float) -> list[Flowable]:
    """Bottom line up front: a shaded box, one row per point so a long box can still break, and the
    tool's own line on how the points are sourced (it cites nothing)."""
    rows = [[ScriptParagraph(str(m.heading("key_points")), st["boxhead"])]]
    rows += [[stmt(s, "boxbullet")] for s in facts.key_points]
    rows.append([ScriptParagraph(_sourcing_words(facts, m), st["boxbullet"])])
    box = TallRowTable(rows, colWidths=[width], repeatRows=1)
    box.setStyle(TableStyle(_TABLE_BASE + [
        ("BACKGROUND", (0, 0), (-1, -1), BOX),
        ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
        ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("RIGHTPADDING", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, 0), 7),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
    ]))
    mark = Bookmark("key_points", str(m.heading("key_points")), 1)
    mark.keepWithNext = 0  # kept with the box, the two would move whole to page 2 after a long title; the box breaks by row
    return [mark, box, Spacer(1, 6)]


def _sources_part(facts: Facts, st: dict[str, ParagraphStyle], m: Any) -> list[Flowable]:
    """The numbered source list: a source reported through a carrier names it; datasets with their
    files; the grading scale once."""
    numbers = facts.source_index()
    by_id = {src.id: src for src in facts.sources}
    entries: list[Flowable] = []
    for n, src in enumerate(facts.sources, start=1):
        published = human_date(src.published) if src.published else None
        link = bool(src.url and _URL_SCHEME.match(src.url))
        carrier = by_id.get(src.via) if src.via else None
        # the saved copy the provenance check read (a source reported via a carrier is read in the carrier's)
        copy = (f"{src.file}, {human_date(src.published)}" if src.published else src.file) if src.file else None
        entries.append(ScriptParagraph(str(m.source_entry(n, src.publisher, src.title, published, src.url, link, src.author, src.grade,
                                                          carrier.publisher if carrier else None, numbers.get(src.via), copy)), st["source"]))
    for n, ds in enumerate(facts.datasets, start=len(facts.sources) + 1):
        retrieved = human_date(ds.retrieved) if ds.retrieved else None
        link = bool(ds.url and _URL_SCHEME.match(ds.url))
        entries.append(ScriptParagraph(str(m.dataset_entry(n, ds.publisher, ds.title, retrieved, ds.url, link, ds.file, ds.sha256)), st["source"]))
    if any(src.grade for src in facts.sources):
        entries.append(ScriptParagraph(str(m.admiralty_scale()), st["caption"]))
    # a long list breaks over pages, never leaving one entry (or the scale) alone; a very long one
    # (hundreds of sources) is left to break anywhere, as a kept group must fit on a page
    if len(entries) > 40:
        return entries
    return no_lone_items(entries, tail=3 if len(entries) > len(facts.sources) + len(facts.datasets) else 2)


def _esc(text: str) -> str:
    return str(escape(text))


def _timeline_part(facts: Facts, charts: list[Chart], heading: Callable[[str], list[Flowable]], charts_at: Any,
                   st: dict[str, ParagraphStyle], m: Any, cites: Any) -> list[Flowable]:
    """The timeline under its heading: the chart of events, then the dated statements, listed apart
    (someone saying something is not an event on the line)."""
    statements = sorted((e for e in facts.events if e.kind == "statement"), key=lambda e: (e.day, e.end, e.label))
    timeline = [c for c in charts if c.kind == "timeline"]
    if not timeline and not statements:
        return []
    out = heading("timeline")
    blocks = [f for f in charts_at("situation") if getattr(f, "_kind", None) == "timeline"]
    listed: list[Flowable] = []
    if statements:
        listed.append(ScriptParagraph(str(m.statements_lead()), st["caption"]))
        listed += [ScriptParagraph(str(m.dated_statement(event_date(e), e.label, cites([e.source]))), st["bullet"], bulletText="\u2022")
                   for e in statements]
    if blocks and listed:  # the statements go with the (last) chart wherever it floats
        last = blocks[-1]
        last._content[-1:-1] = [Spacer(1, 4), *listed]
        listed = []
    return out + blocks + listed


def assessment_marks(facts: Facts) -> list[str]:
    """The desk's marks for its assessments, in order: D1, D2 ... (indicators name them too)."""
    return [f"D{i}" for i in range(1, len(facts.assessments) + 1)]


def _estimate(facts: Facts, mark: str, a: Any, st: dict[str, ParagraphStyle], m: Any, cites: Any) -> list[Flowable]:
    """One assessment: its mark and lead, its text, what it assumes, the other outcomes, what would
    change it, and its basis (the sources it rests on, which it does not cite as if they said it)."""
    when = str(m.horizon_words(*horizon(a.horizon))) if a.horizon else None
    lines = [str(m.judgement(mark, a.text, a.likelihood, LIKELIHOOD[a.likelihood], a.confidence, when))]
    if a.assumptions:
        lines.append(str(m.estimate_detail("Assumes", a.assumptions)))
    lines += [str(m.alternative(alt.text, alt.likelihood, LIKELIHOOD[alt.likelihood])) for alt in a.alternatives]
    if a.would_change:
        lines.append(str(m.estimate_detail("Would change the call", a.would_change)))
    lines.append(str(m.basis(cites(a.sources), len(facts.originators(a.sources)))))
    body = ScriptParagraph(lines[0], st["bullet"], bulletText="\u2022")
    detail = ParagraphStyle("estimate", parent=st["bullet"], fontSize=8.8, leading=11.8, spaceAfter=1.5)
    return [body] + [ScriptParagraph(line, detail) for line in lines[1:-1]] + [
        ScriptParagraph(lines[-1], ParagraphStyle("basis", parent=detail, spaceAfter=6))]


def _sourcing_words(facts: Facts, m: Any) -> str:
    """The generated line under the key points: how many originators each rests on (counted, not typed)."""
    counts = [len(facts.originators(s.sources)) for s in facts.key_points]
    cited = [sid for _, s in facts.all_statements() for sid in s.sources]
    cited += [sid for a in facts.assessments for sid in a.sources]
    originators = facts.originators(cited)
    by_id = {s.id: s for s in facts.sources}
    carried = {by_id[s].publisher for s in cited if s in by_id and by_id[s].via}
    carriers = sorted({by_id[by_id[s].via].publisher for s in cited if s in by_id and by_id[s].via in by_id})
    words = ""
    if carriers:
        words = f"{len(carried)} of them known only through {' and '.join(carriers)}"
    return str(m.sourcing_summary(len(counts), sum(1 for c in counts if c <= 1), len(originators), words))


def _chart_block(chart: Chart, drawing: _Graphic, st: dict[str, ParagraphStyle], m: Any, cites: Any) -> Flowable:
    caption = ScriptParagraph(str(m.chart_caption(chart.title, chart.caption)), st["caption"])
    source = ScriptParagraph(str(m.source_line(cites(chart.source_ids))), st["caption"])
    block = Float([Spacer(1, 4), drawing, caption, source, Spacer(1, 6)])
    block._kind = chart.kind
    return block


def _figures_table(facts: Facts, st: dict[str, ParagraphStyle], width: float, m: Any, cites: Any) -> Table:
    head = [ScriptParagraph(t, st["cellhead"]) for t in ("Figure", "Value", "As of", "Source")]
    rows = [head]
    for f in facts.figures:
        rows.append([
            ScriptParagraph(_esc(f.label), st["cell"]),
            ScriptParagraph(str(m.figure_value(amount(f.value), f.approx, f.unit if unit_adds(f.label, f.unit) else None)), st["cell"]),
            ScriptParagraph(human_date(f.as_of) if f.as_of else "\u2014", st["cell"]),
            ScriptParagraph(str(m.cite(cites(facts.figure_sources(f)))), st["cell"]),
        ])
    return _header_table(rows, [width * 0.46, width * 0.24, width * 0.18, width * 0.12])


#: Units that say only that a number counts people or things: the label says what is counted.
_COUNT_UNITS = frozenset({"people", "persons", "person", "individuals", "count", "number", "items", "cases"})


def unit_adds(label: str, unit: str | None) -> bool:
    """Whether a figure's unit tells the reader something its label does not.

    "48 people" for "Children among them" repeats what the label says ("children" are counted) and
    "63 deaths" for "Deaths in the table" repeats the label's own word; "13 miles" does not.
    """
    if not unit:
        return False
    words = unit.casefold().split()
    if len(words) == 1 and words[0] in _COUNT_UNITS:
        return False
    label_words = set(re.findall(r"\w+", label.casefold()))
    return not all(w in label_words or w.rstrip("s") in label_words or w + "s" in label_words for w in words)


def _indicators_table(facts: Facts, st: dict[str, ParagraphStyle], width: float, m: Any, cites: Any) -> Table:
    """What to watch for and what it would mean, side by side: a reader scans the left column."""
    rows = [[ScriptParagraph(t, st["cellhead"]) for t in ("Watch for", "What it would mean", "Source")]]
    marks = {a.id: mark for mark, a in zip(assessment_marks(facts), facts.assessments) if a.id}
    for ind in facts.indicators:
        rows.append([
            ScriptParagraph(_esc(ind.text), st["cell"]),
            ScriptParagraph(_esc(ind.meaning) + (str(m.indicator_bearing([marks[i] for i in ind.bears_on if i in marks], ind.direction))
                                                 if ind.bears_on else ""), st["cell"]),
            ScriptParagraph(str(m.cite(cites(ind.sources))) if ind.sources else "\u2014", st["cell"]),
        ])
    return _header_table(rows, [width * 0.44, width * 0.44, width * 0.12])


#: Body rows a table keeps together at its start and at its end when it breaks over pages.
KEEP_ROWS = 2


def _header_table(rows: list[list[Flowable]], col_widths: list[float], note: Flowable | None = None, padding: float = 3) -> Table:
    """The house table: a coloured header row repeated on each page, banded rows, top-aligned cells.

    A table that breaks over pages never leaves its first or its last ``KEEP_ROWS`` rows alone, and
    its ``note`` (a last row across all columns) stays with its last rows.
    """
    body = len(rows) - 1
    last = len(rows) - 1  # the last body row
    if note is not None:
        rows = [*rows, [note] + [""] * (len(col_widths) - 1)]
    table = TallRowTable(rows, colWidths=col_widths, repeatRows=1)
    style = _TABLE_BASE + [
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("ROWBACKGROUNDS", (0, 1), (-1, last), [colors.white, BOX]),
        ("LINEBELOW", (0, last), (-1, last), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]
    if body > KEEP_ROWS:
        style += [("NOSPLIT", (0, 1), (-1, KEEP_ROWS)), ("NOSPLIT", (0, last - KEEP_ROWS + 1), (-1, -1))]
    elif note is not None:
        style += [("NOSPLIT", (0, 1), (-1, -1))]
    if note is not None:
        style += [("SPAN", (0, -1), (-1, -1)), ("LEFTPADDING", (0, -1), (-1, -1), 0), ("TOPPADDING", (0, -1), (-1, -1), 3)]
    table.setStyle(TableStyle(style))
    return table


def _pull_quote(text: str, speaker: str, said: str | None, number_: int, st: dict[str, ParagraphStyle], width: float, m: Any) -> Flowable:
    body = [ScriptParagraph(str(m.quote_text(text)), st["quote"]), ScriptParagraph(str(m.quote_attribution(speaker, said, number_)), st["attrib"])]
    table = TallRowTable([[body]], colWidths=[width - 24])
    table.setStyle(TableStyle(_TABLE_BASE + [
        ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
        ("LEFTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return KeepTogether([table, Spacer(1, 8)])


class _Swatch(Flowable):
    """A legend swatch drawn like the map draws the kind: tinted, hatched area or dashed line."""

    def __init__(self, kind: str, geometry: str):
        super().__init__()
        self.kind, self.geometry = kind, geometry
        self.width, self.height = 22, 9

    def wrap(self, *_: Any) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        from .map.style import KINDS, LINE_WIDTH, hatch_segments, tint

        st = KINDS[self.kind]
        c, colour = self.canv, colors.HexColor(st.colour)
        c.saveState()
        if self.geometry == "area":
            c.setFillColor(colors.HexColor(tint(st.colour)))
            c.setStrokeColor(colour)
            c.setLineWidth(0.9)
            c.rect(0, 0, self.width, self.height, stroke=1, fill=1)
            p = c.beginPath()
            p.rect(0, 0, self.width, self.height)
            c.clipPath(p, stroke=0, fill=0)
            c.setLineWidth(0.5)
            for ang in st.hatch_angles:
                for (x0, y0), (x1, y1) in hatch_segments(self.width / 2, self.height / 2, math.hypot(self.width, self.height), ang, 3.0):
                    c.line(x0, y0, x1, y1)
        else:
            c.setStrokeColor(colour)
            c.setLineWidth(LINE_WIDTH)
            if st.dash:
                c.setDash(list(st.dash))
            c.line(0, self.height / 2, self.width, self.height / 2)
        c.restoreState()


def _map_legend(legend: Sequence[Any], st: dict[str, ParagraphStyle], width: float, m: Any, cites: Any) -> Table:
    """The overlays' legend: swatch, label, kind and date, citation (real text, linked citations)."""
    rows = []
    for e in legend:
        when = f", as of {human_date(e.as_of)}" if e.as_of else ""
        words = f"{_esc(e.label)} <font color=\"#555555\">({_esc(e.kind)}{_esc(when)})</font>{m.cite(cites((e.source,)))}"
        rows.append([_Swatch(e.kind, e.geometry), ScriptParagraph(words, st["cell"])])
    table = Table(rows, colWidths=[30, width - 30])
    table.setStyle(TableStyle(_TABLE_BASE + [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (0, -1), 2),
    ]))
    return table


def _map_part(facts: Facts, locator: MapPart | None, drawing: _Graphic | None, st: dict[str, ParagraphStyle], width: float, m: Any, cites: Any) -> list[Flowable]:
    if locator is None or drawing is None:
        loc = facts.location
        box = Table([[ScriptParagraph(str(m.map_placeholder(loc.name, f"{loc.lat:.4f}", f"{loc.lon:.4f}", loc.country)), st["placeholder"])]], colWidths=[width])
        box.setStyle(TableStyle(_TABLE_BASE + [("BOX", (0, 0), (-1, -1), 0.6, RULE), ("LEFTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
        return [box, Spacer(1, 6)]
    parts: list[Flowable] = [drawing]
    if locator.legend:
        parts += [Spacer(1, 3), _map_legend(locator.legend, st, width, m, cites)]
    if locator.rows:
        # room above each line for the raised citation numbers of the line below
        cited_style = ParagraphStyle("citedcell", parent=st["cell"], leading=11.5)

        def cited(text: str | None, ids: tuple[str, ...], extra: str | None = None) -> ScriptParagraph:
            words = _esc(text) if text else ""
            if extra:
                words += (" " if words else "") + f'<font color="#555555">({_esc(extra)})</font>'
            if ids:
                words += str(m.cite(cites(ids)))
            return ScriptParagraph(words or "\u2014", cited_style)

        head = [ScriptParagraph(_esc(t), st["cellhead"]) for t in ("Place", "Coordinates", f"From {facts.location.name}", "Note")]
        rows = [head] + [
            [ScriptParagraph(_esc(r.name), st["cell"]), cited(r.coordinates, r.coordinate_sources, r.coordinate_origin),
             ScriptParagraph(f"{_esc(f'{r.km} km ({r.mi} mi)')}<br/>{_esc(r.bearing)}", st["cell"]), cited(r.note, r.note_sources)]
            for r in locator.rows
        ]
        table = _header_table(rows, [width * 0.18, width * 0.25, width * 0.19, width * 0.38],
                              note=ScriptParagraph(_esc(locator.data_note), st["caption"]), padding=2)
        # one block: the map, its legend, the places and the note (a table too long for a page still breaks,
        # its header repeated, never leaving its last rows or its note alone)
        return [Float([*parts, Spacer(1, 4), table, Spacer(1, 6)])]
    return [Float([*parts, Spacer(1, 6)])]

