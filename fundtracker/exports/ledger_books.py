"""Builders of the journal-shaped workbooks: general ledger, trial balance, rates used, audit trail."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from ..ledger.models import ACCOUNTS
from .meta import ExportMeta, finish_with_metadata, new_book, utc_text
from .xlsx import AMOUNT, COUNT, DATE, INT, MONEY, RATE, SUM, Column, Sheet, XlsxStream

Progress = Callable[[int], None] | None


def usd(cents: int) -> Decimal:
    """USD cents as a Decimal with exactly two places (no float on the way)."""
    return Decimal(cents).scaleb(-2)


def amount(minor: int, exponent: int) -> Decimal:
    """Minor units of a currency as a Decimal with the currency's places."""
    return Decimal(minor).scaleb(-exponent)


GL_COLUMNS = [
    Column("Entry", INT, 8),
    Column("Date", DATE, 11),
    Column("Kind", width=14),
    Column("Description", width=44),
    Column("Account", width=26),
    Column("Donor", width=28),
    Column("Pledge", INT, 8),
    Column("Project", width=14),
    Column("Country", width=8),
    Column("Instrument", width=11),
    Column("Currency", width=9),
    Column("Original amount", AMOUNT, 16),
    Column("Rate (units per USD)", RATE, 14),
    Column("Rate date", DATE, 11),
    Column("Debit USD", MONEY, 16, SUM),
    Column("Credit USD", MONEY, 16, SUM),
    Column("Running balance of account USD", MONEY, 18),
    Column("Posted by", width=28),
    Column("Posted at (UTC)", width=20),
    Column("Reverses entry", INT, 9),
    Column("Reversed by entry", INT, 9),
    Column("Reason", width=30),
]
TB_COLUMNS = [
    Column("Account", width=28),
    Column("Opening balance USD", MONEY, 18, SUM),
    Column("Debits USD", MONEY, 18, SUM),
    Column("Credits USD", MONEY, 18, SUM),
    Column("Closing balance USD", MONEY, 18, SUM),
    Column("Closing debit USD", MONEY, 18, SUM),
    Column("Closing credit USD", MONEY, 18, SUM),
]


def ledger_line_values(lines: Iterable[Any], opening: Mapping[str, int]) -> Iterator[tuple[object, ...]]:
    """Journal rows as cells; the running balance is per account and starts from its opening balance."""
    balances = dict(opening)
    scaled = Decimal.scaleb
    last_posted, posted_text = None, None  # the lines of one entry share its timestamp
    for (
        entry_id,
        entry_date,
        kind,
        description,
        account,
        donor,
        pledge_id,
        project,
        country,
        instrument,
        currency,
        exponent,
        amount_minor,
        rate,
        rate_date,
        cents,
        posted_by,
        posted_at,
        reverses_id,
        reversed_by,
        reason,
    ) in lines:
        balance = balances.get(account, 0) + cents
        balances[account] = balance
        if posted_at != last_posted:
            last_posted, posted_text = posted_at, utc_text(posted_at)
        yield (
            entry_id,
            entry_date,
            kind,
            description,
            account,
            donor,
            pledge_id,
            project,
            country,
            instrument,
            currency,
            scaled(Decimal(amount_minor), -exponent),
            rate,
            rate_date,
            scaled(Decimal(cents), -2) if cents > 0 else None,
            scaled(Decimal(-cents), -2) if cents < 0 else None,
            scaled(Decimal(balance), -2),
            posted_by,
            posted_text,
            reverses_id,
            reversed_by,
            reason,
        )


def write_trial_balance(book: XlsxStream, name: str, balances: Iterable[Any]) -> Sheet:
    """One row per account in chart order: opening, the period's debits and credits, closing (USD)."""
    by_account = {r.account: (int(r.opening), int(r.debits), int(r.credits)) for r in balances}
    order = list(ACCOUNTS) + sorted(set(by_account) - set(ACCOUNTS))
    sheet = book.add_sheet(name, TB_COLUMNS)
    for account in order:
        opening, debits, credits = by_account.get(account, (0, 0, 0))
        closing = opening + debits - credits
        sheet.write_row(
            [
                account,
                usd(opening),
                usd(debits),
                usd(credits),
                usd(closing),
                usd(max(closing, 0)),
                usd(max(-closing, 0)),
            ]
        )
    sheet.write_totals()
    return sheet


def general_ledger(
    lines: Iterable[Any], balances: Iterable[Any], meta: ExportMeta, *, progress: Progress = None
) -> Iterator[bytes]:
    """Every journal line of the period, then the per-account summary the running balances reconcile to."""
    balances = list(balances)
    opening = {r.account: int(r.opening) for r in balances}
    book = new_book(meta)
    sheet = book.add_sheet("General ledger", GL_COLUMNS)
    yield from sheet.write_rows(ledger_line_values(lines, opening), progress)
    sheet.write_totals()
    write_trial_balance(book, "Accounts", balances)
    yield from finish_with_metadata(book, meta)


def trial_balance(balances: Iterable[Any], meta: ExportMeta) -> Iterator[bytes]:
    book = new_book(meta)
    write_trial_balance(book, "Trial balance", balances)
    yield from finish_with_metadata(book, meta)


RATES_USED_COLUMNS = [
    Column("Currency", width=9),
    Column("Rate date", DATE, 11),
    Column("Rate (units per USD)", RATE, 16),
    Column("Journal lines", INT, 12, SUM),
    Column("Original amount of those lines", AMOUNT, 22),
    Column("USD of those lines", MONEY, 18, SUM),
]
RATE_TABLE_COLUMNS = [
    Column("Currency", width=9, total=COUNT),
    Column("Effective date", DATE, 13),
    Column("Rate (units per USD)", RATE, 16),
    Column("Source", width=40),
]


def exchange_rates(used: Iterable[Any], table: Iterable[Any], meta: ExportMeta) -> Iterator[bytes]:
    """The UN operational rates the journal applied in the period, and the period's rate table."""
    book = new_book(meta)
    sheet = book.add_sheet("Rates used", RATES_USED_COLUMNS)
    yield from sheet.write_rows(
        (
            r.currency,
            r.rate_date,
            r.rate,
            int(r.lines),
            amount(int(r.amount_minor), r.exponent),
            usd(int(r.usd_minor)),
        )
        for r in used
    )
    sheet.write_totals()
    rates = book.add_sheet("Rate table", RATE_TABLE_COLUMNS)
    yield from rates.write_rows((r.currency, r.effective_date, r.units_per_usd, r.source) for r in table)
    rates.write_totals()
    yield from finish_with_metadata(book, meta)


AUDIT_COLUMNS = [
    Column("Event", INT, 8, COUNT),
    Column("Occurred at (UTC)", width=20),
    Column("Actor", width=30),
    Column("Client address", width=16),
    Column("Action", width=24),
    Column("Object type", width=16),
    Column("Object id", width=12),
    Column("Before", width=50),
    Column("After", width=50),
    Column("Hash", width=66),
]


def audit_trail(events: Iterable[Any], meta: ExportMeta, *, progress: Progress = None) -> Iterator[bytes]:
    book = new_book(meta)
    sheet = book.add_sheet("Audit trail", AUDIT_COLUMNS)
    yield from sheet.write_rows(
        (
            (
                e.id,
                utc_text(e.occurred_at),
                e.actor_label,
                e.client_address,
                e.action,
                e.object_type,
                e.object_id,
                e.before,
                e.after,
                e.hash,
            )
            for e in events
        ),
        progress,
    )
    sheet.write_totals("Events")
    yield from finish_with_metadata(book, meta)
