"""The documentation stays true: every key the facts model accepts is documented in
docs/facts-format.md, its example validates and its error lines are the ones the tool prints; links
and paths in README.md and docs/*.md lead to files in the repository; every function
docs/architecture.md names exists."""

from __future__ import annotations

import collections.abc
import contextlib
import importlib
import re
import types
from pathlib import Path
from typing import Annotated, Any, Iterator, Optional, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel

import briefing.facts as facts_module
from briefing.errors import FactsError
from briefing.facts import V2_KEYS, Facts
from briefing.validate import facts_warnings, load_facts
from briefing.files import _CLEAR_LOADER, MAX_FILE_BYTES
from briefing.glyphs import glyph_warnings
from conftest import ROOT

FORMAT = ROOT / "docs" / "facts-format.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: The map overlays (issue #11, branch issue-11) are documented as that branch implements them. Until it
#: is merged the model lacks ``map``, and exactly these keys (and the error rows that use them) are let
#: through; once the model has ``map`` they are checked like every other key.
MAP_KEYS = {
    "map", "map.areas", "map.lines",
    *(f"map.areas[].{k}" for k in ("label", "kind", "as_of", "source", "geojson", "polygon")),
    *(f"map.lines[].{k}" for k in ("label", "kind", "as_of", "source", "line", "geojson")),
}
PLANNED = set() if "map" in Facts.model_fields else MAP_KEYS
#: Besides briefing.map and briefing.geojson, the functions docs/architecture.md names that issue-11 adds.
ISSUE_11_NAMES = {"validate.fill.read_overlays", "pdf._map_legend"}
#: Model fields the loader fills in (``places[].gazetteer_id``, the overlays' ``shapes`` on issue-11) and
#: a facts file may not set: not keys of the format.
FILLED_BY_LOADER: frozenset[str] = getattr(facts_module, "_FILLED_BY_LOADER", frozenset())
#: The table the data rows of the error table read, copied beside ``brief.yaml`` as ``data/la-riots.csv``.
TABLE = ROOT / "briefs" / "data" / "la-riots.csv"


# --------------------------------------------------------------------------------------------------
# Every key the model accepts is documented
# --------------------------------------------------------------------------------------------------


def _models_in(tp: Any, many: bool = False) -> Iterator[tuple[type[BaseModel], bool]]:
    """The pydantic models inside a field's type, each with whether it comes as a list."""
    origin = get_origin(tp)
    if origin is Annotated:
        yield from _models_in(get_args(tp)[0], many)
    elif origin is Union or origin is types.UnionType:
        for arg in get_args(tp):
            yield from _models_in(arg, many)
    elif origin in (tuple, list, collections.abc.Sequence):
        for arg in get_args(tp):
            if arg is not Ellipsis:
                yield from _models_in(arg, True)
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        yield tp, many


def accepted_keys(model: type[BaseModel], prefix: str = "", stack: tuple[type, ...] = ()) -> set[str]:
    """Every key path the model accepts, as the docs write them: ``sources[].grade``, ``location.lat``."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        if name in FILLED_BY_LOADER:
            continue
        path = f"{prefix}.{field.alias or name}" if prefix else field.alias or name
        keys.add(path)
        for sub, many in _models_in(field.annotation):
            if sub not in stack:
                keys |= accepted_keys(sub, path + ("[]" if many else ""), (*stack, model))
    return keys


def _rows(text: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """Table rows outside code blocks: (first cell of the table's header, the nearest heading's
    backticked prefixes, the row's cells)."""
    in_code, prefixes, header = False, [""], None
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            continue
        elif line.startswith("#"):
            prefixes = re.findall(r"`([^`]+)`", line) or [""]
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells[0]
            elif not set(cells[0]) <= set("-: "):
                yield header, prefixes, cells
        else:
            header = None


def documented_keys(text: str) -> set[str]:
    """Keys in the first column of tables headed "key", joined to the backticked path(s) of the
    heading above the table (``### `sources[]` `` + `` `grade` `` -> ``sources[].grade``)."""
    keys = set()
    for header, prefixes, cells in _rows(text):
        if header == "key":
            for key in re.findall(r"`([^`]+)`", cells[0]):
                keys |= {f"{p}.{key}" if p else key for p in prefixes}
    return keys


def test_every_key_the_model_accepts_is_documented() -> None:
    missing = accepted_keys(Facts) - documented_keys(FORMAT.read_text(encoding="utf-8"))
    assert not missing, f"docs/facts-format.md does not document: {', '.join(sorted(missing))}"


def test_every_documented_key_is_accepted_or_planned() -> None:
    unknown = documented_keys(FORMAT.read_text(encoding="utf-8")) - accepted_keys(Facts) - PLANNED
    assert not unknown, f"docs/facts-format.md documents keys the tool does not accept: {', '.join(sorted(unknown))}"


class _Licence(BaseModel):
    name: str


class _Extended(Facts):
    licence: Optional[tuple[_Licence, ...]] = None


def test_a_key_added_without_documentation_is_found() -> None:
    """The check above can fail: a model with one more key (nested, too) is caught."""
    documented = documented_keys(FORMAT.read_text(encoding="utf-8"))
    assert accepted_keys(_Extended) - documented == {"licence", "licence[].name"}
    assert {"sources[].grade", "sections.outlook[].text", "key_points[].sources", "location.admin1"} <= documented


# --------------------------------------------------------------------------------------------------
# The example validates and every error line is the tool's own
# --------------------------------------------------------------------------------------------------


def _example() -> str:
    text = FORMAT.read_text(encoding="utf-8")
    section = text.split("## A small complete file", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _steps(path: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]


def _change(data: dict[str, Any], what: str) -> None:
    """Apply the changes of a "you write" cell: `path: yaml value` sets, `path` removed deletes."""
    for body, removed in re.findall(r"`([^`]+)`( removed)?", what):
        path, _, value = body.partition(": ") if not removed else (body, "", "")
        *parents, last = _steps(path)
        node: Any = data
        for step in parents:
            node = node[step]
        if removed:
            del node[last]
        elif isinstance(node, list) and last == len(node):
            node.append(yaml.load(value, Loader=_CLEAR_LOADER))
        else:
            node[last] = yaml.load(value, Loader=_CLEAR_LOADER)


def _table(header: str) -> list[tuple[str, str]]:
    rows = [(cells[0], cells[1]) for h, _, cells in _rows(FORMAT.read_text(encoding="utf-8")) if h == header]
    assert rows, f"no table headed {header!r} in docs/facts-format.md"
    return [(first, said.strip("`")) for first, said in rows]


def test_the_example_validates_and_uses_every_version_1_key(tmp_path: Path) -> None:
    path = tmp_path / "brief.yaml"
    path.write_text(_example(), encoding="utf-8")
    facts = load_facts(path)
    assert facts.places[0].name == "Soledar" and facts.figures[0].approx is True
    version_1 = {k for k in accepted_keys(Facts) - PLANNED if not any(k == v or k.startswith((v + ".", v + "[")) for v in V2_KEYS)}
    unused = version_1 - _used_keys(yaml.safe_load(_example())) - {"sources[].file"}  # would need a file beside it
    assert not unused, f"the example in docs/facts-format.md does not use: {', '.join(sorted(unused))}"


def _used_keys(data: Any, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    if isinstance(data, dict):
        for k, v in data.items():
            path = f"{prefix}.{k}" if prefix else k
            keys |= {path} | _used_keys(v, path)
    elif isinstance(data, list):
        for item in data:
            keys |= _used_keys(item, prefix + "[]")
    return keys


@pytest.mark.parametrize(("what", "said"), _table("you write"), ids=lambda v: v[:40])
def test_each_documented_error_line_is_what_the_tool_says(what: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(FactsError) as info:
        load_facts(_changed_example(what, tmp_path, monkeypatch))
    assert str(info.value) == said


def _changed_example(what: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example with a row's changes, saved as brief.yaml in tmp_path (the cwd), the data table beside it."""
    if PLANNED and "`map" in what:
        pytest.skip("map overlays are documented ahead of the merge of issue-11")
    data = yaml.load(_example(), Loader=_CLEAR_LOADER)
    _change(data, what)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / TABLE.name).write_bytes(TABLE.read_bytes())
    Path("brief.yaml").write_text(yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return Path("brief.yaml")


@pytest.mark.parametrize(("what", "said"), _table("you write (warning)"), ids=lambda v: v[:40])
def test_each_documented_warning_is_what_the_tool_says(what: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is valid; the warning (or, for "(nothing ...)", no warning) is the documented line."""
    path = _changed_example(what, tmp_path, monkeypatch)
    expected = [] if said.startswith("(nothing") else [said]
    assert [str(p) for p in facts_warnings(load_facts(path), "brief.yaml")] == expected
    if expected:
        with pytest.raises(FactsError) as info:
            load_facts(path, strict=True)  # --strict: the warning is the error line
        assert str(info.value) == f"{path}: {said.split(': ', 1)[1]}"


WHOLE_FILE: dict[str, Optional[bytes]] = {
    "does not exist": None,
    "is empty": b"  \n",
    "is too large": b"#" * (MAX_FILE_BYTES + 1),
    "is not text": b"\x89PNG\r\n\x1a\n\x00\x00",
    "is not UTF-8": "title: Türkçe\n".encode("latin-1"),
    "is not valid YAML": b"spec: 1\ntitle: [unclosed\nid: x\n",
    "is a list, not a mapping": b"- a\n- b\n",
    "repeats a key": b"spec: 1\ntitle: a\ntitle: b\n",
    "uses an anchor or alias": b"a: &x [1, 2]\nb: *x\n",
}


def test_each_documented_whole_file_problem_is_what_the_tool_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = dict(_table("the file"))
    assert set(rows) == set(WHOLE_FILE)
    monkeypatch.chdir(tmp_path)
    for what, content in WHOLE_FILE.items():
        path = Path("brief.yaml")
        path.unlink(missing_ok=True)
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(FactsError) as info:
            load_facts(path)
        assert str(info.value) == rows[what], what


def test_the_documented_glyph_warning_is_what_the_tool_says(tmp_path: Path) -> None:
    documented = re.search(r"^ {4,}(brief\.yaml: title: .*glyph.*)$", FORMAT.read_text(encoding="utf-8"), re.M)
    assert documented
    data = yaml.load(_example(), Loader=_CLEAR_LOADER)
    data["title"] = "Battle for Bakhmut \U0001F389"
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert [str(p) for p in glyph_warnings(load_facts(path), "brief.yaml")] == [documented[1]]


# --------------------------------------------------------------------------------------------------
# Links, paths and names in README.md and docs/*.md
# --------------------------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_REPO_PATH = re.compile(r"^(?:briefs|briefing|docs|assets|templates|tools|tests)/[\w./-]*$")


def _prose(page: Path) -> str:
    """The page without fenced code blocks (their text is shown, not linked)."""
    return re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)


def _anchors(page: Path) -> set[str]:
    """The heading anchors GitHub makes: lower case, punctuation dropped, spaces to hyphens."""
    seen: collections.Counter[str] = collections.Counter()
    out = set()
    for heading in re.findall(r"^#+ (.+)$", _prose(page), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        out.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_and_paths_stay_inside_the_repository(page: Path) -> None:
    prose = _prose(page)
    for target in _LINK.findall(prose):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # https:, mailto: ...
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve() if file else page
        assert resolved.is_relative_to(ROOT), f"{page.name}: {target} points outside the repository"
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{page.name}: {target}: no such heading"
    for span in re.findall(r"`([^`\n]+)`", prose):
        assert not span.startswith(("shared/", "../", "/work/")), f"{page.name}: `{span}` is outside the repository"
        if _REPO_PATH.match(span) and not (PLANNED and span.startswith(("briefing/map/", "briefing/geojson.py"))):
            assert (ROOT / span).exists(), f"{page.name}: `{span}` does not exist"


def test_every_function_the_architecture_page_names_exists() -> None:
    """Each `module.name` (or `module.name()`) must resolve in the briefing package, so a renamed
    function or a module moved into a subpackage shows up here rather than misleading a reader."""
    names = re.findall(r"`([a-z_]+)\.([A-Za-z_][\w.]*)(?:\(\))?`", _prose(ARCHITECTURE))
    checked = [(m, n) for m, n in names if n.rsplit(".", 1)[-1] not in ("py", "j2", "md", "json", "yaml", "pdf")]
    assert len(checked) >= 20, "the architecture page should name the functions that do the work"
    assert not [n for m, n in checked if m == "locator"], "briefing/locator.py became the briefing.map subpackage"
    if PLANNED:  # before issue-11 merges: its names are documented as that branch has them
        checked = [(m, n) for m, n in checked if m not in ("map", "geojson") and f"{m}.{n}" not in ISSUE_11_NAMES]
    for module, name in checked:
        try:
            obj: Any = importlib.import_module(f"briefing.{module}")
        except ModuleNotFoundError:
            raise AssertionError(f"docs/architecture.md names {module}.{name}, but there is no module briefing.{module}") from None
        for depth, part in enumerate(name.split(".")):
            if not hasattr(obj, part) and isinstance(obj, types.ModuleType):  # a submodule not imported yet (validate.regions)
                with contextlib.suppress(ModuleNotFoundError):
                    importlib.import_module(f"briefing.{module}.{'.'.join(name.split('.')[:depth + 1])}")
            assert hasattr(obj, part), f"docs/architecture.md names {module}.{name}, which does not exist"
            obj = getattr(obj, part)
