"""`flask import KIND FILE [--commit] [--as EMAIL]` and `flask import-template KIND --out FILE`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy import func, select

from ..errors import DomainError
from ..extensions import db
from .limits import DEFAULT_LIMITS
from .report import ImportRefused
from .services import KINDS, SHEET_KINDS, commit_import, dry_run
from .templates import build_template


def register_import_commands(app: Flask) -> None:
    app.cli.add_command(import_command)
    app.cli.add_command(import_template_command)


def _actor(email: str | None) -> Any:
    from ..auth.models import User
    from ..auth.services import system_actor

    if not email:
        return system_actor(db.session)
    user = db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar()
    if user is None or not user.active:
        raise click.UsageError(f"No active user has the email {email}.")
    return user


class _Progress:
    """A click progress bar, drawn only when a person watches (stdout is a terminal)."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.done = label, None, 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stdout)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _read(path: Path, limit: int) -> bytes:
    # Read one byte past the limit, never the whole of an oversized file: the size check then refuses it.
    with path.open("rb") as handle:
        return handle.read(limit + 1)


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit", "do_commit", is_flag=True, help="Write the rows, all or none (default: a dry run).")
@click.option("--as", "as_email", metavar="EMAIL", help="Act as this user (default: the system account).")
@click.option("--all-rows", is_flag=True, help="List every row, not only those with problems.")
def import_command(kind: str, file: Path, do_commit: bool, as_email: str | None, all_rows: bool) -> None:
    """Import pledges, payments, projects, expenditures (.xlsx) or UN rates (XML, CSV); dry run by default."""
    actor = _actor(as_email)
    limit = DEFAULT_LIMITS.max_rate_bytes if kind == "rates" else DEFAULT_LIMITS.max_bytes
    data = _read(file, limit)
    progress = _Progress(("Importing " if do_commit else "Checking ") + kind) if sys.stdout.isatty() else None
    try:
        if do_commit:
            report = commit_import(db.session, kind, data, actor=actor, filename=file.name, progress=progress)
        else:
            report = dry_run(db.session, kind, data, actor=actor, filename=file.name, progress=progress)
        db.session.commit()
    except ImportRefused as refused:
        db.session.commit()  # nothing of the file was written; this keeps the audit event of the attempt
        report = refused.report
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Refused: {error.message}", err=True)
        sys.exit(1)
    finally:
        if progress is not None:
            progress.close()
    for line in report.lines(all_rows=all_rows):
        click.echo(line)
    if not report.ok:
        sys.exit(1)


@click.command("import-template")
@click.argument("kind", type=click.Choice(SHEET_KINDS))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the .xlsx template.")
def import_template_command(kind: str, out: Path) -> None:
    """Write the .xlsx template for importing KIND (headings, an example row, drop-down lists)."""
    out.write_bytes(build_template(db.session, kind))
    click.echo(f"{kind} template written to {out}")
