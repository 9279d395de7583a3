"""briefing: curated, sourced facts in; a printable, paginated PDF situation brief out.

The pipeline, one module per stage:

    facts.py    load and validate a facts file into frozen, typed values
    charts.py   charts that fit the data;  map/  the locator map
    words.py    the words, from jinja2 templates
    pdf.py      the paginated PDF
    build.py    the stages in order: ``build_brief(path) -> bytes``
    mail.py     distribution by email;  editions.py  scheduled regeneration
"""

__version__ = "0.1.0"

from .build import BuildOptions, build_brief  # noqa: E402
from .errors import BriefingError, FactsError  # noqa: E402
from .facts import load_facts  # noqa: E402

__all__ = ["__version__", "build_brief", "BuildOptions", "load_facts", "BriefingError", "FactsError"]
