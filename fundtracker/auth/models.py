"""The user table: one role per user; a donor liaison is bound to exactly one donor."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

ADMIN = "admin"
FINANCE = "finance"
PROJECT_OFFICER = "project_officer"
DONOR_LIAISON = "donor_liaison"
AUDITOR = "auditor"
ROLES = (ADMIN, FINANCE, PROJECT_OFFICER, DONOR_LIAISON, AUDITOR)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class User(db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "(role = 'donor_liaison') = (donor_id IS NOT NULL)", name="liaison_has_exactly_one_donor"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donor.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout, password change and disable so every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
