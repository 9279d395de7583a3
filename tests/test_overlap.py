"""Issue 23, "overlap what can run at once": a never-built brief's charts are drawn in a forked child
while the command line's process draws the map (``briefing/overlap.py``), and nothing else changes:
the same PDF bytes, the same messages in the same order, no process left behind."""

from __future__ import annotations

import ast
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from briefing import overlap
from conftest import BAKHMUT, ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or len(os.sched_getaffinity(0)) < 2,
                                reason="the charts are drawn beside the map only with fork and two cores")

#: The command line in a fresh interpreter that says, at exit, how often it forked, whether it imported
#: matplotlib, and whether any child of it is left (running or a zombie). "serial" first starts an idle
#: thread, so the build may not fork and draws everything in-process, as before; "broken" draws no chart.
PROBE = """
import atexit, os, sys, threading
forks = []
os.register_at_fork(after_in_parent=lambda: forks.append(1))
mode = sys.argv.pop(1)
if mode == "serial":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
if mode == "broken":  # a bug in chart drawing, in the child and here alike
    import briefing.charts

    def broken(facts):
        raise RuntimeError("a chart bug")

    briefing.charts.build_charts = broken

def report():
    try:
        os.waitpid(-1, os.WNOHANG)
        left = True
    except ChildProcessError:
        left = False
    print("PROBE", {"forks": len(forks), "matplotlib": "matplotlib" in sys.modules, "left": left})

atexit.register(report)
from briefing.cli import main
main()
"""


def _probe(mode: str, *args: str, cache_home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}  # a never-built brief: an empty cache of its own
    return subprocess.Popen([sys.executable, "-c", PROBE, mode, *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str, dict[str, Any]]:
    """Exit status, standard output (without the probe's line), standard error and the probe's report."""
    out, err = proc.communicate(timeout=300)
    out, _, report = out.partition("PROBE ")
    return proc.returncode, out, err, ast.literal_eval(report.strip())


def _build(mode: str, facts: Path, out: Path, *args: str, cache_home: Path) -> tuple[int, str, str, dict[str, Any]]:
    return _finish(_probe(mode, str(facts), "--out", str(out), *args, cache_home=cache_home))


def _children(pid: int) -> list[int]:
    """The processes ``pid`` has forked and not yet reaped."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _first_child(proc: subprocess.Popen[str]) -> int:
    """The child the build forks, as soon as it exists (it lives for its drawing: half a second or more)."""
    deadline = time.monotonic() + 120
    while not (found := _children(proc.pid)):
        assert proc.poll() is None and time.monotonic() < deadline, "the build forked no child"
        time.sleep(0.001)
    return found[0]


def _entries(cache_home: Path) -> list[str]:
    return sorted(p.name for p in (cache_home / "briefing").glob("??/*"))


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], tuple[bytes, str, list[str]]]:
    """Each example brief built as before, everything in one process: its PDF, standard error and cache entries."""
    built: dict[Path, tuple[bytes, str, list[str]]] = {}

    def get(facts: Path) -> tuple[bytes, str, list[str]]:
        if facts not in built:
            work = tmp_path_factory.mktemp("serial")
            status, out, err, report = _build("serial", facts, work / "out", "-q", cache_home=work / "xdg")
            assert status == 0, err
            assert report == {"forks": 0, "matplotlib": True, "left": False}
            built[facts] = (Path(out.strip()).read_bytes(), err, _entries(work / "xdg"))
        return built[facts]

    return get


@pytest.mark.parametrize(("facts", "no_cache"), [(BAKHMUT, False), (ROOT / "briefs" / "la-riots.yaml", True)],
                         ids=["bakhmut-cache", "la-riots-no-cache"])  # each brief once, each way once: make test stays quick
def test_charts_drawn_beside_the_map_print_the_same_bytes_without_matplotlib_here(
        facts: Path, no_cache: bool, tmp_path: Path, serial: Callable[[Path], tuple[bytes, str, list[str]]]) -> None:
    pdf, err, entries = serial(facts)
    flags = ["--no-cache"] if no_cache else []
    status, out, overlapped_err, report = _build("overlap", facts, tmp_path / "out", "-q", *flags, cache_home=tmp_path / "xdg")
    assert status == 0, overlapped_err
    assert report == {"forks": 1, "matplotlib": False, "left": False}  # the child drew the charts, and was reaped
    assert Path(out.strip()).read_bytes() == pdf
    assert overlapped_err == err
    if not no_cache:
        assert _entries(tmp_path / "xdg") == entries  # the parent cached what the child drew


def _verbose_lines(err: str, out: Path) -> list[str]:
    """The lines of a -v run, without what differs from run to run: the time taken, the output folder."""
    return [re.sub(r" in \d+\.\d+ s:", " in N s:", line).replace(str(out), "OUT") for line in err.splitlines()]


@pytest.fixture
def misplaced(facts_data: dict, write_facts: Callable[..., Path]) -> Path:
    """Facts whose map warns after the charts are drawn: too many places on one spot to name them all."""
    first = facts_data["places"][0]
    facts_data["places"] = [{**first, "name": f"Checkpoint {i}", "lat": first["lat"] + 0.0005 * i} for i in range(30)]
    return write_facts(facts_data)


def test_a_child_killed_while_drawing_leaves_the_charts_to_this_process(misplaced: Path, tmp_path: Path) -> None:
    """Killed while drawing, the child sends nothing; the parent draws the charts itself, and the run says
    what a run in one process says, in the same order (-v: every step and the map's warning)."""
    status, _, err, report = _build("serial", misplaced, tmp_path / "serial", "-v", cache_home=tmp_path / "xdg1")
    assert status == 0 and report["forks"] == 0
    proc = _probe("overlap", str(misplaced), "--out", str(tmp_path / "out"), "-v", cache_home=tmp_path / "xdg2")
    os.kill(_first_child(proc), signal.SIGKILL)
    killed_status, _, killed_err, killed_report = _finish(proc)
    assert killed_status == 0, killed_err
    assert killed_report == {"forks": 1, "matplotlib": True, "left": False}  # drawn here after all; the child reaped
    assert "; marked but not named on the map" in err and _verbose_lines(killed_err, tmp_path / "out") == _verbose_lines(err, tmp_path / "serial")
    name = "bakhmut.pdf"  # named by the id
    assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()


def test_a_child_whose_parent_dies_ends_when_its_drawing_is_done(tmp_path: Path) -> None:
    proc = _probe("overlap", str(BAKHMUT), "--out", str(tmp_path / "out"), "-q", cache_home=tmp_path / "xdg")
    child = _first_child(proc)
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 60
    while Path(f"/proc/{child}").exists() and Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0] != "Z":
        assert time.monotonic() < deadline, "the child outlived its parent"
        time.sleep(0.05)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))


def test_a_chart_that_cannot_be_drawn_stops_the_build_before_the_map_says_a_word(misplaced: Path, tmp_path: Path) -> None:
    """The charts fail in the child and again here: the error is the one a build in one process gives,
    and the map drawn meanwhile logs nothing (its warning was held until the charts were made)."""
    status, out, err, report = _build("broken", misplaced, tmp_path / "out", "-v", cache_home=tmp_path / "xdg")
    assert report == {"forks": 1, "matplotlib": True, "left": False}
    assert (status, out) == (1, "")
    assert "; marked but not named on the map" not in err  # the map's warning
    assert err.splitlines()[-1] == (f"{misplaced}: not built: unexpected RuntimeError: a chart bug "
                                    "(a bug in briefing; run with -v for the traceback and report it)")
    assert "Step 2 - Drawing charts" in err and "Step 3" not in err


def test_held_records_reach_the_handlers_they_would_have_reached_in_order() -> None:
    seen: list[str] = []

    class Keep(logging.Handler):
        def __init__(self, tag: str, level: int = logging.NOTSET) -> None:
            super().__init__(level)
            self.tag = tag

        def emit(self, record: logging.LogRecord) -> None:
            seen.append(f"{self.tag}:{record.getMessage()}")

    root, own = logging.getLogger(), logging.getLogger("briefing.test-overlap")
    saved = root.handlers, root.level
    root.handlers, own.handlers = [Keep("root", logging.WARNING)], [Keep("own")]
    root.setLevel(logging.DEBUG)
    try:
        with overlap.held_logs() as held:
            own.info("one %d", 1)
            logging.getLogger("elsewhere").warning("two")
            own.warning("three")
        assert seen == [] and [type(h).__name__ for h in root.handlers + own.handlers] == ["Keep", "Keep"]
        overlap.replay(held)
    finally:
        root.handlers, own.handlers = saved[0], []
        root.setLevel(saved[1])
    assert seen == ["own:one 1", "root:two", "own:three", "root:three"]  # the root's handler takes warnings only


def test_briefs_built_one_after_another_draw_in_this_process(tmp_path: Path) -> None:
    """Only a run of one brief forks: built one after another, each child would import matplotlib
    again (8 never-built briefs with ``-j 1`` took 5.6 s instead of 3.6)."""
    second = tmp_path / "second" / BAKHMUT.name
    second.parent.mkdir()
    shutil.copytree(BAKHMUT.parent / "sources", second.parent / "sources")
    second.write_text(BAKHMUT.read_text(encoding="utf-8").replace("\nid: ", "\nid: second-", 1), encoding="utf-8")
    code, _, err, report = _build("plain", BAKHMUT, tmp_path / "out", str(second), "-q", "--no-cache",
                                  cache_home=tmp_path / "xdg")
    assert code == 0, err
    assert report == {"forks": 0, "matplotlib": True, "left": False}
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == ["bakhmut.pdf", "second-bakhmut.pdf"]
