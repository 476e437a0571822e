"""What each workbook must show, straight from the database (ledger.queries figures, plain SQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from fundtracker.audit.models import AuditEvent
from fundtracker.contributions.models import Pledge
from fundtracker.fx.models import ExchangeRate
from fundtracker.ledger.models import (
    ACCOUNTS,
    CASH,
    EXPENDITURE,
    FUND_ALLOCATED,
    PSC,
    JournalEntry,
    JournalLine,
)
from fundtracker.ledger.queries import figures, totals
from fundtracker.projects.models import ProjectBudgetYear

L, E = JournalLine, JournalEntry


def usd(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _scalar(session: Session, stmt: Any) -> int:
    return int(session.execute(stmt).scalar_one() or 0)


def _lines(*conditions: Any) -> Any:
    return select(func.count(L.id)).select_from(L).join(E, E.id == L.entry_id).where(*conditions)


def _sum(expr: Any, *conditions: Any) -> Any:
    return (
        select(func.coalesce(func.sum(expr), 0)).select_from(L).join(E, E.id == L.entry_id).where(*conditions)
    )


def expected(
    session: Session,
    name: str,
    date_from: dt.date,
    date_to: dt.date,
    donor_id: int | None = None,
    project_id: int | None = None,
) -> dict[str, dict[str, Any]]:
    """{sheet: {"rows": data rows, "totals": {column header: Decimal or int}}} for one workbook."""
    within = and_(E.entry_date >= date_from, E.entry_date <= date_to)
    period = totals(session, date_from=date_from, up_to=date_to, donor_id=donor_id, project_id=project_id)
    end = totals(session, up_to=date_to, donor_id=donor_id, project_id=project_id)
    if name in ("general-ledger", "trial-balance"):
        debits = _scalar(session, _sum(L.usd_minor, within, L.usd_minor > 0))
        credits = -_scalar(session, _sum(L.usd_minor, within, L.usd_minor < 0))
        closing = {
            a: _scalar(session, _sum(L.usd_minor, E.entry_date <= date_to, L.account == a)) for a in ACCOUNTS
        }
        accounts = {
            "rows": len(ACCOUNTS),
            "totals": {
                "Opening balance USD": Decimal("0.00"),
                "Debits USD": usd(debits),
                "Credits USD": usd(credits),
                "Closing balance USD": Decimal("0.00"),
                "Closing debit USD": usd(sum(v for v in closing.values() if v > 0)),
                "Closing credit USD": usd(-sum(v for v in closing.values() if v < 0)),
            },
        }
        if name == "trial-balance":
            return {"Trial balance": accounts}
        return {
            "General ledger": {
                "rows": _scalar(session, _lines(within)),
                "totals": {"Debit USD": usd(debits), "Credit USD": usd(credits)},
            },
            "Accounts": accounts,
        }
    if name == "donor-statement":
        pledge_count = _scalar(
            session,
            select(func.count(Pledge.id)).where(Pledge.donor_id == donor_id, Pledge.pledge_date <= date_to),
        )
        receipts = _scalar(
            session, _lines(within, L.donor_id == donor_id, L.account == CASH, L.project_id.is_(None))
        )
        projects = [
            r for r in figures(session, ("project",), donor_id=donor_id, up_to=date_to) if r["project"]
        ]
        return {
            "Pledges": {
                "rows": pledge_count,
                "totals": {
                    "Pledged in period USD": usd(period["pledged"]),
                    "Received in period USD": usd(period["received"]),
                    "Outstanding at end USD": usd(end["outstanding"]),
                },
            },
            "Payments": {"rows": receipts, "totals": {"USD": usd(period["received"])}},
            "Use of funds": {
                "rows": len(projects),
                "totals": {
                    "Allocated in period USD": usd(period["allocated"]),
                    "Spent in period USD": usd(period["spent"]),
                    "PSC in period USD": usd(period["psc"]),
                    "Unspent allocation at end USD": usd(end["available_to_spend"]),
                },
            },
        }
    if name == "project-statement":
        pledges = [
            r for r in figures(session, ("pledge",), project_id=project_id, up_to=date_to) if r["pledge"]
        ]
        spending = _scalar(
            session, _lines(within, L.project_id == project_id, L.account.in_((EXPENDITURE, PSC)))
        )
        budget = session.execute(
            select(func.count(), func.coalesce(func.sum(ProjectBudgetYear.original_usd_minor), 0)).where(
                ProjectBudgetYear.project_id == project_id
            )
        ).one()
        return {
            "Funding": {
                "rows": len(pledges),
                "totals": {
                    "Allocated in period USD": usd(period["allocated"]),
                    "Spent in period USD": usd(period["spent"]),
                    "PSC in period USD": usd(period["psc"]),
                    "Available to spend at end USD": usd(end["available_to_spend"]),
                },
            },
            "Expenditure": {
                "rows": spending,
                "totals": {"Direct expenditure USD": usd(period["spent"]), "PSC USD": usd(period["psc"])},
            },
            "Budget": {"rows": int(budget[0]), "totals": {"Original budget USD": usd(int(budget[1]))}},
        }
    if name == "contributions-by-year":
        by_year = {
            r["year"]: r
            for r in figures(session, ("year",), date_from=date_from, up_to=date_to, donor_id=donor_id)
        }
        by_donor = figures(session, ("donor",), date_from=date_from, up_to=date_to, donor_id=donor_id)
        result = {}
        for sheet, figure in (("Received by year", "received"), ("Pledged by year", "pledged")):
            columns = {
                str(y): usd(by_year[y][figure] if y in by_year else 0)
                for y in range(date_from.year, date_to.year + 1)
            }
            result[sheet] = {
                "rows": sum(1 for r in by_donor if r["donor"] and r[figure]),
                "totals": {**columns, "Total USD": usd(period[figure])},
            }
        return result
    if name == "allocations-psc":
        allocations = _scalar(session, _lines(within, L.account == FUND_ALLOCATED))
        charged = [
            r
            for r in figures(session, ("project", "pledge"), date_from=date_from, up_to=date_to)
            if r["project"] and (r["spent"] or r["psc"])
        ]
        return {
            "Allocations": {"rows": allocations, "totals": {"Allocated USD": usd(period["allocated"])}},
            "PSC": {
                "rows": len(charged),
                "totals": {
                    "Direct expenditure USD": usd(period["spent"]),
                    "PSC USD": usd(period["psc"]),
                    "Charged incl. PSC USD": usd(period["spent"] + period["psc"]),
                },
            },
        }
    if name == "exchange-rates":
        foreign = and_(within, L.rate.is_not(None), L.currency != "USD")
        used = (
            select(L.currency, L.rate_date, L.rate)
            .select_from(L)
            .join(E, E.id == L.entry_id)
            .where(foreign)
            .distinct()
            .subquery()
        )
        groups = session.execute(select(func.count()).select_from(used)).scalar_one()
        rates = _scalar(
            session,
            select(func.count(ExchangeRate.id)).where(
                ExchangeRate.effective_date >= date_from, ExchangeRate.effective_date <= date_to
            ),
        )
        return {
            "Rates used": {
                "rows": int(groups),
                "totals": {
                    "Journal lines": _scalar(session, _lines(foreign)),
                    "USD of those lines": usd(_scalar(session, _sum(L.usd_minor, foreign))),
                },
            },
            "Rate table": {"rows": rates, "totals": {"Currency": rates}},
        }
    if name == "audit-trail":
        start = dt.datetime.combine(date_from, dt.time(0), tzinfo=dt.UTC)
        stop = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
        events = _scalar(
            session,
            select(func.count(AuditEvent.id)).where(
                AuditEvent.occurred_at >= start, AuditEvent.occurred_at < stop
            ),
        )
        return {"Audit trail": {"rows": events, "totals": {"Event": events}}}
    raise AssertionError(name)
