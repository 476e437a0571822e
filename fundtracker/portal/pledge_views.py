"""Finance work on pledges: record, show, amend, confirm, and cancel or write off the unpaid part."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.permissions import MONEY_WRITERS
from ..contributions import services
from ..database import read_only_intent
from ..errors import InvalidInput
from ..extensions import db
from . import bp
from .common import actor, arg_int, gate, invalid, refuse, refused
from .forms import AmendForm, CancelForm, ConfirmForm, PledgeForm, options
from .reads import choices
from .reads.donors import pledge_detail


def _pledge_choices(form: PledgeForm) -> dict[str, object]:
    session = db.session
    form.donor_id.choices = options(choices.donors(session), blank=True)
    form.currency.choices = options(choices.currencies(session))
    form.earmark_instrument.choices = options(choices.instruments(session), blank=True)
    form.earmark_theme.choices = options(((t, t) for t in choices.themes()), blank=True)
    form.earmark_region.choices = options(((r, r) for r in choices.regions(session)), blank=True)
    form.earmark_country.choices = options(((c.id, c.name) for c in choices.countries(session)), blank=True)
    form.earmark_project.choices = options(
        ((p["id"], f"{p['code']} – {p['title']}") for p in choices.projects(session)), blank=True
    )
    return {}


@bp.route("/pledges/new", methods=["GET", "POST"])
@login_required
def pledge_new() -> ResponseReturnValue:
    user = gate(*MONEY_WRITERS)
    form = PledgeForm()
    _pledge_choices(form)
    if not form.is_submitted() and arg_int("donor_id"):
        form.donor_id.data = arg_int("donor_id")
    if form.validate_on_submit():
        try:
            pledge = services.create_pledge(
                db.session,
                donor_id=form.donor_id.data,
                amount=form.amount.data,
                currency=form.currency.data,
                pledge_date=form.pledge_date.data,
                actor=user,
                confirmed=form.confirmed.data,
                earmark_level=form.earmark_level.data,
                earmark_target=form.earmark_target(),
                psc_rate=form.psc_fraction(),
                source_of_funds=form.source_of_funds.data,
                reference=form.reference.data or None,
            )
        except InvalidInput as exc:
            return refused(form, exc, "pledges/new.html")
        db.session.commit()
        flash(_("Pledge %(id)s is recorded.", id=pledge.id), "success")
        return redirect(url_for("portal.pledge", pledge_id=pledge.id))
    return render_template("pledges/new.html", form=form), invalid(form)


@bp.get("/pledges/<int:pledge_id>")
@login_required
def pledge(pledge_id: int) -> ResponseReturnValue:
    with read_only_intent():
        return render_template(
            "pledges/detail.html",
            **pledge_detail(db.session, pledge_id, actor=actor()),
            confirm_form=ConfirmForm(),
        )


def _pledge_page(template: str, form: object, pledge_id: int, status: int = 200) -> ResponseReturnValue:
    return render_template(template, form=form, **pledge_detail(db.session, pledge_id, actor=actor())), status


@bp.route("/pledges/<int:pledge_id>/amend", methods=["GET", "POST"])
@login_required
def pledge_amend(pledge_id: int) -> ResponseReturnValue:
    user = gate(*MONEY_WRITERS)
    form = AmendForm()
    if form.validate_on_submit():
        try:
            services.amend_pledge(
                db.session,
                pledge_id,
                new_amount=form.new_amount.data,
                reason=form.reason.data,
                amendment_date=form.amendment_date.data,
                actor=user,
            )
        except InvalidInput as exc:
            refuse(form, exc)
            return _pledge_page("pledges/amend.html", form, pledge_id, 422)
        db.session.commit()
        flash(_("The pledge is amended."), "success")
        return redirect(url_for("portal.pledge", pledge_id=pledge_id))
    return _pledge_page("pledges/amend.html", form, pledge_id, invalid(form))


@bp.route("/pledges/<int:pledge_id>/cancel", methods=["GET", "POST"])
@login_required
def pledge_cancel(pledge_id: int) -> ResponseReturnValue:
    user = gate(*MONEY_WRITERS)
    form = CancelForm()
    if form.validate_on_submit():
        close = services.cancel_pledge if form.action.data == "cancel" else services.write_off_pledge
        try:
            close(db.session, pledge_id, on=form.on.data, reason=form.reason.data, actor=user)
        except InvalidInput as exc:
            refuse(form, exc)
            return _pledge_page("pledges/cancel.html", form, pledge_id, 422)
        db.session.commit()
        flash(_("The unpaid part of the pledge is closed."), "success")
        return redirect(url_for("portal.pledge", pledge_id=pledge_id))
    return _pledge_page("pledges/cancel.html", form, pledge_id, invalid(form))


@bp.post("/pledges/<int:pledge_id>/confirm")
@login_required
def pledge_confirm(pledge_id: int) -> ResponseReturnValue:
    user = gate(*MONEY_WRITERS)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm_pledge(db.session, pledge_id, actor=user)
        except InvalidInput as exc:
            refuse(form, exc)
            return render_template(
                "pledges/detail.html", confirm_form=form, **pledge_detail(db.session, pledge_id, actor=user)
            ), 422
        db.session.commit()
        flash(_("The pledge is confirmed: it is now revenue and a receivable."), "success")
    return redirect(url_for("portal.pledge", pledge_id=pledge_id))
