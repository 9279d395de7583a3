"""Stage 1b: read the tables a brief draws on and turn them into series points and derived figures.

Why a stage of its own: numbers typed by hand drift from the tables they came from. A spec 2 facts
file names its tables (``datasets``), says which numbers over time it needs (``series``: a date and
a value column, filtered, resampled by day, week or month, aggregated) and derives key figures from
them (``figures[].from``). This module does that with pandas, which is imported only here, so a
brief without data never pays for it.

The result is the same frozen ``Facts`` with the gaps filled in: each dataset series carries its
``points`` (each citing the dataset), each derived figure its ``value`` and ``as_of`` (the series'
last date), each dataset its actual ``sha256``. Every later stage - charts, the PDF, the changes
between editions - reads those, never a table.

A bad table is one line per problem (``FactsError``), never a traceback. Rows are counted as a
spreadsheet shows them: the header is row 1, so the first data row of a CSV, TSV or XLSX file is
row 2; JSON and Parquet files have no header row and count records from 1. Empty cells are left
out; any other value that is not a number or an ISO 8601 date is an error.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import FactsError, Problem
from .facts import Dataset, Facts, KeyFigure, Point, Series, moment
from .files import source_file

#: A dataset file larger than this is refused before it is read (a table of a few million rows fits).
MAX_DATA_BYTES = 200 * 1024 * 1024
#: What an .xlsx file (a zip) may unpack to, all its members together: the limit above is on the
#: packed file, and 3 MB of zip can hold gigabytes of whitespace that openpyxl would read through.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: A series with more points than this cannot be drawn legibly: resample it (``every``).
MAX_POINTS = 5000
#: ``value: count`` counts the selected rows instead of reading a column.
COUNT = "count"
READERS = {".csv": "CSV", ".tsv": "TSV", ".xlsx": "XLSX", ".json": "JSON", ".parquet": "Parquet"}
_RULES = {"day": "D", "week": "W-MON", "month": "MS"}  # periods labelled by their first day
_PERIODS = {"day": "D", "week": "W-SUN", "month": "M"}


class _Refused(Exception):
    """One problem with one table; collected into the FactsError."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


#: Tables resolved in this process, by what they were resolved from (see ``resolve_data``); a few only.
_RESOLVED: dict[tuple[Any, ...], tuple[tuple[Dataset, ...], tuple[Series, ...], dict[str, dt.date]]] = {}
_RESOLVED_MAX = 8


def resolve_data(facts: Facts, file: str, base: Path) -> Facts:
    """Read every dataset, fill in the series' points and derived figures; FactsError lists every problem.

    A brief is validated again at every tick of ``--every`` and every save in the preview (and twice in
    a run that waited for its lock): the result is kept per process while the dataset files keep their size and mtime
    and the datasets and series say the same, so a million-row table is read once, not each time.
    """
    key = (str(base.resolve()), _stat_keys(facts, base),
           tuple(d.model_dump_json() for d in facts.datasets), tuple(s.model_dump_json() for s in facts.series))
    if key not in _RESOLVED:
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.pop(next(iter(_RESOLVED)))
        _RESOLVED[key] = _resolve(facts, file, base)
    datasets, series, last_dates = _RESOLVED[key]
    by_id = {s.id: s for s in series}
    figures = tuple(_derive(f, by_id[f.from_.series], last_dates.get(f.from_.series)) if f.from_ is not None else f
                    for f in facts.figures)
    return facts.model_copy(update={"datasets": datasets, "series": series, "figures": figures})


def _stat_keys(facts: Facts, base: Path) -> tuple[Any, ...]:
    keys = []
    for ds in facts.datasets:
        try:
            st = (base / ds.file).stat()
            keys.append((ds.file, st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            keys.append((ds.file, None))
    return tuple(keys)


def _resolve(facts: Facts, file: str, base: Path) -> tuple[tuple[Dataset, ...], tuple[Series, ...], dict[str, dt.date]]:
    problems: list[Problem] = []
    tables: dict[str, _Table] = {}
    datasets = []
    for i, ds in enumerate(facts.datasets):
        columns = _columns_needed(facts, ds.id)
        try:
            table = _read(ds, i, columns, file, base)
        except _Refused as exc:
            problems.append(exc.problem)
            datasets.append(ds)
            continue
        tables[ds.id] = table
        datasets.append(ds.model_copy(update={"sha256": table.sha256}))
    series = []
    last_dates: dict[str, dt.date] = {}  # the last date a series' data gives (a period's start is not it)
    for i, s in enumerate(facts.series):
        if s.data is None:
            points: tuple[Point, ...] | None = tuple(sorted(s.points, key=lambda p: moment(p.date)))
        elif s.data in tables:
            try:
                points, last_dates[s.id] = _points(s, i, tables[s.data], file)
            except _Refused as exc:
                problems.append(exc.problem)
                points = None
        else:
            points = None  # its dataset could not be read: already reported
        if points and len(points) > MAX_POINTS:
            problems.append(Problem(file, f"series[{i}]", f"has {len(points):,} points; at most {MAX_POINTS:,} can be drawn legibly; resample it with every: day, week or month"))
        series.append(s.model_copy(update={"points": points}) if points else s)
    if problems:
        raise FactsError(list(dict.fromkeys(problems)))  # series sharing a bad table report it once
    return tuple(datasets), tuple(series), last_dates


def _columns_needed(facts: Facts, dataset_id: str) -> list[str]:
    cols: list[str] = []
    for s in facts.series:
        if s.data == dataset_id:
            cols += [c for c in (s.date, s.value) if c and c != COUNT] + list(s.filter or {})
    return list(dict.fromkeys(cols))


@dataclass(frozen=True)
class _Table:
    """The columns of a dataset that its series use, as read (text, or the types a JSON/Parquet file has).

    ``columns`` are all the file's columns (to name them when a series asks for one it lacks);
    ``header_rows`` is 1 where the file has a header row, so messages count rows as a spreadsheet does.
    """

    frame: pd.DataFrame
    columns: list[str]
    name: str
    header_rows: int
    sha256: str

    def row(self, index: int) -> str:
        return f"row {index + 1 + self.header_rows}" if self.header_rows else f"record {index + 1}"


def _read(ds: Dataset, i: int, columns: list[str], file: str, base: Path) -> _Table:
    path = base / ds.file
    field = f"datasets[{i}].file"
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise _Refused(Problem(file, field, f'"{ds.file}" is not a table this tool reads; expected a .csv, .tsv, .xlsx, .json (records) or .parquet file'))
    try:  # confined like the local copies of sources: no absolute path, ``..`` or link out of the folder
        target = source_file(base, ds.file, file, field, limit=MAX_DATA_BYTES,
                             kind=("dataset files", "a dataset file", f"a {kind} file"))
    except FactsError as exc:
        raise _Refused(exc.problems[0]) from None
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise _Refused(Problem(file, field, f'"{ds.file}" cannot be read ({exc.strerror}); check its permissions')) from None
    digest = hashlib.sha256(data).hexdigest()
    if ds.sha256 is not None and ds.sha256 != digest:
        raise _Refused(Problem(file, f"datasets[{i}].sha256", f'"{ds.file}" has SHA-256 {digest}, not the pinned {ds.sha256}; the file changed: check it, then update sha256'))
    buf = io.BytesIO(data)
    del data
    if kind == "XLSX":
        _check_unpacked(buf, ds.file, file, field)
    try:
        if kind in ("CSV", "TSV"):
            sep = "," if kind == "CSV" else "\t"
            header = [str(c) for c in pd.read_csv(buf, sep=sep, nrows=0).columns]
            buf.seek(0)
            frame = pd.read_csv(buf, sep=sep, usecols=[c for c in columns if c in header], dtype=str,
                                keep_default_na=False, na_values=[""])
        elif kind == "XLSX":
            frame = pd.read_excel(buf, dtype=str, engine="openpyxl")
        elif kind == "JSON":
            frame = pd.read_json(buf, orient="records", dtype=False)
        else:
            frame = pd.read_parquet(buf)
    except Exception as exc:  # noqa: BLE001 - any reader failure is one line about this file
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise _Refused(Problem(file, field, f'"{ds.file}" cannot be read as {kind} ({reason}); check the file')) from None
    if kind not in ("CSV", "TSV"):  # these readers cannot pick columns by name: keep the ones used
        header = [str(c) for c in frame.columns]
        frame.columns = header
        frame = frame[[c for c in columns if c in header]]
    return _Table(frame, header, str(path), 1 if kind in ("CSV", "TSV", "XLSX") else 0, digest)


def _check_unpacked(buf: io.BytesIO, name: str, file: str, field: str) -> None:
    """Refuse a zip whose members' sizes add up past ``MAX_UNPACKED_BYTES``, read from its directory
    before anything is unpacked (zipfile stops each member at its stated size, so the sizes hold).
    Not a zip at all: left to the reader, whose error names the file."""
    import zipfile

    try:
        with zipfile.ZipFile(buf) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        unpacked = 0
    finally:
        buf.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _Refused(Problem(file, field, f'"{name}" unpacks to {unpacked:,} bytes; an .xlsx dataset may unpack to at '
                                            f'most {MAX_UNPACKED_BYTES:,} bytes (save it as CSV, or remove the empty rows)'))


def _check_columns(s: Series, i: int, table: _Table, file: str) -> None:
    """Every column the series names exists; else name the columns that do."""
    named = [("date", s.date)] + ([] if s.value == COUNT else [("value", s.value)])
    named += [(f"filter.{c}", c) for c in s.filter or {}]
    for key, column in named:
        if column not in table.columns:
            have = table.columns
            shown = ", ".join(have[:30]) + (f" and {len(have) - 30} more" if len(have) > 30 else "")
            raise _Refused(Problem(file, f"series[{i}].{key}", f'column "{column}" is not in {_base(table)}; its columns are: {shown or "(none)"}'))


def _points(s: Series, i: int, table: _Table, file: str) -> tuple[tuple[Point, ...], dt.date]:
    """The series' points from its table, and the last date among the rows it selected."""
    _check_columns(s, i, table, file)
    frame = table.frame
    for column, wanted in (s.filter or {}).items():
        values = wanted if isinstance(wanted, tuple) else (wanted,)
        texts = [_as_text(v) for v in values]
        distinct = frame[column].dropna().unique()  # compare each distinct value once, not each row
        keep = frame[column].isin([v for v in distinct if _as_text(v) in texts])
        if not keep.any():
            seen = sorted({_as_text(v) for v in distinct[:1000]})
            shown = ", ".join(seen[:12]) + (" ..." if len(seen) > 12 else "")
            raise _Refused(Problem(file, f"series[{i}].filter.{column}", f'no rows of {_base(table)} have {column} = {" or ".join(texts)}; values there include: {shown or "(none)"}'))
        frame = frame[keep]
    stamps = _parse_dates(frame[s.date], s.date, table)  # type: ignore[index]
    if s.value == COUNT:
        values = pd.Series(1, index=frame.index, dtype="int64")
    else:
        values = _parse_numbers(frame[s.value], s.value, table)  # type: ignore[index]
    keep = stamps.notna() & values.notna()
    stamps, values = stamps[keep], values[keep]
    if s.between is not None:
        lo, hi = s.between
        inside = (stamps >= pd.Timestamp(lo)) & (stamps < pd.Timestamp(hi) + pd.Timedelta(days=1))
        if not inside.any():
            span = f"they run from {_day(stamps.min())} to {_day(stamps.max())}" if len(stamps) else "there are none"
            raise _Refused(Problem(file, f"series[{i}].between", f"no dated rows of {_base(table)} fall between {lo} and {hi}; {span}"))
        stamps, values = stamps[inside], values[inside]
    if not len(stamps):
        raise _Refused(Problem(file, f"series[{i}]", f"no rows of {_base(table)} with both a date and a value are selected; check filter and the columns"))
    # Stable: rows of one time keep their file order, so `agg: last` means the last row given.
    series = pd.Series(values.to_numpy(), index=pd.DatetimeIndex(stamps.to_numpy())).sort_index(kind="stable")
    agg = "sum" if s.value == COUNT else s.agg
    if s.every is not None:
        grouped = series.resample(_RULES[s.every], label="left", closed="left")
    else:
        grouped = series.groupby(level=0)
    result = getattr(grouped, agg)()
    if agg != "sum":
        result = result.dropna()
    elif s.every is not None and s.between is not None:
        # Periods of the range asked for that have no rows total zero: "no deaths on 4 May" is data too.
        first = pd.Timestamp(s.between[0]).to_period(_PERIODS[s.every]).start_time
        full = pd.date_range(first, pd.Timestamp(s.between[1]), freq=_RULES[s.every])
        result = result.reindex(result.index.union(full), fill_value=0)
    points = tuple(Point.model_construct(date=_date_or_time(ts), value=_plain(v), source=s.data) for ts, v in result.items())
    return points, series.index.max().date()


def _base(table: _Table) -> str:
    return Path(table.name).name


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _parse_dates(column: pd.Series, name: str, table: _Table) -> pd.Series:
    present = column.notna() & (column.astype(str).str.strip() != "")
    stamps = pd.to_datetime(column.where(present), errors="coerce", format="ISO8601", utc=True)
    bad = present & stamps.isna()
    if bad.any():
        at = bad.idxmax()
        raise _Refused(Problem(table.name, f"{table.row(int(at))}, column {name}",
                               f'"{column[at]}" is not a date; expected an ISO 8601 date such as 2024-03-01 or 2024-03-01T06:00Z'))
    years = stamps.dt.year
    outside = present & ((years < 1) | (years > 9999))  # pandas reads year 0; a chart or a date cannot hold it
    if outside.any():
        at = outside.idxmax()
        raise _Refused(Problem(table.name, f"{table.row(int(at))}, column {name}",
                               f'"{column[at]}" falls outside the years 1 to 9999 (in UTC); expected a date from 0001-01-01 to 9999-12-31'))
    return stamps.dt.tz_localize(None)


def _parse_numbers(column: pd.Series, name: str, table: _Table) -> pd.Series:
    present = column.notna() & (column.astype(str).str.strip() != "")
    numbers = pd.to_numeric(column.where(present), errors="coerce")
    bad = present & ~(numbers.abs() < 1e15)  # NaN (not a number), infinities and absurd sizes
    if bad.any():
        at = bad.idxmax()
        raise _Refused(Problem(table.name, f"{table.row(int(at))}, column {name}",
                               f'"{column[at]}" is not a number; expected a number such as 1250 or 12.5 (no units, no thousands separators)'))
    return numbers


def _date_or_time(ts: pd.Timestamp) -> dt.date | dt.datetime:
    py = ts.to_pydatetime()
    return py.date() if py.time() == dt.time(0) else py


def _day(ts: pd.Timestamp) -> str:
    return ts.date().isoformat()  # the year in four digits (strftime writes the year 1 as "1")


def _plain(value: Any) -> int | float:
    """A numpy number as a plain Python number; whole floats as ints (counts print without decimals)."""
    v = float(value)
    return int(v) if v.is_integer() and abs(v) < 1e15 else v


def _period_last_day(start: dt.date, every: str | None) -> dt.date:
    """The last day of the period a resampled point starts (the day itself for a day or no period)."""
    try:
        if every == "week":
            return start + dt.timedelta(days=6)
        if every == "month":
            return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    except OverflowError:  # a week that would end after 9999
        return dt.date.max
    return start


def statistic(points: tuple[Point, ...], stat: str) -> int | float:
    """``stat`` of a series' values: total, latest, first, max, min, or change (latest minus first)."""
    values = [p.value for p in points]
    result = {
        "total": lambda: math.fsum(values),
        "latest": lambda: values[-1],
        "first": lambda: values[0],
        "max": lambda: max(values),
        "min": lambda: min(values),
        "change": lambda: values[-1] - values[0],
    }[stat]()
    return _plain(round(result, 9))


def _derive(figure: KeyFigure, series: Series, last_date: dt.date | None) -> KeyFigure:
    """A derived figure gets its value from the series, and its as-of date from the series' last date,
    or for a highest, lowest or first value from the point that has it.

    For a resampled series the last date is the last in the rows it drew on, not the start of the last
    period (a month's total of rows up to 24 November is as of 24 November, not 1 November). "Fewest
    flights in a day" is dated by the day of the low (17 April), not the series' last day (22 April):
    a period's point by the period's last day, no later than the data.
    """
    last = series.points[-1].date
    as_of = last_date or (last.date() if isinstance(last, dt.datetime) else last)
    stat = figure.from_.stat  # type: ignore[union-attr]
    if stat in ("max", "min", "first"):
        values = [p.value for p in series.points]
        at = series.points[0 if stat == "first" else values.index(max(values) if stat == "max" else min(values))].date
        as_of = min(as_of, _period_last_day(at.date() if isinstance(at, dt.datetime) else at, series.every))
    return figure.model_copy(update={"value": statistic(series.points, figure.from_.stat), "as_of": as_of})  # type: ignore[union-attr]
