"""Fixtures for the portal tests: the small fund of world.py, committed, and signed-in test clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..auth.helpers import IsolatedClient, sign_in
from .world import Fund, build_fund


@pytest.fixture
def fund(session, make) -> Fund:  # type: ignore[no-untyped-def]
    built = build_fund(session, make)
    session.commit()
    return built


@pytest.fixture
def client_for(app: Flask, fund: Fund) -> Callable[..., FlaskClient]:
    """A browser signed in as the user of a role (or any given user)."""
    app.test_client_class = IsolatedClient

    def signed_in(role: str | None = None, user=None, lang: str | None = None) -> FlaskClient:  # type: ignore[no-untyped-def]
        client = app.test_client()
        if lang:
            client.set_cookie("lang", lang)
        person = user or fund.users[role]
        answer = sign_in(client, person.email)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        return client

    return signed_in
