"""Projects for the API: a page of projects plus their beneficiaries, instruments and themes in three more
statements (never one per project). A liaison sees the projects its donor's money funds."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ...allocations.models import Allocation
from ...auth.permissions import Actor
from ...contributions.models import Pledge
from ...errors import NotFound
from ...projects.models import Project, ProjectBeneficiary, ProjectBudgetYear, ProjectInstrument, ProjectTheme
from ...reference.models import Country
from ..paging import Page, SortKey, count_of, keyset_page
from .scope import project_condition

SORTS = {
    "id": SortKey(Project.id, int),
    "code": SortKey(Project.code, str),
    "start_date": SortKey(Project.start_date, dt.date),
}
COLUMNS = (
    Project.id,
    Project.code,
    Project.title,
    Project.status,
    Project.start_date,
    Project.end_date,
    Project.implementing_entity_id,
    Project.officer_id,
    Project.lead_country_id,
    Project.lead_instrument_id,
    Project.created_at,
)


def list_projects(session: Session, actor: Actor, args: dict[str, Any]) -> Page:
    conditions = [project_condition(actor, Project.id)]
    if args.get("status"):
        conditions.append(Project.status == args["status"])
    for name, column in (
        ("officer_id", Project.officer_id),
        ("implementing_entity_id", Project.implementing_entity_id),
    ):
        if args.get(name) is not None:
            conditions.append(column == args[name])
    if args.get("country_id") is not None:
        conditions.append(
            exists(
                select(ProjectBeneficiary.country_id).where(
                    ProjectBeneficiary.project_id == Project.id,
                    ProjectBeneficiary.country_id == args["country_id"],
                )
            )
        )
    if args.get("instrument_id") is not None:
        conditions.append(
            exists(
                select(ProjectInstrument.instrument_id).where(
                    ProjectInstrument.project_id == Project.id,
                    ProjectInstrument.instrument_id == args["instrument_id"],
                )
            )
        )
    if args.get("donor_id") is not None:
        conditions.append(
            exists(
                select(Allocation.id)
                .join(Pledge, Pledge.id == Allocation.pledge_id)
                .where(Allocation.project_id == Project.id, Pledge.donor_id == args["donor_id"])
            )
        )
    return keyset_page(
        session,
        select(*COLUMNS).where(*conditions),
        id_column=Project.id,
        sorts=SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(Project).where(*conditions)),
    )


def related_of(session: Session, project_ids: list[int]) -> dict[str, dict[int, list[Any]]]:
    """Beneficiary ids (lead first), instrument ids (lead first) and themes of the given projects."""
    out: dict[str, dict[int, list[Any]]] = {
        "beneficiaries": defaultdict(list),
        "instruments": defaultdict(list),
        "themes": defaultdict(list),
    }
    if not project_ids:
        return out
    leads = dict(
        session.execute(select(Project.id, Project.lead_country_id).where(Project.id.in_(project_ids))).all()
    )
    for project_id, country_id in session.execute(
        select(ProjectBeneficiary.project_id, ProjectBeneficiary.country_id)
        .where(ProjectBeneficiary.project_id.in_(project_ids))
        .order_by(ProjectBeneficiary.project_id, ProjectBeneficiary.country_id)
    ):
        out["beneficiaries"][project_id].append(country_id)
    for project_id, instrument_id in session.execute(
        select(ProjectInstrument.project_id, ProjectInstrument.instrument_id)
        .where(ProjectInstrument.project_id.in_(project_ids))
        .order_by(ProjectInstrument.project_id, ProjectInstrument.instrument_id)
    ):
        out["instruments"][project_id].append(instrument_id)
    for project_id, theme in session.execute(
        select(ProjectTheme.project_id, ProjectTheme.theme)
        .where(ProjectTheme.project_id.in_(project_ids))
        .order_by(ProjectTheme.project_id, ProjectTheme.theme)
    ):
        out["themes"][project_id].append(theme)
    for project_id, lead in leads.items():
        countries = out["beneficiaries"][project_id]
        if lead in countries:
            countries.remove(lead)
            countries.insert(0, lead)
    return out


def get_project_rows(session: Session, actor: Actor, project_id: int) -> dict[str, Any]:
    row = session.execute(
        select(*COLUMNS, Project.description).where(
            Project.id == project_id, project_condition(actor, Project.id)
        )
    ).first()
    if row is None:
        raise NotFound("This project does not exist.")
    beneficiaries = session.execute(
        select(ProjectBeneficiary.country_id, Country.iso3, Country.name, ProjectBeneficiary.exception_reason)
        .join(Country, Country.id == ProjectBeneficiary.country_id)
        .where(ProjectBeneficiary.project_id == project_id)
        .order_by(Country.name)
    ).all()
    budget = session.execute(
        select(
            ProjectBudgetYear.year, ProjectBudgetYear.original_usd_minor, ProjectBudgetYear.revised_usd_minor
        )
        .where(ProjectBudgetYear.project_id == project_id)
        .order_by(ProjectBudgetYear.year)
    ).all()
    return {
        "row": row,
        "beneficiaries": list(beneficiaries),
        "budget": list(budget),
        "related": related_of(session, [project_id]),
    }
