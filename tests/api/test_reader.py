"""The request's reader (fundtracker/reader.py): on SQLite its read transaction ends with the request; on
PostgreSQL it reads in autocommit, goes back to the pool as it came, and the statements psycopg has prepared on
that connection survive into the next request."""

from __future__ import annotations

import pytest

from fundtracker.database import Prepared, Reader, short_reader
from fundtracker.extensions import db
from fundtracker.reader import release_reader, request_reader

from ..support import ENGINE


def _prepared_on_server(driver_connection) -> int:  # type: ignore[no-untyped-def]
    with driver_connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return int(cursor.fetchone()[0])


def test_the_reader_ends_its_transaction_and_keeps_prepared_statements(app):
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
        assert driver.autocommit is False  # back in the pool as the ORM expects it
        driver.commit()  # the count began a transaction on the pooled connection: end it
    else:
        assert not driver.in_transaction  # the plain BEGIN of the reader was ended, not left to the pool


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
