"""Personal API tokens: shown once, stored hashed, expiring, revocable by owner and admin; the API door's
bearer authentication and its CSRF rule (token: exempt; cookie: not)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from flask import Flask, jsonify
from flask_login import current_user
from sqlalchemy import select, update

from fundtracker.audit.models import AuditEvent
from fundtracker.auth.models import ApiToken
from fundtracker.auth.services import disable_user
from fundtracker.auth.tokens import bearer_from_header, create_token, revoke_token, token_holder
from fundtracker.errors import InvalidInput, NotFound
from fundtracker.extensions import db

from .helpers import csrf_token, post, sign_in


def holder(session, raw):  # type: ignore[no-untyped-def]
    """The API door's lookup, which reads on a connection of its own: it sees committed tokens only."""
    session.commit()
    return token_holder(db.engine, raw)


def test_a_token_is_stored_as_its_sha256_only(session, users):
    owner = users["finance"]
    token, raw = create_token(session, user_id=owner.id, name="reconciliation", days=30, actor=owner)
    assert raw.startswith("ftk_") and len(raw) > 40
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:12]
    stored = " ".join(str(getattr(token, c.name)) for c in ApiToken.__table__.columns)
    assert raw not in stored
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "token.create")).scalar_one()
    assert raw not in (event.after or "") and token.token_hash not in (event.after or "")
    assert holder(session, raw).id == owner.id


def test_expired_revoked_disabled_or_unknown_tokens_are_refused(session, users):
    owner, admin = users["project_officer"], users["admin"]
    _expired, raw_expired = create_token(session, user_id=owner.id, name="old", days=1, actor=owner)
    session.execute(update(ApiToken).where(ApiToken.id == _expired.id)
                    .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    session.expire_all()
    assert holder(session, raw_expired) is None

    revoked, raw_revoked = create_token(session, user_id=owner.id, name="revoked", actor=owner)
    assert holder(session, raw_revoked) is not None
    revoke_token(session, revoked.id, actor=owner)
    assert holder(session, raw_revoked) is None

    _live, raw_live = create_token(session, user_id=owner.id, name="live", actor=owner)
    assert holder(session, raw_live) is not None
    disable_user(session, user_id=owner.id, actor=admin)
    assert holder(session, raw_live) is None

    for junk in (None, "", "ftk_", "ftk_" + "x" * 43, raw_live[:-1], raw_live + "x", "Bearer " + raw_live):
        assert holder(session, junk) is None


def test_only_the_owner_or_an_admin_revokes_and_lists(session, users):
    owner, other, admin = users["finance"], users["auditor"], users["admin"]
    token, _raw = create_token(session, user_id=owner.id, name="mine", actor=owner)
    with pytest.raises(NotFound):
        revoke_token(session, token.id, actor=other)
    with pytest.raises(NotFound):
        create_token(session, user_id=owner.id, name="for you", actor=other)
    assert revoke_token(session, token.id, actor=admin).revoked_at is not None
    # An admin may also create one for another user (the CLI does so as the system account).
    _t, raw = create_token(session, user_id=owner.id, name="by admin", actor=admin)
    assert holder(session, raw).id == owner.id


def test_token_lifetime_and_name_are_checked(session, users):
    owner = users["finance"]
    for days in (0, 366, -1):
        with pytest.raises(InvalidInput) as refused:
            create_token(session, user_id=owner.id, name="x", days=days, actor=owner)
        assert "days" in refused.value.errors
    with pytest.raises(InvalidInput):
        create_token(session, user_id=owner.id, name="  ", actor=owner)


def test_bearer_header_parsing():
    assert bearer_from_header("Bearer ftk_abc") == "ftk_abc"
    assert bearer_from_header("bearer   ftk_abc ") == "ftk_abc"
    for value in (None, "", "Bearer", "Bearer ", "Basic ftk_abc", "ftk_abc"):
        assert bearer_from_header(value) is None


def test_tokens_page_shows_a_new_token_once(app, client, users):
    sign_in(client, users["donor_liaison"].email)
    page = post(client, "/auth/tokens", {"name": "statement download", "days": "30"})
    assert page.status_code == 200
    found = re.search(r'id="new-token">(ftk_[^<]+)<', page.get_data(as_text=True))
    assert found
    raw = found.group(1)
    assert page.headers["Cache-Control"] == "no-store"
    again = client.get("/auth/tokens").get_data(as_text=True)
    assert raw not in again and raw[:12] in again
    assert holder(db.session, raw).id == users["donor_liaison"].id


def test_revoking_someone_elses_token_through_the_portal_is_404(app, client, users):
    token, _raw = create_token(db.session, user_id=users["finance"].id, name="f", actor=users["finance"])
    sign_in(client, users["auditor"].email)
    assert post(client, f"/auth/tokens/{token.id}/revoke").status_code == 404
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    assert post(admin, f"/auth/tokens/{token.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def _add_probe(app: Flask) -> None:
    """A stand-in API endpoint (the real JSON API is built elsewhere) that reports who is calling."""

    def whoami():  # type: ignore[no-untyped-def]
        if not current_user.is_authenticated:
            return jsonify(code="unauthorized"), 401
        return jsonify(email=current_user.email)

    app.add_url_rule("/api/v1/_probe", "api_probe", whoami, methods=["GET", "POST"])


@pytest.fixture
def probed(app: Flask) -> Flask:
    _add_probe(app)
    return app


def test_api_bearer_token_is_the_whole_identity_and_needs_no_csrf(probed, client, users):
    _t, raw = create_token(db.session, user_id=users["auditor"].id, name="probe", actor=users["auditor"])
    bearer = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/_probe", headers=bearer).get_json() == {"email": users["auditor"].email}
    assert client.post("/api/v1/_probe", headers=bearer).status_code == 200  # no CSRF token: exempt
    # A browser signed in as someone else sending a token: the token decides, the cookie is ignored.
    sign_in(client, users["finance"].email)
    assert client.post("/api/v1/_probe", headers=bearer).get_json() == {"email": users["auditor"].email}
    # A wrong token does not fall back to the cookie.
    wrong = client.post("/api/v1/_probe", headers={"Authorization": "Bearer ftk_not-a-token"})
    assert wrong.status_code == 401


def test_cookie_authenticated_api_writes_need_csrf(probed, client, users):
    sign_in(client, users["finance"].email)
    assert client.get("/api/v1/_probe").get_json() == {"email": users["finance"].email}
    refused = client.post("/api/v1/_probe")
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf_failed"
    accepted = client.post("/api/v1/_probe", headers={"X-CSRFToken": csrf_token(client, "/auth/tokens")})
    assert accepted.status_code == 200


def test_bearer_tokens_do_not_open_portal_pages(probed, client, users):
    _t, raw = create_token(db.session, user_id=users["admin"].id, name="probe", actor=users["admin"])
    response = client.get("/admin/users", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_api_answers_json_errors(probed, client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    assert client.get("/no-such-page").mimetype == "text/html"


def test_sign_in_lookups_do_not_take_sqlite_s_write_lock(app, client, users):
    """The user is loaded in a short read of its own, so a page's view decides how its transaction begins
    (SQLite: a plain BEGIN for read-only pages, instead of holding the write lock from the first line)."""
    import sqlite3

    from flask_login import login_required
    from sqlalchemy import text

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock only (PostgreSQL locks rows)")

    def write_lock_free() -> bool:
        other = sqlite3.connect(db.engine.url.database, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()

    @login_required
    def lock_state():  # type: ignore[no-untyped-def]
        free_after_sign_in = write_lock_free()
        db.session.execute(text("SELECT 1"))  # control: a statement with write intent takes the lock
        return jsonify(free=free_after_sign_in, control=write_lock_free(), role=current_user.role,
                       donor=current_user.donor_id)

    app.add_url_rule("/probe/lock", "probe_lock", lock_state)
    app.add_url_rule("/api/v1/_lock", "api_probe_lock", lock_state)
    liaison = users["donor_liaison"]
    token, raw = create_token(db.session, user_id=liaison.id, name="t", actor=liaison)
    sign_in(client, liaison.email)
    expected = {"free": True, "control": False, "role": "donor_liaison", "donor": liaison.donor_id}
    assert client.get("/probe/lock").get_json() == expected
    answer = app.test_client().get("/api/v1/_lock", headers={"Authorization": f"Bearer {raw}"})
    # API GETs run with read-only intent (fundtracker/api), so there even the control statement leaves it free
    assert answer.get_json() == {**expected, "control": True}
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None  # the stamp was written apart
