"""Pledge schemas: a pledge with its derived status, the list's filters, and the create, amend, cancel,
write-off, confirm and re-earmark requests."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ...contributions.models import PLEDGE_STATUSES, SOURCES_OF_FUNDS
from ...projects.models import THEMES
from ..render import amount, day, moment
from .balances import FiguresSchema
from .common import (
    RATE_TEXT,
    Currency,
    DateRangeArgs,
    Day,
    DecimalText,
    Id,
    QueryId,
    StrictSchema,
    Text,
    sort_field,
)
from .payments import rate_text

PSC_TEXT = RATE_TEXT


class EarmarkSchema(StrictSchema):
    level = fields.Integer(
        required=True,
        metadata={
            "description": "IATI earmarking category: 1 unearmarked, "
            "2 softly, 3 to a country, 4 to a project."
        },
    )
    instrument_id = fields.Integer(required=True, allow_none=True)
    theme = fields.String(required=True, allow_none=True)
    region = fields.String(required=True, allow_none=True)
    country_id = fields.Integer(required=True, allow_none=True)
    project_id = fields.Integer(required=True, allow_none=True)


class AmendmentSchema(StrictSchema):
    id = fields.Integer(required=True)
    amendment_date = fields.Date(required=True)
    delta = fields.String(
        required=True, metadata={"description": "Change of the amount, in the pledge currency."}
    )
    reason = fields.String(required=True)


class InstalmentSchema(StrictSchema):
    due_date = fields.Date(required=True)
    amount = fields.String(required=True)


class PledgeSchema(StrictSchema):
    id = fields.Integer(required=True)
    donor_id = fields.Integer(required=True)
    donor_name = fields.String(required=True)
    reference = fields.String(required=True, allow_none=True)
    pledge_date = fields.Date(required=True)
    currency = fields.String(required=True)
    original_amount = fields.String(required=True)
    amount = fields.String(
        required=True, metadata={"description": "Current amount: original plus amendments."}
    )
    paid = fields.String(required=True, metadata={"description": "Paid so far, in the pledge currency."})
    rate = fields.String(
        required=True, metadata={"description": "UN rate of the pledge date (fixes its USD value)."}
    )
    rate_date = fields.Date(required=True)
    status = fields.String(required=True, metadata={"enum": list(PLEDGE_STATUSES)})
    psc_rate = fields.String(required=True, metadata={"description": 'Fraction, e.g. "0.13".'})
    source_of_funds = fields.String(required=True, metadata={"enum": list(SOURCES_OF_FUNDS)})
    earmark = fields.Nested(EarmarkSchema, required=True)
    created_at = fields.DateTime(required=True)
    amendments = fields.List(fields.Nested(AmendmentSchema), metadata={"description": "Single pledge only."})
    instalments = fields.List(
        fields.Nested(InstalmentSchema), metadata={"description": "Single pledge only."}
    )
    figures = fields.Nested(FiguresSchema, metadata={"description": "Single pledge only, USD."})


class PledgeListArgs(DateRangeArgs):
    """Filters: donor, status, currency, pledge dates, earmark level, source of funds."""

    donor_id = QueryId()
    status = fields.String(load_default=None, validate=validate.OneOf(PLEDGE_STATUSES))
    currency = Currency(load_default=None)
    earmark_level = fields.Integer(load_default=None, validate=validate.Range(min=1, max=4))
    source_of_funds = fields.String(load_default=None, validate=validate.OneOf(SOURCES_OF_FUNDS))
    sort = sort_field(["pledge_date", "id"], "-pledge_date")


class EarmarkTargetSchema(StrictSchema):
    """Exactly one target for levels 2-4: an instrument, theme or region (2), a country (3), a project (4)."""

    instrument = Id(load_default=None)
    theme = fields.String(load_default=None, validate=validate.OneOf(THEMES))
    region = Text(max_length=80, load_default=None)
    country = Id(load_default=None)
    project = Id(load_default=None)


class InstalmentInputSchema(StrictSchema):
    due_date = Day(required=True)
    amount = DecimalText(required=True)


class PledgeCreateSchema(StrictSchema):
    donor_id = Id(required=True)
    amount = DecimalText(required=True)
    currency = Currency(required=True)
    pledge_date = Day(required=True)
    confirmed = fields.Boolean(
        load_default=True,
        metadata={"description": "Agreement signed (posts revenue); false records an announcement."},
    )
    earmark_level = fields.Integer(load_default=1, validate=validate.Range(min=1, max=4))
    earmark_target = fields.Nested(EarmarkTargetSchema, load_default=None)
    psc_rate = DecimalText(
        load_default=None,
        pattern=PSC_TEXT,
        metadata={"description": "From the donor agreement; default 0.13 (0 if unearmarked)."},
    )
    source_of_funds = fields.String(load_default="regular", validate=validate.OneOf(SOURCES_OF_FUNDS))
    reference = Text(max_length=120, load_default=None)
    instalments = fields.List(
        fields.Nested(InstalmentInputSchema), load_default=None, validate=validate.Length(max=120)
    )


class AmendSchema(StrictSchema):
    new_amount = DecimalText(required=True)
    reason = Text(required=True, min_length=1, max_length=2000)
    amendment_date = Day(required=True)


class CloseSchema(StrictSchema):
    on = Day(required=True, metadata={"description": "Date of the cancellation or write-off."})
    reason = Text(required=True, min_length=1, max_length=2000)


class ConfirmSchema(StrictSchema):
    """No fields: confirming records that the agreement was signed."""


class ReearmarkSchema(StrictSchema):
    level = fields.Integer(required=True, validate=validate.Range(min=1, max=4))
    target = fields.Nested(EarmarkTargetSchema, load_default=None)
    consent_reference = Text(required=True, min_length=1, max_length=500)
    consent_date = Day(required=True)

    @validates_schema
    def _target(self, data: dict[str, Any], **_kw: Any) -> None:
        if data["level"] > 1 and not data.get("target"):
            raise ValidationError("An earmark of level 2 to 4 needs its target.", "target")


def pledge_item(row: Any) -> dict[str, Any]:
    exponent = row.exponent
    return {
        "id": row.id,
        "donor_id": row.donor_id,
        "donor_name": row.donor_name,
        "reference": row.reference,
        "pledge_date": day(row.pledge_date),
        "currency": row.currency,
        "original_amount": amount(row.original_minor, exponent),
        "amount": amount(row.amount_minor, exponent),
        "paid": amount(row.paid_minor, exponent),
        "rate": rate_text(row.rate_scaled),
        "rate_date": day(row.rate_date),
        "status": row.status,
        "psc_rate": rate_text(row.psc_scaled * 10_000),
        "source_of_funds": row.source_of_funds,
        "earmark": {
            "level": row.earmark_level,
            "instrument_id": row.earmark_instrument_id,
            "theme": row.earmark_theme,
            "region": row.earmark_region,
            "country_id": row.earmark_country_id,
            "project_id": row.earmark_project_id,
        },
        "created_at": moment(row.created_at),
    }


def amendment_item(row: Any, exponent: int) -> dict[str, Any]:
    return {
        "id": row.id,
        "amendment_date": day(row.amendment_date),
        "delta": amount(row.delta_minor, exponent),
        "reason": row.reason,
    }


def instalment_item(row: Any, exponent: int) -> dict[str, Any]:
    return {"due_date": day(row.due_date), "amount": amount(row.amount_minor, exponent)}
