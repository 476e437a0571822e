"""The fund dashboard and a donor's statement: totals and breakdowns by year, donor, instrument and region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from ...auth.permissions import STAFF_READERS, Actor, require, require_donor_visible
from ...contributions.models import Pledge
from ...donors.models import Donor
from ...errors import NotFound
from ...ledger.models import RECEIVABLE
from ...ledger.queries import DERIVED, FIGURES, E, L, figures, totals
from ...projects.models import Project
from ...reference.models import Country, Instrument

TOP_DONORS = 10


def _with_derived(rows: Any) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = {k: (int(v) if k in FIGURES and v is not None else v) for k, v in row.items()}
        for name, fn in DERIVED.items():
            item[name] = fn(item)
        out.append(item)
    return out


def figures_by_region(session: Session, *, donor_id: int | None = None) -> list[dict[str, Any]]:
    """Figures by the UN M49 region of each project's lead beneficiary country (so nothing counts twice)."""
    stmt = (
        select(Country.region.label("region"), *(expr.label(name) for name, expr in FIGURES.items()))
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .join(Country, Country.id == L.country_id)
    )
    if donor_id is not None:
        stmt = stmt.where(L.donor_id == donor_id)
    stmt = stmt.group_by(Country.region).order_by(Country.region)
    return _with_derived(session.execute(stmt).mappings())


def _names(session: Session, model: Any, ids: list[int], *columns: Any) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in session.execute(select(model.id, *columns).where(model.id.in_(ids)))}


def _instrument_rows(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = _names(
        session,
        Instrument,
        [r["instrument"] for r in rows if r["instrument"]],
        Instrument.short_name,
        Instrument.code,
    )
    return [{**r, "name": names[r["instrument"]].short_name} for r in rows if r["instrument"] in names]


def fund_overview(session: Session, *, actor: Actor) -> dict[str, Any]:
    """Everything on the fund dashboard, in a fixed number of statements."""
    require(actor, *STAFF_READERS)
    donors = sorted(
        (r for r in figures(session, ("donor",)) if r["donor"] is not None),
        key=lambda r: (-r["pledged"], r["donor"]),
    )[:TOP_DONORS]
    names = _names(session, Donor, [r["donor"] for r in donors], Donor.name)
    return {
        "totals": totals(session),
        "by_year": [r for r in figures(session, ("year",)) if r["year"] is not None],
        "top_donors": [{**r, "name": names[r["donor"]].name} for r in donors],
        "by_instrument": _instrument_rows(session, figures(session, ("instrument",))),
        "by_region": figures_by_region(session),
    }


def _outstanding_by_pledge_year(session: Session, donor_id: int) -> list[tuple[int, int]]:
    """What is still receivable today from the pledges of each year (by the pledge date)."""
    year = extract("year", Pledge.pledge_date)
    rows = session.execute(
        select(year, func.coalesce(func.sum(L.usd_minor), 0))
        .select_from(L)
        .join(Pledge, Pledge.id == L.pledge_id)
        .where(L.account == RECEIVABLE, L.donor_id == donor_id)
        .group_by(year)
    )
    return [(int(y), int(v)) for y, v in rows]


def donor_statement(session: Session, donor_id: int, *, actor: Actor) -> dict[str, Any]:
    """One donor's money: by year, where it went (projects, countries, instruments), what remains."""
    require_donor_visible(actor, donor_id)
    donor = session.get(Donor, donor_id)
    if donor is None:
        raise NotFound("This donor does not exist.")
    projects = [r for r in figures(session, ("project",), donor_id=donor_id) if r["project"] is not None]
    project_names = _names(
        session, Project, [r["project"] for r in projects], Project.code, Project.title, Project.status
    )
    countries = [r for r in figures(session, ("country",), donor_id=donor_id) if r["country"] is not None]
    country_rows = (
        {
            c.id: c
            for c in session.execute(
                select(Country).where(Country.id.in_([r["country"] for r in countries]))
            ).scalars()
        }
        if countries
        else {}
    )
    by_year = {
        r["year"]: {**r, "outstanding_of_year": 0}
        for r in figures(session, ("year",), donor_id=donor_id)
        if r["year"] is not None
    }
    for year, outstanding in _outstanding_by_pledge_year(session, donor_id):
        by_year.setdefault(year, {"year": year, **{k: 0 for k in (*FIGURES, *DERIVED)}})
        by_year[year]["outstanding_of_year"] = outstanding
    return {
        "donor": donor,
        "totals": totals(session, donor_id=donor_id),
        "by_year": [by_year[y] for y in sorted(by_year)],
        "projects": [
            {
                **r,
                "code": project_names[r["project"]].code,
                "title": project_names[r["project"]].title,
                "status": project_names[r["project"]].status,
            }
            for r in projects
        ],
        "countries": sorted(
            ({**r, "country_row": country_rows[r["country"]]} for r in countries),
            key=lambda r: -r["allocated"],
        ),
        "by_instrument": _instrument_rows(
            session, [r for r in figures(session, ("instrument",), donor_id=donor_id) if r["instrument"]]
        ),
        "by_region": figures_by_region(session, donor_id=donor_id),
    }
