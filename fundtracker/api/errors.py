"""The API's error answers: every refusal under /api/ is {"code", "status", "message", "errors"} JSON.

Domain exceptions (fundtracker.errors) are mapped here, in one place. Pages outside /api/ keep the portal's
HTML error pages: the app-wide fallback below hands any non-API error back untouched, so that neither it nor
flask-smorest's own handler (which is never registered) turns a portal error into JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import DomainError, NotFound, PermissionDenied
from ..extensions import db
from ..security import is_api_request, json_error

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "server_error",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "Sign in, or send the header Authorization: Bearer <token>.",
    403: "Your role does not allow this.",
    404: "There is nothing here, or you do not have access to it.",
    405: "This address does not accept that method.",
    413: "The request is larger than allowed.",
    422: "The input was refused.",
    429: "Too many requests in a short time. Wait, then try again.",
    500: "The server could not complete this request. The error has been logged; nothing was saved.",
}
LOCATIONS = ("json", "query", "form", "files", "headers", "view_args", "path")


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' {"json": {"f": [...], "l": {0: {"x": [...]}}}} as {"f": [...], "l.0.x": [...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key)
            if not prefix and name in LOCATIONS:
                sub = flatten(value, "")
            else:
                sub = flatten(value, f"{prefix}.{name}" if prefix else name)
            for field, texts in sub.items():
                out.setdefault(field, []).extend(texts)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_request"] = [str(m) for m in messages]
        else:
            for index, item in enumerate(messages):
                for field, texts in flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(field, []).extend(texts)
    elif messages is not None:
        out[prefix or "_request"] = [str(messages)]
    return out


def http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = flatten(data.get("messages") or data.get("errors") or {})
    if status == 422:
        message = MESSAGES[422] if errors else (exc.description or MESSAGES[422])
    elif status in MESSAGES:
        message = data.get("message") or MESSAGES[status]
    else:
        message = exc.description or exc.name
    response = json_error(status, CODES.get(status, "error"), message, errors)
    allowed = getattr(exc, "valid_methods", None)
    if status == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fundtracker"'
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status >= 400:
        db.session.rollback()
    return response


def domain_error(exc: DomainError) -> Response:
    db.session.rollback()
    if isinstance(exc, NotFound):
        return json_error(404, exc.code, exc.message or MESSAGES[404])
    if isinstance(exc, PermissionDenied):
        return json_error(403, exc.code, exc.message or MESSAGES[403])
    return json_error(exc.status, exc.code, exc.message, exc.errors)


def integrity_error(_exc: IntegrityError) -> Response:
    """A unique or foreign-key rule of the database refused the change (e.g. two requests creating the same
    record at once, after each checked that it was free): a conflict to retry, not a server error."""
    db.session.rollback()
    return json_error(409, CODES[409], "The database refused this change because it conflicts with an existing "
                      "record (for example one of the same name). Reload and check before trying again.")


def server_error(_exc: BaseException) -> Response:
    db.session.rollback()
    return json_error(500, CODES[500], MESSAGES[500])


def register_blueprint_errors(blp: Blueprint) -> None:
    """Errors raised by API views: these take precedence over the app-wide (portal) handlers."""
    for status in (400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429):
        blp.register_error_handler(status, http_error)
    blp.register_error_handler(HTTPException, http_error)
    blp.register_error_handler(DomainError, domain_error)
    blp.register_error_handler(IntegrityError, integrity_error)
    blp.register_error_handler(InternalServerError, server_error)


def register_app_fallback(app: Flask) -> None:
    """Errors raised before any API view runs (no such route, wrong method): JSON under /api/ only."""

    def fallback(exc: HTTPException) -> Response | HTTPException:
        if is_api_request():
            return http_error(exc)
        return exc  # the portal's own page (or Werkzeug's plain HTML one), never JSON

    app.register_error_handler(HTTPException, fallback)
