"""A content-addressed cache of drawn charts and maps, under ``$XDG_CACHE_HOME/briefing``.

It also remembers the hashes of the template and asset trees (``editions._tree_hash``) and the facts
files that passed ``--check`` (``editions.check_facts``), under names made the same way, and reportlab's
parsed fonts (``fonts._font``: plain data in ``marshal``, named by the font file's SHA-256).

Why: drawing the charts and the map (matplotlib, into reportlab drawings: ``vector.py``) is most
of a build, yet a scheduled rebuild usually changes only words. Each entry is named by the
SHA-256 of everything that decides its content - the data drawn, the renderer's version
(``vector.RENDERER_VERSION``) and the code version (every source file of this package, the map data
and fonts, the drawing libraries' versions; drawings are scaled to the paper when laid out) - so a hit is exactly what a fresh drawing would be and the PDF is byte-identical either
way. Nothing is ever invalidated: a change of input or code is a different key.

Safe by construction:

- entries are written to a temporary file and renamed into place, so a killed run or two runs
  writing the same entry leave either no entry or a whole one;
- each entry starts with the SHA-256 of its payload: a truncated or corrupt entry is deleted and
  drawn again, never trusted;
- drawings are stored as pickles read back by an unpickler that builds only reportlab's graphics
  classes (``briefing/drawcodec.py``), so an entry cannot run code;
- the folder is bounded (``MAX_BYTES``): after a write, the least recently used entries beyond
  the bound are removed.

``BuildOptions(cache=False)`` (``--no-cache``) bypasses the cache for reading and writing.

**The installation's cache.** Some entries depend on nothing but the installation: the hash of the
assets and templates, the compiled templates, the parsed fonts, the map's glyph outlines. A machine's
first run, or any brief built with an empty cache, would pay for them again (about 0.2 s). ``python -m
briefing.prepare`` (the Makefile's install step, beside ``compileall``) makes them once into
``install_dir()``, a folder of the installation (``<sys.prefix>/share/briefing/cache``: the venv's);
a read that misses the user's cache looks there too. It holds no brief's drawing, only what any brief
would compute the same way, under the same names, so a hit there is exactly a hit here; it is never
written by a build, and an installation without it (a wheel installed by pip) only runs as before.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

from .atomic import write_atomic

log = logging.getLogger("briefing")

FORMAT = 1
#: The folder is trimmed to this size, least recently used entries first.
MAX_BYTES = 200 * 1024 * 1024
_MAGIC = b"briefing-cache\n"
_PACKAGE = Path(__file__).resolve().parent
_ASSETS = _PACKAGE.parent / "assets"
_T = TypeVar("_T")
#: Libraries whose version can change a drawing (or, for a remembered ``--check``, a validation).
_DRAWING_LIBRARIES = ("matplotlib", "reportlab", "pyproj", "shapely", "numpy", "pydantic", "pandas", "yaml")


#: Overrides ``install_dir()``; empty: no installation's cache (the tests' default).
INSTALL_ENV = "BRIEFING_INSTALL_CACHE"


def install_dir() -> Path | None:
    """The installation's cache (see the module docstring), or None when ``$BRIEFING_INSTALL_CACHE`` is set empty."""
    if (value := os.environ.get(INSTALL_ENV)) is not None:
        return Path(value) if value else None
    return Path(sys.prefix) / "share" / "briefing" / "cache"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/briefing``, or ``~/.cache/briefing`` when the variable is unset or empty."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "briefing"


@functools.cache
def code_version() -> str:
    """One hash of everything besides the data that decides a drawing: our code, assets and libraries.

    Our code is hashed by content; the assets (megabytes of map data and fonts, replaced only as whole
    files) by path, size and modification time, which costs a stat instead of a read.
    """
    digest = hashlib.sha256(f"format={FORMAT}\n".encode())
    for root in (_PACKAGE, _ASSETS):
        for rel, entry in files(root, _not_code):
            digest.update(f"{root.name}/{'/'.join(rel)}\0".encode())
            if root == _PACKAGE:
                digest.update(hashlib.sha256(Path(entry.path).read_bytes()).digest())
            else:
                st = entry.stat()
                digest.update(f"{st.st_size}:{st.st_mtime_ns}\n".encode())
    for lib in _DRAWING_LIBRARIES:  # an upgrade rewrites the package's __init__.py: a stat, not an import
        spec = importlib.util.find_spec(lib)
        st = os.stat(spec.origin) if spec and spec.origin else None
        digest.update(f"{lib}={spec and spec.origin}:{st and (st.st_size, st.st_mtime_ns)}\n".encode())
    return digest.hexdigest()


def files(root: Path, skipped: Callable[[tuple[str, ...]], bool]) -> list[tuple[tuple[str, ...], os.DirEntry]]:
    """The regular files under ``root`` (links to them too; links to folders are not followed), by
    relative path in order, but those and the folders for whose relative path ``skipped`` is true.

    ``os.scandir``: a stat per file, where a ``Path.rglob`` walk with ``is_file`` costs several (a third
    of the time for 500 files); ``entry.stat()`` is that stat. ``code_version`` and the tree hashes of
    ``editions`` walk with it.
    """
    found: list[tuple[tuple[str, ...], os.DirEntry]] = []
    folders: list[tuple[tuple[str, ...], str]] = [((), str(root))]
    while folders:
        within, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = (*within, entry.name)
                if skipped(rel):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append((rel, entry.path))
                elif entry.is_file():
                    found.append((rel, entry))
    return sorted(found, key=lambda f: f[0])


def _not_code(rel: tuple[str, ...]) -> bool:
    """Hidden files and folders, and bytecode: no part of the code version."""
    return rel[-1].startswith(".") or rel[-1].endswith(".pyc")


def key(kind: str, data: Any) -> str:
    """The entry name for drawing ``kind`` of ``data`` (anything JSON can write) with this code version."""
    text = json.dumps([kind, code_version(), data], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _path(name: str) -> Path:
    return cache_dir() / name[:2] / name


def _sound(blob: bytes) -> bytes | None:
    """The payload of an entry's bytes, or None when they are not a whole, unchanged entry."""
    head = len(_MAGIC) + 32
    payload = blob[head:]
    if blob[: len(_MAGIC)] != _MAGIC or blob[len(_MAGIC):head] != hashlib.sha256(payload).digest():
        return None
    return payload


def read(name: str) -> bytes | None:
    """The payload of entry ``name``, or None when it is missing or corrupt (a corrupt one is removed);
    an entry missing from the user's cache is looked for in the installation's (``install_dir``)."""
    path = _path(name)
    try:
        blob = path.read_bytes()
    except OSError:
        return read_installed(name)
    if (payload := _sound(blob)) is None:
        log.info("cache: entry %s is corrupt; drawing it again", path)
        path.unlink(missing_ok=True)
        return None
    try:
        os.utime(path)  # recently used: the trim keeps it
    except OSError:
        pass
    return payload


def read_installed(name: str) -> bytes | None:
    """The payload of entry ``name`` in the installation's cache, or None (missing, unreadable or
    corrupt: it is the installation's, so left as it is)."""
    if (base := install_dir()) is None:
        return None
    try:
        return _sound((base / name[:2] / name).read_bytes())
    except OSError:
        return None


def write(name: str, payload: bytes) -> None:
    """Store ``payload`` as entry ``name`` atomically; a cache that cannot be written is skipped, not fatal."""
    path = _path(name)
    try:
        cache_dir().mkdir(parents=True, exist_ok=True, mode=0o700)  # entries are the user's own
        write_atomic(path, _MAGIC + hashlib.sha256(payload).digest() + payload)
        trim()
    except OSError as exc:
        log.info("cache: cannot write %s (%s); going on without it", path, exc.strerror or exc)


def trim(max_bytes: int = MAX_BYTES) -> None:
    """Remove the least recently used entries until the folder holds at most ``max_bytes``."""
    entries = []
    for path in cache_dir().glob("??/*"):
        try:
            st = path.stat()
        except OSError:
            continue  # removed by another run meanwhile
        entries.append((st.st_mtime_ns, st.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries, key=lambda e: e[0]):
        if total <= max_bytes:
            break
        path.unlink(missing_ok=True)
        total -= size


_MISSING: Any = object()


def _recalled(enabled: bool, name: str, load: Callable[[bytes], _T]) -> _T:
    """The value stored under ``name`` when there is a sound entry (None too), else ``_MISSING``."""
    payload = read(name) if enabled else None
    if payload is not None:
        try:
            return load(payload)
        except Exception as exc:  # any unreadable payload is corrupt: draw again, never trust it
            log.info("cache: entry %s cannot be read (%s); drawing it again", name, exc)
            _path(name).unlink(missing_ok=True)
    return _MISSING


def recall(enabled: bool, name: str, load: Callable[[bytes], _T]) -> _T | None:
    """The value stored under ``name`` when there is a sound entry, else None (for values that are never None)."""
    value = _recalled(enabled, name, load)
    return None if value is _MISSING else value


def cached(enabled: bool, name: str, make: Callable[[], _T], dump: Callable[[_T], bytes],
           load: Callable[[bytes], _T]) -> _T:
    """``make()``, or the value stored under ``name`` when there is a sound entry (then ``make`` is not
    called); a value may be None."""
    if (value := _recalled(enabled, name, load)) is not _MISSING:
        return value
    value = make()
    if enabled:
        write(name, dump(value))
    return value
