"""The delivery ledger: which (edition, recipient) pairs were mailed, kept in the state store.

Why a module of its own: the mail stage writes it (see ``briefing.mail`` on why each send is recorded
before it is committed) and the preview reads it to show who was mailed which edition. The rows live
in the state database (``briefing.state``), one transaction per change, and ``OUT/<id>.deliveries.json``
is their view, rewritten after each commit (readable by its owner only: it holds addresses).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import MailError, StateError
from .state import Store, parse_ledger, read_view


class Ledger:
    """Which (edition, recipient) pairs the server has accepted, for one brief.

    Used under the brief's mail lock (``Store.mail_lock``), so the entries read here stay the
    database's own until the lock is released, whichever host holds it.
    """

    def __init__(self, store: Store, brief_id: str):
        self.store = store
        self.brief_id = brief_id
        self.path = store.ledger_path(brief_id)
        self.entries: list[dict[str, str]] = store.deliveries(brief_id)
        self._done = {(e["edition"], e["recipient"].lower()) for e in self.entries}

    def has(self, edition: str, recipient: str) -> bool:
        return (edition, recipient.lower()) in self._done

    def unfinished(self, edition: str) -> list[str]:
        """Recipients of ``edition`` whose send was recorded as started but never as finished (the run
        stopped between the two, on this host or another): the server may have the message, so it is
        not sent again."""
        return [e["recipient"] for e in self.entries if e["edition"] == edition and e.get("status") == "sending"]

    def begin(self, edition: str, recipient: str, msg_id: str) -> dict[str, str]:
        """Record that the message is about to be committed, before its final "."; the entry to finish.

        Raises MailError (and nothing is sent) when the ledger cannot be written.
        """
        for entry in self.entries:
            if entry["edition"] == edition and entry["recipient"].lower() == recipient.lower() and entry.get("status") == "sending":
                return entry  # a retry of the same send: recorded already
        entry = {"edition": edition, "recipient": recipient, "message_id": msg_id, "status": "sending", "started": _now()}
        self.entries.append(entry)
        self._done.add((edition, recipient.lower()))
        try:
            self.store.record_delivery(self.brief_id, entry, self.entries)
        except (OSError, StateError) as exc:
            self.entries.remove(entry)
            self._done.discard((edition, recipient.lower()))
            raise MailError(f"{self._where(exc)}: cannot record the send to {recipient} ({_why(exc)}), so it was not sent "
                            f"(nor anyone after it); {self._fix()}") from None
        return entry

    def finish(self, entry: dict[str, str], reply: str, *, uncertain: bool = False) -> None:
        """The server accepted the message (or, ``uncertain``, the whole message went out and its reply
        never came: the entry says so and, like an accepted one, keeps it from being sent again).
        One transaction turns the row from ``sending`` to accepted."""
        entry.pop("status", None)
        entry.pop("started", None)
        entry.update({"accepted": _now(), "reply": reply, **({"status": "uncertain"} if uncertain else {})})
        self._write_or_say(entry, entry["recipient"], "has it")

    def abandon(self, entry: dict[str, str]) -> None:
        """The server surely did not take the message (it refused the "." or the run gave up): no entry."""
        self.entries.remove(entry)
        self._done.discard((entry["edition"], entry["recipient"].lower()))
        self._write_or_say(entry, entry["recipient"], "was not sent it", drop=True)

    def record(self, edition: str, recipient: str, msg_id: str, reply: str, *, uncertain: bool = False) -> None:
        """Add one finished delivery at once (``begin`` then ``finish``)."""
        self.finish(self.begin(edition, recipient, msg_id), reply, uncertain=uncertain)

    def _write_or_say(self, entry: dict[str, str], recipient: str, outcome: str, drop: bool = False) -> None:
        try:
            self.store.record_delivery(self.brief_id, entry, self.entries, drop=drop)
        except (OSError, StateError) as exc:
            raise MailError(f"{self._where(exc)}: cannot record that {recipient} {outcome} ({_why(exc)}); the ledger "
                            f"still says the send was started, so it is not repeated; {self._fix()}") from None

    def _fix(self) -> str:
        return "the next run goes on once the state database is back" if self.store.shared else "free space on that disk and run again"

    def _where(self, exc: BaseException) -> str:
        return str(getattr(exc, "where", self.path))


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return str(exc.strerror or exc)
    return str(getattr(exc, "detail", exc))


def read_ledger(out_dir: Path, brief_id: str) -> list[dict[str, str]]:
    """The entries of a brief's ledger view ``OUT/<id>.deliveries.json`` (for the live preview, which only
    reads the output folder); MailError if it is not readable."""
    path = Path(out_dir) / f"{brief_id}.deliveries.json"
    data = read_view(path, MailError)
    return [] if data is None else parse_ledger(path, data)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
