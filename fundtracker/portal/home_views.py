"""The placeholder home page: sign-in status only (the dashboard replaces it)."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from . import bp


@bp.get("/")
@login_required
def home() -> str:
    return render_template("auth/home.html")
