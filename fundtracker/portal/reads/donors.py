"""Donor pages: the list (search, filter, sort, pages); one donor's pledges, payments, earmarks, ageing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from ...auth.models import DONOR_LIAISON
from ...auth.permissions import Actor, require_donor_visible, sees_all_donors
from ...contributions.models import (
    CONFIRMED,
    PAID,
    PARTIALLY_PAID,
    Instalment,
    Payment,
    Pledge,
    PledgeAmendment,
)
from ...donors.models import DONOR_KINDS, Donor
from ...errors import NotFound
from ...ledger.models import RECEIVABLE, JournalEntry
from ...ledger.queries import FIGURES, E, L
from ...projects.models import Project
from ...reference.models import Country, Instrument
from . import Page, clamp_page

SORTS = ("name", "pledged", "received", "outstanding", "allocated")
AGEING = ((90, "0–90"), (180, "91–180"), (365, "181–365"))  # days; older falls in "over 365"


def _donor_figures() -> Any:
    return (
        select(L.donor_id.label("donor_id"), *(FIGURES[k].label(k) for k in SORTS[1:]))
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .where(L.donor_id.is_not(None))
        .group_by(L.donor_id)
        .subquery()
    )


def _visible(stmt: Select[Any], actor: Actor) -> Select[Any]:
    if sees_all_donors(actor):
        return stmt
    if actor.role == DONOR_LIAISON and actor.donor_id is not None:
        return stmt.where(Donor.id == actor.donor_id)
    raise NotFound()


def donor_list(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    kind: str | None = None,
    sort: str = "pledged",
    descending: bool = True,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Donors with their USD totals: two statements whatever the page size (a liaison: only its own)."""
    page, per_page = clamp_page(page, per_page)
    sub = _donor_figures()
    stmt = _visible(
        select(
            Donor.id,
            Donor.name,
            Donor.kind,
            Country.name.label("country"),
            *(func.coalesce(sub.c[k], 0).label(k) for k in SORTS[1:]),
        )
        .outerjoin(sub, sub.c.donor_id == Donor.id)
        .outerjoin(Country, Country.id == Donor.country_id),
        actor,
    )
    if q and q.strip():
        stmt = stmt.where(func.lower(Donor.name).contains(q.strip().lower(), autoescape=True))
    if kind in DONOR_KINDS:
        stmt = stmt.where(Donor.kind == kind)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    column = Donor.name if sort == "name" else func.coalesce(sub.c[sort if sort in SORTS else "pledged"], 0)
    order = column.desc() if descending else column.asc()
    rows = session.execute(stmt.order_by(order, Donor.id).limit(per_page).offset((page - 1) * per_page))
    return Page([dict(r) for r in rows.mappings()], total, page, per_page)


def derived_status(state: str, amount_minor: int, paid_minor: int) -> str:
    """The same rule as contributions.services.pledge_status, from figures already summed in SQL."""
    if state != CONFIRMED:
        return state
    if paid_minor >= amount_minor:
        return PAID
    return PARTIALLY_PAID if paid_minor > 0 else CONFIRMED


def _ageing_case(due: Any, as_of: dt.date) -> Any:
    whens = [(due >= as_of - dt.timedelta(days=days), literal(label)) for days, label in AGEING]
    return case(*whens, else_=literal("over 365"))


def pledge_rows(
    session: Session,
    *,
    donor_id: int | None = None,
    pledge_ids: list[int] | None = None,
    as_of: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Pledges with amount (after amendments), paid and unpaid in their currency, USD figures, derived
    status, earmark target and the age of the unpaid part: one statement."""
    as_of = as_of or dt.date.today()
    amended = (
        select(PledgeAmendment.pledge_id, func.sum(PledgeAmendment.delta_minor).label("delta"))
        .group_by(PledgeAmendment.pledge_id)
        .subquery()
    )
    paid = (
        select(L.pledge_id, func.sum(-L.amount_minor).label("paid"))
        .join(E, E.id == L.entry_id)
        .where(L.account == RECEIVABLE, E.source_type == "payment")
        .group_by(L.pledge_id)
        .subquery()
    )
    usd = (
        select(
            L.pledge_id, *(FIGURES[k].label(k) for k in ("pledged", "received", "outstanding", "allocated"))
        )
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .where(L.pledge_id.is_not(None))
        .group_by(L.pledge_id)
        .subquery()
    )
    first_due = (
        select(Instalment.pledge_id, func.min(Instalment.due_date).label("due"))
        .group_by(Instalment.pledge_id)
        .subquery()
    )
    target_country, target_project = aliased(Country), aliased(Project)
    due = func.coalesce(first_due.c.due, Pledge.pledge_date)
    amount = Pledge.original_minor + func.coalesce(amended.c.delta, 0)
    stmt = (
        select(
            Pledge.id,
            Pledge.donor_id,
            Donor.name.label("donor"),
            Pledge.reference,
            Pledge.pledge_date,
            Pledge.currency,
            Pledge.state,
            Pledge.psc_rate,
            Pledge.source_of_funds,
            Pledge.earmark_level,
            Pledge.earmark_theme,
            Pledge.earmark_region,
            Pledge.rate,
            Pledge.rate_date,
            Instrument.short_name.label("earmark_instrument"),
            target_country.name.label("earmark_country"),
            target_project.code.label("earmark_project"),
            target_project.id.label("earmark_project_id"),
            amount.label("amount_minor"),
            func.coalesce(paid.c.paid, 0).label("paid_minor"),
            due.label("due_date"),
            _ageing_case(due, as_of).label("age_bucket"),
            *(
                func.coalesce(usd.c[k], 0).label(k)
                for k in ("pledged", "received", "outstanding", "allocated")
            ),
        )
        .join(Donor, Donor.id == Pledge.donor_id)
        .outerjoin(amended, amended.c.pledge_id == Pledge.id)
        .outerjoin(paid, paid.c.pledge_id == Pledge.id)
        .outerjoin(usd, usd.c.pledge_id == Pledge.id)
        .outerjoin(first_due, first_due.c.pledge_id == Pledge.id)
        .outerjoin(Instrument, Instrument.id == Pledge.earmark_instrument_id)
        .outerjoin(target_country, target_country.id == Pledge.earmark_country_id)
        .outerjoin(target_project, target_project.id == Pledge.earmark_project_id)
        .order_by(Pledge.pledge_date.desc(), Pledge.id.desc())
    )
    if donor_id is not None:
        stmt = stmt.where(Pledge.donor_id == donor_id)
    if pledge_ids is not None:
        stmt = stmt.where(Pledge.id.in_(pledge_ids))
    rows = []
    for row in session.execute(stmt).mappings():
        item = dict(row)
        item["status"] = derived_status(item["state"], int(item["amount_minor"]), int(item["paid_minor"]))
        item["unpaid_minor"] = (
            int(item["amount_minor"]) - int(item["paid_minor"]) if item["state"] == CONFIRMED else 0
        )
        item["age_days"] = (as_of - item["due_date"]).days if item["unpaid_minor"] > 0 else None
        item["available_to_allocate"] = item["received"] - item["allocated"]
        rows.append(item)
    return rows


def ageing(session: Session, donor_id: int | None, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """What is still receivable (USD at the pledge's value), by how long ago it fell due."""
    as_of = as_of or dt.date.today()
    first_due = (
        select(Instalment.pledge_id, func.min(Instalment.due_date).label("due"))
        .group_by(Instalment.pledge_id)
        .subquery()
    )
    due = func.coalesce(first_due.c.due, Pledge.pledge_date)
    bucket = _ageing_case(due, as_of).label("bucket")
    stmt = (
        select(bucket, func.coalesce(func.sum(L.usd_minor), 0).label("outstanding"))
        .select_from(L)
        .join(Pledge, Pledge.id == L.pledge_id)
        .outerjoin(first_due, first_due.c.pledge_id == Pledge.id)
        .where(L.account == RECEIVABLE)
        .group_by(bucket)
    )
    if donor_id is not None:
        stmt = stmt.where(L.donor_id == donor_id)
    found = {r.bucket: int(r.outstanding) for r in session.execute(stmt)}
    return [
        {"bucket": label, "outstanding": found.get(label, 0)}
        for label in [label for _, label in AGEING] + ["over 365"]
    ]


def _entry_of(source_type: str, source_id: Any) -> tuple[Any, Any]:
    """The id of the posting of a document, and whether it has been reversed (for the Reverse buttons)."""
    original = aliased(JournalEntry)
    reversal = aliased(JournalEntry)
    entry_id = (
        select(original.id)
        .where(
            original.source_type == source_type,
            original.source_id == source_id,
            original.reverses_id.is_(None),
        )
        .order_by(original.id)
        .limit(1)
        .scalar_subquery()
    )
    reversed_ = exists().where(reversal.reverses_id == entry_id)
    return entry_id.label("entry_id"), reversed_.label("reversed")


def payment_rows(session: Session, *, donor_id: int | None = None, pledge_id: int | None = None) -> list[Any]:
    entry_id, reversed_ = _entry_of("payment", Payment.id)
    stmt = (
        select(
            Payment.id,
            Payment.pledge_id,
            Payment.received_date,
            Payment.currency,
            Payment.amount_minor,
            Payment.rate,
            Payment.rate_date,
            Payment.usd_minor,
            Payment.reference,
            entry_id,
            reversed_,
        )
        .join(Pledge, Pledge.id == Payment.pledge_id)
        .order_by(Payment.received_date.desc(), Payment.id.desc())
    )
    if donor_id is not None:
        stmt = stmt.where(Pledge.donor_id == donor_id)
    if pledge_id is not None:
        stmt = stmt.where(Payment.pledge_id == pledge_id)
    return list(session.execute(stmt).mappings())


def donor_detail(session: Session, donor_id: int, *, actor: Actor) -> dict[str, Any]:
    """A donor's pledges (status, ageing), payments and earmarks; another donor is 404 to a liaison."""
    require_donor_visible(actor, donor_id)
    donor = session.get(Donor, donor_id)
    if donor is None:
        raise NotFound("This donor does not exist.")
    pledges = pledge_rows(session, donor_id=donor_id)
    return {
        "donor": donor,
        "pledges": pledges,
        "earmarked": [p for p in pledges if p["earmark_level"] > 1],
        "payments": payment_rows(session, donor_id=donor_id),
        "ageing": ageing(session, donor_id),
    }


def pledge_detail(session: Session, pledge_id: int, *, actor: Actor) -> dict[str, Any]:
    pledge = session.get(Pledge, pledge_id)
    require_donor_visible(actor, pledge.donor_id if pledge else None)
    if pledge is None:
        raise NotFound("This pledge does not exist.")
    from ...allocations.models import Allocation

    entry_id, reversed_ = _entry_of("allocation", Allocation.id)
    allocations = list(
        session.execute(
            select(
                Allocation.id,
                Allocation.allocation_date,
                Allocation.usd_minor,
                Allocation.note,
                Project.id.label("project_id"),
                Project.code,
                Project.title,
                entry_id,
                reversed_,
            )
            .join(Project, Project.id == Allocation.project_id)
            .where(Allocation.pledge_id == pledge_id)
            .order_by(Allocation.allocation_date, Allocation.id)
        ).mappings()
    )
    original, reversal = aliased(JournalEntry), aliased(JournalEntry)
    closing = session.execute(
        select(original.id)
        .where(
            original.source_type.in_(("cancellation", "write_off")),
            original.source_id == pledge.id,
            original.reverses_id.is_(None),
            ~exists().where(reversal.reverses_id == original.id),
        )
        .order_by(original.id.desc())
        .limit(1)
    ).scalar()
    return {
        "pledge": pledge,
        "row": pledge_rows(session, pledge_ids=[pledge_id])[0],
        "amendments": pledge.amendments,
        "instalments": pledge.instalments,
        "payments": payment_rows(session, pledge_id=pledge_id),
        "allocations": allocations,
        "closing_entry": closing,
    }
