"""One test per money rule of the design, with the refusals a finance officer will meet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from fundtracker.allocations.services import psc_on, spendable
from fundtracker.contributions.services import amend_pledge, cancel_pledge, pledge_status, reearmark_pledge
from fundtracker.errors import InvalidInput
from fundtracker.ledger.models import FX_REALISED, JournalEntry, JournalLine
from fundtracker.ledger.queries import figures, totals
from fundtracker.ledger.services import close_period, reopen_period, reverse_entry
from fundtracker.ledger.verify import verify_ledger
from fundtracker.money import to_minor, usd_minor_from_foreign
from fundtracker.projects.services import create_project


def refusal(excinfo: pytest.ExceptionInfo[InvalidInput], field: str) -> str:
    assert field in excinfo.value.errors, excinfo.value.errors
    return " ".join(excinfo.value.errors[field])


# Rule 1: no floating point; minor units; too many decimals is refused, never rounded.
def test_amounts_are_stored_as_integer_minor_units_per_currency_exponent(make, session):
    make.rate("JPY", "2025-01-01", "150")
    make.rate("KWD", "2025-01-01", "0.308")
    jpy = make.pledge(amount="1000000", currency="JPY")
    kwd = make.pledge(amount="12.345", currency="KWD")
    assert (jpy.original_minor, kwd.original_minor) == (1_000_000, 12_345)
    column_types = {c.name: type(c.type).__name__ for c in JournalLine.__table__.columns}
    assert column_types["usd_minor"] == "BigInteger" and column_types["amount_minor"] == "BigInteger"


@pytest.mark.parametrize(("amount", "currency"), [("10.005", "USD"), ("1.5", "JPY"), ("1.0001", "KWD")])
def test_too_many_decimals_is_refused_not_rounded(make, session, amount, currency):
    make.rate("JPY", "2025-01-01", "150")
    make.rate("KWD", "2025-01-01", "0.308")
    before = session.scalar(select(func.count()).select_from(JournalLine))
    with pytest.raises(InvalidInput) as excinfo:
        make.pledge(amount=amount, currency=currency)
    assert "decimal place" in refusal(excinfo, "amount")
    assert session.scalar(select(func.count()).select_from(JournalLine)) == before


def test_floats_are_refused_by_the_money_parser():
    from fundtracker.money import parse_decimal

    with pytest.raises(ValueError, match="floating-point"):
        parse_decimal(0.1)
    assert parse_decimal("0.10") == Decimal("0.10")
    assert to_minor(Decimal("0.10"), 2) == 10


# Rule 2: never add amounts in different currencies; all cross-record sums are USD.
def test_figures_sum_usd_equivalents_never_mixed_currencies(make, session):
    make.rate("EUR", "2025-01-01", "0.9")
    eur = make.pledge(amount="900.00", currency="EUR")
    usd = make.pledge(amount="500.00", currency="USD")
    assert totals(session)["pledged"] == 100_000 + 50_000
    by_pledge = {r["pledge"]: r["pledged"] for r in figures(session, ("pledge",))}
    assert by_pledge == {eur.id: 100_000, usd.id: 50_000}


# Rule 3: the UN rate in force on the transaction date; stored; FX gain/loss realised on payment.
def test_conversion_uses_newest_rate_on_or_before_the_date_and_stores_it(make, session):
    make.rate("EUR", "2025-01-01", "0.90")
    make.rate("EUR", "2025-02-01", "0.80")
    make.rate("EUR", "2025-02-15", "0.75")  # a mid-month revision
    pledge = make.pledge(amount="900.00", currency="EUR", on="2025-01-20")
    assert (pledge.rate, pledge.rate_date) == (Decimal("0.9"), dt.date(2025, 1, 1))
    payment = make.payment(pledge, "900.00", on="2025-02-10")
    assert (payment.rate, payment.rate_date, payment.usd_minor) == (
        Decimal("0.8"),
        dt.date(2025, 2, 1),
        112_500,
    )
    # receivable settled at the pledge's value (1000 USD), the 125 USD difference is a realised gain
    fx = session.scalar(select(func.sum(JournalLine.usd_minor)).where(JournalLine.account == FX_REALISED))
    assert fx == -12_500
    assert totals(session)["outstanding"] == 0
    assert pledge_status(session, pledge) == "paid"


def test_no_rate_for_the_date_is_a_clear_refusal(make):
    make.rate("EUR", "2025-03-01", "0.9")
    with pytest.raises(InvalidInput) as excinfo:
        make.pledge(amount="10.00", currency="EUR", on="2025-02-01")
    assert "no UN operational rate for EUR" in refusal(excinfo, "currency")


def test_partial_payments_leave_exactly_nothing_receivable_when_complete(make, session):
    make.rate("EUR", "2025-01-01", "0.9")
    make.rate("EUR", "2025-03-01", "0.93")
    pledge = make.pledge(amount="100.00", currency="EUR")  # 111.11 USD
    for part in ("33.33", "33.33", "33.34"):
        make.payment(pledge, part, on="2025-03-05")
    assert totals(session)["outstanding"] == 0
    assert usd_minor_from_foreign(10_000, 2, Decimal("0.9")) == 11_111


def test_amendment_keeps_the_original_and_posts_the_delta(make, session):
    make.rate("EUR", "2025-01-01", "0.8")
    pledge = make.pledge(amount="800.00", currency="EUR")
    amend_pledge(
        session,
        pledge.id,
        new_amount=Decimal("1200.00"),
        reason="Parliament approved top-up",
        amendment_date=dt.date(2025, 6, 1),
        actor=make.system,
    )
    assert pledge.original_minor == 80_000
    assert totals(session)["pledged"] == 150_000
    make.payment(pledge, "500.00")
    with pytest.raises(InvalidInput) as excinfo:
        amend_pledge(
            session,
            pledge.id,
            new_amount=Decimal("400.00"),
            reason="cut",
            amendment_date=dt.date(2025, 7, 1),
            actor=make.system,
        )
    assert "already paid 500.00 EUR" in refusal(excinfo, "new_amount")


def test_overpayment_is_refused(make):
    pledge = make.pledge(amount="100.00")
    with pytest.raises(InvalidInput) as excinfo:
        make.payment(pledge, "100.01")
    assert "still due" in refusal(excinfo, "amount")


# Rule 4: earmarking enforced at allocation; re-earmarking needs recorded consent.
def test_allocation_that_breaks_a_country_earmark_is_refused(make, session):
    pledge = make.pledge(
        amount="1000.00", earmark_level=3, earmark_target={"country": make.country("NGA").id}
    )
    make.payment(pledge, "1000.00")
    kenya = make.project(countries=("KEN",))
    nigeria = make.project(countries=("NGA", "GHA"))
    with pytest.raises(InvalidInput) as excinfo:
        make.allocation(pledge, kenya, "100.00")
    assert "earmarked to Nigeria" in refusal(excinfo, "project_id")
    make.allocation(pledge, nigeria, "100.00")
    assert totals(session)["allocated"] == 10_000


@pytest.mark.parametrize(
    ("target", "ok_kw", "bad_kw"),
    [
        ({"instrument": "FIREARMS"}, {"instruments": ("FIREARMS", "UNTOC")}, {"instruments": ("TIP",)}),
        ({"theme": "cybercrime"}, {"themes": ("cybercrime",)}, {"themes": ("firearms",)}),
        ({"region": "Africa"}, {"countries": ("SEN",)}, {"countries": ("PER",)}),
    ],
)
def test_soft_earmarks_instrument_theme_region(make, target, ok_kw, bad_kw):
    if "instrument" in target:
        target = {"instrument": make.instrument(target["instrument"]).id}
    pledge = make.pledge(amount="100.00", earmark_level=2, earmark_target=target)
    make.payment(pledge, "100.00")
    make.allocation(pledge, make.project(**ok_kw), "10.00")
    with pytest.raises(InvalidInput):
        make.allocation(pledge, make.project(**bad_kw), "10.00")


def test_tight_earmark_and_reearmarking_with_consent(make, session):
    first, second = make.project(), make.project()
    pledge = make.pledge(amount="100.00", earmark_level=4, earmark_target={"project": first.id})
    make.payment(pledge, "100.00")
    with pytest.raises(InvalidInput):
        make.allocation(pledge, second, "10.00")
    with pytest.raises(InvalidInput) as excinfo:
        reearmark_pledge(
            session,
            pledge.id,
            level=4,
            target={"project": second.id},
            consent_reference=" ",
            consent_date=dt.date(2025, 5, 1),
            actor=make.system,
        )
    assert "consent" in refusal(excinfo, "consent_reference")
    reearmark_pledge(
        session,
        pledge.id,
        level=4,
        target={"project": second.id},
        consent_reference="Note verbale 2025/17",
        consent_date=dt.date(2025, 5, 1),
        actor=make.system,
    )
    make.allocation(pledge, second, "10.00")


def test_earmark_target_must_match_level(make):
    with pytest.raises(InvalidInput) as excinfo:
        make.pledge(earmark_level=3, earmark_target={"instrument": make.instrument().id})
    assert "country" in refusal(excinfo, "earmark_target")


# Rule 5: PSC charged on expenditure; spending ceiling F / (1 + r).
def test_psc_is_charged_on_expenditure_not_on_receipt(make, session):
    _, project = make.funded_project("1130.00")
    assert totals(session)["psc"] == 0
    make.expenditure(project, "1000.00")
    assert (totals(session)["spent"], totals(session)["psc"]) == (100_000, 13_000)


def test_spending_past_the_psc_ceiling_is_refused(make, session):
    _, project = make.funded_project("10000.00")
    assert spendable(1_000_000, Decimal("0.13")) == 884_956  # 88.50 % of the funds
    with pytest.raises(InvalidInput) as excinfo:
        make.expenditure(project, "8849.57")
    assert "programme support costs" in refusal(excinfo, "amount")
    make.expenditure(project, "8849.56")
    assert totals(session)["available_to_spend"] >= 0
    assert psc_on(884_956, Decimal("0.13")) == 115_044


def test_unearmarked_money_carries_no_psc_by_default(make, session):
    pledge = make.pledge(amount="100.00")
    assert pledge.psc_rate == 0
    make.payment(pledge, "100.00")
    project = make.project()
    make.allocation(pledge, project, "100.00")
    make.expenditure(project, "100.00")
    assert totals(session)["psc"] == 0


# Rule 6: no overdraft of a contribution or a project.
def test_over_allocation_is_refused(make, session):
    pledge = make.pledge(amount="1000.00")
    make.payment(pledge, "600.00")
    project = make.project()
    with pytest.raises(InvalidInput) as excinfo:
        make.allocation(pledge, project, "600.01")
    assert "Only 600.00 USD" in refusal(excinfo, "amount")
    make.allocation(pledge, project, "600.00")


# Rule 7: reverse, don't delete; the database refuses UPDATE and DELETE on posted rows.
def test_reversal_links_the_original_and_restores_balances(make, session):
    pledge = make.pledge(amount="1000.00")
    payment = make.payment(pledge, "1000.00")
    original = make.entry_for("payment", payment.id)
    reversal = reverse_entry(
        session, original.id, reason="Keyed twice", actor=make.system, reversal_date=dt.date(2025, 3, 1)
    )
    assert reversal.reverses_id == original.id and reversal.reason == "Keyed twice"
    assert totals(session)["received"] == 0
    assert pledge_status(session, pledge) == "confirmed"
    with pytest.raises(Exception, match="already been reversed"):
        reverse_entry(
            session, original.id, reason="again", actor=make.system, reversal_date=dt.date(2025, 3, 1)
        )


def test_reversal_that_would_overdraw_is_refused(make, session):
    pledge, project = make.funded_project("100.00")
    payment_entry = session.execute(
        select(JournalEntry).where(JournalEntry.source_type == "payment")
    ).scalar_one()
    with pytest.raises(InvalidInput) as excinfo:
        reverse_entry(
            session, payment_entry.id, reason="bounced", actor=make.system, reversal_date=dt.date(2025, 5, 1)
        )
    assert "negative balance" in refusal(excinfo, "entry_id")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_line SET usd_minor = usd_minor + 1",
        "DELETE FROM journal_line",
        "UPDATE journal_entry SET description = 'x'",
        "DELETE FROM journal_entry",
        "UPDATE payment SET amount_minor = 1",
        "DELETE FROM audit_event",
    ],
)
def test_database_refuses_update_and_delete_of_posted_rows(make, session, statement):
    pledge = make.pledge(amount="10.00")
    make.payment(pledge, "10.00")
    session.commit()
    with pytest.raises((DBAPIError, IntegrityError), match="immutable"):
        session.execute(text(statement))
        session.flush()
    session.rollback()


# Rule 8: closed periods; revaluation at close; reopening needs an admin.
def test_posting_into_a_closed_year_is_refused(make, session):
    make.rate("EUR", "2024-01-01", "0.9")
    make.rate("EUR", "2024-12-01", "0.8")
    pledge = make.pledge(amount="900.00", currency="EUR", on="2024-03-01")
    close_period(session, 2024, actor=make.system)
    with pytest.raises(InvalidInput) as excinfo:
        make.payment(pledge, "100.00", on="2024-12-15")
    assert "2024 is closed" in refusal(excinfo, "received_date")
    # the open receivable was revalued at the closing rate in 2024 and the revaluation reversed on 1 Jan 2025
    at_close = figures(session, (), up_to=dt.date(2024, 12, 31))[0]
    assert at_close["outstanding"] == 112_500 and at_close["fx_unrealised"] == 12_500
    assert totals(session)["outstanding"] == 100_000
    make.payment(pledge, "900.00", on="2025-01-10")
    assert totals(session)["outstanding"] == 0
    assert verify_ledger(session).ok


def test_reopening_needs_an_admin_and_undoes_the_revaluation(make, session):
    from fundtracker.auth.models import FINANCE
    from fundtracker.errors import PermissionDenied

    make.rate("EUR", "2024-01-01", "0.9")
    make.rate("EUR", "2024-12-01", "0.8")
    make.pledge(amount="900.00", currency="EUR", on="2024-03-01")
    finance = make.user(FINANCE)
    close_period(session, 2024, actor=finance)
    with pytest.raises(PermissionDenied):
        reopen_period(session, 2024, actor=finance, reason="late invoice")
    reopen_period(session, 2024, actor=make.system, reason="late invoice")
    assert figures(session, (), up_to=dt.date(2024, 12, 31))[0]["fx_unrealised"] == 0
    close_period(session, 2024, actor=finance)  # closing again revalues once, not twice
    assert figures(session, (), up_to=dt.date(2024, 12, 31))[0]["fx_unrealised"] == 12_500
    assert verify_ledger(session).ok


def test_cancelling_a_pledge_removes_its_unpaid_part(make, session):
    pledge = make.pledge(amount="1000.00")
    make.payment(pledge, "400.00")
    cancel_pledge(session, pledge.id, on=dt.date(2025, 6, 1), reason="Donor budget cut", actor=make.system)
    figures_now = totals(session)
    assert (figures_now["outstanding"], figures_now["written_off"], figures_now["received"]) == (
        0,
        60_000,
        40_000,
    )
    assert pledge_status(session, pledge) == "cancelled"


# Beneficiaries: developing or transition economies, or an admin's exception with a reason.
def test_non_eligible_beneficiary_is_refused_without_an_admin_exception(make, session):
    from fundtracker.auth.models import FINANCE

    with pytest.raises(InvalidInput) as excinfo:
        make.project(countries=("FRA",))
    assert "France is a developed economy" in refusal(excinfo, "beneficiary_ids")
    finance = make.user(FINANCE)
    france = make.country("FRA").id
    with pytest.raises(InvalidInput):
        make.project(countries=("FRA",), actor=finance, exceptions={france: "Regional hub"})
    project = make.project(countries=("FRA",), exceptions={france: "Regional training hub for West Africa"})
    assert project.beneficiaries[0].exception_reason.startswith("Regional")


def test_dated_status_history_decides_eligibility(make, session):
    from fundtracker.reference.services import set_country_status

    kenya = make.country("KEN")
    set_country_status(session, kenya.id, "developed", dt.date(2026, 1, 1), actor=make.system)
    make.project(countries=("KEN",), start_date=dt.date(2025, 6, 1))
    with pytest.raises(InvalidInput):
        make.project(countries=("KEN",), start_date=dt.date(2026, 2, 1))
    assert create_project  # the service used by make.project


# Permissions are checked by the services themselves.
def test_services_check_roles_first(make, session):
    from fundtracker.auth.models import AUDITOR, DONOR_LIAISON, PROJECT_OFFICER
    from fundtracker.errors import PermissionDenied

    donor = make.donor()
    for role in (AUDITOR, DONOR_LIAISON, PROJECT_OFFICER):
        actor = make.user(role, donor_id=donor.id)
        with pytest.raises(PermissionDenied):
            make.pledge(donor=donor, actor=actor)


def test_duplicate_donor_name_is_a_field_error_also_beyond_ascii(make):
    make.donor("Ärztinnen für Gerechtigkeit")
    with pytest.raises(InvalidInput) as excinfo:
        make.donor("Ärztinnen für Gerechtigkeit")
    assert "already exists" in refusal(excinfo, "name")
