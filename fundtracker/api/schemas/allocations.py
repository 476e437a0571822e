"""Allocation and expenditure schemas: list rows, filters, and the two postings."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from ..render import amount, day, usd
from .common import Currency, DateRangeArgs, Day, DecimalText, Id, QueryId, StrictSchema, Text, sort_field
from .payments import rate_text


class AllocationSchema(StrictSchema):
    id = fields.Integer(required=True)
    pledge_id = fields.Integer(required=True)
    donor_id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(required=True)
    allocation_date = fields.Date(required=True)
    amount = fields.String(required=True, metadata={"description": "USD."})
    currency = fields.String(required=True, metadata={"description": "Always USD."})
    note = fields.String(required=True, allow_none=True)


class AllocationListArgs(DateRangeArgs):
    """Filters: donor, pledge, project, allocation dates."""

    donor_id = QueryId()
    pledge_id = QueryId()
    project_id = QueryId()
    sort = sort_field(["allocation_date", "id"], "-allocation_date")


class AllocationCreateSchema(StrictSchema):
    pledge_id = Id(required=True)
    project_id = Id(required=True)
    amount = DecimalText(required=True, metadata={"description": "USD, at most 2 decimals."})
    allocation_date = Day(required=True)
    note = Text(max_length=2000, load_default=None)


class ExpenditureSchema(StrictSchema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(required=True)
    expenditure_date = fields.Date(required=True)
    amount = fields.String(required=True)
    currency = fields.String(required=True)
    usd_amount = fields.String(required=True)
    rate = fields.String(required=True)
    rate_date = fields.Date(required=True)
    description = fields.String(required=True)
    journal_entry_id = fields.Integer(allow_none=True, metadata={"description": "Single expenditure only."})


class ExpenditureListArgs(DateRangeArgs):
    """Filters: project, donor (charged to its money), beneficiary country and instrument of the project,
    currency, expenditure dates."""

    project_id = QueryId()
    donor_id = QueryId()
    country_id = QueryId(metadata={"description": "The project's lead country."})
    instrument_id = QueryId(metadata={"description": "The project's lead instrument."})
    currency = Currency(load_default=None)
    sort = sort_field(["expenditure_date", "id"], "-expenditure_date")


class ExpenditureCreateSchema(StrictSchema):
    project_id = Id(required=True)
    amount = DecimalText(required=True)
    currency = Currency(required=True)
    expenditure_date = Day(required=True)
    description = Text(required=True, min_length=1, max_length=2000)
    pledge_id = Id(
        load_default=None,
        metadata={
            "description": "Charge one contribution only; otherwise the oldest "
            "pledges funding the project are used first."
        },
    )


def allocation_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "pledge_id": row.pledge_id,
        "donor_id": row.donor_id,
        "project_id": row.project_id,
        "project_code": row.project_code,
        "allocation_date": day(row.allocation_date),
        "amount": usd(row.usd_minor),
        "currency": "USD",
        "note": row.note,
    }


def expenditure_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "project_code": row.project_code,
        "expenditure_date": day(row.expenditure_date),
        "amount": amount(row.amount_minor, row.exponent),
        "currency": row.currency,
        "usd_amount": usd(row.usd_minor),
        "rate": rate_text(row.rate_scaled),
        "rate_date": day(row.rate_date),
        "description": row.description,
    }
