"""Small helpers the resource views share: documented list responses and created-resource answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, url_for
from sqlalchemy.orm import Session

from ...extensions import db
from ..paging import Page
from ..render import json_response, list_response

LIST_HEADERS = {
    "X-Total-Count": {
        "description": "Rows matching the filters, on every page.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Link": {
        "description": 'RFC 8288 links: rel="next" (absent on the last page) and rel="first".',
        "schema": {"type": "string"},
    },
}


def created(payload: dict[str, Any], endpoint: str, **values: Any) -> Response:
    response = json_response(payload, status=201)
    response.headers["Location"] = url_for(endpoint, **values)
    return response


def listed(
    query: Callable[[Session, dict[str, Any]], Page], args: dict[str, Any], item: Callable[[Any], dict[str, Any]]
) -> Response:
    """One page of a list that depends only on its arguments: the query's rows, each through `item`."""
    page = query(db.session, args)
    return list_response(page, map(item, page.rows))
