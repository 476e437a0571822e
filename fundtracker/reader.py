"""The request's reader: one driver connection for reads (on SQLite, in one read transaction), opened by the
first hot read (the API's token look-up, the payment list) and put aside for the next request when this one ends.

Those reads run as database.Prepared statements; the ORM session, which every other view uses, is not
involved: its bookkeeping costs more than the reads themselves. Reads of the request share one connection, and
on SQLite one snapshot, so a page and its total agree."""

from __future__ import annotations

import os

from flask import Flask, current_app, g
from sqlalchemy import Engine, event

from .database import Reader
from .extensions import db

# At most this many readers wait between requests (per application and process): a sync worker needs one; in a
# threaded server, requests beyond that take theirs from the pool as before.
KEEP_IDLE = 2
IDLE_READERS = "fundtracker.idle_readers"  # app.extensions key


class IdleReaders:
    """Request readers of one engine, kept checked out of SQLAlchemy's pool between requests.

    Checking a connection out of the pool and in again (the pool's locked queue, its events, the reset on return)
    costs 5 us alone, and keeping the reader instead saves an API list request about 16 us of 441 in a warm loop
    (more under load, where each request finds that code out of the CPU's caches). So a request's reader comes from
    here: the pool still opens and closes the connections and counts them as checked out, at most KEEP_IDLE wait
    here between requests, each with its reads ended (no transaction open, so a new request sees every commit), and
    they are closed when the engine is disposed. A reader whose request failed goes back to the pool instead; a
    forked child never uses its parent's."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._idle: list[Reader] = []
        self._pid = os.getpid()
        event.listen(engine, "engine_disposed", self._close)

    def __len__(self) -> int:
        return len(self._idle)

    def take(self) -> Reader:
        if self._pid != os.getpid():
            # A forked child shares its parent's sockets and files; the parent's readers are not its to use or close.
            self._idle, self._pid = [], os.getpid()
        try:
            reader = self._idle.pop()  # list.pop and append are atomic: no lock between threads
        except IndexError:
            return Reader.checkout(self.engine, snapshot=True)
        with reader.discarded_on_failure():
            reader.begin_snapshot()
        return reader

    def put_aside(self, reader: Reader, *, failed: bool) -> None:
        if failed or len(self._idle) >= KEEP_IDLE:
            reader.hand_back()
            return
        with reader.discarded_on_failure():
            reader.end_reads()
        self._idle.append(reader)

    def _close(self, _engine: Engine) -> None:
        idle, self._idle = self._idle, []
        for reader in idle:
            reader.connection.invalidate()  # closes the driver connection; its pool has been replaced already


def request_reader() -> Reader:
    reader: Reader | None = g.get("_reader")
    if reader is None:
        reader = g._reader = current_app.extensions[IDLE_READERS].take()
    return reader


def release_reader(exc: BaseException | None = None) -> None:
    reader: Reader | None = g.pop("_reader", None)
    if reader is not None:
        current_app.extensions[IDLE_READERS].put_aside(reader, failed=exc is not None)


def init_reader(app: Flask) -> None:
    with app.app_context():
        app.extensions[IDLE_READERS] = IdleReaders(db.engine)
    app.teardown_request(release_reader)
