"""The provenance check on the real example brief and its real saved CNN article (briefs/sources/):
the three tampered cases of issue 21 give their warning lines, --strict refuses them, the clean brief
gives the summary line, and the PDF's source list names the saved copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import BAKHMUT, invoke_cli, pdf_text, squash

from briefing.provenance import normalise, numbers_in, quote_in

SAVED = "sources/cnn-bakhmut-2023-03-01.txt"
QUOTE = "No one is going to retreat yet.\n"
INVENTED = "Heavy snowfall closed the airport in Kyiv, stranding thousands of travellers."
TAMPERED = {
    "quote": ((QUOTE, QUOTE.replace("retreat", "surrender")),
              f'bakhmut.yaml: quotes[0].text: not verbatim in source "soldier-93" ({SAVED}, the copy of "cnn"); closest: '
              '"We are standing in Bakhmut. No one is going to retreat yet,"'),
    "figure": (("    value: 4500\n", "    value: 5400\n"),
               f'bakhmut.yaml: figures[0].value: 5,400 not found in source "donetsk-rma" ({SAVED}, the copy of "cnn"); closest: '
               '"There are still around 4,500 civilians in Bakhmut, including 48 children, as Russian ..."'),
    "claim": (("  situation:\n", f"  situation:\n    - text: {INVENTED}\n      sources: [cnn]\n"),
              f'bakhmut.yaml: sections.situation[0].text: not supported by source "cnn" ({SAVED}); closest: '
              '"Russian forces are edging closer and closer to capturing the city of Bakhmut, after weeks ..."'),
}


def _brief(tmp_path: Path, old: str = "", new: str = "") -> Path:
    shutil.copytree(BAKHMUT.parent / "sources", tmp_path / "sources")
    text = BAKHMUT.read_text(encoding="utf-8")
    assert not old or old in text
    path = tmp_path / "bakhmut.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", TAMPERED, ids=list(TAMPERED))
def test_a_tampered_brief_gives_its_warning_and_strict_writes_nothing(case: str, tmp_path: Path) -> None:
    (old, new), line = TAMPERED[case]
    _brief(tmp_path, old, new)
    checked = invoke_cli("--check", "bakhmut.yaml", cwd=tmp_path)
    assert checked.returncode == 0
    assert line in checked.stderr.splitlines()
    strict = invoke_cli("--strict", "--out", "out", "bakhmut.yaml", cwd=tmp_path)
    assert strict.returncode == 2
    assert line in strict.stderr.splitlines()
    assert not list(tmp_path.glob("out/**/*.pdf"))


def test_the_clean_example_gives_the_summary_line_and_names_its_saved_copy(tmp_path: Path) -> None:
    _brief(tmp_path)
    result = invoke_cli("--out", "out", "bakhmut.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert ('provenance: quotes 5/5 verbatim, figures 3/3, numbers 15/15, statements 22/22 supported; '
            '"geonames" unchecked (no saved copy)') in lines
    assert not [x for x in lines if "quotes[" in x or "figures[" in x or "the number" in x]
    pdf = squash(pdf_text((tmp_path / "out" / "bakhmut.pdf").read_bytes()))
    assert f"Checked against a saved copy ({SAVED}, 1 March 2023)." in pdf


def test_a_remembered_check_prints_the_summary_line_too(tmp_path: Path) -> None:
    _brief(tmp_path)
    line = ('provenance: quotes 5/5 verbatim, figures 3/3, numbers 15/15, statements 22/22 supported; '
            '"geonames" unchecked (no saved copy)')
    first, again = invoke_cli("--check", "bakhmut.yaml", cwd=tmp_path), invoke_cli("--check", "bakhmut.yaml", cwd=tmp_path)
    assert first.returncode == again.returncode == 0
    assert first.stderr.splitlines() == again.stderr.splitlines() == [line]  # the second is recalled, not validated


def test_quotes_match_after_normalising() -> None:
    source = normalise("He said: \u201cthe enemy keeps trying to break\nthrough the de-\nfences \u2013 and take Bakhmut,\u201d she said.")
    assert quote_in('"The enemy keeps trying to break through the defences - and take Bakhmut."', source)
    assert quote_in("The enemy keeps trying [...] to take Bakhmut", source) is False
    assert quote_in("The enemy keeps trying ... and take Bakhmut", source)
    assert quote_in("[The Russian] enemy keeps trying to break through", source)
    assert not quote_in("The enemy keeps trying to break through the lines", source)


def test_numbers_of_a_source_in_usual_forms() -> None:
    import datetime as dt

    found = numbers_in("4.5 million people, 12 per cent, forty-eight children, his 93th Brigade, "
                       "six weeks, on Tuesday", dt.date(2023, 3, 1))
    assert {4.5, 4_500_000, 12, 48, 93, 6, 28, 2, 2023} <= found
    assert 5400 not in found


def test_the_preview_shows_the_passage_that_supports_each_statement(tmp_path: Path) -> None:
    from briefing import preview
    from briefing.build import BuildOptions

    path = _brief(tmp_path)
    draft, _ = preview.build_draft(path, tmp_path / "out", BuildOptions(), 1)
    state = preview.BriefState(key="bakhmut", path=path, draft=draft)
    html = preview._environment().get_template("_read_live.html.j2").render(**preview._reading_context(state))
    assert ('Supporting passage of source "ukraine-military" (92% of its words): The Ukrainian military has also confirmed that '
            "Russian forces are employing more experienced fighters from the ranks of the Russian private military "
            "company Wagner as they attempt to capture the town.</blockquote>") in html
    assert html.count('<blockquote class="support"') == 22  # every statement but the desk's own (key_points[4], desk: true)


def test_a_check_again_scores_only_the_statements_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23 (warm build): the preview checks the brief on every save; a statement it scored
    before against the same saved texts is not scored again, and the findings are the same."""
    from briefing import provenance
    from briefing.validate import load_facts

    folder = tmp_path / "brief"
    shutil.copytree(BAKHMUT.parent / "sources", folder / "sources")
    path = folder / BAKHMUT.name
    text = BAKHMUT.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    provenance._BEST.clear()
    scored: list[str] = []
    real = provenance._best_passage
    monkeypatch.setattr(provenance, "_best_passage", lambda statement, texts: scored.append(statement) or real(statement, texts))
    first = provenance.check_provenance(load_facts(path), path)
    assert len(scored) >= 20  # every statement that cites a saved copy
    scored.clear()
    assert provenance.check_provenance(load_facts(path), path) == first
    assert scored == []
    path.write_text(text.replace("  - text: ", "  - text: Reportedly, ", 1), encoding="utf-8")
    again = provenance.check_provenance(load_facts(path), path)
    assert len(scored) == 1 and scored[0].startswith("Reportedly, ")
    assert again.summary == first.summary
