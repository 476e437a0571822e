"""Allocation and expenditure documents; their money lives in the journal entries that name them as source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..contributions.models import Pledge
from ..database import keyset_index
from ..extensions import db
from ..projects.models import Project
from ..types import RATE


class Allocation(db.Model):
    __tablename__ = "allocation"
    __table_args__ = (keyset_index("allocation", "allocation_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    allocation_date: Mapped[dt.date] = mapped_column(Date)
    usd_minor: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pledge: Mapped[Pledge] = relationship()
    project: Mapped[Project] = relationship()


class Expenditure(db.Model):
    """Spending on a project in any currency; the journal splits it (and its PSC) over the pledges it uses."""

    __tablename__ = "expenditure"
    __table_args__ = (keyset_index("expenditure", "expenditure_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    expenditure_date: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(ForeignKey("currency.code"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[Decimal] = mapped_column(RATE)
    rate_date: Mapped[dt.date] = mapped_column(Date)
    usd_minor: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)
    external_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    project: Mapped[Project] = relationship()
