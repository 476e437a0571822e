"""/api/v1/payments: list (paged, filtered, sorted), read, and record a payment (idempotent)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...auth.permissions import MONEY_WRITERS
from ...contributions.services import record_payment
from ...extensions import db
from ...reader import request_reader
from ..core import ApiBlueprint, action, actor
from ..queries.payments import get_payment, list_payments
from ..render import json_response, list_response
from ..schemas.payments import PaymentCreateSchema, PaymentListArgs, PaymentSchema, payment_items
from .common import LIST_HEADERS, created

blp = ApiBlueprint("payments", __name__, "/payments", "Cash received from donors, converted at the UN rate.")


@blp.route("")
class Payments(MethodView):
    @action()
    @blp.arguments(PaymentListArgs, location="query", as_kwargs=True)
    @blp.response(200, PaymentSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List payments (a liaison: its donor's only)."""
        page = list_payments(request_reader(), actor(), args)
        return list_response(page, payment_items(page.rows))

    @action(*MONEY_WRITERS, idempotent=True)
    @blp.arguments(PaymentCreateSchema, as_kwargs=True)
    @blp.response(201, PaymentSchema)
    def post(self, **data: Any):
        """Record a payment at the UN rate of its receipt date (finance, admin)."""
        payment = record_payment(db.session, actor=actor(), **data)
        return created(_payment(payment.id), "payments.Payment", payment_id=payment.id)


@blp.route("/<id:payment_id>")
class Payment(MethodView):
    @action()
    @blp.response(200, PaymentSchema)
    def get(self, payment_id: int):
        """One payment, with the journal entry that posted it."""
        return json_response(_payment(payment_id))


def _payment(payment_id: int) -> dict[str, Any]:
    row = get_payment(db.session, actor(), payment_id)
    return {**payment_items([row[:-1]])[0], "journal_entry_id": row.journal_entry_id}  # COLUMNS, then the entry
