"""Pledge, amendment, instalment, earmark consent and payment tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import utcnow
from ..database import keyset_index
from ..donors.models import Donor
from ..extensions import db
from ..types import PERCENT, RATE

ANNOUNCED = "announced"
CONFIRMED = "confirmed"
PARTIALLY_PAID = "partially_paid"
PAID = "paid"
CANCELLED = "cancelled"
WRITTEN_OFF = "written_off"
PLEDGE_STATUSES = (ANNOUNCED, CONFIRMED, PARTIALLY_PAID, PAID, CANCELLED, WRITTEN_OFF)

REGULAR = "regular"
CONFISCATED_PROCEEDS = "confiscated_proceeds"  # UNTOC art. 14(3)(a) and 30(2)(c)
SOURCES_OF_FUNDS = (REGULAR, CONFISCATED_PROCEEDS)

# Grand Bargain / IATI EarmarkingCategory
UNEARMARKED, SOFTLY_EARMARKED, EARMARKED, TIGHTLY_EARMARKED = 1, 2, 3, 4
EARMARK_TARGETS = {1: (), 2: ("instrument", "theme", "region"), 3: ("country",), 4: ("project",)}


class Pledge(db.Model):
    """A donor's promise. `state` holds what people decide; paid/partially paid is derived from the journal."""

    __tablename__ = "pledge"
    __table_args__ = (keyset_index("pledge", "pledge_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(120))
    pledge_date: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(ForeignKey("currency.code"))
    original_minor: Mapped[int] = mapped_column(BigInteger)
    # The UN rate on the pledge date fixes the pledge's USD value for its whole life.
    rate: Mapped[Decimal] = mapped_column(RATE)
    rate_date: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default=ANNOUNCED)
    psc_rate: Mapped[Decimal] = mapped_column(PERCENT)
    source_of_funds: Mapped[str] = mapped_column(String(30), default=REGULAR)
    earmark_level: Mapped[int] = mapped_column(Integer, default=UNEARMARKED)
    earmark_instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id"))
    earmark_theme: Mapped[str | None] = mapped_column(String(40))
    earmark_region: Mapped[str | None] = mapped_column(String(80))
    earmark_country_id: Mapped[int | None] = mapped_column(ForeignKey("country.id"))
    earmark_project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    external_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    donor: Mapped[Donor] = relationship()
    amendments: Mapped[list[PledgeAmendment]] = relationship(order_by="PledgeAmendment.id")
    instalments: Mapped[list[Instalment]] = relationship(order_by="Instalment.due_date")


class PledgeAmendment(db.Model):
    """A change of a pledge's amount: the original stays, the delta and the reason are recorded."""

    __tablename__ = "pledge_amendment"
    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    amendment_date: Mapped[dt.date] = mapped_column(Date)
    delta_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Instalment(db.Model):
    __tablename__ = "instalment"
    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class EarmarkConsent(db.Model):
    """The donor's recorded consent to re-earmark a pledge (rule 4)."""

    __tablename__ = "earmark_consent"
    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    consent_date: Mapped[dt.date] = mapped_column(Date)
    consent_reference: Mapped[str] = mapped_column(Text)
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)


class Payment(db.Model):
    """Cash received, converted at the UN rate in force on the receipt date (rate and date kept)."""

    __tablename__ = "payment"
    __table_args__ = (keyset_index("payment", "received_date"), keyset_index("payment", "usd_minor"))
    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    received_date: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(ForeignKey("currency.code"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal] = mapped_column(RATE)
    rate_date: Mapped[dt.date] = mapped_column(Date)
    usd_minor: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(120))
    external_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pledge: Mapped[Pledge] = relationship()
