"""The request's reader: one pooled driver connection for reads (on SQLite, in one read transaction), opened by
the first hot read (the API's token look-up, the payment list) and handed back when the request ends.

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
        reader = g._reader = Reader.checkout(db.engine, snapshot=True)
    return reader


def release_reader(_exc: BaseException | None = None) -> None:
    reader: Reader | None = g.pop("_reader", None)
    if reader is not None:
        reader.hand_back()


def init_reader(app: Flask) -> None:
    app.teardown_request(release_reader)
