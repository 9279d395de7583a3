"""briefing: curated, sourced facts in; a printable, paginated PDF situation brief out.

The pipeline, one module per stage:

    files.py    read a facts file and the files it names (bounded, confined, strict YAML)
    facts.py    the model: the frozen, typed values a facts file becomes
    validate/   load and check a facts file into those values (schema, cross-checks, data, warnings)
    charts.py   charts that fit the data;  map/  the locator map
    words.py    the words, from jinja2 templates
    pdf.py      the paginated PDF
    build.py    the stages in order: ``build_brief(path) -> bytes``
    editions.py the ledger of editions (manifest, locks, fingerprints);  changes.py  what changed since the last
    mail.py     distribution by email;  schedule.py  scheduled regeneration
"""

from typing import TYPE_CHECKING, Any

from .build import BuildOptions, build_brief
from .errors import BriefingError, FactsError
from .version import __version__

if TYPE_CHECKING:
    from .validate import load_facts

__all__ = ["__version__", "build_brief", "BuildOptions", "load_facts", "BriefingError", "FactsError"]


def __getattr__(name: str) -> Any:
    """``briefing.load_facts`` on first use: validation imports pydantic, which a run that finds
    nothing changed never needs (``editions.reuse_current``)."""
    if name == "load_facts":
        from .validate import load_facts

        return load_facts
    raise AttributeError(f"module 'briefing' has no attribute {name!r}")
