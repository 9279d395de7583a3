"""Gathering: a draft facts file from the sources staff save (``--gather``).

    readers.py    one reader per format (web page, PDF, text/Markdown, RSS/Atom) behind one registry:
                  ``read_document(data, name) -> Document``; the provenance check reads saved copies
                  with the same readers
    extract.py    the candidates one Document offers a draft (places, quotes, figures, events,
                  statements), each a span of its text: ``extract(doc) -> Candidates``
    draft.py      reading or fetching the sources, saving them, writing or adding to the draft:
                  ``gather(sources, out) -> Gathered``
"""

import importlib
from typing import Any

from . import readers
from .readers import READERS, Document, Reader, date_in_text, find_dates, get_reader, read_document, register_reader, sniff_kind

__all__ = ["READERS", "Document", "Reader", "date_in_text", "draft", "extract", "find_dates", "get_reader",
           "read_document", "readers", "register_reader", "sniff_kind"]


def __getattr__(name: str) -> Any:
    """``briefing.gather.draft`` and ``.extract`` on first use: a check that only reads saved copies
    needs the readers, not the fetching (urllib) and writing of a gather."""
    if name in ("draft", "extract"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
