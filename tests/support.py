"""Test support: the database under test, and skips that CI turns into failures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_ALL = os.environ.get("FUNDTRACKER_TEST_REQUIRE_ALL") == "1"
PG_URL = os.environ.get("FUNDTRACKER_TEST_DATABASE_URL", "")
ENGINE = "postgresql" if PG_URL.startswith("postgres") else "sqlite"


def need(available: bool, reason: str) -> None:
    """Skip with a reason that says how to enable the test; under CI (REQUIRE_ALL) fail instead."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required by CI but unavailable: {reason}")
    pytest.skip(reason)


def need_chromium() -> str:
    path = "/usr/bin/chromium"
    need(
        Path(path).exists(),
        "Chromium is missing: apt-get install chromium (browser tests use /usr/bin/chromium)",
    )
    return path


def need_libreoffice() -> str:
    path = shutil.which("soffice") or ""
    need(bool(path), "LibreOffice is missing: apt-get install libreoffice-calc (recalculation checks)")
    return path


def need_postgres() -> str:
    need(
        ENGINE == "postgresql",
        "PostgreSQL tests run when FUNDTRACKER_TEST_DATABASE_URL points at a server, "
        "e.g. postgresql://postgres@127.0.0.1:5432/test",
    )
    return PG_URL


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
