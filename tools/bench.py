#!/usr/bin/env python3
"""Benchmark: every way a brief is run, each against issue 23's target, side by side with WeasyPrint and Typst.

Targets are ratios to WeasyPrint building a same-sized brief (``tools/peer_weasyprint.py``) on the
same machine in the same run, so they hold on a slow or a busy machine alike; the Typst pipeline
(``tools/peer_typst.py``: the same brief and the same three matplotlib charts, set by Typst) is the
goal beyond them:

    never-built brief (our cache empty, matplotlib's font list kept)  <= 0.5 x WeasyPrint (goal: < 1 x Typst)
    first run on a machine (an empty XDG_CACHE_HOME)               <= 0.6 x
    one statement reworded (drawings cached)                       <= 0.2 x
    --check (of a file checked before, and of a changed one)       <= 0.1 x
    unchanged rerun                                                <= 0.1 x
    warm build in one process                                      <= 0.1 s a brief
    8 never-built briefs with -j 2                                 >= 1.7 x faster than -j 1
    PDF size of the example                                        <= 300 KB

Under the never-built brief, the reworded one and the changed file's --check, a "floor" line: the
CPU time of a process that only imports the libraries that kind of run imported and builds pydantic's
validator of the facts model. A target below its floor cannot be met by any change to our own code.

Whole processes are timed by the CPU time they use (user + system: on a shared machine the wall
clock also measures the neighbours), ours and the peers' in turn, and medians are compared; the
batch, which is about using both cores, by the wall clock, as is the never-built brief once more (no
target: its charts are drawn in a child beside the map, which saves wall time, not CPU). Without ``--peer PYTHON`` (a Python that
has weasyprint, typst, matplotlib and pyyaml; ``make bench`` makes one in .venv-peer) the ratios
cannot be computed and only times are printed.

Usage: python tools/bench.py [FACTS.yaml] [--peer PYTHON] [--runs N] [--batch N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLI = [sys.executable, str(ROOT / "make_report.py")]


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """CPU seconds (user + system) the command used, children included: on a shared machine the
    wall clock measures the neighbours' load as much as ours, the CPU time only ours."""
    return _cpu_and_wall(cmd, env)[0]


def _cpu_and_wall(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """The CPU seconds (as ``_timed``) and the wall-clock seconds of one run of the command: a build
    that draws its charts in a child beside the map (``briefing/overlap.py``) saves wall time, not CPU."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return usage.ru_utime + usage.ru_stime, wall


# A run that writes down, as it ends, every module it imported (``run`` calls the atexit handlers), on
# one core so that it draws its charts itself (not in a child, ``briefing/overlap.py``): the modules
# that child would import are then among them.
_RECORD = """
import atexit, os, runpy, sys
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
out, sys.argv = sys.argv[1], sys.argv[2:]
atexit.register(lambda: open(out, "w").write("\\n".join(sorted(sys.modules))))
runpy.run_path(sys.argv[0], run_name="__main__")
"""

# The floor under a kind of run: a process that imports the libraries that run imported (not our own
# modules; matplotlib trimmed as a build trims it) and builds pydantic's validator of the facts model,
# and does nothing else. No change to our code can take a run below it.
_FLOOR = """
import importlib, sys
names = [n for n in open(sys.argv[1]).read().split() if n.split(".")[0] not in ("briefing", "__main__")]
if "matplotlib" in names:
    from briefing.vector import load_matplotlib
    load_matplotlib()
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        pass
from pydantic import ValidationError
from briefing.facts import Facts
try:
    Facts.model_validate({})
except ValidationError:
    pass
"""


def _floor(cmd: list[str], env: dict[str, str], work: Path, runs: int) -> float:
    """The median CPU seconds of ``_FLOOR`` for the modules one run of ``cmd`` (a make_report.py
    command line) imported; ``cmd`` must do the kind of work being measured when run once more."""
    names = work / f"modules-{len(list(work.glob('modules-*')))}.txt"
    subprocess.run([sys.executable, "-c", _RECORD, str(names), *cmd[1:]], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return statistics.median(_timed([sys.executable, "-c", _FLOOR, str(names)], env) for _ in range(runs))


def _copy_saved_sources(facts: Path, folder: Path) -> None:
    """A copy of the brief keeps the saved sources it names (``sources/`` beside it): the provenance
    check reads them in every build, as in the user's own folder."""
    if (facts.parent / "sources").is_dir():
        shutil.copytree(facts.parent / "sources", folder / "sources")


def _wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    return _cpu_and_wall(cmd, env)[1]


def _env(cache_home: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache_home)}


def _reword(text: str, n: int) -> str:
    """The facts file with its first statement reworded (drawn from no chart or map: the drawings stay cached)."""
    return text.replace("  - text: ", f"  - text: As of edit {n}, ", 1)


def _line(name: str, value: str, target: str, ok: bool | None) -> None:
    verdict = "-" if ok is None else "pass" if ok else "FAIL"
    print(f"{name:<34} {value:<52} {target:<24} {verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("facts", nargs="?", default=str(ROOT / "briefs" / "bakhmut.yaml"))
    parser.add_argument("--peer", metavar="PYTHON", default=os.environ.get("BRIEFING_PEER_PYTHON"),
                        help="a Python with weasyprint, typst, matplotlib and pyyaml (default: $BRIEFING_PEER_PYTHON)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each kind")
    parser.add_argument("--batch", type=int, default=8, help="briefs in the batch")
    args = parser.parse_args()
    facts = Path(args.facts).resolve()
    work = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    try:
        run(facts, args.peer, args.runs, args.batch, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(facts: Path, peer: str | None, runs: int, batch: int, work: Path) -> None:
    # Our modules compiled once, as an installed package's are (WeasyPrint's were, by pip): a machine
    # with PYTHONDONTWRITEBYTECODE set would otherwise compile them again in every timed run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "briefing")], check=True, stdout=subprocess.DEVNULL)
    cold, cold_fonts_kept, cold_wall, peer_times, typst_times = [], [], [], [], []
    fonts_kept = work / "matplotlib-config"
    for n in range(runs):  # ours and the peer's in turn, so a change in the machine's load hits both
        out, cache_home = work / f"cold-{n}", work / f"cold-cache-{n}"
        cold.append(_timed([*CLI, str(facts), "--out", str(out), "-q"], _env(cache_home)))
        # The same, but with matplotlib's font list kept (MPLCONFIGDIR) as on any machine after its first run.
        cpu, wall = _cpu_and_wall([*CLI, str(facts), "--out", str(work / f"cold-kept-{n}"), "-q"],
                                  {**_env(work / f"cold-kept-cache-{n}"), "MPLCONFIGDIR": str(fonts_kept)})
        cold_fonts_kept.append(cpu)
        cold_wall.append(wall)
        size = next(out.glob("*.pdf")).stat().st_size
        if peer:
            peer_times.append(_timed([peer, str(ROOT / "tools" / "peer_weasyprint.py"), str(facts), str(work / "peer.pdf")]))
            typst_times.append(_timed([peer, str(ROOT / "tools" / "peer_typst.py"), str(facts), str(work / "typst.pdf")]))

    floor_cold = _floor([*CLI, str(facts), "--out", str(work / "floor-cold"), "-q"],
                        {**_env(work / "floor-cold-cache"), "MPLCONFIGDIR": str(fonts_kept)}, work, runs)

    # A text-only change: the drawings come from the cache a first build filled.
    cache_home = work / "cache"
    text = facts.read_text(encoding="utf-8")
    edited = work / "edited" / facts.name
    edited.parent.mkdir()
    _copy_saved_sources(facts, edited.parent)
    edited.write_text(text, encoding="utf-8")
    subprocess.run([*CLI, str(edited), "--out", str(work / "fill"), "-q"], check=True, stdout=subprocess.DEVNULL, env=_env(cache_home))
    cached = []
    for n in range(runs):
        edited.write_text(_reword(text, n), encoding="utf-8")
        cached.append(_timed([*CLI, str(edited), "--out", str(work / f"cached-{n}"), "-q"], _env(cache_home)))
    edited.write_text(_reword(text, runs), encoding="utf-8")
    floor_cached = _floor([*CLI, str(edited), "--out", str(work / "floor-cached"), "-q"], _env(cache_home), work, runs)
    check = [_timed([*CLI, str(facts), "--check"], _env(cache_home)) for _ in range(runs)]  # unchanged: recalled
    check_changed = []
    for n in range(runs):  # each time a new title: validated
        edited.write_text(text.replace("title: ", f"title: Check {n} of ", 1), encoding="utf-8")
        check_changed.append(_timed([*CLI, str(edited), "--check"], _env(cache_home)))
    edited.write_text(text.replace("title: ", "title: Check floor of ", 1), encoding="utf-8")
    floor_check = _floor([*CLI, str(edited), "--check"], _env(cache_home), work, runs)
    edited.write_text(_reword(text, runs - 1), encoding="utf-8")
    unchanged = [_timed([*CLI, str(edited), "--out", str(work / f"cached-{runs - 1}"), "-q"], _env(cache_home)) for _ in range(runs)]

    # Warm: one process, imports and caches paid for by a first build.
    os.environ["XDG_CACHE_HOME"] = str(cache_home)
    from briefing import build_brief

    build_brief(facts)
    started = time.process_time()
    for _ in range(20):
        build_brief(facts)
    warm = (time.process_time() - started) / 20

    # Batch: copies of the brief under their own ids, built without the cache so each does the full work.
    briefs = []
    for n in range(batch):
        path = work / "batch" / f"brief-{n}.yaml"
        if not path.parent.exists():
            path.parent.mkdir()
            _copy_saved_sources(facts, path.parent)
        path.write_text(text.replace("\nid: ", f"\nid: b{n}-", 1), encoding="utf-8")
        briefs.append(str(path))
    one = _wall([*CLI, *briefs, "--out", str(work / "batch-j1"), "-q", "--no-cache", "-j", "1"], _env(cache_home))
    two = _wall([*CLI, *briefs, "--out", str(work / "batch-j2"), "-q", "--no-cache", "-j", "2"], _env(cache_home))

    med = statistics.median
    base = med(peer_times) if peer_times else None
    typ = med(typst_times) if typst_times else None
    print(f"{'':<34} {'median of ' + str(runs) + ' whole runs (CPU s)':<52} {'target':<24} verdict")
    if base:
        _line("WeasyPrint, same-sized brief", f"{base:.2f} s", "(the yardstick)", None)
        _line("Typst, same-sized brief", f"{typ:.2f} s = {typ / base:.2f} x WeasyPrint", "(the goal beyond)", None)

    def against(name: str, times: list[float], limit: float, goal: float | None = None) -> None:
        if base:
            ratio = med(times) / base
            target = f"<= {limit} x" + (f", < {goal} x Typst" if goal else "")
            ok = ratio <= limit and (goal is None or med(times) / typ < goal)
            _line(name, f"{med(times):.2f} s = {ratio:.2f} x WeasyPrint = {med(times) / typ:.2f} x Typst", target, ok)
        else:
            _line(name, f"{med(times):.2f} s", f"<= {limit} x (no peer)", None)

    def floor(seconds: float) -> None:
        ratio = f" = {seconds / base:.2f} x WeasyPrint" if base else ""
        _line("  floor: its libraries alone", f"{seconds:.2f} s{ratio}", "(imports, schema)", None)

    against("never-built brief (font list kept)", cold_fonts_kept, 0.5, 1.0)
    floor(floor_cold)
    _line("never-built brief, wall clock", f"{med(cold_wall):.2f} s (the charts drawn beside the map)", "", None)
    against("first run on a machine", cold, 0.6)
    floor(floor_cold)  # the same modules: the font list is seeded, so a first run imports nothing more
    against("one statement reworded", cached, 0.2)
    floor(floor_cached)
    against("--check, file unchanged", check, 0.1)
    against("--check, file changed", check_changed, 0.1)
    floor(floor_check)
    against("unchanged rerun", unchanged, 0.1)
    _line("warm build in one process", f"{warm * 1000:.0f} ms a brief", "<= 100 ms", warm <= 0.1)
    _line(f"batch of {batch}, -j 2 vs -j 1", f"{two:.1f} s vs {one:.1f} s = {one / two:.2f} x faster", ">= 1.7 x", one / two >= 1.7)
    _line(f"  batch -j 2, a brief", f"{two / batch * 1000:.0f} ms (wall) vs warm {warm * 1000:.0f} ms", "near the warm build", None)
    _line("PDF size", f"{size / 1024:.0f} KB", "<= 300 KB", size <= 300 * 1024)

if __name__ == "__main__":
    main()
