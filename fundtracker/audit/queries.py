"""Reading the audit trail (auditors and admins only): filtered, newest first, paged by the last id seen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..auth.permissions import AUDIT_READERS, Actor, require
from ..errors import NotFound
from .models import AuditEvent
from .services import loads

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class AuditFilter:
    user: str | None = None  # a user id, or part of the email/label the event was recorded under
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None  # an exact action ("user.disable") or its family ("user")
    date_from: dt.date | None = None  # UTC dates, both inclusive
    date_to: dt.date | None = None

    def active(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    newer_than_first: bool  # there are newer events (a page before this one)
    next_before: int | None  # pass as `before` for the next (older) page


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _filtered(query: Select[Any], f: AuditFilter) -> Select[Any]:
    E = AuditEvent
    if f.user:
        text = f.user.strip()
        if text.isdigit():
            query = query.where(E.actor_id == int(text))
        else:
            query = query.where(func.lower(E.actor_label).contains(text.lower(), autoescape=True))
    if f.object_type:
        query = query.where(E.object_type == f.object_type.strip())
    if f.object_id:
        query = query.where(E.object_id == f.object_id.strip())
    if f.action:
        action = f.action.strip()
        query = query.where(or_(E.action == action, E.action.startswith(action + ".", autoescape=True)))
    if f.date_from:
        query = query.where(E.occurred_at >= _start_of(f.date_from))
    if f.date_to:
        query = query.where(E.occurred_at < _start_of(f.date_to + dt.timedelta(days=1)))
    return query


def audit_trail(
    session: Session, filters: AuditFilter, *, actor: Actor, before: int | None = None,
    per_page: int = DEFAULT_PAGE_SIZE,
) -> AuditPage:
    """One page of matching events, newest first, in three statements whatever the page size."""
    require(actor, *AUDIT_READERS)
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    E = AuditEvent
    query = _filtered(select(E), filters)
    if before is not None:
        query = query.where(E.id < before)
    rows = list(session.execute(query.order_by(E.id.desc()).limit(per_page + 1)).scalars())
    total = session.execute(_filtered(select(func.count(E.id)), filters)).scalar_one()
    newer = False
    if before is not None and rows:
        newer = session.execute(
            _filtered(select(E.id), filters).where(E.id > rows[0].id).limit(1)).first() is not None
    more = len(rows) > per_page
    rows = rows[:per_page]
    return AuditPage(rows, int(total), newer, rows[-1].id if more and rows else None)


def audit_event(session: Session, event_id: int, *, actor: Actor) -> AuditEvent:
    require(actor, *AUDIT_READERS)
    event = session.get(AuditEvent, event_id)
    if event is None:
        raise NotFound()
    return event


def audit_choices(session: Session, *, actor: Actor) -> dict[str, list[str]]:
    """The actions and object types present in the trail, for the filter form's drop-downs."""
    require(actor, *AUDIT_READERS)
    actions = session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars()
    types = session.execute(select(AuditEvent.object_type).where(AuditEvent.object_type.is_not(None))
                            .distinct().order_by(AuditEvent.object_type)).scalars()
    return {"actions": list(actions), "object_types": [t for t in types if t]}


def decoded(value: str | None) -> Any:
    """An event's before/after as data again (they are stored as canonical JSON)."""
    return loads(value)
