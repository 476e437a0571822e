"""Who may do what: the single place where roles are checked, called first by every service."""

from __future__ import annotations

from typing import Protocol

from ..errors import NotFound, PermissionDenied
from .models import ADMIN, AUDITOR, DONOR_LIAISON, FINANCE, PROJECT_OFFICER


class Actor(Protocol):
    id: int
    role: str
    donor_id: int | None
    email: str


STAFF_READERS = (ADMIN, FINANCE, PROJECT_OFFICER, AUDITOR)
MONEY_WRITERS = (ADMIN, FINANCE)
AUDIT_READERS = (ADMIN, AUDITOR)


def require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied()


def require_money_writer(actor: Actor) -> None:
    require(actor, *MONEY_WRITERS)


def sees_all_donors(actor: Actor) -> bool:
    return actor.role in STAFF_READERS


def require_donor_visible(actor: Actor, donor_id: int | None) -> None:
    """A liaison sees only its own donor; any other donor does not exist for it (404, never 403)."""
    if sees_all_donors(actor):
        return
    if actor.role == DONOR_LIAISON and donor_id is not None and actor.donor_id == donor_id:
        return
    raise NotFound()


def require_project_editor(actor: Actor, officer_id: int | None) -> None:
    if actor.role in MONEY_WRITERS:
        return
    if actor.role == PROJECT_OFFICER and officer_id == actor.id:
        return
    raise PermissionDenied("Only the project's officer, finance or an administrator may change this project.")


def require_self_or_admin(actor: Actor, user_id: int) -> None:
    """Personal things (API tokens, password) belong to their owner; only an admin sees others' (404)."""
    if actor.role == ADMIN or actor.id == user_id:
        return
    raise NotFound()
