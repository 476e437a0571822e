"""Reference tables: ISO 4217 currencies, countries and their dated UN classification, instruments, entities."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

DEVELOPING = "developing"
TRANSITION = "transition"
DEVELOPED = "developed"
NOT_CLASSIFIED = "not_classified"
STATUSES = (DEVELOPING, TRANSITION, DEVELOPED, NOT_CLASSIFIED)
ELIGIBLE_STATUSES = (DEVELOPING, TRANSITION)


class Currency(db.Model):
    __tablename__ = "currency"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    exponent: Mapped[int] = mapped_column(Integer)


class Country(db.Model):
    __tablename__ = "country"
    id: Mapped[int] = mapped_column(primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    iso2: Mapped[str | None] = mapped_column(String(2))
    m49: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_es: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(80))
    subregion: Mapped[str | None] = mapped_column(String(80))
    ldc: Mapped[bool] = mapped_column(Boolean, default=False)
    lldc: Mapped[bool] = mapped_column(Boolean, default=False)
    sids: Mapped[bool] = mapped_column(Boolean, default=False)
    statuses: Mapped[list[CountryStatus]] = relationship(
        back_populates="country", order_by="CountryStatus.effective_from"
    )


class CountryStatus(db.Model):
    """A UN development status in force from `effective_from` until the next row for the same country."""

    __tablename__ = "country_status"
    __table_args__ = (UniqueConstraint("country_id", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    country: Mapped[Country] = relationship(back_populates="statuses")


class Instrument(db.Model):
    __tablename__ = "instrument"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    treaty_no: Mapped[str] = mapped_column(String(20))
    short_name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    adopted: Mapped[dt.date | None] = mapped_column(Date)
    entry_into_force: Mapped[dt.date | None] = mapped_column(Date)


class ImplementingEntity(db.Model):
    __tablename__ = "implementing_entity"
    id: Mapped[int] = mapped_column(primary_key=True)
    acronym: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(120))
    country_id: Mapped[int | None] = mapped_column(ForeignKey("country.id"))
    kind: Mapped[str] = mapped_column(String(80))
