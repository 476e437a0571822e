"""Posting journal entries: balanced, dated in an open year, chained, and never leaving a balance negative."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import utcnow
from ..chain import GENESIS, link_hash, lock_chain
from ..errors import InvalidInput
from .models import JournalEntry, JournalLine, Period


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    usd_minor: int
    currency: str = "USD"
    amount_minor: int = 0
    rate: Decimal | None = None
    rate_date: dt.date | None = None
    donor_id: int | None = None
    pledge_id: int | None = None
    project_id: int | None = None
    country_id: int | None = None
    instrument_id: int | None = None

    def negated(self) -> Line:
        return Line(
            self.account,
            -self.usd_minor,
            self.currency,
            -self.amount_minor,
            self.rate,
            self.rate_date,
            self.donor_id,
            self.pledge_id,
            self.project_id,
            self.country_id,
            self.instrument_id,
        )


LINE_FIELDS = (
    "account",
    "usd_minor",
    "currency",
    "amount_minor",
    "rate",
    "rate_date",
    "donor_id",
    "pledge_id",
    "project_id",
    "country_id",
    "instrument_id",
)


def entry_payload(entry: JournalEntry, lines: list[Any]) -> dict[str, Any]:
    return {
        "entry_date": entry.entry_date,
        "kind": entry.kind,
        "source_type": entry.source_type,
        "source_id": entry.source_id,
        "description": entry.description,
        "reverses_id": entry.reverses_id,
        "reason": entry.reason,
        "posted_by_id": entry.posted_by_id,
        "posted_at": entry.posted_at,
        "lines": [{f: getattr(line, f) for f in LINE_FIELDS} for line in lines],
    }


def require_open_year(session: Session, on: dt.date, *, field: str = "date") -> None:
    """Rule 8: a posting dated in a closed year is refused."""
    closed = session.execute(select(Period.closed).where(Period.year == on.year)).scalar()
    if closed:
        raise InvalidInput.field(
            field,
            f"The financial year {on.year} is closed, so nothing can be posted with a date in it. "
            "Post the correction with a date in an open year and refer to the original.",
        )


def post_entry(
    session: Session,
    *,
    entry_date: dt.date,
    kind: str,
    source_type: str,
    source_id: int | None,
    description: str,
    lines: list[Line],
    actor: Any,
    reverses_id: int | None = None,
    reason: str | None = None,
    date_field: str = "date",
    check_period: bool = True,
) -> JournalEntry:
    """Append one balanced entry (Σ debits = Σ credits in USD cents) to the chained journal."""
    if check_period:
        require_open_year(session, entry_date, field=date_field)
    lines = [line for line in lines if line.usd_minor != 0 or line.amount_minor != 0]
    if not lines:
        raise InvalidInput.field("amount", "Nothing to post: the amount is zero.")
    if sum(line.usd_minor for line in lines) != 0:
        raise AssertionError(f"unbalanced journal entry {kind}: {lines}")
    lock_chain(session, "journal")
    last = session.execute(select(JournalEntry.hash).order_by(JournalEntry.id.desc()).limit(1)).scalar()
    entry = JournalEntry(
        entry_date=entry_date,
        kind=kind,
        source_type=source_type,
        source_id=source_id,
        description=description,
        reverses_id=reverses_id,
        reason=reason,
        posted_by_id=getattr(actor, "id", None),
        posted_at=utcnow(),
        prev_hash=last or GENESIS,
    )
    entry.hash = link_hash(entry.prev_hash, entry_payload(entry, lines))
    session.add(entry)
    session.flush()
    session.add_all(
        JournalLine(entry_id=entry.id, **{f: getattr(line, f) for f in LINE_FIELDS}) for line in lines
    )
    session.flush()
    return entry


def lines_of(session: Session, entry_id: int) -> list[Line]:
    rows = session.execute(
        select(JournalLine).where(JournalLine.entry_id == entry_id).order_by(JournalLine.id)
    )
    return [Line(**{f: getattr(row, f) for f in LINE_FIELDS}) for row in rows.scalars()]
