"""A small fund built through the services, shared by the portal and browser tests: two donors (one with a
liaison), a EUR and a USD contribution, two projects of two officers, allocations and one expenditure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fundtracker.auth.models import ADMIN, AUDITOR, DONOR_LIAISON, FINANCE, PROJECT_OFFICER

ROLES = (ADMIN, FINANCE, PROJECT_OFFICER, DONOR_LIAISON, AUDITOR)


@dataclass
class Fund:
    users: dict[str, Any]
    other_officer: Any
    donor: Any  # the liaison's donor
    other_donor: Any
    eur_pledge: Any  # the liaison's donor, EUR, half paid, unearmarked
    kenya_pledge: Any  # the other donor, USD, paid, earmarked to Kenya (level 3)
    project: Any  # in Kenya, managed by users["project_officer"]
    other_project: Any  # in Uganda, managed by other_officer


def build_fund(session: Session, make: Any) -> Fund:
    make.rate("EUR", "2025-01-01", "0.90")
    make.rate("EUR", "2025-06-01", "0.92")
    make.rate("JPY", "2025-01-01", "150")
    donor = make.donor("Arcadia", kind="member_state", country_id=make.country("FRA").id)
    other = make.donor("Borduria Foundation", kind="private")
    users = {role: make.user(role, donor_id=donor.id if role == DONOR_LIAISON else None) for role in ROLES}
    other_officer = make.user(PROJECT_OFFICER)
    eur = make.pledge(
        donor,
        amount="100000.00",
        currency="EUR",
        on="2025-01-15",
        reference="ARC-2025-1",
        psc_rate=Decimal("0.08"),
    )
    make.payment(eur, "50000.00", on="2025-02-01")
    kenya = make.pledge(
        other,
        amount="80000.00",
        on="2025-01-20",
        earmark_level=3,
        earmark_target={"country": make.country("KEN").id},
        psc_rate=Decimal("0.13"),
    )
    make.payment(kenya, "80000.00", on="2025-02-10")
    project = make.project(
        code="KEN/01",
        title="Witness protection in Kenya",
        countries=("KEN",),
        officer_id=users[PROJECT_OFFICER].id,
        budget={2025: Decimal("60000.00")},
    )
    other_project = make.project(
        code="UGA/01",
        title="Firearms registries in Uganda",
        countries=("UGA",),
        instruments=("FIREARMS",),
        officer_id=other_officer.id,
    )
    make.allocation(eur, project, "20000.00", on="2025-03-01")
    make.allocation(kenya, project, "30000.00", on="2025-03-02")
    make.expenditure(project, "1000.00", on="2025-04-01", description="Training of prosecutors")
    return Fund(users, other_officer, donor, other, eur, kenya, project, other_project)
