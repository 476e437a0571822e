"""Reference lookups and changes: currency exponents, a country's UN status on a date, status history,
implementing entities (institutes) and instruments."""

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
from .models import STATUSES, Country, CountryStatus, Currency, ImplementingEntity, Instrument


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


def _text(value: str | None) -> str:
    return (value or "").strip()


def _entity_fields(
    session: Session, errors: dict[str, list[str]], *, name: str, city: str | None, country_id: int | None,
    kind: str
) -> dict[str, object]:
    """Check an institute's editable fields, collecting every refusal so the form shows them all at once."""
    if not name:
        errors["name"] = ["Enter the institute's name."]
    elif len(name) > 500:
        errors["name"] = ["The name is too long (500 characters at most)."]
    if not kind:
        errors["kind"] = ["Enter the kind of institute, such as PNI institute."]
    elif len(kind) > 80:
        errors["kind"] = ["The kind is too long (80 characters at most)."]
    if city and len(city) > 120:
        errors["city"] = ["The city is too long (120 characters at most)."]
    if country_id is not None and session.get(Country, country_id) is None:
        errors["country_id"] = ["This country does not exist."]
    return {"name": name, "city": city or None, "country_id": country_id, "kind": kind}


def _entity_state(entity: ImplementingEntity) -> dict[str, object]:
    return {
        "acronym": entity.acronym,
        "name": entity.name,
        "city": entity.city,
        "country_id": entity.country_id,
        "kind": entity.kind,
    }


def create_implementing_entity(
    session: Session,
    *,
    actor: Actor,
    acronym: str,
    name: str,
    city: str | None,
    country_id: int | None,
    kind: str,
) -> ImplementingEntity:
    """Add an institute that may implement projects (admins only); its acronym is unique."""
    require(actor, ADMIN)
    errors: dict[str, list[str]] = {}
    acronym = _text(acronym).upper()
    if not acronym:
        errors["acronym"] = ["Enter the institute's acronym, such as UNICRI."]
    elif len(acronym) > 20:
        errors["acronym"] = ["The acronym is too long (20 characters at most)."]
    elif session.execute(
        select(ImplementingEntity.id).where(ImplementingEntity.acronym == acronym)
    ).scalar() is not None:
        errors["acronym"] = [f"An institute with the acronym {acronym} already exists."]
    values = _entity_fields(
        session, errors, name=_text(name), city=_text(city), country_id=country_id, kind=_text(kind)
    )
    if errors:
        raise InvalidInput(errors)
    entity = ImplementingEntity(acronym=acronym, **values)
    session.add(entity)
    session.flush()
    record_event(
        session, actor, "implementing_entity.created", "implementing_entity", entity.id,
        after=_entity_state(entity),
    )
    return entity


def update_implementing_entity(
    session: Session,
    entity_id: int,
    *,
    actor: Actor,
    name: str | None = None,
    city: str | None = None,
    country_id: int | None = None,
    kind: str | None = None,
) -> ImplementingEntity:
    """Correct an institute's name, city, country or kind (admins only); None leaves a field as it is.

    The acronym stays: projects and exports name the institute by it."""
    require(actor, ADMIN)
    entity = session.get(ImplementingEntity, entity_id)
    if entity is None:
        raise NotFound("This institute does not exist.")
    before = _entity_state(entity)
    errors: dict[str, list[str]] = {}
    values = _entity_fields(
        session,
        errors,
        name=entity.name if name is None else _text(name),
        city=entity.city if city is None else _text(city),
        country_id=entity.country_id if country_id is None else country_id,
        kind=entity.kind if kind is None else _text(kind),
    )
    if errors:
        raise InvalidInput(errors)
    for key, value in values.items():
        setattr(entity, key, value)
    session.flush()
    record_event(
        session, actor, "implementing_entity.updated", "implementing_entity", entity.id,
        before=before, after=_entity_state(entity),
    )
    return entity


def _instrument_state(instrument: Instrument) -> dict[str, object]:
    return {
        "short_name": instrument.short_name,
        "title": instrument.title,
        "adopted": instrument.adopted.isoformat() if instrument.adopted else None,
        "entry_into_force": instrument.entry_into_force.isoformat() if instrument.entry_into_force else None,
    }


def update_instrument(
    session: Session,
    instrument_id: int,
    *,
    actor: Actor,
    short_name: str | None = None,
    title: str | None = None,
    adopted: dt.date | None = None,
    entry_into_force: dt.date | None = None,
) -> Instrument:
    """Correct an instrument's names and dates (admins only); None leaves a field as it is.

    The code and treaty number stay: earmarks, projects and the API refer to the instrument by them."""
    require(actor, ADMIN)
    instrument = session.get(Instrument, instrument_id)
    if instrument is None:
        raise NotFound("This instrument does not exist.")
    before = _instrument_state(instrument)
    short_name = instrument.short_name if short_name is None else _text(short_name)
    title = instrument.title if title is None else _text(title)
    adopted = instrument.adopted if adopted is None else adopted
    in_force = instrument.entry_into_force if entry_into_force is None else entry_into_force
    errors: dict[str, list[str]] = {}
    if not short_name:
        errors["short_name"] = ["Enter the instrument's short name."]
    elif len(short_name) > 80:
        errors["short_name"] = ["The short name is too long (80 characters at most)."]
    if not title:
        errors["title"] = ["Enter the instrument's full title."]
    if adopted and in_force and in_force < adopted:
        errors["entry_into_force"] = [
            f"An instrument cannot enter into force before it was adopted ({adopted.isoformat()})."
        ]
    if errors:
        raise InvalidInput(errors)
    instrument.short_name, instrument.title = short_name, title
    instrument.adopted, instrument.entry_into_force = adopted, in_force
    session.flush()
    record_event(
        session, actor, "instrument.updated", "instrument", instrument.code,
        before=before, after=_instrument_state(instrument),
    )
    return instrument
