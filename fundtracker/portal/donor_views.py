"""Donor pages: the list (search, filter, sort, pages) and one donor's page (404 to another's liaison)."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from ..auth.permissions import STAFF_READERS
from ..database import read_only_intent
from ..donors.models import DONOR_KINDS
from ..extensions import db
from . import bp, nav_item
from .common import actor, arg_int
from .reads.donors import SORTS, donor_detail, donor_list
from .reads.fund import donor_statement

nav_item("Donors", "portal.donors", *STAFF_READERS, order=20)


@bp.get("/donors")
@login_required
def donors() -> ResponseReturnValue:
    sort = request.args.get("sort", "pledged")
    sort = sort if sort in SORTS else "pledged"
    descending = request.args.get("dir", "desc" if sort != "name" else "asc") != "asc"
    with read_only_intent():
        page = donor_list(
            db.session,
            actor=actor(),
            q=request.args.get("q"),
            kind=request.args.get("kind"),
            sort=sort,
            descending=descending,
            page=arg_int("page") or 1,
            per_page=arg_int("per_page") or 25,
        )
    args = {k: v for k, v in request.args.items() if k in ("q", "kind", "sort", "dir", "per_page") and v}
    return render_template(
        "donors/list.html", page=page, kinds=DONOR_KINDS, sort=sort, descending=descending, args=args
    )


@bp.get("/donors/<int:donor_id>")
@login_required
def donor(donor_id: int) -> ResponseReturnValue:
    user = actor()
    with read_only_intent():
        return render_template(
            "donors/detail.html",
            statement=False,
            **{
                **donor_statement(db.session, donor_id, actor=user),
                **donor_detail(db.session, donor_id, actor=user),
            },
        )
