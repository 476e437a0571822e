"""Error answers: HTML pages for the portal, {"code", "status", "message", "errors"} JSON under /api/."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import DomainError
from ..extensions import db
from ..security import is_api_request, json_error

TITLES = {
    400: "Bad request", 401: "Sign-in needed", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Too large", 422: "Refused",
    429: "Too many attempts", 500: "Something went wrong",
}
MESSAGES = {
    400: "The request could not be understood.",
    403: "Your role does not allow this.",
    404: "There is nothing here, or you do not have access to it.",
    405: "This address does not accept that kind of request.",
    413: "The upload is larger than allowed.",
    429: "Too many attempts in a short time. Wait a few minutes, then try again.",
    500: "The server could not complete this request. The error has been logged; nothing was saved.",
}
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 422: "invalid_input", 429: "too_many_requests", 500: "server_error",
}


def _answer(status: int, message: str, errors: dict[str, list[str]] | None = None,
            code: str | None = None) -> tuple[str, int] | Response:
    if is_api_request():
        return json_error(status, code or CODES.get(status, "error"), message, errors)
    return render_template("errors/error.html", status=status, title=_(TITLES.get(status, "Error")),
                           message=message, errors=errors or {}), status


def register_error_pages(app: Flask) -> None:
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = make_response(_answer(status, _(MESSAGES.get(status) or exc.description or "")))
        allowed = getattr(exc, "valid_methods", None)
        if status == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    for status in (400, 401, 403, 404, 405, 413, 429):
        app.register_error_handler(status, http_error)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        return _answer(400, _("This form has expired or did not come from this site. Reload the page and try "
                              "again."), code="csrf_failed")

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        message = exc.message if exc.status not in (403, 404) else MESSAGES[exc.status]
        return _answer(exc.status, _(message), exc.errors, code=exc.code)

    @app.errorhandler(InternalServerError)
    def server_error(exc: InternalServerError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return _answer(500, _(MESSAGES[500]))
