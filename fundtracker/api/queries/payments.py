"""Payments as the API lists them: one statement for the page, one key read (or count) for the total."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Date, String, and_, bindparam, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ...auth.permissions import Actor
from ...contributions.models import Payment, Pledge
from ...database import Prepared, Reader
from ...donors.models import Donor
from ...errors import NotFound
from ...ledger.models import JournalEntry
from ...reference.models import Currency
from ..models import RowTally
from ..paging import Page, SortKey, decode_cursor, encode_cursor
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


def _joined(stmt: Any) -> Any:
    return (
        stmt.select_from(P)
        .join(Pledge, Pledge.id == P.pledge_id)
        .join(Donor, Donor.id == Pledge.donor_id)
        .join(Currency, Currency.code == P.currency)
    )


# SQLite keeps dates as ISO text and compares them as text; PostgreSQL needs them typed as dates.
_FILTERS = {
    "pledge_id": lambda day: P.pledge_id == bindparam("pledge_id"),
    "currency": lambda day: P.currency == bindparam("currency"),
    "date_from": lambda day: type_coerce(P.received_date, day) >= bindparam("date_from", type_=day),
    "date_to": lambda day: type_coerce(P.received_date, day) <= bindparam("date_to", type_=day),
    "donor_id": lambda day: Pledge.donor_id == bindparam("donor_id"),
    "own_donor": lambda day: Pledge.donor_id == bindparam("own_donor"),
}
_BY_DONOR = frozenset({"donor_id", "own_donor"})
# Where each sort's value sits in a row of COLUMNS (the keyset cursor carries it with the id, column 0).
_SORT_AT = {"received_date": 4, "id": 0, "usd_amount": 10}
# One statement per shape (dialect, sort, filters present, cursor or not), compiled once: see database.Prepared.
_PAGES: dict[tuple[Any, ...], Prepared] = {}
_COUNTS: dict[tuple[Any, ...], Prepared] = {}
# Payments are never deleted, so the trigger-kept tally is their exact count (migration 0003).
_TALLY = Prepared(select(RowTally.inserted).where(RowTally.name == "payment"))


def _day_type(dialect: str) -> Any:
    return String if dialect == "sqlite" else Date


def _page_statement(dialect: str, sort: str, filters: tuple[str, ...], after: bool) -> Prepared:
    key = (dialect, sort, filters, after)
    found = _PAGES.get(key)
    if found is None:
        name = sort.lstrip("-")
        day = _day_type(dialect)
        column = type_coerce(SORTS[name].column, day if name == "received_date" else BigInteger)
        stmt = _joined(select(*COLUMNS)).where(*(_FILTERS[f](day) for f in filters))
        if after:
            value, row_id = bindparam("after_value", type_=column.type), bindparam("after_id")
            newer = column < value if sort.startswith("-") else column > value
            tie = P.id < row_id if sort.startswith("-") else P.id > row_id
            stmt = stmt.where(or_(newer, and_(column == value, tie)))
        order = (column.desc(), P.id.desc()) if sort.startswith("-") else (column.asc(), P.id.asc())
        found = _PAGES[key] = Prepared(stmt.order_by(*order).limit(bindparam("limit")))
    return found


def _count_statement(dialect: str, filters: tuple[str, ...]) -> Prepared:
    key = (dialect, filters)
    found = _COUNTS.get(key)
    if found is None:
        stmt = select(func.count()).select_from(P)
        if _BY_DONOR.intersection(filters):
            stmt = stmt.join(Pledge, Pledge.id == P.pledge_id)
        day = _day_type(dialect)
        found = _COUNTS[key] = Prepared(stmt.where(*(_FILTERS[f](day) for f in filters)))
    return found


def list_payments(reader: Reader, actor: Actor, args: dict[str, Any]) -> Page:
    """A page of payments as plain tuples in COLUMNS order, with the total and the next page's cursor."""
    dialect = reader.dialect.name
    textual = dialect == "sqlite"

    def day(value: Any) -> Any:
        return value.isoformat() if textual and isinstance(value, dt.date) else value

    values: dict[str, Any] = {name: args.get(name) for name in ("pledge_id", "currency", "donor_id")}
    for name in ("date_from", "date_to"):
        values[name] = day(args.get(name))
    values["own_donor"] = visible_donor(actor)
    filters = tuple(name for name in _FILTERS if values.get(name) is not None)
    sort, per_page = args["sort"], args["per_page"]
    params = {**{f: values[f] for f in filters}, "limit": per_page + 1}
    if args.get("cursor"):
        after, row_id = decode_cursor(args["cursor"], sort, SORTS[sort.lstrip("-")])
        params["after_value"] = day(after)
        params["after_id"] = row_id
    rows = _page_statement(dialect, sort, filters, bool(args.get("cursor"))).rows(reader, params)
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = encode_cursor(sort, rows[-1][_SORT_AT[sort.lstrip("-")]], rows[-1][0]) if more else None
    tally = None if filters else _TALLY.rows(reader, {})
    if tally:
        total = int(tally[0][0])
    else:
        total = int(_count_statement(dialect, filters).rows(reader, {f: values[f] for f in filters})[0][0])
    return Page(rows, total, next_cursor)


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
