"""Fault: the database connection dropped in the middle of a posting leaves no partial rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError

from fundtracker.audit.models import AuditEvent
from fundtracker.auth.models import User
from fundtracker.contributions.models import Payment
from fundtracker.contributions.services import record_payment
from fundtracker.extensions import db
from fundtracker.ledger.models import JournalEntry, JournalLine
from fundtracker.ledger.verify import verify_ledger

from ..support import ENGINE


def counts(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(
        session.scalar(select(func.count()).select_from(m))
        for m in (Payment, JournalEntry, JournalLine, AuditEvent)
    )


def test_connection_dropped_mid_posting_leaves_no_partial_rows(app, make, session):
    pledge = make.pledge(amount="500.00")
    pledge_id, actor_id = pledge.id, make.system.id
    session.commit()
    before = counts(session)

    def drop_connection(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # The payment row and the journal entry are already written in this transaction; now the line insert
        # finds the connection gone, as when a server restarts or a network link fails.
        if statement.lstrip().upper().startswith("INSERT INTO JOURNAL_LINE"):
            raw = conn.connection.dbapi_connection
            if ENGINE == "postgresql":
                killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
                with killer.begin() as other:
                    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": raw.info.backend_pid})
                killer.dispose()
            else:
                raw.close()

    event.listen(db.engine, "before_cursor_execute", drop_connection)
    try:
        with pytest.raises(DBAPIError):
            make.payment(pledge, "200.00")
    finally:
        event.remove(db.engine, "before_cursor_execute", drop_connection)
    db.session.rollback()
    db.session.remove()
    db.engine.dispose()
    assert counts(db.session) == before
    assert verify_ledger(db.session).ok
    # the same posting succeeds on a fresh connection
    record_payment(
        db.session,
        pledge_id=pledge_id,
        amount=Decimal("200.00"),
        currency="USD",
        received_date=dt.date(2025, 2, 1),
        actor=db.session.get(User, actor_id),
    )
    db.session.commit()
    assert counts(db.session)[0] == before[0] + 1
