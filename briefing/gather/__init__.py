"""Gathering: a draft facts file from the sources staff save (``--gather``).

    readers.py    one reader per format (web page, PDF, text/Markdown, RSS/Atom) behind one registry:
                  ``read_document(data, name) -> Document``; the provenance check reads saved copies
                  with the same readers
"""

from .readers import READERS, Document, Reader, date_in_text, find_dates, get_reader, read_document, register_reader, sniff_kind

__all__ = ["READERS", "Document", "Reader", "date_in_text", "find_dates", "get_reader", "read_document", "register_reader", "sniff_kind"]
