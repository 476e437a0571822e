"""Pledges for the API, with the derived status (paid / partially paid from the journal) computed in SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, String, case, func, select, type_coerce
from sqlalchemy.orm import Session

from ...auth.permissions import Actor
from ...contributions.models import CONFIRMED, PAID, PARTIALLY_PAID, Instalment, Pledge, PledgeAmendment
from ...donors.models import Donor
from ...errors import NotFound
from ...ledger.models import RECEIVABLE, JournalEntry, JournalLine
from ...reference.models import Currency
from ..paging import Page, SortKey, count_of, keyset_page
from .scope import donor_filter

SORTS = {"pledge_date": SortKey(Pledge.pledge_date, dt.date), "id": SortKey(Pledge.id, int)}


def _derived() -> tuple[Any, Any, Any]:
    """(current amount, paid in the pledge currency, status) as correlated SQL expressions."""
    amended = (
        select(func.coalesce(func.sum(PledgeAmendment.delta_minor), 0))
        .where(PledgeAmendment.pledge_id == Pledge.id)
        .scalar_subquery()
    )
    paid = (
        select(func.coalesce(func.sum(-JournalLine.amount_minor), 0))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.pledge_id == Pledge.id,
            JournalLine.account == RECEIVABLE,
            JournalEntry.source_type == "payment",
        )
        .scalar_subquery()
    )
    current = Pledge.original_minor + amended
    status = case(
        (Pledge.state != CONFIRMED, Pledge.state),
        (paid >= current, PAID),
        (paid > 0, PARTIALLY_PAID),
        else_=CONFIRMED,
    )
    return current, paid, status


def _columns() -> tuple[Any, ...]:
    current, paid, status = _derived()
    return (
        Pledge.id,
        Pledge.donor_id,
        Donor.name.label("donor_name"),
        Pledge.reference,
        type_coerce(Pledge.pledge_date, String).label("pledge_date"),
        Pledge.currency,
        Currency.exponent,
        Pledge.original_minor,
        current.label("amount_minor"),
        paid.label("paid_minor"),
        type_coerce(Pledge.rate, BigInteger).label("rate_scaled"),
        type_coerce(Pledge.rate_date, String).label("rate_date"),
        status.label("status"),
        type_coerce(Pledge.psc_rate, BigInteger).label("psc_scaled"),
        Pledge.source_of_funds,
        Pledge.earmark_level,
        Pledge.earmark_instrument_id,
        Pledge.earmark_theme,
        Pledge.earmark_region,
        Pledge.earmark_country_id,
        Pledge.earmark_project_id,
        Pledge.created_at,
    )


def _joined(stmt: Any) -> Any:
    return (
        stmt.select_from(Pledge)
        .join(Donor, Donor.id == Pledge.donor_id)
        .join(Currency, Currency.code == Pledge.currency)
    )


def list_pledges(session: Session, actor: Actor, args: dict[str, Any]) -> Page:
    conditions = [donor_filter(actor, Pledge.donor_id, args.get("donor_id"))]
    if args.get("currency"):
        conditions.append(Pledge.currency == args["currency"])
    if args.get("date_from"):
        conditions.append(Pledge.pledge_date >= args["date_from"])
    if args.get("date_to"):
        conditions.append(Pledge.pledge_date <= args["date_to"])
    if args.get("earmark_level") is not None:
        conditions.append(Pledge.earmark_level == args["earmark_level"])
    if args.get("source_of_funds"):
        conditions.append(Pledge.source_of_funds == args["source_of_funds"])
    if args.get("status"):
        conditions.append(_derived()[2] == args["status"])
    stmt = _joined(select(*_columns())).where(*conditions)
    return keyset_page(
        session,
        stmt,
        id_column=Pledge.id,
        sorts=SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(Pledge).where(*conditions)),
    )


def get_pledge_rows(session: Session, actor: Actor, pledge_id: int) -> tuple[Any, list[Any], list[Any]]:
    """The pledge, its amendments and instalments (another donor's pledge does not exist for a liaison)."""
    row = session.execute(
        _joined(select(*_columns())).where(Pledge.id == pledge_id, donor_filter(actor, Pledge.donor_id))
    ).first()
    if row is None:
        raise NotFound("This pledge does not exist.")
    amendments = (
        session.execute(
            select(PledgeAmendment).where(PledgeAmendment.pledge_id == pledge_id).order_by(PledgeAmendment.id)
        )
        .scalars()
        .all()
    )
    instalments = (
        session.execute(
            select(Instalment)
            .where(Instalment.pledge_id == pledge_id)
            .order_by(Instalment.due_date, Instalment.id)
        )
        .scalars()
        .all()
    )
    return row, list(amendments), list(instalments)
