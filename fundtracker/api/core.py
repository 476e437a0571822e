"""What every API view shares: the blueprint class, the signed-in actor, the role gate, the single commit,
idempotent postings, and read-only transactions for requests that write nothing."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, current_app, g, make_response, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from ..auth.permissions import Actor
from ..database import sqlite_write_intent
from ..errors import NotFound, PermissionDenied
from ..extensions import db, login_manager
from .errors import register_blueprint_errors
from .idempotency import HEADER, HEADER_DOC, run_once

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Documented on every operation: who may call it.
BEARER = [{"bearerAuth": []}]


# webargs' "no choice made" for unknown keys (a sentinel of its own): the parser's per-location default applies.
_PARSER_DEFAULT = inspect.signature(FlaskParser.parse).parameters["unknown"].default


class StrictParser(FlaskParser):
    """Unknown query parameters are refused too (webargs would drop them): a misspelt filter must not quietly
    return every row."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, unknown: Any = _PARSER_DEFAULT,
              validate: Any = None, error_status_code: int | None = None,
              error_headers: Mapping[str, str] | None = None) -> Any:
        """A list's filters (a schema of the query string, as every API list declares them) are loaded by the
        schema straight from the query string, with the same refusal of unknown keys and the same 422.
        webargs' general path (argument maps, locations, hooks, validators, async) cost a list request about
        10 us (of 425, in a warm loop) for nothing it adds here; anything else still takes it."""
        if location != "query" or validate is not None or unknown is not _PARSER_DEFAULT or not isinstance(
                argmap, Schema) or _has_list_fields(argmap):
            return super().parse(argmap, req, location=location, unknown=unknown, validate=validate,
                                 error_status_code=error_status_code, error_headers=error_headers)
        req = req if req is not None else self.get_default_request()
        try:
            return argmap.load(self.load_querystring(req, argmap), unknown=RAISE)
        except ValidationError as error:
            # webargs' own refusal: messages namespaced by location, then its error callback or handle_error
            self._on_validation_error(error, req, argmap, location, error_status_code=error_status_code,
                                      error_headers=error_headers)

    def load_querystring(self, req: Any, schema: Any) -> Any:
        # A schema without list fields reads each key's first value, as webargs' proxy would; a plain dict spares
        # the proxy's per-request walk over the schema's fields and a Python call per key looked up.
        if _has_list_fields(schema):
            return super().load_querystring(req, schema)
        return req.args.to_dict()


@functools.lru_cache(maxsize=256)
def _has_list_fields(schema: Any) -> bool:
    return bool(MultiDictProxy(MultiDict(), schema).multiple_keys)


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose errors are the API's JSON errors and whose arguments are strict."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, name: str, import_name: str, url_prefix: str, description: str) -> None:
        super().__init__(name, import_name, url_prefix=f"/api/v1{url_prefix}", description=description)
        register_blueprint_errors(self)

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        # One schema instance serves every request: given a class, webargs would build one per request.
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


def actor() -> Actor:
    """The signed-in user: a TokenHolder on the token door, the session's User for a signed-in browser."""
    return current_user._get_current_object()  # type: ignore[attr-defined, no-any-return]


class _Unauthorized(Exception):
    pass


def _require_user() -> Actor:
    if not current_user.is_authenticated:
        raise _Unauthorized()
    return actor()


def action(
    *roles: str,
    idempotent: bool = False,
    writes_on_read: bool = False,
    hidden: bool = False,
    guard: Callable[..., None] | None = None,
) -> Callable[..., Any]:
    """Outermost decorator of an API view: sign-in and role gate (before the body is even parsed), then the
    view, then one commit when the view changed something. `roles` repeats the service's own check only so
    that a refused caller learns it before being told about its input; the service still decides.

    idempotent: a money posting; an Idempotency-Key header makes retries safe (see idempotency.py).
    writes_on_read: a GET that writes (an export records its audit event), so it keeps a write transaction.
    hidden: a refused role gets 404, not 403 (a change to one object that the caller may not make there:
        for it, no such editable object exists).
    guard: called with the user and the URL's values before the body is parsed; raises NotFound or
        PermissionDenied for an object this caller may not act on.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                user = _require_user()
            except _Unauthorized:
                return login_manager.unauthorized()
            if roles and user.role not in roles:
                raise NotFound() if hidden else PermissionDenied()
            if guard is not None:
                guard(user, **kwargs)
            call = functools.partial(_respond, view, args, kwargs)
            key = request.headers.get(HEADER) if idempotent else None
            if key is not None:
                return run_once(user.id, key, call)
            response = call()
            if request.method not in SAFE_METHODS and response.status_code < 400:
                db.session.commit()
            return response

        wrapper.writes_on_read = writes_on_read  # type: ignore[attr-defined]
        if idempotent:
            doc = copy.deepcopy(getattr(view, "_apidoc", {}))
            doc.setdefault("manual_doc", {}).setdefault("parameters", []).append(HEADER_DOC)
            wrapper._apidoc = doc  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _respond(view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Response:
    return make_response(current_app.ensure_sync(view)(*args, **kwargs))


def read_only_from_here() -> None:
    """The rest of this request writes nothing: later transactions begin as readers (SQLite: plain BEGIN)."""
    g.setdefault("_intent_tokens", []).append(sqlite_write_intent.set(False))


def forget_intent(_exc: BaseException | None = None) -> None:
    for token in reversed(g.pop("_intent_tokens", [])):
        sqlite_write_intent.reset(token)
