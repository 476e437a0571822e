"""Idempotency-Key on money postings (rule 9): a retry gets the first answer, another body with the key a 409.

The key row is inserted in the posting's own transaction, before the posting, and the unique constraint on
(user, key) decides: a concurrent duplicate's insert waits for the first transaction and then fails (or, on
SQLite, the whole second request waits behind BEGIN IMMEDIATE and then finds the row), so the money is posted
exactly once. Only successful answers are kept: a refused request rolls back with its key, and may be retried.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from flask import Response, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, InvalidInput
from ..extensions import db
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")
HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Any unique text (e.g. a UUID) per intended posting. Sending the same key again returns "
    "the "
    "first response instead of posting twice; the same key with a different request is a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": KEY_PATTERN.pattern},
}


def request_fingerprint() -> str:
    """SHA-256 of method, path, query and body (JSON compared by content, not by spacing or key order)."""
    digest = hashlib.sha256()
    if request.mimetype == "multipart/form-data":
        # An upload: the files' bytes and the form fields, whatever multipart boundary the client chose.
        parts = [json.dumps(sorted(request.form.items(multi=True))).encode()]
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            parts.append(name.encode() + b"=" + hashlib.sha256(upload.read()).digest())
            upload.seek(0)
        content = b"\n".join(parts)
    else:
        body = request.get_json(silent=True)
        content = (
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
            if body is not None
            else request.get_data()
        )
    for part in (request.method.encode(), request.path.encode(), request.query_string, content):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used for a different request; use a new key.",
            {HEADER: ["Already used for a different request."]},
        )
    response = Response(row.response_body or "", status=row.status_code or 200, mimetype="application/json")
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _stored(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).scalar()


def run_once(user_id: int, key: str, call: Callable[[], Response]) -> Response:
    """Run `call` (the parsed view: it posts and flushes) once per (user, key); commit its answer."""
    if not KEY_PATTERN.match(key):
        raise InvalidInput.field(HEADER, "Use 1 to 200 visible ASCII characters, such as a UUID.")
    fingerprint = request_fingerprint()
    found = _stored(user_id, key)
    if found is not None:
        return _replay(found, fingerprint)
    row = IdempotencyKey(
        user_id=user_id, key=key, method=request.method, path=request.path[:300], request_hash=fingerprint
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # A concurrent request with this key committed first: answer as it did.
        db.session.rollback()
        found = _stored(user_id, key)
        if found is None:
            raise
        return _replay(found, fingerprint)
    response = call()
    if response.status_code >= 400:
        db.session.rollback()
        return response
    row.status_code = response.status_code
    row.response_body = response.get_data(as_text=True)
    row.location = (response.headers.get("Location") or "")[:300] or None
    db.session.commit()
    return response
