"""Personal API tokens: made and revoked by their owner (or an admin), shown once, stored hashed, expiring."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..database import Prepared, Reader, short_reader
from ..errors import InvalidInput, NotFound
from .models import ApiToken, User, as_utc, token_usable, utcnow
from .permissions import Actor, require_self_or_admin

TOKEN_PREFIX = "ftk_"
PREFIX_SHOWN = 12  # "ftk_" and 8 random characters: enough to tell tokens apart, useless to an attacker
DEFAULT_DAYS = 90
MAX_DAYS = 365
# A token used again within this window is not re-stamped: saves a write on every API call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def token_digest(raw: str) -> str:
    # A token is 256 random bits, so a plain SHA-256 is enough (no password stretching needed).
    return hashlib.sha256(raw.encode()).hexdigest()


def bearer_from_header(value: str | None) -> str | None:
    """The token in `Authorization: Bearer <token>`, or None."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def create_token(
    session: Session, *, user_id: int, name: str, actor: Actor, days: int = DEFAULT_DAYS
) -> tuple[ApiToken, str]:
    """A new token for `user_id` (owner or admin only); the raw token is returned once, never stored."""
    require_self_or_admin(actor, user_id)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = ["Give the token a name of 1 to 100 characters, e.g. the script that will use it."]
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors["days"] = [f"A token lasts between 1 and {MAX_DAYS} days."]
    if not user.is_active:
        errors["user"] = ["This account is disabled; it cannot have API tokens."]
    if errors:
        raise InvalidInput(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user_id=user.id, name=name, token_hash=token_digest(raw), prefix=raw[:PREFIX_SHOWN],
                     created_at=now, expires_at=now + dt.timedelta(days=days))
    session.add(token)
    session.flush()
    record_event(session, actor, "token.create", "api_token", token.id,
                 after={"user_id": user.id, "name": name, "prefix": token.prefix,
                        "expires_at": token.expires_at.isoformat()})
    return token, raw


def _owned_token(session: Session, token_id: int, actor: Actor) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    require_self_or_admin(actor, token.user_id)
    return token


def revoke_token(session: Session, token_id: int, *, actor: Actor) -> ApiToken:
    """Its owner or an admin revokes a token; revoking twice changes nothing more."""
    token = _owned_token(session, token_id, actor)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        record_event(session, actor, "token.revoke", "api_token", token.id,
                     after={"user_id": token.user_id, "prefix": token.prefix})
    return token


def list_tokens(session: Session, *, user_id: int, actor: Actor) -> list[ApiToken]:
    require_self_or_admin(actor, user_id)
    return list(session.execute(
        select(ApiToken).where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).scalars())


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Whom an API token speaks for, as a request needs them (an Actor and a Flask-Login user): read with the
    token in one statement, no ORM object. The owner's account is active, or there would be no holder."""

    id: int
    email: str
    name: str
    role: str
    donor_id: int | None

    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def get_id(self) -> str:
        return str(self.id)


_BY_DIGEST = Prepared(
    select(User.id, User.email, User.name, User.role, User.donor_id, User.active, ApiToken.id, ApiToken.token_hash,
           ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def token_holder(engine: Engine, raw: str | None, reader: Reader | None = None) -> TokenHolder | None:
    """The API door's authentication: the owner of a known, unrevoked, unexpired token whose account is active,
    or None. Read on `reader` (the request's reader) or a connection of its own, never in the ORM session, whose
    transaction the view begins as a reader or a writer; the last use is stamped at most every
    LAST_USED_RESOLUTION, in a write of its own."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    digest = token_digest(raw)
    if reader is None:
        with short_reader(engine) as apart:
            found = _BY_DIGEST.rows(apart, {"digest": digest})
    else:
        found = _BY_DIGEST.rows(reader, {"digest": digest})
    if not found:
        return None
    user_id, email, name, role, donor_id, active, token_id, stored, expires_at, revoked_at, last_used_at = found[0]
    # The lookup is by an indexed digest; compare again in constant time so no timing reveals a near miss.
    now = utcnow()
    if not hmac.compare_digest(stored, digest) or not active or not token_usable(
            _moment(revoked_at), _moment(expires_at), now):
        return None
    if _stamp_due(_moment(last_used_at), now):
        with engine.begin() as write:
            write.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return TokenHolder(user_id, email, name, role, donor_id)


def _moment(value: Any) -> dt.datetime | None:
    """A stored timestamp as the driver hands it over (SQLite: text in UTC; PostgreSQL: an aware datetime)."""
    if value is None:
        return None
    return as_utc(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)


def _stamp_due(last_used_at: dt.datetime | None, now: dt.datetime) -> bool:
    return last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION
