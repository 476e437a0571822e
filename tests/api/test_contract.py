"""Contract tests of the JSON API, resource by resource: status codes, body shapes, paging headers, the error
shape, money as decimal strings, idempotent postings, and a donor liaison's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from fundtracker.api.models import RowTally
from fundtracker.audit.models import AuditEvent
from fundtracker.contributions.models import Payment
from fundtracker.extensions import db

from .conftest import Fund

ERROR_KEYS = {"code", "status", "message", "errors"}


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["status"] == status and isinstance(body["code"], str)
    for field in fields:
        assert body["errors"].get(field), body
    return body


def all_pages(client: Any, url: str, headers: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    """Follow Link rel="next" to the end; returns every row and the number of pages."""
    rows: list[dict[str, Any]] = []
    pages = 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        pages += 1
        rows += response.get_json()
        links = {part.split(";")[1].strip(): part.split(";")[0].strip(" <>")
                 for part in response.headers["Link"].split(",")}
        assert 'rel="first"' in links
        url = links.get('rel="next"', "").replace("http://localhost", "")
    return rows, pages


# --- errors -------------------------------------------------------------------------------------------------

def test_every_refusal_under_api_is_the_json_error_shape(client, fund: Fund):
    assert_error(client.get("/api/v1/pledges"), 401)
    assert_error(client.get("/api/v1/pledges", headers={"Authorization": "Bearer ftk_not-a-token"}), 401)
    assert_error(client.post("/api/v1/pledges", json={}), 401)  # no token, no session: 401 before CSRF
    assert_error(client.get("/api/v1/audit-events", headers=fund.headers("finance")), 403)
    assert_error(client.get("/api/v1/pledges/999999", headers=fund.headers("finance")), 404)
    assert_error(client.get("/api/v1/no-such-thing", headers=fund.headers("finance")), 404)
    refused = assert_error(client.delete("/api/v1/pledges", headers=fund.headers("finance")), 405)
    assert refused["code"] == "method_not_allowed"
    assert_error(client.get("/api/v1/pledges?per_page=1000", headers=fund.headers("finance")), 422, "per_page")
    key = {"Idempotency-Key": "same-key"}
    body = {"pledge_id": fund.id("pledge_own"), "amount": "1.00", "currency": "USD", "received_date": "2025-05-01"}
    assert client.post("/api/v1/payments", json=body, headers=fund.headers("finance", **key)).status_code == 201
    assert_error(client.post("/api/v1/payments", json={**body, "amount": "2.00"},
                             headers=fund.headers("finance", **key)), 409, "Idempotency-Key")


def test_a_429_under_api_is_json_and_portal_errors_stay_html(app, client, fund: Fund):
    from fundtracker.extensions import limiter

    @app.get("/api/v1/_throttled_for_test")
    @limiter.limit("1 per minute")
    def throttled():  # type: ignore[no-untyped-def]
        return {"ok": True}

    assert client.get("/api/v1/_throttled_for_test").status_code == 200
    assert_error(client.get("/api/v1/_throttled_for_test"), 429)
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    page = client.post("/healthz")
    assert page.status_code == 405 and page.mimetype == "text/html"


# --- money ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "currency", "field"), [
    (1250.5, "USD", "amount"),  # a float: cents may already be lost
    (1250, "USD", "amount"),  # a JSON number at all
    ("10.005", "USD", "amount"),  # more decimals than the currency has
    ("1.5", "JPY", "amount"),
    ("10.00", "XXZ", "currency"),  # no such ISO 4217 code
    ("10.00", "usd", "currency"),
])
def test_money_is_exact_text_with_the_currencys_places(client, fund: Fund, amount, currency, field):
    body = {"pledge_id": fund.id("pledge_own"), "amount": amount, "currency": currency,
            "received_date": "2025-05-01"}
    assert_error(client.post("/api/v1/payments", json=body, headers=fund.headers("finance")), 422, field)


def test_unknown_query_parameters_are_refused(client, fund: Fund):
    # A misspelt filter must not quietly return every donor's rows.
    assert_error(client.get("/api/v1/payments?donorid=1", headers=fund.headers("admin")), 422, "donorid")


def test_unknown_fields_are_refused_one_message_per_field(client, fund: Fund):
    body = {"donor_id": fund.id("donor_own"), "amount": "5.00", "currency": "USD", "pledge_date": "2025-02-01",
            "colour": "red", "amout": "5.00"}
    refused = assert_error(client.post("/api/v1/pledges", json=body, headers=fund.headers("finance")), 422,
                           "colour", "amout")
    assert refused["errors"]["colour"] == ["Unknown field."]


def test_amounts_come_back_with_the_currencys_places(client, fund: Fund):
    pledge = client.get(f"/api/v1/pledges/{fund.id('pledge_other')}", headers=fund.headers("finance")).get_json()
    assert (pledge["amount"], pledge["currency"], pledge["paid"]) == ("40000.00", "EUR", "40000.00")
    assert pledge["rate"] == "0.92" and pledge["figures"]["currency"] == "USD"
    assert pledge["figures"]["pledged"] == "43478.26"  # 40,000 EUR at 0.92 per USD, rounded once, half-up


# --- paging, filtering, sorting, statement counts -------------------------------------------------------------

def test_lists_page_by_cursor_with_total_and_links(client, fund: Fund, make, session):
    for day in range(1, 8):
        make.payment(fund.objects["pledge_own"], "100.00", on=f"2025-03-{day:02d}")
    session.commit()
    headers = fund.headers("finance")
    first = client.get("/api/v1/payments?per_page=3", headers=headers)
    assert first.headers["X-Total-Count"] == "9"
    rows, pages = all_pages(client, "/api/v1/payments?per_page=3", headers)
    assert pages == 3 and len(rows) == 9 and len({r["id"] for r in rows}) == 9
    dates = [r["received_date"] for r in rows]
    assert dates == sorted(dates, reverse=True)  # default: newest first
    ascending, _ = all_pages(client, "/api/v1/payments?per_page=4&sort=usd_amount", headers)
    assert [Decimal(r["usd_amount"]) for r in ascending] == sorted(Decimal(r["usd_amount"]) for r in ascending)
    march = client.get("/api/v1/payments?date_from=2025-03-02&date_to=2025-03-04", headers=headers)
    assert march.headers["X-Total-Count"] == "3" and len(march.get_json()) == 3
    assert_error(client.get("/api/v1/payments?cursor=garbage", headers=headers), 422, "cursor")
    other_sort = first.headers["Link"].split(";")[0].strip("<>").split("cursor=")[1]
    assert_error(client.get(f"/api/v1/payments?sort=id&cursor={other_sort}", headers=headers), 422, "cursor")


def test_links_repeat_the_query_as_sent_with_the_new_cursor_in_place_of_the_old(client, fund: Fund, make, session):
    for day in range(1, 6):
        make.payment(fund.objects["pledge_own"], "100.00", on=f"2025-04-{day:02d}")
    session.commit()
    headers = fund.headers("finance")

    def links(url: str) -> dict[str, str]:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return {part.split(";")[1].strip(): part.split(";")[0].strip(" <>")
                for part in response.headers["Link"].split(",")}

    first = links("/api/v1/payments?per_page=2&date_from=2025-04-01")
    assert first['rel="first"'] == "http://localhost/api/v1/payments?per_page=2&date_from=2025-04-01"
    cursor = first['rel="next"'].split("cursor=")[1]
    assert first['rel="next"'] == f"http://localhost/api/v1/payments?per_page=2&date_from=2025-04-01&cursor={cursor}"
    # The cursor given (even percent-encoded, and first in the query) is replaced, never repeated.
    second = links(f"/api/v1/payments?%63ursor={cursor}&per_page=2&date_from=2025-04-01")
    assert second['rel="first"'] == "http://localhost/api/v1/payments?per_page=2&date_from=2025-04-01"
    assert second['rel="next"'].count("cursor=") == 1 and cursor not in second['rel="next"']
    # What the client percent-encoded stays as it was sent.
    quoted = links("/api/v1/payments?per_page=2&currency=%55SD")
    assert quoted['rel="first"'] == "http://localhost/api/v1/payments?per_page=2&currency=%55SD"
    assert links("/api/v1/payments") == {'rel="first"': "http://localhost/api/v1/payments"}  # one page only


def test_the_unfiltered_payment_total_is_the_trigger_kept_tally(client, fund: Fund, session):
    tally = session.execute(select(RowTally.inserted).where(RowTally.name == "payment")).scalar_one()
    assert tally == session.execute(select(func.count()).select_from(Payment)).scalar_one() == 2
    response = client.get("/api/v1/payments", headers=fund.headers("admin"))
    assert response.headers["X-Total-Count"] == "2"


def test_payment_totals_follow_every_filter_and_a_liaisons_scope(client, fund: Fund, make, session):
    """Filtered totals are counted by statements of their own shape (the tally only serves the unfiltered list)."""
    for day in range(1, 4):
        make.payment(fund.objects["pledge_own"], "5.00", on=f"2025-02-{day:02d}")
    session.commit()

    def total(query: str, role: str) -> int:
        response = client.get(f"/api/v1/payments{query}", headers=fund.headers(role))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert len(response.get_json()) == int(response.headers["X-Total-Count"])  # all fit on one page
        return int(response.headers["X-Total-Count"])

    own, pledge = fund.id("donor_own"), fund.id("pledge_own")
    assert total("", "finance") == 5
    assert total(f"?donor_id={own}", "finance") == 4
    assert total("?currency=EUR", "finance") == 1
    assert total(f"?pledge_id={pledge}&currency=USD", "finance") == 4
    assert total("?date_from=2025-02-02&date_to=2025-02-03", "finance") == 2
    assert total("", "donor_liaison") == 4
    assert total(f"?donor_id={own}&date_from=2025-02-03", "donor_liaison") == 1


LISTS = [
    "/api/v1/donors", "/api/v1/pledges", "/api/v1/payments", "/api/v1/exchange-rates", "/api/v1/projects",
    "/api/v1/allocations", "/api/v1/expenditures", "/api/v1/journal-entries", "/api/v1/journal-lines",
    "/api/v1/reversals", "/api/v1/periods", "/api/v1/countries", "/api/v1/currencies", "/api/v1/instruments",
    "/api/v1/implementing-entities", "/api/v1/audit-events", "/api/v1/users",
]


@pytest.mark.parametrize("path", LISTS)
def test_a_list_costs_the_same_statements_at_10_and_100_rows(app, client, fund: Fund, make, session, path,
                                                            monkeypatch):
    from sqlalchemy import event

    from fundtracker.database import Prepared

    pledge = fund.objects["pledge_own"]
    for day in range(1, 29):  # well over 10 rows of everything that grows with postings
        make.payment(pledge, "1.00", on=f"2025-04-{day:02d}")
        make.donor(f"Donor for paging {day}")
        make.project(officer_id=fund.users["project_officer"].id, countries=("KEN", "GHA"))
        make.rate("EUR", f"2024-{(day % 12) + 1:02d}-{day:02d}", f"0.9{day:02d}")
    session.commit()
    client.get("/api/v1/me", headers=fund.headers("admin"))  # the token's last use is stamped once, not per page
    counts = {}
    for per_page in (10, 100):
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args, seen=statements):  # type: ignore[no-untyped-def]
            seen.append(statement)

        def run_counted(self, reader, params, seen=statements, run=Prepared.rows):  # type: ignore[no-untyped-def]
            seen.append(str(self.statement))  # the hot reads go to the driver, past SQLAlchemy's events
            return run(self, reader, params)

        monkeypatch.setattr(Prepared, "rows", run_counted)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(f"{path}?per_page={per_page}", headers=fund.headers("admin"))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            monkeypatch.undo()
        assert response.status_code == 200, response.get_data(as_text=True)
        assert statements  # the list was read and counted
        rows = len(response.get_json())
        assert rows == min(per_page, int(response.headers["X-Total-Count"]))
        counts[per_page] = (len(statements), rows)
    assert counts[10][0] == counts[100][0], counts
    if path in ("/api/v1/payments", "/api/v1/projects", "/api/v1/countries", "/api/v1/journal-lines"):
        assert counts[100][1] > counts[10][1]  # the bigger page really held more rows


# --- idempotency --------------------------------------------------------------------------------------------

def _payment_body(fund: Fund, amount: str = "10.00") -> dict[str, Any]:
    return {"pledge_id": fund.id("pledge_own"), "amount": amount, "currency": "USD", "received_date": "2025-06-01"}


def _payments(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return int(session.execute(select(func.count()).select_from(Payment)).scalar_one())


def test_a_retry_with_the_same_key_returns_the_first_answer_and_posts_once(client, fund: Fund, session):
    headers = fund.headers("finance", **{"Idempotency-Key": "retry-1"})
    first = client.post("/api/v1/payments", json=_payment_body(fund), headers=headers)
    again = client.post("/api/v1/payments", json=_payment_body(fund), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert _payments(session) == 3
    # Keys belong to their user: the same key from the administrator is another posting.
    other_user = client.post("/api/v1/payments", json=_payment_body(fund),
                             headers=fund.headers("admin", **{"Idempotency-Key": "retry-1"}))
    assert other_user.status_code == 201 and other_user.get_json()["id"] != first.get_json()["id"]
    # A refused request keeps no key: corrected, it may be sent again with the same key.
    refused = client.post("/api/v1/payments", json=_payment_body(fund, "999999.00"),
                          headers=fund.headers("finance", **{"Idempotency-Key": "fix-me"}))
    assert refused.status_code == 422
    fixed = client.post("/api/v1/payments", json=_payment_body(fund, "5.00"),
                        headers=fund.headers("finance", **{"Idempotency-Key": "fix-me"}))
    assert fixed.status_code == 201 and _payments(session) == 5


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/pledges", {"donor_id": 1, "amount": "10.00", "currency": "USD", "pledge_date": "2025-02-01"}),
    ("/api/v1/allocations", {"pledge_id": 1, "project_id": 1, "amount": "10.00", "allocation_date": "2025-05-01"}),
    ("/api/v1/expenditures", {"project_id": 1, "amount": "10.00", "currency": "USD",
                              "expenditure_date": "2025-05-01", "description": "Training"}),
])
def test_every_money_posting_is_idempotent(client, fund: Fund, path, body):
    headers = fund.headers("admin", **{"Idempotency-Key": f"key-{path}"})
    first = client.post(path, json=body, headers=headers)
    again = client.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert_error(client.post(path, json={**body, "amount": "11.00"}, headers=headers), 409)


def test_concurrent_duplicates_post_exactly_once(app, fund: Fund, session):
    """Eight clients send the same payment with the same key at the same moment: one payment is posted and
    every client gets its answer (the same one)."""
    import contextvars
    import threading

    body = _payment_body(fund)
    headers = fund.headers("finance", **{"Idempotency-Key": "race"})
    session.commit()  # on SQLite a read left open here would hold the write lock
    barrier = threading.Barrier(8)
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        # Its own context, as a request in another worker would have (own app context, own session).
        response = contextvars.Context().run(client.post, "/api/v1/payments", json=body, headers=headers)
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [201] * 8, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert _payments(session) == 3


# --- a donor liaison's scope -----------------------------------------------------------------------------------

def test_a_liaison_sees_only_its_own_donor(client, fund: Fund):
    h = fund.headers("donor_liaison")
    own, other = fund.id("donor_own"), fund.id("donor_other")
    for path in ("/api/v1/donors", "/api/v1/pledges", "/api/v1/payments", "/api/v1/allocations",
                 "/api/v1/expenditures", "/api/v1/projects"):
        rows = client.get(path, headers=h).get_json()
        assert rows, path
        text = str(rows)
        assert "Other Donor" not in text and f"'donor_id': {other}" not in text, path
        if path != "/api/v1/donors":
            filtered = client.get(f"{path}?donor_id={other}", headers=h)
            assert filtered.get_json() == [] and filtered.headers["X-Total-Count"] == "0", path
    for name, path in (("donor_other", "donors"), ("pledge_other", "pledges"), ("payment_other", "payments"),
                       ("allocation_other", "allocations"), ("expenditure_other", "expenditures"),
                       ("project_other", "projects")):
        assert_error(client.get(f"/api/v1/{path}/{fund.id(name)}", headers=h), 404)
    for name, path in (("donor_own", "donors"), ("pledge_own", "pledges"), ("project_own", "projects")):
        assert client.get(f"/api/v1/{path}/{fund.id(name)}", headers=h).status_code == 200
    by_donor = client.get("/api/v1/balances/by-donor", headers=h).get_json()
    assert [row["key"] for row in by_donor] == [own] and by_donor[0]["label"] == "Own Donor"
    nothing = client.get(f"/api/v1/balances/fund?donor_id={other}", headers=h).get_json()
    assert {v for k, v in nothing.items() if k != "currency"} == {"0.00"}
    mine = client.get("/api/v1/balances/fund", headers=h).get_json()
    assert mine["received"] == "30000.00"  # its own payment only; the other donor's EUR is not in it
    for dimension in ("project", "year", "instrument", "country", "region"):
        rows = client.get(f"/api/v1/balances/by-{dimension}", headers=h).get_json()
        assert sum(Decimal(r["received"]) for r in rows) == Decimal("30000.00"), dimension
    for path in ("/api/v1/journal-lines", "/api/v1/journal-entries", "/api/v1/audit-events", "/api/v1/users"):
        assert_error(client.get(path, headers=h), 403)


def test_staff_see_every_donor_and_the_fund_totals(client, fund: Fund):
    totals = client.get("/api/v1/balances/fund", headers=fund.headers("auditor")).get_json()
    assert totals["received"] == "73478.26"  # 30,000 USD + 40,000 EUR at 0.92
    donors = client.get("/api/v1/balances/by-donor", headers=fund.headers("auditor")).get_json()
    assert {row["label"] for row in donors if row["key"]} == {"Own Donor", "Other Donor"}


# --- resources: create, read back, act ------------------------------------------------------------------------

def created(client: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    again = client.get(response.headers["Location"], headers=headers)
    assert again.status_code == 200 and again.get_json() == response.get_json()
    return response.get_json()


def test_donors_pledges_and_their_lifecycle(client, fund: Fund):
    h = fund.headers("finance")
    donor = created(client, "/api/v1/donors", {"name": "Ruritania", "kind": "other"}, h)
    assert donor["figures"]["pledged"] == "0.00"
    assert_error(client.post("/api/v1/donors", json={"name": "Ruritania", "kind": "other"}, headers=h), 422, "name")
    pledge = created(client, "/api/v1/pledges", {
        "donor_id": donor["id"], "amount": "1000.00", "currency": "EUR", "pledge_date": "2025-03-01",
        "confirmed": False, "earmark_level": 2, "earmark_target": {"theme": "firearms"}, "psc_rate": "0.08",
        "instalments": [{"due_date": "2025-06-30", "amount": "600.00"}, {"due_date": "2025-12-31", "amount": "400.00"}],
    }, h)
    assert (pledge["status"], pledge["psc_rate"], pledge["earmark"]["theme"]) == ("announced", "0.08", "firearms")
    assert [i["amount"] for i in pledge["instalments"]] == ["600.00", "400.00"]
    pid = pledge["id"]
    confirmed = client.post(f"/api/v1/pledges/{pid}/confirm", headers=h)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    amended = client.post(f"/api/v1/pledges/{pid}/amendments", headers=h,
                          json={"new_amount": "1200.00", "reason": "Top-up", "amendment_date": "2025-04-01"})
    assert amended.get_json()["amount"] == "1200.00" and amended.get_json()["amendments"][0]["delta"] == "200.00"
    written_off = client.post(f"/api/v1/pledges/{pid}/write-off", headers=h,
                              json={"on": "2025-09-01", "reason": "Donor withdrew"})
    assert written_off.get_json()["status"] == "written_off"
    assert_error(client.post(f"/api/v1/pledges/{pid}/cancel", headers=h,
                             json={"on": "2025-09-02", "reason": "again"}), 422, "state")
    rearmarked = client.put(f"/api/v1/pledges/{fund.id('pledge_own')}/earmark", headers=h, json={
        "level": 3, "target": {"country": fund.objects["project_own"].lead_country_id},
        "consent_reference": "Note verbale 12/2025", "consent_date": "2025-05-01"})
    assert rearmarked.status_code == 200 and rearmarked.get_json()["earmark"]["level"] == 3
    statuses = client.get("/api/v1/pledges?status=written_off", headers=h).get_json()
    assert [p["id"] for p in statuses] == [pid]


def test_payments_allocations_expenditures_and_a_reversal(client, fund: Fund):
    h = fund.headers("finance")
    payment = created(client, "/api/v1/payments", _payment_body(fund, "20000.00"), h)
    assert payment["journal_entry_id"] and payment["usd_amount"] == "20000.00"
    allocation = created(client, "/api/v1/allocations", {
        "pledge_id": fund.id("pledge_own"), "project_id": fund.id("project_own"), "amount": "5000.00",
        "allocation_date": "2025-06-02"}, h)
    assert allocation["amount"] == "5000.00" and allocation["currency"] == "USD"
    officer = fund.headers("project_officer")
    spent = created(client, "/api/v1/expenditures", {
        "project_id": fund.id("project_own"), "amount": "1000.00", "currency": "EUR",
        "expenditure_date": "2025-06-03", "description": "Workshop in Nairobi"}, officer)
    assert (spent["amount"], spent["currency"], spent["usd_amount"]) == ("1000.00", "EUR", "1086.96")
    assert_error(client.post("/api/v1/expenditures", headers=officer, json={
        "project_id": fund.id("project_other"), "amount": "1.00", "currency": "USD",
        "expenditure_date": "2025-06-03", "description": "Not mine"}), 403)
    reversal = created(client, "/api/v1/reversals", {"entry_id": spent["journal_entry_id"],
                                                      "reason": "Charged to the wrong project"}, h)
    assert reversal["reverses_id"] == spent["journal_entry_id"]
    assert all(line["usd_amount"] for line in reversal["lines"])
    listed = client.get("/api/v1/reversals", headers=h).get_json()
    assert [r["id"] for r in listed] == [reversal["id"]]
    assert_error(client.post("/api/v1/reversals", headers=h, json={"entry_id": spent["journal_entry_id"],
                                                                   "reason": "twice"}), 409)


def test_rates_one_and_in_bulk(client, fund: Fund):
    h = fund.headers("finance")
    one = client.post("/api/v1/exchange-rates", headers=h,
                      json={"currency": "GBP", "effective_date": "2025-01-01", "units_per_usd": "0.79"})
    assert one.status_code == 201 and one.get_json()["units_per_usd"] == "0.79"
    corrected = client.post("/api/v1/exchange-rates", headers=h,
                            json={"currency": "GBP", "effective_date": "2025-01-01", "units_per_usd": "0.7901"})
    assert corrected.status_code == 200
    bulk = client.post("/api/v1/exchange-rates/bulk", headers=h, json={"rates": [
        {"currency": "JPY", "effective_date": "2025-01-01", "units_per_usd": "150"},
        {"currency": "GBP", "effective_date": "2025-02-01", "units_per_usd": "0.8"}]})
    assert bulk.get_json() == {"created": 2, "updated": 0}
    refused = client.post("/api/v1/exchange-rates/bulk", headers=h, json={"rates": [
        {"currency": "CHF", "effective_date": "2025-01-01", "units_per_usd": "0.9"},
        {"currency": "USD", "effective_date": "2025-01-01", "units_per_usd": "1"}]})
    assert_error(refused, 422, "rates.1.currency")
    chf = client.get("/api/v1/exchange-rates?currency=CHF", headers=h)
    assert chf.get_json() == [] and chf.headers["X-Total-Count"] == "0"  # all or nothing


def test_projects_create_update_beneficiaries(client, fund: Fund):
    officer = fund.headers("project_officer")
    instrument = client.get("/api/v1/instruments", headers=officer).get_json()[0]["id"]
    countries = {c["iso3"]: c["id"] for c in all_pages(client, "/api/v1/countries?per_page=100", officer)[0]}
    entity = client.get("/api/v1/implementing-entities", headers=officer).get_json()[0]["id"]
    project = created(client, "/api/v1/projects", {
        "code": "API/001", "title": "Border officers' training", "implementing_entity_id": entity,
        "start_date": "2025-01-01", "end_date": "2026-12-31", "beneficiary_ids": [countries["BGD"]],
        "instrument_ids": [instrument], "themes": ["smuggling_of_migrants"],
        "budget": [{"year": 2025, "amount": "50000.00"}]}, officer)
    assert project["officer_id"] == fund.users["project_officer"].id
    assert project["budget"] == [{"year": 2025, "original": "50000.00", "revised": None}]
    changed = client.patch(f"/api/v1/projects/{project['id']}", headers=officer,
                           json={"title": "Border officers' training, phase 1",
                                 "revised_budget": [{"year": 2025, "amount": "45000.00"}]})
    assert changed.get_json()["budget"][0]["revised"] == "45000.00"
    assert_error(client.patch(f"/api/v1/projects/{project['id']}", headers=officer, json={}), 422)
    assert_error(client.patch(f"/api/v1/projects/{fund.id('project_other')}", headers=officer,
                              json={"title": "Not mine"}), 404)
    added = client.post(f"/api/v1/projects/{project['id']}/beneficiaries", headers=officer,
                        json={"country_id": countries["NPL"]})
    assert added.status_code == 201 and added.get_json()["iso3"] == "NPL"
    assert_error(client.post(f"/api/v1/projects/{project['id']}/beneficiaries", headers=officer,
                             json={"country_id": countries["FRA"]}), 422, "beneficiary_ids")
    by_country = client.get(f"/api/v1/projects?country_id={countries['NPL']}", headers=officer).get_json()
    assert [p["code"] for p in by_country] == ["API/001"]


def test_periods_close_and_reopen(client, fund: Fund):
    finance, admin = fund.headers("finance"), fund.headers("admin")
    closed = client.post("/api/v1/periods/2024/close", headers=finance)
    assert closed.status_code == 200 and closed.get_json()["closed"] is True
    assert_error(client.post("/api/v1/payments", json={**_payment_body(fund), "received_date": "2024-06-01"},
                             headers=finance), 422, "received_date")
    assert_error(client.post("/api/v1/periods/2024/reopen", headers=finance, json={"reason": "x"}), 403)
    reopened = client.post("/api/v1/periods/2024/reopen", headers=admin, json={"reason": "Audit adjustment"})
    assert reopened.get_json()["closed"] is False
    assert [p["year"] for p in client.get("/api/v1/periods", headers=finance).get_json()] == [2024]


def test_reference_data_and_journal_reads(client, fund: Fund):
    h = fund.headers("auditor")
    kenya = next(c for c in client.get("/api/v1/countries?region=Africa&per_page=100", headers=h).get_json()
                 if c["iso3"] == "KEN")
    detail = client.get(f"/api/v1/countries/{kenya['id']}", headers=h).get_json()
    assert detail["status_history"] and detail["status"] == "developing"
    status = client.post(f"/api/v1/countries/{kenya['id']}/statuses", headers=fund.headers("admin"),
                         json={"status": "transition", "effective_from": "2030-01-01", "source": "test"})
    assert status.status_code == 201
    currencies = client.get("/api/v1/currencies?per_page=100", headers=h).get_json()
    assert {"code": "JPY", "name": "Yen", "exponent": 0} in currencies
    entry = client.get(f"/api/v1/journal-entries/{fund.objects['payment_own'].id}", headers=h).get_json()
    assert sum(Decimal(line["usd_amount"]) for line in entry["lines"]) == 0  # every entry balances
    lines = client.get(f"/api/v1/journal-lines?account=cash&donor_id={fund.id('donor_own')}", headers=h)
    assert lines.status_code == 200 and all(line["account"] == "cash" for line in lines.get_json())


def test_exports_stream_a_workbook_and_record_it(client, fund: Fund, session):
    before = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    # buffered: the stream is read within the request, as a WSGI server does, not after it by the test
    response = client.get("/api/v1/exports/trial-balance?date_from=2025-01-01&date_to=2025-12-31",
                          headers=fund.headers("auditor"), buffered=True)
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "attachment" in response.headers["Content-Disposition"]
    session.rollback()
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before + 1
    liaison = fund.headers("donor_liaison")
    own = client.get("/api/v1/exports/donor-statement?date_from=2025-01-01&date_to=2025-12-31", headers=liaison,
                     buffered=True)
    assert own.status_code == 200 and own.data[:2] == b"PK"
    assert_error(client.get(f"/api/v1/exports/donor-statement?date_from=2025-01-01&date_to=2025-12-31"
                            f"&donor_id={fund.id('donor_other')}", headers=liaison), 404)
    assert_error(client.get("/api/v1/exports/general-ledger?date_from=2025-01-01&date_to=2025-12-31",
                            headers=liaison), 403)
    names = [w["name"] for w in client.get("/api/v1/exports", headers=liaison).get_json()]
    assert names == ["donor-statement"]


def test_imports_dry_run_then_commit(client, fund: Fund, session):
    import io

    from fundtracker.imports.templates import build_template

    from ..imports.files import fill_template

    template = build_template(session, "expenditures")
    h = fund.headers("finance")
    garbage = client.post("/api/v1/imports/pledges/dry-run", headers=h,
                          data={"file": (io.BytesIO(b"not a workbook"), "x.xlsx")})
    assert garbage.status_code == 200 and garbage.get_json()["refused"]
    assert_error(client.post("/api/v1/imports/pledges/commit", headers=h,
                             data={"file": (io.BytesIO(b"not a workbook"), "x.xlsx")}), 422)
    assert_error(client.post("/api/v1/imports/pledges/dry-run", headers=h,
                             data={"file": (io.BytesIO(b"x"), "x.xlsx"), "extra": "1"}), 422, "extra")
    assert_error(client.post("/api/v1/imports/pledges/dry-run", headers=fund.headers("project_officer"),
                             data={"file": (io.BytesIO(b"x"), "x.xlsx")}), 403)
    assert template[:2] == b"PK" and callable(fill_template)


def test_users_and_tokens(client, fund: Fund):
    admin = fund.headers("admin")
    user = created(client, "/api/v1/users", {"email": "new.officer@example.org", "name": "New Officer",
                                              "role": "project_officer"}, admin)
    token = client.post(f"/api/v1/users/{user['id']}/tokens", headers=admin, json={"name": "script", "days": 7})
    assert token.status_code == 201 and token.get_json()["token"].startswith("ftk_")
    raw = token.get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).get_json()
    assert me["email"] == "new.officer@example.org"
    listed = client.get(f"/api/v1/users/{user['id']}/tokens", headers=admin).get_json()
    assert [t["prefix"] for t in listed] == [raw[:12]] and "token" not in listed[0]
    assert_error(client.get(f"/api/v1/users/{user['id']}/tokens", headers=fund.headers("finance")), 404)
    revoked = client.delete(f"/api/v1/tokens/{listed[0]['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401)
    disabled = client.post(f"/api/v1/users/{user['id']}/disable", headers=admin)
    assert disabled.get_json()["active"] is False
    assert_error(client.post(f"/api/v1/users/{fund.users['admin'].id}/disable", headers=admin), 409)
    events = client.get("/api/v1/audit-events?action=user&per_page=5", headers=fund.headers("auditor")).get_json()
    assert {e["action"] for e in events} >= {"user.create", "user.disable"}


def test_the_openapi_document_and_swagger_ui_are_served_from_the_app(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/v1/payments" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "http://" not in html and "https://" not in html
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                  "swagger-initializer.js"):
        assert f"/static/vendor/swagger-ui/{asset}" in html
        assert client.get(f"/static/vendor/swagger-ui/{asset}").status_code == 200


def test_a_read_only_request_runs_in_a_reader_transaction(app, client, fund: Fund):
    """SQLite: GETs begin with a plain BEGIN (readers never queue behind a writer); posts BEGIN IMMEDIATE."""
    from sqlalchemy import event

    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is how SQLite takes the write lock; PostgreSQL has no such choice")
    begins: list[str] = []

    def traced(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # What SQLite itself is sent: the BEGIN goes to the driver directly, past SQLAlchemy's events.
        dbapi_connection.set_trace_callback(lambda sql: begins.append(sql) if sql.startswith("BEGIN") else None)

    body = _payment_body(fund)
    db.session.commit()
    db.engine.dispose()  # every connection from here on is a new one, traced
    event.listen(db.engine, "connect", traced)
    try:
        assert client.get("/api/v1/payments", headers=fund.headers("admin")).status_code == 200
        reads = list(begins)
        begins.clear()
        assert client.post("/api/v1/payments", json=body, headers=fund.headers("admin")).status_code == 201
        writes = list(begins)
    finally:
        event.remove(db.engine, "connect", traced)
        db.engine.dispose()
    assert reads and all(b == "BEGIN" for b in reads), reads
    assert "BEGIN IMMEDIATE" in writes, writes


def test_dates_and_days_are_iso(client, fund: Fund):
    payment = client.get(f"/api/v1/payments/{fund.id('payment_own')}", headers=fund.headers("admin")).get_json()
    assert dt.date.fromisoformat(payment["received_date"]) and dt.date.fromisoformat(payment["rate_date"])
