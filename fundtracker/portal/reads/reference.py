"""Reference data pages: countries with the UN status in force today and its dated history; instruments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...auth.permissions import STAFF_READERS, Actor, require
from ...errors import NotFound
from ...reference.models import STATUSES, Country, CountryStatus, Instrument


def _status_now(on: dt.date) -> Any:
    return (
        select(CountryStatus.status)
        .where(CountryStatus.country_id == Country.id, CountryStatus.effective_from <= on)
        .order_by(CountryStatus.effective_from.desc())
        .limit(1)
        .correlate(Country)
        .scalar_subquery()
    )


def countries_page(
    session: Session, *, actor: Actor, q: str | None = None, status: str | None = None
) -> list[Any]:
    """Every country with its status today (one statement; 250 rows at most, so no pages)."""
    require(actor, *STAFF_READERS)
    current = _status_now(dt.date.today()).label("status")
    stmt = select(Country, current).order_by(Country.name)
    if q and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            func.lower(Country.name).contains(needle, autoescape=True) | (func.lower(Country.iso3) == needle)
        )
    if status in STATUSES:
        stmt = stmt.where(current == status)
    return list(session.execute(stmt).all())


def country_detail(session: Session, iso3: str, *, actor: Actor) -> dict[str, Any]:
    require(actor, *STAFF_READERS)
    country = session.execute(select(Country).where(Country.iso3 == iso3.upper()[:3])).scalar()
    if country is None:
        raise NotFound("This country does not exist.")
    history = list(
        session.execute(
            select(CountryStatus)
            .where(CountryStatus.country_id == country.id)
            .order_by(CountryStatus.effective_from.desc())
        ).scalars()
    )
    current = next((h.status for h in history if h.effective_from <= dt.date.today()), None)
    return {"country": country, "history": history, "current": current}


def instrument_list(session: Session, *, actor: Actor) -> list[Instrument]:
    require(actor, *STAFF_READERS)
    return list(session.execute(select(Instrument).order_by(Instrument.id)).scalars())
