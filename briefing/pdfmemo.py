"""What a process that builds again need not redo: compressed streams, parsed paragraphs, formatted paths.

Why: the preview, ``--every`` and a batch's workers build in one process again and again, mostly the
same pages (font subsets, the map from the drawing cache, unchanged paragraphs). reportlab does each
of these from scratch in every build; here each is remembered by its content (never by object
identity: a cached map is loaded anew for each build, styles are made anew), so the PDF bytes stay
exactly reportlab's. Measured on the example's warm build: compressing streams was a sixth of it,
formatting the map's 15,000 path points a fifth, parsing paragraph markup a tenth.
"""

from __future__ import annotations

import functools
import zlib
from collections import OrderedDict
from types import SimpleNamespace
from typing import Any

from reportlab.graphics.renderPDF import _PDFRenderer
from reportlab.graphics.renderbase import renderScaledDrawing
from reportlab.graphics.shapes import Drawing, Path, _renderPath
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.pathobject import PDFPathObject
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaParser
from reportlab.rl_config import _unset_


# --------------------------------------------------------------------------------------------------
# Compressed streams
# --------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _deflate(data: bytes) -> bytes:
    return zlib.compress(data)


def _flate_encode(text: str | bytes) -> bytes:
    """reportlab's Flate filter, remembering its last 64 streams (font subsets, unchanged pages)."""
    return _deflate(text.encode("utf8") if isinstance(text, str) else bytes(text))


pdfdoc.PDFZCompress.encode = _flate_encode  # the one filter instance every stream of reportlab's shares


# --------------------------------------------------------------------------------------------------
# Parsed paragraphs
# --------------------------------------------------------------------------------------------------

_PARSED: OrderedDict[tuple[Any, ...], tuple[str, list[Any], list[Any] | None]] = OrderedDict()
_PARSED_MAX = 4096


def parsed_paragraph(text: str, style: Any) -> tuple[str, Any, list[Any], list[Any] | None]:
    """What ``Paragraph._setup`` makes of ``text`` in ``style``: the cleaned text, the style, the
    fragments and the bullet's fragments (None without a ``<bullet>``), parsed once for the same
    text in a style of the same values. Each call gets fragments of its own (clones: platypus marks
    them while breaking lines), so no two paragraphs share one."""
    key = (text, *(kv for kv in style.__dict__.items() if kv[0] != "parent"))
    hit = _PARSED.get(key)
    if hit is None:
        clean = cleanBlockQuotedText(text)
        parser = ParaParser()
        parser.caseSensitive = 1
        out_style, frags, bullet = parser.parse(clean, style)
        if frags is None:
            raise ValueError(f"xml parser error ({parser.errors[0]}) in paragraph beginning\n'{clean[:30]}'")
        textTransformFrags(frags, out_style)
        if out_style is not style:  # a <para> tag made a style of its own: not for another paragraph
            return clean, out_style, frags, bullet or None
        hit = _PARSED[key] = (clean, frags, bullet or None)
        if len(_PARSED) > _PARSED_MAX:
            _PARSED.popitem(last=False)
    else:
        _PARSED.move_to_end(key)
    clean, frags, bullet = hit
    return clean, style, [f.clone() for f in frags], bullet and [f.clone() for f in bullet]


# --------------------------------------------------------------------------------------------------
# Formatted paths
# --------------------------------------------------------------------------------------------------

class MemoDrawing(Drawing):
    """A Drawing that platypus draws with ``_MemoRenderer`` (reportlab's ``Drawing.draw``, renderer swapped)."""

    def draw(self, showBoundary: Any = _unset_) -> None:
        shown = showBoundary if showBoundary is not _unset_ else getattr(self, "_showBoundary", _unset_)
        _MemoRenderer().draw(renderScaledDrawing(self), self.canv, 0, 0, showBoundary=shown)


class _MemoRenderer(_PDFRenderer):
    def drawPath(self, path: Path) -> None:
        """reportlab's ``_PDFRenderer.drawPath``, the path's operators from ``_path_code``."""
        autoclose = getattr(path, "autoclose", "")
        fill, stroke = self._fill, self._stroke
        code, is_closed = _path_code(tuple(path.points), tuple(path.operators), bool(fill and autoclose == "pdf"))
        pdf_path = PDFPathObject()
        pdf_path._code = [code]
        draw = self._canvas.drawPath
        clip_or_draw = self._canvas.clipPath if path.isClipPath else draw
        fill_mode = getattr(path, "fillMode", None)
        if autoclose == "svg":
            if fill and stroke and not is_closed:
                clip_or_draw(pdf_path, fill=fill, stroke=0)
                draw(pdf_path, stroke=stroke, fill=0, fillMode=fill_mode)
            else:
                clip_or_draw(pdf_path, fill=fill, stroke=stroke, fillMode=fill_mode)
        elif autoclose == "pdf":
            clip_or_draw(pdf_path, fill=fill, stroke=stroke, fillMode=fill_mode)
        else:  # reportlab's default: an open path is not filled
            clip_or_draw(pdf_path, fill=fill if is_closed else 0, stroke=stroke, fillMode=fill_mode)


@functools.lru_cache(maxsize=4096)
def _path_code(points: tuple[float, ...], operators: tuple[int, ...], force_close: bool) -> tuple[str, bool]:
    """The PDF operators of one path (``12.5 40 m 13 41.2 l ...``) and whether every subpath is closed."""
    pdf_path = PDFPathObject()
    closed = _renderPath(SimpleNamespace(points=points, operators=operators),
                         (pdf_path.moveTo, pdf_path.lineTo, pdf_path.curveTo, pdf_path.close), forceClose=force_close)
    return pdf_path.getCode(), closed
