"""The preview's HTTP server side: which Host names it answers, and bounds uvicorn lacks.

Why apart from ``briefing.preview``: these guard the server whatever it serves - against DNS
rebinding (a web page pointing a name of its own at 127.0.0.1) and slowloris (half-sent requests
holding every file descriptor) - while the preview module is about drafts.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket

from .errors import BriefingError

#: Loopback names a preview always answers to, whatever address it listens on.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
#: Addresses that listen on every interface of the machine.
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def served_names(host: str) -> list[str]:
    """The Host header values the preview answers to when it listens on ``host``.

    Why: a web page the user visits can point a name of its own at 127.0.0.1 (DNS rebinding) and then
    read the drafts and recipient lists, because the browser sends that page's name as the Host. So
    only the names the server is bound as are served: the loopback names, ``host`` as given and, on a
    wildcard address, this machine's own names and addresses.
    """
    names = [*LOOPBACK_NAMES, f"[{host}]" if ":" in host else host]
    if host in WILDCARD_HOSTS:
        names += [socket.gethostname(), socket.getfqdn()]
        with contextlib.suppress(OSError):
            names += [f"[{a[4][0]}]" if ":" in a[4][0] else a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)]
    return sorted({n.lower() for n in names if n and n not in WILDCARD_HOSTS})


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the preview to this machine (no login is needed then)."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: Seconds a client has from connecting (or from the first byte of its next request on a kept-alive
#: connection) to send the whole request head; ``BRIEFING_PREVIEW_HEADER_TIMEOUT`` overrides it.
HEADER_TIMEOUT = 10.0


#: Files a preview keeps open besides its connections: the map layers are memory-mapped, and each map
#: holds a descriptor of its own (about 190 once every layer is open), then fonts, builds and the watcher.
RESERVED_FILES = 320


def max_connections() -> int:
    """How many connections the preview keeps open at once: half the open files left after
    ``RESERVED_FILES``, at most 256 (a preview has one user), at least 8. ``raise_file_limit`` is called
    first, so this is the hard limit where the system lets a process raise its own."""
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    soft = soft if soft != resource.RLIM_INFINITY else 4096
    return max(8, min(256, (soft - RESERVED_FILES) // 2))


def raise_file_limit() -> None:
    """Raise the soft open-file limit to the hard one (at most 65,536), as long-running servers do:
    a soft limit of 1,024 leaves a memory-mapped map and a few hundred clients little room."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        except (ValueError, OSError):  # a container that forbids it: the soft limit stays, and so do the bounds
            pass


@functools.cache
def bounded_protocol() -> type:
    """uvicorn's h11 protocol with two bounds uvicorn lacks (against slowloris: many half-sent requests
    held open used every file descriptor, and then no request was answered at all).

    - the request head must arrive within ``HEADER_TIMEOUT`` of its first byte (or of connecting);
    - at most ``max_connections()`` are open: a new one closes the oldest that is still sending its
      request head (a new request is then served; a slow client is the one that waits). asyncio
      accepts up to ``backlog`` connections before any is handed to a protocol, so ``serve`` keeps
      the backlog small too.
    """
    import os

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    timeout = float(os.environ.get("BRIEFING_PREVIEW_HEADER_TIMEOUT") or HEADER_TIMEOUT)
    limit = max_connections()

    class BoundedH11Protocol(H11Protocol):  # type: ignore[misc]
        _head_timer: asyncio.TimerHandle | None = None
        _opened = 0.0

        def _waiting_for_head(self) -> bool:
            return self.conn.their_state is h11.IDLE

        def _arm(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(timeout, self._head_late)

        def _head_late(self) -> None:
            self._head_timer = None
            if self._waiting_for_head() and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            self._opened = self.loop.time()
            open_ = [c for c in self.connections if not c.transport.is_closing()]
            if len(open_) >= limit:  # (a closed one leaves the set a moment later, in connection_lost)
                slow = [c for c in open_ if isinstance(c, BoundedH11Protocol) and c._waiting_for_head()]
                if slow:
                    min(slow, key=lambda c: c._opened).transport.close()
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._waiting_for_head():
                self._arm()  # the next request on a kept-alive connection: its head has the same time
            super().data_received(data)
            if self._head_timer is not None and not self._waiting_for_head():
                self._head_timer.cancel()  # the head is in: a kept-alive connection idle later is not cut
                self._head_timer = None   # mid-request by a timer its earlier request started

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

    return BoundedH11Protocol


def listen(host: str, port: int) -> socket.socket:
    """Bind the server's socket; BriefingError, one line, when the address cannot be used."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: restart at once on the same port
        sock.bind((host, port))
        sock.listen()
    except OSError as exc:  # in use, not this machine's address, not an address at all
        sock.close()
        raise BriefingError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another --port or --host") from None
    return sock
