"""`flask export`: the command-line door to export_workbook(), with a progress bar on a terminal."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from ..auth.models import User
from ..auth.services import system_actor
from ..errors import DomainError
from ..extensions import db
from .services import WORKBOOK_NAMES, expected_rows, export_workbook


def _date(_ctx: click.Context, _param: click.Parameter, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date written as YYYY-MM-DD.") from exc


@click.command("export")
@click.argument("workbook", type=click.Choice(WORKBOOK_NAMES))
@click.option(
    "--from", "date_from", required=True, callback=_date, help="first day of the period, YYYY-MM-DD"
)
@click.option("--to", "date_to", required=True, callback=_date, help="last day of the period, YYYY-MM-DD")
@click.option("--donor", "donor_id", type=int, help="donor id (required for donor-statement)")
@click.option("--project", "project_id", type=int, help="project id (required for project-statement)")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the .xlsx file to write",
)
@click.option("--as", "as_email", help="act as this user (default: the system account, an administrator)")
def export(
    workbook: str,
    date_from: dt.date,
    date_to: dt.date,
    donor_id: int | None,
    project_id: int | None,
    out: Path,
    as_email: str | None,
) -> None:
    """Export a workbook to FILE, with the same permissions and audit event as the portal and the API."""
    session = db.session
    if as_email:
        actor = session.execute(
            select(User).where(func.lower(User.email) == as_email.strip().lower())
        ).scalar()
        if actor is None or not actor.active:
            raise click.ClickException(f"No active user {as_email}.")
    else:
        actor = system_actor(session)
    bars: list[Any] = []  # the progress bar, once it exists (rows are counted while the file is written)

    def progress(rows: int) -> None:
        if bars:
            bars[0].update(rows)

    try:
        filename, chunks = export_workbook(
            session,
            workbook,
            actor=actor,
            date_from=date_from,
            date_to=date_to,
            donor_id=donor_id,
            project_id=project_id,
            progress=progress,
        )
        # The export is recorded before a byte is written, even if writing the file fails later.
        session.commit()
    except DomainError as exc:
        session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(exc.message + (f" ({details})" if details else "")) from exc
    total = (
        expected_rows(
            session, workbook, date_from=date_from, date_to=date_to, donor_id=donor_id, project_id=project_id
        )
        if sys.stdout.isatty()
        else None
    )
    partial = out.with_name(out.name + ".part")
    written = 0
    with partial.open("wb") as handle, contextlib.ExitStack() as stack:
        if total:
            bars.append(
                stack.enter_context(
                    click.progressbar(length=total, label=f"Writing {workbook}", show_pos=True)
                )
            )
        for chunk in chunks:
            handle.write(chunk)
            written += len(chunk)
    os.replace(partial, out)
    session.commit()
    click.echo(f"{out}: {written:,} bytes ({filename})")
