"""Vector drawings onto the PDF page: reportlab's renderer, with each path's operators formatted once.

Why: a process that builds again (the preview, ``--every``, a batch's worker) draws the same locator
map every time, from the drawing cache. Its 71 paths hold about 15,000 points (coastlines, rivers,
and the outlines of the label halos), and formatting them into PDF operators one point at a time was
a fifth of a warm build. The operators of a path depend only on its points and operators, so they
are remembered by content (never by identity: a cached map is loaded anew for each build) and the
PDF bytes stay exactly reportlab's.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

from reportlab.graphics.renderPDF import _PDFRenderer
from reportlab.graphics.renderbase import renderScaledDrawing
from reportlab.graphics.shapes import Drawing, Path, _renderPath
from reportlab.pdfgen.pathobject import PDFPathObject
from reportlab.rl_config import _unset_


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
    closed = _renderPath(SimpleNamespace(points=points, operators=operators), (pdf_path.moveTo, pdf_path.lineTo, pdf_path.curveTo, pdf_path.close), forceClose=force_close)
    return pdf_path.getCode(), closed
