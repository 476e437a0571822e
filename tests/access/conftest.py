"""The application the access matrix runs against (its own instance, without login rate limits)."""

from __future__ import annotations

import pytest
from flask import Flask

from fundtracker import create_app

from ..auth.helpers import IsolatedClient
from ..conftest import BASE_CONFIG


@pytest.fixture
def matrix_app(database_url: str) -> Flask:
    # No rate limits here: the matrix calls the login form once per role and case, not as an attacker would.
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False}
    application = create_app(config)
    application.test_client_class = IsolatedClient
    return application
