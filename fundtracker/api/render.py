"""Rows into JSON: exact decimal strings from minor units, ISO dates, list responses with their headers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import orjson
from flask import Response

from ..money import format_amount
from .paging import Page, page_headers


def amount(minor: int | None, exponent: int) -> str | None:
    """Minor units as the currency's decimal text (JPY 0 places, USD 2, KWD 3), by integer arithmetic."""
    return None if minor is None else format_amount(minor, exponent)


def usd(minor: int | None) -> str | None:
    return amount(minor, 2)


def rate(value: Decimal | None) -> str | None:
    """A stored rate (a normalised Decimal) as plain text, never in exponent notation."""
    return None if value is None else format(value, "f")


def day(value: dt.date | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def moment(value: dt.datetime | None) -> str | None:
    """A UTC timestamp; SQLite hands timezone-aware columns back naive, but they were stored in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Compact UTF-8, as json.dumps(separators=(",", ":"), ensure_ascii=False) writes it; keys may be numbers.
    body = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
    return Response(body, status=status, headers=headers, mimetype="application/json")


def list_response(page: Page, items: Iterable[dict[str, Any]]) -> Response:
    return json_response(list(items), headers=page_headers(page))
