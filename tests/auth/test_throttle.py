"""Login throttling per account and per client address, which X-Forwarded-For cannot dodge (unless a trusted
proxy is configured); in memory by default, in Redis when configured."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import Flask
from sqlalchemy import func, select

from fundtracker import create_app
from fundtracker.audit.models import AuditEvent
from fundtracker.extensions import db, limiter

from ..conftest import BASE_CONFIG
from ..factories import PASSWORD
from ..support import need
from .helpers import IsolatedClient, post, sign_in

REDIS_URL = os.environ.get("FUNDTRACKER_TEST_REDIS_URL", "")


def failed_logins() -> int:
    db.session.expire_all()
    return db.session.execute(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "auth.login_failed")).scalar_one()


def app_with(database_url: str, **config: object) -> Flask:
    other = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **config})
    other.test_client_class = IsolatedClient
    return other


def attempts(client, emails, *, rotate_forwarded_for: bool) -> list[int]:  # type: ignore[no-untyped-def]
    codes = []
    for n, email in enumerate(emails):
        headers = {"X-Forwarded-For": f"203.0.113.{n + 1}"} if rotate_forwarded_for else {}
        codes.append(sign_in(client, email, f"wrong password number {n}", headers=headers).status_code)
    return codes


@pytest.mark.parametrize("rotate", [False, True], ids=["same-address", "rotating-x-forwarded-for"])
def test_twenty_wrong_passwords_for_one_account_are_throttled(app, client, users, rotate):
    email = users["finance"].email
    codes = attempts(client, [email] * 20, rotate_forwarded_for=rotate)
    # Five per minute per account: the sixth attempt and every later one is refused before any password check.
    assert codes == [200] * 5 + [429] * 15
    assert failed_logins() == 5
    # Even the right password waits now: the limit is on the account, not on wrong answers.
    refused = sign_in(client, email, PASSWORD)
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
    assert refused.mimetype == "text/html" and int(refused.headers["Retry-After"]) > 0


@pytest.mark.parametrize("rotate", [False, True], ids=["same-address", "rotating-x-forwarded-for"])
def test_one_address_trying_many_accounts_is_throttled(app, client, users, rotate):
    emails = [f"guess{n}@example.org" for n in range(25)]
    codes = attempts(client, emails, rotate_forwarded_for=rotate)
    assert codes == [200] * 20 + [429] * 5
    assert failed_logins() == 20


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(app, client, users):
    sign_in(client, users["auditor"].email, "not the password!", headers={"X-Forwarded-For": "203.0.113.99"})
    failed = select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
    event = db.session.execute(failed).scalar_one()
    assert event.client_address == "127.0.0.1"


def test_behind_a_trusted_proxy_the_forwarded_address_counts(database_url, app, users):
    proxied = app_with(database_url, TRUSTED_PROXY_COUNT=1)
    client = proxied.test_client()
    codes = attempts(client, [f"guess{n}@example.org" for n in range(25)], rotate_forwarded_for=True)
    # Each forwarded address is a different client now, so only the per-account limit could apply.
    assert codes == [200] * 25
    db.session.expire_all()
    addresses = set(db.session.execute(select(AuditEvent.client_address)
                                       .where(AuditEvent.action == "auth.login_failed")).scalars())
    assert addresses == {f"203.0.113.{n + 1}" for n in range(25)}
    # The account limit still holds behind the proxy.
    email = users["finance"].email
    assert attempts(client, [email] * 8, rotate_forwarded_for=True) == [200] * 5 + [429] * 3


def test_a_successful_sign_in_does_not_use_up_the_allowance(app, client, users):
    for _ in range(8):  # eight browsers, one after the other, all from 127.0.0.1
        assert sign_in(app.test_client(), users["admin"].email).status_code == 302


def test_throttling_in_redis(database_url, app, users):
    need(bool(REDIS_URL), "Redis throttling test runs when FUNDTRACKER_TEST_REDIS_URL is set, "
         "e.g. redis://127.0.0.1:6379/0 (apt-get install redis-server)")
    import redis

    prefix = f"fundtracker-test-{uuid.uuid4().hex}"
    server = redis.Redis.from_url(REDIS_URL)
    try:
        redis_app = app_with(database_url, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
        assert type(limiter.storage).__name__ == "RedisStorage"
        client = redis_app.test_client()
        codes = attempts(client, [users["finance"].email] * 20, rotate_forwarded_for=True)
        assert codes == [200] * 5 + [429] * 15
        assert any(server.scan_iter(match=f"*{prefix}*")), "no rate-limit counters were written to Redis"
        # A second application (another worker process) shares the counters.
        other_worker = app_with(database_url, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
        assert sign_in(other_worker.test_client(), users["finance"].email, PASSWORD).status_code == 429
    finally:
        for key in server.scan_iter(match=f"*{prefix}*"):
            server.delete(key)


def test_guessing_the_current_password_on_the_change_form_is_throttled(app, client, users):
    sign_in(client, users["project_officer"].email)
    new = "a brand new passphrase"
    codes = [post(client, "/auth/password", {"current_password": f"guess number {n}", "new_password": new,
                                             "confirm": new}).status_code for n in range(12)]
    assert codes == [200] * 10 + [429] * 2
