"""What a person sees on the terminal (issue 9): our steps, not library chatter; paths; when the next run is."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import BAKHMUT, ROOT, run_cli


def test_verbose_shows_every_pipeline_step_and_no_library_debug(tmp_path: Path) -> None:
    result = run_cli(str(BAKHMUT), "--out", str(tmp_path / "out"), "-v")

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    steps = [line.split(" - ")[0].split(": ")[-1] for line in lines if ": Step " in line]
    assert steps == ["Step 1", "Step 2", "Step 3", "Step 4", "Step 5"]
    assert len(lines) == 6 and lines[-1].startswith("bakhmut: edition 20230301T1800Z built (3 pages)"), lines


def test_cron_says_when_it_will_first_run_even_within_the_minute(tmp_path: Path) -> None:
    while dt.datetime.now().second >= 55:  # "* * * * *" must fire 5 to 60 seconds from now
        time.sleep(1)
    proc = subprocess.Popen([sys.executable, str(ROOT / "make_report.py"), str(BAKHMUT), "--out", str(tmp_path / "out"),
                             "--cron", "* * * * *"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"TZ": "UTC"})
    killer = threading.Timer(30, proc.kill)  # a line that never comes must fail the test, not hang it
    killer.start()
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)
    finally:
        killer.cancel()
    assert first.startswith("next run at ") and first.endswith(":00 UTC\n"), first
    assert proc.returncode == 0 and rest.strip().endswith("stopped")
