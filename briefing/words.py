"""Stage 3: the words of the brief, from jinja2 templates in ``templates/``.

Why templates: the phrasing of a brief ("about 4,500 people", the date-time group line, captions) is
edited by people who should not need to read the PDF code. Autoescaping is on and undefined names
fail loudly (``StrictUndefined``), so facts text is always data: ``<b>`` or ``{{ 7*7 }}`` in a facts
file prints literally, and a template typo is an error rather than a blank.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded by the first template used: --check and an unchanged rerun render none
    import jinja2

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@functools.cache
def environment(escape: bool = True) -> jinja2.Environment:
    """The templates' environment; ``escape=False`` only for plain-text output (a mail's text body),
    where ``&`` must stay ``&`` and no markup is interpreted anyway.

    Compiled templates are remembered in the briefing cache (jinja2's bytecode cache, checked against
    each template's source, so an edited template is compiled again), or found in the installation's
    (``briefing.prepare``): compiling ``brief.j2`` costs a fresh process 27-50 ms, loading it 1 ms.
    """
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        bytecode_cache=_bytecode_cache(f"escape{int(escape)}-%s.cache"),
        autoescape=escape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@functools.cache
def _bytecode_cache_class() -> type:
    import jinja2

    from .cache import install_dir

    class Cache(jinja2.FileSystemBytecodeCache):
        """jinja2's file cache in the briefing cache's folder as it is now (``XDG_CACHE_HOME`` may change
        in a long-running process); written only into a cache that builds already use (a ``--no-cache``
        build on an empty cache creates none), and skipped, not fatal, where it cannot be written."""

        def _get_cache_filename(self, bucket: jinja2.bccache.Bucket) -> str:
            from .cache import cache_dir

            return str(cache_dir() / "templates" / (self.pattern % (bucket.key,)))

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            """The user's cache first, then the installation's (``briefing.prepare`` compiled the templates)."""
            super().load_bytecode(bucket)
            if bucket.code is None and (base := install_dir()) is not None:
                try:
                    with open(base / "templates" / (self.pattern % (bucket.key,)), "rb") as fh:
                        bucket.load_bytecode(fh)
                except OSError:
                    pass

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            from .cache import cache_dir

            if not cache_dir().is_dir():
                return
            try:
                (cache_dir() / "templates").mkdir(exist_ok=True, mode=0o700)
                super().dump_bytecode(bucket)
            except OSError:
                pass

    return Cache


def _bytecode_cache(pattern: str) -> Any:
    """The cache for ``environment``; its class is made on first use (jinja2 loads with the first template)."""
    from .cache import cache_dir

    return _bytecode_cache_class()(str(cache_dir() / "templates"), pattern)


@functools.cache
def macros(name: str) -> Any:
    """The macros of one template (``brief.j2``), callable from Python."""
    return environment().get_template(name).module


def render(name: str, escape: bool = True, **context: Any) -> str:
    """Render a whole template (mail bodies) with the given values."""
    return environment(escape).get_template(name).render(**context)


def date_time_group(when: dt.datetime) -> str:
    """Military date-time group in UTC, such as ``011800Z MAR 23``."""
    utc = when.astimezone(dt.timezone.utc)
    return f"{utc:%d%H%M}Z {utc:%b %y}".upper()


def as_of_words(when: dt.datetime, day_only: bool = False) -> str:
    """When a brief is current, as it prints: the date-time group, or the date alone when no time is
    known (``as_of: 2023-03-01``): no hour is invented."""
    return human_date(when.date()) if day_only else date_time_group(when)


def as_of_iso(when: dt.datetime, day_only: bool = False) -> str:
    return when.date().isoformat() if day_only else iso(when)


def horizon(value: str) -> tuple[str, str]:
    """An estimate's time frame as ("date", "31 March 2023") or ("period", "30 days")."""
    try:
        return "date", human_date(dt.date.fromisoformat(value))
    except ValueError:
        return "period", value


def iso(when: dt.datetime) -> str:
    return utc_stamp(when, "%Y-%m-%dT%H:%M:%SZ")


def utc_stamp(when: dt.datetime, fmt: str) -> str:
    """``when`` in UTC by ``fmt``, the year always in four digits (strftime writes the year 1 as "1",
    so an edition of 0001-01-01 was named 10101 and sorted after 9999's)."""
    utc = when.astimezone(dt.timezone.utc)
    return utc.strftime(fmt.replace("%Y", f"{utc.year:04d}"))


def human_date(value: str | dt.date) -> str:
    """``2023-03-01`` -> ``1 March 2023``; ``2023-01`` -> ``January 2023``."""
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 2:
        return f"{dt.date(parts[0], parts[1], 1):%B %Y}"
    return human_date(dt.date(*parts))


def number(value: float) -> str:
    """Thousands separators; no spurious decimals (4500 -> 4,500; 12.50 -> 12.5)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{value:.3g}"


_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))


def amount(value: float) -> str:
    """A figure as a reader says it: ``9600000000`` -> ``9.6 billion``; smaller ones as ``number`` does.

    Why: a twelve-digit number wraps in a table cell and is misread by a power of ten. Words are used
    only when they keep the value exact (at most three decimals of the scale), never to round it.
    """
    for scale, name in _SCALES:
        if abs(value) >= scale:
            scaled = value / scale
            if abs(round(scaled, 3) * scale - value) <= abs(value) * 1e-12:
                return f"{number(round(scaled, 3))} {name}"
            break
    return number(value)
