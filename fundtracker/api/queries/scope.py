"""Who sees which donor's records: staff see every donor, a liaison only its own (others do not exist)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, select, true

from ...allocations.models import Allocation
from ...auth.models import DONOR_LIAISON
from ...auth.permissions import Actor, sees_all_donors
from ...contributions.models import Pledge
from ...errors import NotFound


def visible_donor(actor: Actor) -> int | None:
    """None when the actor sees every donor; the liaison's donor id otherwise (-1: none)."""
    if sees_all_donors(actor):
        return None
    if actor.role == DONOR_LIAISON and actor.donor_id is not None:
        return int(actor.donor_id)
    return -1


def donor_filter(
    actor: Actor, column: ColumnElement[Any], requested: int | None = None
) -> ColumnElement[bool]:
    """The condition on a donor column for this actor and an optional donor filter.

    A liaison filtering by another donor gets the same empty answer as for a donor that does not exist."""
    own = visible_donor(actor)
    condition: ColumnElement[bool] = true()
    if own is not None:
        condition = column == own
    if requested is not None:
        condition = condition & (column == requested) if own is not None else column == requested
    return condition


def project_funded_by(project_id: ColumnElement[Any], donor_id: int) -> ColumnElement[bool]:
    """A liaison sees the projects its donor's money was allocated to."""
    return exists(
        select(Allocation.id)
        .join(Pledge, Pledge.id == Allocation.pledge_id)
        .where(Allocation.project_id == project_id, Pledge.donor_id == donor_id)
    )


def project_condition(actor: Actor, project_id: ColumnElement[Any]) -> ColumnElement[bool]:
    own = visible_donor(actor)
    if own is None:
        return true()
    if own < 0:
        return false()
    return project_funded_by(project_id, own)


def require_project_visible(session: Any, actor: Actor, project_id: int) -> None:
    """A project a liaison's money does not fund does not exist for it (404, never 403)."""
    own = visible_donor(actor)
    if own is None:
        return
    from ...projects.models import Project

    if (
        own < 0
        or session.execute(
            select(Project.id).where(Project.id == project_id, project_funded_by(Project.id, own))
        ).first()
        is None
    ):
        raise NotFound("This project does not exist.")
