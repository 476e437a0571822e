"""Schemas of the audit trail, users and personal API tokens."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from ...audit.services import loads
from ...auth.models import ROLES
from ...auth.tokens import MAX_DAYS
from ..render import moment
from .common import DateRangeArgs, Id, ListArgs, StrictSchema, Text, sort_field


class AuditEventSchema(StrictSchema):
    id = fields.Integer(required=True)
    occurred_at = fields.DateTime(required=True)
    actor_id = fields.Integer(required=True, allow_none=True)
    actor_label = fields.String(required=True)
    client_address = fields.String(required=True, allow_none=True)
    action = fields.String(required=True)
    object_type = fields.String(required=True, allow_none=True)
    object_id = fields.String(required=True, allow_none=True)
    before = fields.Raw(
        required=True, allow_none=True, metadata={"description": "State before, as recorded."}
    )
    after = fields.Raw(required=True, allow_none=True, metadata={"description": "State after, as recorded."})
    hash = fields.String(required=True)


class AuditListArgs(DateRangeArgs):
    """Filters: user (id or part of the email), object type and id, action or family ("user"), UTC dates."""

    user = Text(max_length=254, load_default=None)
    object_type = Text(max_length=40, load_default=None)
    object_id = Text(max_length=40, load_default=None)
    action = Text(max_length=60, load_default=None)
    sort = sort_field(["id"], "-id")


class UserSchema(StrictSchema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    donor_id = fields.Integer(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    last_login_at = fields.DateTime(required=True, allow_none=True)


class UserListArgs(ListArgs):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    sort = sort_field(["id", "email"], "email")


class UserCreateSchema(StrictSchema):
    email = Text(required=True, min_length=3, max_length=254)
    name = Text(load_default="", max_length=200)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    donor_id = Id(
        load_default=None, metadata={"description": "Required for a donor liaison, refused otherwise."}
    )
    password = Text(
        load_default=None,
        max_length=200,
        load_only=True,
        metadata={"description": "Optional; without one the user cannot sign in to the portal."},
    )


class EmptySchema(StrictSchema):
    """No fields."""


class TokenSchema(StrictSchema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "The first characters, to recognise it."})
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(required=True, allow_none=True)
    last_used_at = fields.DateTime(required=True, allow_none=True)
    token = fields.String(metadata={"description": "The token itself: shown once, at creation, never again."})


class TokenCreateSchema(StrictSchema):
    name = Text(required=True, min_length=1, max_length=100)
    days = fields.Integer(load_default=90, strict=True, validate=validate.Range(min=1, max=MAX_DAYS))


def event_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "occurred_at": moment(row.occurred_at),
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "client_address": row.client_address,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "before": loads(row.before),
        "after": loads(row.after),
        "hash": row.hash,
    }


def user_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "donor_id": row.donor_id,
        "active": bool(row.active),
        "created_at": moment(row.created_at),
        "last_login_at": moment(row.last_login_at),
    }


def token_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": moment(row.created_at),
        "expires_at": moment(row.expires_at),
        "revoked_at": moment(row.revoked_at),
        "last_used_at": moment(row.last_used_at),
    }
