"""Reversals (never update or delete), closing and reopening financial years with FX revaluation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..audit.services import record_event
from ..auth.models import ADMIN, utcnow
from ..auth.permissions import Actor, require, require_money_writer
from ..contributions.models import CANCELLED, CONFIRMED, WRITTEN_OFF, Payment, Pledge
from ..contributions.services import true_up_receivable
from ..database import lock_rows
from ..errors import Conflict, InvalidInput, NotFound
from ..fx.services import rate_on
from ..money import USD, usd_minor_from_foreign
from ..reference.services import get_currency
from .models import FX_UNREALISED, RECEIVABLE, JournalEntry, JournalLine, Period
from .posting import Line, lines_of, post_entry, require_open_year
from .queries import negative_balances

PERIOD_SOURCES = ("period", "period_undo")  # revaluations and their undoing when a year is reopened
REVERSIBLE = {"payment", "allocation", "expenditure", "cancellation", "write_off"}
REVERSAL_REFUSED = {
    "rounding": "A rounding adjustment follows from the reversal it belongs to; it cannot be reversed alone.",
    "pledge": "A pledge confirmation or amendment is corrected by amending or cancelling the pledge.",
    "period": "Revaluations belong to closing a year; reopen the year instead.",
    "reversal": "A reversal cannot itself be reversed; post the correct entry again.",
}


def reverse_entry(
    session: Session, entry_id: int, *, reason: str, actor: Actor, reversal_date: dt.date | None = None
) -> JournalEntry:
    """Rule 7: a correction is an opposite entry linked to the original, with a reason."""
    require_money_writer(actor)
    if not (reason or "").strip():
        raise InvalidInput.field("reason", "Say why this posting is reversed.")
    original = session.get(JournalEntry, entry_id)
    if original is None:
        raise NotFound("This journal entry does not exist.")
    if original.reverses_id is not None:
        raise InvalidInput.field("entry_id", REVERSAL_REFUSED["reversal"])
    if original.source_type not in REVERSIBLE:
        raise InvalidInput.field(
            "entry_id", REVERSAL_REFUSED.get(original.source_type, "This entry cannot be reversed.")
        )
    on = reversal_date or dt.date.today()
    require_open_year(session, on, field="reversal_date")
    lines = lines_of(session, original.id)
    pledge_ids = sorted({line.pledge_id for line in lines if line.pledge_id is not None})
    lock_rows(session, Pledge, pledge_ids)
    if session.execute(select(JournalEntry.id).where(JournalEntry.reverses_id == original.id)).first():
        raise Conflict("This entry has already been reversed.")
    payment_pledge = _pledge_of_payment(session, original)
    if payment_pledge is not None and payment_pledge.state in (CANCELLED, WRITTEN_OFF):
        raise InvalidInput.field(
            "entry_id",
            "The pledge of this payment is cancelled or written off; reverse the "
            "cancellation or write-off first.",
        )
    entry = post_entry(
        session,
        entry_date=on,
        kind="reversal",
        source_type=original.source_type,
        source_id=original.source_id,
        description=f"Reversal of entry {original.id}: {original.description}",
        actor=actor,
        lines=[line.negated() for line in lines],
        reverses_id=original.id,
        reason=reason.strip(),
        date_field="reversal_date",
    )
    problems = negative_balances(session, pledge_ids)
    if problems:
        raise InvalidInput.field(
            "entry_id",
            "This reversal would leave a negative balance (" + "; ".join(problems) + "). "
            "Reverse what was built on it first.",
        )
    if payment_pledge is not None:
        true_up_receivable(session, payment_pledge, on=on, actor=actor)
    if original.source_type in ("cancellation", "write_off"):
        pledge = session.get(Pledge, original.source_id)
        if pledge is not None and pledge.state in (CANCELLED, WRITTEN_OFF):
            pledge.state = CONFIRMED
    session.flush()
    record_event(
        session,
        actor,
        "journal.reverse",
        "journal_entry",
        original.id,
        after={"reversal_entry_id": entry.id, "reason": reason.strip()},
    )
    return entry


def _pledge_of_payment(session: Session, entry: JournalEntry) -> Pledge | None:
    if entry.source_type != "payment":
        return None
    payment = session.get(Payment, entry.source_id)
    return None if payment is None else session.get(Pledge, payment.pledge_id)


def _get_period(session: Session, year: int) -> Period:
    period = session.get(Period, year)
    if period is None:
        period = Period(year=year, closed=False)
        session.add(period)
        session.flush()
    return period


def _open_receivables(session: Session, up_to: dt.date) -> list[tuple[int, str, int, int]]:
    """(pledge, currency, original-currency balance, USD balance before revaluation) on a date."""
    L, E = JournalLine, JournalEntry
    rows = session.execute(
        select(L.pledge_id, L.currency, func.sum(L.amount_minor), func.sum(L.usd_minor))
        .join(E, E.id == L.entry_id)
        .where(
            L.account == RECEIVABLE,
            E.entry_date <= up_to,
            E.source_type.notin_(PERIOD_SOURCES),
            L.currency != USD,
        )
        .group_by(L.pledge_id, L.currency)
    ).all()
    return [(p, c, int(a), int(u)) for p, c, a, u in rows if a]


def close_period(session: Session, year: int, *, actor: Actor) -> Period:
    """Close a financial year: revalue open foreign-currency receivables at the closing rate, then lock it.

    The revaluation is reversed on 1 January of the next year, so payments keep settling receivables at the
    pledge's own USD value (rule 3) while the closed year shows them at the closing rate.
    """
    require_money_writer(actor)
    period = _get_period(session, year)
    if period.closed:
        raise InvalidInput.field("year", f"{year} is already closed.")
    if session.execute(select(Period.year).where(Period.year > year, Period.closed.is_(True))).first():
        raise InvalidInput.field("year", "Close the years in order: a later year is already closed.")
    year_end = dt.date(year, 12, 31)
    lines: list[Line] = []
    for pledge_id, currency, original, carried in _open_receivables(session, year_end):
        rate = rate_on(session, currency, year_end)
        target = usd_minor_from_foreign(original, get_currency(session, currency).exponent, rate.rate)
        diff = target - carried
        if diff:
            pledge = session.get(Pledge, pledge_id)
            dims = {"donor_id": pledge.donor_id if pledge else None, "pledge_id": pledge_id}
            lines += [
                Line(RECEIVABLE, diff, currency, 0, rate.rate, rate.rate_date, **dims),
                Line(FX_UNREALISED, -diff, currency, 0, rate.rate, rate.rate_date, **dims),
            ]
    if lines:
        reval = post_entry(
            session,
            entry_date=year_end,
            kind="revaluation",
            source_type="period",
            source_id=year,
            description=f"Year-end {year}: revaluation of open receivables at closing rates",
            actor=actor,
            lines=lines,
        )
        post_entry(
            session,
            entry_date=dt.date(year + 1, 1, 1),
            kind="revaluation_reversal",
            source_type="period",
            source_id=year,
            description=f"Reversal of the {year} year-end revaluation",
            actor=actor,
            lines=[line.negated() for line in lines],
            reverses_id=reval.id,
        )
    period.closed, period.closed_at, period.closed_by_id = True, utcnow(), actor.id
    session.flush()
    record_event(session, actor, "period.close", "period", year, after={"revaluation_lines": len(lines)})
    return period


def reopen_period(session: Session, year: int, *, actor: Actor, reason: str) -> Period:
    """Reopen a closed year (admins only): its revaluation is undone, to be redone at the next close."""
    require(actor, ADMIN)
    if not (reason or "").strip():
        raise InvalidInput.field("reason", "Say why the year is reopened.")
    period = session.get(Period, year)
    if period is None or not period.closed:
        raise InvalidInput.field("year", f"{year} is not closed.")
    if session.execute(select(Period.year).where(Period.year > year, Period.closed.is_(True))).first():
        raise InvalidInput.field("year", "Reopen the later closed years first.")
    E, Undo = JournalEntry, aliased(JournalEntry)
    undone = select(Undo.id).where(Undo.source_type == "period_undo", Undo.source_id == E.id).exists()
    revaluations = (
        session.execute(
            select(E).where(E.source_type == "period", E.source_id == year, ~undone).order_by(E.id)
        )
        .scalars()
        .all()
    )
    # Undo both halves, each on its own date, so no balance on any date keeps a stale revaluation.
    for original in revaluations:
        post_entry(
            session,
            entry_date=original.entry_date,
            kind=f"{original.kind}_undo",
            source_type="period_undo",
            source_id=original.id,
            description=f"Reopening {year}: undo entry {original.id}",
            actor=actor,
            lines=[line.negated() for line in lines_of(session, original.id)],
            reason=reason.strip(),
            check_period=False,
        )
    period.closed, period.closed_at, period.closed_by_id = False, None, None
    session.flush()
    record_event(session, actor, "period.reopen", "period", year, after={"reason": reason.strip()})
    return period
