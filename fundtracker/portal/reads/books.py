"""The books' pages: the journal (with what can be reversed), financial years and the UN exchange rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import exists, extract, func, select
from sqlalchemy.orm import Session, aliased

from ...auth.models import User
from ...auth.permissions import STAFF_READERS, Actor, require
from ...errors import NotFound
from ...fx.models import ExchangeRate
from ...ledger.models import JournalEntry, JournalLine, Period
from ...ledger.services import REVERSAL_REFUSED, REVERSIBLE
from . import Page, clamp_page

SOURCE_TYPES = (
    "pledge",
    "payment",
    "allocation",
    "expenditure",
    "cancellation",
    "write_off",
    "rounding",
    "period",
    "period_undo",
)


def journal_page(
    session: Session, *, actor: Actor, source_type: str | None = None, page: int = 1, per_page: int = 50
) -> Page:
    """Journal entries, newest first, with their USD size and whether each was reversed (two statements)."""
    require(actor, *STAFF_READERS)
    page, per_page = clamp_page(page, per_page)
    E, reversal = JournalEntry, aliased(JournalEntry)
    size = (
        select(func.coalesce(func.sum(JournalLine.usd_minor), 0))
        .where(JournalLine.entry_id == E.id, JournalLine.usd_minor > 0)
        .correlate(E)
        .scalar_subquery()
    )
    stmt = select(
        E.id,
        E.entry_date,
        E.kind,
        E.source_type,
        E.source_id,
        E.description,
        E.reverses_id,
        E.reason,
        User.email.label("posted_by"),
        size.label("usd_minor"),
        exists().where(reversal.reverses_id == E.id).label("reversed"),
    ).outerjoin(User, User.id == E.posted_by_id)
    if source_type in SOURCE_TYPES:
        stmt = stmt.where(E.source_type == source_type)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(E.id.desc()).limit(per_page).offset((page - 1) * per_page))
    items = []
    for row in rows.mappings():
        item = dict(row)
        item["reversible"] = (
            item["reverses_id"] is None and item["source_type"] in REVERSIBLE and not item["reversed"]
        )
        items.append(item)
    return Page(items, total, page, per_page)


def journal_entry(session: Session, entry_id: int, *, actor: Actor) -> dict[str, Any]:
    require(actor, *STAFF_READERS)
    entry = session.get(JournalEntry, entry_id)
    if entry is None:
        raise NotFound("This journal entry does not exist.")
    reversal = session.execute(select(JournalEntry.id).where(JournalEntry.reverses_id == entry.id)).scalar()
    refusal = None
    if entry.reverses_id is not None:
        refusal = REVERSAL_REFUSED["reversal"]
    elif entry.source_type not in REVERSIBLE:
        refusal = REVERSAL_REFUSED.get(entry.source_type, "This entry cannot be reversed.")
    elif reversal is not None:
        refusal = "This entry has already been reversed."
    return {"entry": entry, "lines": entry.lines, "reversal_id": reversal, "refusal": refusal}


def financial_years(session: Session, *, actor: Actor) -> list[dict[str, Any]]:
    """Every year with postings (and the current one), open or closed."""
    require(actor, *STAFF_READERS)
    year = extract("year", JournalEntry.entry_date)
    years = {int(y) for (y,) in session.execute(select(year).distinct()) if y is not None}
    years.add(dt.date.today().year)
    periods = {p.year: p for p in session.execute(select(Period)).scalars()}
    years |= set(periods)
    people = (
        dict(
            session.execute(
                select(User.id, User.email).where(
                    User.id.in_([p.closed_by_id for p in periods.values() if p.closed_by_id])
                )
            ).all()
        )
        if periods
        else {}
    )
    return [
        {
            "year": y,
            "closed": bool(periods[y].closed) if y in periods else False,
            "closed_at": periods[y].closed_at if y in periods else None,
            "closed_by": people.get(periods[y].closed_by_id) if y in periods else None,
        }
        for y in sorted(years, reverse=True)
    ]


def rates_page(
    session: Session, *, actor: Actor, currency: str | None = None, page: int = 1, per_page: int = 50
) -> Page:
    require(actor, *STAFF_READERS)
    page, per_page = clamp_page(page, per_page)
    stmt = select(ExchangeRate)
    if currency:
        stmt = stmt.where(ExchangeRate.currency == currency.strip().upper())
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(ExchangeRate.effective_date.desc(), ExchangeRate.currency)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars()
    return Page(list(rows), total, page, per_page)
