"""Balances: every figure is a SQL aggregate over journal lines (USD cents), never a loop over objects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, extract, func, select
from sqlalchemy.orm import Session

from .models import (
    CASH,
    EXPENDITURE,
    FUND_ALLOCATED,
    FX_REALISED,
    FX_UNREALISED,
    PSC,
    RECEIVABLE,
    JournalEntry,
    JournalLine,
)

L, E = JournalLine, JournalEntry


def _sum(condition: ColumnElement[bool], value: Any = L.usd_minor, sign: int = 1) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, value * sign), else_=0)), 0)


# Each figure, with the date that defines its year when grouped by year (rule 10):
FIGURES: dict[str, ColumnElement[int]] = {
    # confirmed pledges and amendments, in USD at the pledge-date rate (pledge or amendment date)
    "pledged": _sum(and_(L.account == RECEIVABLE, E.source_type == "pledge")),
    # cash received from donors net of refunds (receipt date)
    "received": _sum(and_(L.account == CASH, L.project_id.is_(None))),
    # contributions still receivable at their carrying USD value
    "outstanding": _sum(L.account == RECEIVABLE),
    "allocated": _sum(L.account == FUND_ALLOCATED, sign=-1),
    "spent": _sum(L.account == EXPENDITURE),
    "psc": _sum(L.account == PSC),
    # gains are credits, so a gain is a positive figure here
    "fx_realised": _sum(L.account == FX_REALISED, sign=-1),
    "fx_unrealised": _sum(L.account == FX_UNREALISED, sign=-1),
    "written_off": _sum(
        and_(L.account == RECEIVABLE, E.source_type.in_(("cancellation", "write_off"))), sign=-1
    ),
}
DERIVED = {
    "available_to_allocate": lambda r: r["received"] - r["allocated"],
    "available_to_spend": lambda r: r["allocated"] - r["spent"] - r["psc"],
}
DIMENSIONS: dict[str, ColumnElement[Any]] = {
    "donor": L.donor_id,
    "pledge": L.pledge_id,
    "project": L.project_id,
    "country": L.country_id,
    "instrument": L.instrument_id,
    "year": extract("year", E.entry_date),
}


def figures(
    session: Session,
    by: Sequence[str] = (),
    *,
    donor_id: int | None = None,
    pledge_ids: Iterable[int] | None = None,
    project_id: int | None = None,
    up_to: dt.date | None = None,
    date_from: dt.date | None = None,
) -> list[dict[str, Any]]:
    """All figures in USD cents, grouped by the named dimensions, in one statement."""
    groups = [DIMENSIONS[name].label(name) for name in by]
    stmt = (
        select(*groups, *(expr.label(name) for name, expr in FIGURES.items()))
        .select_from(L)
        .join(E, E.id == L.entry_id)
    )
    if donor_id is not None:
        stmt = stmt.where(L.donor_id == donor_id)
    if pledge_ids is not None:
        stmt = stmt.where(L.pledge_id.in_(list(pledge_ids)))
    if project_id is not None:
        stmt = stmt.where(L.project_id == project_id)
    if up_to is not None:
        stmt = stmt.where(E.entry_date <= up_to)
    if date_from is not None:
        stmt = stmt.where(E.entry_date >= date_from)
    if groups:
        stmt = stmt.group_by(*groups).order_by(*groups)
    rows = []
    for row in session.execute(stmt).mappings():
        item = {k: (int(v) if k in FIGURES and v is not None else v) for k, v in row.items()}
        if "year" in item and item["year"] is not None:
            item["year"] = int(item["year"])
        for name, fn in DERIVED.items():
            item[name] = fn(item)
        rows.append(item)
    return rows


def totals(session: Session, **filters: Any) -> dict[str, Any]:
    return figures(session, (), **filters)[0]


def paid_original(session: Session, pledge_id: int) -> int:
    """What the donor has paid on a pledge, in the pledge's currency (minor units)."""
    value = session.execute(
        select(func.coalesce(func.sum(-L.amount_minor), 0))
        .join(E, E.id == L.entry_id)
        .where(L.pledge_id == pledge_id, L.account == RECEIVABLE, E.source_type == "payment")
    ).scalar_one()
    return int(value)


def receivable_usd(session: Session, pledge_id: int, up_to: dt.date | None = None) -> int:
    stmt = (
        select(func.coalesce(func.sum(L.usd_minor), 0))
        .join(E, E.id == L.entry_id)
        .where(L.pledge_id == pledge_id, L.account == RECEIVABLE)
    )
    if up_to is not None:
        stmt = stmt.where(E.entry_date <= up_to)
    return int(session.execute(stmt).scalar_one())


def project_pledge_balances(session: Session, project_id: int) -> list[dict[str, Any]]:
    """Per pledge funding a project: allocated, spent, PSC and what is left to spend."""
    return [r for r in figures(session, ("pledge",), project_id=project_id) if r["pledge"] is not None]


def negative_balances(session: Session, pledge_ids: Iterable[int]) -> list[str]:
    """Rule 6 checked after the fact: every balance a posting can drive below zero, for the given pledges."""
    pledge_ids = list(set(pledge_ids))
    if not pledge_ids:
        return []
    problems = []
    for row in figures(session, ("pledge",), pledge_ids=pledge_ids):
        if row["available_to_allocate"] < 0:
            problems.append(f"pledge {row['pledge']}: allocations exceed the money received")
        if row["outstanding"] < 0:
            problems.append(f"pledge {row['pledge']}: more was paid than pledged")
    for row in figures(session, ("pledge", "project"), pledge_ids=pledge_ids):
        if row["project"] is not None and row["available_to_spend"] < 0:
            problems.append(
                f"pledge {row['pledge']} on project {row['project']}: spending exceeds the allocation"
            )
    return problems
