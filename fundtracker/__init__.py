"""fundtracker: the books of the UN Crime Prevention and Criminal Justice Fund; create_app() is the contents."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .application import FundtrackerFlask
from .config import Defaults, default_sqlite_url, from_environment

__version__ = "0.1.0"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = FundtrackerFlask(__name__, instance_relative_config=True)
    app.config.from_object(Defaults)
    app.config.update(from_environment())
    app.config.update(overrides or {})
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = default_sqlite_url(app.instance_path)

    from . import models  # noqa: F401  (registers every table)
    from .database import configure_engine
    from .extensions import db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    with app.app_context():
        configure_engine(db.engine)

    from .reader import init_reader

    init_reader(app)  # the request's read connection for the hot reads, handed back at the end of each request

    from .extensions import babel
    from .security import init_security

    babel.init_app(app)
    init_security(app)  # sessions, tokens, CSRF, login throttling, proxies, cookies, headers

    from .cli import register_cli

    register_cli(app)

    from .web import register_web

    register_web(app)

    from .portal import register_portal

    register_portal(app)

    from .api import register_api

    register_api(app)  # JSON door under /api/v1, OpenAPI document, Swagger UI at /api/docs
    return app


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
