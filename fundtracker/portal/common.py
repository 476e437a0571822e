"""What every portal view shares: the acting user, a role gate, query arguments, refused forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template, request
from flask_login import current_user

from ..auth.models import User
from ..auth.permissions import require
from ..errors import InvalidInput
from ..extensions import db
from .forms import PortalForm


def actor() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined, no-any-return]


def gate(*roles: str) -> User:
    """Refuse a role before a form is even read (the services check again when called)."""
    user = actor()
    require(user, *roles)
    return user


def arg_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def arg_date(name: str, default: dt.date | None = None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


def refuse(form: PortalForm, exc: InvalidInput) -> None:
    """A service said no: nothing it did is kept, and each of its messages goes beside its field of the form."""
    db.session.rollback()
    form.place_errors(exc)


def refused(form: PortalForm, exc: InvalidInput, template: str, **context: Any) -> tuple[str, int]:
    """A service said no: the form comes back as typed, with its messages, as a 422."""
    refuse(form, exc)
    return render_template(template, form=form, **context), 422


def invalid(form: PortalForm) -> int:
    """422 for a submitted form that did not validate, 200 for a form shown for the first time."""
    return 422 if form.is_submitted() else 200
