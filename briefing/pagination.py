"""The page machinery of the PDF: margins, page furniture, and the rules that keep pages readable.

Why apart from ``pdf`` (which decides what goes into the brief, in what words): these are the
rules of paper, the same for any brief. Headings are kept with what follows them (``bind_headings``);
a block kept whole that does not fit in what is left of a page lets the text after it go first
(``Float``, ``sink_float``), as a newspaper does, so pages are not left part empty; a section starts
only above the last fifth of a page (``SectionStart``); a list is never split to leave one item alone
(``no_lone_items``); every page carries its handling marking, title and "Page X of Y" (``PageFurniture``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, Paragraph, Table

from .fonts import SANS, SANS_BOLD
from .glyphs import draw_string, string_width
from .words import as_of_words, utc_stamp

if TYPE_CHECKING:
    from .facts import Facts

MARGIN_X = 20 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 24 * mm
HANDLING = colors.HexColor("#8b0000")
RULE = colors.HexColor("#b0b7c3")
#: Printed at both ends of the marking bands of a draft (``draft: true``: gathered, not yet checked).
DRAFT_MARK = "DRAFT"


class Bookmark(Flowable):
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


class PageFurniture:
    """Handling marking at top and bottom, title and "Page X of Y" on every page.

    The total is known only after layout, so each page draws its footer line (title and "Page X of
    Y") as a form XObject named by its page number, and ``finish`` writes those forms when the
    canvas is saved (PDF resolves the names then): the brief is laid out once, not twice. The footer
    is plain text inside the form, so it copies and searches like the rest of the page.
    """

    def __init__(self, facts: "Facts", pagesize: tuple[float, float]):
        self.facts, self.pagesize = facts, pagesize
        self.pages = 0

    def draw(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        w, h = self.pagesize
        canv.saveState()
        handling = self.facts.handling
        # A draft (gathered, not yet checked by a person) says so at both ends of both marking bands.
        room = w - 2 * MARGIN_X - (2 * (string_width(DRAFT_MARK, SANS_BOLD, 9) + 4 * mm) if self.facts.draft else 0)
        size = font_size_to_fit(handling, SANS_BOLD, 9, room)
        handling = ellipsize(handling, SANS_BOLD, size, room)  # only a marking of wide characters
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
            title = ellipsize(f"{self.facts.title} \u2014 as of {as_of_words(self.facts.as_of, self.facts.as_of_day_only)}", SANS, 7.5, right - string_width(page_text, SANS, 7.5) - MARGIN_X - 10)
            draw_string(canv, MARGIN_X, 13 * mm, title, SANS, 7.5)
            canv.endForm()


def font_size_to_fit(text: str, font: str, size: float, width: float) -> float:
    while size > 5 and string_width(text, font, size) > width:
        size -= 0.25
    return size


def ellipsize(text: str, font: str, size: float, width: float) -> str:
    """``text``, cut short with an ellipsis if it is wider than ``width`` (binary search: few measurements)."""
    if string_width(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)  # the longest prefix that fits, with the ellipsis, is in [lo, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if string_width(text[:mid] + "\u2026", font, size) <= width else (lo, mid)
    return text[:lo].rstrip() + "\u2026"


class PdfCanvas(Canvas):
    """Fixes the PDF's creation and modification dates to ``as_of`` (determinism, honest dates), and
    calls ``before_save`` after the last page (the page furniture's footers are written then)."""

    def __init__(self, *args: Any, as_of: dt.datetime, before_save: Callable[[Canvas], None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        stamp = utc_stamp(as_of, "D:%Y%m%d%H%M%S+00'00'")
        self.setDateFormatter(lambda *_: stamp)
        self._before_save = before_save

    def save(self) -> None:
        if self._code:  # a page still open is finished first, as Canvas.save would
            self.showPage()
        self._before_save(self)
        super().save()


class SectionStart(CondPageBreak):
    """Where a section begins: a new page when less than ``height`` (a fifth of the page) is left."""


class Float(KeepTogether):
    """A block kept whole (a chart, the map and its table) that the text after it may pass.

    Why: a tall block that does not fit in what is left of a page would move to the next page and
    leave this one partly empty. As a newspaper does, the text that follows goes first and fills the
    page (``sink_float``); the block then starts the next page.
    """


def content_height(flowable: KeepTogether, width: float) -> float:
    return sum(f.wrap(width, 0xFFFFFF)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowable._content)


def sink_float(flowables: list[Flowable], frame: Frame) -> None:
    """Let the text after a float at the front of ``flowables`` pass it while the float does not fit.

    The next item passes when it fits in what is left of the page, or (to be split) while more than a
    quarter of the page is left; a section's start (heading and first item) passes as one, and only
    where a section may start. Never past another float (floats keep their order), and never for a
    float taller than a page (it is split where it stands).
    """
    if len(flowables) < 2 or not isinstance(flowables[0], Float):
        return
    left, page, width = frame._y - frame._y1p, frame._aH, frame._aW
    float_ = flowables[0]
    need = content_height(float_, width)
    if need <= left or need > page:
        return
    unit = 2  # the items before flowables[unit] pass together
    if isinstance(flowables[1], SectionStart):
        if left < flowables[1].height:
            return
        unit = 2  # past the section start: its bookmark and heading, kept with the section's first item
        while unit < len(flowables) - 1 and flowables[unit].getKeepWithNext():
            unit += 1
        unit += 1
    passing = flowables[1:unit]
    if len(flowables) < unit or any(isinstance(f, Float) for f in passing):
        return
    height = sum(f.wrap(width, page)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in passing)
    if height > left and (left <= page / 4 or not isinstance(passing[-1], Paragraph)):
        return  # it would not fit, and the page is full enough to end here (or the item cannot be split)
    flowables[0:len(passing) + 1] = [*passing, float_]


class TallRowTable(Table):
    """A table whose rows break inside only when one is taller than a whole page can hold.

    Why: reportlab moves a row that does not fit to the next page whole, so a row taller than a page
    (a place note or an indicator of 2,000 Chinese characters, one word of 2,000 letters) fits on no
    page and the build ends in LayoutError with no PDF. Letting every row break inside
    (``splitInRow``) would instead cut ordinary rows at the foot of a page, leaving a line or two
    alone; so a table is split inside a row only when splitting between rows failed and some row,
    with the header repeated above it, is taller than the page's frame: that row breaks across
    pages (its paragraphs line by line), everything else paginates as before.
    """

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.splitInRow = 0
        parts = super().split(availWidth, availHeight)
        if parts or not self._row_taller_than_page():
            return parts
        self.splitInRow = 1  # the least height either part of the row may have, in points
        try:
            return super().split(availWidth, availHeight)
        finally:
            self.splitInRow = 0

    def _row_taller_than_page(self) -> bool:
        """Whether a body row and the header repeated above it are taller than the whole frame
        (known only while the document lays out: the canvas names its document)."""
        frame = getattr(getattr(getattr(self, "canv", None), "_doctemplate", None), "frame", None)
        if frame is None:
            return False
        head = sum(self._rowHeights[:self.repeatRows])
        return any(head + h > frame._aH for h in self._rowHeights[self.repeatRows:])


def no_lone_items(items: list[Flowable], tail: int = 2) -> list[Flowable]:
    """A list of kept blocks (quotes) grouped so that a page break never leaves one item alone:
    the first two go together (with the heading before them) and so do the last ``tail`` (two
    items, or two and a note that closes the list)."""
    def together(group: list[Flowable]) -> KeepTogether:  # one level: a KeepTogether of KeepTogethers misjudges its height
        return KeepTogether([f for item in group for f in (item._content if isinstance(item, KeepTogether) else [item])])

    if len(items) <= tail + 1:
        return [together(items)]
    return [together(items[:2]), *items[2:-tail], together(items[-tail:])]


def bind_headings(story: list[Flowable]) -> list[Flowable]:
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
                flowable = type(flowable)([*lead, *flowable._content])
        out.append(flowable)
    return out
