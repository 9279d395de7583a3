"""The data path: datasets read with pandas, series, derived figures, time charts, the chart registry.

Derived figures are recomputed here with the csv module (not pandas) and compared with the PDF.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from briefing import build_brief, data
from briefing.charts import REGISTRY, Chart, ChartKind, build_charts, figure_charts
from briefing.editions import publish
from briefing.errors import FactsError
from briefing.validate import load_facts, parse_facts
from briefing.pdf import render_pdf
from briefing.vector import figure_to_drawing, house_style
from conftest import BAKHMUT, ROOT, drawing_text, pdf_text, squash

LA = ROOT / "briefs" / "la-riots.yaml"
LA_CSV = ROOT / "briefs" / "data" / "la-riots.csv"


def la_rows() -> list[dict[str, str]]:
    with LA_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_la_riots_figures_are_computed_from_the_table_and_printed(tmp_path: Path) -> None:
    rows = la_rows()
    in_window = [r for r in rows if "1992-04-29" <= r["death_date"] <= "1992-05-04"]
    per_day = Counter(r["death_date"] for r in in_window)
    expected = {
        "deaths-total": len(rows),
        "deaths-five-days": len(in_window),
        "homicides-five-days": sum(r["type"] == "Homicide" for r in in_window),
        "deadliest-day": max(per_day.values()),
    }
    facts = load_facts(LA)
    assert {f.id: f.value for f in facts.figures} == expected
    assert {f.id: f.as_of for f in facts.figures}["deaths-total"] == dt.date.fromisoformat(max(r["death_date"] for r in rows))
    text = squash(pdf_text(build_brief(facts)))
    # the label already says what is counted: "deaths" after the number would add nothing
    assert f"Deaths in the table, all dates {expected['deaths-total']} 24 November 1993" in text
    assert f"Deaths from 29 April to 4 May 1992 {expected['deaths-five-days']} 3 May 1992" in text
    # a highest value is dated by the day it happened (30 April), not the series' last day (4 May)
    assert f"Most deaths on one day {expected['deadliest-day']} deaths in a day 30 April 1992" in text
    assert f"Homicides from 29 April to 4 May 1992 {expected['homicides-five-days']} deaths" in text
    # the dataset is listed with the sources, with its file and hash
    digest = hashlib.sha256(LA_CSV.read_bytes()).hexdigest()
    assert "Los Angeles Times Data Desk" in text and f"File data/la-riots.csv, SHA-256 {digest}" in text
    # the time chart: per-day totals, its peak, the events that fall in its range
    assert "Deaths over time, per day." in text
    assert (f"Deaths per day, all causes: 6 totals per day, 29 April 1992 to 4 May 1992; first {per_day['1992-04-29']}, "
            f"highest {expected['deadliest-day']} deaths (30 April 1992), latest 0.") in text
    assert "Events marked: 1 = Five days of looting and fires begin (29 April 1992)" in text
    # on the monthly chart events 1 and 2 (a day apart) share one label rather than print over each other
    assert "deaths 36 1,2 3 Deaths per month, all causes." in text


def spec2(facts_data: dict[str, Any], tmp_path: Path, table: str, name: str = "t.csv", **series: Any) -> dict[str, Any]:
    (tmp_path / name).write_text(table, encoding="utf-8") if isinstance(table, str) else None
    facts_data["spec"] = 2
    facts_data["datasets"] = [{"id": "tab", "publisher": "Desk", "file": name}]
    facts_data["series"] = [{"id": "s", "label": "Arrivals", "unit": "people", "data": "tab", "date": "day", "value": "n", **series}]
    facts_data["figures"] = [{"id": "total", "label": "Arrivals recorded", "from": {"series": "s", "stat": "total"}, "unit": "people"}]
    return facts_data


TABLE = "day,n,point\n2024-03-01,5,North\n2024-03-02,7,South\n2024-03-02,1,North\n2024-03-09,4,North\n"


def refusal(data_: dict[str, Any], path: Path) -> str:
    with pytest.raises(FactsError) as exc:
        parse_facts(data_, path, path.parent)
    return str(exc.value)


@pytest.mark.parametrize(("table", "series", "expected"), [
    (TABLE, {"value": "deaths"}, '{facts}: series[0].value: column "deaths" is not in t.csv; its columns are: day, n, point'),
    (TABLE, {"filter": {"gate": "North"}}, '{facts}: series[0].filter.gate: column "gate" is not in t.csv; its columns are: day, n, point'),
    ("day,n\n2024-03-01,5\n2024-03-02,12a\n", {}, '{dir}/t.csv: row 3, column n: "12a" is not a number; expected a number such as 1250 or 12.5 (no units, no thousands separators)'),
    ("day,n\n2024-03-01,5\n2024-13-01,2\n", {}, '{dir}/t.csv: row 3, column day: "2024-13-01" is not a date; expected an ISO 8601 date such as 2024-03-01 or 2024-03-01T06:00Z'),
    ("day,n\n0001-01-01,5\n0000-12-31,2\n", {}, '{dir}/t.csv: row 3, column day: "0000-12-31" falls outside the years 1 to 9999 (in UTC); expected a date from 0001-01-01 to 9999-12-31'),
    ("day,n\n9999-12-31T23:00:00-05:00,5\n", {}, '{dir}/t.csv: row 2, column day: "9999-12-31T23:00:00-05:00" falls outside the years 1 to 9999 (in UTC); expected a date from 0001-01-01 to 9999-12-31'),
    (TABLE, {"filter": {"point": "West"}}, "{facts}: series[0].filter.point: no rows of t.csv have point = West; values there include: North, South"),
    (TABLE, {"between": ["2025-01-01", "2025-02-01"]}, "{facts}: series[0].between: no dated rows of t.csv fall between 2025-01-01 and 2025-02-01; they run from 2024-03-01 to 2024-03-09"),
])
def test_a_bad_table_is_refused_in_one_line(facts_data, tmp_path, table, series, expected) -> None:
    message = refusal(spec2(facts_data, tmp_path, table, **series), tmp_path / "f.yaml")
    assert message == expected.format(facts=tmp_path / "f.yaml", dir=tmp_path)


def test_missing_unreadable_oversized_and_changed_files_are_refused(facts_data, tmp_path, monkeypatch) -> None:
    f = tmp_path / "f.yaml"
    assert refusal(spec2(facts_data, tmp_path, None, name="gone.csv"), f) == \
        f'{f}: datasets[0].file: "gone.csv" not found (paths are relative to the facts file)'
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip file at all")
    assert refusal(spec2(facts_data, tmp_path, None, name="bad.xlsx"), f).startswith(
        f'{f}: datasets[0].file: "bad.xlsx" cannot be read as XLSX (')
    assert refusal(spec2(facts_data, tmp_path, TABLE, name="t.ods"), f) == \
        f'{f}: datasets[0].file: "t.ods" is not a table this tool reads; expected a .csv, .tsv, .xlsx, .json (records) or .parquet file'
    data_ = spec2(facts_data, tmp_path, TABLE)
    data_["datasets"][0]["sha256"] = "0" * 64
    actual = hashlib.sha256(TABLE.encode()).hexdigest()
    assert refusal(data_, f) == (f'{f}: datasets[0].sha256: "t.csv" has SHA-256 {actual}, not the pinned {"0" * 64}; '
                                 "the file changed: check it, then update sha256")
    monkeypatch.setattr(data, "MAX_DATA_BYTES", 50)
    assert refusal(spec2(facts_data, tmp_path, TABLE), f) == \
        f'{f}: datasets[0].file: "t.csv" is {len(TABLE)} bytes; a dataset file may be at most 50 bytes'


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(facts_data, tmp_path, monkeypatch) -> None:
    """One data row and 48 MB of whitespace in the sheet (the probe's file: 3 GB in 3.1 MB), over a
    limit lowered to 40 MB so the test stays quick; refused from the zip's directory alone."""
    import io
    import zipfile

    import pandas as pd

    packed = io.BytesIO()
    pd.read_csv(io.StringIO(TABLE)).to_excel(packed, index=False)
    bomb = tmp_path / "t.xlsx"
    with zipfile.ZipFile(packed) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for member in src.infolist():
            body = src.read(member)
            if member.filename.endswith("sheet1.xml"):
                head, tail = body.split(b"<sheetData>")
                with out.open(member.filename, "w") as sheet:
                    sheet.write(head + b"<sheetData>")
                    for _ in range(48):
                        sheet.write(b" " * 1024 * 1024)
                    sheet.write(tail)
            else:
                out.writestr(member, body)
    assert bomb.stat().st_size < 1024 * 1024
    monkeypatch.setattr(data, "MAX_UNPACKED_BYTES", 40 * 1024 * 1024)
    f = tmp_path / "f.yaml"
    message = refusal(spec2(facts_data, tmp_path, None, name="t.xlsx"), f)
    assert message.startswith(f'{f}: datasets[0].file: "t.xlsx" unpacks to 50,3') and \
        message.endswith("bytes; an .xlsx dataset may unpack to at most 41,943,040 bytes (save it as CSV, or remove the empty rows)")


def test_dataset_files_stay_inside_the_facts_folder(facts_data, tmp_path, monkeypatch) -> None:
    """Like a source's local copy: no absolute path, no ``..``, no link out of the folder, unless the
    folder is named in BRIEFING_SOURCES_ROOT."""
    monkeypatch.delenv("BRIEFING_SOURCES_ROOT", raising=False)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "t.csv").write_text(TABLE, encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(outside / "t.csv")
    f = tmp_path / "f.yaml"
    for name in (str(outside / "t.csv"), f"../{outside.name}/t.csv", "link.csv"):
        assert refusal(spec2(facts_data, tmp_path, None, name=name), f) == (
            f'{f}: datasets[0].file: "{name}" is outside the facts file\'s folder; keep dataset files beside the '
            "facts file (relative paths), or name their folder in BRIEFING_SOURCES_ROOT")
    monkeypatch.setenv("BRIEFING_SOURCES_ROOT", str(outside))  # a root the user names is allowed
    facts = parse_facts(spec2(facts_data, tmp_path, None, name=f"../{outside.name}/t.csv"), f, tmp_path)
    assert facts.figures[0].value == 17


def test_filter_resample_aggregate_and_every_stat(facts_data, tmp_path) -> None:
    d = spec2(facts_data, tmp_path, TABLE, filter={"point": ["North"]}, every="week")
    d["figures"] += [{"id": k, "label": k, "from": {"series": "s", "stat": k}, "unit": "people"} for k in ("latest", "first", "max", "min", "change")]
    facts = parse_facts(d, tmp_path / "f.yaml", tmp_path)
    (series,) = facts.series
    # North rows: 5 on Fri 1 March, 1 on Sat 2 March (week of Mon 26 Feb), 4 on Sat 9 March (week of Mon 4 March)
    assert [(p.date, p.value) for p in series.points] == [(dt.date(2024, 2, 26), 6), (dt.date(2024, 3, 4), 4)]
    assert {f.id: f.value for f in facts.figures} == {"total": 10, "latest": 4, "first": 6, "max": 6, "min": 4, "change": -2}
    assert facts.figures[0].as_of == dt.date(2024, 3, 9)  # the last date in the rows, not the week's start
    # the highest and the first value are the week of 26 February's (it ends on Sunday 3 March); the
    # lowest the week of 4 March's, which the rows end within (9 March)
    as_of = {f.id: f.as_of for f in facts.figures}
    assert (as_of["max"], as_of["first"], as_of["min"], as_of["latest"]) == (
        dt.date(2024, 3, 3), dt.date(2024, 3, 3), dt.date(2024, 3, 9), dt.date(2024, 3, 9))
    assert facts.figure_sources(facts.figures[0]) == ("tab",)


def test_xlsx_and_json_tables_give_the_same_numbers(facts_data, tmp_path) -> None:
    import pandas as pd

    frame = pd.read_csv(__import__("io").StringIO(TABLE))
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    (tmp_path / "t.json").write_text(json.dumps(frame.to_dict(orient="records")), encoding="utf-8")
    for name in ("t.xlsx", "t.json"):
        d = spec2(facts_data, tmp_path, None, name=name, every="day", agg="max")
        facts = parse_facts(d, tmp_path / "f.yaml", tmp_path)
        assert [(p.date, p.value) for p in facts.series[0].points][:2] == [(dt.date(2024, 3, 1), 5), (dt.date(2024, 3, 2), 7)]
        assert facts.figures[0].value == 5 + 7 + 4
    (tmp_path / "b.json").write_text(json.dumps([{"day": "2024-03-01", "n": 3}, {"day": "2024-03-02", "n": "many"}]))
    assert refusal(spec2(facts_data, tmp_path, None, name="b.json"), tmp_path / "f.yaml") == \
        f'{tmp_path}/b.json: record 2, column n: "many" is not a number; expected a number such as 1250 or 12.5 (no units, no thousands separators)'


def test_inline_points_cite_their_own_sources_and_ids_are_checked(facts_data, tmp_path) -> None:
    facts_data["spec"] = 2
    facts_data["sources"].append({"id": "afad", "publisher": "AFAD"})
    facts_data["series"] = [{"id": "toll", "label": "Deaths reported", "unit": "deaths", "points": [
        {"date": "2023-02-07", "value": 5434, "source": "afad"}, {"date": "2023-02-06", "value": 2379, "source": "cnn"}]}]
    facts_data["figures"] = [{"id": "toll-now", "label": "Deaths reported", "from": {"series": "toll", "stat": "latest"}}]
    facts = parse_facts(facts_data, tmp_path / "f.yaml", tmp_path)
    assert (facts.figures[0].value, facts.figures[0].as_of) == (5434, dt.date(2023, 2, 7))
    assert facts.figure_sources(facts.figures[0]) == ("cnn", "afad")
    facts_data["datasets"] = [{"id": "cnn", "publisher": "x", "file": "t.csv"}]
    facts_data["figures"][0]["from"]["series"] = "tol"
    lines = refusal(facts_data, tmp_path / "f.yaml").splitlines()
    assert f'{tmp_path / "f.yaml"}: datasets[0].id: "cnn" is already the id of sources[0]; ids must be unique across sources, datasets and series' in lines
    assert f'{tmp_path / "f.yaml"}: figures[0].from.series: unknown series id "tol"; expected one of the ids under series: toll' in lines
    facts_data["spec"] = 1
    del facts_data["datasets"]
    lines = refusal(facts_data, tmp_path / "f.yaml").splitlines()
    assert f'{tmp_path / "f.yaml"}: series: is a version 2 key; write spec: 2 at the top to use it' in lines
    assert f'{tmp_path / "f.yaml"}: figures[0].from: is a version 2 key; write spec: 2 at the top to use it' in lines


def test_a_changed_dataset_is_a_new_edition_that_says_what_moved(tmp_path) -> None:
    brief = tmp_path / "la.yaml"
    brief.write_text(LA.read_text(encoding="utf-8").replace("    sha256: ", "    # sha256: "), encoding="utf-8")
    (tmp_path / "data").mkdir()
    rows = LA_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    late = [r for r in rows[1:] if r.split(",")[5] > "1992-05-04"]
    (tmp_path / "data" / "la-riots.csv").write_text("".join(r for r in rows if r not in late), encoding="utf-8")
    first = publish(brief, tmp_path / "out")
    assert {f.id: f.value for f in first.facts.figures}["deaths-total"] == 63 - len(late) == 58
    (tmp_path / "data" / "la-riots.csv").write_text("".join(rows), encoding="utf-8")  # the late rows arrive
    second = publish(brief, tmp_path / "out")
    assert second.built and second.number == 2
    lines = second.changes.lines
    assert "Deaths in the table, all dates: 58 -> 63 deaths (+5)" in lines
    assert "Deaths per month, all causes: 18 values added, 1 revised (latest 22 -> 1)" in lines  # May 1992 to Nov 1993
    assert "Deaths in the table, all dates: 58 -> 63 deaths (+5)" in squash(pdf_text(second.pdf_path.read_bytes()))
    assert not publish(brief, tmp_path / "out").built  # unchanged table: no new edition


def test_a_chart_kind_is_one_registry_entry_and_one_function(facts_data) -> None:
    def dots(facts: Any) -> list[Chart]:
        with house_style():
            from matplotlib.figure import Figure

            fig = Figure(figsize=(6, 1))
            fig.add_subplot().plot([1, 2, 3], [len(facts.events), 1, 2], "o")
            return [Chart(kind="", title="Dots of events", caption="A trivial chart.", drawing=figure_to_drawing(fig), source_ids=("cnn",))]

    facts = parse_facts(facts_data, BAKHMUT, BAKHMUT.parent)
    charts = build_charts(facts, (*REGISTRY, ChartKind("dots", "outlook", "events", dots)))
    assert [c.place for c in charts if c.kind == "dots"] == ["outlook"]
    text = squash(pdf_text(render_pdf(facts, charts)))
    assert text.index("Dots of events. A trivial chart.") > text.index("Outlook")
    with pytest.raises(ValueError, match="place 'appendix' is not one of situation, stakes, series, figures, outlook"):
        ChartKind("dots", "appendix", "events", dots)


def test_figure_bars_only_for_three_or_more_of_one_stated_unit(facts_data) -> None:
    facts = parse_facts(facts_data, BAKHMUT, BAKHMUT.parent)
    assert figure_charts(facts) == []  # 4,500 civilians beside 48 children is not a chart
    facts_data["figures"] += [{"id": "x", "label": "Soldiers", "value": 900, "unit": "people", "source": "cnn"}]
    assert len(figure_charts(parse_facts(facts_data, BAKHMUT, BAKHMUT.parent))) == 1


def test_pandas_is_imported_only_for_briefs_with_data() -> None:
    code = ("import sys, briefing.build as b; from briefing.validate import load_facts; "
            "load_facts(sys.argv[1]); print('pandas' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, check=True).stdout.strip()
            for p in (BAKHMUT, LA)]
    assert runs == ["False", "True"]


def test_count_counts_the_selected_rows(facts_data, tmp_path) -> None:
    facts = parse_facts(spec2(facts_data, tmp_path, TABLE, value="count", filter={"point": "North"}), tmp_path / "f.yaml", tmp_path)
    assert facts.figures[0].value == 3


def inline(facts_data: dict[str, Any], points: list[tuple[Any, float]], unit: str = "m", sid: str = "level") -> dict[str, Any]:
    facts_data["spec"] = 2
    facts_data.setdefault("series", []).append({"id": sid, "label": f"River {sid}", "unit": unit,
                                                "points": [{"date": d, "value": v, "source": "cnn"} for d, v in points]})
    return facts_data


@pytest.mark.parametrize(("points", "ticks"), [
    ([(dt.datetime(2024, 5, 1, h, tzinfo=dt.timezone.utc), h * 1.5) for h in range(0, 7)], ["02:00", "04:00", "06:00"]),
    ([(dt.date(1990 + y, 1, 1), y) for y in range(0, 31)], ["1990", "2000", "2010", "2020"]),
])
def test_time_chart_ticks_suit_hours_and_decades(facts_data, tmp_path, points, ticks) -> None:
    from briefing.charts import series_charts

    (chart,) = series_charts(parse_facts(inline(facts_data, points), tmp_path / "f.yaml", tmp_path))
    words = drawing_text(chart.drawing).split()
    assert all(t in words for t in ticks), [t for t in ticks if t not in words]
    assert "m" in words  # the unit on the axis


def test_series_in_different_units_get_separate_charts_and_events_in_range_are_marked(facts_data, tmp_path) -> None:
    from briefing.charts import series_charts

    d = inline(facts_data, [(dt.date(2023, 2, day), day) for day in (10, 15, 20, 25)], unit="metres")
    d = inline(d, [(dt.date(2023, 2, 12), 3), (dt.date(2023, 2, 14), 9)], unit="mm", sid="rain")
    d = inline(d, [(dt.date(2023, 2, 11), 1), (dt.date(2023, 2, 13), 2)], unit="metres", sid="gauge")
    charts = series_charts(parse_facts(d, tmp_path / "f.yaml", tmp_path))
    assert [c.title for c in charts] == ["Metres over time", "River rain"]
    # Bakhmut's events: 25 February 2023 ends the first chart's range; none falls in 12-14 February
    assert "Events marked: 1 = " in charts[0].caption and "(25 February 2023)." in charts[0].caption
    assert "January 2023" not in charts[0].caption and "Events marked" not in charts[1].caption


def test_parquet_and_tsv_tables_are_read(facts_data, tmp_path) -> None:
    import pandas as pd

    frame = pd.read_csv(__import__("io").StringIO(TABLE))
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    (tmp_path / "t.tsv").write_text(TABLE.replace(",", "\t"), encoding="utf-8")
    for name in ("t.parquet", "t.tsv"):
        facts = parse_facts(spec2(facts_data, tmp_path, None, name=name), tmp_path / "f.yaml", tmp_path)
        assert facts.figures[0].value == 5 + 7 + 1 + 4


def test_bad_series_and_dataset_keys_are_one_line_each(facts_data, tmp_path) -> None:
    facts_data["spec"] = 2
    facts_data["datasets"] = [{"id": "q", "publisher": "p", "file": "x.csv", "sha256": "abc"}]
    facts_data["series"] = [{"id": "s", "label": "x", "every": "dy", "agg": "avg",
                             "points": [{"date": "2023-01-01", "value": 1, "source": "cnn"}]},
                            {"id": "t", "label": "y", "every": "day", "points": [{"date": "2023-01-01", "value": 1, "source": "cnn"}]}]
    facts_data["figures"] = [{"id": "z", "label": "z", "from": {"series": "s", "stat": "average"}},
                             {"id": "y", "label": "y", "from": {"series": "s", "stat": "total"}, "source": "cnn"}]
    f = tmp_path / "f.yaml"
    assert refusal(facts_data, f).splitlines() == [
        f'{f}: figures[0].from.stat: "average" is not supported; expected one of total, latest, first, max, min, change',
        f"{f}: figures[1]: a figure derived from a series takes its source and as_of from the series; drop source and as_of",
        f'{f}: datasets[0].sha256: "abc" is not valid; expected the file\'s SHA-256 as 64 hexadecimal digits (sha256sum FILE)',
        f'{f}: series[0].every: "dy" is not supported; expected day, week or month',
        f'{f}: series[0].agg: "avg" is not supported; expected one of sum, mean, max, min, last',
        f"{f}: series[1]: every applies only to a series from a dataset; give data: DATASET-ID, or drop it and keep the points",
    ]


def test_dates_at_the_ends_of_the_calendar_are_drawn(facts_data, tmp_path) -> None:
    """The fault probe's files: a month total of December 9999, days of January in the year 1, events in
    0001-01 and 9999-12 and an as_of of 9999's last minute each ended in OverflowError or matplotlib's
    ValueError (a chart's margin past the years it can draw), no PDF."""
    table = "day,n\n0001-01-01,3\n0001-01-02,5\n0001-01-03,2\n9999-10-04,4\n9999-11-30,6\n9999-12-31,9\n"
    d = spec2(facts_data, tmp_path, table, every="day", between=["0001-01-01", "0001-01-03"])
    d["series"].append({"id": "late", "label": "Late arrivals", "unit": "people", "data": "tab", "date": "day",
                        "value": "n", "every": "month", "between": ["9999-10-01", "9999-12-31"]})
    d["as_of"] = "9999-12-31T23:59:00Z"
    d["events"] = [{"date": "0001-01", "label": "The first month", "source": "cnn"},
                   {"date": "9999-12", "label": "The last month", "source": "cnn"}]
    facts = parse_facts(d, tmp_path / "f.yaml", tmp_path)
    text = squash(pdf_text(build_brief(facts)))
    assert "Dated events, January 1 to December 9999" in text  # one timeline over the whole calendar
    assert "Arrivals. 3 totals per day, 1 January 1 to 3 January 1; first 3, highest 5" in text
    assert "Late arrivals. 3 totals per month, 1 October 9999 to 1 December 9999; first 4, highest 9" in text
    assert "Events marked: 1 = The last month (December 9999)" in text
    edition = publish(_facts_file(d, tmp_path), tmp_path / "out")
    assert edition.name == "99991231T2359Z" and edition.pdf_path.exists()


def _facts_file(d: dict[str, Any], folder: Path) -> Path:
    import yaml

    path = folder / "f.yaml"
    path.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_an_as_of_or_a_point_outside_the_years_1_to_9999_in_utc_is_refused_in_one_line(facts_data, tmp_path) -> None:
    f = tmp_path / "f.yaml"
    expected = "in UTC it falls outside the years 1 to 9999; expected a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"
    for as_of in ("9999-12-31T23:00:00-05:00", "0001-01-01T01:00:00+05:00"):
        facts_data["as_of"] = as_of
        assert refusal(facts_data, f) == f'{f}: as_of: "{as_of}": {expected}'
    facts_data["as_of"] = "2023-03-01"
    facts_data["spec"] = 2
    facts_data["series"] = [{"id": "s", "label": "Arrivals", "unit": "people",
                             "points": [{"date": "9999-12-31T23:00:00-05:00", "value": 1, "source": "cnn"}]}]
    assert refusal(facts_data, f) == f'{f}: series[0].points[0].date: "9999-12-31T23:00:00-05:00": {expected}'
