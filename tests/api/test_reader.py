"""The request's reader (fundtracker/reader.py): on SQLite its read transaction ends with the request; on
PostgreSQL it reads in autocommit; either way it waits for the next request with no transaction open, the
statements psycopg has prepared on it survive, and it goes back to the pool as it came when it is not kept."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import insert

from fundtracker import reader as reader_module
from fundtracker.database import Prepared, Reader, short_reader
from fundtracker.donors.models import PRIVATE, Donor
from fundtracker.extensions import db
from fundtracker.reader import IDLE_READERS, KEEP_IDLE, release_reader, request_reader

from ..support import ENGINE


def _prepared_on_server(driver_connection) -> int:  # type: ignore[no-untyped-def]
    with driver_connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return int(cursor.fetchone()[0])


def test_the_reader_ends_its_reads_and_is_kept_for_the_next_request(app):
    statement = Prepared(db.select(db.literal(1)))
    with app.test_request_context("/api/v1/payments"):
        reader = request_reader()
        driver = reader.connection.driver_connection
        for _ in range(8):  # past psycopg's prepare_threshold (5): the statement is prepared on the server
            assert statement.rows(reader, {}) == [(1,)]
        prepared = _prepared_on_server(driver) if ENGINE == "postgresql" else None
        if ENGINE == "postgresql":
            # Autocommit: no BEGIN and COMMIT round trips around the reads, and no transaction left open.
            assert driver.autocommit is True and driver.info.transaction_status.name == "IDLE"
        release_reader()

    if ENGINE == "postgresql":
        assert prepared and prepared >= 1
        # psycopg's rollback() of a transaction deallocates every prepared statement; the reader never opens one.
        assert _prepared_on_server(driver) == prepared
        assert driver.info.transaction_status.name == "IDLE"
    else:
        assert not driver.in_transaction  # the plain BEGIN of the reader was ended, not left open while it waits
    with app.test_request_context("/api/v1/payments"):
        assert request_reader().connection.driver_connection is driver  # the next request reads on it again
        release_reader()

    db.engine.dispose()  # the application's end (and each test's): the kept connection is closed
    assert driver.closed if ENGINE == "postgresql" else _closed_sqlite(driver)


def _closed_sqlite(driver) -> bool:  # type: ignore[no-untyped-def]
    try:
        driver.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def test_each_request_reads_what_was_committed_before_it(app):
    """The kept reader holds no snapshot between requests: the next request sees a commit made meanwhile."""
    count = Prepared(db.select(db.func.count()).select_from(Donor))
    with app.test_request_context("/api/v1/payments"):
        before = count.rows(request_reader(), {})[0][0]
        release_reader()
    with db.engine.begin() as other:
        other.execute(insert(Donor).values(name="Late Donor", kind=PRIVATE))
    with app.test_request_context("/api/v1/payments"):
        assert count.rows(request_reader(), {})[0][0] == before + 1
        release_reader()


def test_a_failed_request_hands_its_reader_back_to_the_pool(app):
    with app.test_request_context("/api/v1/payments"):
        driver = request_reader().connection.driver_connection
        release_reader(RuntimeError("the view failed"))
    assert len(app.extensions[IDLE_READERS]) == 0
    if ENGINE == "postgresql":
        assert driver.autocommit is False  # back in the pool as the ORM expects it
    else:
        assert not driver.in_transaction


def test_no_more_than_a_few_readers_wait_between_requests(app):
    idle = app.extensions[IDLE_READERS]
    readers = [idle.take() for _ in range(KEEP_IDLE + 2)]
    for reader in readers:
        idle.put_aside(reader, failed=False)
    assert len(idle) == KEEP_IDLE
    db.engine.dispose()
    assert len(idle) == 0


def test_a_forked_child_never_reads_on_its_parents_connection(app, monkeypatch):
    idle = app.extensions[IDLE_READERS]
    parent_reader = idle.take()
    idle.put_aside(parent_reader, failed=False)
    monkeypatch.setattr(reader_module.os, "getpid", lambda: -1)
    child_reader = idle.take()
    assert child_reader.connection.driver_connection is not parent_reader.connection.driver_connection
    child_reader.hand_back()


def test_a_short_reader_is_handed_back_the_same_way(app):
    """The token look-up outside a request reads on a short reader: the same hand-back, the same kept plans."""
    statement = Prepared(db.select(db.literal(1)))
    with app.app_context():
        with short_reader(db.engine) as reader:
            driver = reader.connection.driver_connection
            for _ in range(8):
                assert statement.rows(reader, {}) == [(1,)]
            prepared = _prepared_on_server(driver) if ENGINE == "postgresql" else None
        if ENGINE == "postgresql":
            assert prepared and _prepared_on_server(driver) == prepared
            driver.commit()
        else:
            assert not driver.in_transaction


@pytest.mark.skipif(ENGINE != "postgresql", reason="SQLite's reader has no autocommit mode to put back")
def test_a_reader_that_cannot_be_put_back_as_it_came_is_discarded(app):
    """A transaction left open on a PostgreSQL reader (nothing here does that) stops autocommit from being turned
    off again; the connection is then thrown away rather than pooled in autocommit, where the ORM would write
    outside any transaction."""
    with app.app_context():
        reader = Reader.checkout(db.engine)
        driver = reader.connection.driver_connection
        driver.execute("BEGIN")
        with pytest.raises(Exception, match="autocommit"):
            reader.hand_back()
        assert driver.closed
        with db.engine.connect() as connection:  # the pool hands out a sound connection instead
            assert connection.connection.driver_connection.autocommit is False
