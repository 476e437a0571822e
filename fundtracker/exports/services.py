"""Exporting a workbook: permission first, an audit event for every export, then one builder's streamed bytes.

The portal, the API and `flask export` all call export_workbook(); the bytes are produced lazily, so a caller
in a web request must iterate them inside the request's context (flask.stream_with_context).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .. import __version__
from ..audit.services import record_event
from ..auth.models import ADMIN, AUDITOR, DONOR_LIAISON, FINANCE, PROJECT_OFFICER
from ..auth.permissions import Actor, require_donor_visible
from ..database import read_only_intent
from ..donors.models import Donor
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..projects.models import Project
from . import queries as q
from .meta import ExportMeta
from .runners import (
    Filters,
    Progress,
    run_allocations_psc,
    run_audit_trail,
    run_contributions_by_year,
    run_donor_statement,
    run_exchange_rates,
    run_general_ledger,
    run_project_statement,
    run_trial_balance,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FULL = (ADMIN, FINANCE, AUDITOR)
FUND_WIDE = (*FULL, PROJECT_OFFICER)  # DESIGN: a project officer reads fund-wide figures
MAX_YEARS = 50


@dataclass(frozen=True, slots=True)
class WorkbookSpec:
    title: str
    roles: tuple[str, ...]
    filters: tuple[str, ...]  # which of donor_id / project_id it accepts
    required: tuple[str, ...]
    notes: tuple[str, ...]
    run: Callable[[Session, Filters, ExportMeta, Progress], Iterator[bytes]]


DONOR, PROJECT = "donor_id", "project_id"
WORKBOOKS: dict[str, WorkbookSpec] = {
    "general-ledger": WorkbookSpec(
        "General ledger",
        FULL,
        (DONOR, PROJECT),
        (),
        (
            "Lines are in posting order; the running balance is per account and starts from its balance "
            "before "
            "the period (sheet Accounts).",
        ),
        run_general_ledger,
    ),
    "donor-statement": WorkbookSpec(
        "Donor statement",
        (*FULL, DONOR_LIAISON),
        (DONOR,),
        (DONOR,),
        (
            "Period figures count postings dated in the period; 'at the end' figures count every posting "
            "up to "
            "the period's last day.",
        ),
        run_donor_statement,
    ),
    "project-statement": WorkbookSpec(
        "Project financial statement",
        FUND_WIDE,
        (PROJECT,),
        (PROJECT,),
        (
            "Expenditure and PSC fall in the period by the expenditure date; allocations by the allocation "
            "date.",
        ),
        run_project_statement,
    ),
    "trial-balance": WorkbookSpec(
        "Trial balance",
        FUND_WIDE,
        (DONOR, PROJECT),
        (),
        ("Opening balances count postings before the period; debits and credits those within it.",),
        run_trial_balance,
    ),
    "contributions-by-year": WorkbookSpec(
        "Contributions by donor by year",
        FUND_WIDE,
        (DONOR,),
        (),
        (
            "Received: cash by receipt date, net of refunds. Pledged: confirmed pledges and amendments by "
            "their "
            "date, at the pledge-date UN rate.",
        ),
        run_contributions_by_year,
    ),
    "allocations-psc": WorkbookSpec(
        "Allocations and programme support costs",
        FUND_WIDE,
        (DONOR, PROJECT),
        (),
        ("Allocations by allocation date; PSC by expenditure date, at each contribution's agreed rate.",),
        run_allocations_psc,
    ),
    "exchange-rates": WorkbookSpec(
        "Exchange rates used",
        FUND_WIDE,
        (),
        (),
        ("UN operational rates of exchange, currency units per 1 USD, as stored on each journal line.",),
        run_exchange_rates,
    ),
    "audit-trail": WorkbookSpec(
        "Audit trail",
        FULL,
        (),
        (),
        ("Events whose UTC time falls within the period's days; each hash chains to the event before it.",),
        run_audit_trail,
    ),
}
WORKBOOK_NAMES = tuple(WORKBOOKS)


def _check_permission(spec: WorkbookSpec, actor: Actor, donor_id: int | None) -> None:
    if actor.role == DONOR_LIAISON and DONOR_LIAISON in spec.roles:
        require_donor_visible(actor, donor_id)  # another donor's statement does not exist for a liaison
        return
    if actor.role not in spec.roles:
        raise PermissionDenied(f"Your role may not export the {spec.title.lower()}.")


def _validate(spec: WorkbookSpec, name: str, f: Filters) -> None:
    errors: dict[str, list[str]] = {}
    if f.date_from > f.date_to:
        errors["date_from"] = ["The period must start on or before its last day."]
    elif f.date_to.year - f.date_from.year >= MAX_YEARS:
        errors["date_to"] = [f"A period can span at most {MAX_YEARS} years."]
    for field_name, value in ((DONOR, f.donor_id), (PROJECT, f.project_id)):
        label = "donor" if field_name == DONOR else "project"
        if value is None and field_name in spec.required:
            errors[field_name] = [f"Choose the {label} for the {spec.title.lower()}."]
        if value is not None and field_name not in spec.filters:
            errors[field_name] = [f"The {spec.title.lower()} cannot be filtered by {label}."]
    if errors:
        raise InvalidInput(errors)


def export_workbook(
    session: Session,
    name: str,
    *,
    actor: Actor,
    date_from: dt.date,
    date_to: dt.date,
    donor_id: int | None = None,
    project_id: int | None = None,
    progress: Progress = None,
) -> tuple[str, Iterator[bytes]]:
    """Check the actor may have this workbook, record the export, and return its file name and lazy bytes."""
    spec = WORKBOOKS.get(name)
    if spec is None:
        raise InvalidInput.field(
            "workbook", f"Unknown workbook {name!r}; choose one of: {', '.join(WORKBOOKS)}."
        )
    _check_permission(spec, actor, donor_id)
    filters = Filters(date_from, date_to, donor_id, project_id)
    _validate(spec, name, filters)
    described: list[tuple[str, str]] = []
    if donor_id is not None:
        donor = session.get(Donor, donor_id)
        if donor is None:
            raise NotFound("This donor does not exist.")
        described.append(("Donor", f"{donor.name} (id {donor.id})"))
    if project_id is not None:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound("This project does not exist.")
        described.append(("Project", f"{project.code} (id {project.id})"))
    generated_at = dt.datetime.now(dt.UTC)
    suffix = (f"_donor{donor_id}" if donor_id is not None else "") + (
        f"_project{project_id}" if project_id is not None else ""
    )
    filename = f"fundtracker_{name}_{date_from.isoformat()}_{date_to.isoformat()}{suffix}.xlsx"
    event = record_event(
        session,
        actor,
        "export.workbook",
        "workbook",
        name,
        after={
            "workbook": name,
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "donor_id": donor_id,
            "project_id": project_id,
            "filename": filename,
        },
    )
    meta = ExportMeta(
        workbook=name,
        title=spec.title,
        generated_at=generated_at,
        generated_by=getattr(actor, "email", None) or "system",
        version=__version__,
        date_from=date_from,
        date_to=date_to,
        filters=described,
        audit_event_id=event.id,
        notes=list(spec.notes),
    )
    return filename, spec.run(session, filters, meta, progress)


def expected_rows(
    session: Session,
    name: str,
    *,
    date_from: dt.date,
    date_to: dt.date,
    donor_id: int | None = None,
    project_id: int | None = None,
) -> int | None:
    """The main sheet's row count for the long workbooks (for a progress bar), None for the short ones."""
    if name == "general-ledger":
        stmt = q.journal_line_count(date_from, date_to, donor_id=donor_id, project_id=project_id)
    elif name == "audit-trail":
        stmt = q.audit_event_count(date_from, date_to)
    else:
        return None
    with read_only_intent():
        return int(session.execute(stmt).scalar_one())
