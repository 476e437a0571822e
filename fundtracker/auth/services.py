"""User management and sign-in: users with a role (a liaison with its donor), passwords, sessions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..donors.models import Donor
from ..errors import Conflict, InvalidInput, NotFound
from .common_passwords import COMMON_PASSWORDS
from .models import ADMIN, DONOR_LIAISON, ROLES, User, utcnow
from .passwords import burn_verification, hash_password, needs_rehash, password_problems, verify_password
from .permissions import Actor, require

__all__ = [
    "COMMON_PASSWORDS", "SYSTEM_EMAIL", "LoginResult", "authenticate", "change_password", "create_user",
    "disable_user", "enable_user", "end_sessions", "find_user", "get_user", "list_users", "password_problems",
    "set_password", "system_actor", "user_for_identity",
]

SYSTEM_EMAIL = "system@fundtracker.invalid"
EMAIL_MAX = 254


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def system_actor(session: Session) -> User:
    """The account that seeding and CLI maintenance act as: an admin that can never log in."""
    user = session.execute(select(User).where(User.email == SYSTEM_EMAIL)).scalar()
    if user is None:
        user = User(email=SYSTEM_EMAIL, name="System", role=ADMIN, password_hash=None, active=False)
        session.add(user)
        session.flush()
    return user


def create_user(
    session: Session, *, email: str, name: str, role: str, actor: Actor, password: str | None = None,
    donor_id: int | None = None,
) -> User:
    """Only an admin creates users; a donor liaison is bound to exactly one existing donor, nobody else is."""
    require(actor, ADMIN)
    errors: dict[str, list[str]] = {}
    email = normalise_email(email)
    if "@" not in email or len(email) > EMAIL_MAX:
        errors["email"] = ["Enter an email address."]
    elif session.execute(select(User.id).where(func.lower(User.email) == email)).first():
        errors["email"] = ["A user with this email already exists."]
    if role not in ROLES:
        errors["role"] = [f"Role must be one of: {', '.join(ROLES)}."]
    if role == DONOR_LIAISON and (donor_id is None or session.get(Donor, donor_id) is None):
        errors["donor_id"] = ["A donor liaison must be bound to exactly one existing donor."]
    if role != DONOR_LIAISON and donor_id is not None:
        errors["donor_id"] = ["Only a donor liaison is bound to a donor."]
    if password is not None and password_problems(password, email=email):
        errors["password"] = password_problems(password, email=email)
    if errors:
        raise InvalidInput(errors)
    user = User(email=email, name=(name or "").strip() or email, role=role, donor_id=donor_id,
                password_hash=hash_password(password) if password else None, active=True, session_version=1)
    session.add(user)
    session.flush()
    record_event(session, actor, "user.create", "user", user.id,
                 after={"email": email, "name": user.name, "role": role, "donor_id": donor_id})
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(func.lower(User.email) == normalise_email(email))).scalar()


def user_for_identity(session: Session, identity: str) -> User | None:
    """The user behind a session identity "<id>:<session version>"; None once the version has moved on
    (logout, password change, disable) or the account can no longer sign in."""
    user_id, _, version = (identity or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    reason: str  # "ok", "unknown_account", "bad_password", "account_disabled"

    @property
    def ok(self) -> bool:
        return self.user is not None


def authenticate(session: Session, email: str, password: str) -> LoginResult:
    """Check a sign-in attempt; write its audit event, success or failure (never the password)."""
    email = normalise_email(email)[:EMAIL_MAX]
    user = find_user(session, email) if email else None
    if user is None:
        burn_verification(password)
        reason = "unknown_account"
    elif not verify_password(user.password_hash, password):
        reason = "bad_password"
    elif not user.is_active:
        reason = "account_disabled"
    else:
        reason = "ok"
    if reason != "ok":
        record_event(session, None, "auth.login_failed", "user", user.id if user else None,
                     after={"email": email, "reason": reason}, actor_label="anonymous")
        return LoginResult(None, reason)
    assert user is not None and user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    record_event(session, user, "auth.login", "user", user.id, after={"email": user.email})
    return LoginResult(user, reason)


def _bump(user: User) -> None:
    user.session_version = (user.session_version or 0) + 1


def end_sessions(session: Session, *, actor: User) -> None:
    """Logout: every session and remember-me cookie of the user ends, not only the one in this browser."""
    _bump(actor)
    session.flush()
    record_event(session, actor, "auth.logout", "user", actor.id)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.email == SYSTEM_EMAIL:
        raise NotFound()
    return user


def get_user(session: Session, user_id: int, *, actor: Actor) -> User:
    """The user administration page: administrators only."""
    require(actor, ADMIN)
    return _user(session, user_id)


def list_users(session: Session, *, actor: Actor) -> list[User]:
    require(actor, ADMIN)
    return list(session.execute(
        select(User).where(User.email != SYSTEM_EMAIL).order_by(User.role, User.email)).scalars())


def change_password(session: Session, *, current_password: str, new_password: str, actor: User) -> User:
    """A user changes their own password; every other session and remember-me cookie of theirs ends."""
    if not verify_password(actor.password_hash, current_password):
        raise InvalidInput.field("current_password", "The current password is not correct.")
    problems = password_problems(new_password, email=actor.email)
    if problems:
        raise InvalidInput({"new_password": problems})
    actor.password_hash = hash_password(new_password)
    _bump(actor)
    session.flush()
    record_event(session, actor, "user.password_change", "user", actor.id)
    return actor


def set_password(session: Session, *, user_id: int, new_password: str, actor: Actor) -> User:
    """An admin (or the CLI) sets a user's password; every session of that user ends."""
    require(actor, ADMIN)
    user = _user(session, user_id)
    problems = password_problems(new_password, email=user.email)
    if problems:
        raise InvalidInput({"password": problems})
    user.password_hash = hash_password(new_password)
    _bump(user)
    session.flush()
    record_event(session, actor, "user.password_set", "user", user.id)
    return user


def disable_user(session: Session, *, user_id: int, actor: Actor) -> User:
    """An admin disables an account: no more sign-in; its sessions and API tokens stop working."""
    require(actor, ADMIN)
    user = _user(session, user_id)
    if user.id == actor.id:
        raise Conflict("You cannot disable your own account.",
                       {"user": ["You cannot disable your own account; ask another administrator."]})
    before = {"active": user.active, "session_version": user.session_version}
    user.active = False
    _bump(user)
    session.flush()
    record_event(session, actor, "user.disable", "user", user.id, before=before,
                 after={"active": False, "session_version": user.session_version})
    return user


def enable_user(session: Session, *, user_id: int, actor: Actor) -> User:
    require(actor, ADMIN)
    user = _user(session, user_id)
    before = {"active": user.active}
    user.active = True
    session.flush()
    record_event(session, actor, "user.enable", "user", user.id, before=before, after={"active": True})
    return user
