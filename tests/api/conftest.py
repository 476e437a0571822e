"""Fixtures for the API tests: a small fund with two donors, a user and a Bearer token for every role."""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fundtracker.allocations.models import Allocation
from fundtracker.auth.models import ADMIN, AUDITOR, DONOR_LIAISON, FINANCE, PROJECT_OFFICER
from fundtracker.auth.services import create_user
from fundtracker.auth.tokens import create_token
from fundtracker.contributions.services import create_pledge
from fundtracker.extensions import db

from ..auth.helpers import IsolatedClient

ROLES = (ADMIN, FINANCE, PROJECT_OFFICER, DONOR_LIAISON, AUDITOR)


@dataclass
class Fund:
    """What the API tests act on: "own" objects belong to the liaison's donor, "other" ones to another donor."""

    users: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    def headers(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def id(self, name: str) -> int:
        return int(self.objects[name].id)


def build_fund(session: Any, make: Any) -> Fund:
    """Users without passwords (no password hashing: fast), each with a token; two donors with money moving."""
    fund = Fund()
    own, other = make.donor("Own Donor"), make.donor("Other Donor")
    for role in ROLES:
        user = create_user(session, email=f"{role}@api.test", name=f"API {role}", role=role, actor=make.system,
                           donor_id=own.id if role == DONOR_LIAISON else None)
        fund.users[role] = user
        fund.tokens[role] = create_token(session, user_id=user.id, name="api tests", actor=user)[1]
    make.rate("EUR", "2025-01-01", "0.92")
    pledge_own = make.pledge(own, amount="50000.00")
    pledge_other = make.pledge(other, amount="40000.00", currency="EUR")
    payment_own = make.payment(pledge_own, "30000.00")
    payment_other = make.payment(pledge_other, "40000.00")
    project_own = make.project(officer_id=fund.users[PROJECT_OFFICER].id, countries=("KEN", "GHA"))
    project_other = make.project(countries=("PER",))
    make.allocation(pledge_own, project_own, "20000.00")
    make.allocation(pledge_other, project_other, "20000.00")
    expenditure_own = make.expenditure(project_own, "1000.00")
    expenditure_other = make.expenditure(project_other, "500.00")
    announced = create_pledge(session, donor_id=own.id, amount=Decimal("1000.00"), currency="USD",
                              pledge_date=dt.date(2025, 6, 1), actor=make.system, confirmed=False)
    allocations = {a.project_id: a for a in session.execute(select(Allocation)).scalars()}
    fund.objects.update(
        donor_own=own, donor_other=other, pledge_own=pledge_own, pledge_other=pledge_other,
        payment_own=payment_own, payment_other=payment_other, project_own=project_own,
        project_other=project_other, allocation_own=allocations[project_own.id],
        allocation_other=allocations[project_other.id], expenditure_own=expenditure_own,
        expenditure_other=expenditure_other, pledge_announced=announced,
    )
    return fund


@pytest.fixture
def fund(make, session) -> Fund:  # type: ignore[no-untyped-def]
    built = build_fund(session, make)
    db.session.commit()
    return built


def isolated_wsgi(app: Flask) -> Callable[..., Iterable[bytes]]:
    """The app as a WSGI callable whose every request runs in its own context (own `g`, own session), as in
    production, not inside the test's application context (where Flask-Login's cached user would leak from
    one request to the next)."""

    def call(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def run() -> list[bytes]:
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                getattr(result, "close", lambda: None)()

        return contextvars.Context().run(run)

    return call


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()
