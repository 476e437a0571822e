"""Configuration: defaults, overridden by FUNDTRACKER_* environment variables (and DATABASE_URL)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PREFIX = "FUNDTRACKER_"


class Defaults:
    SECRET_KEY = "dev-only-change-me"
    SQLALCHEMY_DATABASE_URI = ""  # filled in create_app(): a SQLite file under instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Rate limits and the audit trail need to know how many proxies in front of us to trust.
    TRUSTED_PROXY_COUNT = 0
    RATELIMIT_STORAGE_URI = "memory://"
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ["en", "fr", "es"]


def _coerce(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_environment(environ: dict[str, str] | os._Environ[str] = os.environ) -> dict[str, Any]:
    """FUNDTRACKER_X=value becomes config X (JSON values are decoded); DATABASE_URL sets the database."""
    settings: dict[str, Any] = {
        key[len(PREFIX):]: _coerce(value) for key, value in environ.items() if key.startswith(PREFIX)
    }
    url = settings.pop("DATABASE_URL", None) or environ.get("DATABASE_URL")
    if url:
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(str(url))
    return settings


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling of the URL was given."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_sqlite_url(instance_path: str) -> str:
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'fundtracker.sqlite3'}"
