"""Exactness: 200,000 random amounts summed by the balance queries equal the Python Decimal sum to the cent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import insert

from fundtracker.chain import GENESIS
from fundtracker.extensions import db
from fundtracker.ledger.models import CASH, RECEIVABLE, JournalEntry, JournalLine
from fundtracker.ledger.queries import figures, totals

AMOUNTS = 200_000


def test_two_hundred_thousand_amounts_sum_exactly(make, session):
    pledges = [make.pledge(amount="1.00").id for _ in range(4)]
    session.commit()
    rng = random.Random(20261128)
    # amounts from one cent to ten million dollars: the mix that made SQLite's REAL sums drift
    amounts = [Decimal(rng.randint(1, 1_000_000_000)).scaleb(-2) for _ in range(AMOUNTS)]
    expected: dict[int, Decimal] = dict.fromkeys(pledges, Decimal(0))
    entries, lines = [], []
    for n, amount in enumerate(amounts):
        pledge = pledges[n % len(pledges)]
        expected[pledge] += amount
        cents = int(amount.scaleb(2))
        entry_id = 1_000_000 + n
        entries.append(
            {
                "id": entry_id,
                "entry_date": dt.date(2025, 1, 1),
                "kind": "payment",
                "source_type": "payment",
                "source_id": None,
                "description": "bulk",
                "prev_hash": GENESIS,
                "hash": f"{entry_id:064d}",
            }
        )
        for account, sign in ((CASH, 1), (RECEIVABLE, -1)):
            lines.append(
                {
                    "entry_id": entry_id,
                    "account": account,
                    "usd_minor": sign * cents,
                    "currency": "USD",
                    "amount_minor": sign * cents,
                    "pledge_id": pledge,
                }
            )
    for start in range(0, len(entries), 20_000):
        session.execute(insert(JournalEntry), entries[start : start + 20_000])
    for start in range(0, len(lines), 40_000):
        session.execute(insert(JournalLine), lines[start : start + 40_000])
    db.session.commit()

    received = totals(session)["received"]
    assert Decimal(received).scaleb(-2) == sum(amounts, Decimal(0))
    by_pledge = {r["pledge"]: r["received"] for r in figures(session, ("pledge",))}
    for pledge, total in expected.items():
        assert Decimal(by_pledge[pledge]).scaleb(-2) == total
