"""An attacker with database access flips one stored byte of an audit event or a journal line (after dropping
the immutability trigger, as they could): the verifier and `flask verify-ledger` notice and name the row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text

from fundtracker.audit.models import AuditEvent
from fundtracker.extensions import db
from fundtracker.ledger.models import JournalLine
from fundtracker.ledger.verify import verify_ledger


@contextmanager
def immutability_dropped(table: str) -> Iterator[None]:
    """Drop the trigger that refuses UPDATE/DELETE on `table`; put it back afterwards (the PostgreSQL test
    database outlives this test)."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text(f"DROP TRIGGER {table}_immutable ON {table}"))
    else:
        for action in ("update", "delete"):
            db.session.execute(text(f"DROP TRIGGER {table}_no_{action}"))
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        if postgres:
            db.session.execute(text(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse_change_of_posted_row()"))
        else:
            for action in ("UPDATE", "DELETE"):
                db.session.execute(text(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'posted rows of {table} are immutable: "
                    "post a reversal instead'); END"))
        db.session.commit()


def flip_one_character(value: str) -> str:
    """Flip the lowest bit of one byte in the middle of the value (a letter or digit, so it stays text)."""
    positions = [i for i, ch in enumerate(value) if ch.isascii() and ch.isalnum()]
    i = positions[len(positions) // 2]
    return value[:i] + chr(ord(value[i]) ^ 1) + value[i + 1:]


@pytest.fixture
def books(make, session):  # type: ignore[no-untyped-def]
    """A funded project with spending: journal entries and a few dozen audit events."""
    _pledge, project = make.funded_project("10000.00")
    make.expenditure(project, "1200.00")
    make.expenditure(project, "800.00", on="2025-05-02")
    session.commit()
    report = verify_ledger(session)
    assert report.ok, report.problems
    assert report.audit_events >= 5 and report.entries >= 4
    return report


def cli_verify(app) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["verify-ledger"])
    return result.exit_code, result.output  # click 8.2+: output holds stdout and stderr


@pytest.mark.parametrize("column", ["after", "actor_label", "action", "hash"])
def test_one_flipped_byte_in_an_audit_event_is_named(app, session, books, column):
    events = list(session.execute(select(AuditEvent).where(AuditEvent.after.is_not(None))
                                  .order_by(AuditEvent.id)).scalars())
    victim = events[len(events) // 2]
    tampered = flip_one_character(getattr(victim, column))
    with immutability_dropped("audit_event"):
        session.execute(text(f'UPDATE audit_event SET "{column}" = :v WHERE id = :id'),
                        {"v": tampered, "id": victim.id})
        session.commit()
        session.expire_all()
        report = verify_ledger(session)
        assert f"audit event {victim.id}: content altered (hash mismatch)" in report.problems
        code, output = cli_verify(app)
        assert code == 1 and f"audit event {victim.id}" in output


def test_a_deleted_audit_event_breaks_the_chain_at_the_next_one(app, session, books):
    ids = list(session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())
    gone, following = ids[len(ids) // 2], ids[len(ids) // 2 + 1]
    with immutability_dropped("audit_event"):
        session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": gone})
        session.commit()
        report = verify_ledger(session)
        assert f"audit event {following}: chain broken (an event before it was removed or inserted)" \
            in report.problems


def test_one_flipped_byte_in_a_journal_line_is_named(app, session, books):
    lines = list(session.execute(select(JournalLine).order_by(JournalLine.id)).scalars())
    victim = lines[len(lines) // 2]
    with immutability_dropped("journal_line"):
        session.execute(text("UPDATE journal_line SET usd_minor = :v WHERE id = :id"),
                        {"v": victim.usd_minor ^ 1, "id": victim.id})
        session.commit()
        session.expire_all()
        report = verify_ledger(session)
        assert f"journal entry {victim.entry_id}: content altered (hash mismatch)" in report.problems
        code, output = cli_verify(app)
        assert code == 1 and f"journal entry {victim.entry_id}" in output


def test_the_triggers_refuse_tampering_in_the_first_place(session, books):
    event_id = session.execute(select(AuditEvent.id).limit(1)).scalar_one()
    with pytest.raises(Exception, match="immutable"):
        session.execute(text("UPDATE audit_event SET actor_label = 'x' WHERE id = :id"), {"id": event_id})
    session.rollback()


def test_an_inserted_audit_event_is_named(app, session, books):
    """A forged event slipped in after an old one (copying that one's hash as its link) breaks the chain."""
    events = list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
    pretended_parent = events[len(events) // 2]
    columns = ("occurred_at", "actor_id", "actor_label", "client_address", "action", "object_type",
               "object_id", "before", "after")
    forged_id = events[-1].id + 1
    session.execute(text(
        f"INSERT INTO audit_event (id, {', '.join(columns)}, prev_hash, hash) "
        f"SELECT :id, {', '.join(columns)}, :prev, :hash FROM audit_event WHERE id = :source"),
        {"id": forged_id, "prev": pretended_parent.hash, "hash": "f" * 64, "source": pretended_parent.id})
    session.commit()
    report = verify_ledger(session)
    assert f"audit event {forged_id}: chain broken (an event before it was removed or inserted)" \
        in report.problems
