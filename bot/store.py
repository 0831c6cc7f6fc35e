"""The state database: SQLite (WAL) by default, PostgreSQL when the URL says so.

One schema for both, on SQLAlchemy Core. The schema carries a version; at
start the version is checked and missing migrations are applied in order, and
a database newer than this postbot is refused rather than misread.

Statements that differ by dialect are built here: an insert that does
nothing on conflict (``INSERT ... ON CONFLICT DO NOTHING`` in both), and a
claim that locks with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite
serialises writers, so the clause is simply not rendered there).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError

from bot.errors import StoreError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
MIGRATION_LOCK = 0x706F7374  # the advisory lock key migrations take on PostgreSQL ("post")
metadata = MetaData()

version_table = Table("postbot_schema", metadata, Column("version", Integer, nullable=False))

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule", String(200), nullable=False),
    Column("slot", String(40), nullable=False),  # the slot's UTC instant, ISO 8601: its identity
    Column("account", String(200), nullable=False),
    Column("article_id", String(64), nullable=False),
    Column("article_key", String(200), nullable=False),  # what "posted at most once" is keyed on
    Column("content_hash", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("plan", Text, nullable=True),  # the composed PostPlan, JSON; null when composing failed
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("due_at", Float, nullable=False),  # epoch seconds: not to be sent before
    Column("last_error", Text, nullable=True),
    Column(
        "progress", Text, nullable=False, default="{}"
    ),  # JSON: per-segment material and receipts
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_until", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("schedule", "slot", "account", name="outbox_one_row_per_slot"),
    UniqueConstraint("schedule", "account", "article_key", name="outbox_article_once"),
)
Index("outbox_claimable", outbox.c.status, outbox.c.due_at)

source_state = Table(
    "source_state",
    metadata,
    Column("source", String(500), primary_key=True),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("updated_at", Float, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("source", String(500), primary_key=True),
    Column("article_id", String(64), primary_key=True),
    Column("content_hash", String(32), nullable=False),
    Column("data", Text, nullable=False),  # the Article as JSON
    Column("published", Float, nullable=True),
    Column("first_seen", Float, nullable=False),
)


# One row per daemon that ever ran against this database, kept fresh while it
# runs: it tells a slot that went by while no daemon was running (missed) from
# one that waits behind others (late), and shows who is running.
daemons = Table(
    "daemons",
    metadata,
    Column("owner", String(200), primary_key=True),  # host:pid:start, as in outbox.claimed_by
    Column("started_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("stopped_at", Float, nullable=True),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[outbox, source_state, articles])


def _v2(conn: Connection) -> None:
    metadata.create_all(conn, tables=[daemons])


# Named, ordered migrations: version n is reached by running MIGRATIONS[n - 1].
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2]


class Store:
    """An engine plus what postbot needs to know about its dialect."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def insert_ignoring_conflicts(self, table: Table) -> Any:
        """``INSERT ... ON CONFLICT DO NOTHING`` for this dialect."""
        if self.is_postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).on_conflict_do_nothing()
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()

    def upsert(self, table: Table, keys: list[str], values: dict[str, Any]) -> Any:
        """``INSERT ... ON CONFLICT (keys) DO UPDATE`` for this dialect."""
        updates = {k: v for k, v in values.items() if k not in keys}
        if self.is_postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return (
                pg_insert(table)
                .values(**values)
                .on_conflict_do_update(index_elements=keys, set_=updates)
            )
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return (
            sqlite_insert(table)
            .values(**values)
            .on_conflict_do_update(index_elements=keys, set_=updates)
        )

    def migrate(self) -> None:
        """Bring the schema to SCHEMA_VERSION, or refuse a newer one.

        Several daemons may start at once against a new database. On
        PostgreSQL an advisory lock lets one migrate while the others wait;
        on SQLite (and as a second line) a migration that lost a race is
        simply tried again, and then finds the work done.
        """
        for attempt in range(5):
            try:
                self._migrate_once()
                return
            except (IntegrityError, ProgrammingError) as exc:  # what a lost race looks like
                if attempt == 4:
                    raise StoreError(f"cannot use the state database: {_short(exc)}") from exc
                time.sleep(0.2 * (attempt + 1))
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot use the state database: {_short(exc)}") from exc

    def _migrate_once(self) -> None:
        with self.engine.connect() as plain:
            conn = plain.execution_options(immediate=True)
            with conn.begin():
                self._migrate_in(conn)

    def _migrate_in(self, conn: Connection) -> None:
        if self.is_postgres:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        metadata.create_all(conn, tables=[version_table])
        current = conn.execute(select(version_table.c.version)).scalar()
        if current is None:
            current = 0
            conn.execute(version_table.insert().values(version=0))
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"the database schema is version {current}, newer than this postbot "
                f"understands ({SCHEMA_VERSION}); upgrade postbot"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            log.info("migrating the state database to schema version %d", version)
            MIGRATIONS[version - 1](conn)
            conn.execute(version_table.update().values(version=version))

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reads; a database failure becomes ``StoreError``.

        The daemon treats ``StoreError`` as "the database is away for a
        moment" and tries again later, so every failure of the database must
        arrive as one, not as a driver's own exception.
        """
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot use the state database: {_short(exc)}") from exc

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction of its own; a database failure becomes ``StoreError``."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write to the state database: {_short(exc)}") from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300]


def open_store(url: str, migrate: bool = True) -> Store:
    """A ``Store`` for ``url``; SQLite files get WAL mode and a busy timeout."""
    try:
        if url.startswith("sqlite"):
            engine = _sqlite_engine(url)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(
            f"cannot open the state database {_redact_url(url)}: {_short(exc)}"
        ) from exc
    store = Store(engine)
    if migrate:
        try:
            store.migrate()
        except StoreError:
            store.dispose()
            raise
    return store


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Real transactions: the driver's own (legacy) transaction handling
        # leaves DDL and reads outside them; SQLAlchemy emits BEGIN instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # ``immediate``: take the write lock at once (a read-then-write
        # transaction, like a migration, that must not interleave with another).
        immediate = conn.get_execution_options().get("immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL mode (persistent, so usually already done).

    SQLite answers the switch with "database is locked" at once, without
    waiting on the busy timeout, while another connection has the file
    open; several daemons starting together on a new file hit that. So the
    switch is tried again for as long as the busy timeout would have waited.
    """
    deadline = time.monotonic() + 30
    delay = 0.01
    while True:
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _redact_url(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for a message
        return url.split("@")[-1]


def copy_state(source_url: str, target: Store) -> int:
    """Copy the rows of the state database at ``source_url`` into ``target``.

    A dry run works on a throwaway copy of the real state, so it picks the
    articles a real run would pick next and catches up what a real run
    would, without writing to the real database. Tables are matched by name
    and columns by name, so an older schema copies too. Returns the rows
    copied; a database that does not exist yet copies nothing.
    """
    if source_url.startswith("sqlite"):
        path = source_url.split("///", 1)[1] if "///" in source_url else ""
        if not path or path == ":memory:" or not Path(path).exists():
            return 0
    from sqlalchemy import inspect

    source = open_store(source_url, migrate=False)
    copied = 0
    try:
        with source.engine.connect() as src, target.engine.begin() as dst:
            present = set(inspect(src).get_table_names())
            for table in (outbox, source_state, articles, daemons):
                if table.name not in present:
                    continue
                columns = {c["name"] for c in inspect(src).get_columns(table.name)}
                wanted = [c for c in table.c if c.name in columns]
                rows = [dict(r._mapping) for r in src.execute(select(*wanted))]
                if rows:
                    dst.execute(table.insert(), rows)
                    copied += len(rows)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the state database: {_short(exc)}") from exc
    finally:
        source.dispose()
    return copied
