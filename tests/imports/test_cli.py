"""`flask import` and `flask import-template`: the report, the exit code, acting as a user."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from fundtracker.audit.models import AuditEvent
from fundtracker.contributions.models import Pledge
from fundtracker.extensions import db

from .files import pledge_row, workbook


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_dry_run_then_commit_then_nothing_new(app, session, donors, rates, tmp_path: Path):
    session.commit()
    path = tmp_path / "pledges.xlsx"
    path.write_bytes(workbook([pledge_row("Germany", "10.00", key="C1", currency="EUR"),
                               pledge_row("Japan", "1000", key="C2", currency="JPY")]))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["import", "pledges", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 rows checked (dry run, nothing written): 2 to add" in result.output
    assert _count(Pledge) == 0

    result = runner.invoke(args=["import", "pledges", str(path), "--commit"])
    assert result.exit_code == 0, result.output
    assert "2 rows imported: 2 added" in result.output
    db.session.remove()
    assert _count(Pledge) == 2

    result = runner.invoke(args=["import", "pledges", str(path), "--commit", "--all-rows"])
    assert result.exit_code == 0
    assert "0 added, 0 updated, 2 unchanged" in result.output
    assert "Row 3 [C2]: unchanged pledge of Japan, 1000 JPY" in result.output


def test_a_refused_file_exits_non_zero_and_writes_nothing(app, session, donors, rates, tmp_path: Path):
    session.commit()
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook([pledge_row("Germany", "10.00", currency="EUR"),
                               pledge_row("Nowhere", "5.00", currency="EUR")]))
    runner = app.test_cli_runner()
    for args in (["import", "pledges", str(path)], ["import", "pledges", str(path), "--commit"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert "Row 3: refused" in result.output and "Unknown donor \"Nowhere\"" in result.output
    db.session.remove()
    assert _count(Pledge) == 0
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "import")
                                 .order_by(AuditEvent.id)).scalars().all()
    assert actions == ["import.dry_run", "import.refused"]

    (tmp_path / "bomb.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    result = runner.invoke(args=["import", "pledges", str(tmp_path / "bomb.xlsx")])
    assert result.exit_code == 1 and "The file was refused: The file is damaged" in result.output


def test_acting_as_a_user_applies_their_permissions(app, session, make, donors, tmp_path: Path):
    make.user("project_officer", email="po@example.org")
    session.commit()
    path = tmp_path / "pledges.xlsx"
    path.write_bytes(workbook([pledge_row("Germany", "10.00", currency="EUR")]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "pledges", str(path), "--as", "PO@example.org"])
    assert result.exit_code == 1 and "Only finance officers and administrators" in result.output
    result = runner.invoke(args=["import", "pledges", str(path), "--as", "nobody@example.org"])
    assert result.exit_code == 2 and "No active user has the email" in result.output


def test_template_command_writes_a_workbook(app, session, donors, tmp_path: Path):
    session.commit()
    out = tmp_path / "t.xlsx"
    result = app.test_cli_runner().invoke(args=["import-template", "payments", "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["Payments", "Lists", "Instructions"]
    assert [c.value for c in book["Payments"][1]][:3] == ["Key", "Pledge (number or key)", "Donor"]
