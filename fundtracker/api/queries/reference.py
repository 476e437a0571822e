"""Reference data for the API: currencies, countries (status today and history), instruments, entities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...reference.models import Country, CountryStatus, Currency, ImplementingEntity, Instrument
from ..paging import Page, SortKey, count_of, keyset_page


def list_currencies(session: Session, args: dict[str, Any]) -> Page:
    stmt = select(Currency.code, Currency.name, Currency.exponent)
    return keyset_page(
        session,
        stmt,
        id_column=Currency.code,
        sorts={"code": SortKey(Currency.code, str)},
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(Currency)),
    )


def _status_today() -> Any:
    return (
        select(CountryStatus.status)
        .where(CountryStatus.country_id == Country.id, CountryStatus.effective_from <= dt.date.today())
        .order_by(CountryStatus.effective_from.desc())
        .limit(1)
        .scalar_subquery()
    )


COUNTRY_COLUMNS = (
    Country.id,
    Country.iso3,
    Country.iso2,
    Country.m49,
    Country.name,
    Country.region,
    Country.subregion,
    Country.ldc,
    Country.lldc,
    Country.sids,
)
COUNTRY_SORTS = {
    "id": SortKey(Country.id, int),
    "name": SortKey(Country.name, str),
    "iso3": SortKey(Country.iso3, str),
}


def list_countries(session: Session, args: dict[str, Any]) -> Page:
    status = _status_today()
    conditions = []
    if args.get("region"):
        conditions.append((Country.region == args["region"]) | (Country.subregion == args["region"]))
    if args.get("status"):
        conditions.append(status == args["status"])
    stmt = select(*COUNTRY_COLUMNS, status.label("status")).where(*conditions)
    return keyset_page(
        session,
        stmt,
        id_column=Country.id,
        sorts=COUNTRY_SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(Country).where(*conditions)),
    )


def get_country(session: Session, country_id: int) -> tuple[Any, list[Any]]:
    row = session.execute(
        select(*COUNTRY_COLUMNS, _status_today().label("status")).where(Country.id == country_id)
    ).first()
    if row is None:
        raise NotFound("This country does not exist.")
    history = session.execute(
        select(CountryStatus.status, CountryStatus.effective_from, CountryStatus.source)
        .where(CountryStatus.country_id == country_id)
        .order_by(CountryStatus.effective_from)
    ).all()
    return row, list(history)


INSTRUMENT_COLUMNS = (
    Instrument.id,
    Instrument.code,
    Instrument.treaty_no,
    Instrument.short_name,
    Instrument.title,
    Instrument.adopted,
    Instrument.entry_into_force,
)
ENTITY_COLUMNS = (
    ImplementingEntity.id,
    ImplementingEntity.acronym,
    ImplementingEntity.name,
    ImplementingEntity.city,
    ImplementingEntity.country_id,
    ImplementingEntity.kind,
)


def list_instruments(session: Session, args: dict[str, Any]) -> Page:
    return keyset_page(
        session,
        select(*INSTRUMENT_COLUMNS),
        id_column=Instrument.id,
        sorts={"id": SortKey(Instrument.id, int)},
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(Instrument)),
    )


def get_instrument(session: Session, instrument_id: int) -> Any:
    row = session.execute(select(*INSTRUMENT_COLUMNS).where(Instrument.id == instrument_id)).first()
    if row is None:
        raise NotFound("This instrument does not exist.")
    return row


def list_entities(session: Session, args: dict[str, Any]) -> Page:
    return keyset_page(
        session,
        select(*ENTITY_COLUMNS),
        id_column=ImplementingEntity.id,
        sorts={"id": SortKey(ImplementingEntity.id, int)},
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(ImplementingEntity)),
    )


def get_entity(session: Session, entity_id: int) -> Any:
    row = session.execute(select(*ENTITY_COLUMNS).where(ImplementingEntity.id == entity_id)).first()
    if row is None:
        raise NotFound("This implementing entity does not exist.")
    return row
