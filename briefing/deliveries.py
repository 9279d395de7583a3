"""The delivery ledger, ``OUT/<id>.deliveries.json``: which (edition, recipient) pairs were mailed.

Why a module of its own: the mail stage writes it (see ``briefing.mail`` on why each send is recorded
before it is committed) and the preview reads it to show who was mailed which edition.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .atomic import write_atomic
from .errors import MailError

LEDGER_VERSION = 1


class Ledger:
    """Which (edition, recipient) pairs the server has accepted, kept in ``OUT/<id>.deliveries.json``."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: list[dict[str, str]] = []
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                entries = data["deliveries"]
                if not all(isinstance(e, dict) and isinstance(e.get("edition"), str) and isinstance(e.get("recipient"), str) for e in entries):
                    raise ValueError("an entry lacks edition or recipient")
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise MailError(
                    f"{path}: not a readable delivery ledger ({exc}); restore it, or delete it to let every recipient get the current edition again"
                ) from None
            self.entries = entries
        self._done = {(e["edition"], e["recipient"].lower()) for e in self.entries}

    def has(self, edition: str, recipient: str) -> bool:
        return (edition, recipient.lower()) in self._done

    def unfinished(self, edition: str) -> list[str]:
        """Recipients of ``edition`` whose send was recorded as started but never as finished (the run
        stopped between the two): the server may have the message, so it is not sent again."""
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
            self._write()
        except OSError as exc:
            self.entries.remove(entry)
            self._done.discard((edition, recipient.lower()))
            raise MailError(f"{self.path}: cannot record the send to {recipient} ({exc.strerror or exc}), so it was not sent "
                            "(nor anyone after it); free space on that disk and run again") from None
        return entry

    def finish(self, entry: dict[str, str], reply: str, *, uncertain: bool = False) -> None:
        """The server accepted the message (or, ``uncertain``, the whole message went out and its reply
        never came: the entry says so and, like an accepted one, keeps it from being sent again)."""
        entry.pop("status", None)
        entry.pop("started", None)
        entry.update({"accepted": _now(), "reply": reply, **({"status": "uncertain"} if uncertain else {})})
        self._write_or_say(entry["recipient"], "has it")

    def abandon(self, entry: dict[str, str]) -> None:
        """The server surely did not take the message (it refused the "." or the run gave up): no entry."""
        self.entries.remove(entry)
        self._done.discard((entry["edition"], entry["recipient"].lower()))
        self._write_or_say(entry["recipient"], "was not sent it")

    def record(self, edition: str, recipient: str, msg_id: str, reply: str, *, uncertain: bool = False) -> None:
        """Add one finished delivery at once (``begin`` then ``finish``)."""
        self.finish(self.begin(edition, recipient, msg_id), reply, uncertain=uncertain)

    def _write_or_say(self, recipient: str, outcome: str) -> None:
        try:
            self._write()
        except OSError as exc:
            raise MailError(f"{self.path}: cannot record that {recipient} {outcome} ({exc.strerror or exc}); the ledger "
                            "still says the send was started, so it is not repeated; free space on that disk and run again") from None

    def _write(self) -> None:
        """The whole ledger, written atomically, readable by its owner only."""
        data = {"version": LEDGER_VERSION, "deliveries": self.entries}
        write_atomic(self.path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), mode=0o600)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
