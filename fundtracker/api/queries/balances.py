"""Balances for the API: the journal's SQL aggregates (ledger/queries.py), scoped to a liaison's donor, with
a label for each group and the by-region grouping (through each line's country)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...auth.permissions import Actor
from ...donors.models import Donor
from ...ledger.models import JournalEntry as E
from ...ledger.models import JournalLine as L
from ...ledger.queries import DERIVED, FIGURES, figures
from ...projects.models import Project
from ...reference.models import Country, Instrument
from .scope import visible_donor

NOBODY = (
    -1
)  # a donor id no row has: a liaison asking about another donor learns nothing, not even that it exists
LABELS: dict[str, tuple[Any, Any]] = {
    "donor": (Donor.id, Donor.name),
    "project": (Project.id, Project.code),
    "country": (Country.id, Country.name),
    "instrument": (Instrument.id, Instrument.short_name),
}


def scoped_filters(actor: Actor, args: dict[str, Any]) -> dict[str, Any]:
    own = visible_donor(actor)
    donor_id = args.get("donor_id")
    if own is not None:
        donor_id = own if donor_id in (None, own) else NOBODY
    return {
        "donor_id": donor_id,
        "project_id": args.get("project_id"),
        "date_from": args.get("date_from"),
        "up_to": args.get("date_to"),
    }


def fund_totals(session: Session, actor: Actor, args: dict[str, Any]) -> dict[str, Any]:
    return figures(session, (), **scoped_filters(actor, args))[0]


def _by_region(session: Session, filters: dict[str, Any]) -> list[dict[str, Any]]:
    region = Country.region.label("region")
    stmt = (
        select(region, *(expr.label(name) for name, expr in FIGURES.items()))
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .outerjoin(Country, Country.id == L.country_id)
    )
    if filters["donor_id"] is not None:
        stmt = stmt.where(L.donor_id == filters["donor_id"])
    if filters["project_id"] is not None:
        stmt = stmt.where(L.project_id == filters["project_id"])
    if filters["date_from"] is not None:
        stmt = stmt.where(E.entry_date >= filters["date_from"])
    if filters["up_to"] is not None:
        stmt = stmt.where(E.entry_date <= filters["up_to"])
    rows = []
    for row in session.execute(stmt.group_by(region).order_by(region)).mappings():
        item = {k: (int(v) if k in FIGURES else v) for k, v in row.items()}
        for name, fn in DERIVED.items():
            item[name] = fn(item)
        rows.append(item)
    return rows


def grouped(session: Session, actor: Actor, dimension: str, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Figures grouped by one dimension, each row with `key` and `label`, in two statements at most."""
    filters = scoped_filters(actor, args)
    if dimension == "region":
        return [{**row, "key": row["region"], "label": row["region"]} for row in _by_region(session, filters)]
    rows = figures(session, (dimension,), **filters)
    keys = [row[dimension] for row in rows if row[dimension] is not None]
    labels: dict[Any, str] = {}
    if dimension in LABELS and keys:
        id_column, label_column = LABELS[dimension]
        labels = dict(session.execute(select(id_column, label_column).where(id_column.in_(keys))).all())
    out = []
    for row in rows:
        key = row[dimension]
        label = str(key) if dimension == "year" and key is not None else labels.get(key)
        out.append({**row, "key": key, "label": label})
    return out
