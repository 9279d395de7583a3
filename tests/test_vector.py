"""The matplotlib-to-reportlab renderer (briefing/vector.py), judged on the PDF a reader gets:
pixels rendered by PDFium, text and its position read back by pdfplumber."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import pdfplumber
import pypdfium2
import pytest

from briefing.vector import figure_to_drawing, house_style
from conftest import ROOT


def _pdf(fig: Any) -> bytes:
    from reportlab.graphics import renderPDF

    return renderPDF.drawToString(figure_to_drawing(fig))


def _pixels(fig: Any) -> Any:
    """The figure as the PDF shows it, one pixel per point (PDFium), as an RGB image."""
    doc = pypdfium2.PdfDocument(_pdf(fig))
    try:
        return doc[0].render(scale=1).to_pil().convert("RGB")
    finally:
        doc.close()


def _figure(width_in: float = 2.0, height_in: float = 1.0) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in))


def _near(rgb: tuple[int, ...], want: tuple[int, ...], tol: int = 12) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(rgb, want))


def test_fills_keep_their_alpha_and_clipping_keeps_lines_inside_the_axes() -> None:
    from matplotlib.patches import Rectangle

    with house_style():
        fig = _figure()
        ax = fig.add_axes((0.0, 0.0, 0.5, 1.0))  # the left half of a 144 x 72 pt figure
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.add_patch(Rectangle((0, 0), 1, 1, facecolor="#ff0000", alpha=0.5, edgecolor="none"))
        ax.plot([0, 2], [0.5, 0.5], color="#0000ff", linewidth=4, solid_capstyle="butt")  # runs past the axes
        image = _pixels(fig)
    assert image.size == (144, 72)
    assert _near(image.getpixel((20, 15)), (255, 128, 128))  # half-transparent red over white
    assert _near(image.getpixel((40, 36)), (0, 0, 255), tol=40)  # the line inside the axes
    assert _near(image.getpixel((110, 36)), (255, 255, 255))  # and nothing of it outside


def test_dashes_leave_gaps() -> None:
    with house_style():
        fig = _figure()
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_axis_off()
        ax.set_xlim(0, 144)
        ax.set_ylim(0, 72)
        ax.plot([0, 144], [36, 36], color="black", linewidth=2, linestyle=(0, (6, 6)), solid_capstyle="butt",
                dash_capstyle="butt")
        image = _pixels(fig)
    row = [image.getpixel((x, 36))[0] < 128 for x in range(2, 142)]
    assert 0.35 < sum(row) / len(row) < 0.65  # about half ink, half gap
    assert image.getpixel((3, 36))[0] < 128 and image.getpixel((15, 36))[0] > 200  # dash at 0-12 pt, gap at 12-24


def test_text_is_real_text_where_matplotlib_put_it_rotated_and_aligned() -> None:
    with house_style():
        fig = _figure(3.0, 2.0)
        fig.text(0.5, 0.5, "Right-aligned label", ha="right", va="baseline", fontsize=10)
        fig.text(0.2, 0.5, "Upwards", rotation=90, ha="center", va="center", fontsize=8, fontweight="bold")
        pdf = _pdf(fig)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        chars = page.chars
        words = page.extract_words(extra_attrs=["upright"])
    label = [c for c in chars if c["upright"]]
    assert [w["text"] for w in words if w["upright"]] == ["Right-aligned", "label"]
    assert abs(max(c["x1"] for c in label) - 108.0) < 0.5  # ends at the anchor: half of 216 pt
    assert all("DejaVuSans" in c["fontname"] and "Bold" not in c["fontname"] for c in label)
    upwards = [c for c in chars if not c["upright"]]
    assert "".join(c["text"] for c in upwards) == "Upwards"
    assert all("DejaVuSans-Bold" in c["fontname"] for c in upwards)
    assert abs((min(c["x0"] for c in upwards) + max(c["x1"] for c in upwards)) / 2 - 43.2) < 2  # centred on 0.2


def test_a_hatch_pattern_is_refused_not_dropped() -> None:
    from matplotlib.patches import Rectangle

    with house_style():
        fig = _figure()
        fig.add_artist(Rectangle((0.1, 0.1), 0.5, 0.5, hatch="//", transform=fig.transFigure))
        with pytest.raises(NotImplementedError, match="draw hatching as lines"):
            figure_to_drawing(fig)


def test_a_cached_drawing_in_a_fallback_font_builds_in_a_fresh_process(facts_data: dict, write_facts: Any) -> None:
    """A new process that loads a chart from the cache registers the fallback font its labels use."""
    facts_data["events"][0]["label"] = "Talks in 北京"
    path = write_facts(facts_data)
    probe = ("import sys; from briefing.build import chart_part; from briefing.validate import load_facts;"
             "from reportlab.pdfbase import pdfmetrics; chart_part(load_facts(sys.argv[1]));"
             "print('BriefCJK' in pdfmetrics.getRegisteredFontNames(), 'matplotlib' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", probe, str(path)], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]
    assert runs == [["True", "True"], ["True", "False"]]  # drawn, then loaded from the cache: no matplotlib
