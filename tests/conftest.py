"""Fixtures: a migrated database per test (SQLite file copy, or PostgreSQL truncation), app, session, actors."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from fundtracker import create_app
from fundtracker.config import normalise_database_url
from fundtracker.extensions import db

from .support import ENGINE, PG_URL

REFERENCE_TABLES = ("currency", "country", "country_status", "instrument", "implementing_entity", "alembic_version")
BASE_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True}


def build_schema(url: str) -> None:
    """Migrate an empty database to head and load reference data, as `make run` does."""
    from flask_migrate import upgrade

    from fundtracker.seeding import seed_reference

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        seed_reference(db.session)
        db.session.commit()
        db.engine.dispose()


def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    if ENGINE == "postgresql":
        url = normalise_database_url(PG_URL)
        _drop_everything(url)
        build_schema(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    build_schema(f"sqlite:///{path}")
    return str(path)


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
        wipe = [t for t in tables if t not in REFERENCE_TABLES]
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in wipe) + " RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM country_status WHERE source IS DISTINCT FROM 'UN WESP 2020 statistical annex'"))
    engine.dispose()


def fresh_database(template: str, sqlite_path: Path) -> str:
    """Reset to the migrated template with reference data; returns its URL (engines must be disposed first)."""
    if ENGINE == "postgresql":
        reset_postgres(template)
        return template
    shutil.copyfile(template, sqlite_path)
    for suffix in ("-wal", "-shm"):
        Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{sqlite_path}"


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    """A fresh, migrated database with reference data for each test."""
    return fresh_database(database_template, tmp_path / "test.sqlite3")


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Session:
    return db.session


@pytest.fixture
def system(session: Session):  # type: ignore[no-untyped-def]
    from fundtracker.auth.services import system_actor

    return system_actor(session)


@pytest.fixture
def make(session: Session, system):  # type: ignore[no-untyped-def]
    from .factories import Factory

    return Factory(session, system)


def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import HealthCheck, settings

    common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
    settings.register_profile("dev", max_examples=20, stateful_step_count=20, **common)
    settings.register_profile("ci", max_examples=200, stateful_step_count=50, derandomize=True, **common)
    import os

    settings.load_profile(os.environ.get("FUNDTRACKER_TEST_HYPOTHESIS_PROFILE", "dev"))
