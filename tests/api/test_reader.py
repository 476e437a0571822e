"""The request's reader (fundtracker/reader.py): its read transaction ends with the request, and on PostgreSQL
the statements psycopg has prepared on that connection survive into the next request."""

from __future__ import annotations

from fundtracker.database import Prepared, short_reader
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
        release_reader()

    if ENGINE == "postgresql":
        assert prepared and prepared >= 1
        # psycopg's rollback() deallocates every prepared statement; the reader commits (it wrote nothing).
        assert _prepared_on_server(driver) == prepared
        driver.commit()  # the count began a transaction on the pooled connection: end it as the reader does
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
