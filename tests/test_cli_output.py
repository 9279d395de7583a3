"""What a person sees on the terminal (issue 9): our steps, not library chatter; paths; when the next run is."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import re
import threading
import time
from pathlib import Path

from conftest import BAKHMUT, ROOT, invoke_cli, pdf_text, squash


def test_verbose_shows_every_pipeline_step_and_no_library_debug(tmp_path: Path) -> None:
    result = invoke_cli(str(BAKHMUT), "--out", str(tmp_path / "out"), "-v")

    assert result.returncode == 0, result.stderr
    # the provenance check's summary and the statement below its threshold (tests/test_provenance.py)
    lines = [x for x in result.stderr.splitlines() if not x.startswith("provenance: ") and "not supported by source" not in x]
    steps = [line.split(" - ")[0].split(": ")[-1] for line in lines if ": Step " in line]
    assert steps == ["Step 1", "Step 2", "Step 3", "Step 4", "Step 5"]
    assert len(lines) == 6 and re.match(r"bakhmut: edition 20230301 built \(\d+ pages\)", lines[-1]), lines


def test_cron_says_when_it_will_first_run_even_within_the_minute(tmp_path: Path) -> None:
    while dt.datetime.now().second >= 55:  # "* * * * *" must fire 5 to 60 seconds from now
        time.sleep(1)
    proc = subprocess.Popen([sys.executable, str(ROOT / "make_report.py"), str(BAKHMUT), "--out", str(tmp_path / "out"),
                             "--cron", "* * * * *"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"TZ": "UTC"})
    killer = threading.Timer(30, proc.kill)  # a line that never comes must fail the test, not hang it
    killer.start()
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)
    finally:
        killer.cancel()
    assert first.startswith("next run at ") and first.endswith(":00 UTC\n"), first
    assert proc.returncode == 0 and rest.strip().endswith("stopped")


def test_big_figures_read_as_words_in_the_table_and_the_changes(facts_data, write_facts, tmp_path: Path) -> None:
    from briefing.editions import publish
    from briefing.words import amount

    assert [amount(v) for v in (9_600_000_000, -2_000_000, 1.5e12, 4_500, 1_234_567, 999_999)] == [
        "9.6 billion", "-2 million", "1.5 trillion", "4,500", "1,234,567", "999,999"]  # words only when exact
    facts_data["figures"].append({"id": "aid", "label": "Aid pledged", "value": 9_600_000_000, "unit": "USD", "source": "cnn"})
    path = write_facts(facts_data)
    first = publish(path, tmp_path / "out")
    assert "9.6 billion USD" in squash(pdf_text(first.pdf_path.read_bytes()))

    facts_data["figures"][-1]["value"] = 10_000_000_000
    write_facts(facts_data)
    second = publish(path, tmp_path / "out")
    assert second.changes is not None
    assert "Aid pledged: 9.6 billion -> 10 billion USD (+400 million)" in second.changes.lines


def test_the_mail_lists_the_changes_section_even_for_an_edition_built_earlier(facts_data, write_facts, tmp_path: Path) -> None:
    from briefing.editions import publish
    from briefing.mail import compose

    path = write_facts(facts_data)
    publish(path, tmp_path / "out")
    facts_data["figures"][0]["value"] += 1
    write_facts(facts_data)
    built = publish(path, tmp_path / "out")
    again = publish(path, tmp_path / "out")  # a later run (or process) mails the same edition
    assert built.built and not again.built
    for edition in (built, again):
        msg = compose(edition, "anna@example.org", sender="briefs@example.org", pdf=b"%PDF-1.4")
        text = msg.get_body(("plain",)).get_content()
        counts = (len(facts_data["key_points"]), len(facts_data["assessments"]), len(facts_data["sections"]["situation"]))
        assert ("- Bottom line up front ({})\n- Assessment ({})\n- Changes since the previous edition (1)\n"
                "- Situation ({})").format(*counts) in text, text


def test_page_one_stays_full_when_a_changes_section_leaves_no_room_for_the_map(facts_data, write_facts, tmp_path: Path) -> None:
    import pdfplumber

    from briefing.editions import publish
    from briefing.pdf import MARGIN_BOTTOM, MARGIN_TOP

    path = write_facts(facts_data)
    publish(path, tmp_path / "out")
    for fig in facts_data["figures"]:
        fig["value"] += 1
    for statement in facts_data["sections"]["situation"][:4]:
        statement["text"] += " (updated)"
    write_facts(facts_data)
    edition = publish(path, tmp_path / "out")
    assert edition.changes is not None and len(edition.changes.lines) == 7

    with pdfplumber.open(edition.pdf_path) as pdf:
        page = pdf.pages[0]
        body = [w for w in page.extract_words() if 60 < w["top"] < page.height - 60]  # not the page furniture
        frame_bottom, frame = page.height - MARGIN_BOTTOM, page.height - MARGIN_TOP - MARGIN_BOTTOM
        assert frame_bottom - max(w["bottom"] for w in body) <= frame / 4, "page 1 is left more than a quarter empty"
        text = squash(" ".join(squash(p.extract_text()) for p in pdf.pages))
        # the map follows the text it made room for: the changes and the Situation text come first
        assert text.index("Changes since the previous edition") < text.index("Situation • Russian forces") < text.index("Locator map")
