"""Project tables: the project, its beneficiary countries (with eligibility exceptions), instruments, budget."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import utcnow
from ..extensions import db
from ..reference.models import Country, ImplementingEntity, Instrument

DRAFT, ACTIVE, CLOSING, CLOSED = "draft", "active", "closing", "closed"
PROJECT_STATUSES = (DRAFT, ACTIVE, CLOSING, CLOSED)
THEMES = (
    "organized_crime",
    "trafficking_in_persons",
    "smuggling_of_migrants",
    "firearms",
    "money_laundering",
    "corruption",
    "cybercrime",
    "criminal_justice_reform",
    "asset_recovery",
)


class Project(db.Model):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    implementing_entity_id: Mapped[int] = mapped_column(ForeignKey("implementing_entity.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    # Per-country and per-instrument figures attribute a project's money to its lead country and instrument.
    lead_country_id: Mapped[int] = mapped_column(ForeignKey("country.id"))
    lead_instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    implementing_entity: Mapped[ImplementingEntity] = relationship()
    lead_country: Mapped[Country] = relationship()
    lead_instrument: Mapped[Instrument] = relationship()
    beneficiaries: Mapped[list[ProjectBeneficiary]] = relationship(cascade="all, delete-orphan")
    instruments: Mapped[list[ProjectInstrument]] = relationship(cascade="all, delete-orphan")
    themes: Mapped[list[ProjectTheme]] = relationship(cascade="all, delete-orphan")
    budget: Mapped[list[ProjectBudgetYear]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectBudgetYear.year"
    )


class ProjectBeneficiary(db.Model):
    """A beneficiary country; a non-eligible one carries the admin's recorded exception and reason."""

    __tablename__ = "project_beneficiary"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"), primary_key=True)
    exception_reason: Mapped[str | None] = mapped_column(Text)
    exception_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    country: Mapped[Country] = relationship()


class ProjectInstrument(db.Model):
    __tablename__ = "project_instrument"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), primary_key=True)
    instrument: Mapped[Instrument] = relationship()


class ProjectTheme(db.Model):
    __tablename__ = "project_theme"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(40), primary_key=True)


class ProjectBudgetYear(db.Model):
    """Budget in USD for one year: the original figure and, once revised, the revised one."""

    __tablename__ = "project_budget_year"
    __table_args__ = (UniqueConstraint("project_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    year: Mapped[int] = mapped_column(Integer)
    original_usd_minor: Mapped[int] = mapped_column(BigInteger)
    revised_usd_minor: Mapped[int | None] = mapped_column(BigInteger)
