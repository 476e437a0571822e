"""Journeys in a real browser: finance records a EUR pledge, a payment and an allocation; a project officer
records an expenditure; pages show the services' figures; refusals sit beside their fields; a donor liaison
sees only its own statement; an auditor sees nothing that writes; French and Spanish pages."""

from __future__ import annotations

from babel.numbers import format_decimal
from sqlalchemy import select

from fundtracker.allocations.models import Allocation
from fundtracker.contributions.models import Payment, Pledge
from fundtracker.ledger.queries import totals
from fundtracker.money import from_minor

from ..factories import PASSWORD


def usd(minor: int, locale: str = "en") -> str:
    return format_decimal(from_minor(minor, 2), format="#,##0.00", locale=locale) + "\xa0USD"


def card(page, key: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f'[data-figure="{key}"] .amount').first.inner_text()


def error_beside(page, field: str) -> str:  # type: ignore[no-untyped-def]
    """The message shown inside the field's own form row, which must be visible."""
    message = page.locator(f'[data-field="{field}"] [data-error-for="{field}"]')
    message.first.wait_for(state="visible")
    return message.first.inner_text()


def test_finance_records_a_eur_pledge_a_payment_and_an_allocation(browse, live):
    fund = live.fund
    b = browse()
    b.sign_in(fund.users["finance"])
    page = b.page

    b.go("/pledges/new")
    page.get_by_label("Donor", exact=True).select_option(label="Arcadia")
    page.get_by_label("Amount").fill("250000.00")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Pledge date").fill("2025-06-15")
    page.get_by_label("Agreement reference").fill("ARC-2025-2")
    page.get_by_label("Earmarking level").select_option("1")
    b.shot("1-pledge-form")
    page.get_by_role("button", name="Record the pledge").click()
    page.wait_for_load_state("networkidle")
    pledge = live.read(
        lambda s: s.execute(select(Pledge).where(Pledge.reference == "ARC-2025-2")).scalar_one()
    )
    assert page.url.endswith(f"/pledges/{pledge.id}")
    assert page.get_by_test_id("pledge-amount").inner_text() == "250,000.00\xa0EUR"

    page.get_by_role("link", name="Record a payment").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#currency").input_value() == "EUR"  # the pledge's currency, chosen by portal.js
    page.get_by_label("Date received").fill("2025-07-04")
    with page.expect_response(lambda r: "/payments/preview" in r.url and "amount=100000.00" in r.url):
        page.get_by_label("Amount received").fill("100000.00")
    preview = page.get_by_test_id("preview-usd")
    preview.wait_for()
    assert "UN operational rate: 0.92 EUR per USD" in page.get_by_test_id("preview-rate").inner_text()
    b.shot("2-payment-preview")
    shown = preview.inner_text()
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_load_state("networkidle")
    payment = live.read(
        lambda s: s.execute(select(Payment).where(Payment.pledge_id == pledge.id)).scalar_one()
    )
    assert shown == f"100,000.00\xa0EUR = {usd(payment.usd_minor)}"
    assert "Payment" in page.locator(".alert-success").inner_text()

    page.get_by_role("link", name="Allocate", exact=True).click()
    page.wait_for_load_state("networkidle")
    with page.expect_response(lambda r: "/allocations/preview" in r.url):
        page.get_by_label("Project", exact=True).select_option(label="KEN/01 – Witness protection in Kenya")
    assert page.get_by_test_id("preview-allowed").inner_text() == "The earmark allows funding KEN/01."
    available = live.read(lambda s: totals(s, pledge_ids=[pledge.id]))["available_to_allocate"]
    assert page.get_by_test_id("preview-available").inner_text() == usd(available)
    page.get_by_label("Amount (USD)").fill("50000.00")
    page.get_by_label("Allocation date").fill("2025-07-10")
    page.get_by_role("button", name="Allocate").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/projects/{fund.project.id}")
    allocation = live.read(
        lambda s: s.execute(select(Allocation).where(Allocation.pledge_id == pledge.id)).scalar_one()
    )
    assert allocation.usd_minor == 5_000_000

    project = live.read(lambda s: totals(s, project_id=fund.project.id))
    for key, figure in (
        ("allocated", "allocated"),
        ("spent", "spent"),
        ("psc", "psc"),
        ("available", "available_to_spend"),
    ):
        assert card(page, key) == usd(project[figure]), key
    page.locator("#chart-spending").wait_for()
    b.shot("3-project-page")

    b.go(f"/donors/{fund.donor.id}")
    donor = live.read(lambda s: totals(s, donor_id=fund.donor.id))
    for key in ("pledged", "received", "outstanding", "allocated", "spent", "psc", "available_to_allocate"):
        assert card(page, key) == usd(donor[key]), key
    b.shot("4-donor-page")

    b.go("/")
    fund_totals = live.read(totals)
    for key in ("pledged", "received", "outstanding", "allocated", "spent", "psc", "available_to_allocate"):
        assert card(page, key) == usd(fund_totals[key]), key
    assert page.locator("canvas#chart-year").bounding_box()["height"] > 100
    b.shot("5-dashboard")


def test_refusals_show_beside_their_fields_as_typed(browse, live):
    fund = live.fund
    b = browse()
    b.sign_in(fund.users["finance"])
    page = b.page

    b.watch.expect(422, "/allocations/new")
    b.go(f"/allocations/new?pledge_id={fund.kenya_pledge.id}")
    with page.expect_response(lambda r: "/allocations/preview" in r.url):
        page.get_by_label("Project", exact=True).select_option(label="UGA/01 – Firearms registries in Uganda")
    assert (
        page.get_by_test_id("preview-refusal")
        .inner_text()
        .startswith("This contribution is earmarked to Kenya")
    )
    page.get_by_label("Amount (USD)").fill("1000.00")
    page.get_by_role("button", name="Allocate").click()
    page.wait_for_load_state("networkidle")
    assert error_beside(page, "project_id").startswith(
        "This contribution is earmarked to Kenya, which is not a beneficiary of this project."
    )
    assert page.get_by_label("Amount (USD)").input_value() == "1000.00"
    b.shot("1-broken-earmark")

    page.get_by_label("Contribution (pledge)").select_option(str(fund.eur_pledge.id))
    page.get_by_label("Amount (USD)").fill("9999999.00")
    page.get_by_role("button", name="Allocate").click()
    page.wait_for_load_state("networkidle")
    available = live.read(lambda s: totals(s, pledge_ids=[fund.eur_pledge.id]))["available_to_allocate"]
    assert error_beside(page, "amount") == (
        f"Only {from_minor(available, 2)} USD of this contribution has been received and not yet allocated; "
        "9999999.00 USD is more than that."
    )
    b.shot("2-over-allocation")

    # Without JavaScript the form still posts and the refusal still sits beside the amount.
    nojs = browse("nojs", java_script_enabled=False)
    nojs.sign_in(fund.users["finance"])
    nojs.watch.expect(422, "/pledges/new")
    nojs.go("/pledges/new")
    nojs.page.get_by_label("Donor", exact=True).select_option(label="Arcadia")
    nojs.page.get_by_label("Amount").fill("100.005")
    nojs.page.get_by_label("Currency").select_option("EUR")
    nojs.page.get_by_role("button", name="Record the pledge").click()
    nojs.page.wait_for_load_state("networkidle")
    assert error_beside(nojs.page, "amount") == (
        "EUR amounts have at most 2 decimal places; 100.005 has more. Please enter the exact amount."
    )
    assert nojs.page.get_by_label("Amount").input_value() == "100.005"
    nojs.shot("3-too-precise-amount")
    assert not live.read(lambda s: s.execute(select(Pledge).where(Pledge.original_minor == 10_000)).first())


def test_project_officer_records_expenditure_with_the_keyboard(browse, live):
    fund = live.fund
    b = browse()
    b.sign_in(fund.users["project_officer"])
    page = b.page
    mine = page.get_by_test_id("my-projects")
    assert "KEN/01" in mine.inner_text() and "UGA/01" not in mine.inner_text()
    page.get_by_role("link", name="KEN/01").first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Record expenditure").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Amount spent").focus()
    page.keyboard.type("2500.00")
    page.keyboard.press("Tab")
    page.keyboard.type("EUR")  # a select takes typed letters
    page.keyboard.press("Tab")
    page.keyboard.type("06102025")  # a date field takes its parts in the browser's order (en-US: mm dd yyyy)
    page.get_by_label("What the money was spent on").focus()
    page.keyboard.type("Regional workshop for judges")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/projects/{fund.project.id}")
    project = live.read(lambda s: totals(s, project_id=fund.project.id))
    assert card(page, "spent") == usd(project["spent"]) and card(page, "psc") == usd(project["psc"])
    assert "Regional workshop for judges" in page.get_by_test_id("table-expenditures").inner_text()
    assert "2,500.00\xa0EUR" in page.get_by_test_id("table-expenditures").inner_text()
    b.shot("project-after-expenditure")
    b.watch.expect(404, f"/projects/{fund.other_project.id}/expenditures/new")
    assert b.go(f"/projects/{fund.other_project.id}/expenditures/new").status == 404


def test_donor_liaison_sees_only_its_own_statement(browse, live):
    fund = live.fund
    b = browse()
    b.sign_in(fund.users["donor_liaison"])
    page = b.page
    assert page.get_by_test_id("donor-name").inner_text() == "Statement of Arcadia"
    own = live.read(lambda s: totals(s, donor_id=fund.donor.id))
    for key in ("pledged", "received", "outstanding", "allocated", "spent", "psc"):
        assert card(page, key) == usd(own[key]), key
    assert "KEN/01" in page.get_by_test_id("table-donor-projects").inner_text()
    assert "Borduria" not in page.content()
    page.locator("canvas#chart-donor-year").wait_for()
    b.shot("1-statement")

    with page.expect_download() as waiting:
        page.get_by_test_id("statement-download").click()
    download = waiting.value
    assert download.suggested_filename.startswith(
        "fundtracker_donor-statement_"
    ) and download.suggested_filename.endswith(f"_donor{fund.donor.id}.xlsx")
    assert download.path().read_bytes()[:2] == b"PK"  # an .xlsx is a zip

    for path in (
        f"/donors/{fund.other_donor.id}",
        f"/pledges/{fund.kenya_pledge.id}",
        f"/projects/{fund.project.id}",
    ):
        b.watch.expect(404, path)
        assert b.go(path).status == 404, path
        assert "Borduria" not in page.content()
    b.shot("2-other-donor-404")
    b.go("/donors?q=a")  # both donors' names have an "a": the liaison's list holds its own only
    assert page.get_by_test_id("donor-table").locator("tbody tr").count() == 1
    assert "Arcadia" in page.content() and "Borduria" not in page.content()


AUDITOR_PAGES = (
    "/",
    "/donors",
    "donor",
    "pledge",
    "/projects",
    "project",
    "/books",
    "/journal",
    "/periods",
    "/rates",
    "/reference/countries/KEN",
    "/exports",
    "/audit",
)
NO_WRITES = """() => {
  const writing = [...document.querySelectorAll('form')].filter(f =>
    (f.getAttribute('method') || 'get').toLowerCase() !== 'get'
    && f.getAttribute('action') !== '/auth/logout');
  const words = /record|reverse|allocate|amend|cancel|close|reopen|confirm|import|create|disable/i;
  const buttons = [...document.querySelectorAll('a.btn, button')].filter(e => words.test(e.textContent));
  return writing.map(f => 'form ' + f.action).concat(buttons.map(e => 'button ' + e.textContent.trim()));
}"""


def test_auditor_sees_no_button_or_form_that_writes(browse, live):
    fund = live.fund
    b = browse()
    b.sign_in(fund.users["auditor"])
    for path in AUDITOR_PAGES:
        path = {
            "donor": f"/donors/{fund.donor.id}",
            "pledge": f"/pledges/{fund.eur_pledge.id}",
            "project": f"/projects/{fund.project.id}",
        }.get(path, path)
        assert b.go(path).status == 200, path
        assert b.page.evaluate(NO_WRITES) == [], path
    b.go(f"/projects/{fund.project.id}")
    b.shot("project-read-only")


def test_french_and_spanish_pages_translate_and_format_amounts(browse, live):
    fund = live.fund
    b = browse()
    b.sign_in(fund.users["finance"])
    page = b.page
    books = live.read(totals)
    b.go(f"/donors/{fund.donor.id}")
    page.get_by_test_id("language-switch").get_by_role("link", name="FR").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/donors/{fund.donor.id}")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Annonces de contributions").is_visible()
    donor = live.read(lambda s: totals(s, donor_id=fund.donor.id))
    assert card(page, "pledged") == usd(donor["pledged"], "fr") and "\u202f" in card(page, "pledged")
    assert "15 janv. 2025" in page.get_by_test_id("table-pledges").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the French page is {width}px wide in a 1280px window"
    b.shot("1-donor-fr")

    b.go("/")
    page.get_by_test_id("language-switch").get_by_role("link", name="ES").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Principales donantes").is_visible()
    assert card(page, "pledged") == usd(books["pledged"], "es")
    assert page.get_by_role("link", name="Donantes").is_visible()
    b.shot("2-dashboard-es")

    phone = browse("phone", viewport={"width": 390, "height": 844})
    phone.context.add_cookies([{"name": "lang", "value": "es", "url": live.url}])
    phone.go("/auth/login")
    phone.page.get_by_label("Correo electrónico").fill(fund.users["finance"].email)
    phone.page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    phone.page.get_by_role("button", name="Iniciar sesión").click()
    phone.page.wait_for_load_state("networkidle")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    phone.shot("3-dashboard-phone-es")
