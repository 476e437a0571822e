"""Per-request wiring of the API door: read-only transactions for requests that write nothing (SQLite), and
undoing that choice at the end of the request."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user
from sqlalchemy import select

from ..auth.models import ApiToken, as_utc, utcnow
from ..auth.tokens import LAST_USED_RESOLUTION, TOKEN_PREFIX, bearer_from_header, token_digest
from ..extensions import db, login_manager
from ..security import is_api_request
from .core import SAFE_METHODS, forget_intent, read_only_from_here


def _token_will_be_stamped() -> bool:
    """Whether authenticating this request's token will write its last-used time (once per few minutes)."""
    raw = bearer_from_header(request.headers.get("Authorization"))
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return False
    last_used = db.session.execute(
        select(ApiToken.last_used_at).where(ApiToken.token_hash == token_digest(raw))
    ).first()
    if last_used is None:
        return False
    return last_used[0] is None or utcnow() - as_utc(last_used[0]) > LAST_USED_RESOLUTION


def choose_transaction_intent() -> None:
    """A GET or HEAD under /api/ that writes nothing runs as a reader, so it never queues behind a writer
    (SQLite: plain BEGIN instead of BEGIN IMMEDIATE). Runs before the bearer token is read: if reading the
    token will stamp its last use, or the view writes (an export's audit event), the request stays a writer,
    because a reader's transaction cannot safely turn into a writer's under WAL."""
    if request.method not in SAFE_METHODS or not is_api_request():
        return
    view = current_app.view_functions.get(request.endpoint or "")
    view = getattr(getattr(view, "view_class", None), request.method.lower(), view)  # a MethodView's method
    if view is not None and getattr(view, "writes_on_read", False):
        return
    read_only_from_here()
    if _token_will_be_stamped():
        db.session.rollback()  # end the reader's transaction; the next one begins as a writer
        forget_intent()


def refuse_anonymous_writes() -> Response | None:
    """A change under /api/ with neither a token nor a signed-in session is a 401, before the CSRF check
    (which would call it a bad request): the caller is told how to authenticate."""
    if request.method in SAFE_METHODS or not is_api_request() or "Authorization" in request.headers:
        return None
    if current_user.is_authenticated:
        return None  # a portal session: Flask-WTF's CSRF check applies as on any form
    return login_manager.unauthorized()


def register_hooks(app: Flask) -> None:
    # First of all before_request hooks: the bearer token is read (security.py) inside this choice, and an
    # anonymous change is refused before the CSRF check.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, refuse_anonymous_writes)
    hooks.insert(0, choose_transaction_intent)
    app.teardown_request(forget_intent)
