"""UN operational rates: the Treasury's XML sample and CSV files import; a rate applies from its date on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from fundtracker.contributions.services import record_payment
from fundtracker.errors import InvalidInput, PermissionDenied
from fundtracker.fx.models import ExchangeRate
from fundtracker.fx.services import rate_on
from fundtracker.imports import Action, ImportRefused, commit_import, dry_run
from fundtracker.imports.rates import parse_un_date

from ..support import SHARED_DATA
from .conftest import row_counts
from .files import BILLION_LAUGHS, csv_bytes

SAMPLE = SHARED_DATA / "fx" / "un_operational_rates_sample_excerpt.xml"


def sample() -> bytes:
    return SAMPLE.read_bytes()


def test_the_sample_has_the_quirks_of_the_real_feed():
    data = sample()
    assert data.index(b"<xs:schema") < data.index(b"<UN_OPERATIONAL_RATES>")
    assert b"</xs:schema>\\r\\n" in data  # a literal backslash-r-backslash-n text, as published


def test_un_sample_imports_and_rates_apply_on_and_after_their_effective_date(session, finance, make):
    report = dry_run(session, "rates", sample(), actor=finance, filename=SAMPLE.name)
    assert report.ok, report.lines()
    assert len(report.rows) == 16 and report.rows[0].label == "Record"
    # 12 currencies; USD is the base currency; EUR and XCD appear for several countries with the same rate.
    assert report.counts == {"add": 12, "update": 0, "unchanged": 0, "skip": 4, "error": 0}
    skipped = {r.row: r.changes[0] for r in report.rows if r.action == Action.SKIP}
    assert "base currency" in skipped[4]
    assert "same rate as record 5" in skipped[16]

    before = row_counts(session)
    committed = commit_import(session, "rates", sample(), actor=finance)
    assert committed.committed
    assert row_counts(session)["exchange_rate"] == before["exchange_rate"] + 12
    assert rate_on(session, "EUR", dt.date(2026, 10, 1)).rate == Decimal("0.882")
    assert rate_on(session, "KHR", dt.date(2026, 10, 31)).rate == Decimal("4048.5")
    assert rate_on(session, "XCG", dt.date(2026, 10, 1)).rate_date == dt.date(2026, 10, 1)
    source = session.execute(select(ExchangeRate.source).where(ExchangeRate.currency == "EUR")).scalar_one()
    assert "UN Treasury" in source

    # A payment on the effective date and after it converts at the imported rate, one before it does not.
    make.rate("EUR", "2026-09-01", "0.90")
    pledge = make.pledge(amount="10000.00", currency="EUR", on="2026-09-15")
    before_date = record_payment(session, pledge_id=pledge.id, amount=Decimal("900.00"), currency="EUR",
                                 received_date=dt.date(2026, 9, 30), actor=finance)
    on_date = record_payment(session, pledge_id=pledge.id, amount=Decimal("882.00"), currency="EUR",
                             received_date=dt.date(2026, 10, 1), actor=finance)
    after = record_payment(session, pledge_id=pledge.id, amount=Decimal("441.00"), currency="EUR",
                           received_date=dt.date(2026, 10, 20), actor=finance)
    assert (before_date.rate, before_date.rate_date, before_date.usd_minor) == (
        Decimal("0.9"), dt.date(2026, 9, 1), 100_000)
    assert (on_date.rate, on_date.rate_date, on_date.usd_minor) == (
        Decimal("0.882"), dt.date(2026, 10, 1), 100_000)
    assert (after.rate, after.usd_minor) == (Decimal("0.882"), 50_000)

    again = dry_run(session, "rates", sample(), actor=finance)
    assert again.ok and again.counts["add"] == 0 and again.counts["unchanged"] == 12


def test_mid_month_revision_in_csv_lists_only_changed_currencies(session, finance):
    commit_import(session, "rates", sample(), actor=finance)
    revision = csv_bytes([["Country/Area", "Currency", "Currency code", "Rate", "Effective date"],
                          ["Argentina", "Argentine Peso", "ARS", "1580", "15 Oct 2026"],
                          ["Austria", "Euro", "EUR", "0.875", "15-Oct-2026"]])
    report = commit_import(session, "rates", revision, actor=finance, filename="revision.csv")
    assert report.counts["add"] == 2 and report.rows[0].label == "Line"
    assert rate_on(session, "EUR", dt.date(2026, 10, 14)).rate == Decimal("0.882")
    assert rate_on(session, "EUR", dt.date(2026, 10, 15)).rate == Decimal("0.875")
    assert rate_on(session, "ARS", dt.date(2026, 10, 20)).rate == Decimal("1580")
    assert rate_on(session, "CNY", dt.date(2026, 10, 20)).rate == Decimal("6.704")  # unchanged currency


def test_a_corrected_rate_is_an_update_and_is_audited_on_its_own(session, finance):
    commit_import(session, "rates", sample(), actor=finance)
    corrected = sample().replace(b"<rate>6.704</rate>", b"<rate>6.71</rate>")
    report = dry_run(session, "rates", corrected, actor=finance)
    cny = next(r for r in report.rows if r.key == "CNY@2026-10-01")
    assert cny.action == Action.UPDATE and cny.changes[0].startswith("rate: 6.704 -> 6.71")
    commit_import(session, "rates", corrected, actor=finance)
    assert rate_on(session, "CNY", dt.date(2026, 10, 2)).rate == Decimal("6.71")


def test_bad_rate_records_are_reported_and_nothing_is_written(session, finance):
    data = csv_bytes([["f_curr_code", "eff_date", "rate"],
                      ["ZZZ", "01 Oct 2026", "1.5"],
                      ["EUR", "1st October", "0.88"],
                      ["JPY", "01 Oct 2026", "-3"],
                      ["GBP", "01 Oct 2026", "0,79"],
                      ["CHF", "01 Oct 2026", "0.123456789"],
                      ["NOK", "01 Oct 2026", "10.5"],
                      ["NOK", "01 Oct 2026", "10.6"]])
    before = row_counts(session)
    report = dry_run(session, "rates", data, actor=finance)
    found = {p.row: p.message for p in report.problems}
    assert "\"ZZZ\" is not an ISO 4217 currency code" in found[2]
    assert "not a date such as 01 Oct 2026" in found[3]
    assert "must be a positive number" in found[4]
    assert "decimal point" in found[5]
    assert "at most 8 decimal places" in found[6]
    assert found[8].startswith("Record 7 gives NOK the rate 10.5 for the same date")
    with pytest.raises(ImportRefused):
        commit_import(session, "rates", data, actor=finance)
    assert row_counts(session) == before


@pytest.mark.parametrize(("data", "phrase"), [
    (BILLION_LAUGHS + b"<UN_OPERATIONAL_RATES_DATASET>&lol9;</UN_OPERATIONAL_RATES_DATASET>", "entities"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b"<UN_OPERATIONAL_RATES_DATASET>&x;</UN_OPERATIONAL_RATES_DATASET>", "entities"),
    (b"<rates><rate/></rates>", "not a UN operational rates file"),
    (b"<UN_OPERATIONAL_RATES_DATASET><UN_OPERATIONAL_RATES>", "not well-formed"),
    (b"<UN_OPERATIONAL_RATES_DATASET></UN_OPERATIONAL_RATES_DATASET>", "no exchange rates"),
    (b"Currency code;Value\nEUR;0.9\n", "no column for the effective date or the rate"),
    (b"PK\x03\x04 a workbook", "not a workbook"),
])
def test_hostile_or_wrong_rate_files_are_refused(session, finance, data, phrase):
    before = row_counts(session)
    report = dry_run(session, "rates", data, actor=finance)
    assert report.refused and phrase in report.refused
    assert row_counts(session) == before


def test_rate_file_size_limit(session, finance):
    from fundtracker.imports import Limits

    report = dry_run(session, "rates", sample(), actor=finance, limits=Limits(max_rate_bytes=1000))
    assert report.refused and "at most" in report.refused


def test_only_finance_and_admin_import_rates(session, make, finance):
    officer = make.user("project_officer")
    with pytest.raises(PermissionDenied):
        dry_run(session, "rates", sample(), actor=officer)
    with pytest.raises(InvalidInput):
        dry_run(session, "currencies", sample(), actor=finance)


@pytest.mark.parametrize(("text", "day"), [
    ("01 Oct 2026", dt.date(2026, 10, 1)), ("1-Sep-2026", dt.date(2026, 9, 1)),
    ("15 May 2026", dt.date(2026, 5, 15)),
    ("2026-10-01T00:00:00", dt.date(2026, 10, 1)), ("2026-10-01", dt.date(2026, 10, 1)),
])
def test_un_dates_whatever_the_locale(text, day):
    assert parse_un_date(text) == day
