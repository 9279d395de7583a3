"""The state store: editions and their manifest entries, the delivery ledger, and the per-brief locks.

Why one store behind one small interface: scheduled regeneration and mail run with nobody watching,
and one host is one point of failure. With the default, an embedded SQLite file ``OUT/briefing.db``,
a single host needs nothing new; with ``--state postgresql://...`` (or ``BRIEFING_STATE``) several
hosts running ``--every`` or ``--cron`` for the same briefs share one database, the way Airflow's HA
scheduler and Quartz's clustered job store do, rather than file locks on a shared folder (unreliable).

What the store guarantees, either back end:

* Each write is one transaction. An edition is committed by one transaction that replaces the brief's
  list of editions (after its PDF and facts snapshot are on disk); a delivery is recorded as
  ``sending`` by one transaction before the message's final "." and marked accepted by another, so a
  run killed, or a connection lost, between two writes leaves nothing half-recorded.
* The lock of a brief (while it is built) and its mail lock (while it is mailed): with SQLite the
  file locks of a single host (``OUT/<id>/.lock``, ``OUT/.<id>.deliveries.lock``); with PostgreSQL
  advisory locks (``pg_try_advisory_lock``), each held by a session of its own that also carries
  every read and write of that brief's state, so a host that dies (SIGKILL, a power cut) loses its
  claim with its session, the next tick of any host takes the brief over and finishes its list from
  the ledger, and a host whose session was ended under it can record nothing more.
* The files people and the live preview read stay as they were: ``OUT/<id>/manifest.json`` and
  ``OUT/<id>.deliveries.json`` are rewritten (atomically) after each commit, as *views* of the
  database. A view whose bytes the store did not write itself (an output folder of an older
  briefing, a restore from a backup, a hand fix) is taken in on its next use, checked as before, so
  nothing is lost, and the file is left in place. The PDFs stay files; the database holds their hashes.
* The schema is created and upgraded by the tool (``briefing.migrations``, numbered); a database of a newer
  schema than this briefing knows is refused in one line, before anything is built or sent.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import write_atomic
from .errors import BriefingError, BuildError, LockedError, MailError, StateError
from .migrations import SCHEMA_VERSION, lock_key, schema_version, tables, upgrade

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("briefing")

#: The environment variable that names the state database when ``--state`` is not given.
STATE_ENV = "BRIEFING_STATE"
DEFAULT_DB = "briefing.db"
MANIFEST_FORMAT = 1
LEDGER_VERSION = 1
#: How often a run that waits for a brief's PostgreSQL lock asks again (seconds).
LOCK_POLL = 0.1


# --------------------------------------------------------------------------------------------------
# Opening a store
# --------------------------------------------------------------------------------------------------

_ENGINES: dict[str, Engine] = {}
_READY: set[str] = set()


def _forget_engines() -> None:
    """A forked worker (``-j``) must not share its parent's connections: it opens its own."""
    _ENGINES.clear()


os.register_at_fork(after_in_child=_forget_engines)


def named_state(state: str | None) -> str | None:
    """The database the run was given: ``state`` (``--state``), else ``BRIEFING_STATE``; None for the default."""
    return state or os.environ.get(STATE_ENV, "").strip() or None


def read_view(path: Path, error: type[BriefingError]) -> bytes | None:
    """A view file's bytes (a manifest or a ledger), None when there is none; ``error``, one line,
    when it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None


def state_url(state: str | None, out_dir: Path) -> str:
    """The database a run uses: ``state`` (``--state``), else ``BRIEFING_STATE``, else ``OUT/briefing.db``."""
    return named_state(state) or f"sqlite:///{(Path(out_dir) / DEFAULT_DB).resolve()}"


def shown(url: str) -> str:
    """The URL as a message may show it: never the password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: say it as given, with nothing after "@" hidden
        return url.split("@")[-1]


def _named(url: str, from_env: bool | None = None) -> str:
    """How a message names the state database given by URL: the option or the variable, never the password."""
    if from_env is None:
        from_env = os.environ.get(STATE_ENV, "").strip() == url
    return f"{STATE_ENV}={shown(url)}" if from_env else f"--state {shown(url)}"


def _engine(url: str) -> Engine:
    """One engine per database per process: PostgreSQL through psycopg 3, SQLite with one writer at a time."""
    if url in _ENGINES:
        return _ENGINES[url]
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    backend = parsed.get_backend_name() if parsed is not None else ""
    if backend not in ("postgresql", "sqlite"):
        raise StateError(f"{_named(url)}: not a state database URL; give postgresql://USER:PASSWORD@HOST/DB "
                         f"(or sqlite:///PATH), or leave --state and {STATE_ENV} unset for OUT/{DEFAULT_DB}")
    try:
        if backend == "postgresql":
            engine = create_engine(parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True,
                                   connect_args={"connect_timeout": 10, "application_name": "briefing"})
        else:
            engine = create_engine(parsed, connect_args={"timeout": 60})

            @event.listens_for(engine, "connect")
            def _no_implicit_transactions(dbapi_connection: Any, record: Any) -> None:
                dbapi_connection.isolation_level = None  # the BEGIN below is ours, not the driver's

            @event.listens_for(engine, "begin")
            def _one_writer(conn: Any) -> None:  # a read-then-write transaction never sees another's half
                conn.exec_driver_sql("BEGIN IMMEDIATE")
    except (NoSuchModuleError, ImportError) as exc:
        raise StateError(f"{_named(url)}: no driver for it ({exc}); reinstall briefing with its dependencies") from None
    _ENGINES[url] = engine
    return engine


def describe_db_error(exc: BaseException) -> str:
    """The first line of what the database (or the driver) said, without SQLAlchemy's wrapping."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def _failure(where: str, detail: str, hint: str = "") -> StateError:
    """A StateError whose parts a caller can reword (the ledger names what it could not record)."""
    error = StateError(f"{where}: {detail}{'; ' + hint if hint else ''}")
    error.where, error.detail = where, detail  # type: ignore[attr-defined]
    return error


def open_store(state: str | None, out_dir: str | Path) -> Store:
    """The state store of a run, its schema checked (and created or upgraded) once per process.

    Raises StateError, one line, for a database that cannot be reached, refuses the login or the
    schema change, or has a newer schema than this briefing: before anything is built or sent.
    """
    out_dir = Path(out_dir)
    url = state_url(state, out_dir)
    default = named_state(state) is None
    db_path = out_dir / DEFAULT_DB if default else None
    label = str(out_dir / DEFAULT_DB) if default else _named(url, from_env=not state)
    if url not in _READY and db_path is not None and _quick_version(db_path) == SCHEMA_VERSION:
        _READY.add(url)  # the common case, an existing file at this version: no SQLAlchemy needed to read it
    if url not in _READY:
        from sqlalchemy.exc import SQLAlchemyError

        engine = _engine(url)
        try:
            if engine.dialect.name == "sqlite":
                out_dir.mkdir(parents=True, exist_ok=True)
            with engine.begin() as conn:
                upgrade(conn, label)
        except SQLAlchemyError as exc:
            hint = ("check the host, port, user, password and database in it, and that the user may create tables"
                    if engine.dialect.name == "postgresql" else "check that the output folder is writable and has free space")
            raise _failure(label, f"cannot use the state database ({describe_db_error(exc)})", hint) from None
        except OSError as exc:
            if default:  # the output folder cannot be written: said as for the brief's own files (exit 1)
                raise
            raise _failure(label, f"cannot create the state database ({exc.strerror or exc})") from None
        _READY.add(url)
    return Store(out_dir, url, label, db_path)


def _quick_version(db_path: Path) -> int | None:
    """The schema version of an existing SQLite state file, read with the standard library; None when
    there is no such file or it cannot be read so (SQLAlchemy then opens it, and says why)."""
    rows = _quick_query(db_path, [("SELECT value FROM briefing_meta WHERE key = 'schema_version'", ())])
    try:
        return int(rows[0][0][0]) if rows and rows[0] else None
    except (TypeError, ValueError):
        return None


def _quick_query(db_path: Path, queries: Sequence[tuple[str, tuple[Any, ...]]]) -> list[list[tuple[Any, ...]]] | None:
    """The rows of each query, run read-only in one transaction on the SQLite file by the standard
    library's sqlite3; None on any error.

    Why beside SQLAlchemy: most runs (a cron line, a repeated ``make report``) only read, and find
    nothing changed in about 0.2 s; importing SQLAlchemy would more than double that. Every write,
    and every read that may lead to one, goes through SQLAlchemy.
    """
    if not db_path.is_file():
        return None
    import sqlite3

    try:
        con = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True, timeout=60, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        con.execute("BEGIN")  # one snapshot for all the queries
        return [con.execute(sql, params).fetchall() for sql, params in queries]
    except (sqlite3.Error, ValueError):
        return None
    finally:
        con.close()


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------------


class Store:
    """Editions, deliveries and locks of the briefs published into one output folder."""

    def __init__(self, out_dir: Path, url: str, label: str, db_path: Path | None = None):
        self.out_dir = out_dir
        self.url = url
        self.label = label  # how messages name the database: its file, or --state URL without the password
        self.db_path = db_path  # the default SQLite file, which reads may open without SQLAlchemy
        self.shared = url.startswith("postgresql")
        self._claims: dict[tuple[str, str], Connection] = {}  # the sessions that hold this run's advisory locks

    @property
    def engine(self) -> Engine:
        return _engine(self.url)

    @property
    def _t(self) -> Any:
        return tables().tables

    def _tx(self, claim: tuple[str, str] | None = None) -> Any:
        """A transaction whose database errors become one StateError line (a connection lost mid-run:
        the transaction is rolled back, so nothing is half-recorded); on the session of ``claim``
        (kind, brief id) while this run holds it."""
        return _Transaction(self, self._claims.get(claim) if claim else None)

    # ---- locks -----------------------------------------------------------------------------------

    @contextmanager
    def brief_lock(self, brief_id: str, timeout: float, *, reading: bool = False) -> Iterator[bool]:
        """Hold the brief's lock while it is built; yields whether another run held it first.
        LockedError after ``timeout`` seconds.

        ``reading``: for a run that only reads, the file lock is not held in a folder it may not write
        (a read-only archive or mount: creating ``.lock`` would fail a rerun with nothing to do); the
        views are replaced atomically, so they are read as they are, and a write still fails in one line.
        """
        message = f"{brief_id}: another run holds the lock; skipped"
        if not self.shared:
            import filelock

            folder = self.out_dir / brief_id
            folder.mkdir(parents=True, exist_ok=True)
            lock = filelock.FileLock(folder / ".lock", timeout=timeout)
            waited = held = False
            try:
                lock.acquire(blocking=False)
                held = True
            except filelock.Timeout:  # (a TimeoutError, so an OSError: first)
                waited = True
                try:
                    lock.acquire()
                    held = True
                except filelock.Timeout:
                    raise LockedError(message) from None
            except OSError as exc:
                if not (reading and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)):
                    raise
            try:
                yield waited
            finally:
                if held:
                    lock.release()
            return
        with self._advisory("brief", brief_id, timeout, message) as waited:
            yield waited

    @contextmanager
    def mail_lock(self, brief_id: str) -> Iterator[None]:
        """Hold the brief's mail lock, so two runs (on any host) never mail it at once; LockedError if held."""
        if self.shared:
            with self._advisory("mail", brief_id, 0, f"{brief_id}: another run (on this or another host) is mailing "
                                "this brief right now; try again when it has finished"):
                yield
            return
        with _send_lock(self.out_dir / f".{brief_id}.deliveries.lock"):
            yield

    @contextmanager
    def _advisory(self, kind: str, brief_id: str, timeout: float, message: str) -> Iterator[bool]:
        """An advisory lock held by a session of its own until the block ends: the claim.

        Why its own session, closed after: the lock then lives exactly as long as this claim, and a
        process that dies takes its session, and so its claim, with it. Every read and write of the
        claimed brief's state goes through this same session (``_tx``), so once the session is lost
        (the server restarted, or ended it after a network partition) nothing more is recorded under
        a claim that another host may hold by now: the write fails, and this run stops there.
        """
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        key = lock_key(kind, brief_id)
        try:
            conn = self.engine.connect()
        except SQLAlchemyError as exc:
            raise _failure(self.label, f"cannot reach the state database ({describe_db_error(exc)})") from None
        try:
            deadline, waited = time.monotonic() + timeout, False
            try:
                while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                    conn.rollback()
                    waited = True
                    if time.monotonic() >= deadline:
                        raise LockedError(message)
                    time.sleep(LOCK_POLL)
                found = schema_version(conn)  # another host may have upgraded the schema since this one started
                conn.commit()  # the session's lock outlives this transaction; each write gets one of its own
            except SQLAlchemyError as exc:
                raise _failure(self.label, f"lost the state database ({describe_db_error(exc)})") from None
            if found > SCHEMA_VERSION:
                raise _failure(self.label, f"the state database has schema version {found}, newer than this briefing knows "
                               f"({SCHEMA_VERSION}) since another host upgraded it", "upgrade briefing on this host")
            self._claims[(kind, brief_id)] = conn
            try:
                yield waited
            finally:
                del self._claims[(kind, brief_id)]
        finally:
            conn.invalidate()  # the session ends here, and the lock with it, whatever happened
            conn.close()

    # ---- editions --------------------------------------------------------------------------------

    def editions(self, brief_id: str) -> list[dict[str, Any]]:
        """The published editions of a brief, oldest first (a manifest the store did not write is taken
        in first: BuildError, one line, if it is not one briefing wrote)."""
        quick = self._quick_rows(brief_id, "manifest")
        if quick is not None:
            return quick
        from sqlalchemy import select

        t = self._t["briefing_editions"]
        with self._tx(("brief", brief_id)) as conn:
            self._take_in(conn, brief_id, "manifest")
            rows = conn.execute(select(t.c.entry).where(t.c.brief_id == brief_id).order_by(t.c.number)).scalars().all()
        return [json.loads(row) for row in rows]

    def save_editions(self, brief_id: str, editions: Sequence[dict[str, Any]]) -> None:
        """Commit the brief's editions (the commit point of a publish) and rewrite its manifest view."""
        view = _json_bytes({"format": MANIFEST_FORMAT, "id": brief_id, "editions": list(editions)})
        path = self.out_dir / brief_id / "manifest.json"
        with self._view_with(("brief", brief_id), path, view) as conn:
            self._replace_editions(conn, brief_id, editions)
            self._know(conn, brief_id, "manifest", _sha256(view))

    def _replace_editions(self, conn: Connection, brief_id: str, editions: Sequence[dict[str, Any]]) -> None:
        from sqlalchemy import delete, insert

        t = self._t["briefing_editions"]
        conn.execute(delete(t).where(t.c.brief_id == brief_id))
        if editions:
            conn.execute(insert(t), [{"brief_id": brief_id, "number": i, "entry": json.dumps(e, ensure_ascii=False)}
                                     for i, e in enumerate(editions)])

    # ---- deliveries ------------------------------------------------------------------------------

    def ledger_path(self, brief_id: str) -> Path:
        return self.out_dir / f"{brief_id}.deliveries.json"

    def deliveries(self, brief_id: str) -> list[dict[str, str]]:
        """The brief's delivery ledger, in the order of sending (a ledger file the store did not write is
        taken in first: MailError, one line, if it is not readable)."""
        quick = self._quick_rows(brief_id, "ledger")
        if quick is not None:
            return quick
        from sqlalchemy import select

        t = self._t["briefing_deliveries"]
        with self._tx(("mail", brief_id)) as conn:
            self._take_in(conn, brief_id, "ledger")
            rows = conn.execute(select(t.c.entry).where(t.c.brief_id == brief_id).order_by(t.c.seq)).scalars().all()
        return [json.loads(row) for row in rows]

    def record_delivery(self, brief_id: str, entry: dict[str, str], entries: Sequence[dict[str, str]], *,
                        drop: bool = False) -> None:
        """Write one (edition, recipient) row, or ``drop`` it, in one transaction, and the ledger view
        (``_write_view`` says when). ``entries`` is the whole ledger after the change (the caller holds
        the mail lock, so it is the database's too)."""
        from sqlalchemy import delete, func, insert, select

        t = self._t["briefing_deliveries"]
        view = _json_bytes({"version": LEDGER_VERSION, "deliveries": list(entries)})
        key = (t.c.brief_id == brief_id) & (t.c.edition == entry["edition"]) & (t.c.recipient_key == entry["recipient"].lower())
        with self._view_with(("mail", brief_id), self.ledger_path(brief_id), view, 0o600) as conn:
            seq = conn.execute(select(t.c.seq).where(key)).scalar()
            conn.execute(delete(t).where(key))
            if not drop:
                if seq is None:
                    seq = 1 + (conn.execute(select(func.max(t.c.seq)).where(t.c.brief_id == brief_id)).scalar() or 0)
                conn.execute(insert(t).values(brief_id=brief_id, edition=entry["edition"], recipient_key=entry["recipient"].lower(),
                                              seq=seq, status=entry.get("status", "accepted"),
                                              entry=json.dumps(entry, ensure_ascii=False)))
            self._know(conn, brief_id, "ledger", _sha256(view))

    @contextmanager
    def _view_with(self, claim: tuple[str, str], path: Path, view: bytes, mode: int | None = None) -> Iterator[Connection]:
        """A transaction of the brief's state that rewrites its view file ``path`` as ``view``.

        On one host (SQLite) the views are the person's handle on the state, as the files were before
        the database, so they never say what the database does not: the view is written inside the
        transaction, just before the commit; a view that cannot be written (OSError) rolls the step
        back (a send stops before its "." with nothing recorded), and a commit that fails after it puts
        the previous view back. With a shared database the view follows the commit, and a failure to
        write it is a warning: the database has the change, and the next commit writes the view again.
        """
        if self.shared:
            with self._tx(claim) as conn:
                yield conn
            try:
                write_atomic(path, view, mode=mode)
            except OSError as exc:
                log.warning("%s: not brought up to date (%s); the state database has every change", path, exc.strerror or exc)
            return
        try:
            before: bytes | None = path.read_bytes()
        except FileNotFoundError:
            before = None
        written = False
        try:
            with self._tx() as conn:
                yield conn
                write_atomic(path, view, mode=mode)
                written = True
        except StateError:
            if written:  # the commit failed: the view goes back to what the database still says
                try:
                    write_atomic(path, before, mode=mode) if before is not None else path.unlink(missing_ok=True)
                except OSError as exc:
                    log.error("%s: says more than the state database (%s); restore it from %s", path, exc.strerror or exc, self.label)
            raise

    def _replace_deliveries(self, conn: Connection, brief_id: str, entries: Sequence[dict[str, str]]) -> None:
        from sqlalchemy import delete, insert

        t = self._t["briefing_deliveries"]
        conn.execute(delete(t).where(t.c.brief_id == brief_id))
        latest = {(e["edition"], e["recipient"].lower()): e for e in entries}  # one row per pair: the last says
        if latest:
            conn.execute(insert(t), [{"brief_id": brief_id, "edition": k[0], "recipient_key": k[1], "seq": i,
                                      "status": e.get("status", "accepted"), "entry": json.dumps(e, ensure_ascii=False)}
                                     for i, (k, e) in enumerate(latest.items())])

    # ---- views -----------------------------------------------------------------------------------

    def _view_path(self, brief_id: str, kind: str) -> Path:
        return self.out_dir / brief_id / "manifest.json" if kind == "manifest" else self.ledger_path(brief_id)

    def _quick_rows(self, brief_id: str, kind: str) -> list[dict[str, Any]] | None:
        """The rows of ``kind``, read from the default SQLite file without SQLAlchemy, when its view is
        absent or one the store wrote; None otherwise (then the view is taken in, through SQLAlchemy)."""
        if self.db_path is None:
            return None
        try:
            view = self._view_path(brief_id, kind).read_bytes()
        except FileNotFoundError:
            view = None
        except OSError:
            return None
        table, order = ("briefing_editions", "number") if kind == "manifest" else ("briefing_deliveries", "seq")
        known = ("SELECT 1 FROM briefing_views WHERE brief_id = ? AND kind = ? AND sha256 = ?",
                 (brief_id, kind, _sha256(view) if view is not None else ""))
        found = _quick_query(self.db_path, [known, (f"SELECT entry FROM {table} WHERE brief_id = ? ORDER BY {order}", (brief_id,))])
        if found is None or (view is not None and not found[0]) or (view is None and found[1]):
            return None  # a view to take in, or one removed (``_take_in``)
        return [json.loads(row[0]) for row in found[1]]

    def _take_in(self, conn: Connection, brief_id: str, kind: str) -> None:
        """Import the brief's view file of ``kind`` if the store never wrote (or took in) these bytes."""
        path = self._view_path(brief_id, kind)
        data = read_view(path, BuildError if kind == "manifest" else MailError)
        if data is None:
            if not self.shared:  # one host: a view removed by a person starts that brief's editions or ledger over
                (self._replace_editions if kind == "manifest" else self._replace_deliveries)(conn, brief_id, [])
            return
        sha = _sha256(data)
        if self._known(conn, brief_id, kind, sha):
            return
        if kind == "manifest":
            self._replace_editions(conn, brief_id, parse_manifest(path, data, brief_id))
        else:
            self._replace_deliveries(conn, brief_id, parse_ledger(path, data))
        self._know(conn, brief_id, kind, sha)
        log.debug("%s: taken into the state database (the file stays as it is)", path)

    def _known(self, conn: Connection, brief_id: str, kind: str, sha: str) -> bool:
        from sqlalchemy import select

        v = self._t["briefing_views"]
        return conn.execute(select(v.c.sha256).where((v.c.brief_id == brief_id) & (v.c.kind == kind) & (v.c.sha256 == sha))).first() is not None

    def _know(self, conn: Connection, brief_id: str, kind: str, sha: str) -> None:
        """Remember bytes of a view the store wrote or took in: a folder that holds them is up to date or
        merely behind (another host's folder), never an edit to take in."""
        from sqlalchemy import insert

        if not self._known(conn, brief_id, kind, sha):
            conn.execute(insert(self._t["briefing_views"]).values(brief_id=brief_id, kind=kind, sha256=sha))


class _Transaction:
    """``with store._tx() as conn``: commit on success, roll back on any error; database errors as StateError."""

    def __init__(self, store: Store, claim: Connection | None):
        self.store = store
        self.claim = claim
        self._cm: Any = None

    def __enter__(self) -> Connection:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            if self.claim is not None:  # the claim's own session: no other connection can stand in for it
                self._cm = self.claim.begin()
                self._cm.__enter__()
                return self.claim
            self._cm = self.store.engine.begin()
            return self._cm.__enter__()
        except SQLAlchemyError as exc:
            raise _failure(self.store.label, f"cannot reach the state database ({describe_db_error(exc)})") from None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            self._cm.__exit__(kind, exc, tb)
        except SQLAlchemyError as error:
            raise _failure(self.store.label, f"the state database failed ({describe_db_error(error)})",
                           "nothing of this step was recorded") from None
        if isinstance(exc, SQLAlchemyError):  # raised inside the block: rolled back above
            raise _failure(self.store.label, f"the state database failed ({describe_db_error(exc)})",
                           "nothing of this step was recorded") from None
        return False


@contextmanager
def _send_lock(path: Path) -> Iterator[None]:
    """Hold ``path`` exclusively, so two runs on one host never mail the same brief at once (and so twice)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_NOFOLLOW: a symbolic link planted here must not make us create or lock another file
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise MailError(f"{path}: is a symbolic link; the mail lock must be a plain file - remove the link") from None
        raise
    with os.fdopen(fd, "r+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"{path}: another run is mailing this brief right now; try again when it has finished") from None
        yield


# --------------------------------------------------------------------------------------------------
# The view files, as earlier versions of briefing wrote them
# --------------------------------------------------------------------------------------------------

_ENTRY_KEYS = {"number": int, "name": str, "as_of": str, "revision": int, "fingerprint": str, "file": str,
               "facts": str, "pdf_sha256": str, "pages": int}


def parse_manifest(path: Path, data: bytes, brief_id: str) -> list[dict[str, Any]]:
    """The editions in a manifest file, oldest first; BuildError (one line) if it is not one we wrote."""

    def bad(why: str) -> BuildError:
        return BuildError(f"{path}: {why}; fix that entry, or move {path.parent} aside (such as mv {path.parent} "
                          f"{path.parent}.old) and run make_report.py on the facts file again to start a new series of editions")

    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad(f"cannot be read as JSON ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("editions"), list):
        raise bad('is not an edition manifest (expected an object with an "editions" list)')
    if manifest.get("id") != brief_id:
        raise bad(f'belongs to brief "{manifest.get("id")}", not "{brief_id}"')
    for i, entry in enumerate(manifest["editions"]):
        for key, kind in _ENTRY_KEYS.items():
            if not isinstance(entry, dict) or not isinstance(entry.get(key), kind):
                raise bad(f'editions[{i}].{key} is missing or not a {kind.__name__}')
        papers = entry.get("papers") if isinstance(entry.get("papers"), dict) else {}
        for key, name in [("file", entry["file"]), ("facts", entry["facts"]),
                          *((f"papers.{p}.file", v.get("file") if isinstance(v, dict) else None) for p, v in papers.items())]:
            if not isinstance(name, str) or name in ("", ".", "..") or Path(name).name != name or "\\" in name or "\0" in name:
                raise bad(f'editions[{i}].{key} "{name}" is not the name of a file in {path.parent} (entries never point elsewhere)')
    return manifest["editions"]


def parse_ledger(path: Path, data: bytes) -> list[dict[str, str]]:
    """The entries of a delivery ledger file; MailError (one line) if it is not readable."""
    try:
        entries = json.loads(data.decode("utf-8"))["deliveries"]
        if not all(isinstance(e, dict) and isinstance(e.get("edition"), str) and isinstance(e.get("recipient"), str) for e in entries):
            raise ValueError("an entry lacks edition or recipient")
    except (ValueError, KeyError, TypeError) as exc:
        raise MailError(f"{path}: not a readable delivery ledger ({exc}); restore it, or delete it to let every "
                        "recipient get the current edition again") from None
    return entries
