"""`flask users ...`: create users, set passwords, disable accounts, create API tokens (command line)."""

from __future__ import annotations

import sys

import click
from flask import Flask

from ..errors import DomainError
from ..extensions import db
from . import services, tokens
from .models import ROLES, User

PASSWORD_HELP = "Set without prompting (visible in shell history: prefer the prompt)."


def register_auth_cli(app: Flask) -> None:
    app.cli.add_command(users)


@click.group("users")
def users() -> None:
    """Manage user accounts and API tokens (acting as the system administrator account)."""


def _fail(exc: DomainError) -> None:
    db.session.rollback()
    click.echo(f"refused: {exc.message}", err=True)
    for field, messages in exc.errors.items():
        for message in messages:
            click.echo(f"  {field}: {message}", err=True)
    sys.exit(1)


def _user(email: str) -> User:
    user = services.find_user(db.session, email)
    if user is None or user.email == services.SYSTEM_EMAIL:
        click.echo(f"no user with the email {email}", err=True)
        sys.exit(1)
    return user


def _new_password(password: str | None) -> str:
    if password is not None:
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--donor", "donor_id", type=int, help="Donor id (required for, and only for, a donor_liaison).")
@click.option("--name", default="", help="Display name (defaults to the email).")
@click.option("--password", default=None, help=PASSWORD_HELP)
@click.option("--no-password", is_flag=True, help="Create without a password (set one with set-password).")
def create(
    email: str, role: str, donor_id: int | None, name: str, password: str | None, no_password: bool
) -> None:
    """Create a user with a role (and a donor for a liaison)."""
    secret = None if no_password else _new_password(password)
    try:
        user = services.create_user(db.session, email=email, name=name, role=role, donor_id=donor_id,
                                    password=secret, actor=services.system_actor(db.session))
    except DomainError as exc:
        _fail(exc)
        return
    db.session.commit()
    donor = f", donor {donor_id}" if donor_id else ""
    click.echo(f"created user {user.id}: {user.email} ({user.role}{donor})")


@users.command("set-password")
@click.argument("email")
@click.option("--password", default=None, help=PASSWORD_HELP)
def set_password(email: str, password: str | None) -> None:
    """Set a user's password; every session of that user ends."""
    user = _user(email)
    try:
        services.set_password(db.session, user_id=user.id, new_password=_new_password(password),
                              actor=services.system_actor(db.session))
    except DomainError as exc:
        _fail(exc)
        return
    db.session.commit()
    click.echo(f"password set for {user.email}; every session of this user has ended")


@users.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable an account: no sign-in, every session ended, API tokens refused."""
    user = _user(email)
    try:
        services.disable_user(db.session, user_id=user.id, actor=services.system_actor(db.session))
    except DomainError as exc:
        _fail(exc)
        return
    db.session.commit()
    click.echo(f"disabled {user.email}")


@users.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    """Allow a disabled account to sign in again."""
    user = _user(email)
    services.enable_user(db.session, user_id=user.id, actor=services.system_actor(db.session))
    db.session.commit()
    click.echo(f"enabled {user.email}")


@users.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. the script that uses it.")
@click.option("--days", default=tokens.DEFAULT_DAYS, show_default=True, type=int, help="Days until expiry.")
def create_token(email: str, name: str, days: int) -> None:
    """Create a personal API token for a user and print it (once: only its hash is stored)."""
    user = _user(email)
    try:
        token, raw = tokens.create_token(db.session, user_id=user.id, name=name, days=days,
                                         actor=services.system_actor(db.session))
    except DomainError as exc:
        _fail(exc)
        return
    db.session.commit()
    click.echo(f"token {token.prefix}… for {user.email}, expires {token.expires_at:%Y-%m-%d} (shown once):",
               err=True)
    click.echo(raw)


@users.command("list")
def list_users() -> None:
    """List the accounts (email, role, donor, state)."""
    for user in services.list_users(db.session, actor=services.system_actor(db.session)):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.id:>5}  {user.email:40} {user.role:16} {user.donor_id or '':>6}  {state}")
    db.session.commit()
