"""Exchange rates: recording UN operational rates and finding the one in force on a transaction date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..auth.permissions import Actor, require_money_writer
from ..errors import InvalidInput
from ..money import USD, decimal_places
from ..reference.services import get_currency
from .models import ExchangeRate

RATE_PLACES = 8


@dataclass(frozen=True, slots=True)
class RateInForce:
    rate: Decimal
    rate_date: dt.date


def rate_on(session: Session, currency: str, on: dt.date, *, field: str = "currency") -> RateInForce:
    """Rule 3: the newest UN operational rate effective on or before the transaction date."""
    if currency == USD:
        return RateInForce(Decimal(1), on)
    row = session.execute(
        select(ExchangeRate.units_per_usd, ExchangeRate.effective_date)
        .where(ExchangeRate.currency == currency, ExchangeRate.effective_date <= on)
        .order_by(ExchangeRate.effective_date.desc())
        .limit(1)
    ).first()
    if row is None:
        raise InvalidInput.field(
            field,
            f"There is no UN operational rate for {currency} on or before {on.isoformat()}. "
            "Enter or import the rate first.",
        )
    return RateInForce(row.units_per_usd, row.effective_date)


def set_rate(
    session: Session,
    currency: str,
    effective_date: dt.date,
    units_per_usd: Decimal,
    *,
    actor: Actor,
    source: str | None = None,
    audit: bool = True,
) -> tuple[ExchangeRate, bool]:
    """Record (or correct) the rate for a currency from a date; returns the row and whether it was new.

    Past conversions keep the rate they stored, so correcting a rate never changes a posted figure.
    """
    require_money_writer(actor)
    code = get_currency(session, currency).code
    if code == USD:
        raise InvalidInput.field("currency", "The US dollar is the base currency; its rate is always 1.")
    if units_per_usd <= 0:
        raise InvalidInput.field("units_per_usd", "A rate must be a positive number of units per US dollar.")
    if decimal_places(units_per_usd) > RATE_PLACES:
        raise InvalidInput.field("units_per_usd", f"A rate has at most {RATE_PLACES} decimal places.")
    row = session.execute(
        select(ExchangeRate).where(
            ExchangeRate.currency == code, ExchangeRate.effective_date == effective_date
        )
    ).scalar()
    created = row is None
    before = None if created else {"units_per_usd": str(row.units_per_usd)}
    if row is None:
        row = ExchangeRate(currency=code, effective_date=effective_date, units_per_usd=units_per_usd)
        session.add(row)
    else:
        row.units_per_usd = units_per_usd
    if source:
        row.source = source
    session.flush()
    if audit:
        record_event(
            session,
            actor,
            "exchange_rate.set",
            "exchange_rate",
            f"{code}@{effective_date}",
            before=before,
            after={"units_per_usd": str(units_per_usd)},
        )
    return row, created
