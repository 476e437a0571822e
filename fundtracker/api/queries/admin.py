"""The audit trail and user lists for the API (their services check the roles; these only page)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...audit.models import AuditEvent
from ...audit.queries import AuditFilter, _filtered
from ...auth.models import ADMIN, User
from ...auth.permissions import AUDIT_READERS, Actor, require
from ...auth.services import SYSTEM_EMAIL
from ..paging import Page, SortKey, count_of, keyset_page

EVENT_COLUMNS = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.actor_id,
    AuditEvent.actor_label,
    AuditEvent.client_address,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.before,
    AuditEvent.after,
    AuditEvent.hash,
)


def list_events(session: Session, actor: Actor, args: dict[str, Any]) -> Page:
    require(actor, *AUDIT_READERS)
    f = AuditFilter(
        **{k: args.get(k) for k in ("user", "object_type", "object_id", "action", "date_from", "date_to")}
    )
    return keyset_page(
        session,
        _filtered(select(*EVENT_COLUMNS), f),
        id_column=AuditEvent.id,
        sorts={"id": SortKey(AuditEvent.id, int)},
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, _filtered(select(func.count(AuditEvent.id)), f)),
    )


USER_COLUMNS = (
    User.id,
    User.email,
    User.name,
    User.role,
    User.donor_id,
    User.active,
    User.created_at,
    User.last_login_at,
)


def list_users(session: Session, actor: Actor, args: dict[str, Any]) -> Page:
    require(actor, ADMIN)
    conditions = [User.email != SYSTEM_EMAIL]
    if args.get("role"):
        conditions.append(User.role == args["role"])
    return keyset_page(
        session,
        select(*USER_COLUMNS).where(*conditions),
        id_column=User.id,
        sorts={"id": SortKey(User.id, int), "email": SortKey(User.email, str)},
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(User).where(*conditions)),
    )
