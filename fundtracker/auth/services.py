"""User management: creating users with a role (a liaison with its donor), passwords, disabling."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..donors.models import Donor
from ..errors import InvalidInput
from .models import ADMIN, DONOR_LIAISON, ROLES, User
from .passwords import MIN_LENGTH, hash_password
from .permissions import Actor, require

SYSTEM_EMAIL = "system@fundtracker.invalid"
COMMON_PASSWORDS = frozenset({
    "123456789012", "password1234", "passwordpassword", "qwertyuiopas", "111111111111", "000000000000",
    "iloveyou1234", "administrator", "letmeinletmein", "welcome12345", "password123456", "qwerty123456",
    "1234567890ab", "abcdefghijkl", "changemechangeme", "unitednations", "fundtracker123",
})


def password_problems(password: str) -> list[str]:
    """NIST SP 800-63B: a minimum length and a blocklist, no composition rules."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if password.lower() in COMMON_PASSWORDS:
        problems.append("This password is too common; choose another.")
    return problems


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
    require(actor, ADMIN)
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    if "@" not in email:
        errors["email"] = ["Enter an email address."]
    elif session.execute(select(User.id).where(func.lower(User.email) == email)).first():
        errors["email"] = ["A user with this email already exists."]
    if role not in ROLES:
        errors["role"] = [f"Role must be one of: {', '.join(ROLES)}."]
    if role == DONOR_LIAISON and (donor_id is None or session.get(Donor, donor_id) is None):
        errors["donor_id"] = ["A donor liaison must be bound to exactly one existing donor."]
    if role != DONOR_LIAISON and donor_id is not None:
        errors["donor_id"] = ["Only a donor liaison is bound to a donor."]
    if password is not None and password_problems(password):
        errors["password"] = password_problems(password)
    if errors:
        raise InvalidInput(errors)
    user = User(email=email, name=name.strip() or email, role=role, donor_id=donor_id,
                password_hash=hash_password(password) if password else None, active=True)
    session.add(user)
    session.flush()
    record_event(session, actor, "user.create", "user", user.id,
                 after={"email": email, "role": role, "donor_id": donor_id})
    return user
