"""Pledge imports: every refusal in plain words by row and cell, add / update / unchanged, all or nothing."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fundtracker.audit.models import AuditEvent
from fundtracker.contributions.models import ANNOUNCED, CONFIRMED, Pledge, PledgeAmendment
from fundtracker.contributions.services import current_amount
from fundtracker.errors import Conflict, PermissionDenied
from fundtracker.imports import Action, ImportRefused, Limits, build_template, commit_import, dry_run
from fundtracker.ledger.services import close_period

from .conftest import row_counts
from .files import big_rows, fill_template, pledge_row, workbook


def problems_of(report, row: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{p.column}: {p.message}" for p in report.problems if p.row == row]


def test_dry_run_reports_every_problem_by_row_and_cell_and_writes_nothing(session, finance, donors, rates,
                                                                          make):
    project = make.project(code="KEN/2026/01")
    close_period(session, 2024, actor=make.system)
    make.pledge(donors["Norway"], "70000.00", "NOK", on="2026-02-10")
    rows = [
        pledge_row("Germany", "1000.00", key="ok", currency="EUR"),                           # row 2
        pledge_row("Frnace", "1000.00", key="r3", currency="EUR"),                            # unknown donor
        pledge_row("Germany", "1000.00", key="r4", currency="EUX"),                           # not ISO 4217
        pledge_row("Japan", "1000.5", key="r5", currency="JPY"),                              # decimals
        pledge_row("Kuwait", "1.2345", key="r6", currency="KWD"),                             # decimals
        pledge_row("Germany", "500.00", key="r7", currency="EUR", on=dt.date(2024, 6, 1)),   # closed year
        pledge_row("Germany", "500.00", key="r8", currency="EUR", earmark_level=4,
                   earmark_project="NOPE/1"),                                              # no such target
        pledge_row("Norway", "70000.00", key="r9", currency="NOK", on=dt.date(2026, 2, 10)), # duplicate
        pledge_row("Germany", "-250.00", key="r10", currency="EUR"),                         # negative
        pledge_row("Germany", "750.00", key="r11", currency="EUR", earmark_level=3),         # no target
        pledge_row("Germany", "800.00", key="r12", currency="EUR", earmark_level=4,
                   earmark_project=project.code),                                          # fine
        pledge_row("Germany", "1000.00", key="ok", currency="EUR"),                           # key repeated
    ]
    before = row_counts(session)
    events = session.query(AuditEvent).count()
    report = dry_run(session, "pledges", workbook(rows), actor=finance, filename="pledges.xlsx")
    assert row_counts(session) == before
    assert session.query(AuditEvent).count() == events + 1
    assert not report.ok
    by_row = {r.row: r for r in report.rows}
    assert by_row[2].action == Action.ADD and by_row[12].action == Action.ADD
    assert "Donor: Unknown donor \"Frnace\"" in problems_of(report, 3)[0]
    assert "\"EUX\" is not an ISO 4217 currency" in problems_of(report, 4)[0]
    assert "JPY amounts have no decimals; 1000.5 has more" in problems_of(report, 5)[0]
    assert "KWD amounts have 3 decimal places; 1.2345 has more" in problems_of(report, 6)[0]
    assert problems_of(report, 7) == ["Pledge date: The financial year 2024 is closed, so nothing can be "
                                      "posted with a date in it. Post the correction with a date in an open "
                                      "year and refer to the original."]
    assert "The earmark target \"NOPE/1\" does not exist" in problems_of(report, 8)[0]
    assert "Duplicate of pledge" in problems_of(report, 9)[0]
    assert problems_of(report, 10) == ["Amount: A pledge must be a positive amount; -250.00 is negative."]
    assert "needs exactly one target" in problems_of(report, 11)[0]
    assert "Row 2 has the same key" in problems_of(report, 13)[0]
    cells = {p.row: p.cell for p in report.problems if p.column == "Amount"}
    assert cells[5] == "E5" and cells[10] == "E10"
    text = "\n".join(report.lines())
    assert "10 with problems" in text


def test_commit_is_all_or_nothing(session, finance, donors, rates):
    rows = [pledge_row("Germany", "1000.00", key="a", currency="EUR"),
            pledge_row("Japan", "1000.5", key="b", currency="JPY")]
    before = row_counts(session)
    with pytest.raises(ImportRefused) as refused:
        commit_import(session, "pledges", workbook(rows), actor=finance)
    assert row_counts(session) == before
    assert refused.value.report.counts["error"] == 1
    assert "Row 3, Amount (E3)" in refused.value.errors
    assert session.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc())).scalars().first() \
        == "import.refused"


def test_service_refusal_in_a_late_row_undoes_the_earlier_rows(session, finance, donors, rates, make):
    """A rule only the service knows (a closed year) refuses the file after other rows went through."""
    close_period(session, 2024, actor=make.system)
    rows = [pledge_row("Germany", f"{100 + i}.00", key=f"k{i}", currency="EUR") for i in range(5)]
    rows.append(pledge_row("Germany", "10.00", key="late", currency="EUR", on=dt.date(2024, 12, 31)))
    before = row_counts(session)
    with pytest.raises(ImportRefused) as refused:
        commit_import(session, "pledges", workbook(rows), actor=finance)
    assert row_counts(session) == before
    assert [p.row for p in refused.value.report.problems] == [7]


def test_add_then_unchanged_then_update_by_key(session, finance, donors, rates):
    rows = [pledge_row("Germany", "1000.00", key="DEU-1", currency="EUR", status=ANNOUNCED),
            pledge_row("Japan", "2000000", key="JPN-1", currency="JPY"),
            pledge_row("Norway", "500.00", currency="NOK")]  # no key: identified by its cells
    first = commit_import(session, "pledges", workbook(rows), actor=finance)
    assert first.counts["add"] == 3 and first.committed
    assert first.rows[2].key.startswith("#")

    again = dry_run(session, "pledges", workbook(rows), actor=finance)
    assert again.ok and again.counts["unchanged"] == 3 and again.counts["add"] == 0

    changed = [pledge_row("Germany", "1200.00", key="DEU-1", currency="EUR", status=CONFIRMED,
                          amendment_date=dt.date(2026, 5, 1), amendment_reason="Donor raised its pledge"),
               rows[1], rows[2]]
    report = dry_run(session, "pledges", workbook(changed), actor=finance)
    assert report.ok, report.lines()
    assert [r.action for r in report.rows] == [Action.UPDATE, Action.UNCHANGED, Action.UNCHANGED]
    assert report.rows[0].changes == ["status: announced -> confirmed",
                                      "amount: 1000.00 EUR -> 1200.00 EUR (an amendment)"]
    before = row_counts(session)
    commit_import(session, "pledges", workbook(changed), actor=finance)
    assert row_counts(session)["pledge"] == before["pledge"]
    pledge = session.execute(select(Pledge).where(Pledge.external_key == "import:DEU-1")).scalar_one()
    assert pledge.state == CONFIRMED and current_amount(session, pledge) == 120_000
    amendment = session.query(PledgeAmendment).filter_by(pledge_id=pledge.id).one()
    assert amendment.reason == "Donor raised its pledge"


def test_amount_change_without_reason_and_fixed_fields_are_refused(session, finance, donors, rates):
    commit_import(session, "pledges", workbook([pledge_row("Germany", "1000.00", key="D", currency="EUR")]),
                  actor=finance)
    report = dry_run(session, "pledges", workbook([
        pledge_row("Germany", "1100.00", key="D", currency="EUR", on=dt.date(2026, 3, 9))]), actor=finance)
    found = problems_of(report, 2)
    assert any(m.startswith("Pledge date: Pledge") and "cannot be changed by an import" in m for m in found)
    assert any(m.startswith("Amendment reason: The amount differs") for m in found)
    report = dry_run(session, "pledges", workbook([pledge_row("Japan", "1000.00", key="D", currency="EUR")]),
                     actor=finance)
    assert "has another donor (Germany)" in problems_of(report, 2)[0]


def test_template_round_trip_skips_the_example_row(session, finance, donors, rates):
    template = build_template(session, "pledges", actor=finance)
    filled = fill_template(template, [pledge_row("Germany", Decimal("1000.5"), key="T1", currency="EUR")])
    report = commit_import(session, "pledges", filled, actor=finance)
    assert [(r.row, r.action) for r in report.rows] == [(2, Action.SKIP), (3, Action.ADD)]
    pledge = session.execute(select(Pledge).where(Pledge.external_key == "import:T1")).scalar_one()
    assert pledge.original_minor == 100_050 and pledge.currency == "EUR"


def test_commit_refuses_a_file_other_than_the_one_checked(session, finance, donors, rates):
    checked = dry_run(session, "pledges", workbook([pledge_row("Germany", "1.00", currency="EUR")]),
                      actor=finance)
    other = workbook([pledge_row("Germany", "2.00", currency="EUR")])
    with pytest.raises(Conflict):
        commit_import(session, "pledges", other, actor=finance, expected_sha256=checked.sha256)


@pytest.mark.parametrize("role", ["project_officer", "donor_liaison", "auditor"])
def test_only_finance_and_admin_import_pledges(session, make, donors, role):
    donor = next(iter(donors.values()))
    user = make.user(role, donor_id=donor.id)
    data = workbook([pledge_row("Germany", "1.00", currency="EUR")])
    before = session.query(AuditEvent).count()
    with pytest.raises(PermissionDenied):
        dry_run(session, "pledges", data, actor=user)
    with pytest.raises(PermissionDenied):
        commit_import(session, "pledges", data, actor=user)
    with pytest.raises(PermissionDenied):
        build_template(session, "pledges", actor=user)
    assert session.query(AuditEvent).count() == before


def test_admin_imports_pledges(session, make, donors, rates):
    admin = make.user("admin")
    data = workbook([pledge_row("Japan", "100", currency="JPY")])
    report = commit_import(session, "pledges", data, actor=admin)
    assert report.counts["add"] == 1


@pytest.mark.slow
def test_ten_thousand_pledges_in_one_commit_then_nothing_added(session, finance, donors, rates):
    data = workbook(big_rows(10_000))
    before = row_counts(session)
    started = time.perf_counter()
    report = commit_import(session, "pledges", data, actor=finance, filename="big.xlsx")
    session.commit()  # the one commit
    elapsed = time.perf_counter() - started
    after = row_counts(session)
    assert report.counts["add"] == 10_000
    assert after["pledge"] - before["pledge"] == 10_000
    assert after["journal_entry"] - before["journal_entry"] == 10_000
    audit = session.execute(select(AuditEvent).where(AuditEvent.action == "import.commit")).scalar_one()
    assert '"add":10000' in (audit.after or "")
    print(f"\n10,000 pledges committed in {elapsed:.1f} s ({10_000 / elapsed:,.0f} rows/s)")

    started = time.perf_counter()
    again = dry_run(session, "pledges", data, actor=finance)
    assert again.ok and again.counts == {"add": 0, "update": 0, "unchanged": 10_000, "skip": 0, "error": 0}
    report = commit_import(session, "pledges", data, actor=finance)
    session.commit()
    print(f"re-import: dry run and commit in {time.perf_counter() - started:.1f} s, {report.counts}")
    assert row_counts(session) == after
    total = session.execute(select(func.count()).select_from(Pledge).where(
        Pledge.external_key.like("import:BIG-%"))).scalar_one()
    assert total == 10_000


def test_time_bound_stops_the_run_and_writes_nothing(session, finance, donors, rates):
    data = workbook(big_rows(50))
    before = row_counts(session)
    report = dry_run(session, "pledges", data, actor=finance, limits=Limits(max_seconds=0))
    assert report.refused and report.refused.startswith("Checking stopped after 0 seconds, at row 2 of 51")
    with pytest.raises(ImportRefused):
        commit_import(session, "pledges", data, actor=finance, limits=Limits(max_seconds=0))
    assert row_counts(session) == before
