"""Exit statuses of the command line: a usage error has its own code, and several briefs in one run
end with the most serious outcome (a held lock never hides a broken brief)."""

from __future__ import annotations

from pathlib import Path

import filelock
import pytest

from conftest import BAKHMUT, run_cli


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--bogus"], "Error: No such option '--bogus'"),
        (["--paper", "a3"], "Error: Invalid value for '--paper': 'a3' is not one of 'a4', 'letter'."),
        (["--check", "--every", "60"], "Error: --every and --cron exclude each other and --check"),
    ],
    ids=["unknown option", "bad choice", "refused combination"],
)
def test_a_usage_error_exits_64_not_2(args: list[str], error: str, tmp_path: Path) -> None:
    result = run_cli(str(BAKHMUT), "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 64
    assert result.stderr.startswith("Usage: make_report.py [OPTIONS] [FACTS]...")
    assert result.stderr.strip().splitlines()[-1].startswith(error)
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_no_facts_files_anywhere_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 64
    assert result.stderr.strip().splitlines()[-1] == "Error: no facts files given and none found in briefs/"


def test_a_broken_brief_outranks_a_skipped_one(tmp_path: Path) -> None:
    """Exit 3 means "skipped, not a failure" (systemd's SuccessExitStatus=3): it must not hide exit 2."""
    out = tmp_path / "out"
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec: 1\n", encoding="utf-8")
    (out / "bakhmut").mkdir(parents=True)
    with filelock.FileLock(out / "bakhmut" / ".lock"):
        result = run_cli(str(BAKHMUT), str(broken), "--out", str(out), "--lock-timeout", "0.2")
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if not _provenance_line(line)]
    assert lines[0] == "bakhmut: another run holds the lock; skipped"
    assert lines[1] == f"{broken}: id: is required but missing; expected lower-case letters, digits and hyphens, 1-64 characters, such as bakhmut"


def _provenance_line(line: str) -> bool:
    """The example's provenance summary and its two loosely worded statements (tests/test_provenance.py)."""
    return "provenance:" in line or "not supported by source" in line
