"""The `next` parameter after sign-in only ever leads to a page of this application."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from fundtracker.security import safe_next

from .helpers import sign_in

HOSTILE = [
    "//evil.example", "////evil.example", "/\t/evil.example", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", "https://evil.example", "http://evil.example/", "HTTPS://evil.example",
    "https:evil.example",
    "http:/evil.example", "//evil.example/%2F..", "///evil.example", " //evil.example", "/ /evil.example",
    "/\r\n/evil.example", "/\n/evil.example", "/\x00/evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "evil.example", "@evil.example", "/@evil.example\\", "/\u3002evil.example",
    "//evil.example@localhost", "%2F%2Fevil.example", "/%09/evil.example\\", "\u2215\u2215evil.example",
]
SAFE = ["/", "/audit", "/audit?action=auth.login&user=3", "/admin/users/2", "/auth/tokens"]
HOST = "localhost"


def stays_on_site(location: str) -> bool:
    """What a browser does with the Location header: resolve it against the page, then compare the origin.
    Browsers also drop tabs/newlines and read a backslash as a slash, so such a Location is unsafe too."""
    if any(ch in location for ch in "\\\t\r\n\x00"):
        return False
    resolved = urlsplit(urljoin(f"http://{HOST}/auth/login", location))
    return resolved.scheme == "http" and resolved.netloc == HOST


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_next_stays_on_site_after_sign_in(app, client, users, target):
    response = sign_in(client, users["finance"].email, next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert stays_on_site(location), location
    assert location == "/"


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_next_stays_on_site_when_already_signed_in(app, client, users, target):
    sign_in(client, users["auditor"].email)
    response = client.get("/auth/login", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_next_is_not_put_into_the_login_form(app, client, target):
    page = client.get("/auth/login", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in page


@pytest.mark.parametrize("target", SAFE)
def test_a_page_of_the_application_is_kept(app, client, users, target):
    response = sign_in(client, users["auditor"].email, next=target)
    assert response.status_code == 302 and response.headers["Location"] == target


def test_safe_next_alone(app):
    with app.test_request_context("/"):
        for target in HOSTILE:
            assert safe_next(target) == "/", target
        for target in SAFE:
            assert safe_next(target) == target


def test_anonymous_visit_sends_to_login_with_a_relative_next(app, client):
    response = client.get("/audit?action=user.create")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/audit?action%3Duser.create"
