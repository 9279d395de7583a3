"""Stage 4: assemble the paginated PDF with reportlab platypus.

Everything a reader sees on paper is decided here: page furniture (handling marking top and bottom,
title, "Page X of Y"), the order of the parts, and the rules that keep a page readable (headings kept
with what follows, charts never split, tables that break repeat their header).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Sequence

from markupsafe import escape
from reportlab.graphics.shapes import Drawing, Group
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
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
from .charts import PLACES
from .facts import LIKELIHOOD, Facts, Statement, strip_bidi_controls
from .fonts import SANS, SANS_BOLD, SERIF, SERIF_ITALIC, register_fonts
from .glyphs import draw_string, string_width, with_fallback
from .words import amount, date_time_group, human_date, iso, macros

if TYPE_CHECKING:
    from .charts import Chart

# Streams are Flate-compressed binary, not also ASCII85-encoded: 25% smaller and faster to write.
rl_config.useA85 = 0

PAPER = {"a4": A4, "letter": LETTER}
_URL_SCHEME = re.compile(r"^(?:https?|ftp|mailto):\S", re.IGNORECASE)
MARGIN_X = 20 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 24 * mm

ACCENT = colors.HexColor("#1f4e79")
HANDLING = colors.HexColor("#8b0000")
#: Printed at both ends of the marking bands of a draft (``draft: true``: gathered, not yet checked).
DRAFT_MARK = "DRAFT"
RULE = colors.HexColor("#b0b7c3")
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

    def __init__(self, text: str | None, style: Any, *args: Any, **kwargs: Any):
        # ``split`` makes the halves of a paragraph broken over pages from its fragments, text None.
        super().__init__(text if text is None else with_fallback(text), style, *args, **kwargs)


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


class _Bookmark(Flowable):
    """Zero-size marker: an outline entry and a link target at the current position."""

    def __init__(self, key: str, title: str, level: int = 0):
        super().__init__()
        self.key, self.title, self.level = key, title, level
        self.width = self.height = 0
        self.keepWithNext = 1  # the outline entry lands where its heading does

    def wrap(self, *_: Any) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=self.level, closed=False)


class _Doc(BaseDocTemplate):
    def __init__(self, buf: io.BytesIO, facts: Facts, pagesize: tuple[float, float], furniture: "_PageFurniture"):
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
            subject=strip_bidi_controls(f"{facts.subtitle or 'Situation brief'}: {facts.location.name}, as of {date_time_group(facts.as_of)}"),
            keywords=[strip_bidi_controls(k) for k in (facts.id, facts.location.name, facts.location.country, facts.handling, "situation brief")],
            creator=f"briefing {__version__}",
            invariant=1,
            initialFontName=SANS,
            initialFontSize=9,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", leftPadding=0, rightPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=furniture.draw)])


class _PageFurniture:
    """Handling marking at top and bottom, title and "Page X of Y" on every page.

    The total is known only after layout, so each page draws its footer line (title and "Page X of
    Y") as a form XObject named by its page number, and ``finish`` writes those forms when the
    canvas is saved (PDF resolves the names then): the brief is laid out once, not twice. The footer
    is plain text inside the form, so it copies and searches like the rest of the page.
    """

    def __init__(self, facts: Facts, pagesize: tuple[float, float]):
        self.facts, self.pagesize = facts, pagesize
        self.pages = 0

    def draw(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        w, h = self.pagesize
        canv.saveState()
        handling = self.facts.handling
        # A draft (gathered, not yet checked by a person) says so at both ends of both marking bands.
        room = w - 2 * MARGIN_X - (2 * (string_width(DRAFT_MARK, SANS_BOLD, 9) + 4 * mm) if self.facts.draft else 0)
        size = _font_size_to_fit(handling, SANS_BOLD, 9, room)
        handling = _ellipsize(handling, SANS_BOLD, size, room)  # only a marking of wide characters
        canv.setFillColor(HANDLING)
        canv.setFont(SANS_BOLD, size)
        draw_string(canv, w / 2, h - 11 * mm, handling, SANS_BOLD, size, "centre")
        draw_string(canv, w / 2, 8 * mm, handling, SANS_BOLD, size, "centre")
        if self.facts.draft:
            for y in (h - 11 * mm, 8 * mm):
                draw_string(canv, MARGIN_X, y, DRAFT_MARK, SANS_BOLD, 9, "left")
                draw_string(canv, w - MARGIN_X, y, DRAFT_MARK, SANS_BOLD, 9, "right")
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, h - 15 * mm, w - MARGIN_X, h - 15 * mm)
        canv.line(MARGIN_X, 17 * mm, w - MARGIN_X, 17 * mm)
        self.pages = max(self.pages, canv.getPageNumber())
        canv.doForm(f"footer{canv.getPageNumber()}")
        canv.restoreState()

    def finish(self, canv: Canvas) -> None:
        """Write every page's footer line, now that the number of pages is known."""
        w = self.pagesize[0]
        for page in range(1, self.pages + 1):
            canv.beginForm(f"footer{page}")
            canv.setFillColor(colors.HexColor("#444444"))
            canv.setFont(SANS, 7.5)
            page_text = f"Page {page} of {self.pages}"
            right = w - MARGIN_X
            draw_string(canv, right, 13 * mm, page_text, SANS, 7.5, "right")
            title = _ellipsize(f"{self.facts.title} \u2014 as of {date_time_group(self.facts.as_of)}", SANS, 7.5, right - string_width(page_text, SANS, 7.5) - MARGIN_X - 10)
            draw_string(canv, MARGIN_X, 13 * mm, title, SANS, 7.5)
            canv.endForm()


def _font_size_to_fit(text: str, font: str, size: float, width: float) -> float:
    while size > 5 and string_width(text, font, size) > width:
        size -= 0.25
    return size


def _ellipsize(text: str, font: str, size: float, width: float) -> str:
    """``text``, cut short with an ellipsis if it is wider than ``width`` (binary search: few measurements)."""
    if string_width(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)  # the longest prefix that fits, with the ellipsis, is in [lo, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if string_width(text[:mid] + "\u2026", font, size) <= width else (lo, mid)
    return text[:lo].rstrip() + "\u2026"


class _Canvas(Canvas):
    """Fixes the PDF's creation and modification dates to ``as_of`` (determinism, honest dates), and
    calls ``before_save`` after the last page (the page furniture's footers are written then)."""

    def __init__(self, *args: Any, as_of: dt.datetime, before_save: Callable[[Canvas], None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        utc = as_of.astimezone(dt.timezone.utc)
        stamp = utc.strftime("D:%Y%m%d%H%M%S+00'00'")
        self.setDateFormatter(lambda *_: stamp)
        self._before_save = before_save

    def save(self) -> None:
        if self._code:  # a page still open is finished first, as Canvas.save would
            self.showPage()
        self._before_save(self)
        super().save()


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
    furniture = _PageFurniture(facts, pagesize)
    doc = _Doc(buf, facts, pagesize, furniture)
    story = _story(facts, list(charts), drawings, locator, map_drawing, changes, doc.width, edition)
    doc.build(story, canvasmaker=lambda *a, **k: _Canvas(*a, as_of=facts.as_of, before_save=furniture.finish, **k))
    return buf.getvalue()


def _scaled(drawing: Drawing, width: float) -> Drawing:
    """``drawing`` scaled to ``width``: a new drawing around the same shapes, which stay unchanged."""
    scale = width / drawing.width
    scaled = Drawing(width, drawing.height * scale, Group(*drawing.contents, transform=(scale, 0, 0, scale, 0, 0)))
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
    edition: str | None,
) -> list[Flowable]:
    st = _styles()
    m = macros("brief.j2")
    numbers = facts.source_index()

    def cites(ids: Sequence[str]) -> list[int]:
        return sorted({numbers[i] for i in ids})

    def stmt(s: Statement, style: str) -> ScriptParagraph:
        return ScriptParagraph(str(m.statement(s.text, cites(s.sources))), st[style], bulletText="\u2022")

    def heading(key: str) -> list[Flowable]:
        title = str(m.heading(key))
        return [CondPageBreak(40 * mm), _Bookmark(key, title), ScriptParagraph(title, st["h1"])]

    story: list[Flowable] = [
        _Bookmark("cover", facts.title),
        ScriptParagraph(str(m.title(facts.title)), st["title"]),
    ]
    if facts.subtitle:
        story.append(ScriptParagraph(str(m.title(facts.subtitle)), st["subtitle"]))
    story.append(ScriptParagraph(str(m.dateline(date_time_group(facts.as_of), iso(facts.as_of), facts.prepared_by, edition)), st["meta"]))

    # Bottom line up front: a shaded box, one row per point so a long box can still break.
    rows = [[ScriptParagraph(str(m.heading("key_points")), st["boxhead"])]]
    rows += [[stmt(s, "boxbullet")] for s in facts.key_points]
    box = Table(rows, colWidths=[width], repeatRows=1)
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
    story += [_Bookmark("key_points", str(m.heading("key_points")), 1), box, Spacer(1, 6)]

    if facts.assessments:  # the desk's judgements come up front, next to the bottom line
        story += heading("assessment")
        story += [
            ScriptParagraph(str(m.judgement(a.text, a.likelihood, LIKELIHOOD[a.likelihood], a.confidence, cites(a.sources))),
                            st["bullet"], bulletText="\u2022")
            for a in facts.assessments
        ]
        story.append(ScriptParagraph(str(m.likelihood_scale(LIKELIHOOD.items())), st["caption"]))

    if changes is not None:
        story += heading("changes")
        story.append(ScriptParagraph(f"Compared with {_esc(changes.previous)}:", st["body"]))
        story += [ScriptParagraph(_esc(line), st["bullet"], bulletText="\u2022") for line in changes.lines]

    situation = heading("situation") + [stmt(s, "bullet") for s in facts.sections.situation]
    story.append(_MapOrTextFirst(_bind_headings(heading("map") + _map_part(facts, locator, map_drawing, st, width, m, cites)),
                                 situation))

    placed = {place: [c for c in charts if c.place == place] for place in PLACES}
    unplaced = [c.kind for c in charts if c.place not in placed]
    if unplaced:  # a chart kind whose place the PDF does not know must fail loudly, not vanish
        raise ValueError(f"charts of kind {', '.join(unplaced)} have no place in the brief; expected one of {', '.join(PLACES)}")

    def charts_at(place: str) -> list[Flowable]:
        return [_chart_block(c, drawings[id(c)], st, m, cites) for c in placed[place]]

    story += charts_at("situation")

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
        for q in facts.quotes:
            story.append(_pull_quote(q.text, q.speaker, human_date(q.said) if q.said else None, numbers[q.source], st, width, m))

    story += heading("sources")
    for n, src in enumerate(facts.sources, start=1):
        published = human_date(src.published) if src.published else None
        link = bool(src.url and _URL_SCHEME.match(src.url))
        saved = PurePosixPath(src.file).name if src.file else None  # the copy the provenance check read
        story.append(ScriptParagraph(str(m.source_entry(n, src.publisher, src.title, published, src.url, link, src.author, src.grade, saved)), st["source"]))
    for n, ds in enumerate(facts.datasets, start=len(facts.sources) + 1):
        retrieved = human_date(ds.retrieved) if ds.retrieved else None
        link = bool(ds.url and _URL_SCHEME.match(ds.url))
        story.append(ScriptParagraph(str(m.dataset_entry(n, ds.publisher, ds.title, retrieved, ds.url, link, ds.file, ds.sha256)), st["source"]))
    if any(src.grade for src in facts.sources):
        story.append(ScriptParagraph(str(m.admiralty_scale()), st["caption"]))
    return _bind_headings(story)


class _MapOrTextFirst(Flowable):
    """The map block where it stands if it fits in what is left of the page, else after the text.

    Why: the map (a drawing and its table, kept together) is tall; when a changes section or long
    key points leave too little room for it, it would move to page 2 and leave page 1 half empty.
    The Situation text then comes first and fills page 1, and the map follows it. Like KeepTogether,
    this asks to be split at once (an impossible height) and the split decides the order.
    """

    def __init__(self, block: list[Flowable], text: list[Flowable]):
        super().__init__()
        self.block, self.text = block, text

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        parts = [f for item in self.block for f in (item._content if isinstance(item, KeepTogether) else [item])]
        self._height = sum(f.wrapOn(self.canv, aW, 0xFFFFFF)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in parts)
        self._wrapped = (aW, aH)
        return aW, 0xFFFFFF

    def split(self, aW: float, aH: float) -> list[Flowable]:
        if getattr(self, "_wrapped", None) != (aW, aH):
            self.wrap(aW, aH)
        return [*self.block, *self.text] if self._height <= aH else [*self.text, *self.block]


def _bind_headings(story: list[Flowable]) -> list[Flowable]:
    """Put a heading inside the KeepTogether block that follows it.

    platypus honours ``keepWithNext`` only towards plain flowables, not towards a KeepTogether (a
    chart, the map, a pull quote): without this, such a heading is stranded at a page bottom while
    its block moves to the next page.
    """
    out: list[Flowable] = []
    for flowable in story:
        if isinstance(flowable, KeepTogether):
            lead: list[Flowable] = []
            while out and out[-1].getKeepWithNext():
                lead.insert(0, out.pop())
            if lead:
                flowable = KeepTogether([*lead, *flowable._content])
        out.append(flowable)
    return out


def _esc(text: str) -> str:
    return str(escape(text))


def _chart_block(chart: Chart, drawing: _Graphic, st: dict[str, ParagraphStyle], m: Any, cites: Any) -> Flowable:
    caption = ScriptParagraph(str(m.chart_caption(chart.title, chart.caption)), st["caption"])
    source = ScriptParagraph(str(m.source_line(cites(chart.source_ids))), st["caption"])
    return KeepTogether([Spacer(1, 4), drawing, caption, source, Spacer(1, 6)])


def _figures_table(facts: Facts, st: dict[str, ParagraphStyle], width: float, m: Any, cites: Any) -> Table:
    head = [ScriptParagraph(t, st["cellhead"]) for t in ("Figure", "Value", "As of", "Source")]
    rows = [head]
    for f in facts.figures:
        rows.append([
            ScriptParagraph(_esc(f.label), st["cell"]),
            ScriptParagraph(str(m.figure_value(amount(f.value), f.approx, f.unit)), st["cell"]),
            ScriptParagraph(human_date(f.as_of) if f.as_of else "\u2014", st["cell"]),
            ScriptParagraph(str(m.cite(cites(facts.figure_sources(f)))), st["cell"]),
        ])
    return _header_table(rows, [width * 0.46, width * 0.24, width * 0.18, width * 0.12])


def _indicators_table(facts: Facts, st: dict[str, ParagraphStyle], width: float, m: Any, cites: Any) -> Table:
    """What to watch for and what it would mean, side by side: a reader scans the left column."""
    rows = [[ScriptParagraph(t, st["cellhead"]) for t in ("Watch for", "What it would mean", "Source")]]
    for ind in facts.indicators:
        rows.append([
            ScriptParagraph(_esc(ind.text), st["cell"]),
            ScriptParagraph(_esc(ind.meaning), st["cell"]),
            ScriptParagraph(str(m.cite(cites(ind.sources))) if ind.sources else "\u2014", st["cell"]),
        ])
    return _header_table(rows, [width * 0.44, width * 0.44, width * 0.12])


def _header_table(rows: list[list[Flowable]], col_widths: list[float]) -> Table:
    """The house table: a coloured header row repeated on each page, banded rows, top-aligned cells."""
    table = Table(rows, colWidths=col_widths, repeatRows=1)
    table.setStyle(TableStyle(_TABLE_BASE + [
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BOX]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _pull_quote(text: str, speaker: str, said: str | None, number_: int, st: dict[str, ParagraphStyle], width: float, m: Any) -> Flowable:
    body = [ScriptParagraph(str(m.quote_text(text)), st["quote"]), ScriptParagraph(str(m.quote_attribution(speaker, said, number_)), st["attrib"])]
    table = Table([[body]], colWidths=[width - 24])
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
        table = Table(rows, colWidths=[width * 0.18, width * 0.25, width * 0.19, width * 0.38], repeatRows=1)
        table.setStyle(TableStyle(_TABLE_BASE + [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BOX]),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))
        # the table may break across pages (its header repeats); the map and its legend stay together
        return [KeepTogether(parts), Spacer(1, 4), table, ScriptParagraph(_esc(locator.data_note), st["caption"]), Spacer(1, 6)]
    return [KeepTogether(parts), Spacer(1, 6)]

