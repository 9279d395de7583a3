#!/usr/bin/env python3
"""Benchmark: peak memory and time to mail one edition to N recipients through a real local SMTP server.

Messages are composed one at a time, so the peak should stay near one message whatever N is.
Usage: python tools/mail_memory.py [N]   (default 1000; needs the test extras: aiosmtpd)
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.editions import publish  # noqa: E402
from briefing.mail import SmtpSettings, compose, message_bytes, send_edition  # noqa: E402


class Discard:
    """Accepts every message and keeps only a count, so the server's memory is not measured."""

    count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 2.0.0 OK"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        edition = publish(ROOT / "briefs" / "bakhmut.yaml", Path(tmp))
        one = len(message_bytes(compose(edition, "r0@example.org", sender="b@example.org", pdf=edition.pdf_path.read_bytes())))
        handler = Discard()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            settings = SmtpSettings(mail_from="b@example.org", host="127.0.0.1", port=port, security="none")
            tracemalloc.start()
            started = time.perf_counter()
            send_edition(edition, [f"r{i}@example.org" for i in range(n)], settings=settings, out_dir=Path(tmp))
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            controller.stop()
    print(f"{n} recipients, {handler.count} delivered in {elapsed:.1f} s; one message {one / 1e6:.2f} MB; "
          f"peak traced memory {peak / 1e6:.1f} MB (client and server in one process)")


if __name__ == "__main__":
    main()
