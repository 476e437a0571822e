"""Hash chains: each row stores the SHA-256 of its canonical content and of the row before it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

GENESIS = "0" * 64

# One advisory lock key per chain, so concurrent writers append one at a time on PostgreSQL.
CHAIN_LOCKS = {"journal": 7_201_001, "audit": 7_201_002}


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # SQLite hands datetimes back naive: hash the UTC wall time without an offset on both engines.
        utc = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        return utc.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    raise TypeError(f"cannot hash {type(value).__name__}")


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False)


def link_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()


def lock_chain(session: Session, chain: str) -> None:
    """Serialise appends to a chain (SQLite's IMMEDIATE transaction already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCKS[chain]})
