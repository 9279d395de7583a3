"""The state store (issue 26): two hosts share one schedule through a real PostgreSQL, and no recipient
is mailed twice; an old output folder is taken in whole; a bad --state is one line, exit 2. (The
default SQLite file of one host: tests/test_state_local.py.)

PostgreSQL runs on loopback in a temporary folder (``initdb``, then ``pg_ctl start``; as the user
``nobody`` when the tests run as root, since the server refuses root). The hosts are separate
processes of ``make_report.py``; the mail goes to the real SMTP server of tests/test_mail.py.
Without the server binaries (Debian's ``postgresql`` package, which .ci/run installs) this
module skips, with one line saying why.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from conftest import BAKHMUT, ROOT, run_cli
from test_mail import Recorder, free_port, smtp_server  # noqa: F401 - smtp_server is a fixture
from test_state_local import check_old_folder_taken_in, copy_views, old_folder, published  # noqa: F401 - published is a fixture

PASSWORD = "s3cret-pw"


def _pg_bin() -> Path | None:
    """The folder of the PostgreSQL server binaries (initdb, pg_ctl, postgres), if installed."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return next((c for c in candidates if (c / "initdb").is_file() and (c / "postgres").is_file()), None)


if _pg_bin() is None:  # one line in the summary for the whole module (-ra), as the issue asks
    pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl): .ci/run installs Debian's postgresql package for these tests",
                allow_module_level=True)


@dataclass
class Postgres:
    """A running PostgreSQL: a superuser on the socket, ``briefing`` (owns each test database) and
    ``reader`` (may connect, may not create tables) on 127.0.0.1 with passwords."""

    port: int
    socket_dir: Path
    databases: list[str] = field(default_factory=list)

    def admin(self, dbname: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres", dbname=dbname, autocommit=True)

    def new_database(self) -> str:
        name = f"briefing_{len(self.databases) + 1}_{os.getpid()}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER briefing')
        self.databases.append(name)
        return name

    def url(self, dbname: str, user: str = "briefing", password: str = PASSWORD, port: int | None = None) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{port or self.port}/{dbname}"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL server for this module, in a temporary folder, stopped and removed after."""
    bin_dir = _pg_bin()
    assert bin_dir is not None
    as_user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="briefing-pg-"))
    if as_user:
        shutil.chown(base, "nobody", "nogroup")
    data, sockets, pwfile = base / "data", base / "sockets", base / "pw"
    pwfile.write_text(PASSWORD + "\n")
    sockets.mkdir()
    if as_user:
        for path in (sockets, pwfile):
            shutil.chown(path, "nobody", "nogroup")
    port = free_port()

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=120, cwd=base)
        assert done.returncode == 0, done.stdout + done.stderr

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
        f"--pwfile={pwfile}", "--no-locale", "-E", "UTF8", "-N")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
        "-o", f"-k {sockets} -h 127.0.0.1 -p {port} -c fsync=off -c max_connections=60", "start")
    server = Postgres(port, sockets)
    try:
        with server.admin() as conn:
            conn.execute(f"CREATE ROLE briefing LOGIN PASSWORD '{PASSWORD}'")
            conn.execute("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'")
        yield server
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


def start_host(out: Path, url: str, recipients: Path, env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen[bytes]:
    """One host: ``--every`` with ``--send``, against the shared database, its log to ``log``."""
    command = [sys.executable, str(ROOT / "make_report.py"), str(BAKHMUT), "--out", str(out), "--state", url,
               "--every", "0.3", "--lock-timeout", "0", "--send", "--to-file", str(recipients), *extra]
    with log.open("wb") as sink:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sink)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def stop(*hosts: subprocess.Popen[bytes]) -> None:
    for host in hosts:
        if host.poll() is None:
            host.send_signal(signal.SIGTERM)
    for host in hosts:
        try:
            host.wait(timeout=60)
        except subprocess.TimeoutExpired:
            host.kill()
            host.wait()


def db_deliveries(postgres: Postgres, dbname: str) -> list[tuple[str, str, str]]:
    with postgres.admin(dbname) as conn:
        return conn.execute("SELECT edition, recipient_key, status FROM briefing_deliveries ORDER BY seq").fetchall()


@dataclass
class Slow(Recorder):
    """Stores each message, then answers its final "." after ``delay`` seconds; the ``hold_at``-th is
    held (stored, its reply not sent) until ``release`` is set."""

    delay: float = 0.0
    hold_at: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        if len(self.received) == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        await asyncio.sleep(self.delay)
        return f"250 2.0.0 OK: queued as Q{len(self.received)}"


def recipients_file(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    everyone = [f"r{i:02d}@example.org" for i in range(n)]
    path = tmp_path / "recipients.txt"
    path.write_text("\n".join(everyone) + "\n", encoding="utf-8")
    return path, everyone


# --------------------------------------------------------------------------------------------------
# Two hosts, one PostgreSQL
# --------------------------------------------------------------------------------------------------


def test_two_schedulers_on_one_database_mail_each_of_50_recipients_once(postgres, smtp_server, published, tmp_path):
    server = smtp_server(Slow(delay=0.02))
    dbname = postgres.new_database()
    out = copy_views(published, tmp_path / "shared")  # the shared mount both hosts publish into
    listing, everyone = recipients_file(tmp_path, 50)
    logs = [tmp_path / "host-a.log", tmp_path / "host-b.log"]
    hosts = [start_host(out, postgres.url(dbname), listing, server.env(), log) for log in logs]
    try:
        wait_until(lambda: len(server.handler.received) >= 50, "50 messages")
        wait_until(lambda: all(log.read_text().count("already mailed to all 50 recipients") >= 1 for log in logs),
                   "both hosts finding the list done")
    finally:
        stop(*hosts)
    texts = [log.read_text() for log in logs]
    assert [h.returncode for h in hosts] == [0, 0], texts
    copies = Counter(server.handler.recipients())
    assert sorted(copies) == everyone and set(copies.values()) == {1}, copies  # exactly one copy each
    mailed = [int(m) for t in texts for m in re.findall(r"edition 20230301 mailed to (\d+) recipients", t)]
    assert sum(mailed) == 50, mailed  # the list mailed once in all, whichever host took it
    assert all("Traceback" not in t for t in texts)
    rows = db_deliveries(postgres, dbname)
    assert len(rows) == 50 and {status for _, _, status in rows} == {"accepted"}
    ledger = json.loads((out / "bakhmut.deliveries.json").read_text())["deliveries"]  # the view agrees
    assert sorted(e["recipient"] for e in ledger) == everyone and not any("status" in e for e in ledger)


def test_a_scheduler_killed_mid_list_leaves_the_rest_to_the_other(postgres, smtp_server, published, tmp_path):
    server = smtp_server(Slow(hold_at=10))
    dbname = postgres.new_database()
    out = copy_views(published, tmp_path / "shared")
    listing, everyone = recipients_file(tmp_path, 50)
    first = start_host(out, postgres.url(dbname), listing, server.env(), tmp_path / "a.log")
    second = None
    try:
        assert server.handler.holding.wait(timeout=120), "the first host never reached the tenth recipient"
        second = start_host(out, postgres.url(dbname), listing, server.env(), tmp_path / "b.log")
        wait_until(lambda: "is mailing this brief right now" in (tmp_path / "b.log").read_text(),
                   "the second host finding the list claimed")
        first.send_signal(signal.SIGKILL)  # mid-list: nine accepted, the tenth with the server, forty to go
        first.wait(timeout=30)
        server.handler.release.set()
        wait_until(lambda: len(server.handler.received) >= 50, "the second host finishing the list")
        wait_until(lambda: "already mailed to all 50 recipients" in (tmp_path / "b.log").read_text(), "a quiet tick")
    finally:
        server.handler.release.set()
        stop(*[h for h in (first, second) if h is not None])
    b_log = (tmp_path / "b.log").read_text()
    assert first.returncode == -signal.SIGKILL and second is not None and second.returncode == 0, b_log
    copies = Counter(server.handler.recipients())
    assert sorted(copies) == everyone and set(copies.values()) == {1}, copies  # still one copy each
    assert "edition 20230301 mailed to 40 recipients" in b_log, b_log
    assert "to r09@example.org: uncertain - an earlier run stopped while sending it" in b_log
    statuses = Counter(status for _, _, status in db_deliveries(postgres, dbname))
    assert statuses == {"accepted": 49, "sending": 1}


def test_a_session_lost_mid_list_records_nothing_more_and_the_next_tick_finishes_once_each(postgres, smtp_server, published,
                                                                                             tmp_path):
    server = smtp_server(Slow(hold_at=10))
    dbname = postgres.new_database()
    out = copy_views(published, tmp_path / "shared")
    listing, everyone = recipients_file(tmp_path, 50)
    log = tmp_path / "host.log"
    host = start_host(out, postgres.url(dbname), listing, server.env(), log)
    try:
        assert server.handler.holding.wait(timeout=120), "the host never reached the tenth recipient"
        with postgres.admin() as conn:  # the server ends the host's sessions, as after a restart or a partition
            ended = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
                                 (dbname,)).fetchone()[0]
        assert ended >= 1
        server.handler.release.set()
        wait_until(lambda: len(server.handler.received) >= 50, "the next tick finishing the list")
        wait_until(lambda: "already mailed to all 50 recipients" in log.read_text(), "a quiet tick")
    finally:
        server.handler.release.set()
        stop(host)
    text = log.read_text()
    assert host.returncode == 0 and "Traceback" not in text, text
    assert "cannot record that r09@example.org has it" in text  # its claim's session was gone: it stopped there
    copies = Counter(server.handler.recipients())
    assert sorted(copies) == everyone and set(copies.values()) == {1}, copies
    assert "edition 20230301 mailed to 40 recipients" in text
    assert Counter(status for _, _, status in db_deliveries(postgres, dbname)) == {"accepted": 49, "sending": 1}


# --------------------------------------------------------------------------------------------------
# An old output folder, a newer schema, a bad --state
# --------------------------------------------------------------------------------------------------


def test_an_old_output_folder_is_taken_into_postgresql_with_every_edition_and_ledger_line(postgres, published, tmp_path,
                                                                                           smtp_server):
    out, manifest_bytes, ledger_bytes = old_folder(published, tmp_path)
    check_old_folder_taken_in(out, manifest_bytes, ledger_bytes, postgres.url(postgres.new_database()), smtp_server())
    assert not (out / "briefing.db").exists()


def test_a_database_newer_than_the_tool_is_refused_in_one_line(postgres, published, tmp_path):
    dbname = postgres.new_database()
    url = postgres.url(dbname)
    out = copy_views(published, tmp_path / "out")
    assert run_cli(str(BAKHMUT), "--out", str(out), "--state", url, "-q").returncode == 0  # creates the schema
    with postgres.admin(dbname) as conn:
        conn.execute("UPDATE briefing_meta SET value = '99' WHERE key = 'schema_version'")
    (out / "bakhmut.pdf").unlink()

    result = run_cli(str(BAKHMUT), "--out", str(out), "--state", url)

    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert "the state database has schema version 99, newer than this briefing knows (1); upgrade briefing" in line
    assert PASSWORD not in line and not (out / "bakhmut.pdf").exists()  # nothing built, nothing restored



@pytest.mark.parametrize("case", ["unreachable", "wrong password", "no permission"])
def test_a_bad_state_is_one_line_and_exit_2_before_anything_is_built_or_sent(case, postgres, smtp_server, tmp_path):
    server = smtp_server()
    dbname = postgres.new_database()
    url = {"unreachable": postgres.url(dbname, port=free_port()),
           "wrong password": postgres.url(dbname, password="not-the-password"),
           "no permission": postgres.url(dbname, user="reader", password="reader-pw")}[case]
    out = tmp_path / "out"
    started = time.monotonic()

    result = run_cli(str(BAKHMUT), "--out", str(out), "--state", url, "--send", "--to", "anna@example.org", env=server.env())

    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    expected = {"unreachable": "Connection refused", "wrong password": 'password authentication failed for user "briefing"',
                "no permission": "permission denied for schema public"}[case]
    assert expected in line and PASSWORD not in line, line
    assert line.startswith(f"--state postgresql://{'reader' if case == 'no permission' else 'briefing'}:***@127.0.0.1:")
    assert not (out / "bakhmut.pdf").exists() and server.handler.received == []
    assert time.monotonic() - started < 30
