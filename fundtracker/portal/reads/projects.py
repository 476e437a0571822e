"""Project pages: the list ("my projects" first for their officer); one project's money and donors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, extract, func, literal, select
from sqlalchemy.orm import Session

from ...allocations.models import Allocation, Expenditure
from ...auth.models import ADMIN, FINANCE, PROJECT_OFFICER, User
from ...auth.permissions import STAFF_READERS, Actor
from ...contributions.models import Pledge
from ...donors.models import Donor
from ...errors import NotFound
from ...ledger.models import EXPENDITURE, PSC
from ...ledger.queries import FIGURES, E, L, figures, totals
from ...projects.models import PROJECT_STATUSES, Project, ProjectBudgetYear, ProjectInstrument
from ...reference.models import Country, CountryStatus, ImplementingEntity, Instrument
from . import Page, clamp_page
from .donors import _entry_of

MONEY = ("allocated", "spent", "psc")


def require_project_reader(actor: Actor) -> None:
    """Project pages show every donor's funding, so a donor liaison has none (its statement shows its own)."""
    if actor.role not in STAFF_READERS:
        raise NotFound()


def may_spend(actor: Actor, officer_id: int | None) -> bool:
    return actor.role in (ADMIN, FINANCE) or (actor.role == PROJECT_OFFICER and officer_id == actor.id)


def _budget() -> Any:
    amount = func.coalesce(ProjectBudgetYear.revised_usd_minor, ProjectBudgetYear.original_usd_minor)
    return (
        select(ProjectBudgetYear.project_id, func.sum(amount).label("budget"))
        .group_by(ProjectBudgetYear.project_id)
        .subquery()
    )


def project_list(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    status: str | None = None,
    mine: bool = False,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Projects with budget, allocated, spent, PSC and available (USD): two statements per page."""
    require_project_reader(actor)
    page, per_page = clamp_page(page, per_page)
    money = (
        select(L.project_id, *(FIGURES[k].label(k) for k in MONEY))
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .where(L.project_id.is_not(None))
        .group_by(L.project_id)
        .subquery()
    )
    budget = _budget()
    own = (Project.officer_id == actor.id) if actor.role == PROJECT_OFFICER else literal(False)
    stmt = (
        select(
            Project.id,
            Project.code,
            Project.title,
            Project.status,
            Project.officer_id,
            User.name.label("officer"),
            Country.name.label("lead_country"),
            Country.id.label("country_id"),
            func.coalesce(budget.c.budget, 0).label("budget"),
            *(func.coalesce(money.c[k], 0).label(k) for k in MONEY),
            case((own, 1), else_=0).label("mine"),
        )
        .join(Country, Country.id == Project.lead_country_id)
        .outerjoin(User, User.id == Project.officer_id)
        .outerjoin(money, money.c.project_id == Project.id)
        .outerjoin(budget, budget.c.project_id == Project.id)
    )
    if q and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            func.lower(Project.code).contains(needle, autoescape=True)
            | func.lower(Project.title).contains(needle, autoescape=True)
        )
    if status in PROJECT_STATUSES:
        stmt = stmt.where(Project.status == status)
    if mine and actor.role == PROJECT_OFFICER:
        stmt = stmt.where(Project.officer_id == actor.id)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(case((own, 0), else_=1), Project.code).limit(per_page).offset((page - 1) * per_page)
    ).mappings()
    items = []
    for row in rows:
        item = dict(row)
        item["available"] = item["allocated"] - item["spent"] - item["psc"]
        items.append(item)
    return Page(items, total, page, per_page)


def _beneficiaries(session: Session, project: Project, on: dt.date) -> list[dict[str, Any]]:
    latest = (
        select(CountryStatus.status)
        .where(CountryStatus.country_id == Country.id, CountryStatus.effective_from <= on)
        .order_by(CountryStatus.effective_from.desc())
        .limit(1)
        .correlate(Country)
        .scalar_subquery()
    )
    ids = [b.country_id for b in project.beneficiaries]
    reasons = {b.country_id: b.exception_reason for b in project.beneficiaries}
    rows = (
        session.execute(
            select(Country, latest.label("status")).where(Country.id.in_(ids)).order_by(Country.name)
        ).all()
        if ids
        else []
    )
    return [
        {
            "country": c,
            "status": s,
            "exception_reason": reasons.get(c.id),
            "lead": c.id == project.lead_country_id,
        }
        for c, s in rows
    ]


def project_detail(session: Session, project_id: int, *, actor: Actor) -> dict[str, Any]:
    """Budget vs allocated vs spent vs PSC vs available, spending over time, and who funds it."""
    require_project_reader(actor)
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("This project does not exist.")
    month_year, month = extract("year", E.entry_date), extract("month", E.entry_date)
    monthly = session.execute(
        select(
            month_year.label("year"),
            month.label("month"),
            FIGURES["spent"].label("spent"),
            FIGURES["psc"].label("psc"),
        )
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .where(L.project_id == project_id, L.account.in_((EXPENDITURE, PSC)))
        .group_by(month_year, month)
        .order_by(month_year, month)
    ).mappings()
    donors = [r for r in figures(session, ("donor",), project_id=project_id) if r["donor"] is not None]
    donor_names = (
        dict(
            session.execute(
                select(Donor.id, Donor.name).where(Donor.id.in_([r["donor"] for r in donors]))
            ).all()
        )
        if donors
        else {}
    )
    allocation_entry, allocation_reversed = _entry_of("allocation", Allocation.id)
    expenditure_entry, expenditure_reversed = _entry_of("expenditure", Expenditure.id)
    budget_rows = project.budget
    budget = _budget()
    budget_total = (
        session.execute(select(budget.c.budget).where(budget.c.project_id == project_id)).scalar() or 0
    )
    return {
        "project": project,
        "entity": session.get(ImplementingEntity, project.implementing_entity_id),
        "officer": session.get(User, project.officer_id) if project.officer_id else None,
        "totals": totals(session, project_id=project_id),
        "budget_total": int(budget_total),
        "budget_rows": budget_rows,
        "monthly": [
            {
                "label": f"{int(r['year']):04d}-{int(r['month']):02d}",
                "spent": int(r["spent"]),
                "psc": int(r["psc"]),
            }
            for r in monthly
        ],
        "beneficiaries": _beneficiaries(session, project, dt.date.today()),
        "instruments": list(
            session.execute(
                select(Instrument)
                .join(ProjectInstrument, ProjectInstrument.instrument_id == Instrument.id)
                .where(ProjectInstrument.project_id == project_id)
                .order_by(Instrument.id)
            ).scalars()
        ),
        "themes": [t.theme for t in project.themes],
        "by_donor": sorted(
            ({**r, "name": donor_names.get(r["donor"], "?")} for r in donors), key=lambda r: -r["allocated"]
        ),
        "allocations": list(
            session.execute(
                select(
                    Allocation.id,
                    Allocation.allocation_date,
                    Allocation.usd_minor,
                    Allocation.note,
                    Allocation.pledge_id,
                    Donor.name.label("donor"),
                    allocation_entry,
                    allocation_reversed,
                )
                .join(Pledge, Pledge.id == Allocation.pledge_id)
                .join(Donor, Donor.id == Pledge.donor_id)
                .where(Allocation.project_id == project_id)
                .order_by(Allocation.allocation_date.desc(), Allocation.id.desc())
            ).mappings()
        ),
        "expenditures": list(
            session.execute(
                select(
                    Expenditure.id,
                    Expenditure.expenditure_date,
                    Expenditure.currency,
                    Expenditure.amount_minor,
                    Expenditure.rate,
                    Expenditure.usd_minor,
                    Expenditure.description,
                    expenditure_entry,
                    expenditure_reversed,
                )
                .where(Expenditure.project_id == project_id)
                .order_by(Expenditure.expenditure_date.desc(), Expenditure.id.desc())
            ).mappings()
        ),
        "may_spend": may_spend(actor, project.officer_id),
    }
