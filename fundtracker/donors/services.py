"""Donors: creating and renaming them (finance, admin); a Member State donor is linked to its country."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..auth.permissions import Actor, require_donor_visible, require_money_writer
from ..errors import InvalidInput, NotFound
from ..reference.models import Country
from .models import DONOR_KINDS, MEMBER_STATE, Donor


def get_donor(session: Session, donor_id: int, *, actor: Actor) -> Donor:
    require_donor_visible(actor, donor_id)
    donor = session.get(Donor, donor_id)
    if donor is None:
        raise NotFound("This donor does not exist.")
    return donor


def create_donor(
    session: Session, *, name: str, kind: str, actor: Actor, country_id: int | None = None
) -> Donor:
    require_money_writer(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["A donor needs a name."]
    # SQLite's lower() folds ASCII only, so the exact name is compared too (the unique constraint's test).
    elif session.execute(
        select(Donor.id).where(or_(Donor.name == name, func.lower(Donor.name) == name.lower()))
    ).first():
        errors["name"] = [f"A donor called {name} already exists."]
    if kind not in DONOR_KINDS:
        errors["kind"] = [f"Kind must be one of: {', '.join(DONOR_KINDS)}."]
    if kind == MEMBER_STATE and (country_id is None or session.get(Country, country_id) is None):
        errors["country_id"] = ["A Member State donor must be linked to its country."]
    if errors:
        raise InvalidInput(errors)
    donor = Donor(name=name, kind=kind, country_id=country_id)
    session.add(donor)
    session.flush()
    record_event(session, actor, "donor.create", "donor", donor.id, after={"name": name, "kind": kind})
    return donor
