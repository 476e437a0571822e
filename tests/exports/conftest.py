"""Fixtures for the export tests: a small fund whose donors and projects carry formula-like names."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from fundtracker.exports.services import export_workbook
from fundtracker.ledger.services import reverse_entry

PERIOD = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
# Each would be a live formula (or a CSV/DDE command) if written as a plain string by openpyxl or re-imported.
HOSTILE_NAMES = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tTabbed",
    "\rCarriage",
    "\nNew line",
    '＝HYPERLINK("http://x","y")',
    "＋1",
    "－2",
    "＠SUM(A1)",
]


@dataclass
class Books:
    donors: list[Any] = field(default_factory=list)
    projects: list[Any] = field(default_factory=list)
    pledges: list[Any] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def books(session: Session, make, system) -> Books:  # type: ignore[no-untyped-def]
    """Postings in 2024 (opening balances) and 2025 (the period) in USD, EUR and JPY, with a reversal."""
    b = Books()
    make.rate("EUR", "2024-01-01", "0.91234567")
    make.rate("EUR", "2025-01-01", "0.95")
    make.rate("EUR", "2025-06-01", "0.9321")
    make.rate("JPY", "2024-01-01", "141.5")
    make.rate("JPY", "2025-01-01", "156.25")
    b.donors = [make.donor(name) for name in HOSTILE_NAMES[:6]] + [
        make.donor(HOSTILE_NAMES[7]),
        make.donor(HOSTILE_NAMES[8]),
    ]
    b.projects = [
        make.project(
            code='=HYPERLINK("http://x","y")',
            title="@SUM(A1) capacity building",
            budget={2025: Decimal("50000.00"), 2026: Decimal("25000.00")},
        ),
        make.project(code="-PRJ2", title="＝1+1 firearms", countries=("NGA",)),
        make.project(code="＠PRJ", title="+1 border management"),
    ]
    currencies = ["EUR", "USD", "JPY", "EUR", "USD", "JPY", "EUR", "USD"]
    amounts = {"EUR": "120000.50", "USD": "80000.00", "JPY": "9000000"}
    for i, donor in enumerate(b.donors):
        currency = currencies[i]
        old = make.pledge(
            donor, amounts[currency], currency, on="2024-03-15", reference="-old", psc_rate=Decimal("0.13")
        )
        make.payment(old, amounts[currency], on="2024-05-02")
        new = make.pledge(
            donor,
            amounts[currency],
            currency,
            on="2025-02-10",
            reference="=ref()",
            psc_rate=Decimal("0.07") if i % 2 else Decimal("0.13"),
        )
        half = {"EUR": "60000.25", "USD": "40000.00", "JPY": "4500000"}[currency]
        make.payment(new, half, on="2025-03-20")
        b.pledges += [old, new]
    for i, pledge in enumerate(b.pledges):
        project = b.projects[i % 3]
        make.allocation(pledge, project, "20000.00", on="2024-06-01" if i % 2 == 0 else "2025-04-01")
    for i, project in enumerate(b.projects):
        make.expenditure(project, "15000.00", on="2024-09-01", description="@import workshop")
        make.expenditure(project, "7000.55", currency="EUR", on="2025-07-15", description="=1+1 travel")
        make.expenditure(project, "800000", currency="JPY", on="2025-08-15", description=f"+{i} equipment")
    wrong = make.expenditure(b.projects[0], "1234.56", on="2025-09-01", description="-entered twice")
    reverse_entry(
        session,
        make.entry_for("expenditure", wrong.id).id,
        reason="=duplicate",
        actor=system,
        reversal_date=dt.date(2025, 9, 2),
    )
    make.pledge(b.donors[0], "5000.00", "USD", on="2026-01-05")  # after the period: must not appear
    b.users = {
        "auditor": make.user("auditor"),
        "finance": make.user("finance"),
        "admin": make.user("admin"),
        "officer": make.user("project_officer"),
        "liaison": make.user("donor_liaison", donor_id=b.donors[0].id),
        "other_liaison": make.user("donor_liaison", donor_id=b.donors[1].id),
    }
    session.flush()
    return b


def export_bytes(session: Session, name: str, actor: Any, **filters: Any) -> bytes:
    date_from, date_to = filters.pop("period", PERIOD)
    _, chunks = export_workbook(session, name, actor=actor, date_from=date_from, date_to=date_to, **filters)
    return b"".join(chunks)


def load(data: bytes, *, data_only: bool = False):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data), data_only=data_only)
