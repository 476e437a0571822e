"""Per-workbook glue: run the workbook's SQL (ledger.queries figures, streamed rows) and feed its builder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..database import read_only_intent
from ..ledger.models import EXPENDITURE
from ..ledger.queries import figures, totals
from . import fund_books, ledger_books
from . import queries as q
from .fund_books import Figure
from .meta import ExportMeta

Progress = Callable[[int], None] | None
_SPEND_FIGURES = ("allocated", "spent", "psc")


@dataclass(frozen=True, slots=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    donor_id: int | None
    project_id: int | None


def _figures(session: Session, by: tuple[str, ...] = (), **kw: Any) -> list[dict[str, Any]]:
    with read_only_intent():
        return figures(session, by, **kw)


def _totals(session: Session, **kw: Any) -> dict[str, Any]:
    with read_only_intent():
        return totals(session, **kw)


def _period_and_end(
    session: Session, dim: str, f: Filters, period_keys: tuple[str, ...], end_key: str, **scope: Any
) -> dict[int, tuple[int, ...]]:
    """Per `dim` id seen by the period's end: its `period_keys` in the period (else 0), then `end_key` at the end."""
    in_period = {r[dim]: r for r in _figures(session, (dim,), date_from=f.date_from, up_to=f.date_to, **scope)}
    at_end = [r for r in _figures(session, (dim,), up_to=f.date_to, **scope) if r[dim] is not None]
    no_movement = dict.fromkeys(period_keys, 0)
    return {r[dim]: (*(in_period.get(r[dim], no_movement)[k] for k in period_keys), r[end_key]) for r in at_end}


def run_general_ledger(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    dims = {"donor_id": f.donor_id, "project_id": f.project_id}
    balances = q.fetch(session, q.account_balances(f.date_from, f.date_to, **dims))
    lines = q.stream(session, q.journal_lines(f.date_from, f.date_to, **dims))
    yield from ledger_books.general_ledger(lines, balances, meta, progress=progress)


def run_trial_balance(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    balances = q.fetch(
        session, q.account_balances(f.date_from, f.date_to, donor_id=f.donor_id, project_id=f.project_id)
    )
    yield from ledger_books.trial_balance(balances, meta)


def run_donor_statement(
    session: Session, f: Filters, meta: ExportMeta, progress: Progress
) -> Iterator[bytes]:
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
    pledge_figures = _period_and_end(session, "pledge", f, ("pledged", "received"), "outstanding", donor_id=donor_id)
    pledges = q.fetch(session, q.pledges_of(donor_id, f.date_to, with_ids=list(pledge_figures)))
    receipts = q.stream(
        session, q.journal_lines(f.date_from, f.date_to, donor_id=donor_id, cash_receipts_only=True)
    )
    project_figures = _period_and_end(session, "project", f, _SPEND_FIGURES, "available_to_spend", donor_id=donor_id)
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


def run_project_statement(
    session: Session, f: Filters, meta: ExportMeta, progress: Progress
) -> Iterator[bytes]:
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
    funding_figures = _period_and_end(session, "pledge", f, _SPEND_FIGURES, "available_to_spend", project_id=project_id)
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


def run_contributions_by_year(
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


def run_allocations_psc(
    session: Session, f: Filters, meta: ExportMeta, progress: Progress
) -> Iterator[bytes]:
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


def run_exchange_rates(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    used = q.fetch(session, q.rates_used(f.date_from, f.date_to))
    table = q.fetch(session, q.rate_table(f.date_from, f.date_to))
    yield from ledger_books.exchange_rates(used, table, meta)


def run_audit_trail(session: Session, f: Filters, meta: ExportMeta, progress: Progress) -> Iterator[bytes]:
    yield from ledger_books.audit_trail(
        q.stream(session, q.audit_events(f.date_from, f.date_to)), meta, progress=progress
    )
