"""Reportlab drawings to bytes and back, for the drawing cache: fast to load, unable to run code.

Why pickle: a drawing is a tree of plain reportlab shapes, and unpickling it takes milliseconds where
parsing the SVG again takes a tenth of a second or more. Why safe: the unpickler builds only the
classes listed here - reportlab's shapes, colours and attribute checks - and refuses anything else.
svglib's two Path subclasses are stored as the equivalent classes below, so loading a drawing does not
import svglib (and lxml) at all.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from reportlab.graphics.shapes import Drawing, Path

_SAFE_MODULES = ("reportlab.graphics.shapes", "reportlab.lib.colors", "reportlab.lib.attrmap", "reportlab.lib.validators")
_SAFE_BUILTINS = {("builtins", "set"), ("builtins", "frozenset"), ("builtins", "list"), ("builtins", "tuple"),
                  ("builtins", "dict"), ("copyreg", "_reconstructor")}


class NoStrokePath(Path):
    """svglib's NoStrokePath: a filled shape from an unclosed path, never stroked."""

    def getProperties(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        props: dict[str, Any] = super().getProperties(*args, **kwargs)
        if "strokeWidth" in props:
            props["strokeWidth"] = 0
        if "strokeColor" in props:
            props["strokeColor"] = None
        return props


class ClippingPath(Path):
    """svglib's ClippingPath: a clipping region, neither filled nor stroked."""

    def getProperties(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        props: dict[str, Any] = Path.getProperties(self, *args, **kwargs)
        if "fillColor" in props:
            props["fillColor"] = None
        if "strokeColor" in props:
            props["strokeColor"] = None
        return props


_EQUIVALENT = {"NoStrokePath": NoStrokePath, "ClippingPath": ClippingPath}


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        if cls.__module__ == "svglib.svglib" and cls.__name__ in _EQUIVALENT:
            return _rebuild, (cls.__name__, obj.__dict__)
        return NotImplemented


def _rebuild(kind: str, state: dict[str, Any]) -> Path:
    path = _EQUIVALENT[kind].__new__(_EQUIVALENT[kind])
    path.__dict__.update(state)
    return path


class _Unpickler(pickle.Unpickler):
    """Builds only drawing classes: a cache entry is data, never code."""

    def find_class(self, module: str, name: str) -> Any:
        if module in _SAFE_MODULES or (module, name) in _SAFE_BUILTINS or (module == __name__ and name in ("_rebuild", *_EQUIVALENT)):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cached drawing")


def dump_drawing(drawing: Drawing) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(drawing)
    return buf.getvalue()


def load_drawing(payload: bytes) -> Drawing:
    drawing = _Unpickler(io.BytesIO(payload)).load()
    if not isinstance(drawing, Drawing):
        raise pickle.UnpicklingError("a cached drawing is not a Drawing")
    return drawing
