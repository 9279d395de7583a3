"""The state store's schema and its migrations, numbered: the tool creates and upgrades its own tables.

Why apart from ``briefing.state``: the schema is the one thing two versions of briefing sharing a
database must agree on, so it lives on a page of its own. A change to it is a new function appended
to ``MIGRATIONS``, never an edit of an old one; a database at a version newer than ``SCHEMA_VERSION``
is refused (``upgrade``), so an older host never writes rows it does not understand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import StateError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _tables() -> Any:
    """The tables of the current schema (SQLAlchemy Core), built when first needed: SQLAlchemy loads
    only for a run that reads or writes state."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, Text

    metadata = MetaData()
    Table("briefing_meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))
    Table("briefing_editions", metadata, Column("brief_id", String(200), primary_key=True),
          Column("number", Integer, primary_key=True), Column("entry", Text, nullable=False))
    Table("briefing_deliveries", metadata, Column("brief_id", String(200), primary_key=True),
          Column("edition", String(200), primary_key=True), Column("recipient_key", String(400), primary_key=True),
          Column("seq", Integer, nullable=False), Column("status", String(20), nullable=False),
          Column("entry", Text, nullable=False))
    Table("briefing_views", metadata, Column("brief_id", String(200), primary_key=True),
          Column("kind", String(20), primary_key=True), Column("sha256", String(64), primary_key=True))
    return metadata


_METADATA: Any = None


def tables() -> Any:
    """The schema's MetaData, made once per process."""
    global _METADATA
    if _METADATA is None:
        _METADATA = _tables()
    return _METADATA


def _migrate_1(conn: Connection) -> None:
    """Version 1: the meta table (the schema version), editions, deliveries and the known views."""
    tables().create_all(conn)


#: The schema's migrations, oldest first: ``MIGRATIONS[n - 1]`` takes a database from version n - 1 to n.
#: A change to the schema is a new function appended here, never an edit of an old one.
MIGRATIONS: tuple[Callable[["Connection"], None], ...] = (_migrate_1,)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    """The version of the schema in this database (0 for an empty one)."""
    from sqlalchemy import inspect, select

    if not inspect(conn).has_table("briefing_meta"):
        return 0
    meta = tables().tables["briefing_meta"]
    value = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return int(value) if value is not None else 0


def upgrade(conn: Connection, where: str) -> None:
    """Bring the schema to ``SCHEMA_VERSION`` in this transaction; StateError for a newer one."""
    from sqlalchemy import delete, insert, text

    if conn.dialect.name == "postgresql":  # two hosts starting at once: one migrates, the other waits
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("schema", "")})
    found = schema_version(conn)
    if found > SCHEMA_VERSION:
        raise StateError(f"{where}: the state database has schema version {found}, newer than this briefing knows "
                         f"({SCHEMA_VERSION}); upgrade briefing on this host, or give --state another database")
    if found == SCHEMA_VERSION:
        return
    for migration in MIGRATIONS[found:]:
        migration(conn)
    meta = tables().tables["briefing_meta"]
    conn.execute(delete(meta).where(meta.c.key == "schema_version"))
    conn.execute(insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))


def lock_key(kind: str, brief_id: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock."""
    digest = hashlib.sha256(f"briefing\0{kind}\0{brief_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
