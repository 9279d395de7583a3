"""Speed of the provenance check without a change in what it finds (issue 23): no numpy, and a saved
copy's passages remembered in the cache with its text, honouring ``--no-cache``."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefing import cache, provenance
from conftest import BAKHMUT, ROOT

SAVED = BAKHMUT.parent / "sources" / "cnn-bakhmut-2023-03-01.txt"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache of this test's own, and no saved copy remembered in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    provenance._text_of.cache_clear()
    yield tmp_path / "xdg" / "briefing"
    provenance._text_of.cache_clear()


def _copy(use_cache: bool) -> provenance._Copy:
    data = SAVED.read_bytes()
    return provenance._text_of(hashlib.sha256(data).hexdigest(), data, SAVED.name, use_cache)


def test_a_reworded_build_in_a_fresh_process_loads_no_numpy(tmp_path: Path) -> None:
    """The drawings cached, one statement reworded: the build checks the brief against its saved copy
    (passages scored with rapidfuzz on plain bit masks) and imports no numpy, which only drawing needs."""
    folder = tmp_path / "brief"
    shutil.copytree(BAKHMUT.parent / "sources", folder / "sources")
    path = folder / BAKHMUT.name
    text = BAKHMUT.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('NUMPY', 'numpy' in sys.modules))\n"
             "from briefing.cli import main\n"
             "main()\n")

    def build(out: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", probe, str(path), "--out", str(tmp_path / out)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return [done.stdout.split("NUMPY", 1)[1].strip(), *done.stderr.splitlines()]

    build("first")  # draws, and fills the cache
    path.write_text(text.replace("  - text: ", "  - text: Reportedly, ", 1), encoding="utf-8")
    loaded, *lines = build("reworded")
    assert any(line.startswith("provenance: ") and "statements 22/22 supported" in line for line in lines)
    assert loaded == "False"


def test_a_saved_copy_recalled_from_the_cache_is_the_one_read(cache_home: Path) -> None:
    made = _copy(True)
    assert len(list(cache_home.glob("??/*"))) == 1  # the text, its sentences and words: one entry
    provenance._text_of.cache_clear()
    recalled = _copy(True)
    assert recalled is not made
    assert (recalled.text, recalled.date, recalled.norm, recalled.passages) == (made.text, made.date, made.norm, made.passages)
    assert (recalled.words.vocab, recalled.words.holders, recalled.words.starts) == (
        made.words.vocab, made.words.holders, made.words.starts)
    statement = "Ukrainian troops may retreat from Bakhmut, a military adviser said."
    text = provenance._prepare("cnn", SAVED.name, recalled, recalled.date)
    assert provenance._best_passage(statement, [text]) == provenance._best_passage(
        statement, [provenance._prepare("cnn", SAVED.name, made, made.date)])


def test_no_cache_neither_reads_nor_writes_the_saved_copy(cache_home: Path) -> None:
    made = _copy(False)
    assert not cache_home.exists()
    _copy(True)  # now an entry, replaced below by one that says something else
    (entry,) = cache_home.glob("??/*")
    cache.write(entry.name, b'["Another text.", null, ["Another text."], ["another", "text"], ["1", "1"]]')
    provenance._text_of.cache_clear()
    assert _copy(False).passages == made.passages  # not read
    provenance._text_of.cache_clear()
    assert _copy(True).passages == ("Another text.",)  # read when the cache is on


def test_an_unreadable_entry_is_read_again_from_the_saved_copy(cache_home: Path) -> None:
    made = _copy(True)
    (entry,) = cache_home.glob("??/*")
    cache.write(entry.name, b'["Another text.", null, ["Another text."], ["another"], ["1", "1"]]')  # a word short
    provenance._text_of.cache_clear()
    assert _copy(True).passages == made.passages
