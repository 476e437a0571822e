"""The CLI: seeding is idempotent and obeys the rules; verify-ledger passes on the demo and catches tampering."""

from __future__ import annotations

from sqlalchemy import func, select, text

from fundtracker.extensions import db
from fundtracker.ledger.models import JournalLine

from .support import ENGINE

TABLES = (
    "donor",
    "pledge",
    "payment",
    "allocation",
    "expenditure",
    "journal_entry",
    "journal_line",
    "audit_event",
    "exchange_rate",
    "project",
    "user_account",
    "country",
    "currency",
)


def row_counts() -> dict[str, int]:
    return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def test_demo_seed_is_idempotent_and_verifies(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "all"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.fundtracker.org" in first.output
    db.session.remove()
    counts = row_counts()
    assert counts["donor"] >= 25 and counts["project"] >= 30
    currencies = db.session.execute(text("SELECT count(DISTINCT currency) FROM pledge")).scalar_one()
    assert currencies >= 5
    second = runner.invoke(args=["seed", "all"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    db.session.remove()
    assert row_counts() == counts

    verified = runner.invoke(args=["verify-ledger"])
    assert verified.exit_code == 0, verified.output
    assert "ledger OK" in verified.output

    # an attacker with database access alters one posted line (after removing the guard)
    line_id = db.session.scalar(select(func.min(JournalLine.id)))
    if ENGINE == "postgresql":
        db.session.execute(text("ALTER TABLE journal_line DISABLE TRIGGER journal_line_immutable"))
    else:
        db.session.execute(text("DROP TRIGGER journal_line_no_update"))
    db.session.execute(
        text("UPDATE journal_line SET usd_minor = usd_minor + 1 WHERE id = :id"), {"id": line_id}
    )
    db.session.commit()
    db.session.remove()
    broken = runner.invoke(args=["verify-ledger"])
    assert broken.exit_code == 1
    assert "debits and credits differ by 1 cents" in broken.output
    assert "content altered" in broken.output
