"""Journal entries and lines (immutable: the database refuses UPDATE and DELETE) and accounting periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import utcnow
from ..database import keyset_index
from ..extensions import db
from ..types import RATE

# Chart of accounts. Lines hold signed USD cents: positive is a debit, negative a credit.
RECEIVABLE = "contributions_receivable"
REVENUE = "contribution_revenue"
CASH = "cash"
FX_REALISED = "fx_realised"
FX_UNREALISED = "fx_unrealised"
WRITE_OFF = "write_off_expense"
FUND_UNALLOCATED = "fund_balance_unallocated"
FUND_ALLOCATED = "fund_balance_allocated"
EXPENDITURE = "project_expenditure"
PSC = "psc_charged"
ACCOUNTS = (
    RECEIVABLE, REVENUE, CASH, FX_REALISED, FX_UNREALISED, WRITE_OFF,
    FUND_UNALLOCATED, FUND_ALLOCATED, EXPENDITURE, PSC,
)


class Period(db.Model):
    """A financial year (the calendar year); once closed, nothing may be posted with a date inside it."""

    __tablename__ = "period"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class JournalEntry(db.Model):
    __tablename__ = "journal_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    # The document the entry posts (payment 12, allocation 3...); a reversal keeps its original's source.
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    lines: Mapped[list[JournalLine]] = relationship(order_by="JournalLine.id")

    __table_args__ = (
        Index("ix_journal_entry_source", "source_type", "source_id"),
        keyset_index("journal_entry", "entry_date"),
    )


class JournalLine(db.Model):
    __tablename__ = "journal_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), index=True)
    account: Mapped[str] = mapped_column(String(40))
    usd_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(ForeignKey("currency.code"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal | None] = mapped_column(RATE)
    rate_date: Mapped[dt.date | None] = mapped_column(Date)
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donor.id"))
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledge.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    country_id: Mapped[int | None] = mapped_column(ForeignKey("country.id"))
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id"))

    __table_args__ = (
        # Covering indexes for the balance aggregates (sum of usd_minor per account and dimension).
        Index("ix_journal_line_pledge", "pledge_id", "account", "usd_minor"),
        Index("ix_journal_line_project", "project_id", "account", "usd_minor"),
        Index("ix_journal_line_donor", "donor_id", "account", "usd_minor"),
    )
