"""Projects: creation and changes by their officer or finance; beneficiaries must be eligible (rule: UN status)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..auth.models import ADMIN, FINANCE, PROJECT_OFFICER, User
from ..auth.permissions import Actor, require, require_project_editor
from ..errors import InvalidInput, NotFound
from ..reference.models import ELIGIBLE_STATUSES, ImplementingEntity, Instrument
from ..reference.services import amount_to_minor, get_country, status_on
from .models import (
    PROJECT_STATUSES,
    THEMES,
    Project,
    ProjectBeneficiary,
    ProjectBudgetYear,
    ProjectInstrument,
    ProjectTheme,
)

STATUS_WORDS = {
    "developed": "a developed economy",
    "not_classified": "not classified by the UN",
    None: "unclassified",
}


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("This project does not exist.")
    return project


def check_beneficiary(
    session: Session, country_id: int, on: dt.date, *, exception_reason: str | None, actor: Actor
) -> None:
    """Only developing and transition economies may benefit, unless an admin records an exception and why."""
    country = get_country(session, country_id, field="beneficiary_ids")
    status = status_on(session, country.id, on)
    if status in ELIGIBLE_STATUSES:
        return
    if exception_reason and exception_reason.strip():
        if actor.role != ADMIN:
            raise InvalidInput.field(
                "exception_reason", "Only an administrator can record an eligibility exception."
            )
        return
    raise InvalidInput.field(
        "beneficiary_ids",
        f"{country.name} is {STATUS_WORDS.get(status, status)} on {on.isoformat()}; the Fund only finances "
        "developing countries and economies in transition. An administrator can record an exception with a reason.",
    )


def create_project(
    session: Session,
    *,
    code: str,
    title: str,
    implementing_entity_id: int,
    start_date: dt.date,
    end_date: dt.date,
    beneficiary_ids: list[int],
    instrument_ids: list[int],
    actor: Actor,
    officer_id: int | None = None,
    themes: list[str] | None = None,
    budget: dict[int, Decimal] | None = None,
    description: str | None = None,
    status: str = "active",
    exceptions: dict[int, str] | None = None,
) -> Project:
    """Create a project with its beneficiaries, instruments, themes and yearly USD budget."""
    require(actor, ADMIN, FINANCE, PROJECT_OFFICER)
    if actor.role == PROJECT_OFFICER:
        officer_id = actor.id  # an officer creates projects for themself
    errors: dict[str, list[str]] = {}
    if not code.strip():
        errors["code"] = ["A project code is required."]
    if session.query(Project.id).filter(Project.code == code.strip()).first():
        errors["code"] = [f"A project with the code {code.strip()} already exists."]
    if not title.strip():
        errors["title"] = ["A title is required."]
    if end_date < start_date:
        errors["end_date"] = ["The project cannot end before it starts."]
    if session.get(ImplementingEntity, implementing_entity_id) is None:
        errors["implementing_entity_id"] = ["This implementing entity does not exist."]
    if not beneficiary_ids:
        errors["beneficiary_ids"] = ["A project needs at least one beneficiary country."]
    if not instrument_ids:
        errors["instrument_ids"] = ["A project supports at least one instrument."]
    if any(session.get(Instrument, i) is None for i in instrument_ids):
        errors["instrument_ids"] = ["One of the instruments does not exist."]
    if status not in PROJECT_STATUSES:
        errors["status"] = [f"Status must be one of: {', '.join(PROJECT_STATUSES)}."]
    bad_themes = [t for t in themes or [] if t not in THEMES]
    if bad_themes:
        errors["themes"] = [f"Unknown theme(s): {', '.join(bad_themes)}."]
    if officer_id is not None:
        officer = session.get(User, officer_id)
        if officer is None or officer.role != PROJECT_OFFICER:
            errors["officer_id"] = ["The officer must be a user with the project officer role."]
    if errors:
        raise InvalidInput(errors)
    exceptions = exceptions or {}
    for country_id in dict.fromkeys(beneficiary_ids):
        check_beneficiary(
            session, country_id, start_date, exception_reason=exceptions.get(country_id), actor=actor
        )
    project = Project(
        code=code.strip(),
        title=title.strip(),
        description=description,
        implementing_entity_id=implementing_entity_id,
        officer_id=officer_id,
        status=status,
        start_date=start_date,
        end_date=end_date,
        lead_country_id=beneficiary_ids[0],
        lead_instrument_id=instrument_ids[0],
    )
    project.beneficiaries = [
        ProjectBeneficiary(
            country_id=c,
            exception_reason=exceptions.get(c),
            exception_by_id=actor.id if exceptions.get(c) else None,
        )
        for c in dict.fromkeys(beneficiary_ids)
    ]
    project.instruments = [ProjectInstrument(instrument_id=i) for i in dict.fromkeys(instrument_ids)]
    project.themes = [ProjectTheme(theme=t) for t in dict.fromkeys(themes or [])]
    project.budget = [
        ProjectBudgetYear(
            year=year, original_usd_minor=amount_to_minor(session, amount, "USD", field="budget")
        )
        for year, amount in sorted((budget or {}).items())
    ]
    session.add(project)
    session.flush()
    record_event(session, actor, "project.create", "project", project.code, after=project_snapshot(project))
    return project


def update_project(session: Session, project_id: int, *, actor: Actor, **changes: Any) -> Project:
    """Change a project's title, description, status, dates or revised budget (its officer, finance, admin)."""
    project = get_project(session, project_id)
    require_project_editor(actor, project.officer_id)
    before = project_snapshot(project)
    for field in ("title", "description", "end_date"):
        if field in changes and changes[field] is not None:
            setattr(project, field, changes[field])
    if "status" in changes and changes["status"] is not None:
        if changes["status"] not in PROJECT_STATUSES:
            raise InvalidInput.field("status", f"Status must be one of: {', '.join(PROJECT_STATUSES)}.")
        project.status = changes["status"]
    if project.end_date < project.start_date:
        raise InvalidInput.field("end_date", "The project cannot end before it starts.")
    for year, amount in (changes.get("revised_budget") or {}).items():
        row = next((b for b in project.budget if b.year == year), None)
        minor = amount_to_minor(session, amount, "USD", field="revised_budget")
        if row is None:
            project.budget.append(ProjectBudgetYear(year=year, original_usd_minor=0, revised_usd_minor=minor))
        else:
            row.revised_usd_minor = minor
    session.flush()
    record_event(
        session,
        actor,
        "project.update",
        "project",
        project.code,
        before=before,
        after=project_snapshot(project),
    )
    return project


def add_beneficiary(
    session: Session, project_id: int, country_id: int, *, actor: Actor, exception_reason: str | None = None
) -> ProjectBeneficiary:
    project = get_project(session, project_id)
    require_project_editor(actor, project.officer_id)
    if any(b.country_id == country_id for b in project.beneficiaries):
        raise InvalidInput.field("country_id", "This country is already a beneficiary of the project.")
    check_beneficiary(session, country_id, dt.date.today(), exception_reason=exception_reason, actor=actor)
    row = ProjectBeneficiary(
        project_id=project.id,
        country_id=country_id,
        exception_reason=exception_reason,
        exception_by_id=actor.id if exception_reason else None,
    )
    project.beneficiaries.append(row)
    session.flush()
    record_event(
        session,
        actor,
        "project.beneficiary_add",
        "project",
        project.code,
        after={"country_id": country_id, "exception_reason": exception_reason},
    )
    return row


def project_snapshot(project: Project) -> dict[str, Any]:
    return {
        "code": project.code,
        "title": project.title,
        "status": project.status,
        "start_date": project.start_date.isoformat(),
        "end_date": project.end_date.isoformat(),
        "officer_id": project.officer_id,
        "implementing_entity_id": project.implementing_entity_id,
        "beneficiaries": sorted(b.country_id for b in project.beneficiaries),
        "instruments": sorted(i.instrument_id for i in project.instruments),
        "budget": {str(b.year): [b.original_usd_minor, b.revised_usd_minor] for b in project.budget},
    }
