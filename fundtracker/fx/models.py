"""The exchange-rate table: UN operational rates, currency units per 1 USD, by effective date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import keyset_index
from ..extensions import db
from ..types import RATE


class ExchangeRate(db.Model):
    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("currency", "effective_date"), keyset_index("exchange_rate", "effective_date"))
    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(ForeignKey("currency.code"))
    effective_date: Mapped[dt.date] = mapped_column(Date)
    units_per_usd: Mapped[Decimal] = mapped_column(RATE)
    source: Mapped[str] = mapped_column(String(120), default="UN Treasury operational rates")
