"""/api/v1 audit events (auditors, admins), users (admins), personal API tokens (owner or admin), /me."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...audit.queries import audit_event
from ...auth import services, tokens
from ...auth.models import ADMIN
from ...auth.models import User as Account
from ...auth.permissions import AUDIT_READERS, require_self_or_admin
from ...extensions import db
from ..core import ApiBlueprint, action, actor
from ..queries.admin import list_events, list_users
from ..render import json_response, list_response
from ..schemas.admin import (
    AuditEventSchema,
    AuditListArgs,
    EmptySchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserListArgs,
    UserSchema,
    event_item,
    token_item,
    user_item,
)
from .common import LIST_HEADERS, created

audit = ApiBlueprint(
    "audit_events",
    __name__,
    "/audit-events",
    "Who did what, when, from where: every change, sign-in and export, hash-chained.",
)
users = ApiBlueprint("users", __name__, "/users", "User accounts (administrators) and their API tokens.")
api_tokens = ApiBlueprint(
    "tokens", __name__, "/tokens", "Revoking a personal API token (its owner or an admin)."
)
me = ApiBlueprint("me", __name__, "/me", "The signed-in user.")


@audit.route("")
class AuditEvents(MethodView):
    @action(*AUDIT_READERS)
    @audit.arguments(AuditListArgs, location="query", as_kwargs=True)
    @audit.response(200, AuditEventSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List audit events, newest first."""
        page = list_events(db.session, actor(), args)
        return list_response(page, map(event_item, page.rows))


@audit.route("/<id:event_id>")
class AuditEvent(MethodView):
    @action(*AUDIT_READERS)
    @audit.response(200, AuditEventSchema)
    def get(self, event_id: int):
        """One audit event."""
        return json_response(event_item(audit_event(db.session, event_id, actor=actor())))


@users.route("")
class Users(MethodView):
    @action(ADMIN)
    @users.arguments(UserListArgs, location="query", as_kwargs=True)
    @users.response(200, UserSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List users."""
        page = list_users(db.session, actor(), args)
        return list_response(page, map(user_item, page.rows))

    @action(ADMIN)
    @users.arguments(UserCreateSchema, as_kwargs=True)
    @users.response(201, UserSchema)
    def post(self, **data: Any):
        """Create a user; a donor liaison is bound to exactly one donor."""
        user = services.create_user(db.session, actor=actor(), **data)
        return created(user_item(user), "users.User", user_id=user.id)


@users.route("/<id:user_id>")
class User(MethodView):
    @action(ADMIN)
    @users.response(200, UserSchema)
    def get(self, user_id: int):
        """One user."""
        return json_response(user_item(services.get_user(db.session, user_id, actor=actor())))


@users.route("/<id:user_id>/disable")
class UserDisable(MethodView):
    @action(ADMIN)
    @users.arguments(EmptySchema, required=False)
    @users.response(200, UserSchema)
    def post(self, _data: dict[str, Any], user_id: int):
        """Disable an account: no sign-in; its sessions and API tokens stop working."""
        return json_response(user_item(services.disable_user(db.session, user_id=user_id, actor=actor())))


@users.route("/<id:user_id>/enable")
class UserEnable(MethodView):
    @action(ADMIN)
    @users.arguments(EmptySchema, required=False)
    @users.response(200, UserSchema)
    def post(self, _data: dict[str, Any], user_id: int):
        """Enable an account again."""
        return json_response(user_item(services.enable_user(db.session, user_id=user_id, actor=actor())))


def own_or_admin(user: Any, user_id: int) -> None:
    """Another user's tokens do not exist for anyone but an administrator (404)."""
    require_self_or_admin(user, user_id)


@users.route("/<id:user_id>/tokens")
class UserTokens(MethodView):
    @action(guard=own_or_admin)
    @users.response(200, TokenSchema(many=True))
    def get(self, user_id: int):
        """A user's API tokens (your own, or anyone's for an administrator)."""
        return json_response(
            [token_item(t) for t in tokens.list_tokens(db.session, user_id=user_id, actor=actor())]
        )

    @action(guard=own_or_admin)
    @users.arguments(TokenCreateSchema, as_kwargs=True)
    @users.response(201, TokenSchema)
    def post(self, user_id: int, **data: Any):
        """Create an API token; the response holds the token itself, shown this once."""
        token, raw = tokens.create_token(db.session, user_id=user_id, actor=actor(), **data)
        return json_response({**token_item(token), "token": raw}, status=201)


@api_tokens.route("/<id:token_id>")
class Token(MethodView):
    @action()
    @api_tokens.response(200, TokenSchema)
    def delete(self, token_id: int):
        """Revoke an API token (its owner, or an administrator); revoking twice changes nothing more."""
        return json_response(token_item(tokens.revoke_token(db.session, token_id, actor=actor())))


@me.route("")
class Me(MethodView):
    @action()
    @me.response(200, UserSchema)
    def get(self):
        """Who this token (or session) belongs to."""
        return json_response(user_item(db.session.get(Account, actor().id)))
