"""Writing audit events: one per change, login and export, each chained to the one before."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import utcnow
from ..chain import GENESIS, canonical, link_hash, lock_chain
from ..context import client_address
from .models import AuditEvent


def event_payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "occurred_at": event.occurred_at,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "client_address": event.client_address,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
    }


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else canonical(value)


def record_event(
    session: Session,
    actor: Any,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    lock_chain(session, "audit")
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "email", None) or "system",
        client_address=client_address.get(),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_json(before),
        after=_json(after),
        prev_hash=last or GENESIS,
    )
    # Hashed before the insert: the row can never be updated afterwards (the database forbids it).
    event.hash = link_hash(event.prev_hash, event_payload(event))
    session.add(event)
    session.flush()
    return event


def loads(value: str | None) -> Any:
    return None if value is None else json.loads(value)
