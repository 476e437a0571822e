"""Exchange-rate schemas: a UN operational rate, the list's filters, one new rate and a bulk upload."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from ..render import day
from .common import RATE_TEXT, Currency, DateRangeArgs, Day, DecimalText, StrictSchema, Text, sort_field
from .payments import rate_text


class RateSchema(StrictSchema):
    id = fields.Integer(required=True)
    currency = fields.String(required=True)
    effective_date = fields.Date(required=True)
    units_per_usd = fields.String(required=True, metadata={"description": "Currency units per 1 USD."})
    source = fields.String(required=True)


class RateListArgs(DateRangeArgs):
    """Filters: currency and effective dates."""

    currency = Currency(load_default=None)
    sort = sort_field(["effective_date", "id"], "-effective_date")


class RateCreateSchema(StrictSchema):
    currency = Currency(required=True)
    effective_date = Day(required=True)
    units_per_usd = DecimalText(required=True, pattern=RATE_TEXT, metadata={"example": "0.92"})
    source = Text(max_length=120, load_default=None)


class RateBulkSchema(StrictSchema):
    rates = fields.List(
        fields.Nested(RateCreateSchema), required=True, validate=validate.Length(min=1, max=1000)
    )


class RateBulkResultSchema(StrictSchema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)


def rate_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "currency": row.currency,
        "effective_date": day(row.effective_date),
        "units_per_usd": rate_text(row.rate_scaled),
        "source": row.source,
    }
