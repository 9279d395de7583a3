"""Drawn parts (reportlab drawings with the words around them) to bytes and back, for the drawing cache.

Why pickle: a drawing is a tree of plain reportlab shapes, and unpickling it takes milliseconds where
drawing the figure again takes a tenth of a second or more. Why safe: the unpickler builds only the
classes listed here - reportlab's shapes, colours and attribute checks, and plain containers - and
refuses anything else, so a cache entry is data, never code.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

_SAFE_MODULES = ("reportlab.graphics.shapes", "reportlab.lib.colors", "reportlab.lib.attrmap", "reportlab.lib.validators")
_SAFE_BUILTINS = {("builtins", "set"), ("builtins", "frozenset"), ("builtins", "list"), ("builtins", "tuple"),
                  ("builtins", "dict"), ("copyreg", "_reconstructor")}


class _Unpickler(pickle.Unpickler):
    """Builds only drawing classes and plain containers: a cache entry is data, never code."""

    def find_class(self, module: str, name: str) -> Any:
        if module in _SAFE_MODULES or (module, name) in _SAFE_BUILTINS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cached drawing")


def dump_part(value: Any) -> bytes:
    """``value`` - drawings inside lists, tuples and dicts of strings and numbers - as bytes."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def load_part(payload: bytes) -> Any:
    """What ``dump_part`` stored; raises ``pickle.UnpicklingError`` for anything but drawings and plain data."""
    return _Unpickler(io.BytesIO(payload)).load()
