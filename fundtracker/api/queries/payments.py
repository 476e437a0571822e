"""Payments as the API lists them: one statement for the page, one key read (or count) for the total."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, String, func, select, type_coerce
from sqlalchemy.orm import Session

from ...auth.permissions import Actor
from ...contributions.models import Payment, Pledge
from ...donors.models import Donor
from ...errors import NotFound
from ...ledger.models import JournalEntry
from ...reference.models import Currency
from ..models import RowTally
from ..paging import Page, SortKey, count_of, keyset_page
from .scope import donor_filter, visible_donor

P = Payment
SORTS = {
    "received_date": SortKey(P.received_date, dt.date),
    "id": SortKey(P.id, int),
    "usd_amount": SortKey(P.usd_minor, int),
}
# Dates and rates are read as stored and turned into text directly: no date or Decimal objects per row.
COLUMNS = (
    P.id,
    P.pledge_id,
    Pledge.donor_id,
    Donor.name.label("donor_name"),
    type_coerce(P.received_date, String).label("received_date"),
    P.currency,
    Currency.exponent,
    P.amount_minor,
    type_coerce(P.rate, BigInteger).label("rate_scaled"),
    type_coerce(P.rate_date, String).label("rate_date"),
    P.usd_minor,
    P.reference,
)


def _conditions(actor: Actor, args: dict[str, Any]) -> list[Any]:
    conditions = []
    if args.get("pledge_id") is not None:
        conditions.append(P.pledge_id == args["pledge_id"])
    if args.get("currency"):
        conditions.append(P.currency == args["currency"])
    if args.get("date_from"):
        conditions.append(P.received_date >= args["date_from"])
    if args.get("date_to"):
        conditions.append(P.received_date <= args["date_to"])
    return conditions


def _joined(stmt: Any) -> Any:
    return (
        stmt.select_from(P)
        .join(Pledge, Pledge.id == P.pledge_id)
        .join(Donor, Donor.id == Pledge.donor_id)
        .join(Currency, Currency.code == P.currency)
    )


def list_payments(session: Session, actor: Actor, args: dict[str, Any]) -> Page:
    conditions = _conditions(actor, args)
    donor_scoped = visible_donor(actor) is not None or args.get("donor_id") is not None
    if donor_scoped:
        conditions.append(donor_filter(actor, Pledge.donor_id, args.get("donor_id")))
    stmt = _joined(select(*COLUMNS)).where(*conditions)
    if conditions:
        counted = select(func.count()).select_from(P)
        if donor_scoped:
            counted = counted.join(Pledge, Pledge.id == P.pledge_id)
        total = count_of(session, counted.where(*conditions))
    else:
        # Payments are never deleted, so the trigger-kept tally is their exact count (migration 0003).
        total = count_of(
            session,
            select(
                func.coalesce(
                    select(RowTally.inserted).where(RowTally.name == "payment").scalar_subquery(),
                    select(func.count()).select_from(P).scalar_subquery(),
                )
            ),
        )
    return keyset_page(
        session,
        stmt,
        id_column=P.id,
        sorts=SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=total,
    )


def get_payment(session: Session, actor: Actor, payment_id: int) -> Any:
    stmt = (
        _joined(select(*COLUMNS, JournalEntry.id.label("journal_entry_id")))
        .outerjoin(
            JournalEntry,
            (JournalEntry.source_type == "payment")
            & (JournalEntry.source_id == P.id)
            & JournalEntry.reverses_id.is_(None),
        )
        .where(P.id == payment_id, donor_filter(actor, Pledge.donor_id))
    )
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound("This payment does not exist.")
    return row
