"""Stage 1a: reading a facts file and the files it names - bounded, confined, strict YAML.

Why apart from ``facts.py``: reading needs only PyYAML, validating needs pydantic. A run that only has
to prove nothing changed (``editions.reuse_current``) hashes these bytes and files and never imports
pydantic, which costs more than the rest of such a run.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import FactsError

#: Refuse files larger than this before parsing: a runaway file must not exhaust memory.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: The largest local copy of a source (``sources[].file``) that is read and fingerprinted.
MAX_SOURCE_BYTES = 50 * 1024 * 1024
#: A folder, besides the facts file's own, that ``sources[].file`` may point into.
SOURCES_ROOT_ENV = "BRIEFING_SOURCES_ROOT"
#: Nesting deeper than this is refused before it is built (a facts file needs five levels): a file
#: nested a thousand deep would otherwise exhaust the parser's recursion, slowly.
MAX_DEPTH = 32
#: What an id (of a brief, a source, a figure ...) may look like: it names folders and files.
ID_PATTERN = r"^[a-z0-9-]+$"

# --------------------------------------------------------------------------------------------------
# YAML: safe, strict, and without the traps of YAML 1.1
# --------------------------------------------------------------------------------------------------


class _StrictConstructor:
    """Refuses duplicate keys; only true/false are booleans.

    YAML 1.1 turns ``NO`` (Norway's country code), ``on`` and ``yes`` into booleans; a facts file
    must mean what it says, so only ``true``/``false`` are booleans here.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(None, None, "a key must be plain text", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {seen[key]}); each key may appear once",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """A date that looks right but is not real (``2023-02-30``) stays text, so validation names its
    field and says what was expected instead of PyYAML raising a bare ValueError (a traceback)."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _strict(base: type) -> type:
    loader = type(f"Strict{base.__name__}", (_StrictConstructor, base), {})
    loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return loader



#: libyaml's parser (about five times faster) when present; the pure-Python one explains errors better.
_FAST_LOADER = _strict(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_CLEAR_LOADER = _strict(yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Read a YAML file safely: bounded size, UTF-8 text, no aliases, line numbers on errors."""
    return parse_yaml(read_facts_bytes(path), str(path))


def read_facts_bytes(path: Path) -> bytes:
    """The bytes of the facts file ``path``, refused (FactsError) when it is too large or not a file."""
    return read_bounded(path, MAX_FILE_BYTES, str(path), "", "a facts file", "a facts file (.yaml)")


def parse_yaml(data: bytes, name: str) -> Any:
    """The YAML document in ``data`` (the bytes of the file ``name``), read as ``read_yaml`` reads it."""
    if not data.strip():
        raise FactsError.single(name, "", "is empty; a facts file is a YAML mapping (see the spec)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        raise FactsError.single(name, "", "is UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        raise FactsError.single(name, "", "is a binary file, not YAML text; give a .yaml facts file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FactsError.single(
            name, "", f"is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
        )
    try:
        return _load(text, name, _FAST_LOADER)
    except yaml.YAMLError:
        pass
    try:
        return _load(text, name, _CLEAR_LOADER)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        raise FactsError.single(
            name, f"line {line}, column {column}",
            f"the control character U+{exc.character:04X} is not allowed in YAML text; delete it",
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line ?"
        what = exc.problem or exc.context or "invalid YAML"
        if "or '}', but got ':'" in what or "mapping values are not allowed" in what:
            what += "; text that holds ': ' (or a ',' inside {...}) must be in quotes, such as text: \"Officials: no change\""
        raise FactsError.single(name, line, f"not valid YAML: {what}")
    except yaml.YAMLError as exc:
        raise FactsError.single(name, "", f"not valid YAML: {exc}")


def read_bounded(path: Path, limit: int, file: str, field: str, noun: str, kind: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, checked before it is read.

    Why not ``read_bytes`` and then measure: a 2 GB file would be in memory before it is refused, and
    ``/dev/zero`` or a FIFO has no size to check (a FIFO would block us until someone writes to it).
    ``field`` names the field that gave the path ("" for the facts file itself); ``noun`` what it is
    ("a facts file") and ``kind`` what to give instead ("a facts file (.yaml)").
    """
    it = f'"{path}" ' if field else ""

    def refuse(message: str) -> FactsError:
        return FactsError.single(file, field, it + message)

    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise refuse(f"is a directory; give the path of {kind}")
        if not stat.S_ISREG(st.st_mode):
            raise refuse(f"is not a regular file (a device, FIFO or socket); give the path of {kind}")
        if st.st_size > limit:
            raise refuse(f"is {st.st_size:,} bytes; {noun} may be at most {limit:,} bytes")
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise refuse(f"not found; give the path of {kind}" if field else f"file not found; give the path of {kind}") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror}); check its permissions") from None
    if len(data) > limit:  # it grew while we read it
        raise refuse(f"is over {limit:,} bytes; {noun} may be at most {limit:,} bytes")
    return data


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte order mark: ASCII-heavy text with a zero byte in every other place."""
    half = len(data) // 2
    return half >= 4 and max(data[0::2].count(0), data[1::2].count(0)) >= half * 3 // 4


def _load(text: str, name: str, loader: type) -> Any:
    """Refuse anchors, aliases and deep nesting first (a "billion laughs" file must not expand), then load."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1
            raise FactsError.single(name, f"line {line}", "YAML anchors and aliases (&, *) are not allowed; write the value out")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise FactsError.single(name, f"line {event.start_mark.line + 1}",
                                        f"lists and mappings are nested more than {MAX_DEPTH} deep; a facts file needs five levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(text, Loader=loader)  # noqa: S506 - both loaders are SafeLoaders


def source_file(base: Path, name: str, file: str, field: str, *, limit: int = MAX_SOURCE_BYTES,
                kind: tuple[str, str, str] = ("local copies of sources", "a local copy of a source",
                                              "a local copy of the source")) -> Path:
    """The local copy of a source named ``name`` in a facts file in ``base``, checked: FactsError if unusable.

    Why confined: a facts file is data, perhaps from someone else, and a path such as ``/etc/shadow``,
    ``../../secret`` or a link out of the folder must not make us read (and fingerprint) any file
    on the machine. Allowed: the facts file's folder, and the folder named in BRIEFING_SOURCES_ROOT.
    Dataset files obey the same rule: ``limit`` is their size bound and ``kind`` names them in the
    messages (many of them, any one, the one this field needs).
    """
    many, one, the = kind
    target = (base / name).resolve()
    roots = [base.resolve()] + ([Path(root).resolve()] if (root := os.environ.get(SOURCES_ROOT_ENV, "").strip()) else [])
    if not any(target.is_relative_to(r) for r in roots):
        raise FactsError.single(file, field, f'"{name}" is outside the facts file\'s folder; keep {many} '
                                f"beside the facts file (relative paths), or name their folder in {SOURCES_ROOT_ENV}")
    try:
        st = target.stat()
    except OSError:
        raise FactsError.single(file, field, f'"{name}" not found (paths are relative to the facts file)') from None
    if not stat.S_ISREG(st.st_mode):
        raise FactsError.single(file, field, f'"{name}" is not a regular file; give the path of {the}')
    if st.st_size > limit:
        raise FactsError.single(file, field, f'"{name}" is {st.st_size:,} bytes; {one} may be at most {limit:,} bytes')
    return target
