"""The books: the journal and reversing a posting with a reason, financial years (close, reopen), UN rates."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.models import ADMIN
from ..auth.permissions import MONEY_WRITERS, STAFF_READERS
from ..database import read_only_intent
from ..errors import InvalidInput
from ..extensions import db
from ..fx.services import set_rate
from ..ledger.services import close_period, reopen_period, reverse_entry
from . import bp, nav_item
from .common import actor, arg_int, gate, invalid, refuse
from .forms import CloseYearForm, RateForm, ReopenYearForm, ReverseForm, options
from .reads import choices
from .reads.books import SOURCE_TYPES, financial_years, journal_entry, journal_page, rates_page

nav_item("Books", "portal.books", *STAFF_READERS, order=40)


@bp.get("/books")
@login_required
def books() -> ResponseReturnValue:
    """The hub of the books: what finance records, and what everyone on the staff reads."""
    gate(*STAFF_READERS)
    return render_template("books/index.html")


@bp.get("/journal")
@login_required
def journal() -> ResponseReturnValue:
    source_type = request.args.get("source_type") or None
    with read_only_intent():
        page = journal_page(db.session, actor=actor(), source_type=source_type, page=arg_int("page") or 1)
    args = {"source_type": source_type} if source_type else {}
    return render_template(
        "books/journal.html", page=page, source_types=SOURCE_TYPES, args=args, source_type=source_type
    )


@bp.route("/journal/reverse", methods=["GET", "POST"])
@login_required
def journal_reverse() -> ResponseReturnValue:
    user = gate(*MONEY_WRITERS)
    form = ReverseForm()
    entry_id = (
        arg_int("entry_id")
        if not form.is_submitted()
        else (int(form.entry_id.data) if (form.entry_id.data or "").isdigit() else None)
    )
    if entry_id is None:
        return render_template(
            "errors/error.html",
            status=400,
            title=_("Bad request"),
            message=_("Choose the posting to reverse in the journal."),
            errors={},
        ), 400
    form.entry_id.data = str(entry_id)
    if form.validate_on_submit():
        try:
            reversal = reverse_entry(
                db.session,
                entry_id,
                reason=form.reason.data,
                reversal_date=form.reversal_date.data,
                actor=user,
            )
        except InvalidInput as exc:
            refuse(form, exc)
            return render_template(
                "books/reverse.html", form=form, **journal_entry(db.session, entry_id, actor=user)
            ), 422
        db.session.commit()
        flash(
            _("Entry %(id)s is reversed by entry %(reversal)s.", id=entry_id, reversal=reversal.id), "success"
        )
        return redirect(url_for("portal.journal"))
    return render_template(
        "books/reverse.html", form=form, **journal_entry(db.session, entry_id, actor=user)
    ), invalid(form)


@bp.get("/periods")
@login_required
def periods() -> ResponseReturnValue:
    with read_only_intent():
        years = financial_years(db.session, actor=actor())
    return render_template(
        "books/periods.html", years=years, close_form=CloseYearForm(), reopen_form=ReopenYearForm()
    )


def _year_page(close_form: CloseYearForm, reopen_form: ReopenYearForm, status: int) -> ResponseReturnValue:
    return render_template(
        "books/periods.html",
        years=financial_years(db.session, actor=actor()),
        close_form=close_form,
        reopen_form=reopen_form,
    ), status


@bp.post("/periods/close")
@login_required
def period_close() -> ResponseReturnValue:
    user = gate(*MONEY_WRITERS)
    form = CloseYearForm()
    if form.validate_on_submit() and (form.year.data or "").isdigit():
        try:
            close_period(db.session, int(form.year.data), actor=user)
        except InvalidInput as exc:
            refuse(form, exc)
            return _year_page(form, ReopenYearForm(formdata=None), 422)
        db.session.commit()
        flash(
            _("%(year)s is closed: nothing can be posted with a date in it.", year=form.year.data), "success"
        )
        return redirect(url_for("portal.periods"))
    return _year_page(form, ReopenYearForm(formdata=None), 422)


@bp.post("/periods/reopen")
@login_required
def period_reopen() -> ResponseReturnValue:
    user = gate(ADMIN)
    form = ReopenYearForm()
    if form.validate_on_submit() and (form.year.data or "").isdigit():
        try:
            reopen_period(db.session, int(form.year.data), reason=form.reason.data, actor=user)
        except InvalidInput as exc:
            refuse(form, exc)
            return _year_page(CloseYearForm(formdata=None), form, 422)
        db.session.commit()
        flash(_("%(year)s is open again.", year=form.year.data), "success")
        return redirect(url_for("portal.periods"))
    return _year_page(CloseYearForm(formdata=None), form, 422)


@bp.route("/rates", methods=["GET", "POST"])
@login_required
def rates() -> ResponseReturnValue:
    user = actor()
    form = RateForm()
    form.currency.choices = options(c for c in choices.currencies(db.session) if c[0] != "USD")
    status = 200
    if request.method == "POST":
        gate(*MONEY_WRITERS)
        if form.validate_on_submit():
            try:
                set_rate(
                    db.session,
                    form.currency.data,
                    form.effective_date.data,
                    form.units_per_usd.data,
                    source=form.source.data or None,
                    actor=user,
                )
            except InvalidInput as exc:
                refuse(form, exc)
                status = 422
            else:
                db.session.commit()
                flash(
                    _(
                        "The rate for %(currency)s from %(date)s is recorded.",
                        currency=form.currency.data,
                        date=form.effective_date.data.isoformat(),
                    ),
                    "success",
                )
                return redirect(url_for("portal.rates", currency=form.currency.data))
        else:
            status = 422
    currency = request.args.get("currency") or None
    page = rates_page(db.session, actor=user, currency=currency, page=arg_int("page") or 1)
    return render_template(
        "books/rates.html",
        form=form,
        page=page,
        currency=currency,
        args={"currency": currency} if currency else {},
    ), status
