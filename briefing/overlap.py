"""Make one payload in a forked child while this process goes on with other work (issue 23).

Why: a never-built brief draws its charts (most of that is importing matplotlib) and then its map
(reportlab alone), one after the other, though the machine usually has a core to spare. The build
forks a child that draws the charts and sends them back as the drawing cache's bytes while the
parent draws the map; the parent never imports matplotlib (``build._charts_beside_the_map``).

Safe by construction, because a build must end exactly as it does in one process:

- only a process with one thread forks (a lock another thread holds would stay held in the child),
  only where ``fork`` exists and more than one core may run this process, and only when the root
  logger has a handler (the held records below are replayed through the handlers they reached);
- the child ends with ``os._exit``: no atexit handlers, no flushing of the buffers it inherited,
  nothing closed that the parent owns (database connections, locks). It writes nothing to stdout
  or stderr: its log records and warnings are caught, not shown;
- the child's payload counts only if the child exited 0 having logged nothing and warned nothing;
  otherwise ``Child.result`` is None and the caller makes the payload in-process, so every message,
  warning and exit code is the one a build in one process gives;
- the child is always reaped (``with Child``), killed first if it is still running; if the parent
  dies, the child's write to the pipe fails and it ends.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import sys
import threading
import warnings
from types import TracebackType
from typing import Callable, Iterator

#: Log records held back, each with the name of the logger whose handlers it reached ("" for the root).
Held = list[tuple[str, logging.LogRecord]]


class _Hold(logging.Handler):
    """Stands in for one logger's handlers: keeps each record instead of handling it."""

    def __init__(self, name: str, held: Held) -> None:
        super().__init__()
        self.owner, self.held = name, held

    def emit(self, record: logging.LogRecord) -> None:
        self.held.append((self.owner, record))


def _loggers() -> dict[str, logging.Logger]:
    """The root logger (as "") and every other logger that has handlers of its own."""
    found = {name: lg for name, lg in logging.Logger.manager.loggerDict.items()
             if isinstance(lg, logging.Logger) and lg.handlers}
    return {"": logging.root, **found}


@contextlib.contextmanager
def held_logs() -> Iterator[Held]:
    """Every log record made inside reaches the list yielded instead of its handlers; ``replay`` hands
    them on later, in the order they were made, as if they had been handled then."""
    held: Held = []
    saved = {name: lg.handlers for name, lg in _loggers().items()}
    for name in saved:
        logging.getLogger(name or None).handlers = [_Hold(name, held)]
    try:
        yield held
    finally:
        for name, handlers in saved.items():
            logging.getLogger(name or None).handlers = handlers


def replay(held: Held) -> None:
    """Hand the held records to the handlers each reached, as ``Logger.callHandlers`` would have."""
    for name, record in held:
        for handler in logging.getLogger(name or None).handlers:
            if record.levelno >= handler.level:
                handler.handle(record)


def _cores() -> int:
    """How many cores this process may run on (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    """Whether a child can make a payload safely and at the same time as this process (see above)."""
    return hasattr(os, "fork") and threading.active_count() == 1 and _cores() > 1 and bool(logging.root.handlers)


class Child:
    """A forked child making one payload; use as a context manager so it is always reaped."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid: int | None = pid
        self.pipe: int | None = pipe

    def result(self) -> bytes | None:
        """The child's payload once it has ended, or None if it failed in any way (then make it here)."""
        assert self.pipe is not None, "result() is read once"
        with os.fdopen(self.pipe, "rb") as pipe:  # end of file when the child ends, however it ends
            self.pipe = None
            sent = pipe.read()
        return sent if self._reap() == 0 else None

    def _reap(self) -> int:
        assert self.pid is not None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return os.waitstatus_to_exitcode(status)

    def __enter__(self) -> Child:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """The parent stopped waiting (an interrupt, an error): the child is killed and reaped, never left behind."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()


def start(make: Callable[[], bytes]) -> Child | None:
    """``make()`` begun in a forked child, or None when this process cannot fork safely (``can_fork``)."""
    if not can_fork():
        return None
    for stream in (sys.stdout, sys.stderr):  # nothing the parent wrote can be written twice by the child
        if stream is not None:
            stream.flush()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no memory or process left for a child: drawn in-process, as before
        os.close(read_end)
        os.close(write_end)
        return None
    if pid:
        os.close(write_end)
        return Child(pid, read_end)
    gc.disable()  # a collection would walk, and so copy, every page of the parent's objects; the child is brief
    status = 1
    try:
        os.close(read_end)
        with warnings.catch_warnings(record=True) as shown, held_logs() as held:
            payload = make()
        if not shown and not held:  # else the parent makes it, and logs or warns as a build in one process does
            rest = memoryview(payload)  # a pipe, not a file: written whole by os.write, as it drains
            while rest:
                rest = rest[os.write(write_end, rest):]
            status = 0
    except BaseException:  # noqa: BLE001 - any failure: the parent makes the payload itself, and says why
        pass
    finally:
        os._exit(status)
