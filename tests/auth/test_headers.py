"""Cookie flags, security headers on every response, no-store on pages, HTTPS mode, and no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fundtracker import create_app

from ..conftest import BASE_CONFIG
from .helpers import IsolatedClient, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "fundtracker" / "templates"


def set_cookie_headers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return response.headers.getlist("Set-Cookie")


def check_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["Content-Security-Policy"]
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/auth/login", "/", "/no-such-page", "/healthz", "/static/js/portal.js"])
def test_security_headers_on_every_response(app, client, path):
    response = client.get(path)
    check_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP (development, tests)
    if path.startswith("/static/"):
        assert response.headers.get("Cache-Control") != "no-store"
    else:
        assert response.headers["Cache-Control"] == "no-store"


def test_signed_in_pages_and_errors_are_no_store(app, client, users):
    sign_in(client, users["auditor"].email)
    for path in ("/auth/password", "/audit", "/auth/tokens", "/admin/users", "/audit/999999"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        check_security_headers(response)


def test_cookies_are_httponly_and_samesite_lax_over_http(app, client, users):
    response = sign_in(client, users["finance"].email, remember=True)
    cookies = set_cookie_headers(response)
    assert {c.split("=", 1)[0] for c in cookies} == {"session", "remember_token"}
    for header in cookies:
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
        assert "Secure" not in header


def test_https_mode_uses_host_prefixed_secure_cookies_and_hsts(database_url, app, users):
    secure_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "FORCE_HTTPS": True})
    secure_app.test_client_class = IsolatedClient
    client = secure_app.test_client()
    # Plain HTTP is redirected to HTTPS.
    plain = client.get("/auth/login", base_url="http://localhost")
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/auth/login"}}
    page = client.get("/auth/login", **https)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    check_security_headers(page)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"email": users["finance"].email, "password": "correct horse battery", "remember": "y",
            "csrf_token": token}
    response = client.post("/auth/login", data=form, **https)
    assert response.status_code == 302
    cookies = set_cookie_headers(response)
    assert {c.split("=", 1)[0] for c in cookies} == {"__Host-session", "__Host-remember"}
    for header in cookies:
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
        assert "Domain=" not in header
    assert client.get("/auth/tokens", **https).status_code == 200


def test_templates_hold_no_inline_script_or_event_handler():
    """The CSP forbids inline script, so none may be written: every <script> has a src (or is a JSON data
    block), no on*= attributes, no javascript: URLs. (Covers every template in the package, present and
    future.)"""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
            data_block = re.search(r'type="application/(ld\+)?json"', tag)  # data, never executed
            if "src=" not in tag and not data_block:
                offenders.append(f"{path.name}: inline {tag}")
        if re.search(r"\son[a-z]+\s*=", text, flags=re.I):
            offenders.append(f"{path.name}: on* event handler attribute")
        if re.search(r"javascript:", text, flags=re.I):
            offenders.append(f"{path.name}: javascript: URL")
    assert offenders == []
