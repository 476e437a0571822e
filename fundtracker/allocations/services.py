"""Allocating received money to projects within the earmark, and spending it with PSC under the ceiling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..auth.permissions import Actor, require_money_writer, require_project_editor
from ..contributions.models import CONFIRMED, EARMARKED, SOFTLY_EARMARKED, TIGHTLY_EARMARKED, Pledge
from ..contributions.services import get_pledge
from ..database import lock_rows
from ..errors import InvalidInput
from ..fx.services import rate_on
from ..ledger.models import CASH, EXPENDITURE, FUND_ALLOCATED, FUND_UNALLOCATED, PSC
from ..ledger.posting import Line, post_entry, require_open_year
from ..ledger.queries import figures
from ..money import USD, format_amount, round_half_up, usd_minor_from_foreign
from ..projects.models import ACTIVE, DRAFT, Project, ProjectBeneficiary, ProjectInstrument, ProjectTheme
from ..projects.services import get_project
from ..reference.models import Country
from ..reference.services import amount_to_minor, get_currency
from .models import Allocation, Expenditure


def usd(minor: int) -> str:
    return f"{format_amount(minor, 2)} USD"


def earmark_refusal(session: Session, pledge: Pledge, project: Project) -> str | None:
    """Rule 4: why this pledge's earmark does not allow funding this project, or None when it does."""
    level = pledge.earmark_level
    if level == TIGHTLY_EARMARKED and pledge.earmark_project_id != project.id:
        return "This contribution is earmarked to another project."
    if level == EARMARKED:
        hit = session.execute(
            select(ProjectBeneficiary.country_id).where(
                ProjectBeneficiary.project_id == project.id,
                ProjectBeneficiary.country_id == pledge.earmark_country_id,
            )
        ).first()
        if hit is None:
            country = session.get(Country, pledge.earmark_country_id)
            return (
                f"This contribution is earmarked to {country.name if country else 'a country'}, "
                "which is not a beneficiary of this project."
            )
    if level == SOFTLY_EARMARKED:
        if pledge.earmark_instrument_id is not None:
            hit = session.execute(
                select(ProjectInstrument.instrument_id).where(
                    ProjectInstrument.project_id == project.id,
                    ProjectInstrument.instrument_id == pledge.earmark_instrument_id,
                )
            ).first()
            if hit is None:
                return "This contribution is earmarked to an instrument this project does not support."
        if pledge.earmark_theme is not None:
            hit = session.execute(
                select(ProjectTheme.theme).where(
                    ProjectTheme.project_id == project.id, ProjectTheme.theme == pledge.earmark_theme
                )
            ).first()
            if hit is None:
                return (
                    f"This contribution is earmarked to the theme {pledge.earmark_theme.replace('_', ' ')}, "
                    "which this project does not cover."
                )
        if pledge.earmark_region is not None:
            hit = session.execute(
                select(Country.id)
                .join(ProjectBeneficiary, ProjectBeneficiary.country_id == Country.id)
                .where(
                    ProjectBeneficiary.project_id == project.id,
                    (Country.region == pledge.earmark_region) | (Country.subregion == pledge.earmark_region),
                )
            ).first()
            if hit is None:
                return (
                    f"This contribution is earmarked to {pledge.earmark_region}; no beneficiary of this "
                    "project is in that region."
                )
    return None


def available_to_allocate(session: Session, pledge_id: int) -> int:
    rows = figures(session, (), pledge_ids=[pledge_id])
    return rows[0]["available_to_allocate"]


def allocate(
    session: Session,
    *,
    pledge_id: int,
    project_id: int,
    amount_usd: Decimal,
    allocation_date: dt.date,
    actor: Actor,
    note: str | None = None,
) -> Allocation:
    """Move received, unallocated USD of one contribution to one project, within its earmark (rules 4 and 6)."""
    require_money_writer(actor)
    minor = amount_to_minor(session, amount_usd, USD, field="amount")
    if minor <= 0:
        raise InvalidInput.field("amount", "An allocation must be a positive amount.")
    require_open_year(session, allocation_date, field="allocation_date")
    project = get_project(session, project_id)
    if project.status not in (DRAFT, ACTIVE):
        raise InvalidInput.field(
            "project_id", f"This project is {project.status}; it cannot receive new money."
        )
    # Lock the contribution first: concurrent allocations from it must see each other's effect.
    lock_rows(session, Pledge, [pledge_id])
    pledge = get_pledge(session, pledge_id)
    if pledge.state != CONFIRMED:
        raise InvalidInput.field("pledge_id", "Only money received on a confirmed pledge can be allocated.")
    refusal = earmark_refusal(session, pledge, project)
    if refusal:
        raise InvalidInput.field(
            "project_id",
            refusal + " Allocate it elsewhere, or record the donor's consent to re-earmark first.",
        )
    available = available_to_allocate(session, pledge.id)
    if minor > available:
        raise InvalidInput.field(
            "amount",
            f"Only {usd(available)} of this contribution has been received and not yet allocated; "
            f"{usd(minor)} is more than that.",
        )
    allocation = Allocation(
        pledge_id=pledge.id,
        project_id=project.id,
        allocation_date=allocation_date,
        usd_minor=minor,
        note=note,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(allocation)
    session.flush()
    dims = {"donor_id": pledge.donor_id, "pledge_id": pledge.id}
    project_dims = {
        **dims,
        "project_id": project.id,
        "country_id": project.lead_country_id,
        "instrument_id": project.lead_instrument_id,
    }
    post_entry(
        session,
        entry_date=allocation_date,
        kind="allocation",
        source_type="allocation",
        source_id=allocation.id,
        description=f"Allocation {allocation.id}: pledge {pledge.id} to project {project.code}",
        actor=actor,
        date_field="allocation_date",
        lines=[
            Line(FUND_UNALLOCATED, minor, USD, minor, **dims),
            Line(FUND_ALLOCATED, -minor, USD, -minor, **project_dims),
        ],
    )
    record_event(
        session,
        actor,
        "allocation.create",
        "allocation",
        allocation.id,
        after={"pledge_id": pledge.id, "project_id": project.id, "usd_minor": minor},
    )
    return allocation


def psc_on(direct_minor: int, psc_rate: Decimal) -> int:
    """PSC in cents on a direct expenditure, rounded once, half-up."""
    return int(round_half_up(Decimal(direct_minor) * psc_rate, 0))


def spendable(available_minor: int, psc_rate: Decimal) -> int:
    """Rule 5: the most a project can spend directly from funds F at PSC rate r is F ÷ (1 + r)."""
    if available_minor <= 0:
        return 0
    direct = int(Decimal(available_minor) / (1 + psc_rate))
    while direct + 1 + psc_on(direct + 1, psc_rate) <= available_minor:
        direct += 1
    while direct > 0 and direct + psc_on(direct, psc_rate) > available_minor:
        direct -= 1
    return direct


@dataclass(frozen=True, slots=True)
class Draw:
    pledge: Pledge
    direct: int
    psc: int


def _plan_draws(session: Session, project_id: int, total: int, pledge_id: int | None) -> list[Draw]:
    """Charge spending to the project's contributions, oldest pledge first, each within its own PSC ceiling."""
    balances = {
        row["pledge"]: row["available_to_spend"]
        for row in figures(session, ("pledge",), project_id=project_id)
        if row["pledge"] is not None and row["available_to_spend"] > 0
    }
    if pledge_id is not None:
        balances = {k: v for k, v in balances.items() if k == pledge_id}
    pledges = (
        session.execute(
            select(Pledge).where(Pledge.id.in_(list(balances))).order_by(Pledge.pledge_date, Pledge.id)
        )
        .scalars()
        .all()
    )
    draws, remaining, capacity = [], total, 0
    for pledge in pledges:
        can = spendable(balances[pledge.id], pledge.psc_rate)
        capacity += can
        take = min(can, remaining)
        if take > 0:
            draws.append(Draw(pledge, take, psc_on(take, pledge.psc_rate)))
            remaining -= take
    if remaining > 0:
        available = sum(balances.values())
        raise InvalidInput.field(
            "amount",
            f"This spending ({usd(total)}) is more than the project can still spend: its allocations leave "
            f"{usd(available)}, which covers at most {usd(capacity)} of direct spending once programme support "
            "costs are charged.",
        )
    return draws


def record_expenditure(
    session: Session,
    *,
    project_id: int,
    amount: Decimal,
    currency: str,
    expenditure_date: dt.date,
    description: str,
    actor: Actor,
    pledge_id: int | None = None,
    external_key: str | None = None,
) -> Expenditure:
    """Spend on a project: converted at the UN rate of the date, PSC charged on top, never past the allocations."""
    project = get_project(session, project_id)
    if actor.role == "project_officer":
        require_project_editor(actor, project.officer_id)
    else:
        require_money_writer(actor)
    code = get_currency(session, currency).code
    minor = amount_to_minor(session, amount, code)
    if minor <= 0:
        raise InvalidInput.field("amount", "An expenditure must be a positive amount.")
    if not (description or "").strip():
        raise InvalidInput.field("description", "Describe what the money was spent on.")
    require_open_year(session, expenditure_date, field="expenditure_date")
    rate = rate_on(session, code, expenditure_date)
    total = usd_minor_from_foreign(minor, get_currency(session, code).exponent, rate.rate)
    if total <= 0:
        raise InvalidInput.field("amount", "This amount is less than one US cent.")
    candidates = [r["pledge"] for r in figures(session, ("pledge",), project_id=project_id) if r["pledge"]]
    lock_rows(session, Pledge, candidates)
    draws = _plan_draws(session, project.id, total, pledge_id)
    expenditure = Expenditure(
        project_id=project.id,
        expenditure_date=expenditure_date,
        currency=code,
        amount_minor=minor,
        rate=rate.rate,
        rate_date=rate.rate_date,
        usd_minor=total,
        description=description.strip(),
        external_key=external_key,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(expenditure)
    session.flush()
    lines: list[Line] = []
    original_left = minor
    for index, draw in enumerate(draws):
        # The original-currency amount is shared out in proportion; the last draw takes the remainder.
        original = original_left if index == len(draws) - 1 else minor * draw.direct // total
        original_left -= original
        dims = {
            "donor_id": draw.pledge.donor_id,
            "pledge_id": draw.pledge.id,
            "project_id": project.id,
            "country_id": project.lead_country_id,
            "instrument_id": project.lead_instrument_id,
        }
        lines += [
            Line(EXPENDITURE, draw.direct, code, original, rate.rate, rate.rate_date, **dims),
            Line(PSC, draw.psc, USD, draw.psc, **dims),
            Line(CASH, -(draw.direct + draw.psc), USD, -(draw.direct + draw.psc), **dims),
        ]
    post_entry(
        session,
        entry_date=expenditure_date,
        kind="expenditure",
        source_type="expenditure",
        source_id=expenditure.id,
        description=f"Expenditure {expenditure.id} on {project.code}: {description.strip()}",
        actor=actor,
        lines=lines,
        date_field="expenditure_date",
    )
    record_event(
        session,
        actor,
        "expenditure.create",
        "expenditure",
        expenditure.id,
        after={
            "project_id": project.id,
            "amount_minor": minor,
            "currency": code,
            "usd_minor": total,
            "psc_minor": sum(d.psc for d in draws),
        },
    )
    return expenditure
