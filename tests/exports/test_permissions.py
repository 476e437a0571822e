"""Who may export what, through the service and the CLI: a liaison gets its own statement and nothing else."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from fundtracker.audit.models import AuditEvent
from fundtracker.errors import InvalidInput, NotFound, PermissionDenied
from fundtracker.exports.digest import workbook_sha256
from fundtracker.exports.services import WORKBOOK_NAMES, export_workbook

from .conftest import PERIOD, export_bytes, load

FUND_WIDE = (
    "project-statement",
    "trial-balance",
    "contributions-by-year",
    "allocations-psc",
    "exchange-rates",
)


def attempt(session, actor, name, books, **filters):  # type: ignore[no-untyped-def]
    if name == "donor-statement":
        filters.setdefault("donor_id", books.donors[0].id)
    if name == "project-statement":
        filters.setdefault("project_id", books.projects[0].id)
    return export_bytes(session, name, actor, **filters)


def export_count(session) -> int:  # type: ignore[no-untyped-def]
    return session.execute(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "export.workbook")
    ).scalar_one()


@pytest.mark.parametrize("role", ["auditor", "admin", "finance"])
@pytest.mark.parametrize("name", WORKBOOK_NAMES)
def test_auditors_admins_and_finance_export_everything(session, books, role, name):  # type: ignore[no-untyped-def]
    before = export_count(session)
    assert attempt(session, books.users[role], name, books)[:2] == b"PK"
    assert export_count(session) == before + 1


@pytest.mark.parametrize("name", WORKBOOK_NAMES)
def test_a_project_officer_exports_project_statements_and_fund_wide_figures(session, books, name):  # type: ignore[no-untyped-def]
    officer = books.users["officer"]
    if name in FUND_WIDE:
        assert attempt(session, officer, name, books)[:2] == b"PK"
    else:
        with pytest.raises(PermissionDenied):
            attempt(session, officer, name, books)


def test_a_donor_liaison_gets_its_own_statement_only(session, books):  # type: ignore[no-untyped-def]
    liaison = books.users["liaison"]
    data = attempt(session, liaison, "donor-statement", books, donor_id=books.donors[0].id)
    recomputed, recorded = workbook_sha256(io.BytesIO(data))
    assert recomputed == recorded
    other = books.donors[1]
    before = export_count(session)
    with pytest.raises(NotFound):
        attempt(session, liaison, "donor-statement", books, donor_id=other.id)
    with pytest.raises(NotFound):
        attempt(session, liaison, "donor-statement", books, donor_id=999_999)
    for name in WORKBOOK_NAMES:
        if name != "donor-statement":
            with pytest.raises(PermissionDenied):
                attempt(session, liaison, name, books)
    assert export_count(session) == before  # a refused export records nothing and returns no bytes


def test_a_liaisons_statement_shows_no_other_donor(session, books):  # type: ignore[no-untyped-def]
    data = attempt(session, books.users["liaison"], "donor-statement", books, donor_id=books.donors[0].id)
    texts = {
        str(c.value) for sheet in load(data) for row in sheet.iter_rows() for c in row if c.value is not None
    }
    others = {d.name for d in books.donors[1:]} | {"'" + d.name for d in books.donors[1:]}
    assert f"'{books.donors[0].name} (id {books.donors[0].id})" in texts  # its own, in the metadata filters
    assert not texts & others


def test_refusals_say_what_is_wrong(session, books):  # type: ignore[no-untyped-def]
    auditor = books.users["auditor"]
    cases = [
        ({"name": "no-such-book"}, "workbook"),
        ({"name": "donor-statement"}, "donor_id"),
        ({"name": "project-statement"}, "project_id"),
        ({"name": "exchange-rates", "donor_id": books.donors[0].id}, "donor_id"),
        ({"name": "trial-balance", "date_from": dt.date(2026, 1, 1)}, "date_from"),
    ]
    for kwargs, field in cases:
        name = kwargs.pop("name")
        arguments = {"date_from": PERIOD[0], "date_to": PERIOD[1], **kwargs}
        with pytest.raises(InvalidInput) as refused:
            export_workbook(session, name, actor=auditor, **arguments)
        assert field in refused.value.errors
    with pytest.raises(NotFound):
        export_workbook(
            session,
            "donor-statement",
            actor=auditor,
            date_from=PERIOD[0],
            date_to=PERIOD[1],
            donor_id=999_999,
        )


def _cli(app, *args):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["export", *args])


def test_the_cli_exports_with_the_same_rules(app, session, books, tmp_path):  # type: ignore[no-untyped-def]
    liaison_email = books.users["liaison"].email
    own, other = str(books.donors[0].id), str(books.donors[1].id)
    session.commit()  # the command runs in its own application context and session
    period = ["--from", "2025-01-01", "--to", "2025-12-31"]

    refused = tmp_path / "other.xlsx"
    result = _cli(
        app, "donor-statement", *period, "--donor", other, "--out", str(refused), "--as", liaison_email
    )
    assert result.exit_code != 0 and "Not found" in result.output and not refused.exists()
    result = _cli(app, "general-ledger", *period, "--out", str(refused), "--as", liaison_email)
    assert result.exit_code != 0 and not refused.exists()

    mine = tmp_path / "mine.xlsx"
    result = _cli(app, "donor-statement", *period, "--donor", own, "--out", str(mine), "--as", liaison_email)
    assert result.exit_code == 0, result.output
    recomputed, recorded = workbook_sha256(mine)
    assert recomputed == recorded

    ledger = tmp_path / "gl.xlsx"
    result = _cli(app, "general-ledger", *period, "--out", str(ledger))
    assert result.exit_code == 0, result.output
    assert load(ledger.read_bytes())["General ledger"].max_row > 10
    result = _cli(app, "general-ledger", "--from", "2025-13-01", "--to", "2025-12-31", "--out", str(ledger))
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output
