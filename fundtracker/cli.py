"""Flask CLI commands: seed, verify-ledger (and the user commands of the auth package)."""

from __future__ import annotations

import sys

import click
from flask import Flask

from .extensions import db


def register_cli(app: Flask) -> None:
    from .auth.cli import register_auth_cli

    app.cli.add_command(seed)
    app.cli.add_command(verify_ledger)
    app.cli.add_command(__import__("fundtracker.exports.cli", fromlist=["export"]).export)
    register_auth_cli(app)
    __import__("fundtracker.imports.cli", fromlist=["cli"]).register_import_commands(app)


@click.command("seed")
@click.argument("what", type=click.Choice(["reference", "demo", "all"]), default="all")
def seed(what: str) -> None:
    """Load reference data and/or the demo data set (idempotent)."""
    from .demo import demo_logins, seed_demo
    from .seeding import seed_reference

    if what in ("reference", "all"):
        counts = seed_reference(db.session)
        db.session.commit()
        click.echo("reference: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
    if what in ("demo", "all"):
        counts = seed_demo(db.session)
        db.session.commit()
        if counts:
            click.echo("demo: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
        else:
            click.echo("demo: already present, nothing changed")
        click.echo("demo logins (role, email, password):")
        for role, email, password in demo_logins():
            click.echo(f"  {role:16} {email:34} {password}")


@click.command("verify-ledger")
def verify_ledger() -> None:
    """Re-derive every balance from the journal, check chains and invariants; exit 1 on any violation."""
    from .database import read_only_intent
    from .ledger.verify import verify_ledger as run
    from .money import format_amount

    with read_only_intent():
        report = run(db.session)
    click.echo(f"journal entries: {report.entries}, lines: {report.lines}, audit events: {report.audit_events}")
    for name, value in report.totals.items():
        click.echo(f"  {name:22} {format_amount(value, 2):>20} USD")
    if report.ok:
        click.echo("ledger OK: every entry balances, both hash chains are intact, every invariant holds")
        return
    click.echo(f"{len(report.problems)} problem(s):", err=True)
    for problem in report.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)
