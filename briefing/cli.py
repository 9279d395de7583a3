"""The command line: parse arguments, make one library call, turn known errors into messages."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from .build import BuildOptions
from .editions import publish
from .errors import BriefingError
from .facts import load_facts
from .mail import SmtpSettings, read_recipients, send_edition

DEFAULT_BRIEFS = Path("briefs")
DEFAULT_OUT = Path("output")


def _facts_files(files: tuple[Path, ...]) -> list[Path]:
    if files:
        return list(files)
    found = sorted(DEFAULT_BRIEFS.glob("*.yaml")) + sorted(DEFAULT_BRIEFS.glob("*.yml"))
    if not found:
        raise click.UsageError(f"no facts files given and none found in {DEFAULT_BRIEFS}/")
    return found


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("facts", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True, help="Folder for the PDFs.")
@click.option("--check", is_flag=True, help="Validate the facts files only; write nothing.")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="Log each pipeline step.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the paths written.")
@click.option("--send", is_flag=True, help="Mail each brief to the recipients, once per edition (SMTP settings: BRIEFING_* variables).")
@click.option("--to", multiple=True, metavar="ADDRESS", help="A recipient for --send; repeat for more.")
@click.option("--to-file", type=click.Path(path_type=Path, dir_okay=False), help="With --send: a file of recipients, one address per line, # comments allowed.")
@click.option("--dry-run", is_flag=True, help="With --send: write each mail to OUT/<id>.mail/<edition>-<recipient>.eml instead of sending it.")
def main(facts: tuple[Path, ...], out_dir: Path, check: bool, paper: str, verbose: bool, quiet: bool,
         send: bool, to: tuple[str, ...], to_file: Path | None, dry_run: bool) -> None:
    """Build a PDF situation brief from each FACTS file (default: every briefs/*.yaml).

    Prints the path of each PDF written. Exit status: 0 all built, 2 a facts file is invalid,
    1 another error.
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    failed = 0
    options = BuildOptions(paper=paper.lower())
    if (to or to_file or dry_run) and not send:
        raise click.UsageError("--to, --to-file and --dry-run apply only with --send")
    if send:  # every recipient and setting is checked before anything is built or sent
        try:
            recipients, settings = read_recipients(to, to_file), SmtpSettings.from_env(os.environ)
        except BriefingError as exc:
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
    for path in _facts_files(facts):
        try:
            if check:
                load_facts(path)
                click.echo(f"{path}: ok")
            else:
                edition = publish(path, out_dir, options)
                click.echo(str(edition.pdf_path))
                if send:
                    report = send_edition(edition, recipients, settings=settings, dry_run=dry_run, out_dir=out_dir)
                    for eml in report.written:
                        click.echo(str(eml))
        except BriefingError as exc:
            click.echo(str(exc), err=True)
            failed = max(failed, exc.exit_code)
    sys.exit(failed)



