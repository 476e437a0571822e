"""Fixtures for the import tests: a finance officer, a few donors, rates, and a count of every written row."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundtracker.allocations.models import Allocation, Expenditure
from fundtracker.contributions.models import Payment, Pledge, PledgeAmendment
from fundtracker.fx.models import ExchangeRate
from fundtracker.ledger.models import JournalEntry, JournalLine
from fundtracker.projects.models import Project

WRITTEN = (Pledge, PledgeAmendment, Payment, Project, Allocation, Expenditure, ExchangeRate, JournalEntry,
           JournalLine)


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table an import can write to (the audit trail aside)."""
    count = func.count()
    return {m.__tablename__: session.execute(select(count).select_from(m)).scalar_one() for m in WRITTEN}


@pytest.fixture
def finance(make):  # type: ignore[no-untyped-def]
    return make.user("finance")


@pytest.fixture
def donors(make):  # type: ignore[no-untyped-def]
    return {name: make.donor(name) for name in ("Germany", "Japan", "Kuwait", "Norway")}


@pytest.fixture
def rates(make):  # type: ignore[no-untyped-def]
    for currency, rate in (("EUR", "0.92"), ("JPY", "140"), ("KWD", "0.307"), ("NOK", "10.5")):
        make.rate(currency, "2025-01-01", rate)
