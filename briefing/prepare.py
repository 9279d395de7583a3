"""``python -m briefing.prepare``: the installation's cache, made once when the package is installed.

Why: what depends on nothing but the installation - the hash of the assets and templates that every
brief's fingerprint holds, the compiled templates, the parsed fonts, the map's glyph outlines - would
otherwise be computed by every run with an empty cache (a machine's first run, a new user, a CI job),
about 0.2 s of each. The Makefile's install step runs this beside ``compileall``; ``briefing/cache.py``
says how a run finds the entries. No brief is built here: the folder holds nothing drawn from a facts
file, so a brief built for the first time is built as it would be anywhere.

The folder is made in a temporary one beside it and renamed into place, so a run never sees half of it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import cache


def prepare(target: Path | None = None) -> Path:
    """Fill ``target`` (default: ``cache.install_dir()``) with the installation's entries; its path."""
    target = target or cache.install_dir()
    if target is None:
        raise SystemExit(f"{cache.INSTALL_ENV} is set empty: no installation's cache to prepare")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".prepare-", dir=target.parent))
    saved = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", cache.INSTALL_ENV)}
    # computed afresh into an empty cache of its own: the entries a run with an empty cache would make
    os.environ["XDG_CACHE_HOME"], os.environ[cache.INSTALL_ENV] = str(work), ""
    try:
        _fill()
        made = work / "briefing"
        made.mkdir(exist_ok=True)
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        made.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return target


def _fill() -> None:
    """The entries: each made by the very function a build calls, so its name is the one a build looks up."""
    from . import editions, fonts, words
    from .map import canvas

    editions.installation_hashes()
    fonts.register_fonts()  # each font's parsed state, as a build registers it
    for name in fonts.FALLBACKS:
        fonts.register_fallback(name)
    canvas.prepare_outlines()
    for escape in (True, False):
        env = words.environment(escape)
        for name in env.list_templates(filter_func=lambda n: n.endswith(".j2") and not n.startswith("preview/")):
            env.get_template(name)


def main() -> int:
    """One line either way: where the cache is, or why it could not be made (a run goes on without it)."""
    try:
        print(f"briefing: installation's cache prepared in {prepare()}", file=sys.stderr)
    except OSError as exc:
        print(f"briefing: cannot prepare the installation's cache in {exc.filename or cache.install_dir()}: "
              f"{exc.strerror or exc}; runs work without it, only slower on an empty cache", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
