"""Hypothesis stateful test: random pledge/amend/pay/allocate/spend/reverse/close sequences keep the books exact.

After every step: every journal entry balances, no balance is negative, allocations never exceed what was
received, spending plus PSC never exceeds allocations, and the USD totals equal an independent Decimal model.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from fundtracker.allocations.services import allocate, record_expenditure
from fundtracker.auth.services import system_actor
from fundtracker.contributions.models import CANCELLED, Pledge
from fundtracker.contributions.services import (
    amend_pledge,
    cancel_pledge,
    create_pledge,
    current_amount,
    record_payment,
)
from fundtracker.donors.services import create_donor
from fundtracker.errors import InvalidInput
from fundtracker.extensions import db
from fundtracker.fx.services import set_rate
from fundtracker.ledger.models import JournalEntry, JournalLine, Period
from fundtracker.ledger.queries import figures, paid_original, totals
from fundtracker.ledger.services import close_period, reopen_period, reverse_entry
from fundtracker.projects.services import create_project
from fundtracker.reference.models import Country, ImplementingEntity, Instrument

from ..conftest import fresh_database

CURRENCIES = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}
RATES = {  # effective date -> units per USD (a few months of each year, with a mid-month revision)
    "EUR": {
        dt.date(2024, 1, 1): Decimal("0.91"),
        dt.date(2024, 7, 1): Decimal("0.935"),
        dt.date(2024, 12, 1): Decimal("0.95"),
        dt.date(2025, 1, 1): Decimal("0.923"),
        dt.date(2025, 6, 15): Decimal("0.881"),
        dt.date(2026, 1, 1): Decimal("0.862"),
    },
    "JPY": {
        dt.date(2024, 1, 1): Decimal("141.3"),
        dt.date(2024, 12, 1): Decimal("151.7"),
        dt.date(2025, 3, 1): Decimal("148.25"),
        dt.date(2026, 1, 1): Decimal("155.9"),
    },
    "KWD": {
        dt.date(2024, 1, 1): Decimal("0.3071"),
        dt.date(2025, 1, 1): Decimal("0.3083"),
        dt.date(2026, 1, 1): Decimal("0.3059"),
    },
}
YEARS = (2024, 2025, 2026)
dates = st.builds(
    lambda y, d: dt.date(y, 1, 1) + dt.timedelta(days=d), st.sampled_from(YEARS), st.integers(0, 364)
)


def rate_on(currency: str, on: dt.date) -> Decimal:
    if currency == "USD":
        return Decimal(1)
    return RATES[currency][max(d for d in RATES[currency] if d <= on)]


def usd_cents(minor: int, currency: str, rate: Decimal) -> int:
    value = (Decimal(minor).scaleb(-CURRENCIES[currency]) / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return int(value.scaleb(2))


class Books(RuleBasedStateMachine):
    def __init__(self, template: str, sqlite_path: Path, app) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        db.session.remove()
        db.engine.dispose()
        fresh_database(template, sqlite_path)
        self.session = db.session
        self.actor = system_actor(self.session)
        # the independent model: USD cents expected per posted document, keyed by (source type, id)
        self.received: dict[int, int] = {}
        self.allocated: dict[int, int] = {}
        self.spent: dict[int, int] = {}

    @initialize()
    def reference(self) -> None:
        s, a = self.session, self.actor
        for currency, table in RATES.items():
            for day, rate in table.items():
                set_rate(s, currency, day, rate, actor=a, audit=False)
        self.donors = [create_donor(s, name=f"Donor {i}", kind="other", actor=a).id for i in range(3)]
        country = {c.iso3: c.id for c in s.execute(select(Country)).scalars()}
        instrument = {i.code: i.id for i in s.execute(select(Instrument)).scalars()}
        entity = s.execute(select(ImplementingEntity.id)).scalars().first()
        self.projects = [
            create_project(
                s,
                code=f"P{i}",
                title=f"Project {i}",
                implementing_entity_id=entity,
                start_date=dt.date(2024, 1, 1),
                end_date=dt.date(2027, 1, 1),
                beneficiary_ids=[country[c] for c in countries],
                instrument_ids=[instrument[inst]],
                themes=[theme],
                actor=a,
            ).id
            for i, (countries, inst, theme) in enumerate(
                [
                    (("KEN", "NGA"), "TIP", "trafficking_in_persons"),
                    (("PER",), "FIREARMS", "firearms"),
                    (("NGA",), "UNTOC", "cybercrime"),
                ]
            )
        ]
        self.earmarks = [
            (1, {}),
            (2, {"instrument": instrument["TIP"]}),
            (2, {"region": "Africa"}),
            (3, {"country": country["NGA"]}),
            (4, {"project": self.projects[1]}),
        ]
        s.commit()

    def attempt(self, action, name: str) -> object | None:  # type: ignore[no-untyped-def]
        """Run one service call as a request would: commit on success, roll back everything on refusal."""
        try:
            result = action()
        except InvalidInput:
            self.session.rollback()
            event(f"{name}: refused")
            return None
        self.session.commit()
        event(f"{name}: posted")
        return result

    def pledges(self) -> list[Pledge]:
        return list(self.session.execute(select(Pledge).order_by(Pledge.id)).scalars())

    @rule(
        donor=st.integers(0, 2),
        currency=st.sampled_from(sorted(CURRENCIES)),
        units=st.integers(1, 5_000_000),
        on=dates,
        earmark=st.integers(0, 4),
    )
    def pledge(self, donor: int, currency: str, units: int, on: dt.date, earmark: int) -> None:
        level, target = self.earmarks[earmark]
        amount = Decimal(units).scaleb(-CURRENCIES[currency])
        self.attempt(
            lambda: create_pledge(
                self.session,
                donor_id=self.donors[donor],
                amount=amount,
                currency=currency,
                pledge_date=on,
                actor=self.actor,
                earmark_level=level,
                earmark_target=target,
            ),
            "pledge",
        )

    @rule(data=st.data(), factor=st.sampled_from(["0.5", "0.9", "1.1", "2"]), on=dates)
    def amend(self, data: st.DataObject, factor: str, on: dt.date) -> None:
        pledges = self.pledges()
        if pledges:
            p = data.draw(st.sampled_from(pledges))
            new = (Decimal(current_amount(self.session, p)) * Decimal(factor)).to_integral_value()
            amount = max(new, Decimal(1)).scaleb(-CURRENCIES[p.currency])
            self.attempt(
                lambda: amend_pledge(
                    self.session,
                    p.id,
                    new_amount=amount,
                    reason="donor letter",
                    amendment_date=on,
                    actor=self.actor,
                ),
                "amend",
            )

    @rule(data=st.data(), share=st.sampled_from(["0.25", "0.5", "1"]), on=dates)
    def pay(self, data: st.DataObject, share: str, on: dt.date) -> None:
        pledges = self.pledges()
        if not pledges:
            return
        p = data.draw(st.sampled_from(pledges))
        due = current_amount(self.session, p) - paid_original(self.session, p.id)
        minor = max(1, int(Decimal(due) * Decimal(share)))
        payment = self.attempt(
            lambda: record_payment(
                self.session,
                pledge_id=p.id,
                amount=Decimal(minor).scaleb(-CURRENCIES[p.currency]),
                currency=p.currency,
                received_date=on,
                actor=self.actor,
            ),
            "pay",
        )
        if payment is not None:
            self.received[payment.id] = usd_cents(minor, p.currency, rate_on(p.currency, on))

    @rule(data=st.data(), project=st.integers(0, 2), cents=st.integers(1, 2_000_000), on=dates)
    def allocate(self, data: st.DataObject, project: int, cents: int, on: dt.date) -> None:
        pledges = self.pledges()
        if pledges:
            p = data.draw(st.sampled_from(pledges))
            allocation = self.attempt(
                lambda: allocate(
                    self.session,
                    pledge_id=p.id,
                    project_id=self.projects[project],
                    amount_usd=Decimal(cents).scaleb(-2),
                    allocation_date=on,
                    actor=self.actor,
                ),
                "allocate",
            )
            if allocation is not None:
                self.allocated[allocation.id] = cents

    @rule(
        project=st.integers(0, 2),
        currency=st.sampled_from(sorted(CURRENCIES)),
        units=st.integers(1, 3_000_000),
        on=dates,
    )
    def spend(self, project: int, currency: str, units: int, on: dt.date) -> None:
        expenditure = self.attempt(
            lambda: record_expenditure(
                self.session,
                project_id=self.projects[project],
                amount=Decimal(units).scaleb(-CURRENCIES[currency]),
                currency=currency,
                expenditure_date=on,
                description="activity",
                actor=self.actor,
            ),
            "spend",
        )
        if expenditure is not None:
            self.spent[expenditure.id] = usd_cents(units, currency, rate_on(currency, on))

    @rule(data=st.data(), on=dates)
    def reverse(self, data: st.DataObject, on: dt.date) -> None:
        E, R = JournalEntry, JournalEntry.__table__.alias("r")
        candidates = self.session.execute(
            select(E.id, E.source_type, E.source_id)
            .where(
                E.source_type.in_(("payment", "allocation", "expenditure")),
                E.reverses_id.is_(None),
                ~select(R.c.id).where(R.c.reverses_id == E.id).exists(),
            )
            .order_by(E.id)
        ).all()
        if not candidates:
            return
        entry_id, source, source_id = data.draw(st.sampled_from(candidates))
        if (
            self.attempt(
                lambda: reverse_entry(
                    self.session, entry_id, reason="correction", actor=self.actor, reversal_date=on
                ),
                "reverse",
            )
            is not None
        ):
            {"payment": self.received, "allocation": self.allocated, "expenditure": self.spent}[source].pop(
                source_id
            )

    @rule(data=st.data(), on=dates)
    def cancel(self, data: st.DataObject, on: dt.date) -> None:
        pledges = self.pledges()
        if pledges:
            p = data.draw(st.sampled_from(pledges))
            self.attempt(
                lambda: cancel_pledge(self.session, p.id, on=on, reason="budget cut", actor=self.actor),
                "cancel",
            )

    @rule(year=st.sampled_from(YEARS[:2]), reopen=st.booleans())
    def close_or_reopen(self, year: int, reopen: bool) -> None:
        if reopen:
            self.attempt(
                lambda: reopen_period(self.session, year, actor=self.actor, reason="late invoice"), "reopen"
            )
        else:
            self.attempt(lambda: close_period(self.session, year, actor=self.actor), "close")

    @invariant()
    def every_entry_balances(self) -> None:
        L = JournalLine
        unbalanced = self.session.execute(
            select(L.entry_id).group_by(L.entry_id).having(func.sum(L.usd_minor) != 0)
        ).all()
        assert unbalanced == []

    @invariant()
    def no_balance_is_negative(self) -> None:
        for row in figures(self.session, ("pledge",)):
            assert row["available_to_allocate"] >= 0, row  # Σ allocations ≤ received
            assert row["outstanding"] >= 0, row
        for row in figures(self.session, ("pledge", "project")):
            if row["project"] is not None:
                assert row["available_to_spend"] >= 0, row  # Σ (expenditure + PSC) ≤ allocated

    @invariant()
    def usd_totals_are_exact(self) -> None:
        now = totals(self.session)
        assert now["received"] == sum(self.received.values())
        assert now["allocated"] == sum(self.allocated.values())
        assert now["spent"] == sum(self.spent.values())
        assert now["received"] >= now["allocated"] >= now["spent"] + now["psc"]

    @invariant()
    def receivables_equal_what_is_due_at_the_pledge_rate(self) -> None:
        closed = set(self.session.execute(select(Period.year).where(Period.closed.is_(True))).scalars())
        outstanding = {r["pledge"]: r["outstanding"] for r in figures(self.session, ("pledge",))}
        for p in self.pledges():
            due = current_amount(self.session, p) - paid_original(self.session, p.id)
            expected = 0 if p.state in (CANCELLED, "announced") else usd_cents(due, p.currency, p.rate)
            assert outstanding.get(p.id, 0) == expected, (p.id, closed)


def test_random_sequences_keep_the_books_exact(app, database_template, tmp_path):
    # the app's database is tmp_path/test.sqlite3 (see conftest); each example starts from a fresh copy of it
    run_state_machine_as_test(lambda: Books(database_template, tmp_path / "test.sqlite3", app))
