"""Users (one role each; a donor liaison is bound to exactly one donor) and their personal API tokens."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

if TYPE_CHECKING:
    from ..donors.models import Donor

ADMIN = "admin"
FINANCE = "finance"
PROJECT_OFFICER = "project_officer"
DONOR_LIAISON = "donor_liaison"
AUDITOR = "auditor"
ROLES = (ADMIN, FINANCE, PROJECT_OFFICER, DONOR_LIAISON, AUDITOR)
ROLE_LABELS = {
    ADMIN: "Administrator", FINANCE: "Finance officer", PROJECT_OFFICER: "Project officer",
    DONOR_LIAISON: "Donor liaison", AUDITOR: "Auditor",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands timezone-aware columns back naive (they were stored in UTC): make them aware again."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def token_usable(revoked_at: dt.datetime | None, expires_at: dt.datetime | None, moment: dt.datetime) -> bool:
    """An API token may be used at `moment` (UTC) while it is neither revoked nor expired."""
    return revoked_at is None and expires_at is not None and expires_at > moment


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
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    donor: Mapped[Donor | None] = relationship(lazy="joined")

    # Flask-Login's user protocol. The identity carries the session version, not the bare id, so that a
    # captured session or remember-me cookie dies as soon as the version moves on.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A personal API token: only its SHA-256 is stored; the token itself is shown once, at creation."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")

    def usable_at(self, moment: dt.datetime) -> bool:
        return token_usable(self.revoked_at, as_utc(self.expires_at), moment)

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"
