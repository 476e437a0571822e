"""Exporting a workbook: permission first, an audit event for every export, then one builder's streamed bytes.

The portal, the API and `flask export` all call export_workbook(); the bytes are produced lazily, so a caller
in a web request must iterate them inside the request's context (flask.stream_with_context).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .. import __version__
from ..audit.services import record_event
from ..auth.models import ADMIN, AUDITOR, DONOR_LIAISON, FINANCE, PROJECT_OFFICER
from ..auth.permissions import Actor, require_donor_visible
from ..database import read_only_intent
from ..donors.models import Donor
from ..errors import InvalidInput, NotFound, PermissionDenied
from ..ledger.models import EXPENDITURE
from ..ledger.queries import figures, totals
from ..projects.models import Project
from . import fund_books, ledger_books
from . import queries as q
from .fund_books import Figure
from .meta import ExportMeta

Progress = Callable[[int], None] | None
FULL = (ADMIN, FINANCE, AUDITOR)
FUND_WIDE = (*FULL, PROJECT_OFFICER)  # DESIGN: a project officer reads fund-wide figures
MAX_YEARS = 50


@dataclass(frozen=True, slots=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    donor_id: int | None
    project_id: int | None


@dataclass(frozen=True, slots=True)
class WorkbookSpec:
    title: str
    roles: tuple[str, ...]
    filters: tuple[str, ...]  # which of donor_id / project_id it accepts
    required: tuple[str, ...]
    notes: tuple[str, ...]
    run: Callable[[Session, Filters, ExportMeta, Progress], Iterator[bytes]]


def _figures(session: Session, by: tuple[str, ...] = (), **kw: Any) -> list[dict[str, Any]]:
    with read_only_intent():
        return figures(session, by, **kw)


def _totals(session: Session, **kw: Any) -> dict[str, Any]:
    with read_only_intent():
        return totals(session, **kw)


def _general_ledger(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    dims = {"donor_id": f.donor_id, "project_id": f.project_id}
    balances = q.fetch(session, q.account_balances(f.date_from, f.date_to, **dims))
    lines = q.stream(session, q.journal_lines(f.date_from, f.date_to, **dims))
    yield from ledger_books.general_ledger(lines, balances, meta, progress=progress)


def _trial_balance(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    balances = q.fetch(
        session, q.account_balances(f.date_from, f.date_to, donor_id=f.donor_id, project_id=f.project_id)
    )
    yield from ledger_books.trial_balance(balances, meta)


def _donor_statement(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    donor_id = f.donor_id
    assert donor_id is not None
    period = _totals(session, donor_id=donor_id, date_from=f.date_from, up_to=f.date_to)
    end = _totals(session, donor_id=donor_id, up_to=f.date_to)
    summary = [
        Figure("Pledged in the period", period["pledged"], "confirmed pledges and amendments by their date"),
        Figure("Received in the period", period["received"], "cash received by receipt date, net of refunds"),
        Figure(
            "Written off or cancelled in the period", period["written_off"], "by the date of the decision"
        ),
        Figure("Allocated to projects in the period", period["allocated"], "by allocation date"),
        Figure("Spent on projects in the period", period["spent"], "direct expenditure by expenditure date"),
        Figure("PSC charged in the period", period["psc"], "programme support costs by expenditure date"),
        Figure("Outstanding at the end of the period", end["outstanding"], "contributions receivable"),
        Figure(
            "Received, not yet allocated, at the end", end["available_to_allocate"], "received − allocated"
        ),
        Figure("Allocated, not yet spent, at the end", end["available_to_spend"], "allocated − spent − PSC"),
    ]
    by_pledge = {
        r["pledge"]: r
        for r in _figures(session, ("pledge",), donor_id=donor_id, date_from=f.date_from, up_to=f.date_to)
        if r["pledge"] is not None
    }
    pledge_end = {
        r["pledge"]: r
        for r in _figures(session, ("pledge",), donor_id=donor_id, up_to=f.date_to)
        if r["pledge"] is not None
    }
    pledge_figures = {
        pid: (
            by_pledge[pid]["pledged"] if pid in by_pledge else 0,
            by_pledge[pid]["received"] if pid in by_pledge else 0,
            pledge_end[pid]["outstanding"],
        )
        for pid in pledge_end
    }
    pledges = q.fetch(session, q.pledges_of(donor_id, f.date_to, with_ids=list(pledge_figures)))
    receipts = q.stream(
        session, q.journal_lines(f.date_from, f.date_to, donor_id=donor_id, cash_receipts_only=True)
    )
    by_project = {
        r["project"]: r
        for r in _figures(session, ("project",), donor_id=donor_id, date_from=f.date_from, up_to=f.date_to)
        if r["project"] is not None
    }
    project_end = {
        r["project"]: r
        for r in _figures(session, ("project",), donor_id=donor_id, up_to=f.date_to)
        if r["project"] is not None
    }
    project_figures = {
        pid: (
            *((by_project[pid][k] if pid in by_project else 0) for k in ("allocated", "spent", "psc")),
            project_end[pid]["available_to_spend"],
        )
        for pid in project_end
    }
    projects = q.fetch(session, q.projects_named(list(project_figures)))
    yield from fund_books.donor_statement(
        summary=summary,
        pledges=pledges,
        pledge_figures=pledge_figures,
        receipts=receipts,
        projects=projects,
        project_figures=project_figures,
        meta=meta,
    )


def _project_statement(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    project_id = f.project_id
    assert project_id is not None
    header = q.fetch(session, q.project_header(project_id))[0]
    details = [
        ("Project code", header.code),
        ("Title", header.title),
        ("Implementing entity", header.entity),
        ("Project officer", header.officer or ""),
        ("Status", header.status),
        ("Start date", header.start_date.isoformat()),
        ("End date", header.end_date.isoformat()),
        ("Lead beneficiary country", header.country),
        ("Lead instrument", header.instrument),
    ]
    period = _totals(session, project_id=project_id, date_from=f.date_from, up_to=f.date_to)
    end = _totals(session, project_id=project_id, up_to=f.date_to)
    summary = [
        Figure("Allocated in the period", period["allocated"], "by allocation date"),
        Figure("Spent in the period", period["spent"], "direct expenditure by expenditure date"),
        Figure("PSC charged in the period", period["psc"], "by expenditure date"),
        Figure("Allocated to the end of the period", end["allocated"], "since inception"),
        Figure("Spent to the end of the period", end["spent"], "since inception"),
        Figure("PSC charged to the end of the period", end["psc"], "since inception"),
        Figure("Available to spend at the end", end["available_to_spend"], "allocated − spent − PSC"),
    ]
    in_period = {
        r["pledge"]: r
        for r in _figures(session, ("pledge",), project_id=project_id, date_from=f.date_from, up_to=f.date_to)
    }
    at_end = {
        r["pledge"]: r
        for r in _figures(session, ("pledge",), project_id=project_id, up_to=f.date_to)
        if r["pledge"] is not None
    }
    funding_figures = {
        pid: (
            *((in_period[pid][k] if pid in in_period else 0) for k in ("allocated", "spent", "psc")),
            at_end[pid]["available_to_spend"],
        )
        for pid in at_end
    }
    funding = q.fetch(session, q.pledge_funding(list(funding_figures)))
    spending = q.stream(session, q.spending_lines(f.date_from, f.date_to, project_id))
    budget = q.fetch(session, q.project_budget(project_id))
    yield from fund_books.project_statement(
        details=details,
        summary=summary,
        funding=funding,
        funding_figures=funding_figures,
        spending=spending,
        budget=budget,
        meta=meta,
        expenditure_account=EXPENDITURE,
    )


def _contributions_by_year(
    session: Session, f: Filters, meta: ExportMeta, progress: Progress
) -> Iterator[bytes]:
    rows = [
        r
        for r in _figures(
            session, ("donor", "year"), donor_id=f.donor_id, date_from=f.date_from, up_to=f.date_to
        )
        if r["donor"] is not None
    ]
    received = {(r["donor"], r["year"]): r["received"] for r in rows}
    pledged = {(r["donor"], r["year"]): r["pledged"] for r in rows}
    donors = [(r.id, r.name) for r in q.fetch(session, q.donor_names(sorted({r["donor"] for r in rows})))]
    yield from fund_books.contributions_by_year(
        years=list(range(f.date_from.year, f.date_to.year + 1)),
        donors=donors,
        received=received,
        pledged=pledged,
        meta=meta,
    )


def _allocations_psc(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    charged = [
        r
        for r in _figures(
            session,
            ("project", "pledge"),
            donor_id=f.donor_id,
            project_id=f.project_id,
            date_from=f.date_from,
            up_to=f.date_to,
        )
        if r["project"] is not None and (r["spent"] or r["psc"])
    ]
    projects = {r.id: r for r in q.fetch(session, q.projects_named(sorted({r["project"] for r in charged})))}
    pledges = {r.id: r for r in q.fetch(session, q.pledge_funding(sorted({r["pledge"] for r in charged})))}
    psc = [
        PscRow(
            projects[r["project"]].code,
            projects[r["project"]].title,
            pledges[r["pledge"]].donor,
            r["pledge"],
            pledges[r["pledge"]].psc_rate,
            r["spent"],
            r["psc"],
        )
        for r in charged
    ]
    psc.sort(key=lambda r: (r.code, r.pledge_id))
    allocations = q.stream(
        session, q.allocation_lines(f.date_from, f.date_to, donor_id=f.donor_id, project_id=f.project_id)
    )
    yield from fund_books.allocations_and_psc(allocations=allocations, psc=psc, meta=meta)


@dataclass(frozen=True, slots=True)
class PscRow:
    code: str
    title: str
    donor: str
    pledge_id: int
    psc_rate: Any
    spent: int
    psc: int


def _exchange_rates(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    used = q.fetch(session, q.rates_used(f.date_from, f.date_to))
    table = q.fetch(session, q.rate_table(f.date_from, f.date_to))
    yield from ledger_books.exchange_rates(used, table, meta)


def _audit_trail(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    yield from ledger_books.audit_trail(
        q.stream(session, q.audit_events(f.date_from, f.date_to)), meta, progress=progress
    )


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
        _general_ledger,
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
        _donor_statement,
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
        _project_statement,
    ),
    "trial-balance": WorkbookSpec(
        "Trial balance",
        FUND_WIDE,
        (DONOR, PROJECT),
        (),
        ("Opening balances count postings before the period; debits and credits those within it.",),
        _trial_balance,
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
        _contributions_by_year,
    ),
    "allocations-psc": WorkbookSpec(
        "Allocations and programme support costs",
        FUND_WIDE,
        (DONOR, PROJECT),
        (),
        ("Allocations by allocation date; PSC by expenditure date, at each contribution's agreed rate.",),
        _allocations_psc,
    ),
    "exchange-rates": WorkbookSpec(
        "Exchange rates used",
        FUND_WIDE,
        (),
        (),
        ("UN operational rates of exchange, currency units per 1 USD, as stored on each journal line.",),
        _exchange_rates,
    ),
    "audit-trail": WorkbookSpec(
        "Audit trail",
        FULL,
        (),
        (),
        ("Events whose UTC time falls within the period's days; each hash chains to the event before it.",),
        _audit_trail,
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
