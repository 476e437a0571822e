"""Seeding: reference data from seed/reference/*.csv (upserted) and the demo data set, through the services."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .reference.models import Country, CountryStatus, Currency, ImplementingEntity, Instrument

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (SEED_DIR / "reference" / name).open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def seed_reference(session: Session) -> dict[str, int]:
    """Insert what is missing, by natural key; existing rows (perhaps edited by an admin) are left alone."""
    counts = {"currencies": 0, "countries": 0, "instruments": 0, "implementing_entities": 0}
    known = set(session.execute(select(Currency.code)).scalars())
    for row in _rows("currencies.csv"):
        if row["code"] not in known:
            session.add(Currency(code=row["code"], name=row["name"], exponent=int(row["exponent"])))
            counts["currencies"] += 1
    known = set(session.execute(select(Country.iso3)).scalars())
    for row in _rows("countries.csv"):
        if row["iso3"] in known:
            continue
        country = Country(
            iso3=row["iso3"],
            iso2=row["iso2"] or None,
            m49=row["m49"],
            name=row["name"],
            name_fr=row["name_fr"],
            name_es=row["name_es"],
            region=row["region"] or None,
            subregion=row["subregion"] or None,
            ldc=row["ldc"] == "1",
            lldc=row["lldc"] == "1",
            sids=row["sids"] == "1",
        )
        country.statuses = [
            CountryStatus(
                status=row["status"],
                effective_from=_date(row["status_from"]),
                source="UN WESP 2020 statistical annex",
            )
        ]
        session.add(country)
        counts["countries"] += 1
    known = set(session.execute(select(Instrument.code)).scalars())
    for row in _rows("instruments.csv"):
        if row["code"] not in known:
            session.add(
                Instrument(
                    code=row["code"],
                    treaty_no=row["treaty_no"],
                    short_name=row["short_name"],
                    title=row["title"],
                    adopted=_date(row["adopted"]),
                    entry_into_force=_date(row["entry_into_force"]),
                )
            )
            counts["instruments"] += 1
    session.flush()
    iso = dict(session.execute(select(Country.iso3, Country.id)).all())
    known = set(session.execute(select(ImplementingEntity.acronym)).scalars())
    for row in _rows("implementing_entities.csv"):
        if row["acronym"] not in known:
            session.add(
                ImplementingEntity(
                    acronym=row["acronym"],
                    name=row["name"],
                    city=row["city"] or None,
                    country_id=iso.get(row["country_iso3"]),
                    kind=row["kind"],
                )
            )
            counts["implementing_entities"] += 1
    session.flush()
    return counts
