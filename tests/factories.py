"""Factories that build fund data through the services and flush (never commit), for short readable tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtracker.allocations.services import allocate, record_expenditure
from fundtracker.auth.models import DONOR_LIAISON, User
from fundtracker.auth.services import create_user
from fundtracker.contributions.services import create_pledge, record_payment
from fundtracker.donors.services import create_donor
from fundtracker.fx.services import set_rate
from fundtracker.ledger.models import JournalEntry
from fundtracker.projects.services import create_project
from fundtracker.reference.models import Country, ImplementingEntity, Instrument

PASSWORD = "correct horse battery"


class Factory:
    def __init__(self, session: Session, system: User) -> None:
        self.session = session
        self.system = system
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def country(self, iso3: str) -> Country:
        return self.session.execute(select(Country).where(Country.iso3 == iso3)).scalar_one()

    def instrument(self, code: str = "UNTOC") -> Instrument:
        return self.session.execute(select(Instrument).where(Instrument.code == code)).scalar_one()

    def rate(self, currency: str, on: str | dt.date, units_per_usd: str) -> None:
        day = dt.date.fromisoformat(on) if isinstance(on, str) else on
        set_rate(self.session, currency, day, Decimal(units_per_usd), actor=self.system)

    def donor(self, name: str | None = None, **kw: Any):  # type: ignore[no-untyped-def]
        return create_donor(
            self.session,
            name=name or f"Donor {self._next()}",
            kind=kw.pop("kind", "other"),
            actor=self.system,
            **kw,
        )

    def user(self, role: str, donor_id: int | None = None, email: str | None = None) -> User:
        n = self._next()
        return create_user(
            self.session,
            email=email or f"{role}{n}@example.org",
            name=f"{role} {n}",
            role=role,
            actor=self.system,
            password=PASSWORD,
            donor_id=donor_id if role == DONOR_LIAISON else None,
        )

    def project(
        self,
        *,
        countries: tuple[str, ...] = ("KEN",),
        instruments: tuple[str, ...] = ("UNTOC",),
        themes: tuple[str, ...] = (),
        **kw: Any,
    ):  # type: ignore[no-untyped-def]
        n = self._next()
        entity = (
            self.session.execute(select(ImplementingEntity.id).order_by(ImplementingEntity.id))
            .scalars()
            .first()
        )
        return create_project(
            self.session,
            code=kw.pop("code", f"TST/{n:03d}"),
            title=kw.pop("title", f"Test project {n}"),
            implementing_entity_id=entity,
            start_date=kw.pop("start_date", dt.date(2024, 1, 1)),
            end_date=kw.pop("end_date", dt.date(2027, 12, 31)),
            beneficiary_ids=[self.country(c).id for c in countries],
            instrument_ids=[self.instrument(i).id for i in instruments],
            themes=list(themes),
            actor=kw.pop("actor", self.system),
            **kw,
        )

    def pledge(
        self,
        donor=None,
        amount: str = "1000.00",
        currency: str = "USD",  # type: ignore[no-untyped-def]
        on: str = "2025-01-15",
        **kw: Any,
    ):
        donor = donor or self.donor()
        return create_pledge(
            self.session,
            donor_id=donor.id,
            amount=Decimal(amount),
            currency=currency,
            pledge_date=dt.date.fromisoformat(on),
            actor=kw.pop("actor", self.system),
            **kw,
        )

    def payment(self, pledge, amount: str, on: str = "2025-02-01", **kw: Any):  # type: ignore[no-untyped-def]
        return record_payment(
            self.session,
            pledge_id=pledge.id,
            amount=Decimal(amount),
            currency=kw.pop("currency", pledge.currency),
            received_date=dt.date.fromisoformat(on),
            actor=kw.pop("actor", self.system),
            **kw,
        )

    def allocation(self, pledge, project, amount: str, on: str = "2025-03-01", **kw: Any):  # type: ignore[no-untyped-def]
        return allocate(
            self.session,
            pledge_id=pledge.id,
            project_id=project.id,
            amount_usd=Decimal(amount),
            allocation_date=dt.date.fromisoformat(on),
            actor=kw.pop("actor", self.system),
            **kw,
        )

    def expenditure(
        self,
        project,
        amount: str,
        currency: str = "USD",
        on: str = "2025-04-01",  # type: ignore[no-untyped-def]
        **kw: Any,
    ):
        return record_expenditure(
            self.session,
            project_id=project.id,
            amount=Decimal(amount),
            currency=currency,
            expenditure_date=dt.date.fromisoformat(on),
            description=kw.pop("description", "Workshop"),
            actor=kw.pop("actor", self.system),
            **kw,
        )

    def entry_for(self, source_type: str, source_id: int) -> JournalEntry:
        return self.session.execute(
            select(JournalEntry).where(
                JournalEntry.source_type == source_type,
                JournalEntry.source_id == source_id,
                JournalEntry.reverses_id.is_(None),
            )
        ).scalar_one()

    def funded_project(self, amount: str = "10000.00", psc: str = "0.13", **kw: Any):  # type: ignore[no-untyped-def]
        """A project with `amount` USD allocated from a fully paid USD pledge."""
        pledge = self.pledge(amount=amount, psc_rate=Decimal(psc))
        self.payment(pledge, amount)
        project = self.project(**kw)
        self.allocation(pledge, project, amount)
        return pledge, project
