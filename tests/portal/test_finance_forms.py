"""Finance work through the portal's forms: what is recorded, and each money rule's refusal beside its field
with the form kept as typed and nothing saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from fundtracker.allocations.models import Allocation, Expenditure
from fundtracker.audit.models import AuditEvent
from fundtracker.contributions.models import Payment, Pledge
from fundtracker.contributions.services import current_amount, pledge_status
from fundtracker.extensions import db
from fundtracker.ledger.models import JournalEntry, Period
from fundtracker.ledger.queries import totals
from fundtracker.money import usd_minor_from_foreign

from ..auth.helpers import post
from .html import errors_for, input_value, text


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def pledge_form(fund, **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = {
        "donor_id": str(fund.donor.id),
        "amount": "250000.00",
        "currency": "EUR",
        "pledge_date": "2025-06-15",
        "confirmed": "y",
        "earmark_level": "1",
        "source_of_funds": "regular",
        "reference": "ARC-2025-2",
    }
    return {**form, **changes}


def test_finance_records_a_confirmed_eur_pledge_at_the_un_rate_of_its_date(client_for, fund):
    client = client_for("finance")
    answer = post(client, "/pledges/new", pledge_form(fund))
    assert answer.status_code == 302
    pledge = db.session.execute(select(Pledge).where(Pledge.reference == "ARC-2025-2")).scalar_one()
    assert answer.headers["Location"] == f"/pledges/{pledge.id}"
    assert (pledge.currency, pledge.original_minor, pledge.rate, pledge.rate_date) == (
        "EUR",
        25_000_000,
        Decimal("0.92"),
        dt.date(2025, 6, 1),
    )
    assert pledge_status(db.session, pledge) == "confirmed"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    pledged = totals(db.session, pledge_ids=[pledge.id])["pledged"]
    assert pledged == usd_minor_from_foreign(25_000_000, 2, Decimal("0.92"))
    assert "250,000.00\xa0EUR" in page and f"{pledged // 100:,}.{pledged % 100:02d}\xa0USD" in page


def test_a_too_precise_amount_is_refused_beside_the_amount_and_kept_as_typed(client_for, fund):
    client = client_for("finance")
    before = count(Pledge)
    answer = post(client, "/pledges/new", pledge_form(fund, amount="1000.005"))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert errors_for(html, "amount") == [
        "EUR amounts have at most 2 decimal places; 1000.005 has more. Please enter the exact amount."
    ]
    assert input_value(html, "amount") == "1000.005" and input_value(html, "reference") == "ARC-2025-2"
    assert count(Pledge) == before


def test_an_earmark_without_its_target_is_refused_beside_the_earmark(client_for, fund):
    client = client_for("finance")
    answer = post(client, "/pledges/new", pledge_form(fund, earmark_level="3"))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert errors_for(html, "earmark_target") == [
        "Money earmarked to a country needs exactly one target: country."
    ]


def test_a_posting_in_a_closed_year_is_refused_beside_its_date(client_for, fund):
    db.session.add(Period(year=2024, closed=True))
    db.session.commit()
    answer = post(client_for("finance"), "/pledges/new", pledge_form(fund, pledge_date="2024-12-01"))
    assert answer.status_code == 422
    assert "The financial year 2024 is closed" in errors_for(answer.get_data(as_text=True), "pledge_date")[0]


def test_a_french_amount_with_a_decimal_comma_is_read_exactly(client_for, fund):
    client = client_for("finance", lang="fr")
    answer = post(client, "/pledges/new", pledge_form(fund, amount="1 234,56", reference="FR-COMMA"))
    assert answer.status_code == 302
    pledge = db.session.execute(select(Pledge).where(Pledge.reference == "FR-COMMA")).scalar_one()
    assert pledge.original_minor == 123_456


def test_an_english_thousands_comma_is_refused_not_guessed(client_for, fund):
    answer = post(client_for("finance"), "/pledges/new", pledge_form(fund, amount="1,234"))
    assert answer.status_code == 422
    assert errors_for(answer.get_data(as_text=True), "amount") == [
        "Write a number such as 1250.50, without thousands separators."
    ]


def test_payment_preview_shows_the_rate_and_the_usd_that_recording_then_uses(client_for, fund):
    client = client_for("finance")
    query = {
        "pledge_id": fund.eur_pledge.id,
        "amount": "1000.00",
        "currency": "EUR",
        "received_date": "2025-07-04",
    }
    fragment = client.get("/payments/preview", query_string=query, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert "UN operational rate: 0.92 EUR per USD, effective Jun 1, 2025." in text(html)
    answer = post(client, "/payments/new", {k: str(v) for k, v in query.items()})
    assert answer.status_code == 302
    payment = db.session.execute(select(Payment).order_by(Payment.id.desc())).scalars().first()
    usd = f"{payment.usd_minor // 100:,}.{payment.usd_minor % 100:02d}\xa0USD"
    assert payment.rate == Decimal("0.92") and usd in html


def test_a_payment_above_what_is_due_is_refused_beside_the_amount(client_for, fund):
    answer = post(
        client_for("finance"),
        "/payments/new",
        {
            "pledge_id": str(fund.eur_pledge.id),
            "amount": "50000.01",
            "currency": "EUR",
            "received_date": "2025-07-04",
        },
    )
    assert answer.status_code == 422
    assert errors_for(answer.get_data(as_text=True), "amount") == [
        "This is more than the 50000.00 EUR still due on the pledge. "
        "Amend the pledge first if the donor is giving more."
    ]


def test_allocation_breaking_the_earmark_is_refused_beside_the_project(client_for, fund):
    before = count(Allocation)
    answer = post(
        client_for("finance"),
        "/allocations/new",
        {
            "pledge_id": str(fund.kenya_pledge.id),
            "project_id": str(fund.other_project.id),
            "amount": "100.00",
            "allocation_date": "2025-05-01",
        },
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert errors_for(html, "project_id")[0].startswith(
        "This contribution is earmarked to Kenya, which is not a beneficiary of this project."
    )
    assert input_value(html, "amount") == "100.00" and count(Allocation) == before
    assert "earmarked to Kenya" in text(html)  # the preview beside the form says what the earmark allows


def test_over_allocation_is_refused_beside_the_amount(client_for, fund):
    answer = post(
        client_for("finance"),
        "/allocations/new",
        {
            "pledge_id": str(fund.eur_pledge.id),
            "project_id": str(fund.other_project.id),
            "amount": "999999.00",
            "allocation_date": "2025-05-01",
        },
    )
    message = errors_for(answer.get_data(as_text=True), "amount")
    assert answer.status_code == 422 and message and message[0].startswith("Only ")
    available = totals(db.session, pledge_ids=[fund.eur_pledge.id])["available_to_allocate"]
    assert f"Only {available // 100}.{available % 100:02d} USD of this contribution" in message[0]


def test_allocation_preview_says_what_the_earmark_allows_and_what_is_available(client_for, fund):
    html = (
        client_for("finance")
        .get(
            "/allocations/preview",
            query_string={"pledge_id": fund.kenya_pledge.id, "project_id": fund.project.id},
        )
        .get_data(as_text=True)
    )
    available = totals(db.session, pledge_ids=[fund.kenya_pledge.id])["available_to_allocate"]
    assert "earmarked to Kenya" in text(html) and "The earmark allows funding KEN/01." in text(html)
    assert f"{available // 100:,}.{available % 100:02d}\xa0USD" in html


def test_amend_then_cancel_the_unpaid_part(client_for, fund):
    client = client_for("finance")
    url = f"/pledges/{fund.eur_pledge.id}"
    refused = post(
        client,
        url + "/amend",
        {"new_amount": "40000.00", "amendment_date": "2025-08-01", "reason": "Budget cut"},
    )
    assert refused.status_code == 422
    assert "already paid 50000.00 EUR" in errors_for(refused.get_data(as_text=True), "new_amount")[0]
    assert (
        post(
            client,
            url + "/amend",
            {"new_amount": "120000.00", "amendment_date": "2025-08-01", "reason": "Top-up"},
        ).status_code
        == 302
    )
    assert current_amount(db.session, db.session.get(Pledge, fund.eur_pledge.id)) == 12_000_000
    no_reason = post(client, url + "/cancel", {"action": "cancel", "on": "2025-09-01", "reason": ""})
    assert no_reason.status_code == 422 and errors_for(no_reason.get_data(as_text=True), "reason")
    assert (
        post(
            client, url + "/cancel", {"action": "cancel", "on": "2025-09-01", "reason": "Donor withdrew"}
        ).status_code
        == 302
    )
    assert db.session.get(Pledge, fund.eur_pledge.id).state == "cancelled"


def test_reversal_needs_a_reason_is_refused_if_money_was_built_on_it_and_posts_the_opposite_entry(
    client_for, fund
):
    client = client_for("finance")

    def entry_of(source_type: str, source_id: int) -> int:
        return db.session.execute(
            select(JournalEntry.id).where(
                JournalEntry.source_type == source_type, JournalEntry.source_id == source_id
            )
        ).scalar_one()

    payment = db.session.execute(select(Payment).where(Payment.pledge_id == fund.eur_pledge.id)).scalar_one()
    paid = entry_of("payment", payment.id)
    page = client.get(f"/journal/reverse?entry_id={paid}")
    assert page.status_code == 200 and "Reverse entry" in page.get_data(as_text=True)
    refused = post(
        client, "/journal/reverse", {"entry_id": str(paid), "reversal_date": "2025-09-01", "reason": ""}
    )
    assert refused.status_code == 422 and errors_for(refused.get_data(as_text=True), "reason")
    # 20,000 USD of this payment is allocated: reversing it would leave a negative balance.
    built_on = post(
        client,
        "/journal/reverse",
        {"entry_id": str(paid), "reversal_date": "2025-09-01", "reason": "Bank returned the transfer"},
    )
    assert built_on.status_code == 422
    assert "negative balance" in errors_for(built_on.get_data(as_text=True), "entry_id")[0]
    spent = entry_of("expenditure", db.session.execute(select(Expenditure.id)).scalars().first())
    assert (
        post(
            client,
            "/journal/reverse",
            {"entry_id": str(spent), "reversal_date": "2025-09-01", "reason": "Invoice charged twice"},
        ).status_code
        == 302
    )
    reversal = db.session.execute(select(JournalEntry).where(JournalEntry.reverses_id == spent)).scalar_one()
    assert reversal.reason == "Invoice charged twice"
    assert totals(db.session, project_id=fund.project.id)["spent"] == 0
    assert "reversed" in client.get("/journal").get_data(as_text=True)


def test_closing_and_reopening_a_year(client_for, fund):
    finance, admin = client_for("finance"), client_for("admin")
    assert post(finance, "/periods/close", {"year": "2025"}).status_code == 302
    assert db.session.get(Period, 2025).closed
    assert post(finance, "/periods/reopen", {"year": "2025", "reason": "late invoice"}).status_code == 403
    refused = post(admin, "/periods/reopen", {"year": "2025", "reason": ""})
    assert refused.status_code == 422
    assert post(admin, "/periods/reopen", {"year": "2025", "reason": "Late invoice"}).status_code == 302
    assert not db.session.get(Period, 2025).closed


def test_rates_are_entered_and_listed(client_for, fund):
    client = client_for("finance")
    assert (
        post(
            client,
            "/rates",
            {
                "currency": "GBP",
                "effective_date": "2025-07-01",
                "units_per_usd": "0.7812",
                "source": "UN Treasury",
            },
        ).status_code
        == 302
    )
    assert "0.7812" in client.get("/rates?currency=GBP").get_data(as_text=True)
    refused = post(
        client, "/rates", {"currency": "GBP", "effective_date": "2025-07-01", "units_per_usd": "0"}
    )
    assert refused.status_code == 422 and errors_for(refused.get_data(as_text=True), "units_per_usd")


def test_officer_records_expenditure_on_own_project_only(client_for, fund):
    client = client_for("project_officer")
    form = {
        "amount": "1500.00",
        "currency": "EUR",
        "expenditure_date": "2025-06-10",
        "description": "Workshop",
    }
    assert post(client, f"/projects/{fund.project.id}/expenditures/new", form).status_code == 302
    spent = db.session.execute(select(Expenditure).where(Expenditure.description == "Workshop")).scalar_one()
    assert (spent.rate, spent.usd_minor) == (
        Decimal("0.92"),
        usd_minor_from_foreign(150_000, 2, Decimal("0.92")),
    )
    assert post(client, f"/projects/{fund.other_project.id}/expenditures/new", form).status_code == 404
    too_much = post(client, f"/projects/{fund.project.id}/expenditures/new", {**form, "amount": "900000.00"})
    assert too_much.status_code == 422
    assert errors_for(too_much.get_data(as_text=True), "amount")[0].startswith("This spending")


def test_every_write_leaves_an_audit_event(client_for, fund):
    before = count(AuditEvent)
    post(client_for("finance"), "/pledges/new", pledge_form(fund, reference="AUDITED"))
    actions = (
        db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(5)).scalars().all()
    )
    assert count(AuditEvent) > before and "pledge.create" in actions
