"""Personal API tokens: made and revoked by their owner (or an admin), shown once, stored hashed, expiring."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..errors import InvalidInput, NotFound
from .models import ApiToken, User, as_utc, utcnow
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


def usable_token(session: Session, raw: str | None) -> ApiToken | None:
    """The token a raw bearer string stands for, if it may be used now: known, not revoked, not expired, its
    owner's account active. Reads only."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    digest = token_digest(raw)
    token = session.execute(select(ApiToken).where(ApiToken.token_hash == digest)).scalar()
    # The lookup is by an indexed digest; compare again in constant time so no timing reveals a near miss.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.usable_at(utcnow()) or not token.user.is_active:
        return None
    return token


def stamp_due(token: ApiToken) -> bool:
    return token.last_used_at is None or utcnow() - as_utc(token.last_used_at) > LAST_USED_RESOLUTION


def user_for_bearer_token(session: Session, raw: str | None) -> User | None:
    """The API door's authentication: the token's owner, or None for an unknown, revoked or expired token or a
    disabled account. Stamps last_used_at (flushed; the caller's commit keeps it)."""
    token = usable_token(session, raw)
    if token is None:
        return None
    if stamp_due(token):
        token.last_used_at = utcnow()
        session.flush()
    return token.user
