"""Administration: creating users with their role, and the reference data (countries' dated UN status,
institutes, instruments), which every staff member may read."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.models import ADMIN
from ..auth.permissions import STAFF_READERS
from ..auth.services import create_user
from ..database import read_only_intent
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..reference.models import ImplementingEntity, Instrument
from ..reference.services import (
    create_implementing_entity,
    set_country_status,
    update_implementing_entity,
    update_instrument,
)
from . import bp
from .common import actor, gate, invalid, refuse, refused
from .forms import (
    CountryStatusForm,
    EntityCreateForm,
    EntityForm,
    InstrumentForm,
    UserCreateForm,
    options,
)
from .reads import choices
from .reads.reference import countries_page, country_detail, instrument_list


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def user_new() -> ResponseReturnValue:
    user = gate(ADMIN)
    form = UserCreateForm()
    form.donor_id.choices = options(choices.donors(db.session), blank=True)
    if form.validate_on_submit():
        try:
            created = create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                donor_id=form.donor_id.data,
                actor=user,
            )
        except InvalidInput as exc:
            return refused(form, exc, "admin/user_new.html")
        db.session.commit()
        flash(_("%(email)s can now sign in.", email=created.email), "success")
        return redirect(url_for("portal.user_detail", user_id=created.id))
    return render_template("admin/user_new.html", form=form), invalid(form)


@bp.get("/reference/countries")
@login_required
def countries() -> ResponseReturnValue:
    with read_only_intent():
        rows = countries_page(
            db.session, actor=actor(), q=request.args.get("q"), status=request.args.get("status")
        )
    return render_template(
        "admin/countries.html", rows=rows, q=request.args.get("q", ""), status=request.args.get("status", "")
    )


@bp.route("/reference/countries/<iso3>", methods=["GET", "POST"])
@login_required
def country(iso3: str) -> ResponseReturnValue:
    user = actor()
    form = CountryStatusForm()
    status = 200
    if request.method == "POST":
        gate(ADMIN)
        data = country_detail(db.session, iso3, actor=user)
        if form.validate_on_submit():
            try:
                set_country_status(
                    db.session,
                    data["country"].id,
                    form.status.data,
                    form.effective_from.data,
                    source=form.source.data or None,
                    actor=user,
                )
            except InvalidInput as exc:
                refuse(form, exc)
                status = 422
            else:
                db.session.commit()
                flash(_("The status of %(name)s is recorded.", name=data["country"].name), "success")
                return redirect(url_for("portal.country", iso3=data["country"].iso3))
        else:
            status = 422
    data = country_detail(db.session, iso3, actor=user)
    return render_template("admin/country.html", form=form, **data), status


@bp.get("/reference/institutes")
@login_required
def institutes() -> ResponseReturnValue:
    gate(*STAFF_READERS)
    return render_template("admin/institutes.html", entities=choices.entities(db.session))


@bp.get("/reference/instruments")
@login_required
def instruments() -> ResponseReturnValue:
    return render_template("admin/instruments.html", instruments=instrument_list(db.session, actor=actor()))


def _country_options(form: EntityForm) -> None:
    form.country_id.choices = options(((c.id, c.name) for c in choices.countries(db.session)), blank=True)


@bp.route("/reference/institutes/new", methods=["GET", "POST"])
@login_required
def institute_new() -> ResponseReturnValue:
    user = gate(ADMIN)
    form = EntityCreateForm()
    _country_options(form)
    if form.validate_on_submit():
        try:
            entity = create_implementing_entity(
                db.session,
                acronym=form.acronym.data,
                name=form.name.data,
                city=form.city.data,
                country_id=form.country_id.data,
                kind=form.kind.data,
                actor=user,
            )
        except InvalidInput as exc:
            return refused(form, exc, "admin/institute_form.html", entity=None)
        db.session.commit()
        flash(_("%(acronym)s is added to the implementing entities.", acronym=entity.acronym), "success")
        return redirect(url_for("portal.institutes"))
    return render_template("admin/institute_form.html", form=form, entity=None), invalid(form)


@bp.route("/reference/institutes/<int:entity_id>/edit", methods=["GET", "POST"])
@login_required
def institute_edit(entity_id: int) -> ResponseReturnValue:
    user = gate(ADMIN)
    entity = db.session.get(ImplementingEntity, entity_id)
    if entity is None:
        raise NotFound("This institute does not exist.")
    form = EntityForm(obj=entity)
    _country_options(form)
    if form.validate_on_submit():
        try:
            update_implementing_entity(
                db.session,
                entity_id,
                name=form.name.data,
                city=form.city.data,
                country_id=form.country_id.data,
                kind=form.kind.data,
                actor=user,
            )
        except InvalidInput as exc:
            return refused(form, exc, "admin/institute_form.html", entity=entity)
        db.session.commit()
        flash(_("%(acronym)s is updated.", acronym=entity.acronym), "success")
        return redirect(url_for("portal.institutes"))
    return render_template("admin/institute_form.html", form=form, entity=entity), invalid(form)


@bp.route("/reference/instruments/<int:instrument_id>/edit", methods=["GET", "POST"])
@login_required
def instrument_edit(instrument_id: int) -> ResponseReturnValue:
    user = gate(ADMIN)
    instrument = db.session.get(Instrument, instrument_id)
    if instrument is None:
        raise NotFound("This instrument does not exist.")
    form = InstrumentForm(obj=instrument)
    if form.validate_on_submit():
        try:
            update_instrument(
                db.session,
                instrument_id,
                short_name=form.short_name.data,
                title=form.title.data,
                adopted=form.adopted.data,
                entry_into_force=form.entry_into_force.data,
                actor=user,
            )
        except InvalidInput as exc:
            return refused(form, exc, "admin/instrument_form.html", instrument=instrument)
        db.session.commit()
        flash(_("%(code)s is updated.", code=instrument.code), "success")
        return redirect(url_for("portal.instruments"))
    return render_template("admin/instrument_form.html", form=form, instrument=instrument), invalid(form)
