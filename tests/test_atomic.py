"""A build killed at any moment leaves the previous PDF or the new one, never a truncated file."""

from __future__ import annotations

import io
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml

from briefing.atomic import write_atomic
from conftest import ROOT, _NoAliasDumper, pdf_pages_text

KILLS = 8


def _brief(data: dict[str, Any], statements: int, marker: str) -> dict[str, Any]:
    data["id"] = "killed"
    base = data["sections"]["situation"][0]
    data["sections"]["situation"] = [
        {"text": f"{marker} statement {i}: {base['text']}", "sources": base["sources"]} for i in range(statements)
    ]
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _cli(facts: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(ROOT / "make_report.py"), str(facts), "--out", str(out), "-q"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _complete_pdf(data: bytes) -> bool:
    try:
        return len(pypdf.PdfReader(io.BytesIO(data), strict=True).pages) > 0
    except Exception:  # any parse error means a broken file  # noqa: BLE001
        return False


def test_killing_builds_at_random_moments_never_leaves_a_truncated_pdf(tmp_path, facts_data):
    facts, out = tmp_path / "killed.yaml", tmp_path / "out"
    pdf_path = out / "killed.pdf"

    _write(facts, _brief(facts_data, 600, "Old"))
    started = time.monotonic()
    assert _cli(facts, out).wait(timeout=600) == 0
    full_run = time.monotonic() - started
    old = pdf_path.read_bytes()
    assert _complete_pdf(old)

    _write(facts, _brief(facts_data, 600, "New"))
    rng = random.Random(6)
    # Spread the kills over the whole run (start-up, layout, writing), at least 0-1.5 s.
    delays = sorted(rng.uniform(0, max(1.5, full_run * 1.1)) for _ in range(KILLS))
    seen = {old}
    for delay in delays:
        proc = _cli(facts, out)
        try:  # a run that ends before its kill (once one has published the new edition, a rerun finds it
            # unchanged and ends in a fraction of a second) is the kill point "after the end": no need to sit out the delay
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        now = pdf_path.read_bytes()
        assert _complete_pdf(now), f"killed after {delay:.2f} s: {pdf_path} is not a complete PDF"
        archived = {p.read_bytes() for p in (out / "killed").glob("killed-*.pdf")}
        assert now in seen | archived, f"killed after {delay:.2f} s: neither the old PDF nor a finished new one"
        seen.add(now)

    assert _cli(facts, out).wait(timeout=600) == 0
    new = pdf_path.read_bytes()
    assert _complete_pdf(new) and new != old
    assert any("New statement 599" in text for text in pdf_pages_text(new))
    leftovers = [p.name for p in out.rglob("*") if p.is_file() and p.name.endswith(".tmp") and not p.name.startswith(".")]
    assert leftovers == []


def test_write_atomic_replaces_the_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "brief.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.pdf"]


def test_every_writer_in_the_package_goes_through_write_atomic():
    """No module writes a file directly: a reader must never see half of one."""
    offenders = []
    for module in sorted((ROOT / "briefing").glob("*.py")):
        if module.name == "atomic.py":
            continue
        source = module.read_text(encoding="utf-8")
        for needle in (".write_bytes(", ".write_text(", "open(\"wb\"", "'wb'", '"wb"', '"w"', "'w'"):
            if needle in source:
                offenders.append(f"{module.name}: {needle}")
    assert offenders == [], "write through briefing.atomic.write_atomic instead"


def test_a_rewrite_keeps_the_permissions_the_file_had_and_errors_name_the_target(tmp_path):
    target = tmp_path / "brief.pdf"
    write_atomic(target, b"edition 1")
    target.chmod(0o640)  # someone restricted who may read the brief

    write_atomic(target, b"edition 2")

    assert target.read_bytes() == b"edition 2" and target.stat().st_mode & 0o777 == 0o640
    write_atomic(tmp_path / "ledger.json", b"{}", mode=0o600)
    assert (tmp_path / "ledger.json").stat().st_mode & 0o777 == 0o600

    (tmp_path / "taken").mkdir()  # the rename cannot replace a folder: the error names it, not the temp file
    with pytest.raises(OSError) as caught:
        write_atomic(tmp_path / "taken", b"x")
    assert caught.value.filename == str(tmp_path / "taken")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.pdf", "ledger.json", "taken"]
