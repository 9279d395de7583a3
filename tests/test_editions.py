"""Editions and scheduled regeneration (issue 5), as a user sees them: files on disk, PDF text,
exit codes and the lines on stderr."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import filelock
import pypdf
import pytest
import yaml

import briefing
from briefing import schedule
from briefing.changes import describe_changes
from briefing.editions import Edition, publish
from briefing.errors import BuildError, DeliveryError
from conftest import ROOT, invoke_cli, pdf_pages_text, pdf_text, run_cli, squash

BASE = "20230301"  # as_of is a date alone: no hour in the name
CHANGES = "Changes since the previous edition"


def put(path: Path, data: Any) -> Path:
    """Write a facts file the way an editor that saves atomically would (a reader never sees half)."""
    tmp = path.with_name(path.name + ".saving")
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def manifest(out: Path, brief: str = "bakhmut") -> dict[str, Any]:
    return json.loads((out / brief / "manifest.json").read_text(encoding="utf-8"))


def names(out: Path) -> list[str]:
    return [e["name"] for e in manifest(out)["editions"]]


def assert_consistent(out: Path, brief: str = "bakhmut") -> None:
    """The manifest lists every edition with its files, and OUT/<id>.pdf is the latest one; no temp files."""
    editions = manifest(out, brief)["editions"]
    assert [e["number"] for e in editions] == list(range(1, len(editions) + 1))
    assert len({e["name"] for e in editions}) == len(editions)
    for e in editions:
        pdf = (out / brief / e["file"]).read_bytes()
        assert len(pypdf.PdfReader(out / brief / e["file"]).pages) == e["pages"]
        assert json.loads((out / brief / e["facts"]).read_text(encoding="utf-8"))["id"] == brief
        assert pdf.startswith(b"%PDF")
    assert (out / f"{brief}.pdf").read_bytes() == (out / brief / editions[-1]["file"]).read_bytes()
    assert not [p for p in out.rglob("*.tmp")], "temporary files left behind"


def figure(data: dict[str, Any], fid: str) -> dict[str, Any]:
    return next(f for f in data["figures"] if f["id"] == fid)


@pytest.fixture
def facts_file(tmp_path: Path, facts_data: dict[str, Any]) -> Path:
    return put(tmp_path / "bakhmut.yaml", facts_data)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


# --------------------------------------------------------------------------------------------------
# One run at a time
# --------------------------------------------------------------------------------------------------


def test_first_run_publishes_edition_one_and_a_rerun_does_nothing(facts_file: Path, out: Path) -> None:
    first = invoke_cli(str(facts_file), "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == str(out / "bakhmut.pdf")
    assert f"bakhmut: edition {BASE} built (6 pages)" in first.stderr
    latest = out / "bakhmut.pdf"
    archived = out / "bakhmut" / f"bakhmut-{BASE}.pdf"
    assert latest.read_bytes() == archived.read_bytes()
    entry = manifest(out)["editions"][0]
    assert (entry["name"], entry["number"], entry["revision"], entry["as_of"]) == (BASE, 1, 1, "2023-03-01")
    assert entry["file"] == archived.name and len(entry["fingerprint"]) == 64 and entry["built_at"].endswith("Z")
    snapshot = json.loads((out / "bakhmut" / entry["facts"]).read_text(encoding="utf-8"))
    assert figure(snapshot, "civilians")["value"] == 4500
    pages = pdf_pages_text(latest.read_bytes())
    assert "Edition 1" in pages[0]
    assert CHANGES not in "".join(pages)  # nothing to compare a first edition with
    assert_consistent(out)

    stat, pdf, manifest_bytes = latest.stat(), latest.read_bytes(), (out / "bakhmut" / "manifest.json").read_bytes()
    again = invoke_cli(str(facts_file), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == str(latest)  # scripts that read the path keep working
    assert again.stderr.strip() == f"bakhmut: unchanged since edition {BASE}"
    assert latest.stat().st_mtime_ns == stat.st_mtime_ns and latest.read_bytes() == pdf
    assert (out / "bakhmut" / "manifest.json").read_bytes() == manifest_bytes


def test_an_unchanged_rerun_repeats_the_warnings_and_sees_a_changed_source_copy(
        tmp_path: Path, facts_data: dict[str, Any], out: Path) -> None:
    """The rerun that skips validation (``reuse_current``) says what a validating run says, and a
    file the facts name still counts: a changed local copy of a source is a new edition."""
    (tmp_path / "article.txt").write_text("The article, as saved.", encoding="utf-8")
    # on the gazetteer source, which only places cite: the provenance check has nothing to compare with it
    next(s for s in facts_data["sources"] if s["id"] == "geonames")["file"] = "article.txt"
    facts_data["events"][0]["date"] = "2023-03-05"  # after as_of: a warning, not an error
    facts_file = put(tmp_path / "bakhmut.yaml", facts_data)
    first = invoke_cli(str(facts_file), "--out", str(out))
    assert first.returncode == 0, first.stderr
    warning = next(line for line in first.stderr.splitlines() if "events[0].date" in line)
    assert warning.startswith(f"{facts_file}: events[0].date: 2023-03-05 is after as_of")

    again = invoke_cli(str(facts_file), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert again.stderr.splitlines() == [warning, f"bakhmut: unchanged since edition {BASE}"]
    strict = invoke_cli(str(facts_file), "--out", str(out), "--strict")  # strict validates: the warning is an error
    assert strict.returncode == 2 and warning in strict.stderr.splitlines()

    (tmp_path / "article.txt").write_text("The article, corrected.", encoding="utf-8")
    third = invoke_cli(str(facts_file), "--out", str(out))
    assert third.returncode == 0, third.stderr
    assert [e["name"] for e in manifest(out)["editions"]] == [BASE, f"{BASE}-r2"]
    assert_consistent(out)


def test_an_edition_from_before_the_file_list_was_recorded_is_found_unchanged_by_validating(facts_file: Path, out: Path) -> None:
    assert invoke_cli(str(facts_file), "--out", str(out)).returncode == 0
    data = manifest(out)
    del data["editions"][-1]["files"]
    (out / "bakhmut" / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    again = invoke_cli(str(facts_file), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip() == f"bakhmut: unchanged since edition {BASE}"
    assert len(manifest(out)["editions"]) == 1


def test_changed_figure_and_statements_are_listed_in_the_new_edition(
    facts_file: Path, facts_data: dict[str, Any], out: Path
) -> None:
    publish(facts_file, out)
    figure(facts_data, "civilians")["value"] = 4000
    situation = facts_data["sections"]["situation"]
    situation[4]["text"] = situation[4]["text"].replace("about 4,500 civilians", "about 4,000 civilians")
    facts_data["sections"]["stakes"].append({"text": "Holding the city ties down Russian reserves.", "sources": ["cnn"]})
    removed = facts_data["sections"]["outlook"].pop(0)["text"]
    facts_data["events"].append({"date": "2023-03-04", "label": "Bridge on the western road destroyed", "source": "cnn"})
    facts_data["places"].append({"name": "Chasiv Yar", "lat": 48.586, "lon": 37.835, "note": "Next town west"})
    put(facts_file, facts_data)

    edition = publish(facts_file, out)

    assert edition.built and edition.name == f"{BASE}-r2" and edition.number == 2
    text = squash(pdf_text(edition.pdf_path.read_bytes()))
    assert CHANGES in text
    assert "Compared with edition 1, as of 1 March 2023:" in text
    assert "Civilians still in Bakhmut: about 4,500 -> about 4,000 people (-500)" in text
    assert ('Situation, reworded: "…military administration says about 4,500 civilians, including 48 children,…" -> '
            '"…military administration says about 4,000 civilians, including 48 children,…"') in text
    assert 'Stakes, added: "Holding the city ties down Russian reserves."' in text
    assert f'Outlook, removed: "{squash(removed)[:120]}' in text  # a long statement is shortened with "…"
    assert "New event: 4 March 2023: Bridge on the western road destroyed" in text
    assert "New place on the map: Chasiv Yar (Next town west)" in text
    # The section sits right after the key points, before the rest of the brief.
    assert text.index("Bottom line up front") < text.index(CHANGES) < text.index("Situation •")
    assert_consistent(out)


def test_revision_numbers_and_a_new_as_of_time(facts_file: Path, facts_data: dict[str, Any], out: Path) -> None:
    assert publish(facts_file, out).name == BASE
    facts_data["key_points"][0]["text"] += " Fighting continues."
    put(facts_file, facts_data)
    second = publish(facts_file, out)
    facts_data["as_of"] = "2023-03-02T06:00:00Z"
    put(facts_file, facts_data)
    third = publish(facts_file, out)

    assert (second.name, second.revision, third.name, third.revision) == (f"{BASE}-r2", 2, "20230302T0600Z", 1)
    assert names(out) == [BASE, f"{BASE}-r2", "20230302T0600Z"]
    assert [e["number"] for e in manifest(out)["editions"]] == [1, 2, 3]
    assert second.archive_path == out / "bakhmut" / f"bakhmut-{BASE}-r2.pdf"
    assert "Edition 2 (revision 2 of 1 March 2023)" in squash(pdf_pages_text(second.archive_path.read_bytes())[0])
    third_text = squash(pdf_text((out / "bakhmut.pdf").read_bytes()))
    assert "Edition 3" in third_text
    assert "No change to the facts other than their as-of time." in third_text
    assert_consistent(out)


def test_a_rebuild_without_fact_changes_says_why_in_one_line(
    facts_file: Path, facts_data: dict[str, Any], out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (facts_file.parent / "sources").mkdir()
    copy_of_source = facts_file.parent / "sources" / "cnn.txt"
    copy_of_source.write_text("Why Bakhmut matters (first copy)", encoding="utf-8")
    facts_data["sources"][0]["file"] = "sources/cnn.txt"
    put(facts_file, facts_data)
    publish(facts_file, out)

    copy_of_source.write_text("Why Bakhmut matters (updated copy)", encoding="utf-8")
    by_source = publish(facts_file, out)
    monkeypatch.setattr(briefing, "__version__", "9.9.9")
    by_version = publish(facts_file, out)

    assert by_source.changes is not None and by_source.changes.lines == (
        "No change to the facts; this edition was rebuilt because a local copy of a source changed.",
    )
    assert by_version.built and by_version.name == f"{BASE}-r3"
    assert ("No change to the facts; this edition was rebuilt because the briefing software changed "
            "(version 0.1.0 -> 9.9.9).") in squash(pdf_text(by_version.pdf_path.read_bytes()))


def test_bad_edit_keeps_the_last_good_edition(facts_file: Path, facts_data: dict[str, Any], out: Path) -> None:
    assert invoke_cli(str(facts_file), "--out", str(out)).returncode == 0
    pdf, manifest_bytes = (out / "bakhmut.pdf").read_bytes(), (out / "bakhmut" / "manifest.json").read_bytes()
    figure(facts_data, "civilians")["value"] = "lots"
    put(facts_file, facts_data)

    bad = invoke_cli(str(facts_file), "--out", str(out))

    assert bad.returncode == 2
    assert bad.stdout == ""
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{facts_file}: figures[0].value: ") and "expected a number" in lines[0]
    assert (out / "bakhmut.pdf").read_bytes() == pdf
    assert (out / "bakhmut" / "manifest.json").read_bytes() == manifest_bytes
    assert_consistent(out)


def test_a_stale_latest_pdf_is_put_right_by_the_next_run(facts_file: Path, facts_data: dict[str, Any], out: Path) -> None:
    """A run killed between the manifest and OUT/<id>.pdf leaves the latter one edition behind."""
    publish(facts_file, out)
    old = (out / "bakhmut.pdf").read_bytes()
    facts_data["title"] = "Battle for Bakhmut, day 200"
    put(facts_file, facts_data)
    publish(facts_file, out)
    (out / "bakhmut.pdf").write_bytes(old)

    edition = publish(facts_file, out)

    assert not edition.built
    assert_consistent(out)


def test_a_corrupt_manifest_is_one_clear_error(facts_file: Path, out: Path) -> None:
    publish(facts_file, out)
    (out / "bakhmut" / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        publish(facts_file, out)
    folder = out / "bakhmut"
    assert str(caught.value).startswith(f"{folder / 'manifest.json'}: cannot be read as JSON (")
    assert str(caught.value).endswith(f"fix that entry, or move {folder} aside (such as mv {folder} {folder}.old) and run "
                                      "make_report.py on the facts file again to start a new series of editions")
    manifest_ = {"format": 1, "id": "bakhmut", "editions": [{"number": "one"}]}
    (folder / "manifest.json").write_text(json.dumps(manifest_), encoding="utf-8")
    with pytest.raises(BuildError, match=r"manifest.json: editions\[0\]\.number is missing or not a int; fix that entry"):
        publish(facts_file, out)


@pytest.mark.parametrize("cli", [False, True])
def test_a_damaged_archived_pdf_is_never_restored_but_built_again(facts_file: Path, out: Path, cli: bool) -> None:
    publish(facts_file, out)
    entry = manifest(out)["editions"][0]
    archived = out / "bakhmut" / entry["file"]
    archived.write_bytes(archived.read_bytes()[:5000])  # truncated
    (out / "bakhmut.pdf").unlink()

    if cli:
        result = invoke_cli(str(facts_file), "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert "restored from edition" not in result.stderr and "differs from the SHA-256 its manifest recorded" in result.stderr
    else:
        publish(facts_file, out)
    pdf = (out / "bakhmut.pdf").read_bytes()
    # a whole brief, not 5,000 bytes: as many pages as the manifest says the edition has
    assert len(pypdf.PdfReader(__import__("io").BytesIO(pdf)).pages) == entry["pages"] > 1
    latest = manifest(out)["editions"][-1]
    assert (out / "bakhmut" / latest["file"]).read_bytes() == pdf and latest["name"] != entry["name"]


def test_a_manifest_entry_never_points_outside_the_briefs_folder(facts_file: Path, out: Path, tmp_path: Path) -> None:
    publish(facts_file, out)
    secret = tmp_path / "secret.txt"
    secret.write_text("the password\n", encoding="utf-8")
    path = out / "bakhmut" / "manifest.json"
    for key, value in (("file", "../../secret.txt"), ("file", str(secret)), ("facts", "../../../../secret.txt")):
        data = json.loads(path.read_text(encoding="utf-8"))
        good = data["editions"][0][key]
        data["editions"][0][key] = value
        if key == "file":
            data["editions"][0]["pdf_sha256"] = __import__("hashlib").sha256(secret.read_bytes()).hexdigest()
        path.write_text(json.dumps(data), encoding="utf-8")
        (out / "bakhmut.pdf").unlink(missing_ok=True)
        result = invoke_cli(str(facts_file), "--out", str(out))
        assert result.returncode == 1
        assert f'editions[0].{key} "{value}" is not the name of a file in {out / "bakhmut"}' in result.stderr
        assert not (out / "bakhmut.pdf").exists() or b"password" not in (out / "bakhmut.pdf").read_bytes()
        data["editions"][0][key] = good
        path.write_text(json.dumps(data), encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# Locks, temporary files, concurrent and killed runs
# --------------------------------------------------------------------------------------------------


def run_without_write_override(*args: str) -> subprocess.CompletedProcess[str]:
    """make_report.py as a user who may not write a read-only folder: as root (a container's user, whom
    file modes do not stop) without the capabilities that override them (setpriv), else as is."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        import shutil

        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: a read-only folder cannot be made")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run([*prefix, sys.executable, str(ROOT / "make_report.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_an_unchanged_rerun_works_in_a_read_only_output_folder(facts_file: Path, out: Path, facts_data: dict[str, Any]) -> None:
    """An archive or a read-only mount: the rerun that writes nothing works (it failed creating .lock),
    and one that must write says so in one line, naming the folder and how out."""
    publish(facts_file, out)
    (out / "bakhmut" / ".lock").unlink(missing_ok=True)
    folders = [out, out / "bakhmut"]
    for folder in folders:
        folder.chmod(0o555)
    try:
        again = run_without_write_override(str(facts_file), "--out", str(out))
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == str(out / "bakhmut.pdf")
        assert again.stderr.strip() == f"bakhmut: unchanged since edition {BASE}"
        assert not (out / "bakhmut" / ".lock").exists()

        figure(facts_data, "civilians")["value"] = 4600
        put(facts_file, facts_data)
        changed = run_without_write_override(str(facts_file), "--out", str(out), "-q")
        assert changed.returncode == 1 and changed.stdout == ""
        assert changed.stderr.strip() == (f"{facts_file}: cannot write the brief: Permission denied ({out / 'bakhmut' / '.lock'}); "
                                          f"make {out} writable, or choose another output folder with --out")
    finally:
        for folder in folders:
            folder.chmod(0o755)


def test_a_held_lock_skips_the_brief_with_exit_3(facts_file: Path, out: Path) -> None:
    (out / "bakhmut").mkdir(parents=True)
    with filelock.FileLock(out / "bakhmut" / ".lock"):
        result = run_cli(str(facts_file), "--out", str(out), "--lock-timeout", "0.3")
    assert result.returncode == 3
    assert result.stderr.strip() == "bakhmut: another run holds the lock; skipped"
    assert not (out / "bakhmut.pdf").exists()


def test_a_run_that_waited_for_the_lock_publishes_the_file_as_it_is_then(facts_file: Path, out: Path) -> None:
    (out / "bakhmut").mkdir(parents=True)
    with filelock.FileLock(out / "bakhmut" / ".lock"):
        waiting = subprocess.Popen([sys.executable, str(ROOT / "make_report.py"), str(facts_file), "--out", str(out), "-q"],
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)  # it has validated the file as it was and waits for the lock
        facts_file.write_text(facts_file.read_text(encoding="utf-8").replace("title: ", "title: Revised ", 1), encoding="utf-8")
    _, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert "Revised " in pdf_text((out / "bakhmut.pdf").read_bytes())


def test_stale_temporary_files_are_removed_when_the_lock_is_taken(
    facts_file: Path, out: Path, caplog: pytest.LogCaptureFixture
) -> None:
    publish(facts_file, out)
    left = [out / "bakhmut" / ".manifest.json.k2j4.tmp", out / ".bakhmut.pdf.x8d1.tmp"]
    others = out / ".other.pdf.a1b2.tmp"  # another brief's: its own lock covers it
    for path in [*left, others]:
        path.write_bytes(b"half a file")
    with caplog.at_level(logging.INFO, logger="briefing"):
        publish(facts_file, out)
    assert not any(p.exists() for p in left) and others.exists()
    assert "bakhmut: removed 2 temporary file(s) left by an interrupted run" in caplog.text


def big_facts(data: dict[str, Any], statements: int, marker: str) -> dict[str, Any]:
    """A facts file whose build takes about a second: many statements, each its own object (no YAML aliases)."""
    data = copy.deepcopy(data)
    data["sections"]["situation"] = [
        {"text": f"{marker} statement {i}: Russian forces have made incremental gains around Bakhmut after weeks of fighting.",
         "sources": ["cnn"]}
        for i in range(statements)
    ]
    return data


def start_cli(*args: str, stderr: Any = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(ROOT / "make_report.py"), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=stderr, text=True)


def wait_for_line(proc: subprocess.Popen[str], needle: str) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        if needle in line:
            return
    raise AssertionError(f"the process ended (exit {proc.wait()}) without logging {needle!r}")


def test_three_concurrent_runs_leave_the_latest_content_and_a_consistent_manifest(
    facts_file: Path, facts_data: dict[str, Any], out: Path
) -> None:
    put(facts_file, big_facts(facts_data, 300, "First"))
    first = start_cli(str(facts_file), "--out", str(out), "-v")
    wait_for_line(first, "Drawing charts")  # it holds the lock and builds the first version
    put(facts_file, big_facts(facts_data, 300, "Second"))
    others = [start_cli(str(facts_file), "--out", str(out)) for _ in range(2)]

    results = [p.communicate(timeout=120) for p in [first, *others]]

    assert [p.returncode for p in [first, *others]] == [0, 0, 0], results
    assert all(stdout.strip() == str(out / "bakhmut.pdf") for stdout, _ in results)
    assert names(out) == [BASE, f"{BASE}-r2"]  # a run that waited read the file as it was then
    assert sum("unchanged since edition" in stderr for _, stderr in results) == 1
    assert "Second statement 0:" in pdf_text((out / "bakhmut.pdf").read_bytes())
    assert_consistent(out)


def test_a_build_killed_midway_leaves_the_previous_edition_intact(
    facts_file: Path, facts_data: dict[str, Any], out: Path
) -> None:
    put(facts_file, big_facts(facts_data, 900, "First"))
    started = time.perf_counter()
    publish(facts_file, out)
    build_seconds = time.perf_counter() - started
    pdf, manifest_bytes = (out / "bakhmut.pdf").read_bytes(), (out / "bakhmut" / "manifest.json").read_bytes()
    put(facts_file, big_facts(facts_data, 900, "Second"))

    for moment in random.Random(5).sample(range(10), 3):  # a few moments spread over the build
        proc = start_cli(str(facts_file), "--out", str(out), "-v")
        wait_for_line(proc, "Drawing charts")
        time.sleep(build_seconds * 0.4 * moment / 10)
        proc.kill()
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        assert (out / "bakhmut.pdf").read_bytes() == pdf
        assert (out / "bakhmut" / "manifest.json").read_bytes() == manifest_bytes
        assert len(pypdf.PdfReader(out / "bakhmut.pdf").pages) > 1
        assert names(out) == [BASE]

    edition = publish(facts_file, out)  # and the next run completes normally
    assert edition.name == f"{BASE}-r2"
    assert ("Situation: 900 statements are new or reworded and 900 earlier ones were reworded or removed "
            "(too many to list one by one).") in squash(pdf_text(edition.pdf_path.read_bytes()))
    assert_consistent(out)


def test_the_changes_section_stays_readable_when_much_changed(facts_data: dict[str, Any]) -> None:
    before = {**facts_data, "figures": [{**figure(facts_data, "civilians"), "id": f"f{i}", "value": i} for i in range(80)]}
    after = {**before, "figures": [{**f, "value": f["value"] + 1} for f in before["figures"]], "title": "New title"}
    lines = describe_changes(before, after)
    assert len(lines) == 51
    assert lines[0] == "Civilians still in Bakhmut: about 0 -> about 1 people (+1)"
    assert lines[-2:] == ["And 31 more changes, not listed here.", "Also changed: the title."]


def test_a_long_fully_reworded_brief_lists_its_changes_quickly(facts_data: dict[str, Any]) -> None:
    rng = random.Random(9)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(400)]

    def statement() -> dict[str, Any]:
        return {"text": " ".join(rng.choice(vocabulary) for _ in range(400))[:2000].strip(), "sources": ["cnn"]}

    def long_brief() -> dict[str, Any]:
        return {**facts_data, "key_points": [statement() for _ in range(8)],
                "sections": {name: [statement() for _ in range(15)] for name in ("situation", "stakes", "outlook")}}

    before, after = long_brief(), long_brief()
    reworded = copy.deepcopy(before)
    reworded["sections"]["stakes"][3]["text"] = before["sections"]["stakes"][3]["text"].replace(" ", "  and ", 3)
    started = time.perf_counter()

    lines = describe_changes(before, after)

    assert time.perf_counter() - started < 3  # pairwise character matching took minutes
    assert len(lines) == 50 and lines[-1] == "And 57 more changes, not listed here."
    [line] = describe_changes(before, reworded)  # a real rewording is still found
    assert line.startswith('Stakes, reworded: "') and " and " in line


# --------------------------------------------------------------------------------------------------
# --every and --cron
# --------------------------------------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_every_picks_up_edits_survives_a_bad_one_and_stops_cleanly_on_sigterm(
    facts_file: Path, facts_data: dict[str, Any], out: Path, tmp_path: Path
) -> None:
    log_path = tmp_path / "stderr.log"
    with log_path.open("w") as log_file:
        proc = start_cli(str(facts_file), "--out", str(out), "--every", "0.2", stderr=log_file)
        try:
            def log() -> str:
                return log_path.read_text(encoding="utf-8")

            wait_until(lambda: "bakhmut: unchanged since edition" in log(), "the first edition and an unchanged tick")
            pdf, manifest_bytes = (out / "bakhmut.pdf").read_bytes(), (out / "bakhmut" / "manifest.json").read_bytes()

            put(facts_file, "spec: 1\nid: bakhmut\ntitle: [unclosed\n")
            wait_until(lambda: log().count(f"{facts_file}: line ") >= 2, "the bad edit reported on two ticks")
            assert (out / "bakhmut.pdf").read_bytes() == pdf
            assert (out / "bakhmut" / "manifest.json").read_bytes() == manifest_bytes

            figure(facts_data, "civilians")["value"] = 4000
            put(facts_file, facts_data)
            wait_until(lambda: f"edition {BASE}-r2 built" in log(), "the second edition")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    text = log_path.read_text(encoding="utf-8")
    assert proc.returncode == 0
    assert "SIGTERM received" in text and text.rstrip().endswith("stopped")
    assert "Traceback" not in text
    bad_lines = [line for line in text.splitlines() if line.startswith(f"{facts_file}: ")]
    assert bad_lines and all(line == bad_lines[0] for line in bad_lines)  # the usual one-line message, each tick
    assert names(out) == [BASE, f"{BASE}-r2"]
    assert "about 4,500 -> about 4,000 people (-500)" in squash(pdf_text((out / "bakhmut.pdf").read_bytes()))
    assert_consistent(out)


def test_every_stops_on_sigint(facts_file: Path, out: Path) -> None:
    proc = start_cli(str(facts_file), "--out", str(out), "--every", "0.2")
    wait_for_line(proc, "unchanged since edition")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "SIGINT received" in stderr and stderr.rstrip().endswith("stopped") and "Traceback" not in stderr
    assert_consistent(out)


def test_every_logs_one_progress_line_per_brief_per_tick(facts_file: Path, out: Path) -> None:
    result = run_cli(str(facts_file), "--out", str(out), "--every", "0.2", "--max-ticks", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"bakhmut: edition {BASE} built (6 pages)")
    assert lines[1:] == [f"bakhmut: unchanged since edition {BASE}"] * 2 + ["stopped"]


def test_every_tick_hands_the_current_edition_to_the_callback_even_after_a_failure(
    facts_file: Path, facts_data: dict[str, Any], out: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    def mail(edition: Edition) -> None:
        seen.append(edition.name)
        if len(seen) == 1:  # an editor saves a change between two ticks
            figure(facts_data, "children")["value"] = 40
            put(facts_file, facts_data)
        elif len(seen) == 2:
            raise DeliveryError("bakhmut: the mail server refused desk@example.org (450 try later)")

    with caplog.at_level(logging.INFO, logger="briefing"):
        schedule.run([facts_file], out, briefing.BuildOptions(), schedule.every(0.01), on_edition=mail, max_ticks=4)

    # unchanged editions too: the mail step, not this process's memory, knows who still lacks one
    assert seen == [BASE, f"{BASE}-r2", f"{BASE}-r2", f"{BASE}-r2"]
    assert "bakhmut: the mail server refused desk@example.org (450 try later)" in caplog.messages


def test_cron_fires_at_the_crontab_times() -> None:
    next_tick = schedule.cron("0 6 * * *")
    now = dt.datetime(2023, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    first = next_tick(None, now)
    second = next_tick(first, first)
    assert first > now and (first.astimezone().hour, first.astimezone().minute) == (6, 0)
    assert second - first == dt.timedelta(days=1)


def test_cli_rejects_a_bad_cron_line_and_mixed_schedules(facts_file: Path, out: Path) -> None:
    bad = invoke_cli(str(facts_file), "--out", str(out), "--cron", "0 25 * * *")
    assert bad.returncode == 64 and "Invalid value for --cron" in bad.stderr and "25" in bad.stderr
    both = invoke_cli(str(facts_file), "--out", str(out), "--cron", "0 6 * * *", "--every", "60")
    assert both.returncode == 64 and "--every and --cron exclude each other" in both.stderr
    assert not out.exists()


def test_another_paper_size_is_the_same_edition_in_that_size(facts_file: Path, facts_data: dict[str, Any], out: Path) -> None:
    def size(path: Path) -> tuple[int, int]:
        box = pypdf.PdfReader(path).pages[0].mediabox
        return round(float(box.width)), round(float(box.height))

    publish(facts_file, out)
    figure(facts_data, "children")["value"] = 40
    put(facts_file, facts_data)
    a4 = publish(facts_file, out)  # edition 2, with a changes section

    letter = publish(facts_file, out, briefing.BuildOptions(paper="letter"))

    assert not letter.built and letter.name == a4.name  # nothing new to publish or mail
    assert size(out / "bakhmut.pdf") == (612, 792) and size(letter.archive_path) == (612, 792)
    text = squash(pdf_text((out / "bakhmut.pdf").read_bytes()))
    assert "Edition 2 (revision 2 of 1 March 2023)" in text and "Changes since the previous edition" in text
    assert [e["name"] for e in manifest(out)["editions"]] == [BASE, f"{BASE}-r2"]

    back = publish(facts_file, out)

    assert not back.built and back.name == a4.name and size(out / "bakhmut.pdf") == (595, 842)
    assert_consistent(out)
    again = publish(facts_file, out, briefing.BuildOptions(paper="letter"))  # the variant is reused
    assert not again.built and again.name == a4.name and size(out / "bakhmut.pdf") == (612, 792)
    assert len(manifest(out)["editions"]) == 2


def test_an_edition_from_before_the_paper_size_left_the_fingerprint_is_not_rebuilt(facts_file: Path, out: Path) -> None:
    from briefing.editions import fingerprint

    publish(facts_file, out)
    data = manifest(out)
    entry = data["editions"][0]
    del entry["paper"]  # as an earlier version wrote it: the paper size among the inputs
    entry["inputs"]["options"] = "paper=a4"
    entry["fingerprint"] = fingerprint(entry["inputs"])
    (out / "bakhmut" / "manifest.json").write_text(json.dumps(data), encoding="utf-8")

    again = publish(facts_file, out)  # an upgrade must not publish (and mail) a new edition

    assert not again.built and len(manifest(out)["editions"]) == 1


def test_a_remembered_tree_hash_still_sees_a_rewrite_that_keeps_size_and_mtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The assets' hash is remembered across runs by each file's stat; a same-size rewrite with the old
    mtime put back (what a careless copy tool does) must still count as a change."""
    from briefing.editions import _tree_hash

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    tree = tmp_path / "assets"
    (tree / "map").mkdir(parents=True)
    (tree / "map" / "a.bin").write_bytes(b"one")
    (tree / ".hidden").write_bytes(b"not an input")
    first = _tree_hash(tree, cached=True)
    assert list((tmp_path / "xdg" / "briefing").glob("??/*"))  # remembered
    assert _tree_hash(tree, cached=True) == first == _tree_hash(tree, cached=False, memo=False)
    st = (tree / "map" / "a.bin").stat()
    time.sleep(0.01)
    (tree / "map" / "a.bin").write_bytes(b"two")
    os.utime(tree / "map" / "a.bin", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _tree_hash(tree, cached=True) == _tree_hash(tree, cached=False, memo=False) != first


def test_the_draft_of_a_first_edition_has_no_changes_section_and_of_a_later_one_says_no_change(facts_file: Path, out: Path) -> None:
    from briefing import load_facts
    from briefing.editions import draft_changes, publish

    publish(facts_file, out)
    data = facts_file.read_bytes()
    assert draft_changes(load_facts(facts_file), data, facts_file, out) is None  # the first edition itself: nothing to compare
    facts_file.write_text(facts_file.read_text(encoding="utf-8").replace("Battle for Bakhmut", "The battle for Bakhmut", 1), encoding="utf-8")
    publish(facts_file, out)
    again = draft_changes(load_facts(facts_file), facts_file.read_bytes(), facts_file, out)
    assert again is not None and again.lines == ("No change: this draft is the brief of that edition.",)
