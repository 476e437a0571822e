"""Small helpers the resource views share: documented list responses and created-resource answers."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for

from ..render import json_response

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
