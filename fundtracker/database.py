"""Engine set-up per dialect (SQLite pragmas and BEGIN IMMEDIATE, so that money rules hold under concurrency),
row locks, the indexes that keyset pages read from, and statements compiled once for the hot read paths."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Index, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

# SQLite ignores SELECT ... FOR UPDATE, so a transaction that may write must take the write lock when it
# begins (BEGIN IMMEDIATE); otherwise two allocations could both read the same balance. Read-only work
# (GET requests, exports) sets this to False to let readers run beside a writer under WAL.
sqlite_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_write_intent", default=True
)


@contextmanager
def read_only_intent() -> Iterator[None]:
    token = sqlite_write_intent.set(False)
    try:
        yield
    finally:
        sqlite_write_intent.reset(token)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Hand transaction control to SQLAlchemy's "begin" event below (pysqlite's own is broken).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        # Straight to the driver: SQLAlchemy's execution path would cost more than the BEGIN itself.
        connection.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if sqlite_write_intent.get() else "BEGIN")


def keyset_index(table: str, column: str) -> Index:
    """The index a list sorted by `column` reads its pages from: keyset pages are ordered by (column, id), and
    only an index in that order lets the database read a page's rows and stop. Without one, both engines sort
    every row to find the first 51 (81 ms a page at 100,000 payments); with `column` alone, PostgreSQL still sorts
    each run of rows sharing a value (SQLite's indexes end in the row id, so it would not need the second column).
    """
    return Index(f"ix_{table}_{column}_id", column, "id")


def lock_rows(session: Session, model: type, ids: list[int]) -> None:
    """Lock rows in id order (PostgreSQL FOR UPDATE; on SQLite the IMMEDIATE transaction already serialises)."""
    if not ids or session.get_bind().dialect.name == "sqlite":
        return
    from sqlalchemy import select

    session.execute(
        select(model.id).where(model.id.in_(sorted(set(ids)))).order_by(model.id).with_for_update()  # type: ignore[attr-defined]
    ).all()


@dataclass(frozen=True, slots=True)
class Reader:
    """A pooled driver connection and its dialect: where Prepared statements run."""

    connection: Any  # the pool's proxy of a DBAPI connection
    dialect: Dialect

    @classmethod
    def of(cls, session: Session) -> Reader:
        """The session's connection, inside its transaction (which this begins if it has not yet)."""
        connection = session.connection()
        return cls(connection.connection, connection.dialect)

    @classmethod
    def checkout(cls, engine: Engine, *, snapshot: bool = False) -> Reader:
        """A pooled connection for reads only, handed back with `hand_back`.

        PostgreSQL: in autocommit. Under READ COMMITTED each statement of a transaction reads a snapshot of its
        own anyway, so a transaction around reads would only add two round trips (psycopg's BEGIN, the COMMIT).
        SQLite: with `snapshot`, one read transaction (see `begin_snapshot`); without, each statement reads on its
        own."""
        connection = engine.raw_connection()
        if engine.dialect.name != "sqlite":
            connection.driver_connection.autocommit = True
        reader = cls(connection, engine.dialect)
        if snapshot:
            reader.begin_snapshot()
        return reader

    def begin_snapshot(self) -> None:
        """SQLite: one read transaction (a plain BEGIN, never the write lock), so that the reads until
        `end_reads` agree with each other (a page and its total). PostgreSQL: nothing (autocommit)."""
        if self.dialect.name == "sqlite":
            self.connection.driver_connection.execute("BEGIN")

    def end_reads(self) -> None:
        """End a snapshot: SQLite's COMMIT ends the read transaction (it wrote nothing). Never a rollback:
        psycopg's rollback() of a transaction deallocates every prepared statement, after which PostgreSQL plans
        the hot reads again on each request (2 ms for the payment page)."""
        if self.dialect.name == "sqlite":
            self.connection.commit()

    @contextmanager
    def discarded_on_failure(self) -> Iterator[None]:
        """A connection whose transaction could not be begun or ended as intended is closed, never reused."""
        try:
            yield
        except Exception:
            self.connection.invalidate()
            raise

    def hand_back(self) -> None:
        """End the reads and return a checked-out reader's connection to the pool (not a session's: see `of`),
        as the pool expects it: on PostgreSQL with autocommit off again. A connection that cannot be put back as
        it was is discarded, never pooled."""
        try:
            with self.discarded_on_failure():
                self.end_reads()
                if self.dialect.name != "sqlite":
                    self.connection.driver_connection.autocommit = False
        finally:
            self.connection.close()


class Prepared:
    """A Core statement compiled once per dialect and run as plain SQL on a driver connection, rows as tuples.

    For the few hot reads (the API's bearer token, the payment list): there, building, cache-keying and
    compiling a statement, wrapping each row and SQLAlchemy's connection and session bookkeeping cost more than
    SQLite's own work (measured on 100,000 payments: over 1 ms of Python around 0.1 ms of query). Parameters are
    bound by name; the SQL is the statement's own."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def rows(self, reader: Reader, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        sql, values = self.bound(reader.dialect, params)
        cursor = reader.connection.cursor()
        try:
            cursor.execute(sql, values)
            return cursor.fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()

    def bound(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL for `dialect` and `params` in the driver's form (a tuple for SQLite's "?", else a dict)."""
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            done = self.statement.compile(dialect=dialect)
            # positiontup: the order of the parameters for a "?" driver (SQLite); params: fixed ones (OFFSET 0)
            compiled = self._compiled[dialect.name] = (str(done), done.positiontup, dict(done.params))
        sql, order, fixed = compiled
        values = {**fixed, **params}
        return sql, tuple(values[name] for name in order) if order else values


@contextmanager
def short_reader(engine: Engine) -> Iterator[Reader]:
    """A connection of its own for one or two reads, handed back to the pool at the end of the block."""
    reader = Reader.checkout(engine)
    try:
        yield reader
    finally:
        reader.hand_back()
