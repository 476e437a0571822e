"""Payments, projects and expenditures imports, and who may import what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from fundtracker.allocations.models import Expenditure
from fundtracker.contributions.models import Payment
from fundtracker.errors import PermissionDenied
from fundtracker.imports import Action, ImportRefused, build_template, commit_import, dry_run
from fundtracker.imports.expenditures import ExpenditureHandler
from fundtracker.imports.payments import PaymentHandler
from fundtracker.imports.projects import ProjectHandler
from fundtracker.projects.models import Project

from .conftest import row_counts
from .files import fill_template, workbook

PAYMENT = [c.heading for c in PaymentHandler.columns]
PROJECT = [c.heading for c in ProjectHandler.columns]
EXPENDITURE = [c.heading for c in ExpenditureHandler.columns]


def payment_row(**values):  # type: ignore[no-untyped-def]
    return [values.get(c.field) for c in PaymentHandler.columns]


def project_row(**values):  # type: ignore[no-untyped-def]
    defaults = {"title": "Border management", "implementing_entity": "UNODC",
                "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2027, 12, 31),
                "lead_country": "KEN - Kenya", "lead_instrument": "UNTOC"}
    merged = {**defaults, **values}
    return [merged.get(c.field) for c in ProjectHandler.columns]


def expenditure_row(**values):  # type: ignore[no-untyped-def]
    return [values.get(c.field) for c in ExpenditureHandler.columns]


def test_payments_by_pledge_key_number_and_donor_then_unchanged(session, finance, donors, rates, make):
    commit_import(session, "pledges", workbook([
        ["DEU-1", "Germany", dt.date(2026, 2, 1), "EUR", "1000.00"]]), actor=finance)
    numbered = make.pledge(donors["Japan"], "500000", "JPY", on="2026-02-01")
    rows = [payment_row(key="BANK-1", pledge="DEU-1", received_date=dt.date(2026, 3, 1), currency="EUR",
                        amount="400.00"),
            payment_row(key="BANK-2", pledge=str(numbered.id), received_date=dt.date(2026, 3, 2),
                        currency="JPY", amount="250000"),
            payment_row(donor="Norway", received_date=dt.date(2026, 3, 3), currency="NOK", amount="1050.00")]
    data = workbook(rows, PAYMENT, title="Payments")
    report = commit_import(session, "payments", data, actor=finance)
    assert report.counts["add"] == 3, report.lines()
    assert "a new paid pledge of Norway" in report.rows[2].summary
    paid = session.execute(select(Payment).where(Payment.external_key == "import:BANK-1")).scalar_one()
    assert paid.amount_minor == 40_000 and paid.usd_minor == 43_478  # 400 EUR at 0.92
    again = dry_run(session, "payments", data, actor=finance)
    assert again.ok and again.counts["unchanged"] == 3


def test_payment_problems(session, finance, donors, rates, make):
    pledge = make.pledge(donors["Germany"], "100.00", "EUR", on="2026-02-01")
    make.payment(pledge, "50.00", on="2026-02-05", external_key="import:OLD")
    rows = [payment_row(pledge="NOPE", received_date=dt.date(2026, 3, 1), currency="EUR", amount="1.00"),
            payment_row(pledge=str(pledge.id), received_date=dt.date(2026, 3, 1), currency="EUR",
                        amount="60.00"),  # more than is still due
            payment_row(pledge=str(pledge.id), received_date=dt.date(2026, 3, 1), currency="USD",
                        amount="1.00"),
            payment_row(key="OLD", pledge=str(pledge.id), received_date=dt.date(2026, 2, 6), currency="EUR",
                        amount="50.00"),  # a posted payment cannot change
            payment_row(received_date=dt.date(2026, 3, 1), currency="EUR", amount="1.00")]
    before = row_counts(session)
    report = dry_run(session, "payments", workbook(rows, PAYMENT, title="Payments"), actor=finance)
    found = {p.row: f"{p.column}: {p.message}" for p in report.problems}
    assert found[2].startswith("Pledge (number or key): No pledge has the number or import key \"NOPE\"")
    assert "more than the 50.00 EUR still due" in found[3]
    assert found[4].startswith("Currency: The pledge is in EUR")
    assert "never changed by an import" in found[5]
    assert "Give the pledge this payment settles" in found[6]
    assert row_counts(session) == before


def test_projects_add_then_update_title_and_status(session, finance, make):
    officer = make.user("project_officer", email="ana@example.org")
    rows = [project_row(code="KEN/2026/01", other_countries="UGA, TZA", other_instruments="TIP",
                        themes="trafficking in persons, firearms", officer="ana@example.org")]
    data = workbook(rows, PROJECT, title="Projects")
    report = commit_import(session, "projects", data, actor=finance)
    assert report.counts["add"] == 1, report.lines()
    project = session.execute(select(Project).where(Project.code == "KEN/2026/01")).scalar_one()
    assert project.officer_id == officer.id and len(project.beneficiaries) == 3
    assert dry_run(session, "projects", data, actor=finance).counts["unchanged"] == 1

    rows[0][PROJECT.index("Title")] = "Border management and trafficking"
    rows[0][PROJECT.index("Status")] = "closing"
    report = commit_import(session, "projects", workbook(rows, PROJECT, title="Projects"), actor=finance)
    assert report.rows[0].action == Action.UPDATE
    assert report.rows[0].changes == ["title: Border management -> Border management and trafficking",
                                      "status: active -> closing"]
    session.refresh(project)
    assert project.title == "Border management and trafficking" and project.status == "closing"


def test_project_problems(session, finance):
    rows = [project_row(code="DEU/2026/01", lead_country="DEU"),  # a developed economy
            project_row(code="X/1", implementing_entity="NOBODY", lead_instrument="XYZ", themes="gardening"),
            project_row(code="X/2", end_date=dt.date(2025, 1, 1))]
    report = dry_run(session, "projects", workbook(rows, PROJECT, title="Projects"), actor=finance)
    found = [f"{p.row} {p.column}: {p.message}" for p in report.problems]
    assert any(f.startswith("2 Lead beneficiary country: Germany is a developed economy") for f in found)
    assert any(f.startswith("3 Implementing entity: \"NOBODY\"") for f in found)
    assert any(f.startswith("3 Lead instrument: \"XYZ\" is not a known instrument") for f in found)
    assert any(f.startswith("3 Themes: Unknown theme(s): gardening") for f in found)
    assert any(f.startswith("4 End date: The project cannot end before it starts") for f in found)


def test_officer_imports_expenditure_on_own_projects_only(session, make, finance):
    officer = make.user("project_officer")
    other = make.user("project_officer")
    pledge, mine = make.funded_project("10000.00", code="MINE/1", officer_id=officer.id)
    _, theirs = make.funded_project("10000.00", code="THEIRS/1", officer_id=other.id)
    template = build_template(session, "expenditures", actor=officer)
    data = fill_template(template, [
        expenditure_row(key="V-1", project="MINE/1", expenditure_date=dt.date(2026, 4, 1), currency="USD",
                        amount="884.96", description="Workshop"),
        expenditure_row(key="V-2", project="THEIRS/1", expenditure_date=dt.date(2026, 4, 1), currency="USD",
                        amount="10.00", description="Taxi")])
    before = row_counts(session)
    with pytest.raises(ImportRefused) as refused:
        commit_import(session, "expenditures", data, actor=officer)
    assert row_counts(session) == before
    assert [(p.row, p.column) for p in refused.value.report.problems] == [(4, "Project code")]
    assert "You are not the officer of project THEIRS/1" in refused.value.report.problems[0].message

    only_mine = fill_template(template, [expenditure_row(key="V-1", project="MINE/1",
                                                         expenditure_date=dt.date(2026, 4, 1), currency="USD",
                                                         amount="884.96", description="Workshop")])
    report = commit_import(session, "expenditures", only_mine, actor=officer)
    assert report.counts == {"add": 1, "update": 0, "unchanged": 0, "skip": 1, "error": 0}
    spent = session.execute(select(Expenditure).where(Expenditure.external_key == "import:V-1")).scalar_one()
    assert spent.usd_minor == 88_496 and spent.project_id == mine.id
    assert dry_run(session, "expenditures", only_mine, actor=officer).counts["unchanged"] == 1
    with pytest.raises(PermissionDenied):
        dry_run(session, "pledges", only_mine, actor=officer)


def test_expenditure_over_the_ceiling_is_refused_by_the_service(session, finance, make):
    _, project = make.funded_project("1000.00", code="SMALL/1")
    row = expenditure_row(project="SMALL/1", expenditure_date=dt.date(2026, 5, 1), currency="USD",
                          amount="950.00", description="Too much")  # the ceiling is 1000 / 1.13 = 884.95
    data = workbook([row], EXPENDITURE, title="Expenditures")
    report = dry_run(session, "expenditures", data, actor=finance)
    assert [p.column for p in report.problems] == ["Amount"]
    assert "more than the project can still spend" in report.problems[0].message
