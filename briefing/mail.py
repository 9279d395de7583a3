"""Stage 7: distribution by email - every recipient gets each edition once, through a real SMTP server.

Why it is built this way:

* Everything that can be checked before a byte is sent is checked first - the recipients, the SMTP
  settings and the size of every message - so a typo never leaves half of a list mailed.
* One message per recipient, each sent on its own: a refused address does not block the others, and
  each address is named in the error with the server's own reply.
* A delivery ledger in the state store (``briefing.state``; its view is ``OUT/<id>.deliveries.json``)
  records each (edition, recipient) *before* the message is committed (just before the final "."
  that hands it to the server) as ``sending``, and again once the server accepted it; each is one
  transaction, under the brief's mail lock (with PostgreSQL, held for every host that shares it). A ledger
  that cannot be written (a full disk) therefore means the message is not sent: the connection is
  dropped before the ".", and the server discards it. A rerun skips whoever already has this
  edition, and whoever's send was left ``sending`` (the server may have it: like an uncertain one,
  it is named and never resent automatically), and retries only those who surely do not.
* Transient trouble (4xx replies, refused or dropped connections, timeouts) is retried with bounded
  exponential backoff, within a retry time for the whole run (a server that says "try later" for
  ever must not hold the lock for hours); permanent refusals (5xx) are retried only on the next run.
* The reply to the end of a message (the final ".") is awaited as long as RFC 5321 says, 10 minutes:
  the server has the whole message then and may be slow to commit it. If that reply is lost the
  server most likely stored the message, so it is recorded as *uncertain* and never resent
  automatically: a lost reply must not multiply a brief in 300 mailboxes. The run names it.
* Messages are composed one at a time, so memory does not grow with the number of recipients.
* Settings come from the environment only, so a password never sits in a command line, a facts
  file or a log; ``SmtpSettings`` does not even show it in its ``repr``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Literal, cast

from email_validator import EmailNotValidError, validate_email

from .atomic import write_atomic
from .deliveries import Ledger
from .state import open_store
from .editions import Edition
from .errors import ConfigError, DeliveryError, MailError
from .facts import Facts, strip_bidi_controls
from .words import as_of_iso, as_of_words, macros, render

log = logging.getLogger("briefing")

Security = Literal["none", "starttls", "ssl"]
DEFAULT_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Attempts per recipient (the first try plus three retries) and the longest wait between two.
MAX_TRIES = 4
MAX_DELAY = 60.0
#: RFC 5321 4.5.3.2.6: wait at least 10 minutes for the reply to the final "." of a message.
FINAL_REPLY_WAIT = 600.0
#: Seconds the whole run may spend on retries (waiting and trying again) before it gives up on the rest.
DEFAULT_RETRY_BUDGET = 300.0

#: The parts of the PDF in the PDF's order (``briefing.pdf._story``), named by its own headings
#: (``heading`` in templates/brief.j2); "events" is the timeline chart after the situation. The
#: locator map is left out: every brief has one, and the layout puts it before or after the situation.
_PARTS = ("key_points", "assessment", "changes", "situation", "events", "stakes", "series", "figures",
          "outlook", "indicators", "gaps", "quotes", "sources")


def _heading(part: str) -> str:
    return str(macros("brief.j2").heading("timeline" if part == "events" else part))


# --------------------------------------------------------------------------------------------------
# Recipients
# --------------------------------------------------------------------------------------------------


def _check_address(address: str, where: str) -> str:
    """The address in the form we send to (domain lower-cased, IDN domains in ASCII), or ConfigError.

    No DNS lookups: deliverability is the server's call, and the machine may have no network.
    """
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise ConfigError(f'{where}: "{address}" is not a valid email address ({reason}); correct or remove it') from None
    return valid.ascii_email or valid.normalized


def read_recipients(to: Sequence[str], to_file: Path | None) -> tuple[str, ...]:
    """All recipients from ``--to`` options and a ``--to-file`` list, validated, each once, in order.

    The list holds one address per line; blank lines and ``#`` comments (a whole line, or after a
    space) are ignored. The first bad address raises ConfigError naming the option or file:line.
    """
    found: list[str] = [_check_address(a.strip(), "--to") for a in to]
    if to_file is not None:
        try:
            text = to_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{to_file}: recipient list not found; give the path of a file with one address per line") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{to_file}: cannot read the recipient list ({exc}); save it as UTF-8 text, one address per line") from None
        for number, line in enumerate(text.splitlines(), start=1):
            entry = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
            if entry:
                found.append(_check_address(entry, f"{to_file}:{number}"))
    first: dict[str, str] = {}  # the same mailbox twice (any letter case) gets one message
    for address in found:
        first.setdefault(address.lower(), address)
    unique = tuple(first.values())
    if not unique:
        raise ConfigError("no recipients: give --to ADDRESS (repeatable) or --to-file LIST with one address per line")
    return unique


# --------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server, read from ``BRIEFING_*`` environment variables only."""

    mail_from: str
    host: str = "localhost"
    port: int = 587
    security: Security = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    retry_base: float = 2.0
    timeout: float = 60.0
    retry_budget: float = DEFAULT_RETRY_BUDGET

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SmtpSettings:
        """Read and check every setting; an empty variable counts as unset. Raises ConfigError."""

        def get(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        security = (get("BRIEFING_SMTP_SECURITY") or "starttls").lower()
        if security not in DEFAULT_PORTS:
            raise ConfigError(f'BRIEFING_SMTP_SECURITY="{security}" is not supported; use none, starttls or ssl')
        sender = get("BRIEFING_MAIL_FROM")
        if sender is None:
            raise ConfigError("BRIEFING_MAIL_FROM is not set; set it to the sender address, such as briefs@example.org")
        user, password = get("BRIEFING_SMTP_USER"), environ.get("BRIEFING_SMTP_PASSWORD") or None
        if (user is None) != (password is None):
            missing = "BRIEFING_SMTP_PASSWORD" if password is None else "BRIEFING_SMTP_USER"
            raise ConfigError(f"{missing} is not set; set both BRIEFING_SMTP_USER and BRIEFING_SMTP_PASSWORD to log in, or neither")
        if user is not None and security == "none":
            raise ConfigError("BRIEFING_SMTP_SECURITY=none would send the password unencrypted; use starttls or ssl to log in")
        cafile = get("BRIEFING_SMTP_CAFILE")
        if cafile is not None:
            try:
                ssl.create_default_context(cafile=cafile)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(f"BRIEFING_SMTP_CAFILE={cafile}: not a readable PEM file of CA certificates ({exc.strerror or exc})") from None
        return cls(
            mail_from=_check_address(sender, "BRIEFING_MAIL_FROM"),
            host=get("BRIEFING_SMTP_HOST") or "localhost",
            port=int(_number(get("BRIEFING_SMTP_PORT"), "BRIEFING_SMTP_PORT", DEFAULT_PORTS[security], 1, 65535, whole=True)),
            security=cast(Security, security),
            user=user,
            password=password,
            cafile=Path(cafile) if cafile else None,
            max_bytes=int(_number(get("BRIEFING_MAIL_MAX_BYTES"), "BRIEFING_MAIL_MAX_BYTES", DEFAULT_MAX_BYTES, 1, None, whole=True)),
            retry_base=_number(get("BRIEFING_SMTP_RETRY_BASE"), "BRIEFING_SMTP_RETRY_BASE", 2.0, 0, MAX_DELAY),
            timeout=_number(get("BRIEFING_SMTP_TIMEOUT"), "BRIEFING_SMTP_TIMEOUT", 60.0, 0.1, 3600),
            retry_budget=_number(get("BRIEFING_SMTP_RETRY_BUDGET"), "BRIEFING_SMTP_RETRY_BUDGET", DEFAULT_RETRY_BUDGET, 0, 86400),
        )


def _number(text: str | None, name: str, default: float, low: float, high: float | None, whole: bool = False) -> float:
    """A numeric setting within [low, high], or ConfigError naming the variable and what it takes."""
    if text is None:
        return default
    try:
        value: float | None = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or value != value or value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ConfigError(f'{name}="{text}" is not valid; expected {"a whole number" if whole else "a number"} {limits}')
    return value


# --------------------------------------------------------------------------------------------------
# The message
# --------------------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    """Text fit for a header or a log line: no control or direction-control characters, no line breaks, single spaces."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", strip_bidi_controls(text)).split())


def subject(facts: Facts) -> str:
    """``[<handling>] <title> - as of <date-time group>`` (or the date, when as_of is a date alone), on one line."""
    return _one_line(f"[{facts.handling}] {facts.title} - as of {as_of_words(facts.as_of, facts.as_of_day_only)}")


def message_id(edition: Edition, recipient: str, sender: str) -> str:
    """The same Message-ID for the same edition and recipient, so a resent copy is recognisable."""
    digest = hashlib.sha256(f"{edition.facts.id}\0{edition.name}\0{recipient.lower()}".encode()).hexdigest()[:32]
    return f"<{edition.facts.id}.{digest}@{sender.rpartition('@')[2]}>"


def _mail_context(edition: Edition) -> dict[str, object]:
    facts = edition.facts
    publishers = {s.id: s.publisher for s in (*facts.sources, *facts.datasets)}  # a point may cite a dataset
    key_points = [(p.text, [publishers[s] for s in dict.fromkeys(p.sources)]) for p in facts.key_points]
    counts = {
        "key_points": len(facts.key_points),
        "assessment": len(facts.assessments),
        "changes": edition.change_lines,
        "situation": len(facts.sections.situation),
        "events": len(facts.events),
        "stakes": len(facts.sections.stakes),
        "series": len(facts.series),
        "figures": len(facts.figures),
        "outlook": len(facts.sections.outlook),
        "indicators": len(facts.indicators),
        "gaps": len(facts.gaps),
        "quotes": len(facts.quotes),
        "sources": len(facts.sources) + len(facts.datasets),  # datasets are listed with the sources
    }
    sections = [(_heading(part), counts[part]) for part in _PARTS if counts[part]]
    return {
        "facts": facts,
        "edition": edition.name,
        "dtg": as_of_words(facts.as_of, facts.as_of_day_only),
        "iso": as_of_iso(facts.as_of, facts.as_of_day_only),
        "key_points": key_points,
        "sections": sections,
        "attachment": f"{facts.id}.pdf",
    }


def compose(edition: Edition, recipient: str, *, sender: str, pdf: bytes, now: dt.datetime | None = None) -> EmailMessage:
    """One recipient's message: plain-text and HTML bodies, the PDF attached as ``<id>.pdf``."""
    context = _mail_context(edition)
    msg = EmailMessage()
    msg.set_raw("Subject", _encoded_subject(subject(edition.facts)))
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(now or dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = message_id(edition, recipient, sender)
    msg.set_content(render("mail.txt.j2", escape=False, **context))
    msg.add_alternative(render("mail.html.j2", **context), subtype="html")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{edition.facts.id}.pdf")
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message exactly as it goes on the wire (CRLF line ends, base64 attachment)."""
    return msg.as_bytes(policy=SMTP)


def _encoded_subject(text: str) -> str:
    """The Subject header's value, folded and (for any non-ASCII text) encoded per RFC 2047 by hand.

    Why not let EmailMessage fold it: CPython 3.11's folder drops the space between two encoded
    words in a long non-ASCII subject (Cyrillic titles lose a space) and moves a short ASCII one onto
    a continuation line that readers show with a leading space. ``email.header.Header`` folds both
    correctly; text that merely looks like an encoded word (``=?``) is encoded too, so it stays literal.
    """
    charset = "us-ascii" if text.isascii() and "=?" not in text else "utf-8"
    return Header(text, charset, header_name="Subject").encode()


# --------------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryReport:
    """What one ``send_edition`` call did for one edition."""

    edition: str
    sent: tuple[str, ...] = ()  # accepted by the server in this run
    skipped: tuple[str, ...] = ()  # already had this edition (in the ledger)
    written: tuple[Path, ...] = ()  # .eml files written by a dry run


class _Transient(Exception):
    """Worth another try: a 4xx reply to this message."""


class _Unreachable(_Transient):
    """Worth another try, but about the server rather than this message: refused, dropped, timed out."""


class _Permanent(Exception):
    """The server said no for this message (5xx); retried only on the next run."""


class _Uncertain(Exception):
    """The whole message went out but the reply to its final "." never came: the server may have it."""


class _OutOfTime(Exception):
    """Still failing when the run's retry time ran out; this and the rest wait for the next run."""


class _RetryBudget:
    """The seconds one run may still spend on retries, counting failed tries and the waits between."""

    def __init__(self, seconds: float):
        self.left = seconds


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return _one_line(f"{code} {text}")


def _classify(exc: Exception, settings: SmtpSettings) -> Exception:
    """Turn what smtplib/ssl raised into _Transient, _Permanent, or a MailError that stops the run."""
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return (_Transient if 400 <= code < 500 else _Permanent)(_reply(code, text))
    if isinstance(exc, smtplib.SMTPAuthenticationError) and exc.smtp_code >= 500:
        return MailError(
            f"{where} refused the login of BRIEFING_SMTP_USER={settings.user} ({_reply(exc.smtp_code, exc.smtp_error)}); "
            "check the user name and BRIEFING_SMTP_PASSWORD"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = _Unreachable if exc.smtp_code == 421 else _Transient if exc.smtp_code < 500 else _Permanent
        return kind(_reply(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        missing = str(exc).rstrip(".")
        if "AUTH" in missing:
            return MailError(f"{where}: {missing}; unset BRIEFING_SMTP_USER and BRIEFING_SMTP_PASSWORD, or use the server's submission port")
        return MailError(f"{where}: {missing}; set BRIEFING_SMTP_SECURITY to what the server offers (none, starttls or ssl)")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(
            f"{where}: the server's TLS certificate is not trusted ({exc.verify_message}); "
            "set BRIEFING_SMTP_CAFILE to the CA bundle that signed it"
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return _Unreachable(f"{where} closed the connection ({exc or 'no reason given'})")
    if isinstance(exc, (OSError, smtplib.SMTPException)):
        return _Unreachable(_one_line(f"cannot talk to {where}: {exc.__class__.__name__}: {exc}"))
    raise exc


class _Connection:
    """One SMTP session, opened when first needed and reopened after any failure."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is not None:
            return self.smtp
        s = self.settings
        context = ssl.create_default_context(cafile=str(s.cafile) if s.cafile else None)
        if s.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user is not None and s.password is not None:
                smtp.login(s.user, s.password)
        except BaseException:
            smtp.close()
            raise
        self.smtp = smtp
        return smtp

    def close(self, polite: bool = False) -> None:
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            if polite:
                smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            smtp.close()


def check_server(settings: SmtpSettings) -> None:
    """Connect, say EHLO, STARTTLS and log in as a send would, then QUIT; ConfigError (one line naming
    the setting to change) when that cannot work.

    Why before the build: a server that offers no STARTTLS, refuses the login or cannot be reached
    would otherwise be found only after every brief was built and published, with nothing mailed.
    """
    conn = _Connection(settings)
    try:
        conn.open()
    except Exception as exc:  # noqa: BLE001 - sorted by _classify, as a send sorts them
        problem = _classify(exc, settings)
        if isinstance(problem, MailError):
            raise ConfigError(str(problem)) from None
        raise ConfigError(f"{problem}; check BRIEFING_SMTP_HOST and BRIEFING_SMTP_PORT (and that the server is up)") from None
    finally:
        conn.close(polite=True)


def _transmit(smtp: smtplib.SMTP, data: bytes, sender: str, recipient: str, settings: SmtpSettings,
              commit: Callable[[], object] = lambda: None) -> str:
    """One SMTP transaction for one recipient; returns the server's reply to DATA (often a queue id).

    This is ``sendmail`` spelled out, because ``sendmail`` throws away that reply and cannot tell a
    failure before the final "." (safe to send again) from a lost reply after it (_Uncertain).
    """
    options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
    code, text = smtp.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, text, sender)
    code, text = smtp.rcpt(recipient)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})
    code, text = smtp.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, text)
    payload = re.sub(rb"(?m)^\.", b"..", data)  # dot-stuffing, as smtplib does
    smtp.send(payload + (b"" if payload.endswith(b"\r\n") else b"\r\n"))
    commit()  # the ledger says "sending" before the server can have it; if that fails, no "." is sent
    smtp.send(b".\r\n")
    if smtp.sock is not None:
        smtp.sock.settimeout(max(FINAL_REPLY_WAIT, settings.timeout))
    try:
        code, text = smtp.getreply()
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise _Uncertain(_one_line(f"no reply to the end of the message ({exc or type(exc).__name__})")) from None
    finally:  # only the reply to the final dot gets the long wait: the next message's commands do not
        if smtp.sock is not None:
            smtp.sock.settimeout(settings.timeout)
    if code != 250:
        raise smtplib.SMTPDataError(code, text)
    return _reply(code, text)


def _send_one(conn: _Connection, data: bytes, recipient: str, settings: SmtpSettings, budget: _RetryBudget,
              commit: Callable[[], object] = lambda: None) -> str:
    """Send one message, retrying transient trouble with exponential backoff; return the server's reply.

    Raises _Uncertain at once (never retried), _Permanent, _Transient/_Unreachable after MAX_TRIES,
    or _OutOfTime when a retry would overrun the run's retry time.
    """
    attempt = 1
    while True:
        started = time.monotonic()
        try:
            return _transmit(conn.open(), data, settings.mail_from, recipient, settings, commit)
        except _Uncertain:
            conn.close()
            raise
        except Exception as exc:  # noqa: BLE001 - sorted by _classify; anything unknown is re-raised there
            conn.close()
            problem = _classify(exc, settings)
            if not isinstance(problem, _Transient) or attempt >= MAX_TRIES:
                raise problem from None
            delay = min(settings.retry_base * 2 ** (attempt - 1), MAX_DELAY)
            if attempt > 1:  # the first try is not a retry; every later one, and each wait, is
                budget.left -= time.monotonic() - started
            if delay > budget.left:
                raise _OutOfTime(str(problem)) from None
            budget.left -= delay
            log.info("%s: %s; try %d of %d in %.2g s", recipient, problem, attempt + 1, MAX_TRIES, delay)
            time.sleep(delay)
            attempt += 1


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _eml_path(out_dir: Path, edition: Edition, recipient: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", f"{edition.name}-{recipient}")
    return out_dir / f"{edition.facts.id}.mail" / f"{safe}.eml"


def send_edition(
    edition: Edition, recipients: Sequence[str], *, settings: SmtpSettings, dry_run: bool = False, out_dir: Path,
    state: str | None = None,
) -> DeliveryReport:
    """Mail ``edition`` to each recipient who does not have it yet, or (dry run) write the .eml files.

    Who has it is the delivery ledger of the state store ``state`` (``briefing.state.open_store``),
    read and written under the brief's mail lock, so two runs, on one host or several, never mail
    the same brief at once.

    Raises MailError before sending anything when a message is over ``settings.max_bytes``, and
    DeliveryError after trying everyone when any recipient was not delivered (each named, with the
    server's reply); those are tried again on the next run.
    """
    out_dir = Path(out_dir)
    facts = edition.facts
    if facts.draft:  # a gathered draft has not been checked by a person: it is never mailed
        raise ConfigError(f"{edition.facts_path}: draft: true - a draft is never mailed; "
                          "check it, then remove 'draft: true' to send it")
    store = open_store(state, out_dir)
    ledger_path = store.ledger_path(facts.id)
    with store.mail_lock(facts.id):
        ledger = Ledger(store, facts.id)
        skipped = tuple(r for r in recipients if ledger.has(edition.name, r))
        for r in ledger.unfinished(edition.name):
            log.warning("%s: edition %s to %s: uncertain - an earlier run stopped while sending it, so the server may have it; "
                        "not sent again (delete its line from %s to resend)", facts.id, edition.name, r, ledger_path)
        pending = [r for r in recipients if not ledger.has(edition.name, r)]
        if not pending:
            everyone = "its only recipient" if len(skipped) == 1 else f"all {len(skipped)} recipients"
            log.info("%s: edition %s was already mailed to %s; nothing sent", facts.id, edition.name, everyone)
            return DeliveryReport(edition.name, skipped=skipped)
        # the archived PDF of this very edition: OUT/<id>.pdf may be a newer one by now (another run, another host)
        archived = edition.archive_path
        pdf = (archived if archived is not None and archived.is_file() else edition.pdf_path).read_bytes()
        now = dt.datetime.now(dt.timezone.utc)

        def wire(recipient: str) -> tuple[str, bytes]:  # one message at a time: memory stays flat
            msg = compose(edition, recipient, sender=settings.mail_from, pdf=pdf, now=now)
            return str(msg["Message-ID"]), message_bytes(msg)

        # Only the To header differs in length between recipients: the longest address is the largest mail.
        size = len(wire(max(pending, key=len))[1])
        if size > settings.max_bytes:
            raise MailError(
                f"{facts.id}: the mail would be {size:,} bytes, over the limit of {settings.max_bytes:,} "
                f"(BRIEFING_MAIL_MAX_BYTES); nothing was sent - raise the limit if the server allows it, or shorten the brief"
            )
        if dry_run:
            written = tuple(write_atomic(_eml_path(out_dir, edition, r), wire(r)[1]) for r in pending)
            log.info("%s: dry run: %s written for edition %s, nothing sent", facts.id, _count(len(written), "mail"), edition.name)
            return DeliveryReport(edition.name, skipped=skipped, written=written)
        sent: list[str] = []
        uncertain: list[str] = []
        failed: list[str] = []
        budget = _RetryBudget(settings.retry_budget)
        conn = _Connection(settings)
        try:
            for number, recipient in enumerate(pending):
                msg_id, data = wire(recipient)
                started: list[dict[str, str]] = []

                def commit(recipient: str = recipient, msg_id: str = msg_id, started: list = started) -> None:
                    if not started:
                        started.append(ledger.begin(edition.name, recipient, msg_id))

                try:
                    reply = _send_one(conn, data, recipient, settings, budget, commit)
                except _Uncertain as exc:
                    ledger.finish(started[0], str(exc), uncertain=True)
                    uncertain.append(f"{recipient} ({exc})")
                    continue
                except (_Permanent, _OutOfTime, _Transient) as exc:
                    if started:  # the server answered the "." with a refusal: it does not have the message
                        ledger.abandon(started[0])
                    if isinstance(exc, _Permanent):
                        failed.append(f"{recipient}: refused by the server ({exc})")
                    elif isinstance(exc, _OutOfTime):
                        failed.append(f"{recipient}: not delivered ({exc}) when the run's retry time "
                                      f"(BRIEFING_SMTP_RETRY_BUDGET={settings.retry_budget:g} s) ran out")
                        failed += [f"{r}: not tried, as the run's retry time ran out" for r in pending[number + 1 :]]
                        break
                    elif isinstance(exc, _Unreachable):  # the server is the trouble: the others would only wait too
                        failed.append(f"{recipient}: not delivered after {MAX_TRIES} tries ({exc})")
                        failed += [f"{r}: not tried, as the server could not be reached" for r in pending[number + 1 :]]
                        break
                    else:
                        failed.append(f"{recipient}: not delivered after {MAX_TRIES} tries ({exc})")
                    continue
                ledger.finish(started[0], reply)
                sent.append(recipient)
                log.info("%s: edition %s mailed to %s (%s)", facts.id, edition.name, recipient, reply)
        finally:
            conn.close(polite=True)
    lines = [f"{facts.id}: edition {edition.name} not mailed to {f}; it will be tried again on the next run" for f in failed]
    lines += [f"{facts.id}: edition {edition.name} to {r}: uncertain - the whole message went out but the server's reply "
              f"never came, so the server most likely has it; not sent again (delete its line from {ledger_path} to resend)"
              for r in uncertain]

    if lines:
        raise DeliveryError("\n".join(lines))
    already = f"; {len(skipped)} already had it" if skipped else ""
    log.info("%s: edition %s mailed to %s%s", facts.id, edition.name, _count(len(sent), "recipient"), already)
    return DeliveryReport(edition.name, sent=tuple(sent), skipped=skipped)
