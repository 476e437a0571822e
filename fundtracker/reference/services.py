"""Reference lookups and changes: currency exponents, a country's UN status on a date, status history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..auth.models import ADMIN
from ..auth.permissions import Actor, require
from ..errors import InvalidInput, NotFound
from ..money import to_minor
from .models import STATUSES, Country, CountryStatus, Currency


def get_currency(session: Session, code: str, *, field: str = "currency") -> Currency:
    currency = session.get(Currency, (code or "").upper())
    if currency is None:
        raise InvalidInput.field(field, f'"{code}" is not an ISO 4217 currency code known to the Fund.')
    return currency


def amount_to_minor(session: Session, amount: Decimal, currency_code: str, *, field: str = "amount") -> int:
    """The one place where an entered amount becomes minor units: too many decimals is refused."""
    currency = get_currency(session, currency_code)
    try:
        return to_minor(amount, currency.exponent, currency=currency.code)
    except ValueError as exc:
        raise InvalidInput.field(field, str(exc)) from exc


def get_country(session: Session, country_id: int, *, field: str = "country_id") -> Country:
    country = session.get(Country, country_id)
    if country is None:
        raise InvalidInput.field(field, "This country does not exist.")
    return country


def status_on(session: Session, country_id: int, on: dt.date) -> str | None:
    """The UN status in force on a date: the newest status row effective on or before it."""
    return session.execute(
        select(CountryStatus.status)
        .where(CountryStatus.country_id == country_id, CountryStatus.effective_from <= on)
        .order_by(CountryStatus.effective_from.desc())
        .limit(1)
    ).scalar()


def set_country_status(
    session: Session,
    country_id: int,
    status: str,
    effective_from: dt.date,
    *,
    actor: Actor,
    source: str | None = None,
) -> CountryStatus:
    """Record a new UN classification from a date; the history stays (admins only)."""
    require(actor, ADMIN)
    if status not in STATUSES:
        raise InvalidInput.field("status", f"Status must be one of: {', '.join(STATUSES)}.")
    country = session.get(Country, country_id)
    if country is None:
        raise NotFound("This country does not exist.")
    row = session.execute(
        select(CountryStatus).where(
            CountryStatus.country_id == country_id, CountryStatus.effective_from == effective_from
        )
    ).scalar()
    before = {"status": row.status} if row else None
    if row is None:
        row = CountryStatus(
            country_id=country_id, effective_from=effective_from, status=status, source=source
        )
        session.add(row)
    else:
        row.status, row.source = status, source
    session.flush()
    record_event(
        session,
        actor,
        "country.status_set",
        "country",
        country.iso3,
        before=before,
        after={"status": status, "effective_from": effective_from.isoformat()},
    )
    return row
