"""The flask-smorest Api: OpenAPI 3 document, bearer-token security scheme, our error schema, id converter."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import BaseConverter, ValidationError

from .errors import register_app_fallback
from .schemas.common import MAX_ID, ErrorSchema

DESCRIPTION = """The books of the UN Crime Prevention and Criminal Justice Fund, for programs.

Authenticate with a personal API token (`Authorization: Bearer ftk_...`, made on the portal's API tokens page
or with `flask users create-token`). Every permission of the portal applies: a donor liaison's token sees only
its own donor's records, and every other donor's record answers 404.

* Money is a decimal **string** with the currency's own number of decimals, beside a three-letter currency
  code (`{"amount": "1250.00", "currency": "EUR"}`); a JSON number, too many decimals or an unknown currency
  is refused with 422.
* Lists are paged by position: `per_page` (1-100) and the opaque `cursor` taken from the `Link: rel="next"`
  header; `X-Total-Count` gives the number of matching rows.
* Every money posting accepts an `Idempotency-Key` header: a retry with the same key returns the first
  response; the same key with a different request is a 409.
* Errors are always `{"code", "status", "message", "errors"}`, with `errors` listing messages per field.
"""


class IdConverter(BaseConverter):
    """A database id in a URL: 1 to 2**31-1, so an impossible id is a 404 without a query."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class FundApi(Api):
    """flask-smorest's Api without its app-wide error handler, which would answer portal pages in JSON."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        register_app_fallback(self._app)


def make_api(app: Flask) -> FundApi:
    app.url_map.converters["id"] = IdConverter
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": DESCRIPTION},
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal API token (ftk_...).",
                    }
                }
            },
        },
    )
    api = FundApi(app)
    api.register_converter(
        IdConverter, lambda _converter: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    )
    return api
