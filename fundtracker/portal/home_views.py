"""The home page: the fund dashboard for staff ("my projects" first for a project officer), and for a donor
liaison its own donor's statement (nothing about any other donor)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from ..auth.models import DONOR_LIAISON, PROJECT_OFFICER
from ..database import read_only_intent
from ..extensions import db
from . import bp, nav_item
from .common import actor
from .reads.donors import donor_detail
from .reads.fund import donor_statement, fund_overview
from .reads.projects import project_list

nav_item("Dashboard", "portal.home", "admin", "finance", "project_officer", "auditor", order=10)
nav_item("Our statement", "portal.home", "donor_liaison", order=10)


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    user = actor()
    with read_only_intent():
        if user.role == DONOR_LIAISON:
            assert user.donor_id is not None
            return render_template(
                "donors/detail.html",
                statement=True,
                **{
                    **donor_statement(db.session, user.donor_id, actor=user),
                    **donor_detail(db.session, user.donor_id, actor=user),
                },
            )
        mine = (
            project_list(db.session, actor=user, mine=True, per_page=10)
            if user.role == PROJECT_OFFICER
            else None
        )
        return render_template("dashboard.html", mine=mine, **fund_overview(db.session, actor=user))
