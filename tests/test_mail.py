"""Distribution by email, against a real SMTP server (aiosmtpd on 127.0.0.1) - no mocks.

End-to-end cases run ``make_report.py`` in a subprocess, so they see exactly what a user sees;
the library is called directly where that is simpler. Every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import html
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pypdf
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from briefing.editions import Edition, publish
from briefing.errors import ConfigError, DeliveryError, LockedError, MailError
from briefing.validate import load_facts
from briefing.mail import SmtpSettings, compose, message_bytes, read_recipients, send_edition

from conftest import BAKHMUT, ROOT, invoke_cli, run_cli

FAST = {"BRIEFING_SMTP_RETRY_BASE": "0.01", "BRIEFING_SMTP_TIMEOUT": "5"}
SENDER = "briefs@example.org"


# --------------------------------------------------------------------------------------------------
# A real SMTP server whose replies a test can script
# --------------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """aiosmtpd handler: records each accepted message; ``script`` gives per-address RCPT replies.

    ``script["a@x.org"] = ["451 ...", "550 ..."]`` answers the first RCPT for a@x.org with 451, the
    second with 550, and every later one with 250; ``refuse`` answers every RCPT for those with 550.
    """

    script: dict[str, list[str]] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    received: list[tuple[str, tuple[str, ...], bytes]] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        self.attempts.append(address)
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        queued = self.script.get(address)
        if queued:
            return queued.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        return f"250 2.0.0 OK: queued as Q{len(self.received)}"

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [message_from_bytes(data, policy=policy.default) for _, rcpts, data in self.received if address in rcpts]  # type: ignore[misc]

    def recipients(self) -> list[str]:
        return [r for _, rcpts, _ in self.received for r in rcpts]


@dataclass
class Server:
    controller: Controller
    handler: Any
    port: int

    def env(self, **extra: str) -> dict[str, str]:
        """The environment a user would set to reach this server (on top of a clean copy of ours)."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
        return base | FAST | {
            "BRIEFING_SMTP_HOST": "127.0.0.1",
            "BRIEFING_SMTP_PORT": str(self.port),
            "BRIEFING_SMTP_SECURITY": "none",
            "BRIEFING_MAIL_FROM": SENDER,
        } | extra

    def settings(self, **extra: str) -> SmtpSettings:
        return SmtpSettings.from_env(self.env(**extra))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., Server]]:
    """Start aiosmtpd servers on free loopback ports; each is stopped after the test."""
    started: list[Controller] = []

    def start(handler: Any = None, **kwargs: Any) -> Server:
        handler = handler if handler is not None else Recorder()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
        controller.start()
        started.append(controller)
        return Server(controller, handler, port)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls(ca: trustme.CA, tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a certificate for 127.0.0.1 made by a throwaway CA, and that CA's file."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return context, cafile


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example brief built once; tests copy it instead of rebuilding."""
    out = tmp_path_factory.mktemp("built")
    publish(BAKHMUT, out)
    return out / "bakhmut.pdf"


@pytest.fixture
def edition(built: Path, tmp_path: Path) -> Edition:
    """An edition of the example brief in this test's own output folder."""
    out = tmp_path / "out"
    out.mkdir()
    pdf = out / "bakhmut.pdf"
    pdf.write_bytes(built.read_bytes())
    return Edition(facts=load_facts(BAKHMUT), facts_path=BAKHMUT, pdf_path=pdf, name="20230301", built=True)


def send_cli(out: Path, *args: str, env: dict[str, str], facts: Path = BAKHMUT) -> subprocess.CompletedProcess[str]:
    """``--send`` through the command line; ``-q`` leaves only errors on stderr (and paths on stdout)."""
    result = run_cli(str(facts), "--out", str(out), "--send", "-q", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def ledger(out: Path, brief: str = "bakhmut") -> list[tuple[str, str]]:
    path = out / f"{brief}.deliveries.json"
    if not path.exists():
        return []
    return [(e["edition"], e["recipient"]) for e in json.loads(path.read_text())["deliveries"]]


# --------------------------------------------------------------------------------------------------
# End to end, through the command line
# --------------------------------------------------------------------------------------------------


def test_each_recipient_gets_the_brief_once_and_a_rerun_sends_nothing(smtp_server, tmp_path):
    server = smtp_server()
    out = tmp_path / "out"
    listing = tmp_path / "list.txt"
    listing.write_text("# the desk\nanna@example.org\n\n  bob@example.org   # night shift\nANNA@example.org\n", encoding="utf-8")

    result = send_cli(out, "--to", "chief@example.org", "--to-file", str(listing), env=server.env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(out / "bakhmut.pdf")]
    pdf = (out / "bakhmut.pdf").read_bytes()
    everyone = ["chief@example.org", "anna@example.org", "bob@example.org"]
    assert sorted(server.handler.recipients()) == sorted(everyone)
    ids = set()
    for address in everyone:
        [msg] = server.handler.messages_to(address)
        assert msg["Subject"] == "[UNCLASSIFIED - OPEN SOURCES] Battle for Bakhmut - as of 1 March 2023"
        assert msg["From"] == SENDER and msg["To"] == address and msg["Date"]
        ids.add(msg["Message-ID"])
        text = msg.get_body(("plain",)).get_content()
        page = msg.get_body(("html",)).get_content()
        assert "Russian forces are edging closer to capturing Bakhmut" in text and "Situation (9)" in text
        assert "- Assessment (2)\r\n" in text and "- Indicators (4)\r\n" in text
        assert "Russian forces are edging closer to capturing Bakhmut" in page and "<li>Outlook (3)</li>" in page
        [attachment] = list(msg.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == "bakhmut.pdf"
        assert attachment.get_content() == pdf
    assert len(ids) == 3
    assert {r for _, r in ledger(out)} == set(everyone)

    again = send_cli(out, "--to", "chief@example.org", "--to-file", str(listing), env=server.env())

    assert again.returncode == 0, again.stderr
    assert len(server.handler.received) == 3
    assert len(ledger(out)) == 3


def test_a_refused_recipient_fails_loudly_is_retried_next_run_and_the_others_are_delivered(smtp_server, tmp_path):
    server = smtp_server(Recorder(refuse={"ghost@example.org"}))
    out = tmp_path / "out"
    to = ["--to", "anna@example.org", "--to", "ghost@example.org", "--to", "bob@example.org"]

    first = send_cli(out, *to, env=server.env())

    assert first.returncode == 1
    [line] = first.stderr.splitlines()
    assert "ghost@example.org" in line and "550 5.1.1" in line and "User unknown" in line and "next run" in line
    assert sorted(server.handler.recipients()) == ["anna@example.org", "bob@example.org"]
    assert server.handler.attempts.count("ghost@example.org") == 1  # a 5xx is not retried within the run

    server.handler.refuse.clear()
    second = send_cli(out, *to, env=server.env())

    assert second.returncode == 0, second.stderr
    assert sorted(server.handler.recipients()) == ["anna@example.org", "bob@example.org", "ghost@example.org"]

    third = send_cli(out, *to, env=server.env())
    assert third.returncode == 0 and len(server.handler.received) == 3


def test_starttls_and_login_with_a_trusted_certificate(smtp_server, tls, tmp_path):
    context, cafile = tls
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"desk", b"s3cret pass")
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd itself replies 535

    server = smtp_server(tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True)
    env = server.env(BRIEFING_SMTP_SECURITY="starttls", BRIEFING_SMTP_CAFILE=str(cafile),
                     BRIEFING_SMTP_USER="desk", BRIEFING_SMTP_PASSWORD="s3cret pass")

    result = send_cli(tmp_path / "out", "--to", "anna@example.org", env=env)

    assert result.returncode == 0, result.stderr
    assert logins == [(b"desk", b"s3cret pass")] * 2  # the check before the build, then the send
    assert server.handler.recipients() == ["anna@example.org"]
    assert "s3cret" not in result.stdout + result.stderr

    wrong = send_cli(tmp_path / "out2", "--to", "anna@example.org", env=env | {"BRIEFING_SMTP_PASSWORD": "guess"})

    assert wrong.returncode == 2  # found before the build: nothing built, nothing sent
    [line] = wrong.stderr.splitlines()
    assert "refused the login" in line and "BRIEFING_SMTP_USER=desk" in line and "guess" not in line
    assert len(server.handler.received) == 1 and not (tmp_path / "out2").exists()


def test_mail_settings_that_cannot_work_are_one_line_before_the_build(smtp_server, tmp_path):
    plain = smtp_server()  # offers no STARTTLS
    result = send_cli(tmp_path / "out", "--to", "anna@example.org", env=plain.env(BRIEFING_SMTP_SECURITY="starttls"))
    assert (result.returncode, result.stderr.strip()) == (2, (
        f"127.0.0.1:{plain.port}: STARTTLS extension not supported by server; "
        "set BRIEFING_SMTP_SECURITY to what the server offers (none, starttls or ssl)"))
    assert not (tmp_path / "out").exists() and result.stdout == ""

    nobody = free_port()  # nothing listens there
    result = send_cli(tmp_path / "out", "--to", "anna@example.org",
                      env=plain.env(BRIEFING_SMTP_PORT=str(nobody), BRIEFING_SMTP_TIMEOUT="2"))
    assert result.returncode == 2 and not (tmp_path / "out").exists()
    [line] = result.stderr.splitlines()
    assert line.startswith(f"cannot talk to 127.0.0.1:{nobody}: ConnectionRefusedError") and \
        line.endswith("; check BRIEFING_SMTP_HOST and BRIEFING_SMTP_PORT (and that the server is up)")
    assert plain.handler.received == []

    dry = run_cli(str(BAKHMUT), "--out", str(tmp_path / "dry"), "--send", "--dry-run", "-q", "--to", "anna@example.org",
                  env=plain.env(BRIEFING_SMTP_PORT=str(nobody)))
    assert dry.returncode == 0, dry.stderr  # a dry run talks to no server


def test_a_rerun_says_the_edition_was_already_mailed_to_its_only_recipient(smtp_server, tmp_path):
    server = smtp_server()
    out = tmp_path / "out"
    assert send_cli(out, "--to", "anna@example.org", env=server.env()).returncode == 0
    again = run_cli(str(BAKHMUT), "--out", str(out), "--send", "--to", "anna@example.org", env=server.env())
    assert again.returncode == 0 and "was already mailed to its only recipient; nothing sent" in again.stderr, again.stderr
    assert "all 1 recipient" not in again.stderr


def test_over_the_size_limit_is_an_error_and_nothing_is_sent(smtp_server, tmp_path):
    server = smtp_server()
    out = tmp_path / "out"

    result = send_cli(out, "--to", "anna@example.org", env=server.env(BRIEFING_MAIL_MAX_BYTES="50000"))

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "over the limit of 50,000" in line and "BRIEFING_MAIL_MAX_BYTES" in line and "nothing was sent" in line
    assert server.handler.attempts == [] and server.handler.received == []
    assert ledger(out) == []


def test_a_bad_address_in_the_list_stops_everything_before_building(smtp_server, tmp_path):
    server = smtp_server()
    out = tmp_path / "out"
    listing = tmp_path / "list.txt"
    listing.write_text("anna@example.org\n# comment\nbob@@example.org\n", encoding="utf-8")

    result = send_cli(out, "--to-file", str(listing), env=server.env())

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f'{listing}:3: "bob@@example.org" is not a valid email address '
        "(The part after the @-sign contains invalid characters: '@'); correct or remove it"
    ]
    assert server.handler.attempts == [] and not (out / "bakhmut.pdf").exists()

    bad_option = send_cli(out, "--to", "not an address", env=server.env())
    assert bad_option.returncode == 2
    assert bad_option.stderr.startswith('--to: "not an address" is not a valid email address')


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"BRIEFING_SMTP_SECURITY": "tls"}, 'BRIEFING_SMTP_SECURITY="tls" is not supported; use none, starttls or ssl'),
        ({"BRIEFING_SMTP_PORT": "99999"}, 'BRIEFING_SMTP_PORT="99999" is not valid; expected a whole number from 1 to 65535'),
        ({"BRIEFING_MAIL_FROM": ""}, "BRIEFING_MAIL_FROM is not set; set it to the sender address, such as briefs@example.org"),
    ],
)
def test_bad_settings_are_one_line_before_anything_is_built(smtp_server, tmp_path, setting, message):
    server = smtp_server()
    result = send_cli(tmp_path / "out", "--to", "anna@example.org", env=server.env(**setting))
    assert (result.returncode, result.stderr.strip()) == (2, message)
    assert not (tmp_path / "out").exists()


def test_dry_run_writes_eml_files_and_sends_nothing(tmp_path):
    out = tmp_path / "out"
    nobody = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_")}
    env = nobody | FAST | {"BRIEFING_SMTP_HOST": "127.0.0.1", "BRIEFING_SMTP_PORT": str(free_port()), "BRIEFING_MAIL_FROM": SENDER}

    result = send_cli(out, "--to", "anna@example.org", "--to", "bob@example.org", "--dry-run", env=env)

    assert result.returncode == 0, result.stderr
    emls = [out / "bakhmut.mail" / "20230301-anna@example.org.eml", out / "bakhmut.mail" / "20230301-bob@example.org.eml"]
    assert result.stdout.splitlines() == [str(out / "bakhmut.pdf"), *map(str, emls)]
    msg = message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert msg["To"] == "anna@example.org"
    assert next(msg.iter_attachments()).get_content() == (out / "bakhmut.pdf").read_bytes()
    assert ledger(out) == []


def test_options_that_need_send_say_so():
    result = invoke_cli(str(BAKHMUT), "--to", "anna@example.org")
    assert result.returncode == 64 and "apply only with --send" in result.stderr


def test_a_crash_mid_send_never_sends_twice(smtp_server, tmp_path):
    """Kill the sender while the server holds the second message; the rerun skips the first recipient,
    and the second (the server may have it), and mails the third."""
    holding, release = threading.Event(), threading.Event()

    class HoldSecond(Recorder):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            if "bob@example.org" in envelope.rcpt_tos and not release.is_set():
                holding.set()
                while not release.is_set():
                    await asyncio.sleep(0.01)
                return "451 4.3.0 the sender went away"
            return await super().handle_DATA(server, session, envelope)

    server = smtp_server(HoldSecond())
    out = tmp_path / "out"
    to = ["--to", "anna@example.org", "--to", "bob@example.org", "--to", "carl@example.org"]
    command = [sys.executable, str(ROOT / "make_report.py"), str(BAKHMUT), "--out", str(out), "--send", *to]
    process = subprocess.Popen(command, cwd=ROOT, env=server.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert holding.wait(timeout=120), "the sender never reached the second recipient"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
    assert server.handler.recipients() == ["anna@example.org"]
    # bob's whole message was with the server when the sender died: recorded as being sent, not accepted
    assert ledger(out) == [("20230301", "anna@example.org"), ("20230301", "bob@example.org")]
    assert json.loads((out / "bakhmut.deliveries.json").read_text())["deliveries"][1]["status"] == "sending"

    rerun = send_cli(out, *to, env=server.env())

    assert rerun.returncode == 0, rerun.stderr
    assert server.handler.recipients() == ["anna@example.org", "carl@example.org"]  # bob may have it: never twice
    assert "to bob@example.org: uncertain - an earlier run stopped while sending it" in rerun.stderr


# --------------------------------------------------------------------------------------------------
# The library, directly
# --------------------------------------------------------------------------------------------------


def test_a_temporary_refusal_is_retried_and_delivered_once(smtp_server, edition):
    server = smtp_server(Recorder(script={"anna@example.org": ["451 4.7.1 Greylisted, try again later", "421 4.3.2 busy"]}))

    report = send_edition(edition, ["anna@example.org", "bob@example.org"], settings=server.settings(), out_dir=edition.pdf_path.parent)

    assert report.sent == ("anna@example.org", "bob@example.org")
    assert server.handler.attempts.count("anna@example.org") == 3
    assert sorted(server.handler.recipients()) == ["anna@example.org", "bob@example.org"]
    entries = json.loads((edition.pdf_path.parent / "bakhmut.deliveries.json").read_text())["deliveries"]
    assert entries[0]["reply"] == "250 2.0.0 OK: queued as Q1"


def test_a_recipient_still_refused_after_four_tries_is_reported_and_the_rest_delivered(smtp_server, edition):
    server = smtp_server(Recorder(script={"anna@example.org": ["452 4.2.2 Mailbox full"] * 4}))

    with pytest.raises(DeliveryError) as caught:
        send_edition(edition, ["anna@example.org", "bob@example.org"], settings=server.settings(), out_dir=edition.pdf_path.parent)

    assert str(caught.value) == (
        "bakhmut: edition 20230301 not mailed to anna@example.org: not delivered after 4 tries "
        "(452 4.2.2 Mailbox full); it will be tried again on the next run"
    )
    assert server.handler.recipients() == ["bob@example.org"]


def test_an_unreachable_server_is_retried_then_every_recipient_is_named(edition):
    settings = SmtpSettings(mail_from=SENDER, host="127.0.0.1", port=free_port(), security="none", retry_base=0.01, timeout=5)
    started = time.monotonic()

    with pytest.raises(DeliveryError) as caught:
        send_edition(edition, ["anna@example.org", "bob@example.org"], settings=settings, out_dir=edition.pdf_path.parent)

    lines = str(caught.value).splitlines()
    assert len(lines) == 2 and "anna@example.org" in lines[0] and "bob@example.org" in lines[1]
    assert "not delivered after 4 tries (cannot talk to 127.0.0.1" in lines[0] and "ConnectionRefusedError" in lines[0]
    assert "bob@example.org: not tried, as the server could not be reached; it will be tried again on the next run" in lines[1]
    assert time.monotonic() - started < 5


def test_a_silent_server_times_out_instead_of_hanging(edition):
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings = SmtpSettings(mail_from=SENDER, host="127.0.0.1", port=silent.getsockname()[1], security="none",
                                retry_base=0.01, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="not delivered after 4 tries .*timed out"):
            send_edition(edition, ["anna@example.org"], settings=settings, out_dir=edition.pdf_path.parent)
    assert time.monotonic() - started < 5


def test_only_the_reply_to_the_final_dot_gets_the_long_wait(smtp_server) -> None:
    """The next message on the same connection is back to BRIEFING_SMTP_TIMEOUT: a server that hangs
    on its MAIL or RCPT is given up on in seconds, not FINAL_REPLY_WAIT."""
    import smtplib

    from briefing.mail import FINAL_REPLY_WAIT, _transmit

    server = smtp_server()
    settings = SmtpSettings(mail_from=SENDER, host="127.0.0.1", port=server.port, security="none", timeout=7.0)
    with smtplib.SMTP("127.0.0.1", server.port, timeout=settings.timeout) as smtp:
        smtp.ehlo()
        _transmit(smtp, b"Subject: one\r\n\r\nbody\r\n", SENDER, "anna@example.org", settings)
        assert FINAL_REPLY_WAIT > 7.0 and smtp.sock.gettimeout() == 7.0
        _transmit(smtp, b"Subject: two\r\n\r\nbody\r\n", SENDER, "bob@example.org", settings)
    assert server.handler.recipients() == ["anna@example.org", "bob@example.org"]


def test_an_untrusted_certificate_stops_the_run_with_the_fix(smtp_server, tls, edition):
    context, _ = tls
    server = smtp_server(tls_context=context, require_starttls=True)

    with pytest.raises(MailError, match="certificate is not trusted .*set BRIEFING_SMTP_CAFILE"):
        send_edition(edition, ["anna@example.org"], settings=server.settings(BRIEFING_SMTP_SECURITY="starttls"),
                     out_dir=edition.pdf_path.parent)
    assert server.handler.received == []


def test_starttls_the_server_does_not_offer_is_one_line_with_the_fix(smtp_server, edition):
    server = smtp_server()

    with pytest.raises(MailError) as caught:
        send_edition(edition, ["anna@example.org"], settings=server.settings(BRIEFING_SMTP_SECURITY="starttls"),
                     out_dir=edition.pdf_path.parent)
    assert str(caught.value) == (
        f"127.0.0.1:{server.port}: STARTTLS extension not supported by server; "
        "set BRIEFING_SMTP_SECURITY to what the server offers (none, starttls or ssl)"
    )
    assert server.handler.received == []


def test_implicit_tls(smtp_server, tls, edition):
    context, cafile = tls
    server = smtp_server(ssl_context=context)
    settings = server.settings(BRIEFING_SMTP_SECURITY="ssl", BRIEFING_SMTP_CAFILE=str(cafile))

    send_edition(edition, ["anna@example.org"], settings=settings, out_dir=edition.pdf_path.parent)

    assert server.handler.recipients() == ["anna@example.org"]


def test_facts_text_arrives_literally_in_both_bodies(smtp_server, facts_data, write_facts, tmp_path):
    facts_data["key_points"][0]["text"] = "<b> & {{ 7*7 }}"
    facts_data["title"] = "Bakhmut <i>now</i>"
    edition = publish(write_facts(facts_data), tmp_path / "out")
    server = smtp_server()

    send_edition(edition, ["anna@example.org"], settings=server.settings(), out_dir=tmp_path / "out")

    [msg] = server.handler.messages_to("anna@example.org")
    text = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    assert "* <b> & {{ 7*7 }} (Sources: CNN)" in text and "49" not in text
    assert "<li>&lt;b&gt; &amp; {{ 7*7 }} " in page and "<b> &" not in page and "49" not in page
    assert "Bakhmut <i>now</i>" in html.unescape(page) and "<i>now</i>" not in page
    assert msg["Subject"] == "[UNCLASSIFIED - OPEN SOURCES] Bakhmut <i>now</i> - as of 1 March 2023"


def test_a_subject_in_any_script_stays_one_clean_line(edition):
    for title in (
        "Битва за Бахмут: довгий заголовок, щоб перевірити перенесення рядків у темі листа\x07",
        "Battle for Bakhmut, with a long title that has to be folded over two header lines =?x?q?y?=",
        "Short",
    ):
        facts = edition.facts.model_copy(update={"title": title})
        msg = compose(dataclasses.replace(edition, facts=facts), "anna@example.org", sender=SENDER, pdf=b"%PDF-1.4")
        raw = message_bytes(msg)
        assert raw.isascii() and b"\x07" not in raw
        subject = message_from_bytes(raw, policy=policy.default)["Subject"]
        assert subject == f"[UNCLASSIFIED - OPEN SOURCES] {title.rstrip(chr(7))} - as of 1 March 2023"


def test_the_message_id_is_the_same_for_the_same_edition_and_recipient(edition):
    def mid(recipient: str, name: str = edition.name) -> str:
        return compose(dataclasses.replace(edition, name=name), recipient, sender=SENDER, pdf=b"%PDF-1.4")["Message-ID"]

    assert mid("anna@example.org") == mid("Anna@example.org")
    assert mid("anna@example.org").endswith("@example.org>")
    assert len({mid("anna@example.org"), mid("bob@example.org"), mid("anna@example.org", "20230302T0600Z")}) == 3


def test_the_size_limit_counts_the_encoded_message(edition):
    msg = compose(edition, "anna@example.org", sender=SENDER, pdf=edition.pdf_path.read_bytes())
    size = len(message_bytes(msg))
    assert size > edition.pdf_path.stat().st_size * 4 / 3  # base64 grows the PDF by a third
    exact = SmtpSettings(mail_from=SENDER, max_bytes=size)
    send_edition(edition, ["anna@example.org"], settings=exact, dry_run=True, out_dir=edition.pdf_path.parent)
    with pytest.raises(MailError, match="over the limit"):
        send_edition(edition, ["anna@example.org"], settings=SmtpSettings(mail_from=SENDER, max_bytes=size - 1),
                     dry_run=True, out_dir=edition.pdf_path.parent)


def test_an_unreadable_ledger_stops_the_run_rather_than_resending(smtp_server, edition):
    server = smtp_server()
    (edition.pdf_path.parent / "bakhmut.deliveries.json").write_text("{not json")

    with pytest.raises(MailError, match="bakhmut.deliveries.json: not a readable delivery ledger"):
        send_edition(edition, ["anna@example.org"], settings=server.settings(), out_dir=edition.pdf_path.parent)
    assert server.handler.attempts == []


def test_two_runs_never_mail_the_same_brief_at_once(edition):
    out = edition.pdf_path.parent
    with open(out / ".bakhmut.deliveries.lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(LockedError, match="another run is mailing this brief"):
            send_edition(edition, ["anna@example.org"], settings=SmtpSettings(mail_from=SENDER), out_dir=out)


def test_recipients_are_validated_normalised_and_each_listed_once(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("# comment\nbob@EXAMPLE.org  # trailing comment\na#b@example.org\nanna@пример.рф\n", encoding="utf-8")
    assert read_recipients(["anna@example.org", "Bob@example.org"], listing) == (
        "anna@example.org", "Bob@example.org", "a#b@example.org", "anna@xn--e1afmkfd.xn--p1ai",
    )
    with pytest.raises(ConfigError, match="no recipients: give --to ADDRESS"):
        read_recipients([], None)
    with pytest.raises(ConfigError, match="missing.txt: recipient list not found"):
        read_recipients([], tmp_path / "missing.txt")


def test_settings_defaults_and_the_password_stays_hidden():
    base = {"BRIEFING_MAIL_FROM": SENDER}
    assert SmtpSettings.from_env(base).port == 587
    assert SmtpSettings.from_env(base | {"BRIEFING_SMTP_SECURITY": "none"}).port == 25
    assert SmtpSettings.from_env(base | {"BRIEFING_SMTP_SECURITY": "SSL"}).port == 465
    assert SmtpSettings.from_env(base).max_bytes == 10 * 1024 * 1024
    settings = SmtpSettings.from_env(base | {"BRIEFING_SMTP_USER": "desk", "BRIEFING_SMTP_PASSWORD": "s3cret"})
    assert settings.password == "s3cret" and "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BRIEFING_SMTP_USER": "desk"}, "BRIEFING_SMTP_PASSWORD is not set"),
        ({"BRIEFING_SMTP_USER": "desk", "BRIEFING_SMTP_PASSWORD": "x", "BRIEFING_SMTP_SECURITY": "none"}, "would send the password unencrypted"),
        ({"BRIEFING_SMTP_CAFILE": "/nowhere/ca.pem"}, "BRIEFING_SMTP_CAFILE=/nowhere/ca.pem: not a readable PEM file of CA certificates (No such file or directory)"),
        ({"BRIEFING_SMTP_CAFILE": __file__}, f"BRIEFING_SMTP_CAFILE={__file__}: not a readable PEM file of CA certificates"),
        ({"BRIEFING_MAIL_MAX_BYTES": "10MB"}, 'BRIEFING_MAIL_MAX_BYTES="10MB" is not valid; expected a whole number of at least 1'),
        ({"BRIEFING_SMTP_RETRY_BASE": "nan"}, 'BRIEFING_SMTP_RETRY_BASE="nan" is not valid'),
        ({"BRIEFING_MAIL_FROM": "desk"}, 'BRIEFING_MAIL_FROM: "desk" is not a valid email address'),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(ConfigError) as caught:
        SmtpSettings.from_env({"BRIEFING_MAIL_FROM": SENDER} | env)
    assert message in str(caught.value) and "\n" not in str(caught.value)


# --------------------------------------------------------------------------------------------------
# Reliability (issue 9): killed schedules, late replies, memory, retry time, permissions
# --------------------------------------------------------------------------------------------------


#: Mails the example edition in OUT (argv[1]) to argv[3:] with the files this process writes limited to
#: argv[2] bytes more than its state database (OUT/briefing.db, created first) holds (RLIMIT_FSIZE: a full
#: disk for this process alone; Python ignores SIGXFSZ, so a write past it fails with EFBIG as on a full
#: disk), the settings taken from the environment.
_SEND_ON_A_FULL_DISK = """
import os, resource, sys
from pathlib import Path
from briefing.editions import Edition
from briefing.errors import BriefingError
from briefing.mail import SmtpSettings, send_edition
from briefing.state import open_store
from briefing.validate import load_facts
out, room, name, recipients = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
edition = Edition(facts=load_facts(os.environ["FACTS"]), facts_path=Path(os.environ["FACTS"]), pdf_path=out / "bakhmut.pdf",
                  name=name, built=True)
open_store(None, out)
resource.setrlimit(resource.RLIMIT_FSIZE, ((out / "briefing.db").stat().st_size + room, resource.RLIM_INFINITY))
try:
    send_edition(edition, recipients, settings=SmtpSettings.from_env(os.environ), out_dir=out)
except BriefingError as exc:
    print(exc, file=sys.stderr)
    sys.exit(exc.exit_code)
"""


def test_a_full_disk_while_mailing_never_sends_a_second_copy(smtp_server, edition):
    server = smtp_server()
    out = edition.pdf_path.parent
    everyone = [f"r{i}@example.org" for i in range(40)]
    run = subprocess.run([sys.executable, "-c", _SEND_ON_A_FULL_DISK, str(out), "4096", edition.name, *everyone], cwd=ROOT,
                         env=server.env(FACTS=str(BAKHMUT)), capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    [line] = run.stderr.splitlines()
    assert "briefing.db: cannot record" in line and "free space on that disk and run again" in line, line
    first = server.handler.recipients()
    assert 0 < len(first) < len(everyone)

    rerun = send_cli(out, *(arg for r in everyone for arg in ("--to", r)), env=server.env())

    got = server.handler.recipients()
    assert sorted(set(got)) == sorted(everyone) and len(got) == len(set(got)), got  # each once, never twice
    assert rerun.returncode == 0, rerun.stderr


def test_a_scheduled_run_finishes_the_list_a_killed_one_left(smtp_server, tmp_path):
    server = smtp_server()
    out = tmp_path / "out"
    everyone = [f"r{i}@example.org" for i in range(4)]
    published = publish(BAKHMUT, out)  # the killed process built this edition and mailed two people
    send_edition(published, everyone[:2], settings=server.settings(), out_dir=out)
    to = [arg for r in everyone for arg in ("--to", r)]

    restarted = run_cli(str(BAKHMUT), "--out", str(out), "--every", "0.1", "--max-ticks", "2", "--send", *to, env=server.env())

    assert restarted.returncode == 0, restarted.stderr
    assert sorted(server.handler.recipients()) == sorted(everyone)  # each once: r0, r1 before, r2, r3 now
    assert restarted.stdout.splitlines() == [str(out / "bakhmut.pdf")] * 2  # a path per tick, as a one-shot run


@dataclass
class SlowFinalReply(Recorder):
    """Stores each message, then answers the final "." only after ``delay`` seconds (or drops the line)."""

    delay: float = 0.0
    drop: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        if self.drop:
            server.transport.abort()
            return "250 2.0.0 never seen"
        await asyncio.sleep(self.delay)
        return f"250 2.0.0 OK: queued as Q{len(self.received)}"


def test_a_late_reply_to_the_message_is_awaited_and_it_is_sent_once(smtp_server, edition):
    server = smtp_server(SlowFinalReply(delay=1.5))
    settings = server.settings(BRIEFING_SMTP_TIMEOUT="0.5")  # each other step still times out after 0.5 s

    report = send_edition(edition, ["anna@example.org"], settings=settings, out_dir=edition.pdf_path.parent)

    assert report.sent == ("anna@example.org",)
    assert len(server.handler.received) == 1
    assert ledger(edition.pdf_path.parent) == [("20230301", "anna@example.org")]


def test_a_lost_reply_to_the_message_is_uncertain_and_never_resent(smtp_server, edition):
    server = smtp_server(SlowFinalReply(drop=True))
    out = edition.pdf_path.parent

    with pytest.raises(DeliveryError) as caught:
        send_edition(edition, ["anna@example.org", "bob@example.org"], settings=server.settings(), out_dir=out)

    assert len(server.handler.received) == 2  # one copy each, not four
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 and all("uncertain - the whole message went out" in line for line in lines)
    assert "anna@example.org (no reply to the end of the message" in lines[0]
    entries = json.loads((out / "bakhmut.deliveries.json").read_text())["deliveries"]
    assert [e["status"] for e in entries] == ["uncertain", "uncertain"]

    again = send_edition(edition, ["anna@example.org", "bob@example.org"], settings=server.settings(), out_dir=out)

    assert again.skipped == ("anna@example.org", "bob@example.org") and len(server.handler.received) == 2


def test_messages_are_composed_one_at_a_time(edition):
    import tracemalloc

    out = edition.pdf_path.parent
    one = len(message_bytes(compose(edition, "r0@example.org", sender=SENDER, pdf=edition.pdf_path.read_bytes())))
    recipients = [f"r{i}@example.org" for i in range(25)]
    tracemalloc.start()
    try:
        report = send_edition(edition, recipients, settings=SmtpSettings(mail_from=SENDER), dry_run=True, out_dir=out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(report.written) == 25
    assert peak < 8 * one, f"peak {peak:,} bytes for 25 messages of {one:,}"  # all at once would be over 25 * one


def test_a_server_that_says_try_later_for_ever_is_given_up_when_the_retry_time_runs_out(smtp_server, edition):
    recipients = [f"r{i}@example.org" for i in range(12)]
    server = smtp_server(Recorder(script={r: ["451 4.3.0 try later"] * 99 for r in recipients}))
    settings = server.settings(BRIEFING_SMTP_RETRY_BASE="0.2", BRIEFING_SMTP_RETRY_BUDGET="1")
    started = time.monotonic()

    with pytest.raises(DeliveryError) as caught:
        send_edition(edition, recipients, settings=settings, out_dir=edition.pdf_path.parent)

    assert time.monotonic() - started < 3  # 12 * (0.2 + 0.4 + 0.8) s without a bound
    lines = str(caught.value).splitlines()
    assert len(lines) == 12 and all(r in line for r, line in zip(recipients, lines))
    assert "run's retry time (BRIEFING_SMTP_RETRY_BUDGET=1 s) ran out" in "\n".join(lines)
    assert lines[-1].endswith("r11@example.org: not tried, as the run's retry time ran out; it will be tried again on the next run")


def test_the_ledger_is_private_and_the_mail_lock_refuses_a_symlink(smtp_server, edition):
    server = smtp_server()
    out = edition.pdf_path.parent
    old = os.umask(0o022)
    try:
        send_edition(edition, ["anna@example.org"], settings=server.settings(), out_dir=out)
    finally:
        os.umask(old)
    assert (out / "bakhmut.deliveries.json").stat().st_mode & 0o777 == 0o600

    victim = out / "victim.txt"
    (out / ".bakhmut.deliveries.lock").unlink()
    (out / ".bakhmut.deliveries.lock").symlink_to(victim)
    with pytest.raises(MailError, match=r"\.bakhmut\.deliveries\.lock: is a symbolic link"):
        send_edition(edition, ["bob@example.org"], settings=server.settings(), out_dir=out)
    assert not victim.exists() and server.handler.recipients() == ["anna@example.org"]


def _outline(pdf: Path) -> list[str]:
    """The PDF's outline entries in page order, nested ones included."""
    titles: list[str] = []

    def walk(items: Any) -> None:
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(item.title)

    walk(pypdf.PdfReader(pdf).outline)
    return titles


@pytest.mark.parametrize("brief", ["la-riots", "bakhmut"])
def test_the_mail_names_every_part_of_the_attached_pdf_in_its_order(smtp_server, built, tmp_path, brief):
    facts_path = ROOT / "briefs" / f"{brief}.yaml"
    if brief == "bakhmut":  # built once for the session
        (tmp_path / "bakhmut.pdf").write_bytes(built.read_bytes())
        edition = Edition(facts=load_facts(facts_path), facts_path=facts_path, pdf_path=tmp_path / "bakhmut.pdf", name="e1", built=True)
    else:
        edition = publish(facts_path, tmp_path)
    server = smtp_server()
    send_edition(edition, ["anna@example.org"], settings=server.settings(), out_dir=tmp_path)

    (message,) = server.handler.messages_to("anna@example.org")
    lines = message.get_body(("plain",)).get_content().splitlines()
    listed = [line[2:] for line in lines[lines.index("IN THE ATTACHED BRIEF"):] if line.startswith("- ")]
    html_body = message.get_body(("html",)).get_content()
    assert [html.unescape(li) for li in re.findall(r"<li>([^<]*)</li>", html_body)][-len(listed):] == listed

    facts = edition.facts
    headings = [re.sub(r" \(\d+\)$", "", line) for line in listed]
    outline = _outline(edition.pdf_path)
    assert outline[0] == facts.title
    # Every heading of the PDF in the PDF's order (but the map and the timeline, which go before or
    # after the text around them as the page allows); the timeline is named right after the situation.
    assert [h for h in headings if h != "Timeline"] == [t for t in outline[1:] if t not in ("Locator map", "Timeline")]
    assert headings[headings.index("Situation") + 1] == "Timeline" and "Timeline" in outline
    assert f"Sources ({len(facts.sources) + len(facts.datasets)})" in listed
    if brief == "la-riots":
        assert f"Numbers over time ({len(facts.series)})" in listed
    else:
        assert {f"Indicators ({len(facts.indicators)})", f"Gaps ({len(facts.gaps)})",
                f"Assessment ({len(facts.assessments)})"} <= set(listed)
