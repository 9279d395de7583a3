"""Shared test helpers: facts files written to a temp folder, PDF text through a real parser."""

from __future__ import annotations

import copy
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

import pikepdf
import pypdf
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BAKHMUT = ROOT / "briefs" / "bakhmut.yaml"

# Tests never read or fill the user's drawing cache: one empty cache for the whole session, inherited
# by the processes the tests start. Under pytest-xdist each worker is a process that imports this file,
# so each has a cache of its own (no two workers write one entry at once); each removes its own at exit.
TEST_CACHE = Path(tempfile.mkdtemp(prefix="briefing-test-cache-"))
os.environ["XDG_CACHE_HOME"] = str(TEST_CACHE)
# Nor the installation's cache (``briefing.prepare``): each test computes what it checks; the tests of
# that cache (tests/test_install_cache.py) make one of their own.
os.environ["BRIEFING_INSTALL_CACHE"] = ""


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove this process's cache, in the xdist controller (which runs no test) as in each worker."""
    shutil.rmtree(TEST_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def bakhmut_data() -> dict[str, Any]:
    """The example facts file as plain data (a fresh deep copy per use via ``facts_data``), without the
    sources' saved copies (``file``): a test writes the data to a folder of its own, where briefs/sources/
    is not; tests/test_provenance.py checks the brief against its copy."""
    data = yaml.safe_load(BAKHMUT.read_text(encoding="utf-8"))
    for src in data["sources"]:
        src.pop("file", None)
    return data


@pytest.fixture
def facts_data(bakhmut_data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(bakhmut_data)


class _NoAliasDumper(yaml.SafeDumper):
    """Write shared sub-objects out in full: the facts loader refuses YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@pytest.fixture
def write_facts(tmp_path: Path) -> Callable[..., Path]:
    """Write a facts mapping (or raw text) to a YAML file in tmp_path and return its path."""

    def write(data: Any, name: str = "facts.yaml") -> Path:
        path = tmp_path / name
        if isinstance(data, (str, bytes)):
            path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        else:
            path.write_text(yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


#: The content-stream operators that pypdf's text extraction reads (pypdf/_page.py), and no others.
_TEXT_OPERATORS = "BT ET Tf Tj TJ ' \" Td TD Tm T* Tc Tw Tz TL cm q Q Do"


def text_only(pdf: bytes) -> bytes:
    """The PDF with each page's and form's content cut to the text operators, by qpdf (C++); a file qpdf
    cannot open or had to repair comes back as it was, for pypdf to read (or refuse) as before.

    Why: a map or a chart is up to a million path operators, which pypdf parses in pure Python before
    it gets to the text (45 of the 50 s it takes on a hemisphere map). Dropping them changes no text and
    no position: the graphics state (``q``/``Q``/``cm``) and the forms (``Do``) stay.
    """
    try:
        doc = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError:
        return pdf
    with doc:
        if doc.get_warnings():
            return pdf
        forms = [x for page in doc.pages for x in page.obj.get("/Resources", {}).get("/XObject", {}).values()
                 if x.get("/Subtype") == "/Form"]
        for page in doc.pages:
            page.Contents = doc.make_stream(pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page, _TEXT_OPERATORS)))
        for form in forms:
            form.write(pikepdf.unparse_content_stream(pikepdf.parse_content_stream(form, _TEXT_OPERATORS)))
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def pdf_pages_text(pdf: bytes) -> list[str]:
    """Text of each page, extracted by pypdf (a real PDF parser), from the text operators alone."""
    reader = pypdf.PdfReader(io.BytesIO(text_only(pdf)))
    return [page.extract_text() or "" for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pdf_pages_text(pdf))


def drawing_text(drawing: Any) -> str:
    """The text a PDF reader finds in a reportlab drawing (a chart or the map): the drawing alone as a
    PDF, its text extracted by pypdf."""
    from reportlab.graphics import renderPDF

    return pdf_text(renderPDF.drawToString(drawing))


def squash(text: str) -> str:
    """Collapse whitespace, so wrapped lines compare equal to the facts text."""
    return " ".join(text.split())


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 300, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run ``make_report.py`` as a user would, in a separate process."""
    return subprocess.run(
        [sys.executable, str(ROOT / "make_report.py"), *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, **kwargs,
    )


def invoke_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process (click's ``CliRunner``): the same exit status, standard output
    and standard error as ``run_cli``, without starting Python and importing everything again (0.5-1 s a run,
    twice that on a loaded machine).

    Only for tests of what a run prints and returns. A test about the process itself - kills, signals, a
    timeout, its environment (``PYTHONPATH``, SMTP settings), which modules a fresh process imports, ``-j``'s
    workers, ``--every``/``--cron`` - uses ``run_cli``. As the interpreter would, an exception that escapes
    the command is printed to standard error as a traceback with exit status 1, so ``"Traceback" not in
    result.stderr`` still catches it. The command's logging (basicConfig to standard error, the briefing
    logger's level) is set up afresh for each run and undone after it, and the lines a process logs only once
    are logged again, as in a new process.
    """
    from click.testing import CliRunner

    from briefing import validate
    from briefing.cli import main

    # A new process has said nothing yet: its once-per-process lines (the facts' warnings, the provenance
    # summary; validate._warn_once, _info_once) are said again, as each run_cli run says them.
    validate._warn_once.cache_clear()
    validate._info_once.cache_clear()
    root, ours = logging.getLogger(), logging.getLogger("briefing")
    saved = root.handlers[:], root.level, ours.level
    root.handlers = []  # so the command's basicConfig writes to this run's standard error, as in a new process
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with warnings.catch_warnings(record=True) as caught:
            # a fresh interpreter's filters (not pytest's): what a run would print, not test-session noise
            warnings.resetwarnings()
            warnings.simplefilter("default")
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", category)  # put before "default": they win
            result = CliRunner().invoke(main, list(args), prog_name="make_report.py")
    finally:
        os.chdir(here)
        for handler in root.handlers:
            handler.close()
        root.handlers, (_, level, our_level) = saved[0], saved
        root.setLevel(level)
        ours.setLevel(our_level)
    stderr = result.stderr + "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line) for w in caught)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess([sys.executable, str(ROOT / "make_report.py"), *args],
                                       result.exit_code, result.stdout, stderr)
