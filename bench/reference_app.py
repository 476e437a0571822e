"""The API bench's reference lists: issue 4's "obvious version" of GET /api/v1/payments, served by the real app.

Issue 4 states what an obvious implementation reached on its author's machine: ORM objects, marshmallow and a
`count(*)` per request, 0.09 of the bare endpoint; the same without the count, 0.15; SQLAlchemy Core rows, 0.25.
Read as one change at a time, the last is the second with Core rows instead of ORM objects: a select of the
columns, run through the session, the rows dumped by marshmallow, no count. Measured in the same run as
the real endpoint and the bare one, they show how the machine at hand compares with that one. They run inside the
real application (`create_app()`, every hook and the bearer-token check) and answer the same 50 rows as the real
list's first page, which the bench checks.

    gunicorn --chdir bench 'reference_app:make_app()'   # the repository on PYTHONPATH, as bench_api.py runs it
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Flask, Response, jsonify
from marshmallow import Schema, fields
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from fundtracker import create_app
from fundtracker.api.core import action
from fundtracker.api.render import rate as rate_text
from fundtracker.contributions.models import Payment, Pledge
from fundtracker.donors.models import Donor
from fundtracker.extensions import db
from fundtracker.money import format_amount
from fundtracker.reference.models import Currency


class Reference(NamedTuple):
    """One of the issue's reference versions of the list, served by `view` at `path`."""

    path: str
    label: str  # what it is
    theirs: float  # its requests/s as a share of the bare endpoint's on the issue author's machine
    view: Callable[[], Response]


class ObviousPaymentSchema(Schema):
    """A row of the real list, the obvious way: attributes of a (Payment, exponent) row's ORM objects."""

    id = fields.Integer(attribute="Payment.id")
    pledge_id = fields.Integer(attribute="Payment.pledge_id")
    donor_id = fields.Integer(attribute="Payment.pledge.donor_id")
    donor_name = fields.String(attribute="Payment.pledge.donor.name")
    received_date = fields.Date(attribute="Payment.received_date")
    amount = fields.Function(lambda row: format_amount(row.Payment.amount_minor, row.exponent))
    currency = fields.String(attribute="Payment.currency")
    usd_amount = fields.Function(lambda row: format_amount(row.Payment.usd_minor, 2))
    rate = fields.Function(lambda row: rate_text(row.Payment.rate))
    rate_date = fields.Date(attribute="Payment.rate_date")
    reference = fields.String(attribute="Payment.reference", allow_none=True)


class CoreRowPaymentSchema(Schema):
    """The same row from a Core select of the columns (a Row's named values, no ORM objects)."""

    id = fields.Integer()
    pledge_id = fields.Integer()
    donor_id = fields.Integer()
    donor_name = fields.String()
    received_date = fields.Date()
    amount = fields.Function(lambda row: format_amount(row.amount_minor, row.exponent))
    currency = fields.String()
    usd_amount = fields.Function(lambda row: format_amount(row.usd_minor, 2))
    rate = fields.Function(lambda row: rate_text(row.rate))
    rate_date = fields.Date()
    reference = fields.String(allow_none=True)


_rows = ObviousPaymentSchema(many=True)
_core_rows = CoreRowPaymentSchema(many=True)
_CORE_COLUMNS = select(
    Payment.id, Payment.pledge_id, Pledge.donor_id, Donor.name.label("donor_name"), Payment.received_date,
    Payment.currency, Currency.exponent, Payment.amount_minor, Payment.rate, Payment.rate_date, Payment.usd_minor,
    Payment.reference,
)


@action()  # the API's own sign-in gate, as on the real list
def _page(with_count: bool) -> Response:
    # No donor scope: the bench's token is a finance officer's, who sees every donor (the real list's scope check
    # for that role is one comparison in Python).
    rows = db.session.execute(
        _first_page(select(Payment, Currency.exponent).options(joinedload(Payment.pledge).joinedload(Pledge.donor)))
    ).all()
    response = jsonify(_rows.dump(rows))
    if with_count:
        total = db.session.scalar(select(func.count()).select_from(Payment))
        response.headers["X-Total-Count"] = str(total)
    return response


@action()
def _core_page() -> Response:
    rows = db.session.execute(
        _first_page(_CORE_COLUMNS.join(Pledge, Pledge.id == Payment.pledge_id).join(Donor, Donor.id == Pledge.donor_id))
    ).all()
    return jsonify(_core_rows.dump(rows))


def _first_page(stmt: Any) -> Any:
    """The real list's first page: newest first, 50 rows, each with its currency's exponent."""
    return (stmt.join(Currency, Currency.code == Payment.currency)
            .order_by(Payment.received_date.desc(), Payment.id.desc()).limit(50))


REFERENCES = {
    "obvious": Reference("/api/v1/reference/payments", "obvious: ORM, marshmallow, count(*)", 0.09,
                         functools.partial(_page, with_count=True)),
    "obvious_no_count": Reference("/api/v1/reference/payments-no-count", "obvious without the count", 0.15,
                                  functools.partial(_page, with_count=False)),
    "core_rows": Reference("/api/v1/reference/payments-core-rows", "Core rows, marshmallow, no count", 0.25,
                           _core_page),
}


def add_references(app: Flask) -> None:
    """The reference lists at their REFERENCES paths."""
    for name, reference in REFERENCES.items():
        app.add_url_rule(reference.path, f"reference_{name}", reference.view)


def make_app() -> Flask:
    """The real application plus the reference lists."""
    app = create_app()
    add_references(app)
    gc.freeze()  # as wsgi.py does
    return app
