"""The request's reader: one pooled driver connection in one read transaction, opened by the first hot read
(the API's token look-up, the payment list) and handed back when the request ends.

Those reads run as database.Prepared statements; the ORM session, which every other view uses, is not
involved: its bookkeeping costs more than the reads themselves. Reads of the request share one connection, and
on SQLite one snapshot, so a page and its total agree."""

from __future__ import annotations

from flask import Flask, g

from .database import Reader
from .extensions import db


def request_reader() -> Reader:
    reader: Reader | None = g.get("_reader")
    if reader is None:
        engine = db.engine
        connection = engine.raw_connection()
        if engine.dialect.name == "sqlite":
            # A plain (deferred) BEGIN: a reader's snapshot, never the write lock. PostgreSQL's driver begins a
            # transaction by itself on the first statement.
            connection.driver_connection.execute("BEGIN")
        reader = g._reader = Reader(connection, engine.dialect)
    return reader


def release_reader(_exc: BaseException | None = None) -> None:
    reader: Reader | None = g.pop("_reader", None)
    if reader is not None:
        reader.hand_back()


def init_reader(app: Flask) -> None:
    app.teardown_request(release_reader)
