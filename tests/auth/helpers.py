"""Helpers for portal tests: reading the CSRF token from a page and signing in through the real login form."""

from __future__ import annotations

import contextvars
import re
from typing import Any

from flask import has_app_context
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fundtracker.extensions import db

from ..factories import PASSWORD


class IsolatedClient(FlaskClient):
    """A test client whose every request runs as it would in production: in its own application context (its
    own `g`, its own database session), not inside the test's. The test's session is committed first, so the
    request sees what the test built, and the test reads fresh rows afterwards."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    page = client.get(path)
    found = CSRF_META.search(page.get_data(as_text=True))
    assert found, f"no csrf meta tag on {path} (status {page.status_code})"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, *, remember: bool = False,
            next: str | None = None, headers: dict[str, str] | None = None, **environ: Any) -> TestResponse:
    """POST the login form as a browser would (GET the form first for its CSRF token)."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    if next is not None:
        data["next"] = next
    return client.post("/auth/login", data=data, headers=headers or {}, **environ)


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None, **kw: Any) -> TestResponse:
    """A form POST carrying the session's CSRF token (read from the meta tag of a signed-in page)."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/auth/tokens")}, **kw)


def cookie(client: FlaskClient, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def signed_in_as(client: FlaskClient) -> str | None:
    """The email in the navigation bar of a signed-in page, or None when the client is sent to sign in."""
    page = client.get("/auth/tokens")
    if page.status_code != 200:
        return None
    found = re.search(r'data-testid="signed-in-as" data-email="([^"]+)"', page.get_data(as_text=True))
    return found.group(1) if found else None
