"""Project pages: the list ("my projects" first), one project's money, and recording expenditure on it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..allocations.services import record_expenditure
from ..auth.permissions import STAFF_READERS
from ..database import read_only_intent
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..projects.models import PROJECT_STATUSES
from . import bp, nav_item
from .common import actor, arg_int, invalid, refused
from .forms import ExpenditureForm, options
from .i18n import amount_text
from .reads import choices
from .reads.projects import may_spend, project_detail, project_list

nav_item("Projects", "portal.projects", *STAFF_READERS, order=30)


@bp.get("/projects")
@login_required
def projects() -> ResponseReturnValue:
    user = actor()
    mine = request.args.get("mine") == "1"
    with read_only_intent():
        page = project_list(
            db.session,
            actor=user,
            q=request.args.get("q"),
            status=request.args.get("status"),
            mine=mine,
            page=arg_int("page") or 1,
            per_page=arg_int("per_page") or 25,
        )
    args = {k: v for k, v in request.args.items() if k in ("q", "status", "mine", "per_page") and v}
    return render_template("projects/list.html", page=page, statuses=PROJECT_STATUSES, args=args, mine=mine)


@bp.get("/projects/<int:project_id>")
@login_required
def project(project_id: int) -> ResponseReturnValue:
    with read_only_intent():
        return render_template(
            "projects/detail.html", **project_detail(db.session, project_id, actor=actor())
        )


@bp.route("/projects/<int:project_id>/expenditures/new", methods=["GET", "POST"])
@login_required
def expenditure_new(project_id: int) -> ResponseReturnValue:
    user = actor()
    data = project_detail(db.session, project_id, actor=user)
    if not may_spend(user, data["project"].officer_id):
        # Only its officer, finance or an administrator spends on a project: for anyone else no such form.
        raise NotFound()
    form = ExpenditureForm()
    form.currency.choices = options(choices.currencies(db.session))
    form.pledge_id.choices = options(
        (
            (
                row["pledge"],
                f"#{row['pledge']} {row['donor']} · {amount_text(row['available_to_spend'], 'USD')}",
            )
            for row in choices.project_pledges(db.session, project_id)
        ),
        blank=True,
    )
    if form.validate_on_submit():
        try:
            expenditure = record_expenditure(
                db.session,
                project_id=project_id,
                amount=form.amount.data,
                currency=form.currency.data,
                expenditure_date=form.expenditure_date.data,
                description=form.description.data,
                pledge_id=form.pledge_id.data,
                actor=user,
            )
        except InvalidInput as exc:
            return refused(form, exc, "projects/expenditure.html", **data)
        db.session.commit()
        flash(_("Expenditure %(id)s is recorded.", id=expenditure.id), "success")
        return redirect(url_for("portal.project", project_id=project_id))
    return render_template("projects/expenditure.html", form=form, **data), invalid(form)
