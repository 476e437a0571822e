"""`flask users ...` commands, the password policy and the argon2id parameters."""

from __future__ import annotations

from sqlalchemy import select

from fundtracker.audit.models import AuditEvent
from fundtracker.auth.models import User
from fundtracker.auth.passwords import HASHER, hash_password, password_problems
from fundtracker.auth.services import find_user
from fundtracker.auth.tokens import token_holder
from fundtracker.extensions import db

from .helpers import sign_in

GOOD = "a long enough passphrase"


def run(app, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    db.session.commit()
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    db.session.expire_all()
    return result


def test_create_user_set_password_disable_and_token(app, client, make):
    donor = make.donor("Donor for the CLI")
    created = run(app, "users", "create", "Liaison@Example.org", "--role", "donor_liaison", "--donor",
                  str(donor.id), "--name", "Ann Liaison", input=f"{GOOD}\n{GOOD}\n")
    assert created.exit_code == 0, created.output
    user = find_user(db.session, "liaison@example.org")
    assert user is not None and user.role == "donor_liaison" and user.donor_id == donor.id
    assert sign_in(client, "liaison@example.org", GOOD).status_code == 302

    changed = run(app, "users", "set-password", "liaison@example.org",
                  "--password", "another long passphrase")
    assert changed.exit_code == 0, changed.output
    assert sign_in(app.test_client(), "liaison@example.org", GOOD).status_code == 200  # old one refused
    assert sign_in(app.test_client(), "liaison@example.org", "another long passphrase").status_code == 302

    token = run(app, "users", "create-token", "liaison@example.org", "--name", "statements", "--days", "7")
    assert token.exit_code == 0, token.output
    raw = token.stdout.strip().splitlines()[-1]
    db.session.commit()  # the API door reads (and stamps) the token on connections of its own
    assert raw.startswith("ftk_") and token_holder(db.engine, raw).email == "liaison@example.org"

    disabled = run(app, "users", "disable", "liaison@example.org")
    assert disabled.exit_code == 0
    db.session.commit()
    assert token_holder(db.engine, raw) is None
    assert not db.session.execute(select(User.active).where(User.email == "liaison@example.org")).scalar_one()
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"user.create", "user.password_set", "token.create", "user.disable"} <= actions


def test_cli_refusals_exit_1_with_the_reason(app, make):
    weak = run(app, "users", "create", "x@example.org", "--role", "finance", "--password", "password1234")
    assert weak.exit_code == 1 and "too common" in weak.output
    liaison = run(app, "users", "create", "y@example.org", "--role", "donor_liaison", "--password", GOOD)
    assert liaison.exit_code == 1 and "donor" in liaison.output
    missing = run(app, "users", "disable", "nobody@example.org")
    assert missing.exit_code == 1 and "no user" in missing.output
    assert find_user(db.session, "x@example.org") is None


def test_password_policy():
    assert password_problems("short one") == ["Use at least 12 characters."]
    assert password_problems("qwerty123456") == ["This password is too common; choose another."]
    assert password_problems("UnitedNations") == ["This password is too common; choose another."]
    assert password_problems("aaaaaaaaaaaaaaaa")  # repetitive
    assert password_problems("maria.lopez.2026", email="maria.lopez@example.org")
    # No composition rules: a long lower-case phrase is fine.
    assert password_problems("correct horse battery staple") == []


def test_argon2id_at_owasp_parameters():
    stored = hash_password(GOOD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert HASHER.verify(stored, GOOD)


def test_demo_seed_prints_one_login_per_role(app):
    from fundtracker.demo import demo_logins

    roles = {role for role, _email, _password in demo_logins()}
    assert roles == {"admin", "finance", "project_officer", "donor_liaison", "auditor"}
