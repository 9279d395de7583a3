"""The state store (issue 26) on one host: the default SQLite file ``OUT/briefing.db`` takes in an old
output folder whole, refuses a schema newer than the tool, and a --state that names no database is
one line, exit 2. (The shared PostgreSQL of several hosts: tests/test_state.py.)"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from briefing.editions import publish
from briefing.mail import send_edition
from conftest import BAKHMUT, invoke_cli, run_cli
from test_mail import smtp_server  # noqa: F401 - a fixture


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example brief published once (default store); tests copy its folder and never rebuild it."""
    out = tmp_path_factory.mktemp("published") / "out"
    publish(BAKHMUT, out)
    return out


def copy_views(published: Path, to: Path) -> Path:
    """The published folder without its database: what an output folder of an older briefing holds."""
    shutil.copytree(published, to, ignore=shutil.ignore_patterns("briefing.db*", ".*lock"))
    return to


def old_folder(published: Path, tmp_path: Path) -> tuple[Path, bytes, bytes]:
    """An output folder as an older briefing leaves it: two editions, a ledger of three lines (one of
    them uncertain), no database; and the bytes of its manifest and ledger."""
    out = copy_views(published, tmp_path / "old")
    manifest_path = out / "bakhmut" / "manifest.json"
    data = json.loads(manifest_path.read_text())
    latest = data["editions"][0]
    data["editions"] = [{**latest, "number": 1, "name": "20230228", "as_of": "2023-02-28", "fingerprint": "1" * 64},
                        {**latest, "number": 2}]
    manifest_path.write_text(json.dumps(data, indent=2) + "\n")
    ledger = {"version": 1, "deliveries": [
        {"edition": "20230228", "recipient": "anna@example.org", "message_id": "<a@x>", "accepted": "2023-02-28T18:00:00Z", "reply": "250 ok"},
        {"edition": "20230301", "recipient": "anna@example.org", "message_id": "<b@x>", "accepted": "2023-03-01T18:00:00Z", "reply": "250 ok"},
        {"edition": "20230301", "recipient": "Bob@example.org", "message_id": "<c@x>", "accepted": "2023-03-01T18:00:01Z",
         "reply": "no reply", "status": "uncertain"}]}
    (out / "bakhmut.deliveries.json").write_text(json.dumps(ledger, indent=2) + "\n")
    return out, manifest_path.read_bytes(), (out / "bakhmut.deliveries.json").read_bytes()


def check_old_folder_taken_in(out: Path, manifest_bytes: bytes, ledger_bytes: bytes, url: str | None, server: Any) -> None:
    """Every edition and ledger line of ``out`` in the store at ``url``, the old files untouched, and a
    send that mails only the recipient the old ledger lacks."""
    from briefing.state import open_store

    store = open_store(url, out)
    editions, deliveries = store.editions("bakhmut"), store.deliveries("bakhmut")

    assert editions == json.loads(manifest_bytes)["editions"]  # every edition, as it was
    assert deliveries == json.loads(ledger_bytes)["deliveries"]  # every ledger line, as it was
    assert (out / "bakhmut" / "manifest.json").read_bytes() == manifest_bytes  # the old files left in place
    assert (out / "bakhmut.deliveries.json").read_bytes() == ledger_bytes
    # the latest edition has anna and (uncertain) bob already: a send adds carl alone
    edition = publish(BAKHMUT, out, state=url)
    assert not edition.built and edition.name == "20230301"
    report = send_edition(edition, ["anna@example.org", "bob@example.org", "carl@example.org"],
                          settings=server.settings(), out_dir=out, state=url)
    assert report.sent == ("carl@example.org",) and server.handler.recipients() == ["carl@example.org"]
    lines = store.deliveries("bakhmut")
    assert lines[:3] == json.loads(ledger_bytes)["deliveries"] and lines[3]["recipient"] == "carl@example.org"  # nothing lost
    assert [e["name"] for e in store.editions("bakhmut")] == ["20230228", "20230301"]


def test_an_old_output_folder_is_taken_in_with_every_edition_and_ledger_line(published, tmp_path, smtp_server):
    out, manifest_bytes, ledger_bytes = old_folder(published, tmp_path)
    check_old_folder_taken_in(out, manifest_bytes, ledger_bytes, None, smtp_server())
    assert (out / "briefing.db").is_file()


def test_a_default_database_newer_than_the_tool_is_refused_in_one_line(published, tmp_path):
    local = copy_views(published, tmp_path / "local")
    assert run_cli(str(BAKHMUT), "--out", str(local), "-q").returncode == 0
    with sqlite3.connect(local / "briefing.db") as conn:
        conn.execute("UPDATE briefing_meta SET value = '7' WHERE key = 'schema_version'")
    (local / "bakhmut.pdf").unlink()

    again = run_cli(str(BAKHMUT), "--out", str(local), "--send", "--to", "anna@example.org", "--dry-run",
                    env={**os.environ, "BRIEFING_MAIL_FROM": "briefs@example.org"})

    assert again.returncode == 2, again.stderr
    [line] = again.stderr.splitlines()
    assert line == (f"{local / 'briefing.db'}: the state database has schema version 7, newer than this briefing knows (1); "
                    "upgrade briefing on this host, or give --state another database")
    assert not (local / "bakhmut.mail").exists() and not (local / "bakhmut.pdf").exists()  # nothing built or written


def test_a_state_that_names_no_database_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "out"
    result = invoke_cli(str(BAKHMUT), "--out", str(out), "--state", "mysql://briefing:s3cret-pw@127.0.0.1/briefing")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("--state mysql://briefing:***@127.0.0.1/briefing: not a state database URL; give postgresql://")
    assert not out.exists()


def test_on_one_host_a_removed_view_starts_over_as_a_removed_file_did(published, tmp_path, smtp_server):
    """The README's ways out stay true: delete the ledger to send everyone the edition again; move the
    manifest aside to start a new series of editions."""
    server = smtp_server()
    out = copy_views(published, tmp_path / "out")
    edition = publish(BAKHMUT, out)
    send_edition(edition, ["anna@example.org"], settings=server.settings(), out_dir=out)
    assert send_edition(edition, ["anna@example.org"], settings=server.settings(), out_dir=out).skipped == ("anna@example.org",)

    (out / "bakhmut.deliveries.json").unlink()
    again = send_edition(edition, ["anna@example.org"], settings=server.settings(), out_dir=out)

    assert again.sent == ("anna@example.org",) and server.handler.recipients() == ["anna@example.org"] * 2
    (out / "bakhmut" / "manifest.json").unlink()
    anew = publish(BAKHMUT, out)
    assert anew.built and anew.number == 1
    assert [e["number"] for e in json.loads((out / "bakhmut" / "manifest.json").read_text())["editions"]] == [1]
