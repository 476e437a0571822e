"""Tables of the API door: idempotency keys of money postings, and the tally behind cheap list totals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..auth.models import utcnow
from ..extensions import db


class IdempotencyKey(db.Model):
    """One money-posting request per (user, key), inserted in the posting's own transaction (rule 9).

    The unique constraint, not a prior look-up, is what makes concurrent duplicates post exactly once: the
    second insert waits for the first transaction and then fails, and the retry answers from this row.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RowTally(db.Model):
    """Rows ever inserted into an append-only table, kept by a database trigger (migration 0003).

    Payments are never deleted (the database refuses it), so this is their exact count, read in one
    primary-key look-up instead of a count(*) over every row on each page of the list.
    """

    __tablename__ = "row_tally"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    inserted: Mapped[int] = mapped_column(BigInteger, default=0)
