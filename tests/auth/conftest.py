"""Fixtures for the sign-in tests: users of each role committed to the database, and a test client."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fundtracker.auth.models import ADMIN, AUDITOR, DONOR_LIAISON, FINANCE, PROJECT_OFFICER, User
from fundtracker.extensions import db

from .helpers import IsolatedClient


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def users(make, session) -> dict[str, User]:  # type: ignore[no-untyped-def]
    donor = make.donor("Donor of the liaison")
    people = {role: make.user(role, donor_id=donor.id if role == DONOR_LIAISON else None)
              for role in (ADMIN, FINANCE, PROJECT_OFFICER, DONOR_LIAISON, AUDITOR)}
    db.session.commit()
    return people
