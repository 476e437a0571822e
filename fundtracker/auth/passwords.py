"""Password hashing with argon2id at OWASP's recommended parameters, and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .common_passwords import COMMON_PASSWORDS

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 takes any length; a bound keeps a login form from being used to burn CPU
MIN_DISTINCT = 5
# Verified against when the account does not exist, so that a wrong email costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash("fundtracker timing equaliser")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored or len(password) > MAX_LENGTH:
        return False
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification(password: str) -> None:
    """Spend the time of one verification without any account (unknown email, disabled account)."""
    verify_password(_DUMMY_HASH, password[:MAX_LENGTH])


def needs_rehash(stored: str) -> bool:
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """NIST SP 800-63B: a minimum length and a blocklist (common, repetitive, the account's own name); no
    composition rules."""
    problems = []
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    elif len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    if lowered in COMMON_PASSWORDS:
        problems.append("This password is too common; choose another.")
    elif len(set(lowered)) < MIN_DISTINCT:
        problems.append("This password repeats too few characters; choose a less predictable one.")
    if email:
        local = email.lower().split("@", 1)[0]
        if lowered == email.lower() or (len(local) >= 4 and local in lowered):
            problems.append("The password must not contain your email address.")
    return problems
