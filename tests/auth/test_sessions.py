"""Sign-in, sign-out, password change and disable: audit events, and replayed cookies refused afterwards."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fundtracker.audit.models import AuditEvent
from fundtracker.auth.models import User
from fundtracker.extensions import db

from ..factories import PASSWORD
from .helpers import IsolatedClient, cookie, post, sign_in, signed_in_as

NEW_PASSWORD = "a completely new passphrase"


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)).scalars())


def captured(client, app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The session and remember-me cookies a thief would copy from the browser."""
    names = {"session": app.config["SESSION_COOKIE_NAME"], "remember": app.config["REMEMBER_COOKIE_NAME"]}
    values = {kind: cookie(client, name) for kind, name in names.items()}
    assert all(values.values()), values
    return {names[k]: v for k, v in values.items() if v}


def replay(app, cookies: dict[str, str], only: str | None = None) -> str | None:  # type: ignore[no-untyped-def]
    """Who a fresh browser is signed in as when it presents the captured cookie(s)."""
    thief = app.test_client()
    for name, value in cookies.items():
        if only is None or name == only:
            thief.set_cookie(name, value)
    return signed_in_as(thief)


def test_login_success_and_failure_are_audited_without_the_password(app, client, users):
    finance = users["finance"]
    response = sign_in(client, finance.email, "wrong password 123",
                       environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 200 and "wrong" in response.get_data(as_text=True)
    response = sign_in(client, "nobody@example.org", "another guess 456")
    assert response.status_code == 200
    response = sign_in(client, finance.email, PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in_as(client) == finance.email

    failures = events("auth.login_failed")
    assert [json.loads(e.after or "{}") for e in failures] == [
        {"email": finance.email, "reason": "bad_password"},
        {"email": "nobody@example.org", "reason": "unknown_account"},
    ]
    assert failures[0].client_address == "198.51.100.7" and failures[0].object_id == str(finance.id)
    assert failures[0].actor_id is None and failures[0].actor_label == "anonymous"
    success = events("auth.login")
    assert len(success) == 1 and success[0].actor_id == finance.id
    assert success[0].client_address == "198.51.100.8"
    columns = AuditEvent.__table__.columns
    every_row = " ".join(str(getattr(e, c.name)) for e in failures + success for c in columns)
    assert "wrong password 123" not in every_row and "another guess 456" not in every_row
    assert PASSWORD not in every_row


def test_session_identity_carries_the_session_version(app, client, users):
    officer = users["project_officer"]
    sign_in(client, officer.email)
    with client.session_transaction() as browser_session:
        assert browser_session["_user_id"] == f"{officer.id}:{officer.session_version}"


def test_logout_is_post_only_and_needs_csrf(app, client, users):
    sign_in(client, users["auditor"].email)
    assert client.get("/auth/logout").status_code == 405
    refused = client.post("/auth/logout")  # no CSRF token
    assert refused.status_code == 400
    assert signed_in_as(client) == users["auditor"].email
    assert post(client, "/auth/logout").status_code == 302
    assert signed_in_as(client) is None


def _logout(app, client, users, victim):  # type: ignore[no-untyped-def]
    response = post(client, "/auth/logout")
    assert response.status_code == 302
    # The browser is also told to drop its remember-me cookie.
    assert cookie(client, app.config["REMEMBER_COOKIE_NAME"]) is None


def _change_password(app, client, users, victim):  # type: ignore[no-untyped-def]
    response = post(client, "/auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    # The browser that changed the password stays signed in (with the new identity), nobody else does.
    assert signed_in_as(client) == victim.email


def _disable(app, client, users, victim):  # type: ignore[no-untyped-def]
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    assert post(admin, f"/admin/users/{victim.id}/disable").status_code == 302


@pytest.mark.parametrize("action", [_logout, _change_password, _disable],
                         ids=["logout", "password", "disable"])
def test_captured_cookies_are_refused_after(app, client, users, action):
    app.test_client_class = IsolatedClient
    victim = users["finance"]
    assert sign_in(client, victim.email, remember=True).status_code == 302
    stolen = captured(client, app)
    session_name, remember_name = app.config["SESSION_COOKIE_NAME"], app.config["REMEMBER_COOKIE_NAME"]
    # Before the action each stolen cookie, alone, opens the account: the replay below is a real test.
    assert replay(app, stolen, only=session_name) == victim.email
    assert replay(app, stolen, only=remember_name) == victim.email

    action(app, client, users, victim)

    assert replay(app, stolen, only=session_name) is None
    assert replay(app, stolen, only=remember_name) is None
    assert replay(app, stolen) is None


def test_disabled_account_cannot_sign_in_and_enable_restores_it(app, client, users):
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    victim = users["donor_liaison"]
    assert post(admin, f"/admin/users/{victim.id}/disable").status_code == 302
    response = sign_in(client, victim.email)
    assert response.status_code == 200 and "disabled" in response.get_data(as_text=True)
    assert json.loads(events("auth.login_failed")[-1].after or "{}")["reason"] == "account_disabled"
    assert post(admin, f"/admin/users/{victim.id}/enable").status_code == 302
    assert sign_in(client, victim.email).status_code == 302
    assert [e.object_id for e in events("user.disable")] == [str(victim.id)]


def test_admin_cannot_disable_themselves_and_others_cannot_disable_at_all(app, client, users):
    sign_in(client, users["admin"].email)
    assert post(client, f"/admin/users/{users['admin'].id}/disable").status_code == 409
    other = app.test_client()
    sign_in(other, users["finance"].email)
    assert post(other, f"/admin/users/{users['auditor'].id}/disable").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, users["auditor"].id).active and db.session.get(User, users["admin"].id).active


def test_password_change_enforces_the_policy_and_the_current_password(app, client, users):
    user = users["project_officer"]
    sign_in(client, user.email)
    wrong = post(client, "/auth/password", {"current_password": "not my password",
                                            "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 200 and "current password is not correct" in wrong.get_data(as_text=True)
    common = post(client, "/auth/password", {"current_password": PASSWORD, "new_password": "password1234",
                                             "confirm": "password1234"})
    assert common.status_code == 200 and "too common" in common.get_data(as_text=True)
    short = post(client, "/auth/password", {"current_password": PASSWORD, "new_password": "short pass",
                                            "confirm": "short pass"})
    assert short.status_code == 200 and "at least 12" in short.get_data(as_text=True)
    assert events("user.password_change") == []
    fresh = app.test_client()
    assert sign_in(fresh, user.email, PASSWORD).status_code == 302  # unchanged


def test_session_fixation_a_planted_session_does_not_survive_sign_in(app, client, users):
    with client.session_transaction() as planted:
        planted["planted_by_attacker"] = "yes"
    sign_in(client, users["finance"].email)
    with client.session_transaction() as after:
        assert "planted_by_attacker" not in after
