"""The installation's cache (``briefing.prepare``): made once, found by a run whose own cache is empty,
never trusted when it does not fit, never written by a build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefing import cache
from conftest import BAKHMUT, ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An installation's cache made as the Makefile makes it, in a process of its own."""
    target = tmp_path_factory.mktemp("share") / "cache"
    done = subprocess.run([sys.executable, "-m", "briefing.prepare"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, cache.INSTALL_ENV: str(target)})
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"briefing: installation's cache prepared in {target}"
    return target


def _run(code: str, tmp_path: Path, installed: Path | None) -> str:
    """``code`` in a fresh process with an empty cache of its own, with or without the installation's."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), cache.INSTALL_ENV: str(installed or "")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


_HASHES_UNREAD = """
from briefing import editions
def unread(*args):
    raise AssertionError("an asset was read")
editions._listing_hash = unread  # what hashes the files, when their hash is not known
print(editions.installation_hashes())
"""

_TEMPLATES_UNCOMPILED = """
import jinja2
def uncompiled(*args, **kw):
    raise AssertionError("a template was compiled")
jinja2.Environment.compile = uncompiled
from briefing import words
print(sorted(n for n in dir(words.macros("brief.j2")) if not n.startswith("_"))[:3])
"""


def test_a_run_with_an_empty_cache_reads_no_asset_and_compiles_no_template(installed: Path, tmp_path: Path) -> None:
    from briefing import editions

    assert _run(_HASHES_UNREAD, tmp_path, installed).strip() == str(editions.installation_hashes(use_cache=False))
    assert _run(_TEMPLATES_UNCOMPILED, tmp_path, installed).strip()
    assert not (tmp_path / "xdg" / "briefing").exists() or not list((tmp_path / "xdg" / "briefing").glob("??/*"))
    with pytest.raises(AssertionError, match="an asset was read"):  # without it, the same run reads them
        _run(_HASHES_UNREAD, tmp_path / "none", None)
    with pytest.raises(AssertionError, match="a template was compiled"):
        _run(_TEMPLATES_UNCOMPILED, tmp_path / "none", None)


def test_a_build_prints_the_same_bytes_with_it_and_never_writes_to_it(installed: Path, tmp_path: Path) -> None:
    before = sorted((p.relative_to(installed), p.stat().st_mtime_ns) for p in installed.rglob("*"))
    code = f"import sys; from briefing import build_brief; sys.stdout.buffer.write(build_brief({str(BAKHMUT)!r}))"

    def build(folder: str, with_it: Path | None) -> bytes:
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / folder), cache.INSTALL_ENV: str(with_it or "")}
        return subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, env=env, check=True).stdout

    assert build("with", installed) == build("without", None)
    assert sorted((p.relative_to(installed), p.stat().st_mtime_ns) for p in installed.rglob("*")) == before


def test_an_entry_there_is_found_and_a_corrupt_one_is_ignored_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    name = cache.key("test", 1)
    cache.write(name, b"value")
    made = cache._path(name)
    monkeypatch.setenv(cache.INSTALL_ENV, str(tmp_path / "installed"))
    (tmp_path / "installed" / name[:2]).mkdir(parents=True)
    there = tmp_path / "installed" / name[:2] / name
    made.rename(there)
    assert cache.read(name) == b"value"  # missing from the user's cache, found in the installation's
    there.write_bytes(there.read_bytes()[:-1] + b"X")
    assert cache.read(name) is None
    assert there.exists()  # not the run's to delete
    monkeypatch.setenv(cache.INSTALL_ENV, "")
    assert cache.install_dir() is None and cache.read(name) is None


_OUTLINES = """
import sys
from briefing import fonts
from briefing.map import canvas
print([canvas._glyph(face, ch) for face in canvas.PREPARED_FACES for ch in "Bakhmut Київ Αθήνα ß\\u4e2d\\U0001f600 \\u05e9\\u05dc\\u05d5\\u05dd \\ufe8d\\ufedf\\u0628"],
      "fontTools" in sys.modules)
"""


def test_the_maps_halos_come_from_it_without_fonttools_and_are_the_same_outlines(installed: Path, tmp_path: Path) -> None:
    with_it, without = _run(_OUTLINES, tmp_path, installed), _run(_OUTLINES, tmp_path / "none", None)
    assert with_it.endswith(" False\n") and without.endswith(" True\n")  # \u4e2d: the missing glyph's outline
    assert with_it.removesuffix(" False\n") == without.removesuffix(" True\n")


def test_a_folder_that_cannot_be_made_is_one_line_and_a_failure(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    done = subprocess.run([sys.executable, "-m", "briefing.prepare"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, cache.INSTALL_ENV: str(tmp_path / "file" / "share" / "cache")})
    assert done.returncode == 1
    assert done.stderr == (f"briefing: cannot prepare the installation's cache in {tmp_path / 'file' / 'share'}: Not a directory; "
                           "runs work without it, only slower on an empty cache\n")


def test_no_cache_draws_the_outlines_afresh(installed: Path, tmp_path: Path) -> None:
    code = ("import sys\nfrom briefing import fonts\nfrom briefing.map import canvas\nfonts.remember_fonts(False)\n"
            "canvas._glyph(fonts.SANS, 'a')\nprint('fontTools' in sys.modules)")
    assert _run(code, tmp_path, installed) == "True\n"
