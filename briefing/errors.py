"""Every error the library raises on purpose, in one tree.

    BriefingError                  any known problem; the CLI prints it as one line and exits non-zero
    ├── FactsError                 a facts file is unusable (exit 2); carries every Problem found
    │     (missing, empty, binary, not YAML, an alias, a field of the wrong shape, an unknown id ...)
    ├── SourceError                a source to gather or check cannot be read or fetched (exit 2)
    ├── BuildError                 a valid brief could not be rendered (exit 1)
    ├── MailError                  a brief could not be mailed (exit 1)
    │     ├── ConfigError          bad SMTP settings or recipients, found before anything is sent
    │     └── DeliveryError        the server refused some recipients (each named)
    ├── StateError                 the state database (--state, BRIEFING_STATE) cannot be used: unreachable,
    │                              a wrong password, no permission, a newer schema (exit 2, before anything is built)
    └── LockedError                another run holds the brief's lock (exit 3)

A wrong command line is not in this tree: click reports it, and ``cli.py`` gives it exit 64 (EX_USAGE),
so it cannot be mistaken for an invalid facts file. Several briefs in one run exit with the most
serious code: 2, then 1, then 3 (see ``cli.py``).

Each message names the file and, where there is one, the field path (``sections.stakes[2].sources[0]``),
says what is wrong and what was expected, so a person under time pressure can fix it from one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: How long a run waits for another run of the same brief before it skips it with LockedError
#: (seconds). Here, not in editions.py, so the command line can show it without loading editions.
LOCK_TIMEOUT = 60.0


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a facts file: where it is, what is wrong, what was expected."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class BriefingError(Exception):
    """Base of every known error; ``str()`` is the message a user sees."""

    exit_code = 1


class FactsError(BriefingError):
    """The facts file cannot be used; ``problems`` lists each breach, one line each."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str | Path, field: str, message: str) -> "FactsError":
        return cls([Problem(str(file), field, message)])


class SourceError(BriefingError):
    """A source (a saved file or a URL) cannot be read, fetched or recognised; the message names it."""

    exit_code = 2


class BuildError(BriefingError):
    """A valid brief could not be rendered."""


class MailError(BriefingError):
    """A brief could not be mailed."""


class ConfigError(MailError):
    """Mail settings or recipients are wrong; raised before anything is sent."""

    exit_code = 2


class DeliveryError(MailError):
    """The server refused one or more recipients; each is named in the message."""


class StateError(BriefingError):
    """The state store cannot be opened or written; the message names the database (never its password)."""

    exit_code = 2


class LockedError(BriefingError):
    """Another run is building this brief right now."""

    exit_code = 3
