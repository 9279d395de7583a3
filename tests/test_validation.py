"""Every rule of the facts format, each broken alone, is reported as one exact line; no PDF is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from briefing.errors import FactsError
from briefing.validate import load_facts
from conftest import invoke_cli, run_cli

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            d = d[int(p)] if p.isdigit() else d[p]
        if isinstance(d, list):
            d[int(last)] = value
        else:
            d[last] = value
    return mutate


def _pop(path: str) -> Mutation:
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            d = d[int(p)] if p.isdigit() else d[p]
        del d[last]
    return mutate


def _dup(list_name: str) -> Mutation:
    return lambda d: d[list_name].append(dict(d[list_name][0]))


def _as_spec_1(d: dict[str, Any]) -> dict[str, Any]:
    """The example brief without its version 2 keys, as spec 1."""
    d["spec"] = 1
    for key in ("assessments", "indicators", "gaps"):
        d.pop(key, None)
    for src in d["sources"]:
        for key in ("author", "grade", "via"):
            src.pop(key, None)
    for point in d["key_points"]:
        point.pop("desk", None)
    d["events"] = [{k: v for k, v in e.items() if k not in ("approx", "kind")} | {"date": str(e["date"]).split("/")[0]}
                   for e in d["events"]]
    return d


CASES: list[tuple[str, Mutation, str]] = [
    ("missing title", _pop("title"), "title: is required but missing"),
    ("typo key", _set("titel", "x"), "titel: unknown key (a typo?); allowed keys here: spec, id, title, subtitle, as_of, handling, prepared_by, location, places, sources, key_points, sections, quotes, figures, events, assessments, indicators, gaps, datasets, series, map, draft"),
    ("unknown key in place", _set("places.0.lattitude", 1), "places[0].lattitude: unknown key (a typo?); allowed keys here: name, lat, lon, note, sources"),
    ("unknown source id", _set("sections.stakes.2.sources.0", "bbc"), 'sections.stakes[2].sources[0]: unknown source id "bbc"; expected one of the ids under sources: cnn, isw, donetsk-rma, land-forces, ukraine-military, soldier-93, soldier-unnamed, rodnyansky, zelensky, geonames'),
    ("unknown quote source", _set("quotes.1.source", "bbc"), 'quotes[1].source: unknown source id "bbc"; expected one of the ids under sources: cnn, isw, donetsk-rma, land-forces, ukraine-military, soldier-93, soldier-unnamed, rodnyansky, zelensky, geonames'),
    ("unknown place source", _set("places.0.sources.1", "x"), 'places[0].sources[1]: unknown source id "x"; expected one of the ids under sources: cnn, isw, donetsk-rma, land-forces, ukraine-military, soldier-93, soldier-unnamed, rodnyansky, zelensky, geonames'),
    ("duplicate source id", _dup("sources"), 'sources[10].id: "cnn" repeats sources[0]; ids must be unique'),
    ("duplicate figure id", _dup("figures"), 'figures[3].id: "civilians" repeats figures[0]; ids must be unique'),
    ("lat out of range", _set("location.lat", 91), "location.lat: 91 is not valid; expected decimal degrees from -90 to 90"),
    ("lon out of range", _set("places.1.lon", -181.5), "places[1].lon: -181.5 is not valid; expected decimal degrees from -180 to 180"),
    ("as_of without zone", _set("as_of", "2023-03-01T18:00:00"), 'as_of: "2023-03-01T18:00:00" has no time zone; expected a date-time with a time zone, such as 2023-03-01T18:00:00Z, or a date alone, such as 2023-03-01'),
    ("as_of not a date", _set("as_of", "yesterday"), 'as_of: "yesterday" is not valid; expected a date-time with a time zone, such as 2023-03-01T18:00:00Z, or a date alone, such as 2023-03-01'),
    ("event month 13", _set("events.0.date", "2023-13"), 'events[0].date: "2023-13": not a real date (month must be in 1..12); expected YYYY-MM-DD or YYYY-MM'),
    ("event 30 February", _set("events.0.date", "2023-02-30"), 'events[0].date: "2023-02-30": not a real date (day is out of range for month); expected YYYY-MM-DD or YYYY-MM'),
    ("quote said words", _set("quotes.0.said", "March 2023"), 'quotes[0].said: "March 2023": expected a date as YYYY-MM-DD or YYYY-MM'),
    ("bad id", _set("id", "Bakhmut!"), 'id: "Bakhmut!" is not valid; expected lower-case letters, digits and hyphens, 1-64 characters, such as bakhmut'),
    ("too many key points", lambda d: d.__setitem__("key_points", [d["key_points"][0]] * 12), "key_points: has 12 items; at most 8 are allowed"),
    ("no key points", _set("key_points", []), "key_points: is empty; expected at least 1"),
    ("no sources", _set("sources", []), "sources: is empty; expected at least 1"),
    ("missing section", _pop("sections.outlook"), "sections.outlook: is required but missing"),
    ("empty section", _set("sections.stakes", []), "sections.stakes: is empty; expected at least 1"),
    ("statement without sources", _set("sections.situation.0.sources", []), "sections.situation[0].sources: is empty; expected at least 1"),
    ("lower-case country", _set("location.country", "ua"), 'location.country: "ua" is not valid; expected an ISO 3166-1 alpha-2 code in capitals, such as UA'),
    ("figure value text", _set("figures.0.value", "4500"), 'figures[0].value: "4500": expected a number, such as 4500 or 12.5 (no quotes, no units)'),
    ("spec 3", _set("spec", 3), "spec: 3 is not supported; expected 1 or 2 (the version of the facts format)"),
    ("v2 key in spec 1", lambda d: _as_spec_1(d)["sources"][0].update(grade="B2"), "sources[0].grade: is a version 2 key; write spec: 2 at the top to use it"),
    ("lat without lon", _pop("places.0.lon"), "places[0]: give both lat and lon, or neither (then the name is looked up offline)"),
    ("missing local source file", _set("sources.0.file", "nope.txt"), 'sources[0].file: "nope.txt" not found (paths are relative to the facts file)'),
    ("section not a list", _set("sections.situation", "text"), "sections.situation: expected a list (items starting with '- '), got \"text\""),
    ("number as text", _set("key_points.0.text", 42), "key_points[0].text: expected text, got 42; put it in quotes"),
    ("approx yes", _set("figures.0.approx", "yes"), 'figures[0].approx: "yes" is not valid; expected true or false'),
    ("published 30 February", _set("sources.0.published", "2023-02-30"), 'sources[0].published: "2023-02-30" is not valid; expected a date, YYYY-MM-DD'),
    ("empty title", _set("title", ""), "title: is empty; expected some text"),
    ("location not a mapping", _set("location", "Bakhmut"), 'location: expected a mapping of keys to values, got "Bakhmut"'),
    ("statement too long", _set("sections.outlook.0.text", "x" * 2001), "sections.outlook[0].text: is 2001 characters long; at most 2000 are allowed"),
]


@pytest.mark.parametrize("mutate, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_is_one_exact_line(facts_data, write_facts, mutate, expected):
    mutate(facts_data)
    path = write_facts(facts_data)
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value) == f"{path}: {expected}"


def test_several_problems_are_all_reported(facts_data, write_facts):
    _pop("title")(facts_data)
    _set("location.lat", 100)(facts_data)
    path = write_facts(facts_data)
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert [p.field for p in info.value.problems] == ["title", "location.lat"]


def test_cli_prints_one_line_exits_2_and_writes_no_pdf(facts_data, write_facts, tmp_path):
    _set("sections.stakes.2.sources.0", "bbc")(facts_data)
    path = write_facts(facts_data)
    out = tmp_path / "out"
    result = invoke_cli(str(path), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.strip() == f'{path}: sections.stakes[2].sources[0]: unknown source id "bbc"; expected one of the ids under sources: cnn, isw, donetsk-rma, land-forces, ukraine-military, soldier-93, soldier-unnamed, rodnyansky, zelensky, geonames'
    assert result.stdout == ""
    assert not out.exists() or not any(out.iterdir())


def test_check_validates_without_writing(tmp_path):
    result = invoke_cli("briefs/bakhmut.yaml", "--check", "--out", str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "briefs/bakhmut.yaml: ok"
    assert not (tmp_path / "o").exists()


BAD_FILES: list[tuple[str, bytes | None, str]] = [
    ("missing", None, "file not found; give the path of a facts file (.yaml)"),
    ("empty", b"  \n", "is empty; a facts file is a YAML mapping (see the spec)"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", "is a binary file, not YAML text; give a .yaml facts file"),
    ("latin1", "title: Türkçe\n".encode("latin-1"), "is not UTF-8 text (bad byte at offset 8); save it as UTF-8"),
    ("syntax", b"spec: 1\ntitle: [unclosed\nid: x\n", "line 3, column 3: not valid YAML: expected ',' or ']', but got ':'"),
    ("list at top", b"- a\n- b\n", "expected a YAML mapping at the top (keys such as spec, id, title), got ['a', 'b']"),
    ("duplicate key", b"spec: 1\ntitle: a\ntitle: b\n", "line 3, column 1: not valid YAML: duplicate key 'title' (first at line 2); each key may appear once"),
    ("alias", b"a: &x [1, 2]\nb: *x\n", "line 1: YAML anchors and aliases (&, *) are not allowed; write the value out"),
]


@pytest.mark.parametrize("content, expected", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_unusable_files(tmp_path, content, expected):
    path = tmp_path / "facts.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FactsError) as info:
        load_facts(path)
    assert str(info.value) == f"{path}: {expected}"


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = run_cli(str(path), "--out", str(tmp_path / "o"), timeout=20)
    assert result.returncode == 2
    assert result.stderr.strip() == f"{path}: line 1: YAML anchors and aliases (&, *) are not allowed; write the value out"
    assert "Traceback" not in result.stderr


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
    with pytest.raises(FactsError, match="a facts file may be at most 5,242,880 bytes"):
        load_facts(path)


def test_norway_is_a_country_not_a_boolean(facts_data, write_facts):
    facts_data["location"].update(name="Oslo", lat=59.91, lon=10.75, country="NO", admin1="Oslo")
    path = write_facts(facts_data)
    assert load_facts(path).location.country == "NO"


def test_missing_file_via_cli_has_no_traceback(tmp_path):
    result = invoke_cli(str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"{tmp_path / 'nope.yaml'}: file not found; give the path of a facts file (.yaml)"


def test_spec_example_values_are_accepted(facts_data, write_facts):
    """The spec's own example forms: month-precision dates, optional fields absent."""
    facts_data["events"].append({"date": "2022-07", "label": "x", "source": "cnn"})
    for key in ("subtitle", "prepared_by", "quotes", "figures", "events", "places"):
        facts_data.pop(key)
    path = write_facts(facts_data)
    facts = load_facts(path)
    assert facts.quotes == () and facts.subtitle is None


def test_a_valid_file_in_another_folder_reads_source_files_relative_to_it(facts_data, write_facts, tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "cnn.txt").write_text("article text")
    facts_data["sources"][0]["file"] = "sources/cnn.txt"
    assert load_facts(write_facts(facts_data)).sources[0].file == "sources/cnn.txt"


def test_unreadable_path_is_a_directory(tmp_path: Path):
    with pytest.raises(FactsError, match="is a directory"):
        load_facts(tmp_path)


def test_spec_2_accepts_source_author_and_grade(facts_data, write_facts):
    facts_data["spec"] = 2
    facts_data["sources"][0].update(author="Rob Picheta", grade="B2")
    source = load_facts(write_facts(facts_data)).sources[0]
    assert (source.author, source.grade) == ("Rob Picheta", "B2")


def test_spec_2_refuses_a_grade_off_the_admiralty_scale(facts_data, write_facts):
    facts_data["spec"] = 2
    facts_data["sources"][0]["grade"] = "G7"
    with pytest.raises(FactsError) as info:
        load_facts(write_facts(facts_data))
    assert str(info.value).endswith('sources[0].grade: "G7" is not valid; expected an Admiralty grade: a letter A-F (reliability) and a digit 1-6 (credibility), such as B2')


def test_check_warns_on_an_unknown_admin1_listing_the_countrys_regions_closest_first(facts_data, write_facts):
    facts_data["location"] = {"name": "Hvolsvöllur", "lat": 63.7533, "lon": -20.2243, "country": "IS",
                              "admin1": "Southern Region"}
    facts_data["places"] = []  # Bakhmut's would stretch the map from Iceland to Ukraine: 4 s of drawing beside the point
    path = write_facts(facts_data)
    result = invoke_cli(str(path), "--check")
    assert result.returncode == 0 and result.stdout.strip() == f"{path}: ok"
    line = next(x for x in result.stderr.splitlines() if "location.admin1" in x)
    assert line.startswith(f'{path}: location.admin1: "Southern Region" is not a region the map data knows for IS')
    regions = line.split("its regions, closest first: ")[1].split(", ")
    assert regions[0] == "Suðurland" and "Vestfirðir" in regions and len(regions) == 9
    built = invoke_cli(str(path), "--out", str(path.parent / "out"))  # the build says it once, not again for the map
    assert built.returncode == 0 and sum("location.admin1" in x for x in built.stderr.splitlines()) == 1, built.stderr
    facts_data["location"]["admin1"] = "Suðurland"
    assert "location.admin1" not in invoke_cli(str(write_facts(facts_data)), "--check").stderr


def test_latitude_and_longitude_swapped_are_warned_and_still_build(facts_data, write_facts, tmp_path):
    soledar = facts_data["places"][0]
    soledar["lat"], soledar["lon"] = soledar["lon"], soledar["lat"]  # in range, 1,450 km away
    facts_data["spec"] = 2
    facts_data["map"] = {"areas": [{"label": "Area said to be contested", "kind": "contested", "source": "cnn",
                                    "polygon": [[38, 48.6], [38.1, 48.6], [38.1, 48.7]]}]}
    path = write_facts(facts_data)
    checked = invoke_cli(str(path), "--check", "--no-cache")
    assert checked.returncode == 0, checked.stderr
    assert (f'{path}: places[0]: "Soledar" at ({soledar["lat"]}, {soledar["lon"]}) is 1,452 km from the location, '
            "far from the other places; latitude and longitude swapped?") in checked.stderr.splitlines()
    built = invoke_cli(str(path), "--out", str(tmp_path / "out"), "-q", "--no-cache")  # an overlay too: it crashed
    assert built.returncode == 0 and "Traceback" not in built.stderr, built.stderr
    assert "latitude and longitude swapped?" in built.stderr

    facts_data["location"] = {"name": "Katla", "lat": -19.05, "lon": 63.63, "country": "IS"}
    facts_data.pop("map")
    checked = invoke_cli(str(write_facts(facts_data)), "--check", "--no-cache")
    assert f"{path}: location: (-19.05, 63.63) is not in IS, the location's country; latitude and longitude swapped?" \
        in checked.stderr.splitlines()


def test_a_map_overlay_given_as_lat_lon_is_warned_as_off_the_map(facts_data, write_facts, tmp_path):
    """The new user's ash cloud, its GeoJSON written [lat, lon]: in range, the Indian Ocean, so the map
    framed it with Iceland and drew a hemisphere; now --check and the build say so, naming the field."""
    facts_data["spec"] = 2
    facts_data["location"] = {"name": "Eyjafjallajokull", "lat": 63.63, "lon": -19.62, "country": "IS"}
    facts_data["places"] = [{"name": "Vik", "lat": 63.42, "lon": -19.01, "sources": ["cnn"]}]
    ring = [[63.5, -19.7], [63.7, -19.7], [63.7, -19.5], [63.5, -19.5], [63.5, -19.7]]
    (tmp_path / "ash.geojson").write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")
    facts_data["map"] = {"areas": [{"label": "Ash cloud", "kind": "hazard", "source": "cnn", "geojson": "ash.geojson"}],
                         "lines": [{"label": "Flight ban line", "kind": "hazard", "source": "cnn",
                                    "line": [[-19.0, 63.0], [-18.0, 64.0]]}]}  # [lon, lat], near: no warning
    path = write_facts(facts_data)
    expected = (f'{path}: map.areas[0]: "Ash cloud" is 11,610 km from the location at its nearest, off the map; '
                "GeoJSON order is [lon, lat]: latitude and longitude swapped?")
    checked = invoke_cli(str(path), "--check", "--no-cache")
    assert checked.returncode == 0 and expected in checked.stderr.splitlines(), checked.stderr
    assert "map.lines" not in checked.stderr
    built = invoke_cli(str(path), "--out", str(tmp_path / "out"), "-q", "--no-cache")
    assert built.returncode == 0 and expected in built.stderr.splitlines(), built.stderr
