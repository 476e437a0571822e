"""Allocations and expenditures for the API; a liaison sees those of its own donor's money only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, exists, func, select, type_coerce
from sqlalchemy.orm import Session

from ...allocations.models import Allocation as A
from ...allocations.models import Expenditure as X
from ...auth.permissions import Actor
from ...contributions.models import Pledge
from ...errors import NotFound
from ...ledger.models import JournalEntry, JournalLine
from ...projects.models import Project
from ...reference.models import Currency
from ..paging import Page, SortKey, count_of, keyset_page
from .scope import donor_filter, visible_donor

ALLOCATION_SORTS = {"allocation_date": SortKey(A.allocation_date, dt.date), "id": SortKey(A.id, int)}
ALLOCATION_COLUMNS = (
    A.id,
    A.pledge_id,
    Pledge.donor_id,
    A.project_id,
    Project.code.label("project_code"),
    A.allocation_date,
    A.usd_minor,
    A.note,
)


def _allocations(stmt: Any) -> Any:
    return (
        stmt.select_from(A).join(Pledge, Pledge.id == A.pledge_id).join(Project, Project.id == A.project_id)
    )


def list_allocations(session: Session, actor: Actor, args: dict[str, Any]) -> Page:
    conditions = [donor_filter(actor, Pledge.donor_id, args.get("donor_id"))]
    for name, column in (("pledge_id", A.pledge_id), ("project_id", A.project_id)):
        if args.get(name) is not None:
            conditions.append(column == args[name])
    if args.get("date_from"):
        conditions.append(A.allocation_date >= args["date_from"])
    if args.get("date_to"):
        conditions.append(A.allocation_date <= args["date_to"])
    counted = select(func.count()).select_from(A).join(Pledge, Pledge.id == A.pledge_id).where(*conditions)
    return keyset_page(
        session,
        _allocations(select(*ALLOCATION_COLUMNS)).where(*conditions),
        id_column=A.id,
        sorts=ALLOCATION_SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, counted),
    )


def get_allocation(session: Session, actor: Actor, allocation_id: int) -> Any:
    row = session.execute(
        _allocations(select(*ALLOCATION_COLUMNS)).where(
            A.id == allocation_id, donor_filter(actor, Pledge.donor_id)
        )
    ).first()
    if row is None:
        raise NotFound("This allocation does not exist.")
    return row


EXPENDITURE_SORTS = {"expenditure_date": SortKey(X.expenditure_date, dt.date), "id": SortKey(X.id, int)}
EXPENDITURE_COLUMNS = (
    X.id,
    X.project_id,
    Project.code.label("project_code"),
    X.expenditure_date,
    X.amount_minor,
    X.currency,
    Currency.exponent,
    X.usd_minor,
    type_coerce(X.rate, BigInteger).label("rate_scaled"),
    X.rate_date,
    X.description,
)


def _charged_to(donor_id: int) -> Any:
    """The expenditure was charged (at least partly) to this donor's money."""
    return exists(
        select(JournalLine.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalEntry.source_type == "expenditure",
            JournalEntry.source_id == X.id,
            JournalLine.donor_id == donor_id,
        )
    )


def _expenditure_scope(actor: Actor, donor_id: int | None) -> list[Any]:
    own = visible_donor(actor)
    conditions = []
    if own is not None:
        conditions.append(_charged_to(own))
    if donor_id is not None:
        conditions.append(_charged_to(donor_id))
    return conditions


def _expenditures(stmt: Any) -> Any:
    return (
        stmt.select_from(X)
        .join(Project, Project.id == X.project_id)
        .join(Currency, Currency.code == X.currency)
    )


def list_expenditures(session: Session, actor: Actor, args: dict[str, Any]) -> Page:
    conditions = _expenditure_scope(actor, args.get("donor_id"))
    if args.get("project_id") is not None:
        conditions.append(X.project_id == args["project_id"])
    if args.get("country_id") is not None:
        conditions.append(Project.lead_country_id == args["country_id"])
    if args.get("instrument_id") is not None:
        conditions.append(Project.lead_instrument_id == args["instrument_id"])
    if args.get("currency"):
        conditions.append(X.currency == args["currency"])
    if args.get("date_from"):
        conditions.append(X.expenditure_date >= args["date_from"])
    if args.get("date_to"):
        conditions.append(X.expenditure_date <= args["date_to"])
    counted = select(func.count()).select_from(X).join(Project, Project.id == X.project_id).where(*conditions)
    return keyset_page(
        session,
        _expenditures(select(*EXPENDITURE_COLUMNS)).where(*conditions),
        id_column=X.id,
        sorts=EXPENDITURE_SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, counted),
    )


def get_expenditure(session: Session, actor: Actor, expenditure_id: int) -> Any:
    entry = (
        select(JournalEntry.id)
        .where(
            JournalEntry.source_type == "expenditure",
            JournalEntry.source_id == X.id,
            JournalEntry.reverses_id.is_(None),
        )
        .limit(1)
        .scalar_subquery()
    )
    row = session.execute(
        _expenditures(select(*EXPENDITURE_COLUMNS, entry.label("journal_entry_id"))).where(
            X.id == expenditure_id, *_expenditure_scope(actor, None)
        )
    ).first()
    if row is None:
        raise NotFound("This expenditure does not exist.")
    return row
