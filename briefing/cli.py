"""The command line: parse arguments, make one library call, turn known errors into messages.

Exit status, one code per kind of outcome so a script or a systemd unit can tell them apart:

    0   every brief built (or already current)
    1   another error: a brief could not be rendered, written or mailed
    2   invalid input: a facts file, a recipient, an SMTP setting or the state database (``--state``:
        unreachable, a wrong password, no permission, a newer schema), one line per problem
    3   skipped: another run held a brief's lock (not a failure; ``SuccessExitStatus=3``)
    64  usage error: the command line itself is wrong (EX_USAGE of sysexits.h; click would say 2,
        which would make a typo in a crontab line look like a broken facts file)

Several briefs in one run end with the most serious of their codes: a failure (2, then 1) outranks
a skip (3), which outranks success, so a held lock never hides a broken brief.
"""

from __future__ import annotations

import atexit
import dataclasses
import errno
import gc
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, NoReturn

import click

from .build import BuildOptions
from .errors import LOCK_TIMEOUT, BriefingError

if TYPE_CHECKING:
    from .editions import Edition, Unchanged
    from .mail import SmtpSettings

# editions (file locks, hashing), mail (email parsing) and schedule (APScheduler) are imported by the
# options that need them: --check and an unchanged rerun start in a fraction of the time.

DEFAULT_BRIEFS = Path("briefs")
DEFAULT_OUT = Path("output")
EXIT_USAGE = 64
#: Exit codes from least to most serious (see the module docstring).
_SEVERITY = (0, 3, 1, 2)


def _most_serious(a: int, b: int) -> int:
    """The run's exit status when two briefs ended with ``a`` and ``b``: a failure outranks a skip."""
    return max(a, b, key=_SEVERITY.index)


class _Command(click.Command):
    """A click command whose usage errors exit 64 (EX_USAGE) instead of click's 2 (see above)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise


def run() -> NoReturn:
    """The process's entry point (``make_report.py``, the ``briefing`` command): ``main``, made cheaper
    to start and to end, which a one-shot run spends more time on than a warm build takes.

    - The cycle collector runs less often (gen 0 every 200,000 allocations instead of 700, as mypy
      does): importing the libraries and building a brief allocates objects that live until the end,
      and each collection walks them again (0.03-0.04 s of a run's CPU).
    - The run ends without the interpreter's teardown (as mypy's ``util.hard_exit``): freeing every
      module, font, map layer and matplotlib object one by one cost 0.1-0.2 s of CPU after the
      brief was written. What a normal exit does that matters still happens: the ``atexit``
      handlers (logging's flush, multiprocessing's reaping, finalizers), then standard output and
      standard error flushed. While another thread still runs, Python's own exit waits for it;
      under a profiler, a debugger or coverage (``python -m cProfile make_report.py``) the run ends
      as usual too, so they can report after the script returns.

    Tests call ``main`` itself (click's ``CliRunner``), which returns to them as usual.
    """
    gc.set_threshold(200_000, 30, 30)
    try:
        main()  # click's standalone mode: it always ends in SystemExit (an unexpected error propagates)
    except SystemExit as exc:
        status = exc.code
    if (not (status is None or isinstance(status, int)) or threading.active_count() > 1
            or sys.getprofile() is not None or sys.gettrace() is not None):
        sys.exit(status)  # a message as the status, a thread still running, a profiler, a debugger or
        #                   coverage that reports when the script returns: Python's own exit
    atexit._run_exitfuncs()
    code = status or 0
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a reader that went away: as Python's exit, 120 if all was well
            code = code or 120
    os._exit(code)


def _facts_files(files: tuple[Path, ...]) -> list[Path]:
    if files:
        return list(files)
    found = sorted(DEFAULT_BRIEFS.glob("*.yaml")) + sorted(DEFAULT_BRIEFS.glob("*.yml"))
    if not found:
        raise click.UsageError(f"no facts files given and none found in {DEFAULT_BRIEFS}/")
    return found


@click.command(cls=_Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("facts", nargs=-1, type=str)
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True, help="Folder for the PDFs.")
@click.option("--check", is_flag=True, help="Validate the facts files only; write nothing.")
@click.option("--strict", is_flag=True, help="Treat every warning about a facts file (estimative words, missing glyphs) as an error (exit 2, nothing written).")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="Log each pipeline step (not with -q).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors, warnings and the paths written (not with -v).")
@click.option("--send", is_flag=True, help="Mail each brief to the recipients, once per edition (SMTP settings: BRIEFING_* variables).")
@click.option("--to", multiple=True, metavar="ADDRESS", help="A recipient for --send; repeat for more.")
@click.option("--to-file", type=click.Path(path_type=Path, dir_okay=False), help="With --send: a file of recipients, one address per line, # comments allowed.")
@click.option("--dry-run", is_flag=True, help="With --send: write each mail to OUT/<id>.mail/<edition>-<recipient>.eml instead of sending it.")
@click.option("--every", type=click.FloatRange(min=0.1), metavar="SECONDS", help="Keep running until stopped (Ctrl-C, SIGTERM): every SECONDS, publish a new edition of each brief whose inputs changed.")
@click.option("--cron", metavar="'M H DOM MON DOW'", help="Like --every, but at the times of a crontab line such as '0 6 * * *' (local time).")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=LOCK_TIMEOUT, show_default=True, metavar="SECONDS", help="How long to wait while another run builds the same brief before skipping it (exit 3).")
@click.option("--preview", is_flag=True, help="Serve a live preview of the drafts in the browser, rebuilt on every save; publishes and mails nothing. Runs until Ctrl-C.")
@click.option("--port", type=click.IntRange(0, 65535), default=None, metavar="N", help="With --preview: the port (default 8765; 0 picks a free one).")
@click.option("--host", default=None, metavar="ADDRESS", help="With --preview: the address to listen on (default 127.0.0.1, this machine only).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Build up to this many briefs at once, each in its own process.")
@click.option("--no-cache", is_flag=True, help="Draw every chart and map afresh instead of reusing drawings cached in $XDG_CACHE_HOME/briefing.")
@click.option("--gather", is_flag=True, help="The arguments are SOURCES (saved files or http(s) URLs, each fetched once): read them and write a draft facts file (--draft).")
@click.option("--draft", "draft_out", type=click.Path(path_type=Path, dir_okay=False), metavar="OUT.yaml", help="With --gather: the draft facts file to write, or to add to (the person's edits are kept); the sources are saved under sources/ beside it.")
@click.option("--state", metavar="URL", default=None, help="The state database (editions, delivery ledger, locks): "
              "postgresql://USER@HOST/DB lets several hosts run one schedule. Default: $BRIEFING_STATE, else OUT/briefing.db (SQLite).")
@click.option("--max-ticks", type=click.IntRange(min=1), hidden=True, help="Testing: stop --every/--cron after this many runs.")
def main(facts: tuple[str, ...], out_dir: Path, check: bool, strict: bool, paper: str, verbose: bool, quiet: bool,
         send: bool, to: tuple[str, ...], to_file: Path | None, dry_run: bool,
         every: float | None, cron: str | None, lock_timeout: float, preview: bool, port: int | None, host: str | None,
         jobs: int, no_cache: bool, gather: bool, draft_out: Path | None, state: str | None,
         max_ticks: int | None) -> None:
    """Build a PDF situation brief from each FACTS file (default: every briefs/*.yaml).

    Prints the path of each PDF written (or left as it was: a brief whose inputs did not change is
    not rebuilt). Exit status: 0 all built, 1 an error, 2 invalid input (a facts file, a recipient,
    an SMTP setting), 3 another run held a brief's lock, 64 a usage error; with several briefs, the
    most serious (2, 1, 3, 0 in that order). With --every or --cron it keeps running and exits 0 when stopped.
    With --send it mails each edition to every recipient who does not have it yet (SMTP settings:
    BRIEFING_* variables); a bad recipient or setting exits 2 before anything is built or sent.
    With --preview it serves live drafts to a browser (nothing is published or mailed) until stopped.
    With --gather the arguments are sources, and a draft facts file is written to --draft.
    """
    if verbose and quiet:
        raise click.UsageError("-v and -q exclude each other: -v logs every step, -q only errors and warnings")
    # Our own steps at the level asked for; libraries (matplotlib, filelock ...) only when something is wrong.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("briefing").setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    failed = 0
    if gather or draft_out is not None:
        if not (gather and draft_out is not None and facts):
            raise click.UsageError("--gather needs one or more SOURCES and --draft OUT.yaml")
        if check or send or preview or every is not None or cron is not None:
            raise click.UsageError("--gather excludes --check, --send, --preview, --every and --cron")
        _gather(facts, draft_out)
    files = tuple(Path(f) for f in facts)
    options = BuildOptions(paper=paper.lower(), strict=strict, cache=not no_cache)
    if (to or to_file or dry_run) and not send:
        raise click.UsageError("--to, --to-file and --dry-run apply only with --send")
    if state is not None and (check or preview):
        raise click.UsageError("--state applies to publishing and mailing, not to --check or --preview")
    if (port is not None or host is not None) and not preview:
        raise click.UsageError("--port and --host apply only with --preview")
    if preview:
        if check or send or every is not None or cron is not None:
            raise click.UsageError("--preview excludes --check, --send, --every and --cron")
        from . import preview as live  # the web server's libraries load only for a preview

        try:
            live.serve(_facts_files(files), out_dir, options, host=host or live.DEFAULT_HOST,
                       port=live.DEFAULT_PORT if port is None else port, announce=click.echo)
        except BriefingError as exc:  # the address cannot be used
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        # Stopped (Ctrl-C, SIGTERM) with nothing left to write: skip the interpreter's teardown, which
        # spends a second collecting the map data and fonts, so the preview exits at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    if send:
        from .mail import send_edition

        recipients, settings = _mail_setup(to, to_file, dry_run)
    if every is not None or cron is not None:
        if check or (every is not None and cron is not None):
            raise click.UsageError("--every and --cron exclude each other and --check")
        if jobs > 1:
            raise click.UsageError("-j applies to a single run; --every and --cron build one brief at a time")
        from . import schedule

        try:
            next_tick = schedule.every(every) if every is not None else schedule.cron(cron or "")
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--cron") from None

        def each_tick(edition: Edition) -> None:  # as a one-shot run: print the path, mail who lacks it
            click.echo(str(edition.pdf_path))
            if send:
                for eml in send_edition(edition, recipients, settings=settings, dry_run=dry_run, out_dir=out_dir,
                                        state=state).written:
                    click.echo(str(eml))

        paths = _facts_files(files)
        _state_setup(state, out_dir)
        schedule.run(paths, out_dir, options, next_tick, on_edition=each_tick,
                     max_ticks=max_ticks, lock_timeout=lock_timeout, state=state)
        sys.exit(0)
    paths = _facts_files(files)
    if check:
        sys.exit(_check_all(paths, strict=strict, use_cache=not no_cache))
    _state_setup(state, out_dir)
    for path, outcome in _publish_all(paths, out_dir, options, lock_timeout, jobs, reuse=not send, state=state):
        if isinstance(outcome, tuple):  # (message, exit status)
            click.echo(outcome[0], err=True)
            failed = _most_serious(failed, outcome[1])
            continue
        click.echo(str(outcome.pdf_path))
        if send:  # with --send nothing is reused unvalidated: the outcome is an Edition
            try:
                report = send_edition(outcome, recipients, settings=settings, dry_run=dry_run, out_dir=out_dir, state=state)
            except BriefingError as exc:
                click.echo(str(exc), err=True)
                failed = _most_serious(failed, exc.exit_code)
                continue
            except OSError as exc:
                click.echo(_write_failure(path, exc, out_dir), err=True)
                failed = _most_serious(failed, 1)
                continue
            for eml in report.written:
                click.echo(str(eml))
    sys.exit(failed)


def _mail_setup(to: tuple[str, ...], to_file: Path | None, dry_run: bool) -> tuple[tuple[str, ...], SmtpSettings]:
    """--send: every recipient and setting checked, and the server reached (not for a dry run), before
    anything is built or sent; a problem is one line and exit 2."""
    from .mail import SmtpSettings, check_server, read_recipients

    try:
        recipients, settings = read_recipients(to, to_file), SmtpSettings.from_env(os.environ)
        if not dry_run:  # a server that cannot take the mail is found before anything is built
            check_server(settings)
    except BriefingError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    return recipients, settings


def _state_setup(state: str | None, out_dir: Path) -> None:
    """A named state database (``--state``, else ``BRIEFING_STATE``) reached, logged in to and its schema
    checked or upgraded before anything is validated, built or sent; an unreachable server, a wrong
    password, no permission or a newer schema is one line and exit 2. The default, ``OUT/briefing.db``,
    is checked so when it exists, and made when a brief is first published: a facts file that does not
    validate leaves no output folder behind."""
    from .state import DEFAULT_DB, named_state, open_store

    if named_state(state) is None and not (out_dir / DEFAULT_DB).exists():
        return
    try:
        open_store(state, out_dir)
    except BriefingError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)


def _gather(sources: tuple[str, ...], draft_out: Path) -> NoReturn:
    """--gather: draft a facts file from SOURCES into ``draft_out`` and say what was added."""
    from .gather.draft import gather as gather_sources

    try:
        click.echo(gather_sources(sources, draft_out).summary())
    except BriefingError as exc:
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        click.echo(f"{draft_out}: cannot write the draft: {exc.strerror or exc} ({exc.filename or draft_out})", err=True)
        sys.exit(1)
    sys.exit(0)


def _check_all(paths: list[Path], *, strict: bool, use_cache: bool) -> int:
    """--check: validate each file on its own (one line each) and return the most serious exit status."""
    from .editions import check_facts

    failed = 0
    for path in paths:
        try:
            check_facts(path, strict=strict, use_cache=use_cache)
            click.echo(f"{path}: ok")
        except BriefingError as exc:
            click.echo(str(exc), err=True)
            failed = _most_serious(failed, exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - as for a build: this file only
            click.echo(_unexpected(path, exc), err=True)
            failed = _most_serious(failed, 1)
    return failed


def _publish_one(path: Path, out_dir: Path, options: BuildOptions, lock_timeout: float,
                 reuse: bool = False, state: str | None = None) -> Edition | Unchanged | tuple[str, int]:
    """Publish one brief; a known failure comes back as (one-line message, exit status), never raised,
    so it crosses a process boundary intact. ``reuse``: a brief whose inputs did not change is found
    so without validating it (``reuse_current``), for a run that needs only the PDF's path."""
    from .editions import publish, reuse_current

    try:
        if reuse and (current := reuse_current(path, out_dir, options, lock_timeout=lock_timeout, state=state)) is not None:
            return current
        return publish(path, out_dir, options, lock_timeout=lock_timeout, state=state)
    except BriefingError as exc:
        return str(exc), exc.exit_code
    except OSError as exc:  # a folder that cannot be written, a full disk: one line, not a traceback
        return _write_failure(path, exc, out_dir), 1
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the other briefs of the run
        return _unexpected(path, exc), 1


def _write_failure(path: Path, exc: OSError, out_dir: Path) -> str:
    """One line for an output that cannot be written; a folder the run may not write says how out."""
    line = f"{path}: cannot write the brief: {exc.strerror or exc} ({exc.filename or out_dir})"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        line += f"; make {out_dir} writable, or choose another output folder with --out"
    return line


def _unexpected(path: Path, exc: BaseException) -> str:
    """One line for an error nobody foresaw (a bug in briefing); its traceback is logged for -v."""
    logging.getLogger("briefing").debug("%s: traceback of the unexpected error:", path, exc_info=exc)
    reason = " ".join(str(exc).split())[:300]
    return (f"{path}: not built: unexpected {type(exc).__name__}{': ' + reason if reason else ''} "
            "(a bug in briefing; run with -v for the traceback and report it)")


def _publish_all(paths: list[Path], out_dir: Path, options: BuildOptions, lock_timeout: float,
                 jobs: int, reuse: bool = False, state: str | None = None) -> Iterator[tuple[Path, Edition | Unchanged | tuple[str, int]]]:
    """Each brief's outcome, in the order given; with ``jobs`` > 1 built by a pool of processes.

    Why processes: building is CPU-bound Python (layout, drawing), which threads would serialise.
    Each worker goes through ``publish``, so every brief keeps its lock and atomic writes. A run of
    one brief may draw its charts in a forked child beside the map (``BuildOptions.overlap``); briefs
    built one after another in this process do not (each child would import matplotlib again: 8
    briefs with ``-j 1`` took 5.6 s instead of 3.6), nor do a pool's workers.
    """
    if jobs <= 1 or len(paths) <= 1:
        here = dataclasses.replace(options, overlap=len(paths) == 1)
        for path in paths:
            yield path, _publish_one(path, out_dir, here, lock_timeout, reuse, state)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from .fonts import register_fonts, remember_fonts, seed_matplotlib

    seed_matplotlib(options.cache)
    remember_fonts(options.cache)
    from .vector import load_matplotlib

    load_matplotlib()
    import matplotlib.figure  # noqa: F401 - with its font list: loaded once here, shared by every worker

    from . import charts, map, pdf  # noqa: F401

    register_fonts()
    # fork: workers start at once with all of that loaded (spawn would import everything again).
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=context) as pool:
        futures = [pool.submit(_publish_one, path, out_dir, options, lock_timeout, reuse, state) for path in paths]
        for path, future in zip(paths, futures):
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died (killed, out of memory): this brief only
                outcome = _unexpected(path, exc), 1
            yield path, outcome



