"""What each role sees: the dashboard's figures, a liaison's own statement only, an auditor's read-only pages,
an officer's projects first, the donor list's search, sort and pages, downloads and uploads."""

from __future__ import annotations

import datetime
import re

import pytest
from sqlalchemy import event, select

from fundtracker.audit.models import AuditEvent
from fundtracker.contributions.models import Pledge
from fundtracker.contributions.services import pledge_status
from fundtracker.exports.services import XLSX_MIMETYPE
from fundtracker.extensions import db
from fundtracker.ledger.queries import totals
from fundtracker.portal.reads.donors import pledge_rows

from ..auth.helpers import post
from .html import figure, forms_and_links, text


def usd(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d}\xa0USD"


def test_dashboard_shows_the_figures_of_the_books(client_for, fund):
    html = client_for("auditor").get("/").get_data(as_text=True)
    books = totals(db.session)
    for key in ("pledged", "received", "outstanding", "allocated", "spent", "psc", "available_to_allocate"):
        assert figure(html, key) == usd(books[key]), key
    for table in ("table-year", "table-donors", "table-instruments", "table-regions"):
        assert f'data-testid="{table}"' in html
    for chart in ("chart-year", "chart-donors", "chart-instruments", "chart-regions"):
        assert f'<script type="application/json" id="{chart}-data">' in html
    assert "Arcadia" in html and "Borduria Foundation" in html and "Africa" in html


def test_project_page_shows_budget_allocated_spent_psc_and_available(client_for, fund):
    html = client_for("project_officer").get(f"/projects/{fund.project.id}").get_data(as_text=True)
    books = totals(db.session, project_id=fund.project.id)
    assert figure(html, "budget") == usd(6_000_000)
    for card, key in (
        ("allocated", "allocated"),
        ("spent", "spent"),
        ("psc", "psc"),
        ("available", "available_to_spend"),
    ):
        assert figure(html, card) == usd(books[key]), card
    assert books["psc"] > 0 and "Kenya" in html and "developing" in html and "Record expenditure" in html
    assert "Arcadia" in html and "Borduria Foundation" in html  # funding by donor


def test_pledge_status_on_pages_is_the_services_status(fund, make, session):
    make.pledge(fund.donor, amount="10.00", confirmed=False)
    paid = make.pledge(fund.donor, amount="10.00")
    make.payment(paid, "10.00", on="2025-03-01")
    cancelled = make.pledge(fund.donor, amount="10.00")
    from fundtracker.contributions.services import cancel_pledge

    cancel_pledge(
        session, cancelled.id, on=__import__("datetime").date(2025, 3, 1), reason="x", actor=make.system
    )
    rows = {r["id"]: r["status"] for r in pledge_rows(session, donor_id=fund.donor.id)}
    pledges = session.execute(select(Pledge).where(Pledge.donor_id == fund.donor.id)).scalars().all()
    assert {p.id: pledge_status(session, p) for p in pledges} == rows
    assert set(rows.values()) == {"announced", "paid", "cancelled", "partially_paid"}


def test_liaison_home_is_its_own_statement_and_nothing_of_another_donor(client_for, fund):
    client = client_for("donor_liaison")
    html = client.get("/").get_data(as_text=True)
    assert "Statement of Arcadia" in html
    assert figure(html, "pledged") == usd(totals(db.session, donor_id=fund.donor.id)["pledged"])
    for page in ("/", "/donors", "/exports", f"/pledges/{fund.eur_pledge.id}", f"/donors/{fund.donor.id}"):
        answer = client.get(page)
        assert answer.status_code == 200, page
        assert "Borduria" not in answer.get_data(as_text=True), page
    assert client.get(f"/donors/{fund.other_donor.id}").status_code == 404
    assert client.get(f"/pledges/{fund.kenya_pledge.id}").status_code == 404
    assert client.get(f"/projects/{fund.project.id}").status_code == 404
    assert client.get("/donors?q=Bord").get_data(as_text=True).count("Borduria") == 0
    other = client.get(
        "/exports/download",
        query_string={
            "workbook": "donor-statement",
            "donor_id": fund.other_donor.id,
            "date_from": "2025-01-01",
            "date_to": "2025-12-31",
        },
        buffered=True,
    )
    assert other.status_code == 404
    own = client.get(
        "/exports/download",
        query_string={"workbook": "donor-statement", "date_from": "2025-01-01", "date_to": "2025-12-31"},
        buffered=True,
    )
    assert own.status_code == 200 and own.mimetype == XLSX_MIMETYPE and own.data[:2] == b"PK"


WRITE_PATHS = (
    "/pledges/new",
    "/payments/new",
    "/allocations/new",
    "/expenditures/new",
    "/amend",
    "/cancel",
    "/journal/reverse",
    "/admin/users/new",
    "/imports",
)


@pytest.mark.parametrize(
    "path",
    [
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
        "/reference/countries",
        "/reference/countries/KEN",
        "/exports",
        "/audit",
    ],
)
def test_auditor_sees_no_button_or_form_that_writes(client_for, fund, path):
    client = client_for("auditor")
    path = {
        "donor": f"/donors/{fund.donor.id}",
        "pledge": f"/pledges/{fund.eur_pledge.id}",
        "project": f"/projects/{fund.project.id}",
    }.get(path, path)
    answer = client.get(path)
    assert answer.status_code == 200
    forms, links = forms_and_links(answer.get_data(as_text=True))
    writing = [f for f in forms if f["method"] == "post" and f["action"] != "/auth/logout"]
    assert writing == [], writing
    assert not [link for link in links if any(w in link for w in WRITE_PATHS)]


def test_officer_sees_own_projects_first(client_for, fund, make, session):
    for n in range(3):
        make.project(code=f"AAA/{n}", officer_id=fund.other_officer.id)
    session.commit()
    html = client_for("project_officer").get("/projects").get_data(as_text=True)
    codes = re.findall(r'/projects/\d+">([A-Z]+/\d+)</a>', html)
    assert codes[0] == "KEN/01" and set(codes[1:]) >= {"AAA/0", "UGA/01"}
    home = client_for("project_officer").get("/").get_data(as_text=True)
    assert 'data-testid="my-projects"' in home and "KEN/01" in home


def test_donor_list_searches_filters_sorts_and_pages(client_for, fund, make, session):
    for n in range(30):
        make.donor(f"Zeta donor {n:02d}", kind="other")
    session.commit()
    client = client_for("finance")
    first = client.get("/donors?sort=name&dir=asc&per_page=10").get_data(as_text=True)
    names = re.findall(r'/donors/\d+">([^<]+)</a>', first)
    assert (
        names[:2] == ["Arcadia", "Borduria Foundation"] and len(names) == 10 and "Page 1 of 4" in text(first)
    )
    third = client.get("/donors?sort=name&dir=asc&per_page=10&page=4").get_data(as_text=True)
    assert re.findall(r'/donors/\d+">([^<]+)</a>', third) == ["Zeta donor 28", "Zeta donor 29"]
    found = client.get("/donors?q=zeta donor 1&kind=other").get_data(as_text=True)
    assert len(re.findall(r'/donors/\d+">', found)) == 10
    by_pledged = client.get("/donors?sort=pledged&dir=desc").get_data(as_text=True)
    assert re.findall(r'/donors/\d+">([^<]+)</a>', by_pledged)[0] == "Arcadia"  # 100,000 EUR > 80,000 USD


def test_list_pages_issue_the_same_number_of_statements_whatever_their_size(client_for, fund, make, session):
    for n in range(40):
        donor = make.donor(f"Donor {n:02d}")
        make.pledge(donor, amount="100.00")
        make.project(code=f"P/{n:02d}")
    session.commit()
    client = client_for("finance")
    counts = {}
    for path in ("/donors", "/projects", "/journal"):
        sizes = []
        for per_page in (5, 50):
            statements: list[str] = []

            def count(*args, statements=statements, **kwargs):  # type: ignore[no-untyped-def]
                statements.append(args[2])

            event.listen(db.engine, "before_cursor_execute", count)
            try:
                assert client.get(f"{path}?per_page={per_page}").status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            sizes.append(len(statements))
        counts[path] = sizes
    assert all(small == large for small, large in counts.values()), counts


def test_finance_downloads_a_workbook_and_the_export_is_audited(client_for, fund):
    answer = client_for("finance").get(
        "/exports/download",
        query_string={"workbook": "general-ledger", "date_from": "2025-01-01", "date_to": "2025-12-31"},
        buffered=True,
    )
    assert answer.status_code == 200 and answer.mimetype == XLSX_MIMETYPE and answer.data[:2] == b"PK"
    assert "fundtracker_general-ledger_2025-01-01_2025-12-31.xlsx" in answer.headers["Content-Disposition"]
    last = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert last.action == "export.workbook" and last.object_id == "general-ledger"


def test_export_form_refusals_are_shown_beside_the_fields(client_for, fund):
    answer = client_for("finance").get(
        "/exports/download",
        query_string={"workbook": "donor-statement", "date_from": "2025-12-31", "date_to": "2025-01-01"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'data-error-for="date_from"' in html and 'data-error-for="donor_id"' in html


def test_import_dry_run_reports_a_refused_file_and_writes_nothing(client_for, fund):
    client = client_for("finance")
    from io import BytesIO

    answer = post(
        client,
        "/imports",
        {"kind": "pledges", "action": "dry_run", "upload": (BytesIO(b"not a spreadsheet"), "pledges.xlsx")},
        content_type="multipart/form-data",
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "The file was refused" in html
    last = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert last.action == "import.dry_run"
    officer = client_for("project_officer").get("/imports").get_data(as_text=True)
    assert 'value="expenditures"' in officer and 'value="pledges"' not in officer


def test_admin_creates_a_liaison_bound_to_its_donor(client_for, fund):
    client = client_for("admin")
    refused = post(
        client,
        "/admin/users/new",
        {
            "email": "new@example.org",
            "name": "New",
            "role": "donor_liaison",
            "password": "a long enough passphrase",
        },
    )
    assert refused.status_code == 422 and 'data-error-for="donor_id"' in refused.get_data(as_text=True)
    made = post(
        client,
        "/admin/users/new",
        {
            "email": "new@example.org",
            "name": "New",
            "role": "donor_liaison",
            "donor_id": str(fund.donor.id),
            "password": "a long enough passphrase",
        },
    )
    assert made.status_code == 302


def test_admin_records_a_country_status_from_a_date(client_for, fund):
    client = client_for("admin")
    assert (
        post(
            client,
            "/reference/countries/KEN",
            {"status": "developed", "effective_from": "2031-01-01", "source": "test"},
        ).status_code
        == 302
    )
    html = client.get("/reference/countries/KEN").get_data(as_text=True)
    assert "Jan 1, 2031" in html and "developed" in html
    assert (
        post(
            client_for("finance"),
            "/reference/countries/KEN",
            {"status": "developed", "effective_from": "2031-01-01"},
        ).status_code
        == 403
    )


def test_rates_import_dry_run_then_commit_of_the_same_file(client_for, fund):
    from io import BytesIO

    from fundtracker.fx.services import rate_on

    client = client_for("finance")
    data = b"Currency code,Effective date,Rate\r\nGBP,2025-08-01,0.7777\r\nCHF,2025-08-01,0.8123\r\n"

    def upload(action: str, sha256: str = "", content: bytes = data):  # type: ignore[no-untyped-def]
        return post(client, "/imports", {"kind": "rates", "action": action, "sha256": sha256,
                                         "upload": (BytesIO(content), "rates.csv")},
                    content_type="multipart/form-data")

    checked = upload("dry_run")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "2 rows checked (dry run, nothing written)" in html
    assert 'value="commit"' in html
    sha = re.search(r'name="sha256" type="hidden" value="([0-9a-f]{64})"', html)
    assert sha, "the dry run hands its file's fingerprint to the commit form"
    changed = upload("commit", sha.group(1), data.replace(b"0.7777", b"0.7778"))
    assert changed.status_code == 409 and "not the one that was checked" in changed.get_data(as_text=True)
    committed = upload("commit", sha.group(1))
    assert committed.status_code == 200 and "2 rows imported" in committed.get_data(as_text=True)
    assert str(rate_on(db.session, "GBP", datetime.date(2025, 8, 2)).rate) == "0.7777"
