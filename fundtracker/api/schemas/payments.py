"""Payment schemas: what a list row and a payment look like, the list's filters, and recording a payment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from marshmallow import fields

from ...money import FRACTION_TEXT, format_amount
from .common import Currency, DateRangeArgs, Day, DecimalText, Id, QueryId, StrictSchema, Text, sort_field

PAYMENT_SORTS = ["received_date", "id", "usd_amount"]


class PaymentSchema(StrictSchema):
    id = fields.Integer(required=True)
    pledge_id = fields.Integer(required=True)
    donor_id = fields.Integer(required=True)
    donor_name = fields.String(required=True)
    received_date = fields.Date(required=True)
    amount = fields.String(
        required=True, metadata={"description": 'In the payment\'s currency, e.g. "1250.00".'}
    )
    currency = fields.String(required=True)
    usd_amount = fields.String(
        required=True, metadata={"description": "USD at the UN rate of the receipt date."}
    )
    rate = fields.String(required=True, metadata={"description": "UN operational rate used, units per USD."})
    rate_date = fields.Date(required=True)
    reference = fields.String(required=True, allow_none=True)
    journal_entry_id = fields.Integer(allow_none=True, metadata={"description": "Only on a single payment."})


class PaymentListArgs(DateRangeArgs):
    """Filters: donor, pledge, currency, receipt dates (date_from/date_to)."""

    donor_id = QueryId()
    pledge_id = QueryId()
    currency = Currency(load_default=None)
    sort = sort_field(PAYMENT_SORTS, "-received_date")


class PaymentCreateSchema(StrictSchema):
    pledge_id = Id(
        load_default=None,
        metadata={
            "description": "The pledge this settles; omit it (and give "
            "donor_id) to record money without a pledge."
        },
    )
    donor_id = Id(load_default=None)
    amount = DecimalText(required=True)
    currency = Currency(required=True)
    received_date = Day(required=True)
    reference = Text(max_length=120, load_default=None)


def rate_text(scaled: int | None) -> str | None:
    """A rate stored as an integer scaled by 10**8, as plain decimal text without trailing zeros."""
    if scaled is None:
        return None
    whole, fraction = divmod(scaled, 100_000_000)
    if not fraction:
        return str(whole)
    return f"{whole}.{str(fraction).zfill(8)}".rstrip("0")  # zfill: a format spec costs half as much again


def payment_items(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Payments as the API shows them, from rows in the order of queries.payments.COLUMNS.

    The list's hot path (50 rows a page, where each function call shows): amounts are formatted inline for the
    usual case (not negative, with one to three decimal places) by money.format_amount's integer arithmetic and
    fraction texts; format_amount takes every other case. Dates come as ISO text from SQLite and as date objects
    from PostgreSQL."""
    items = []
    rates: dict[int, str | None] = {}  # a page's rates repeat (UN rates are set per currency and month)
    cents = FRACTION_TEXT[2]
    for (id_, pledge_id, donor_id, donor_name, received, currency, exponent, minor, rate_scaled, rate_date,
         usd_minor, reference) in rows:
        fractions = FRACTION_TEXT.get(exponent)
        if fractions and minor >= 0:
            scale = len(fractions)  # 10 ** exponent
            amount = f"{minor // scale}.{fractions[minor % scale]}"
        else:
            amount = format_amount(minor, exponent)
        usd = f"{usd_minor // 100}.{cents[usd_minor % 100]}" if usd_minor >= 0 else format_amount(usd_minor, 2)
        rate = rates.get(rate_scaled)
        if rate is None:
            rate = rates[rate_scaled] = rate_text(rate_scaled)
        items.append({
            "id": id_, "pledge_id": pledge_id, "donor_id": donor_id, "donor_name": donor_name,
            "received_date": received if received.__class__ is str else received.isoformat(),
            "amount": amount, "currency": currency,
            "usd_amount": usd,
            "rate": rate,
            "rate_date": rate_date if rate_date.__class__ is str else rate_date.isoformat(),
            "reference": reference,
        })
    return items
