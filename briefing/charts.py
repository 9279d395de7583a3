"""Stage 2: charts that fit the data, as vector drawings in one house style.

Each chart is a frozen ``Chart`` value: a matplotlib figure drawn as a reportlab Drawing
(``vector.figure_to_drawing``) plus the words around it (title, caption, the sources it draws on).
The PDF stage scales the Drawing to the text width.

The kinds of chart form one closed registry, ``REGISTRY``: each ``ChartKind`` names the function
that draws it from the facts (returning no chart when the facts give it nothing to say), where it
goes in the brief (``place``: after which part) and what it needs. The PDF places every chart by
its ``place`` and refuses one it cannot place, so no chart is ever dropped silently.

How to add a chart kind:

1. write ``def my_charts(facts: Facts) -> list[Chart]`` that returns ``[]`` unless the facts hold
   something the chart tells better than a table; draw inside ``house_style()`` and finish with
   ``figure_to_drawing`` (the one path from matplotlib to the PDF), and cite what it draws in ``source_ids``;
2. add ``ChartKind("my-kind", place, "what it needs", my_charts)`` to ``REGISTRY``, with a place
   from ``PLACES``. Nothing else changes: ``build_charts`` and the PDF pick it up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import textwrap
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

from .facts import Event, Facts, KeyFigure, Series, moment
from .glyphs import drawable, needs_fallback, visual
from .labels import FONT_PT, LINE_IN, MARGIN_IN, TimelineLabel, anchor, inner_edge, level_pitch, place_labels, wrap_words
from .vector import ACCENT, ALERT, INK, figure_to_drawing, house_style
from .words import human_date, number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from reportlab.graphics.shapes import Drawing

#: Width of a chart on the page, in inches (A4 and Letter text widths both exceed it).
CHART_WIDTH_IN = 6.6
#: Rows per chart; more are split over several charts so every label stays readable.
BARS_PER_CHART = 20
#: Height of the rows of one chart, in inches: a chart and its caption must fit on one page.
MAX_ROWS_HEIGHT_IN = 7.0
LABEL_CHARS = 46
#: Sizes further apart than this factor cannot share a linear axis: the small bars would vanish.
MAGNITUDE_SPREAD = 1000
_T = TypeVar("_T")


#: Where a chart may go: after the statements of these parts of the brief (``series`` is the
#: "Numbers over time" part, ``figures`` follows the key-figures table).
PLACES = ("situation", "stakes", "series", "figures", "outlook")
#: Bar charts of figures need at least this many of one unit: two numbers are read faster in a table.
MIN_BARS = 3


@dataclass(frozen=True)
class Chart:
    kind: str  # a ChartKind name
    title: str
    caption: str
    drawing: Drawing  # at its natural size, one point per point
    source_ids: tuple[str, ...]
    place: str = ""  # set by build_charts from the chart's kind


def _columns(text: str) -> int:
    """Width in columns: East Asian wide characters take two, as they do on paper."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(text: str, width: int = LABEL_CHARS) -> str:
    """Wrap a label to ``width`` columns, breaking words (or ideographs) that are longer."""
    lines = []
    for line in textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=True) or [text]:
        while _columns(line) > width:
            cut = 1
            while cut < len(line) and _columns(line[: cut + 1]) <= width:
                cut += 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


def _labels(texts: Sequence[str], width: int) -> tuple[list[str], bool]:
    """Labels as drawn (visual order for right-to-left text, wrapped), and whether any needs a fallback font."""
    drawn = [_wrap(drawable(visual(t)), width) for t in texts]
    return drawn, any(needs_fallback(t) for t in drawn)


def _chunks(items: Sequence[_T], heights: Sequence[float], max_rows: int) -> list[list[_T]]:
    """Split rows over charts: at most ``max_rows`` (balanced) and ``MAX_ROWS_HEIGHT_IN`` per chart.

    Balanced so that 21 events make charts of 11 and 10 rows, not 20 and a lonely 1.
    """
    per_chart = math.ceil(len(items) / math.ceil(len(items) / max_rows)) if items else max_rows
    chunks: list[list[_T]] = []
    current: list[_T] = []
    height = 0.0
    for item, h in zip(items, heights):
        if current and (len(current) >= per_chart or height + h > MAX_ROWS_HEIGHT_IN):
            chunks.append(current)
            current, height = [], 0.0
        current.append(item)
        height += h
    if current:
        chunks.append(current)
    return chunks


#: At most this many events on one timeline chart; more are split over several charts.
TIMELINE_EVENTS_PER_CHART = 12
#: Columns a timeline label wraps at (whole words only; a word longer than this stays whole).
TIMELINE_LABEL_CHARS = 26


def timeline_charts(facts: Facts) -> list[Chart]:
    """A timeline: dated events on one line, each label above or below it on a leader line.

    Why this shape: a reader sees the order and the gaps in time at a glance. Labels alternate above
    and below the line and stack outwards where they would touch, so none overlaps another or a
    leader line; they wrap only between words. A date is drawn as what it is: a dot for a day, a ring
    for an approximate day, a bar for a range of days or for a month given only as a month. Items of
    ``kind: statement`` (someone said something) are not events: they are listed under the chart.
    """
    events = sorted((e for e in facts.events if e.kind == "event"), key=lambda e: (e.day, e.end, e.label))
    if not events:
        return []
    drawn = [piece for chunk in _balanced(events, TIMELINE_EVENTS_PER_CHART) for piece in _fitting_timelines(chunk)]
    chunks = [chunk for chunk, _ in drawn]
    charts = []
    for n, (chunk, drawing) in enumerate(drawn, start=1):
        part = f" (part {n} of {len(chunks)})" if len(chunks) > 1 else ""
        marks = ["A dot marks an exact date"]
        if any(e.approx and not (e.is_range or e.month_only) for e in chunk):
            marks.append("a ring an approximate one")
        if any(e.is_range for e in chunk):
            marks.append("a bar a range of days" + (" (paler where approximate)" if any(e.is_range and e.approx for e in chunk) else ""))
        if any(e.month_only for e in chunk):
            marks.append("a bar across a month where the source gives only the month")
        caption = (f"Dated events, {event_date(chunk[0])} to {event_date(max(chunk, key=lambda e: e.end))}{part}. "
                   + "; ".join(marks) + ".")
        charts.append(Chart(
            kind="timeline",
            title="Timeline of events" + part,
            caption=caption,
            drawing=drawing,
            source_ids=tuple(dict.fromkeys(e.source for e in chunk)),
        ))
    return charts


def _fitting_timelines(events: list[Event]) -> list[tuple[list[Event], Drawing]]:
    """Timelines of ``events`` no taller than ``MAX_ROWS_HEIGHT_IN``: a chart whose long labels stack
    too high is split in two halves (and again), so that it and its caption fit on a page."""
    drawing = _timeline_drawing(events)
    if drawing.height <= MAX_ROWS_HEIGHT_IN * 72 or len(events) == 1:
        return [(events, drawing)]
    half = len(events) // 2
    return _fitting_timelines(events[:half]) + _fitting_timelines(events[half:])


def _balanced(items: Sequence[_T], most: int) -> list[list[_T]]:
    """``items`` in runs of at most ``most``, as even as can be (21 make 11 and 10, not 20 and 1)."""
    count = math.ceil(len(items) / most)
    size = math.ceil(len(items) / count)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def event_date(event: Event) -> str:
    """The date of an event as the brief says it: "about 14 February 2023", "11-20 January 2023"."""
    about = "about " if event.approx else ""
    if event.month_only:
        return f"{about}{event.day:%B %Y}"
    if event.is_range:
        a, b = event.day, event.end
        if (a.year, a.month) == (b.year, b.month):
            return f"{about}{a.day}\u2013{b.day} {b:%B %Y}"
        if a.year == b.year:
            return f"{about}{a.day} {a:%B}\u2013{b.day} {b:%B %Y}"
        return f"{about}{human_date(a)}\u2013{human_date(b)}"
    return about + human_date(event.day)


def _timeline_drawing(events: list[Event]) -> Drawing:
    from matplotlib import dates as mdates  # here, not at the top: cached charts need no matplotlib
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    texts = [drawable(visual(f"{event_date(e)}\n{wrap_words(e.label, TIMELINE_LABEL_CHARS)}")) for e in events]
    fallback = any(needs_fallback(t) for t in texts)
    first, last = events[0].day, max(e.end for e in events)
    span = (last - first).days
    pad = max(1, round(span * 0.04)) if span >= 7 else 3  # days; counted as numbers, past 9999 too
    lo, hi = mdates.date2num(first) - pad, mdates.date2num(last) + 1 + pad
    inner = CHART_WIDTH_IN - 2 * MARGIN_IN

    def x_in(day: dt.date, days_after: int = 0) -> float:
        return MARGIN_IN + (mdates.date2num(day) + days_after - lo) / (hi - lo) * inner

    with house_style(fallback):
        import matplotlib

        prop = FontProperties(family=matplotlib.rcParams["font.family"], size=FONT_PT)
        measure = TextToPath()

        def text_width(text: str) -> float:
            return max(measure.get_text_width_height_descent(line, prop, ismath=False)[0] for line in text.split("\n")) / 72

        labels = []
        for e, text in zip(events, texts):
            mid = e.day + (e.end - e.day) / 2
            labels.append(TimelineLabel(x=x_in(mid), text=text, width=min(text_width(text) + 0.02, inner), lines=text.count("\n") + 1))
        place_labels(labels, CHART_WIDTH_IN)
        pitch = level_pitch(labels)

        def outer(side: int) -> float:
            levels = [lab.level for lab in labels if lab.side == side]
            return abs(inner_edge(side, max(levels), pitch)) + pitch if levels else (0.2 if side == 1 else 0.25)

        top, bottom = outer(1), outer(-1)
        height = top + bottom
        fig = MplFigure(figsize=(CHART_WIDTH_IN, height))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, CHART_WIDTH_IN)
        ax.set_ylim(-bottom, top)
        ax.axis("off")
        # the line and its date ticks
        ax.plot([MARGIN_IN, CHART_WIDTH_IN - MARGIN_IN], [0, 0], color=INK, linewidth=0.8, zorder=1)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
        locator.intervald[mdates.MONTHLY] = [1, 2, 3, 4, 6, 12]
        leaders = [lab.x for lab in labels if lab.side == -1]
        for tick in locator.tick_values(*(mdates.num2date(x) for x in _drawable(lo, hi))):
            if lo <= tick <= hi:
                tx = MARGIN_IN + (tick - lo) / (hi - lo) * inner
                ax.plot([tx, tx], [0, -0.04], color=INK, linewidth=0.6)
                words = _tick_date(mdates.num2date(tick).date(), span).replace("\n", " ")
                half = text_width(words) * 6 / FONT_PT / 2 + 0.03
                inside = half <= tx <= CHART_WIDTH_IN - half
                if inside and not any(abs(x - tx) < half for x in leaders):  # no leader line crosses a tick's words
                    ax.text(tx, -0.06, words, ha="center", va="top", fontsize=6, color="#555555")
        for e, lab in zip(events, labels):
            if e.is_range or e.month_only:
                ax.plot([x_in(e.day), x_in(e.end, 1)], [0, 0], color=ACCENT, linewidth=4.5,
                        alpha=0.45 if e.approx or e.month_only else 0.8, solid_capstyle="butt", zorder=2)
            elif e.approx:
                ax.plot([lab.x], [0], "o", markersize=5, markerfacecolor="white", markeredgecolor=ACCENT, markeredgewidth=1.2, zorder=3)
            else:
                ax.plot([lab.x], [0], "o", markersize=4.5, color=ACCENT, zorder=3)
            near = inner_edge(lab.side, lab.level, pitch)
            ax.plot([lab.x, anchor(lab.x, lab.left, lab.width)], [0, near], color="#8a96a6", linewidth=0.5, zorder=0)
            date, _, label = lab.text.partition("\n")
            if lab.side == 1:  # the date on top, the words under it, the whole resting on the level
                ax.text(lab.left, near, label, ha="left", va="bottom", fontsize=FONT_PT, linespacing=1.1, color=INK)
                ax.text(lab.left, near + (lab.lines - 1) * LINE_IN, date, ha="left", va="bottom",
                        fontsize=FONT_PT, fontweight="bold", color=ACCENT)
            else:
                ax.text(lab.left, near, date, ha="left", va="top", fontsize=FONT_PT, fontweight="bold", color=ACCENT)
                ax.text(lab.left, near - LINE_IN, label, ha="left", va="top", fontsize=FONT_PT, linespacing=1.1, color=INK)
        return figure_to_drawing(fig, fallback)


_Day = TypeVar("_Day", dt.date, dt.datetime)


def _month_after(d: _Day) -> _Day:
    """The first day of the month after ``d``'s (a datetime stays one)."""
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _drawable(lo: float, hi: float) -> tuple[float, float]:
    """``lo``-``hi`` (matplotlib day numbers) inside the calendar matplotlib can draw, years 1 to 9999:
    a margin round events or points at its ends would fall outside it (ValueError, no PDF)."""
    from matplotlib import dates as mdates

    return max(lo, mdates.date2num(dt.datetime(1, 1, 1))), min(hi, mdates.date2num(dt.datetime(9999, 12, 31)))


def _tick_date(day: dt.date, span_days: int) -> str:
    if span_days > 3 * 366:
        return str(day.year)
    if span_days > 120:
        return f"{day:%b %Y}"
    return f"{day.day} {day:%b}\n{day.year}"


def figure_charts(facts: Facts) -> list[Chart]:
    """Bar charts of comparable figures: those that share a stated unit, ``MIN_BARS`` or more of them.

    Figures in different units, or without a unit, are not comparable and are left to the
    key-figures table, and so are two figures alone: a table says as much. Sizes
    that differ by more than a thousandfold would leave the small bars invisible on a shared linear
    axis: when all are positive the axis is logarithmic; when some are zero or negative (which a
    logarithmic axis cannot show) the figures are split into panels by size, each with its own
    linear axis. The caption says which, so a reader does not compare bar lengths across panels.
    """
    units: dict[str, list[KeyFigure]] = {}
    for f in facts.figures:
        units.setdefault(f.unit or "", []).append(f)
    charts = []
    for unit, figs in units.items():
        if not unit or len(figs) < MIN_BARS:
            continue
        panels, log, scale_note = _panels(figs)
        approx_note = " Values marked 'about' are approximate." if any(f.approx for f in figs) else ""
        for p, panel in enumerate(panels, start=1):
            panel_words = ""
            if len(panels) > 1:
                top = max(abs(float(f.value)) for f in panel)
                panel_words = f" This is panel {p} of {len(panels)}: sizes up to {number(top)}."
            labels, _ = _labels([f.label for f in panel], 40)
            chunks = _chunks(panel, [_bar_row_in(lab.count("\n") + 1) for lab in labels], BARS_PER_CHART)
            for n, chunk in enumerate(chunks, start=1):
                suffix = (f", panel {p} of {len(panels)}" if len(panels) > 1 else "") + (
                    f" (part {n} of {len(chunks)})" if len(chunks) > 1 else "")
                charts.append(
                    Chart(
                        kind="figures",
                        title=f"Key figures ({unit}){suffix}",
                        caption=f"Figures reported in {unit}, as given by the sources."
                                f"{approx_note}{scale_note}{panel_words}",
                        drawing=_bars_drawing(chunk, log),
                        source_ids=tuple(dict.fromkeys(sid for f in chunk for sid in facts.figure_sources(f))),
                    )
                )
    return charts


def _panels(figs: list[KeyFigure]) -> tuple[list[list[KeyFigure]], bool, str]:
    """Group figures for drawing: (panels, logarithmic axis?, the sentence that explains the choice)."""
    sizes = [abs(float(f.value)) for f in figs if f.value != 0]
    if not sizes or max(sizes) / min(sizes) < MAGNITUDE_SPREAD:
        return [figs], False, ""
    if all(f.value > 0 for f in figs):
        return [figs], True, (" Values span more than three orders of magnitude, so the axis is logarithmic: "
                              "equal steps are tenfold increases.")
    order = sorted(range(len(figs)), key=lambda i: -abs(float(figs[i].value)))
    bands: list[list[int]] = []
    for i in order:
        size = abs(float(figs[i].value))
        if not bands or (size and size * MAGNITUDE_SPREAD < abs(float(figs[bands[-1][0]].value))):
            bands.append([i])
        else:
            bands[-1].append(i)  # zero joins the smallest sizes
    panels = [[figs[i] for i in sorted(band)] for band in bands]
    note = (f" Sizes differ by more than a thousandfold and include zero or negative values, which a "
            f"logarithmic axis cannot show, so the figures are drawn in {len(panels)} panels by size, each "
            "with its own linear scale: compare bars within a panel, not across panels.")
    return panels, False, note


def _bar_row_in(lines: int) -> float:
    return 0.2 + 0.12 * lines


#: Width of one character of a value label (7.5 pt DejaVu Sans digits), in inches.
_LABEL_CHAR_IN = 0.068
_AXES_LEFT, _AXES_WIDTH = 0.40, 0.56


def _bars_drawing(figs: list[KeyFigure], log: bool) -> Drawing:
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import FuncFormatter

    labels, fallback = _labels([f.label for f in figs], 40)
    row_in = [_bar_row_in(lab.count("\n") + 1) for lab in labels]
    height = sum(row_in) + 0.6
    values = [float(f.value) for f in figs]
    texts = [("about " if f.approx else "") + number(f.value) for f in figs]
    # Room inside the axes for the value labels, as a share of its width: they never reach the
    # category labels on the left or the edge of the chart on the right.
    axes_in = CHART_WIDTH_IN * _AXES_WIDTH
    right = max((len(t) * _LABEL_CHAR_IN + 0.1 for t, v in zip(texts, values) if v >= 0), default=0.0)
    left = max((len(t) * _LABEL_CHAR_IN + 0.1 for t, v in zip(texts, values) if v < 0), default=0.0)
    bars = max(axes_in - right - left, 0.25 * axes_in)
    with house_style(fallback):
        fig = MplFigure(figsize=(CHART_WIDTH_IN, height))
        ax = fig.add_axes((_AXES_LEFT, 0.45 / height, _AXES_WIDTH, 1 - 0.55 / height))
        ys, y = [], 0.0
        for h in row_in:
            ys.append(y + h / 2)
            y += h
        colors = [ALERT if v < 0 else ACCENT for v in values]
        if log:
            ax.set_xscale("log")
            low = math.floor(math.log10(min(values)) - 0.3)  # the smallest bar still shows
            decades = (math.log10(max(values)) - low) or 1.0
            ax.set_xlim(10.0 ** low, 10.0 ** (low + decades * axes_in / bars))
            ax.barh(ys, [v - 10.0 ** low for v in values], left=10.0 ** low, height=[h * 0.6 for h in row_in], color=colors)
        else:
            lo, hi = min(values + [0.0]), max(values + [0.0])
            span = (hi - lo) or 1.0
            per_in = span / bars
            ax.set_xlim(lo - (left * per_in if lo < 0 else 0), hi + right * per_in)
            ax.barh(ys, values, height=[h * 0.6 for h in row_in], color=colors)
            ax.axvline(0, color=INK, linewidth=0.8)
        ax.set_ylim(y, 0)
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=7.5)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
        ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
        ax.set_axisbelow(True)
        for text, yy, v in zip(texts, ys, values):
            ax.annotate(text, (v, yy), xytext=(4 if v >= 0 else -4, 0), textcoords="offset points",
                        ha="left" if v >= 0 else "right", va="center", fontsize=7.5, color=INK,
                        annotation_clip=False)
        ax.spines["left"].set_visible(False)
        return figure_to_drawing(fig, fallback)


def _short(v: float) -> str:
    a = abs(v)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= limit:
            return f"{v / limit:,.3g}{suffix}"
    if a and a < 0.01:
        return f"{v:.0e}"
    return f"{v:,.0f}" if float(v).is_integer() or a >= 10 else f"{v:g}"


#: Height of a time chart, in inches.
SERIES_HEIGHT_IN = 2.7
#: Length of one resampling period, for drawing a period's total as a step of that width.
_PERIOD = {"day": dt.timedelta(days=1), "week": dt.timedelta(weeks=1)}


def _period_end(start: dt.datetime, every: str) -> dt.datetime:
    """When the period that starts at ``start`` ends; the calendar's last day for one that would end
    after 9999 (a month total of December 9999 is drawn up to its 31st)."""
    try:
        return _month_after(start) if every == "month" else start + _PERIOD[every]
    except OverflowError:
        return dt.datetime(9999, 12, 31)


def _when_words(value: dt.date | dt.datetime) -> str:
    return human_date(value) + (f" {value:%H:%M}" if isinstance(value, dt.datetime) else "")


def _totals(series: Series) -> bool:
    """Whether each point is the total of a period (drawn as steps) rather than a level (a line)."""
    return series.every is not None and (series.value == "count" or series.agg == "sum")


def series_charts(facts: Facts) -> list[Chart]:
    """Time charts: how each series moved, with the brief's events marked where they fall.

    Series of one unit and period share a chart (one axis means one unit); series in different units
    or periods get charts of their own, never a second y axis. Period totals (``every`` with ``sum``
    or ``count``) are steps a period wide, levels are lines. The y axis starts at zero when no value
    is negative, so the height of a line is honest; the peak is labelled; events inside the dates
    drawn are numbered on the chart and named in the caption. The caption states the period and the
    first, highest and latest values, so it is also the chart's text alternative (the preview's alt text).
    """
    groups: dict[tuple[str, str], list[Series]] = {}
    for series in facts.series:
        if series.points:
            groups.setdefault((series.unit or "", series.every or ""), []).append(series)
    charts = []
    for (unit, every), group in groups.items():
        start = min(moment(s.points[0].date) for s in group)
        end = max(_end_of_series(s) for s in group)
        events = [e for e in sorted(facts.events, key=lambda e: (e.day, e.label)) if start <= moment(e.day) <= end]
        title = group[0].label if len(group) == 1 else f"{unit.capitalize() or 'Values'} over time" + (f", per {every}" if every else "")
        parts = []
        for s in group:
            peak = max(s.points, key=lambda p: p.value)
            kind = f"totals per {s.every}" if _totals(s) else (f"{s.agg} per {s.every}" if s.every else "values as dated")
            named = f"{s.label}: " if len(group) > 1 else ""  # one series: the title already names it
            parts.append(f"{named}{len(s.points):,} {kind}, {_when_words(s.points[0].date)} to "
                         f"{_when_words(s.points[-1].date)}; first {number(s.points[0].value)}, highest {number(peak.value)}{' ' + unit if unit else ''} "
                         f"({_when_words(peak.date)}), latest {number(s.points[-1].value)}.")
        if events:
            parts.append("Events marked: " + "; ".join(f"{n} = {e.label} ({event_date(e)})" for n, e in enumerate(events, start=1)) + ".")
        charts.append(Chart(
            kind="series",
            title=title,
            caption=" ".join(parts),
            drawing=_series_drawing(group, unit, events, start, end),
            source_ids=tuple(dict.fromkeys(sid for s in group for sid in s.cites())),
        ))
    return charts


def _end_of_series(series: Series) -> dt.datetime:
    last = moment(series.points[-1].date)
    return _period_end(last, series.every) if _totals(series) else last


def _series_drawing(group: list[Series], unit: str, events: list[Event], start: dt.datetime, end: dt.datetime) -> Drawing:
    from matplotlib import dates as mdates  # here, not at the top: cached charts need no matplotlib
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import FuncFormatter

    labels, fallback = _labels([s.label for s in group], 60)
    (unit_label,), unit_fallback = _labels([unit], 30)
    fallback = fallback or unit_fallback
    with house_style(fallback):
        fig = MplFigure(figsize=(CHART_WIDTH_IN, SERIES_HEIGHT_IN))
        ax = fig.add_axes((0.11, 0.16, 0.86, 0.72 if len(group) == 1 else 0.62))
        lowest = min(p.value for s in group for p in s.points)
        peaks: list[tuple[str, float, float]] = []  # each series' peak label, where it goes
        for s, label in zip(group, labels):
            xs = [moment(p.date) for p in s.points]
            ys = [float(p.value) for p in s.points]
            if _totals(s):
                edges = mdates.date2num(xs + [_period_end(xs[-1], s.every)])  # type: ignore[arg-type]
                ax.stairs(ys, edges, label=label, linewidth=1.4, baseline=None)
            else:
                ax.plot(xs, ys, label=label, marker="o" if len(xs) <= 40 else None, markersize=3)
            peak = max(range(len(ys)), key=lambda k: ys[k])
            x_peak = mdates.date2num(xs[peak]) + ((edges[peak + 1] - edges[peak]) / 2 if _totals(s) else 0)
            peaks.append((number(s.points[peak].value), x_peak, ys[peak]))
        if lowest >= 0:
            ax.set_ylim(bottom=0)
        top = ax.get_ylim()[1]
        ax.set_ylim(top=top * 1.12 if top > 0 else top)
        span = mdates.date2num(end) - mdates.date2num(start)
        pad = span * 0.02 or 0.5
        ax.set_xlim(*_drawable(mdates.date2num(start) - pad, mdates.date2num(end) + pad))
        for words, x, y in peaks:
            ax.annotate(words, (x, y), xytext=(0, 4), textcoords="offset points", ha=_inside(ax, x, words, 7),
                        va="bottom", fontsize=7, color=INK, annotation_clip=False)
        xs_events = [mdates.date2num(moment(event.day)) for event in events]
        for x in xs_events:
            ax.axvline(x, color=ALERT, linewidth=0.8, linestyle=(0, (3, 2)), zorder=0)
        points_per_day = CHART_WIDTH_IN * 72 * 0.86 / (span + 2 * pad)
        for numbers, x in _event_marks(xs_events, points_per_day):
            ax.annotate(numbers, (x, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7, color=ALERT, fontweight="bold", annotation_clip=False)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
        if unit:
            ax.set_ylabel(unit_label, fontsize=7.5)
        ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
        ax.set_axisbelow(True)
        if len(group) > 1:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.04), ncol=min(len(group), 3), fontsize=7, frameon=False)
        return figure_to_drawing(fig, fallback)


def _inside(ax: "Axes", x: float, words: str, size: float) -> str:
    """How to align a label above data point ``x`` so that it stays inside the axes: centred, or
    starting (ending) at the point near the left (right) edge. Centred over a peak at the first
    point, "28,000" ran out over the y axis onto its tick label "30k"."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width_pt = TextToPath().get_text_width_height_descent(words, FontProperties(size=size), ismath=False)[0]
    axes_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
    lo, hi = ax.get_xlim()
    at = (x - lo) / (hi - lo) * axes_pt
    if at - width_pt / 2 < 0:
        return "left"
    return "right" if at + width_pt / 2 > axes_pt else "center"


#: Closer than this (points on the page), event numbers share one label ("1,2") instead of printing over each other.
EVENT_LABEL_GAP_PT = 12.0


def _event_marks(xs: list[float], points_per_day: float) -> list[tuple[str, float]]:
    """Event numbers (1-based, in date order) and where to print them: events whose lines fall within
    ``EVENT_LABEL_GAP_PT`` of the previous one's are named together above the first of them."""
    marks: list[tuple[list[int], float, float]] = []  # numbers, where printed, the group's last x
    for n, x in enumerate(xs, start=1):
        if marks and (x - marks[-1][2]) * points_per_day < EVENT_LABEL_GAP_PT:
            marks[-1][0].append(n)
            marks[-1] = (marks[-1][0], marks[-1][1], x)
        else:
            marks.append(([n], x, x))
    return [(",".join(map(str, numbers)) if len(numbers) < 3 else f"{numbers[0]}\u2013{numbers[-1]}", x)
            for numbers, x, _ in marks]


@dataclass(frozen=True)
class ChartKind:
    """One kind of chart: its name, where it goes, what it needs, and the function that draws it."""

    name: str
    place: str
    needs: str
    make: Callable[[Facts], list[Chart]]

    def __post_init__(self) -> None:
        if self.place not in PLACES:
            raise ValueError(f"chart kind {self.name}: place {self.place!r} is not one of {', '.join(PLACES)}")


REGISTRY: tuple[ChartKind, ...] = (
    ChartKind("timeline", "situation", "dated events", timeline_charts),
    ChartKind("series", "series", "one or more series (numbers over time)", series_charts),
    ChartKind("figures", "figures", f"{MIN_BARS} or more figures in one stated unit", figure_charts),
)


def build_charts(facts: Facts, registry: Sequence[ChartKind] = REGISTRY) -> list[Chart]:
    """Every chart the facts call for, kind by kind in registry order, each told where it goes."""
    return [dataclasses.replace(chart, kind=kind.name, place=kind.place) for kind in registry for chart in kind.make(facts)]
