"""Scheduled regeneration: publish every brief each N seconds, or at the times of a cron expression.

Why a loop of our own rather than a scheduler service: each tick is just ``publish`` for every facts
file (a no-op when nothing changed), so all we need is "when is the next tick" (APScheduler's
CronTrigger answers that for cron expressions) and a clean stop on SIGINT/SIGTERM: the brief being
built is finished and written before the process exits, so a stop never costs an edition.
A bad facts file, a held lock or a failed delivery is logged in one line and the loop goes on; the
last good edition stays in place and the next tick tries again.

Why every tick hands the current edition to the mail step, built or not: which recipients still lack
it is in the delivery ledger on disk, not in this process's memory, so a list left half-mailed by a
kill, an OOM or a reboot is finished by the next tick of whichever process runs next - on any host,
when the ledger is in a shared PostgreSQL (``--state``, see ``briefing.state``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import select
import signal
from pathlib import Path
from types import FrameType
from typing import Callable, Sequence

from apscheduler.triggers.cron import CronTrigger

from .build import BuildOptions
from .editions import LOCK_TIMEOUT, Edition, publish
from .errors import BriefingError, LockedError

log = logging.getLogger("briefing")

#: When the next tick is due, given the previous one (None at start) and the time now (aware, UTC).
NextTick = Callable[["dt.datetime | None", dt.datetime], dt.datetime]


def every(seconds: float) -> NextTick:
    """Ticks ``seconds`` apart, the first at once; a tick that overran is followed at once, not twice."""
    step = dt.timedelta(seconds=seconds)
    return lambda previous, now: now if previous is None else max(previous + step, now)


def cron(expression: str) -> NextTick:
    """Ticks at the fire times of a crontab line such as ``0 6 * * *`` (local time, like cron itself).

    Raises ValueError, naming the bad field, for an expression that is not a valid crontab line.
    """
    trigger = CronTrigger.from_crontab(expression)

    def next_tick(previous: dt.datetime | None, now: dt.datetime) -> dt.datetime:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:  # a crontab line always has a next time; this guards a calendar oddity
            raise ValueError(f"the cron expression {expression!r} has no future fire time")
        return fire.astimezone(dt.timezone.utc)

    return next_tick


def run(
    facts_paths: Sequence[Path],
    out_dir: Path,
    options: BuildOptions,
    next_tick: NextTick,
    *,
    on_edition: Callable[[Edition], None] | None = None,
    max_ticks: int | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    state: str | None = None,
) -> None:
    """Publish each facts file at every tick until SIGINT/SIGTERM (or ``max_ticks`` ticks, for tests).

    ``on_edition`` is called at every tick with the current edition of each brief, new or unchanged
    (the CLI prints its path and passes it to the mail step, which sends only to recipients the
    ledger says lack it); an exception it raises is logged and the next tick calls it again.
    ``state`` names the state database (``briefing.state``): with PostgreSQL, several hosts may run
    this loop for the same briefs, and each brief is built and mailed by whichever claims it first.
    """
    with _StopOnSignal() as stop:
        previous: dt.datetime | None = None
        ticks = 0
        while not stop.requested and (max_ticks is None or ticks < max_ticks):
            due = next_tick(previous, _now())
            wait = (due - _now()).total_seconds()
            if wait >= 60 or (previous is None and wait >= 1):  # say when, but not every few seconds
                log.info("next run at %s", due.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"))
            if stop.wait((due - _now()).total_seconds()):
                break
            previous = due
            ticks += 1
            for path in facts_paths:
                if stop.requested:
                    break
                _tick_one(path, out_dir, options, on_edition, lock_timeout, state)
    log.info("stopped")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _tick_one(path: Path, out_dir: Path, options: BuildOptions, on_edition: Callable[[Edition], None] | None,
              lock_timeout: float, state: str | None = None) -> None:
    """One brief, one tick: every failure becomes log lines, so one bad brief never stops the others."""
    try:
        edition = publish(path, out_dir, options, lock_timeout=lock_timeout, state=state)
        if on_edition is not None:
            on_edition(edition)
    except LockedError as exc:
        log.warning("%s", exc)
    except BriefingError as exc:
        log.error("%s", exc)
    except Exception as exc:  # a bug must not end a service that others rely on: say it, try again
        log.error("%s: unexpected error (%s: %s); the last good edition stays, trying again at the next run",
                  path, type(exc).__name__, exc)
        log.debug("details", exc_info=True)


class _StopOnSignal:
    """SIGINT/SIGTERM ask the loop to stop after the brief in hand; a second one stops at once.

    Why a pipe: the handler only writes a byte, and the loop sleeps in ``select`` on the other end,
    so a signal wakes it at once with no lock shared between the handler and the loop.
    """

    def __init__(self) -> None:
        self.requested = False
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._saved: dict[int, object] = {}

    def __enter__(self) -> "_StopOnSignal":
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._saved[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        os.close(self._read)
        os.close(self._write)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise SystemExit(128 + signum)
        self.requested = True
        log.info("%s received: stopping after the brief in hand (send it again to stop at once)", signal.Signals(signum).name)
        with contextlib.suppress(BlockingIOError):  # a byte is already waiting: the loop will wake
            os.write(self._write, b"\0")

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if a stop was asked for meanwhile."""
        if seconds > 0 and not self.requested:
            select.select([self._read], [], [], seconds)
        return self.requested
