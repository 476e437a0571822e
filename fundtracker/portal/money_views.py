"""Finance work on money: payments (with the live USD preview at the UN rate) and allocations to projects."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..allocations.services import allocate
from ..auth.permissions import MONEY_WRITERS
from ..contributions.services import record_payment
from ..database import read_only_intent
from ..errors import InvalidInput
from ..extensions import db
from . import bp
from .common import arg_date, arg_int, gate, invalid, refuse
from .forms import AllocationForm, AmountField, PaymentForm, PortalForm, options
from .reads import choices


def _pledge_label(row: dict[str, object]) -> str:
    reference = f" · {row['reference']}" if row.get("reference") else ""
    return f"#{row['id']} {row['donor']}{reference} · {row['currency']} · {row['pledge_date']}"


def _payment_page(form: PaymentForm, status: int) -> ResponseReturnValue:
    session = db.session
    pledges = choices.payable_pledges(session)
    form.pledge_id.choices = options(
        ((p["id"], _pledge_label(p), {"data-currency": p["currency"]}) for p in pledges), blank=True
    )
    form.currency.choices = options(choices.currencies(session))
    chosen = next((p for p in pledges if p["id"] == form.pledge_id.data), None)
    if chosen is not None and not form.is_submitted():
        form.currency.data = chosen["currency"]  # a payment is in its pledge's currency
    preview = choices.payment_preview(
        session,
        actor=gate(*MONEY_WRITERS),
        pledge_id=form.pledge_id.data,
        amount=form.amount.data if not form.amount.errors else None,
        currency=form.currency.data if form.is_submitted() else None,
        on=form.received_date.data,
    )
    return render_template("money/payment.html", form=form, preview=preview), status


@bp.route("/payments/new", methods=["GET", "POST"])
@login_required
def payment_new() -> ResponseReturnValue:
    user = gate(*MONEY_WRITERS)
    form = PaymentForm()
    if not form.is_submitted() and arg_int("pledge_id"):
        form.pledge_id.data = arg_int("pledge_id")
    if form.validate_on_submit():
        try:
            payment = record_payment(
                db.session,
                pledge_id=form.pledge_id.data,
                amount=form.amount.data,
                currency=form.currency.data,
                received_date=form.received_date.data,
                reference=form.reference.data or None,
                actor=user,
            )
        except InvalidInput as exc:
            refuse(form, exc)
            return _payment_page(form, 422)
        db.session.commit()
        flash(
            _(
                "Payment %(id)s is recorded at the UN rate of %(rate)s per USD (effective %(date)s).",
                id=payment.id,
                rate=payment.rate,
                date=payment.rate_date.isoformat(),
            ),
            "success",
        )
        return redirect(url_for("portal.pledge", pledge_id=payment.pledge_id))
    return _payment_page(form, invalid(form))


class _PreviewArgs(PortalForm):
    amount = AmountField()


@bp.get("/payments/preview")
@login_required
def payment_preview() -> ResponseReturnValue:
    """The htmx fragment under the payment form: the rate that will apply and the USD it gives."""
    user = gate(*MONEY_WRITERS)
    parsed = _PreviewArgs(formdata=request.args, meta={"csrf": False})
    parsed.validate()
    with read_only_intent():
        preview = choices.payment_preview(
            db.session,
            actor=user,
            pledge_id=arg_int("pledge_id"),
            amount=parsed.amount.data,
            currency=request.args.get("currency"),
            on=arg_date("received_date"),
        )
        return render_template(
            "money/_payment_preview.html", preview=preview, amount_problem=parsed.amount.errors
        )


def _allocation_page(form: AllocationForm, status: int) -> ResponseReturnValue:
    session = db.session
    user = gate(*MONEY_WRITERS)
    form.pledge_id.choices = options(
        ((p["id"], _pledge_label(p)) for p in choices.allocatable_pledges(session)), blank=True
    )
    form.project_id.choices = options(
        ((p["id"], f"{p['code']} – {p['title']}") for p in choices.projects(session)), blank=True
    )
    preview = choices.allocation_preview(
        session, actor=user, pledge_id=form.pledge_id.data, project_id=form.project_id.data
    )
    return render_template("money/allocation.html", form=form, preview=preview), status


@bp.route("/allocations/new", methods=["GET", "POST"])
@login_required
def allocation_new() -> ResponseReturnValue:
    user = gate(*MONEY_WRITERS)
    form = AllocationForm()
    if not form.is_submitted():
        form.pledge_id.data = arg_int("pledge_id")
        form.project_id.data = arg_int("project_id")
    if form.validate_on_submit():
        try:
            allocation = allocate(
                db.session,
                pledge_id=form.pledge_id.data,
                project_id=form.project_id.data,
                amount_usd=form.amount.data,
                allocation_date=form.allocation_date.data,
                note=form.note.data or None,
                actor=user,
            )
        except InvalidInput as exc:
            refuse(form, exc)
            return _allocation_page(form, 422)
        db.session.commit()
        flash(_("Allocation %(id)s is recorded.", id=allocation.id), "success")
        return redirect(url_for("portal.project", project_id=allocation.project_id))
    return _allocation_page(form, invalid(form))


@bp.get("/allocations/preview")
@login_required
def allocation_preview() -> ResponseReturnValue:
    """The htmx fragment beside the allocation form: what the earmark allows and what is available."""
    user = gate(*MONEY_WRITERS)
    with read_only_intent():
        preview = choices.allocation_preview(
            db.session, actor=user, pledge_id=arg_int("pledge_id"), project_id=arg_int("project_id")
        )
        return render_template("money/_allocation_preview.html", preview=preview)
