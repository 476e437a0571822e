"""Builders of the fund-shaped workbooks: donor statement, project statement, contributions by year, PSC."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import xlsx_parts as parts
from .ledger_books import amount, usd
from .meta import ExportMeta, finish_with_metadata, new_book
from .xlsx import AMOUNT, DATE, INT, MONEY, RATE, SUM, Chart, Column, Formula, Sheet, XlsxStream

MAX_CHART_SERIES = 12  # beyond this a legend crowds out the bars: chart the yearly totals instead


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of a statement's summary: a database figure in USD cents and the date that defines it."""

    label: str
    cents: int
    basis: str


def _summary(book: XlsxStream, details: Sequence[tuple[str, str]], figures: Sequence[Figure]) -> Sheet:
    sheet = book.add_sheet(
        "Summary",
        [Column("Item", width=44), Column("Detail", width=50), Column("USD", MONEY, 18)],
        autofilter=False,
    )
    for label, detail in details:
        sheet.write_row([label, detail, None])
    for figure in figures:
        sheet.write_row([figure.label, figure.basis, usd(figure.cents)])
    return sheet


def _lines_sheet(
    book: XlsxStream, name: str, columns: list[Column], rows: Iterable[tuple[object, ...]]
) -> Iterator[bytes]:
    sheet = book.add_sheet(name, columns)
    yield from sheet.write_rows(rows)
    sheet.write_totals()


PLEDGE_COLUMNS = [
    Column("Pledge", INT, 8),
    Column("Reference", width=20),
    Column("Pledge date", DATE, 11),
    Column("Source of funds", width=20),
    Column("Earmark level", INT, 8),
    Column("Agreement status", width=14),
    Column("Currency", width=9),
    Column("Pledged amount as amended", AMOUNT, 18),
    Column("Rate (units per USD)", RATE, 14),
    Column("Rate date", DATE, 11),
    Column("PSC rate", RATE, 9),
    Column("Pledged in period USD", MONEY, 18, SUM),
    Column("Received in period USD", MONEY, 18, SUM),
    Column("Outstanding at end USD", MONEY, 18, SUM),
]
RECEIPT_COLUMNS = [
    Column("Entry", INT, 8),
    Column("Date", DATE, 11),
    Column("Kind", width=12),
    Column("Pledge", INT, 8),
    Column("Currency", width=9),
    Column("Original amount", AMOUNT, 16),
    Column("Rate (units per USD)", RATE, 14),
    Column("Rate date", DATE, 11),
    Column("USD", MONEY, 16, SUM),
    Column("Description", width=40),
    Column("Reverses entry", INT, 9),
]
USE_COLUMNS = [
    Column("Project", width=14),
    Column("Title", width=40),
    Column("Lead country", width=9),
    Column("Lead instrument", width=11),
    Column("Allocated in period USD", MONEY, 18, SUM),
    Column("Spent in period USD", MONEY, 18, SUM),
    Column("PSC in period USD", MONEY, 18, SUM),
    Column("Unspent allocation at end USD", MONEY, 20, SUM),
]


def donor_statement(
    *,
    summary: Sequence[Figure],
    pledges: Iterable[Any],
    pledge_figures: Mapping[int, tuple[int, int, int]],
    receipts: Iterable[Any],
    projects: Iterable[Any],
    project_figures: Mapping[int, tuple[int, int, int, int]],
    meta: ExportMeta,
) -> Iterator[bytes]:
    """One donor, one period: its pledges, what it paid, and how its money was allocated and spent."""
    book = new_book(meta)
    _summary(book, [], summary)
    yield from _lines_sheet(
        book,
        "Pledges",
        PLEDGE_COLUMNS,
        (
            (
                p.id,
                p.reference,
                p.pledge_date,
                p.source_of_funds,
                p.earmark_level,
                p.state,
                p.currency,
                amount(p.amount_minor, p.exponent),
                p.rate,
                p.rate_date,
                p.psc_rate,
                *(usd(c) for c in pledge_figures.get(p.id, (0, 0, 0))),
            )
            for p in pledges
        ),
    )
    yield from _lines_sheet(
        book,
        "Payments",
        RECEIPT_COLUMNS,
        (
            (
                r.entry_id,
                r.entry_date,
                r.kind,
                r.pledge_id,
                r.currency,
                amount(r.amount_minor, r.exponent),
                r.rate,
                r.rate_date,
                usd(r.usd_minor),
                r.description,
                r.reverses_id,
            )
            for r in receipts
        ),
    )
    yield from _lines_sheet(
        book,
        "Use of funds",
        USE_COLUMNS,
        (
            (
                p.code,
                p.title,
                p.country,
                p.instrument,
                *(usd(c) for c in project_figures.get(p.id, (0, 0, 0, 0))),
            )
            for p in projects
        ),
    )
    yield from finish_with_metadata(book, meta)


FUNDING_COLUMNS = [
    Column("Donor", width=30),
    Column("Pledge", INT, 8),
    Column("PSC rate", RATE, 9),
    Column("Allocated in period USD", MONEY, 18, SUM),
    Column("Spent in period USD", MONEY, 18, SUM),
    Column("PSC in period USD", MONEY, 18, SUM),
    Column("Available to spend at end USD", MONEY, 20, SUM),
]
SPENDING_COLUMNS = [
    Column("Entry", INT, 8),
    Column("Date", DATE, 11),
    Column("Kind", width=12),
    Column("Description", width=40),
    Column("Donor", width=28),
    Column("Pledge", INT, 8),
    Column("Currency", width=9),
    Column("Original amount", AMOUNT, 16),
    Column("Rate (units per USD)", RATE, 14),
    Column("Rate date", DATE, 11),
    Column("Direct expenditure USD", MONEY, 18, SUM),
    Column("PSC USD", MONEY, 16, SUM),
    Column("Reverses entry", INT, 9),
]
BUDGET_COLUMNS = [
    Column("Year", INT, 8),
    Column("Original budget USD", MONEY, 18, SUM),
    Column("Revised budget USD", MONEY, 18, SUM),
]


def project_statement(
    *,
    details: Sequence[tuple[str, str]],
    summary: Sequence[Figure],
    funding: Iterable[Any],
    funding_figures: Mapping[int, tuple[int, int, int, int]],
    spending: Iterable[Any],
    budget: Iterable[Any],
    meta: ExportMeta,
    expenditure_account: str,
) -> Iterator[bytes]:
    """One project, one period: who funds it, what it spent with PSC, and its budget."""
    book = new_book(meta)
    _summary(book, details, summary)
    yield from _lines_sheet(
        book,
        "Funding",
        FUNDING_COLUMNS,
        (
            (f.donor, f.id, f.psc_rate, *(usd(c) for c in funding_figures.get(f.id, (0, 0, 0, 0))))
            for f in funding
        ),
    )
    yield from _lines_sheet(
        book,
        "Expenditure",
        SPENDING_COLUMNS,
        (
            (
                r.entry_id,
                r.entry_date,
                r.kind,
                r.description,
                r.donor,
                r.pledge_id,
                r.currency,
                amount(r.amount_minor, r.exponent),
                r.rate,
                r.rate_date,
                usd(r.usd_minor) if r.account == expenditure_account else None,
                None if r.account == expenditure_account else usd(r.usd_minor),
                r.reverses_id,
            )
            for r in spending
        ),
    )
    yield from _lines_sheet(
        book,
        "Budget",
        BUDGET_COLUMNS,
        (
            (
                b.year,
                usd(b.original_usd_minor),
                None if b.revised_usd_minor is None else usd(b.revised_usd_minor),
            )
            for b in budget
        ),
    )
    yield from finish_with_metadata(book, meta)


def _by_year_sheet(
    book: XlsxStream,
    name: str,
    years: Sequence[int],
    donors: Sequence[tuple[int, str]],
    cells: Mapping[tuple[int, int], int],
) -> Sheet:
    columns = [
        Column("Donor", width=34),
        *(Column(str(y), MONEY, 16, SUM) for y in years),
        Column("Total USD", MONEY, 18, SUM),
    ]
    sheet = book.add_sheet(name, columns)
    first, last = parts.column_letter(2), parts.column_letter(len(years) + 1)
    for donor_id, donor in donors:
        amounts = [cells.get((donor_id, y), 0) for y in years]
        if not any(amounts):
            continue
        row = sheet.last_data_row + 1
        sheet.write_row(
            [donor, *(usd(a) for a in amounts), Formula(f"SUM({first}{row}:{last}{row})", usd(sum(amounts)))]
        )
    sheet.write_totals()
    return sheet


def contributions_by_year(
    *,
    years: Sequence[int],
    donors: Sequence[tuple[int, str]],
    received: Mapping[tuple[int, int], int],
    pledged: Mapping[tuple[int, int], int],
    meta: ExportMeta,
) -> Iterator[bytes]:
    """Donors as rows, years as columns (the Secretary-General's table), with totals and a column chart."""
    book = new_book(meta)
    sheet = _by_year_sheet(book, "Received by year", years, donors, received)
    n = len(years)
    categories = f"{parts.quote_sheet(sheet.name)}$B$1:${parts.column_letter(n + 1)}$1"

    def row_ref(row: int) -> str:
        return f"{parts.quote_sheet(sheet.name)}$B${row}:${parts.column_letter(n + 1)}${row}"

    if 0 < sheet.rows <= MAX_CHART_SERIES:
        # One stacked series per donor (its name is the first cell of its row).
        series = [(f"{parts.quote_sheet(sheet.name)}$A${r}", row_ref(r)) for r in range(2, sheet.rows + 2)]
        chart = Chart(
            "Contributions received by year (USD)", categories, series, (n + 3, 1, n + 15, 30), stacked=True
        )
    else:
        total = sheet.totals_row or 2
        chart = Chart(
            "Contributions received by year (USD)",
            categories,
            [(f"{parts.quote_sheet(sheet.name)}$A${total}", row_ref(total))],
            (n + 3, 1, n + 15, 30),
        )
    sheet.add_chart(chart)
    _by_year_sheet(book, "Pledged by year", years, donors, pledged)
    yield from finish_with_metadata(book, meta)


ALLOCATION_COLUMNS = [
    Column("Entry", INT, 8),
    Column("Date", DATE, 11),
    Column("Kind", width=12),
    Column("Donor", width=28),
    Column("Pledge", INT, 8),
    Column("Project", width=14),
    Column("Country", width=8),
    Column("Instrument", width=11),
    Column("Allocated USD", MONEY, 16, SUM),
    Column("Description", width=40),
    Column("Reverses entry", INT, 9),
]
PSC_COLUMNS = [
    Column("Project", width=14),
    Column("Title", width=36),
    Column("Donor", width=28),
    Column("Pledge", INT, 8),
    Column("PSC rate", RATE, 9),
    Column("Direct expenditure USD", MONEY, 18, SUM),
    Column("PSC USD", MONEY, 16, SUM),
    Column("Charged incl. PSC USD", MONEY, 18, SUM),
]


def allocations_and_psc(
    *, allocations: Iterable[Any], psc: Iterable[Any], meta: ExportMeta
) -> Iterator[bytes]:
    """Every allocation posting of the period, and PSC charged per project and contribution."""
    book = new_book(meta)
    yield from _lines_sheet(
        book,
        "Allocations",
        ALLOCATION_COLUMNS,
        (
            (
                r.entry_id,
                r.entry_date,
                r.kind,
                r.donor,
                r.pledge_id,
                r.project,
                r.country,
                r.instrument,
                usd(-r.usd_minor),
                r.description,
                r.reverses_id,
            )
            for r in allocations
        ),
    )
    yield from _lines_sheet(
        book,
        "PSC",
        PSC_COLUMNS,
        (
            (
                r.code,
                r.title,
                r.donor,
                r.pledge_id,
                r.psc_rate,
                usd(int(r.spent)),
                usd(int(r.psc)),
                usd(int(r.spent) + int(r.psc)),
            )
            for r in psc
        ),
    )
    yield from finish_with_metadata(book, meta)
