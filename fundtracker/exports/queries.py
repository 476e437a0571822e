"""The SQL behind each workbook: Core statements over the journal, streamed with yield_per."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased

from ..allocations.models import Allocation  # noqa: F401  (registers the table for the joins' metadata)
from ..audit.models import AuditEvent
from ..auth.models import User
from ..contributions.models import Pledge, PledgeAmendment
from ..database import read_only_intent
from ..donors.models import Donor
from ..fx.models import ExchangeRate
from ..ledger.models import CASH, EXPENDITURE, FUND_ALLOCATED, PSC, JournalEntry, JournalLine
from ..ledger.queries import FIGURES
from ..projects.models import Project, ProjectBudgetYear
from ..reference.models import Country, Currency, ImplementingEntity, Instrument

L, E = JournalLine, JournalEntry
YIELD_PER = 2000


def stream(session: Session, stmt: Select[Any]) -> Iterator[Row[Any]]:
    """Rows of a statement fetched in batches (a server-side cursor on PostgreSQL), in constant memory."""
    # Core execution on the session's connection: the ORM's per-row machinery would cost more than the writer.
    with read_only_intent():  # on SQLite a plain BEGIN, so a long export never holds the write lock
        result = session.connection().execution_options(yield_per=YIELD_PER).execute(stmt)
    yield from result


def fetch(session: Session, stmt: Select[Any]) -> list[Row[Any]]:
    with read_only_intent():
        return list(session.connection().execute(stmt))


def _line_filters(
    stmt: Select[Any],
    date_from: dt.date | None,
    date_to: dt.date,
    donor_id: int | None,
    project_id: int | None,
) -> Select[Any]:
    if date_from is not None:
        stmt = stmt.where(E.entry_date >= date_from)
    stmt = stmt.where(E.entry_date <= date_to)
    if donor_id is not None:
        stmt = stmt.where(L.donor_id == donor_id)
    if project_id is not None:
        stmt = stmt.where(L.project_id == project_id)
    return stmt


def journal_lines(
    date_from: dt.date,
    date_to: dt.date,
    *,
    donor_id: int | None = None,
    project_id: int | None = None,
    accounts: Sequence[str] | None = None,
    cash_receipts_only: bool = False,
) -> Select[Any]:
    """Journal lines with every dimension named, in posting order (date, entry, line)."""
    reversal = aliased(JournalEntry)
    stmt = (
        select(
            E.id.label("entry_id"),
            E.entry_date,
            E.kind,
            E.description,
            L.account,
            Donor.name.label("donor"),
            L.pledge_id,
            Project.code.label("project"),
            Country.iso3.label("country"),
            Instrument.code.label("instrument"),
            L.currency,
            Currency.exponent,
            L.amount_minor,
            L.rate,
            L.rate_date,
            L.usd_minor,
            User.email.label("posted_by"),
            E.posted_at,
            E.reverses_id,
            reversal.id.label("reversed_by"),
            E.reason,
        )
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .join(Currency, Currency.code == L.currency)
        .outerjoin(Donor, Donor.id == L.donor_id)
        .outerjoin(Project, Project.id == L.project_id)
        .outerjoin(Country, Country.id == L.country_id)
        .outerjoin(Instrument, Instrument.id == L.instrument_id)
        .outerjoin(User, User.id == E.posted_by_id)
        .outerjoin(reversal, reversal.reverses_id == E.id)
    )
    stmt = _line_filters(stmt, date_from, date_to, donor_id, project_id)
    if accounts is not None:
        stmt = stmt.where(L.account.in_(list(accounts)))
    if cash_receipts_only:
        stmt = stmt.where(L.account == CASH, L.project_id.is_(None))
    return stmt.order_by(E.entry_date, E.id, L.id)


def journal_line_count(
    date_from: dt.date, date_to: dt.date, *, donor_id: int | None = None, project_id: int | None = None
) -> Select[Any]:
    stmt = select(func.count(L.id)).select_from(L).join(E, E.id == L.entry_id)
    return _line_filters(stmt, date_from, date_to, donor_id, project_id)


def account_balances(
    date_from: dt.date, date_to: dt.date, *, donor_id: int | None = None, project_id: int | None = None
) -> Select[Any]:
    """Per account: balance before the period, debits and credits within it (USD cents)."""
    before = E.entry_date < date_from
    within = E.entry_date >= date_from
    stmt = (
        select(
            L.account,
            func.coalesce(func.sum(case((before, L.usd_minor), else_=0)), 0).label("opening"),
            func.coalesce(func.sum(case((and_(within, L.usd_minor > 0), L.usd_minor), else_=0)), 0).label(
                "debits"
            ),
            func.coalesce(func.sum(case((and_(within, L.usd_minor < 0), -L.usd_minor), else_=0)), 0).label(
                "credits"
            ),
        )
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .group_by(L.account)
    )
    return _line_filters(stmt, None, date_to, donor_id, project_id)


def figures_by(
    dimensions: Sequence[Any],
    date_from: dt.date | None,
    date_to: dt.date,
    *,
    donor_id: int | None = None,
    project_id: int | None = None,
    names: Sequence[str] = tuple(FIGURES),
) -> Select[Any]:
    """The ledger's own figure definitions (ledger.queries.FIGURES) grouped by the given columns."""
    stmt = (
        select(*dimensions, *(FIGURES[n].label(n) for n in names)).select_from(L).join(E, E.id == L.entry_id)
    )
    stmt = _line_filters(stmt, date_from, date_to, donor_id, project_id)
    return stmt.group_by(*dimensions)


def donor_names(donor_ids: Sequence[int]) -> Select[Any]:
    return select(Donor.id, Donor.name).where(Donor.id.in_(list(donor_ids))).order_by(Donor.name, Donor.id)


def pledges_of(donor_id: int, date_to: dt.date, *, with_ids: Sequence[int] = ()) -> Select[Any]:
    """A donor's pledges made by the end of the period (and any with postings by then), amended by then."""
    amended = (
        select(func.coalesce(func.sum(PledgeAmendment.delta_minor), 0))
        .where(PledgeAmendment.pledge_id == Pledge.id, PledgeAmendment.amendment_date <= date_to)
        .scalar_subquery()
    )
    return (
        select(
            Pledge.id,
            Pledge.reference,
            Pledge.pledge_date,
            Pledge.currency,
            Currency.exponent,
            (Pledge.original_minor + amended).label("amount_minor"),
            Pledge.rate,
            Pledge.rate_date,
            Pledge.psc_rate,
            Pledge.earmark_level,
            Pledge.state,
            Pledge.source_of_funds,
        )
        .join(Currency, Currency.code == Pledge.currency)
        .where(Pledge.donor_id == donor_id, or_(Pledge.pledge_date <= date_to, Pledge.id.in_(list(with_ids))))
        .order_by(Pledge.pledge_date, Pledge.id)
    )


def projects_named(project_ids: Sequence[int]) -> Select[Any]:
    return (
        select(
            Project.id,
            Project.code,
            Project.title,
            Country.iso3.label("country"),
            Instrument.code.label("instrument"),
        )
        .join(Country, Country.id == Project.lead_country_id)
        .join(Instrument, Instrument.id == Project.lead_instrument_id)
        .where(Project.id.in_(list(project_ids)))
        .order_by(Project.code)
    )


def project_header(project_id: int) -> Select[Any]:
    return (
        select(
            Project.code,
            Project.title,
            Project.status,
            Project.start_date,
            Project.end_date,
            ImplementingEntity.acronym.label("entity"),
            User.email.label("officer"),
            Country.iso3.label("country"),
            Instrument.code.label("instrument"),
        )
        .join(ImplementingEntity, ImplementingEntity.id == Project.implementing_entity_id)
        .join(Country, Country.id == Project.lead_country_id)
        .join(Instrument, Instrument.id == Project.lead_instrument_id)
        .outerjoin(User, User.id == Project.officer_id)
        .where(Project.id == project_id)
    )


def project_budget(project_id: int) -> Select[Any]:
    return (
        select(
            ProjectBudgetYear.year, ProjectBudgetYear.original_usd_minor, ProjectBudgetYear.revised_usd_minor
        )
        .where(ProjectBudgetYear.project_id == project_id)
        .order_by(ProjectBudgetYear.year)
    )


def pledge_funding(pledge_ids: Sequence[int]) -> Select[Any]:
    return (
        select(Pledge.id, Pledge.psc_rate, Donor.name.label("donor"))
        .join(Donor, Donor.id == Pledge.donor_id)
        .where(Pledge.id.in_(list(pledge_ids)))
    )


def spending_lines(date_from: dt.date, date_to: dt.date, project_id: int) -> Select[Any]:
    return journal_lines(date_from, date_to, project_id=project_id, accounts=(EXPENDITURE, PSC))


def allocation_lines(
    date_from: dt.date, date_to: dt.date, *, donor_id: int | None, project_id: int | None
) -> Select[Any]:
    return journal_lines(
        date_from, date_to, donor_id=donor_id, project_id=project_id, accounts=(FUND_ALLOCATED,)
    )


def rates_used(date_from: dt.date, date_to: dt.date) -> Select[Any]:
    """Each UN rate the journal applied in the period, with how many lines used it and their sums."""
    stmt = (
        select(
            L.currency,
            Currency.exponent,
            L.rate_date,
            L.rate,
            func.count(L.id).label("lines"),
            func.sum(L.amount_minor).label("amount_minor"),
            func.sum(L.usd_minor).label("usd_minor"),
        )
        .select_from(L)
        .join(E, E.id == L.entry_id)
        .join(Currency, Currency.code == L.currency)
        .where(L.rate.is_not(None), L.currency != "USD")
        .group_by(L.currency, Currency.exponent, L.rate_date, L.rate)
        .order_by(L.currency, L.rate_date, L.rate)
    )
    return _line_filters(stmt, date_from, date_to, None, None)


def rate_table(date_from: dt.date, date_to: dt.date) -> Select[Any]:
    return (
        select(
            ExchangeRate.currency,
            ExchangeRate.effective_date,
            ExchangeRate.units_per_usd,
            ExchangeRate.source,
        )
        .where(ExchangeRate.effective_date >= date_from, ExchangeRate.effective_date <= date_to)
        .order_by(ExchangeRate.currency, ExchangeRate.effective_date)
    )


def audit_events(date_from: dt.date, date_to: dt.date) -> Select[Any]:
    start = dt.datetime.combine(date_from, dt.time(0), tzinfo=dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    return (
        select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor_label,
            AuditEvent.client_address,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.before,
            AuditEvent.after,
            AuditEvent.hash,
        )
        .where(AuditEvent.occurred_at >= start, AuditEvent.occurred_at < end)
        .order_by(AuditEvent.id)
    )


def audit_event_count(date_from: dt.date, date_to: dt.date) -> Select[Any]:
    inner = audit_events(date_from, date_to).order_by(None).subquery()
    return select(func.count()).select_from(inner)
