"""The journal for the API: entries, lines with their entry date, reversals, and accounting periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...ledger.models import JournalEntry as E
from ...ledger.models import JournalLine as L
from ...ledger.models import Period
from ...reference.models import Currency
from ..paging import Page, SortKey, count_of, keyset_page

ENTRY_SORTS = {"entry_date": SortKey(E.entry_date, dt.date), "id": SortKey(E.id, int)}
ENTRY_COLUMNS = (
    E.id,
    E.entry_date,
    E.kind,
    E.source_type,
    E.source_id,
    E.description,
    E.reverses_id,
    E.reason,
    E.posted_by_id,
    E.posted_at,
    E.hash,
)
LINE_COLUMNS = (
    L.id,
    L.entry_id,
    E.entry_date,
    L.account,
    L.usd_minor,
    L.amount_minor,
    L.currency,
    Currency.exponent,
    type_coerce(L.rate, BigInteger).label("rate_scaled"),
    L.rate_date,
    L.donor_id,
    L.pledge_id,
    L.project_id,
    L.country_id,
    L.instrument_id,
)


def _dates(conditions: list[Any], args: dict[str, Any]) -> None:
    if args.get("date_from"):
        conditions.append(E.entry_date >= args["date_from"])
    if args.get("date_to"):
        conditions.append(E.entry_date <= args["date_to"])


def list_entries(session: Session, args: dict[str, Any], *, reversals_only: bool = False) -> Page:
    conditions: list[Any] = [E.reverses_id.is_not(None)] if reversals_only else []
    for name, column in (("kind", E.kind), ("source_type", E.source_type), ("source_id", E.source_id)):
        if args.get(name) is not None:
            conditions.append(column == args[name])
    _dates(conditions, args)
    return keyset_page(
        session,
        select(*ENTRY_COLUMNS).where(*conditions),
        id_column=E.id,
        sorts=ENTRY_SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(E).where(*conditions)),
    )


def get_entry(session: Session, entry_id: int) -> tuple[Any, list[Any]]:
    row = session.execute(select(*ENTRY_COLUMNS).where(E.id == entry_id)).first()
    if row is None:
        raise NotFound("This journal entry does not exist.")
    lines = session.execute(
        select(*LINE_COLUMNS)
        .join(E, E.id == L.entry_id)
        .join(Currency, Currency.code == L.currency)
        .where(L.entry_id == entry_id)
        .order_by(L.id)
    ).all()
    return row, list(lines)


def list_lines(session: Session, args: dict[str, Any]) -> Page:
    conditions: list[Any] = []
    for name in ("donor_id", "pledge_id", "project_id", "country_id", "instrument_id"):
        if args.get(name) is not None:
            conditions.append(getattr(L, name) == args[name])
    if args.get("account"):
        conditions.append(L.account == args["account"])
    if args.get("currency"):
        conditions.append(L.currency == args["currency"])
    _dates(conditions, args)
    stmt = (
        select(*LINE_COLUMNS)
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .join(Currency, Currency.code == L.currency)
        .where(*conditions)
    )
    counted = select(func.count()).select_from(L).join(E, E.id == L.entry_id).where(*conditions)
    return keyset_page(
        session,
        stmt,
        id_column=L.id,
        sorts={"id": SortKey(L.id, int)},
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, counted),
    )


PERIOD_COLUMNS = (Period.year, Period.closed, Period.closed_at, Period.closed_by_id)


def list_periods(session: Session, args: dict[str, Any]) -> Page:
    return keyset_page(
        session,
        select(*PERIOD_COLUMNS),
        id_column=Period.year,
        sorts={"year": SortKey(Period.year, int)},
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(Period)),
    )


def get_period(session: Session, year: int) -> Any:
    row = session.execute(select(*PERIOD_COLUMNS).where(Period.year == year)).first()
    if row is None:
        raise NotFound("This year has no accounting period yet.")
    return row
