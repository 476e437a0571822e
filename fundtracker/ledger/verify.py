"""The ledger verifier: balanced entries, unbroken hash chains, balances re-derived two ways, rules upheld."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..allocations.models import Allocation, Expenditure
from ..audit.models import AuditEvent
from ..audit.services import event_payload
from ..chain import GENESIS, link_hash
from ..contributions.models import Payment
from .models import CASH, EXPENDITURE, FUND_ALLOCATED, PSC, RECEIVABLE, JournalEntry, JournalLine
from .posting import LINE_FIELDS, entry_payload
from .queries import figures


@dataclass
class Report:
    entries: int = 0
    lines: int = 0
    audit_events: int = 0
    problems: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class _LineView:
    def __init__(self, row: Any) -> None:
        for name in LINE_FIELDS:
            setattr(self, name, getattr(row, name))


def verify_journal_chain(session: Session, report: Report) -> None:
    """Recompute every entry's hash from its stored content; name the first entry that does not match."""
    prev = GENESIS
    lines_by_entry: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(select(JournalLine).order_by(JournalLine.entry_id, JournalLine.id)).scalars():
        lines_by_entry[row.entry_id].append(_LineView(row))
        report.lines += 1
    for entry in session.execute(select(JournalEntry).order_by(JournalEntry.id)).scalars():
        report.entries += 1
        lines = lines_by_entry.pop(entry.id, [])
        if entry.prev_hash != prev:
            report.problems.append(
                f"journal entry {entry.id}: chain broken (an entry before it was removed or inserted)"
            )
            return
        if link_hash(prev, entry_payload(entry, lines)) != entry.hash:
            report.problems.append(f"journal entry {entry.id}: content altered (hash mismatch)")
            return
        prev = entry.hash
    if lines_by_entry:
        report.problems.append(f"journal lines without an entry: entries {sorted(lines_by_entry)[:5]}")


def verify_audit_chain(session: Session, report: Report) -> None:
    prev = GENESIS
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        report.audit_events += 1
        if event.prev_hash != prev:
            report.problems.append(
                f"audit event {event.id}: chain broken (an event before it was removed or inserted)"
            )
            return
        if link_hash(prev, event_payload(event)) != event.hash:
            report.problems.append(f"audit event {event.id}: content altered (hash mismatch)")
            return
        prev = event.hash


def verify_balanced(session: Session, report: Report) -> None:
    L = JournalLine
    for entry_id, total in session.execute(
        select(L.entry_id, func.sum(L.usd_minor)).group_by(L.entry_id).having(func.sum(L.usd_minor) != 0)
    ):
        report.problems.append(f"journal entry {entry_id}: debits and credits differ by {total} cents")


def verify_balances(session: Session, report: Report) -> None:
    """Per pledge and project, the SQL aggregates must equal a plain re-addition of the lines, and obey rule 6."""
    sums: dict[tuple[int | None, int | None, str], int] = defaultdict(int)
    for pledge_id, project_id, account, usd in session.execute(
        select(JournalLine.pledge_id, JournalLine.project_id, JournalLine.account, JournalLine.usd_minor)
    ):
        sums[(pledge_id, project_id, account)] += usd
    for row in figures(session, ("pledge", "project")):
        key = (row["pledge"], row["project"])
        rederived = {
            "allocated": -sums.get((*key, FUND_ALLOCATED), 0),
            "spent": sums.get((*key, EXPENDITURE), 0),
            "psc": sums.get((*key, PSC), 0),
            "outstanding": sums.get((*key, RECEIVABLE), 0),
            "received": sums.get((*key, CASH), 0) if row["project"] is None else row["received"],
        }
        for name, value in rederived.items():
            if row[name] != value:
                report.problems.append(
                    f"pledge {key[0]} project {key[1]}: {name} is {row[name]} by SQL, {value} re-added"
                )
        if row["project"] is not None and row["available_to_spend"] < 0:
            report.problems.append(
                f"pledge {key[0]} on project {key[1]}: spending and PSC exceed the allocation"
            )
    for row in figures(session, ("pledge",)):
        if row["available_to_allocate"] < 0:
            report.problems.append(f"pledge {row['pledge']}: allocated more than received")
        if row["outstanding"] < 0:
            report.problems.append(f"pledge {row['pledge']}: receivable is negative")
    report.totals = {k: v for k, v in figures(session)[0].items() if isinstance(v, int)}


def verify_documents(session: Session, report: Report) -> None:
    """Every payment, allocation and expenditure has exactly one original entry of the same USD amount."""
    E, L = JournalEntry, JournalLine
    for model, source, account, sign in (
        (Payment, "payment", CASH, 1),
        (Allocation, "allocation", FUND_ALLOCATED, -1),
        (Expenditure, "expenditure", EXPENDITURE, 1),
    ):
        posted = (
            select(
                E.source_id,
                func.count(func.distinct(E.id)).label("n"),
                func.sum(L.usd_minor * sign).label("usd"),
            )
            .join(L, L.entry_id == E.id)
            .where(E.source_type == source, E.reverses_id.is_(None), L.account == account)
            .group_by(E.source_id)
            .subquery()
        )
        rows = session.execute(
            select(model.id, model.usd_minor, posted.c.n, posted.c.usd).outerjoin(
                posted, posted.c.source_id == model.id
            )
        ).all()
        for doc_id, usd, n, posted_usd in rows:
            if n != 1:
                report.problems.append(f"{source} {doc_id}: {n or 0} original journal entries instead of one")
            elif posted_usd != usd:
                report.problems.append(f"{source} {doc_id}: document says {usd} cents, journal {posted_usd}")


def verify_ledger(session: Session) -> Report:
    report = Report()
    verify_balanced(session, report)
    verify_journal_chain(session, report)
    verify_audit_chain(session, report)
    verify_balances(session, report)
    verify_documents(session, report)
    return report
