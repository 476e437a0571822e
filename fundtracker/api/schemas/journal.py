"""Journal schemas: entries with their lines, line lists, reversals, and accounting periods."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from ...ledger.models import ACCOUNTS
from ..render import amount, day, moment, usd
from .common import Currency, DateRangeArgs, Day, Id, ListArgs, QueryId, StrictSchema, Text, sort_field
from .payments import rate_text


class LineSchema(StrictSchema):
    id = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    entry_date = fields.Date(required=True)
    account = fields.String(required=True, metadata={"enum": list(ACCOUNTS)})
    usd_amount = fields.String(
        required=True, metadata={"description": "Signed USD: debit positive, credit negative."}
    )
    amount = fields.String(required=True, metadata={"description": "Signed, in the original currency."})
    currency = fields.String(required=True)
    rate = fields.String(required=True, allow_none=True)
    rate_date = fields.Date(required=True, allow_none=True)
    donor_id = fields.Integer(required=True, allow_none=True)
    pledge_id = fields.Integer(required=True, allow_none=True)
    project_id = fields.Integer(required=True, allow_none=True)
    country_id = fields.Integer(required=True, allow_none=True)
    instrument_id = fields.Integer(required=True, allow_none=True)


class EntrySchema(StrictSchema):
    id = fields.Integer(required=True)
    entry_date = fields.Date(required=True)
    kind = fields.String(required=True)
    source_type = fields.String(required=True)
    source_id = fields.Integer(required=True, allow_none=True)
    description = fields.String(required=True)
    reverses_id = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    posted_by_id = fields.Integer(required=True, allow_none=True)
    posted_at = fields.DateTime(required=True)
    hash = fields.String(
        required=True, metadata={"description": "SHA-256 chaining this entry to the one before."}
    )
    lines = fields.List(fields.Nested(LineSchema), metadata={"description": "Single entry only."})


class EntryListArgs(DateRangeArgs):
    """Filters: kind, source document type and id, entry dates."""

    kind = Text(max_length=30, load_default=None)
    source_type = Text(max_length=30, load_default=None)
    source_id = QueryId()
    sort = sort_field(["entry_date", "id"], "-id")


class ReversalListArgs(DateRangeArgs):
    sort = sort_field(["entry_date", "id"], "-id")


class LineListArgs(DateRangeArgs):
    """Filters: account, donor, pledge, project, country, instrument, currency, entry dates."""

    account = fields.String(load_default=None, validate=validate.OneOf(ACCOUNTS))
    donor_id = QueryId()
    pledge_id = QueryId()
    project_id = QueryId()
    country_id = QueryId()
    instrument_id = QueryId()
    currency = Currency(load_default=None)
    sort = sort_field(["id"], "-id")


class ReversalCreateSchema(StrictSchema):
    entry_id = Id(required=True, metadata={"description": "The journal entry to reverse."})
    reason = Text(required=True, min_length=1, max_length=2000)
    reversal_date = Day(load_default=None, metadata={"description": "Default: today."})


class PeriodSchema(StrictSchema):
    year = fields.Integer(required=True)
    closed = fields.Boolean(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    closed_by_id = fields.Integer(required=True, allow_none=True)


class PeriodListArgs(ListArgs):
    sort = sort_field(["year"], "-year")


class PeriodCloseSchema(StrictSchema):
    """No fields: the year is in the address."""


class PeriodReopenSchema(StrictSchema):
    reason = Text(required=True, min_length=1, max_length=2000)


def entry_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "entry_date": day(row.entry_date),
        "kind": row.kind,
        "source_type": row.source_type,
        "source_id": row.source_id,
        "description": row.description,
        "reverses_id": row.reverses_id,
        "reason": row.reason,
        "posted_by_id": row.posted_by_id,
        "posted_at": moment(row.posted_at),
        "hash": row.hash,
    }


def line_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "entry_id": row.entry_id,
        "entry_date": day(row.entry_date),
        "account": row.account,
        "usd_amount": usd(row.usd_minor),
        "amount": amount(row.amount_minor, row.exponent),
        "currency": row.currency,
        "rate": rate_text(row.rate_scaled),
        "rate_date": day(row.rate_date),
        "donor_id": row.donor_id,
        "pledge_id": row.pledge_id,
        "project_id": row.project_id,
        "country_id": row.country_id,
        "instrument_id": row.instrument_id,
    }


def period_item(row: Any) -> dict[str, Any]:
    return {
        "year": row.year,
        "closed": bool(row.closed),
        "closed_at": moment(row.closed_at),
        "closed_by_id": row.closed_by_id,
    }
