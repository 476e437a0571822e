"""The choices of the money forms (donors, open pledges, projects, currencies...) and the live previews."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...allocations.services import earmark_refusal
from ...auth.models import ADMIN, FINANCE, PROJECT_OFFICER, User
from ...auth.permissions import MONEY_WRITERS, Actor, require
from ...contributions.models import CONFIRMED, PAID, Pledge
from ...donors.models import Donor
from ...errors import InvalidInput
from ...fx.services import rate_on
from ...ledger.queries import figures
from ...money import USD, usd_minor_from_foreign
from ...projects.models import ACTIVE, DRAFT, THEMES, Project
from ...reference.models import Country, Currency, ImplementingEntity, Instrument
from ...reference.services import amount_to_minor, get_currency
from .donors import pledge_rows


def donors(session: Session) -> list[tuple[int, str]]:
    return [(i, n) for i, n in session.execute(select(Donor.id, Donor.name).order_by(Donor.name))]


def currencies(session: Session) -> list[tuple[str, str]]:
    return [
        (c, f"{c} – {n}")
        for c, n in session.execute(select(Currency.code, Currency.name).order_by(Currency.code)).tuples()
    ]


def instruments(session: Session) -> list[tuple[int, str]]:
    return [
        (i, n)
        for i, n in session.execute(select(Instrument.id, Instrument.short_name).order_by(Instrument.id))
    ]


def countries(session: Session) -> list[Country]:
    return list(session.execute(select(Country).order_by(Country.name)).scalars())


def regions(session: Session) -> list[str]:
    found = set(session.execute(select(Country.region).distinct()).scalars())
    found |= set(session.execute(select(Country.subregion).distinct()).scalars())
    return sorted(r for r in found if r)


def themes() -> tuple[str, ...]:
    return THEMES


def projects(session: Session, *, open_only: bool = True, officer_id: int | None = None) -> list[Any]:
    stmt = select(Project.id, Project.code, Project.title).order_by(Project.code)
    if open_only:
        stmt = stmt.where(Project.status.in_((DRAFT, ACTIVE)))
    if officer_id is not None:
        stmt = stmt.where(Project.officer_id == officer_id)
    return list(session.execute(stmt).mappings())


def entities(session: Session) -> list[ImplementingEntity]:
    return list(session.execute(select(ImplementingEntity).order_by(ImplementingEntity.acronym)).scalars())


def users_by_role(session: Session, role: str) -> list[User]:
    return list(
        session.execute(
            select(User).where(User.role == role, User.active.is_(True)).order_by(User.name)
        ).scalars()
    )


def payable_pledges(session: Session) -> list[dict[str, Any]]:
    """Confirmed pledges with something still due (what a payment can settle)."""
    rows = pledge_rows(
        session,
        pledge_ids=list(session.execute(select(Pledge.id).where(Pledge.state == CONFIRMED)).scalars()),
    )
    return sorted((r for r in rows if r["status"] != PAID), key=lambda r: (r["donor"], r["id"]))


def allocatable_pledges(session: Session) -> list[dict[str, Any]]:
    """Confirmed pledges with money received and not yet allocated."""
    ids = [
        r["pledge"] for r in figures(session, ("pledge",)) if r["pledge"] and r["available_to_allocate"] > 0
    ]
    if not ids:
        return []
    rows = pledge_rows(session, pledge_ids=ids)
    return sorted((r for r in rows if r["state"] == CONFIRMED), key=lambda r: (r["donor"], r["id"]))


def payment_preview(
    session: Session,
    *,
    actor: Actor,
    pledge_id: int | None,
    amount: Decimal | None,
    currency: str | None,
    on: dt.date | None,
) -> dict[str, Any]:
    """What record_payment would use: the UN rate in force on the date and its USD (nothing saved)."""
    require(actor, *MONEY_WRITERS)
    result: dict[str, Any] = {}
    if pledge_id:
        rows = pledge_rows(session, pledge_ids=[pledge_id])
        if rows:
            result["pledge"] = rows[0]
            currency = currency or rows[0]["currency"]
    if not currency or on is None:
        return result
    try:
        code = get_currency(session, currency).code
        rate = rate_on(session, code, on)
        result.update(currency=code, rate=rate.rate, rate_date=rate.rate_date, is_usd=code == USD)
        if amount is not None:
            minor = amount_to_minor(session, amount, code)
            result.update(
                amount_minor=minor,
                usd_minor=usd_minor_from_foreign(minor, get_currency(session, code).exponent, rate.rate),
            )
    except InvalidInput as exc:
        result["problem"] = " ".join(m for ms in exc.errors.values() for m in ms)
    return result


def allocation_preview(
    session: Session, *, actor: Actor, pledge_id: int | None, project_id: int | None
) -> dict[str, Any]:
    """What the contribution's earmark allows and how much of it is received and not yet allocated."""
    require(actor, *MONEY_WRITERS)
    result: dict[str, Any] = {}
    pledge = session.get(Pledge, pledge_id) if pledge_id else None
    if pledge is None:
        return result
    result["pledge"] = pledge_rows(session, pledge_ids=[pledge.id])[0]
    project = session.get(Project, project_id) if project_id else None
    if project is not None:
        result["project"] = project
        result["refusal"] = earmark_refusal(session, pledge, project)
    return result


def expenditure_projects(session: Session, actor: Actor) -> list[Any]:
    """Where an actor may record spending: its own projects for an officer, every open one otherwise."""
    require(actor, ADMIN, FINANCE, PROJECT_OFFICER)
    return projects(session, officer_id=actor.id if actor.role == PROJECT_OFFICER else None)


def project_pledges(session: Session, project_id: int) -> list[dict[str, Any]]:
    """The contributions a project can still spend from, with their donor."""
    rows = [
        r
        for r in figures(session, ("pledge",), project_id=project_id)
        if r["pledge"] is not None and r["available_to_spend"] > 0
    ]
    names = (
        dict(
            session.execute(
                select(Pledge.id, Donor.name)
                .join(Donor, Donor.id == Pledge.donor_id)
                .where(Pledge.id.in_([r["pledge"] for r in rows]))
            ).all()
        )
        if rows
        else {}
    )
    return [{**r, "donor": names.get(r["pledge"], "?")} for r in rows]
