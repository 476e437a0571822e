"""Per-request wiring of the API door: read-only transactions for requests that write nothing (SQLite), and
undoing that choice at the end of the request."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user

from ..extensions import login_manager
from ..security import is_api_path, is_api_request, on_token_door
from .core import SAFE_METHODS, forget_intent, read_only_from_here


def choose_transaction_intent() -> None:
    """A GET or HEAD under /api/ that writes nothing runs as a reader, so it never queues behind a writer
    (SQLite: plain BEGIN instead of BEGIN IMMEDIATE). A view that writes on GET (an export records its audit
    event) says so, and keeps a writer's transaction. The bearer token is read on the request's reader
    connection and its last use stamped in a write of its own (auth/tokens.py), so neither decides this
    transaction."""
    here = request._get_current_object()  # type: ignore[attr-defined]  # one proxy look-up, not four
    if here.method not in SAFE_METHODS or not is_api_path(here.path):
        return
    known: dict[tuple[str | None, str], bool] = current_app.extensions[_WRITES_ON_READ]
    key = (here.endpoint, here.method)
    writes = known.get(key)
    if writes is None:
        writes = known[key] = _writes_on_read(here.endpoint, here.method)
    if not writes:
        read_only_from_here()


# Per application: endpoint and method -> whether that view declared writes_on_read (fixed once routes exist).
_WRITES_ON_READ = "fundtracker.writes_on_read"


def _writes_on_read(endpoint: str | None, method: str) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    view = getattr(getattr(view, "view_class", None), method.lower(), view)  # a MethodView's method
    return view is not None and bool(getattr(view, "writes_on_read", False))


def refuse_anonymous_writes() -> Response | None:
    """A change under /api/ with neither a token nor a signed-in session is a 401, before the CSRF check
    (which would call it a bad request): the caller is told how to authenticate."""
    if request.method in SAFE_METHODS or not is_api_request() or on_token_door(request):
        return None
    if current_user.is_authenticated:
        return None  # a portal session: Flask-WTF's CSRF check applies as on any form
    return login_manager.unauthorized()


def register_hooks(app: Flask) -> None:
    # First of all before_request hooks: the transaction's intent is set before anything reads the database,
    # and an anonymous change is refused before the CSRF check would call it a bad request.
    app.extensions[_WRITES_ON_READ] = {}
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, refuse_anonymous_writes)
    hooks.insert(0, choose_transaction_intent)
    app.teardown_request(forget_intent)
