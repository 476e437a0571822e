"""Donors for the API: a liaison's list holds its own donor only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...auth.permissions import Actor
from ...donors.models import Donor
from ..paging import Page, SortKey, count_of, keyset_page
from .scope import donor_filter

SORTS = {"id": SortKey(Donor.id, int), "name": SortKey(Donor.name, str)}


def list_donors(session: Session, actor: Actor, args: dict[str, Any]) -> Page:
    conditions = [donor_filter(actor, Donor.id)]
    if args.get("kind"):
        conditions.append(Donor.kind == args["kind"])
    if args.get("country_id") is not None:
        conditions.append(Donor.country_id == args["country_id"])
    stmt = select(Donor.id, Donor.name, Donor.kind, Donor.country_id).where(*conditions)
    return keyset_page(
        session,
        stmt,
        id_column=Donor.id,
        sorts=SORTS,
        sort=args["sort"],
        per_page=args["per_page"],
        cursor=args.get("cursor"),
        total=count_of(session, select(func.count()).select_from(Donor).where(*conditions)),
    )
