"""Engine set-up per dialect: SQLite pragmas and BEGIN IMMEDIATE, so that money rules hold under concurrency."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_write_intent.get() else "BEGIN")


def lock_rows(session: Session, model: type, ids: list[int]) -> None:
    """Lock rows in id order (PostgreSQL FOR UPDATE; on SQLite the IMMEDIATE transaction already serialises)."""
    if not ids or session.get_bind().dialect.name == "sqlite":
        return
    from sqlalchemy import select

    session.execute(
        select(model.id).where(model.id.in_(sorted(set(ids)))).order_by(model.id).with_for_update()  # type: ignore[attr-defined]
    ).all()
