"""Stage 2: charts that fit the data, as vector drawings in one house style.

Each chart is a frozen ``Chart`` value: the SVG of a matplotlib figure plus the words around it
(title, caption, the sources it draws on). The PDF stage turns the SVG into a reportlab Drawing.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import Counter
from dataclasses import dataclass

import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import FuncFormatter

from .facts import Event, Facts, Figure
from .vector import ACCENT, ALERT, INK, figure_to_svg, house_style

#: Width of a chart on the page, in inches (A4 and Letter text widths both exceed it).
CHART_WIDTH_IN = 6.6
#: Events per timeline chart; more are split over several charts so every label stays readable.
EVENTS_PER_CHART = 20
LABEL_CHARS = 46


@dataclass(frozen=True)
class Chart:
    kind: str  # "timeline" | "figures"
    title: str
    caption: str
    svg: bytes
    source_ids: tuple[str, ...]


def _fmt_number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _wrap(text: str, width: int = LABEL_CHARS) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=True)) or text


def timeline_charts(facts: Facts) -> list[Chart]:
    """A Gantt-style timeline: one row per event, label on the left, its date on a shared axis.

    One row per event means labels can never overlap, however the events cluster in time; month-only
    dates are drawn as a bar across the month, so the chart is honest about their precision.
    """
    events = sorted(facts.events, key=lambda e: (e.day, e.label))
    if not events:
        return []
    chunks = [events[i : i + EVENTS_PER_CHART] for i in range(0, len(events), EVENTS_PER_CHART)]
    charts = []
    for n, chunk in enumerate(chunks, start=1):
        part = f" (part {n} of {len(chunks)})" if len(chunks) > 1 else ""
        first, last = chunk[0].day, _end_of(chunk[-1])
        caption = (
            f"Dated events, {_human_date(chunk[0])} to {_human_date(chunk[-1])}{part}. "
            "A dot marks an exact date; a bar spans a month where the source gives only the month."
        )
        charts.append(
            Chart(
                kind="timeline",
                title="Timeline of events" + part,
                caption=caption,
                svg=_timeline_svg(chunk, first, last),
                source_ids=tuple(dict.fromkeys(e.source for e in chunk)),
            )
        )
    return charts


def _end_of(event: Event) -> dt.date:
    if not event.month_only:
        return event.day
    d = event.day
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _human_date(event: Event) -> str:
    d = event.day
    return d.strftime("%B %Y") if event.month_only else f"{d.day} {d.strftime('%B %Y')}"


def _timeline_svg(events: list[Event], first: dt.date, last: dt.date) -> bytes:
    labels = [_wrap(e.label) for e in events]
    lines = [lab.count("\n") + 1 for lab in labels]
    row_in = [0.16 + 0.12 * n for n in lines]
    height = sum(row_in) + 0.75
    span = max((last - first).days, 1)
    pad = dt.timedelta(days=max(1, round(span * 0.06)))
    with house_style():
        fig = MplFigure(figsize=(CHART_WIDTH_IN, height))
        ax = fig.add_axes((0.45, 0.55 / height, 0.52, 1 - 0.7 / height))
        y = 0.0
        ys = []
        for event, h in zip(events, row_in):
            mid = y + h / 2
            ys.append(mid)
            if event.month_only:
                ax.barh(mid, (_end_of(event) - event.day).days + 1, left=event.day, height=min(h * 0.45, 0.12),
                        color=ACCENT, alpha=0.35, edgecolor=ACCENT, linewidth=0.8)
            else:
                ax.plot([event.day], [mid], "o", color=ACCENT, markersize=4.5, zorder=3)
            ax.axhline(mid, color="#dddddd", linewidth=0.5, zorder=0)
            y += h
        ax.set_ylim(y, 0)
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=7.5, linespacing=1.1)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(first - pad, last + pad)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick_date(mdates.num2date(v).date(), span)))
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
        ax.set_axisbelow(True)
        return figure_to_svg(fig)


def _tick_date(day: dt.date, span_days: int) -> str:
    if span_days > 3 * 366:
        return str(day.year)
    if span_days > 120:
        return f"{day:%b %Y}"
    return f"{day.day} {day:%b}\n{day.year}"


def figure_charts(facts: Facts) -> list[Chart]:
    """Bar charts of comparable figures: those that share a unit, two or more of them.

    Figures in different units are not comparable and are left to the key-figures table.
    """
    if not facts.figures:
        return []
    frame = pd.DataFrame(
        [{"id": f.id, "label": f.label, "value": float(f.value), "unit": f.unit or "", "figure": f} for f in facts.figures]
    )
    charts = []
    counts = Counter(frame["unit"])
    for unit, group in frame.groupby("unit", sort=False):
        if counts[unit] < 2:
            continue
        figs: list[Figure] = list(group["figure"])
        values = group["value"].to_numpy()
        positive = values[values > 0]
        log = bool(len(positive) == len(values) and positive.max() / positive.min() >= 1000)
        unit_words = f" ({unit})" if unit else ""
        scale_note = (
            " Values span more than three orders of magnitude, so the axis is logarithmic: "
            "equal steps are tenfold increases."
            if log
            else ""
        )
        approx_note = " Values marked 'about' are approximate." if any(f.approx for f in figs) else ""
        title = f"Key figures{unit_words}"
        caption = f"Figures reported in {unit or 'the same unit'}, as given by the sources.{approx_note}{scale_note}"
        charts.append(
            Chart(
                kind="figures",
                title=title,
                caption=caption,
                svg=_bars_svg(figs, log),
                source_ids=tuple(dict.fromkeys(f.source for f in figs)),
            )
        )
    return charts


def _bars_svg(figs: list[Figure], log: bool) -> bytes:
    labels = [_wrap(f.label, 40) for f in figs]
    lines = [lab.count("\n") + 1 for lab in labels]
    row_in = [0.2 + 0.12 * n for n in lines]
    height = sum(row_in) + 0.6
    values = [float(f.value) for f in figs]
    with house_style():
        fig = MplFigure(figsize=(CHART_WIDTH_IN, height))
        ax = fig.add_axes((0.40, 0.45 / height, 0.45, 1 - 0.55 / height))
        ys, y = [], 0.0
        for h in row_in:
            ys.append(y + h / 2)
            y += h
        colors = [ALERT if v < 0 else ACCENT for v in values]
        ax.barh(ys, values, height=[h * 0.6 for h in row_in], color=colors)
        ax.set_ylim(y, 0)
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=7.5)
        ax.tick_params(axis="y", length=0)
        if log:
            ax.set_xscale("log")
        lo, hi = min(values + [0.0]), max(values + [0.0])
        if not log:
            span = (hi - lo) or 1.0
            ax.set_xlim(lo - (0.02 * span if lo < 0 else 0), hi + 0.02 * span)
            ax.axvline(0, color=INK, linewidth=0.8)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
        ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
        ax.set_axisbelow(True)
        for f, yy, v in zip(figs, ys, values):
            text = ("about " if f.approx else "") + _fmt_number(f.value)
            ax.annotate(text, (v, yy), xytext=(4 if v >= 0 else -4, 0), textcoords="offset points",
                        ha="left" if v >= 0 else "right", va="center", fontsize=7.5, color=INK,
                        annotation_clip=False)
        ax.spines["left"].set_visible(False)
        return figure_to_svg(fig)


def _short(v: float) -> str:
    a = abs(v)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= limit * 10:
            return f"{v / limit:,.0f}{suffix}"
    if a and a < 0.01:
        return f"{v:.0e}"
    return f"{v:,.0f}" if float(v).is_integer() or a >= 10 else f"{v:g}"


def build_charts(facts: Facts) -> list[Chart]:
    """All charts for a brief: the timeline(s) first, then the comparable-figure bars."""
    return timeline_charts(facts) + figure_charts(facts)

