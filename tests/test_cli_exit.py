"""How a run's process ends (``briefing.cli.run``): without the interpreter's teardown, and with
nothing lost that a normal exit would have done - its exit status, what it printed, its atexit handlers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import BAKHMUT, ROOT

# A process as make_report.py starts one, with an object whose finalizer says when the interpreter
# tears the process down, and an atexit handler of its own (as logging, multiprocessing and
# tempfile's finalizers register theirs).
_RUN = """
import atexit, sys
class Torn:
    def __del__(self):
        print("torn down", flush=True)
kept = Torn()
atexit.register(print, "atexit ran")
sys.argv = ["make_report.py", *sys.argv[1:]]
{before}
from briefing.cli import run
run()
"""


def _run(*args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _RUN.format(before=before), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_a_run_ends_without_teardown_keeping_its_status_output_and_atexit_handlers(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntitle: [\n", encoding="utf-8")
    checked = _run("--check", str(BAKHMUT), str(bad))
    assert checked.returncode == 2  # the most serious of the two files' outcomes, as before
    assert checked.stdout.splitlines() == [f"{BAKHMUT}: ok", "atexit ran"]  # through a pipe: flushed
    assert checked.stderr.splitlines()[-1].startswith(f"{bad}: line 3, column 1: not valid YAML")
    assert "torn down" not in checked.stdout

    built = _run(str(BAKHMUT), "--out", str(tmp_path / "out"), "-q")
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines() == [str(tmp_path / "out" / "bakhmut.pdf"), "atexit ran"]
    assert (tmp_path / "out" / "bakhmut.pdf").read_bytes().startswith(b"%PDF-")
    assert "torn down" not in built.stdout


def test_a_thread_still_running_gets_pythons_own_exit_which_waits_for_it(tmp_path: Path) -> None:
    started = "import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.5), print('thread done', flush=True))).start()"
    checked = _run("--check", str(BAKHMUT), before=started)
    assert checked.returncode == 0
    lines = checked.stdout.splitlines()
    assert sorted(lines[:2]) == sorted([f"{BAKHMUT}: ok", "thread done"])  # in the order they happened
    assert lines[2:] == ["atexit ran", "torn down"]


def test_a_usage_error_keeps_its_status_and_message() -> None:
    wrong = _run("--no-such-option")
    assert wrong.returncode == 64
    assert wrong.stderr.endswith("Error: No such option '--no-such-option'.\n")
    assert wrong.stdout.splitlines() == ["atexit ran"]


def test_under_a_profiler_the_run_returns_so_the_profiler_can_report(tmp_path: Path) -> None:
    profiled = subprocess.run([sys.executable, "-m", "cProfile", "-s", "cumulative", str(ROOT / "make_report.py"),
                               "--check", str(BAKHMUT)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert profiled.returncode == 0, profiled.stderr
    assert profiled.stdout.startswith(f"{BAKHMUT}: ok\n")
    assert "function calls" in profiled.stdout  # cProfile's report, printed after the script returned
