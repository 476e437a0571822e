"""Project schemas: a project with beneficiaries, instruments, themes, budget; filters; create, update."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ...projects.models import PROJECT_STATUSES, THEMES
from ..render import day, moment, usd
from .balances import FiguresSchema
from .common import DecimalText, Id, ListArgs, QueryId, StrictSchema, Text, sort_field


class BeneficiarySchema(StrictSchema):
    country_id = fields.Integer(required=True)
    iso3 = fields.String(required=True)
    name = fields.String(required=True)
    exception_reason = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "An administrator's recorded eligibility exception."},
    )


class BudgetYearSchema(StrictSchema):
    year = fields.Integer(required=True)
    original = fields.String(required=True, metadata={"description": "USD."})
    revised = fields.String(required=True, allow_none=True, metadata={"description": "USD, once revised."})


class ProjectSchema(StrictSchema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(PROJECT_STATUSES)})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    implementing_entity_id = fields.Integer(required=True)
    officer_id = fields.Integer(required=True, allow_none=True)
    lead_country_id = fields.Integer(required=True)
    lead_instrument_id = fields.Integer(required=True)
    beneficiary_ids = fields.List(fields.Integer(), required=True)
    instrument_ids = fields.List(fields.Integer(), required=True)
    themes = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True)
    description = fields.String(allow_none=True, metadata={"description": "Single project only."})
    beneficiaries = fields.List(
        fields.Nested(BeneficiarySchema), metadata={"description": "Single project only."}
    )
    budget = fields.List(fields.Nested(BudgetYearSchema), metadata={"description": "Single project only."})
    figures = fields.Nested(
        FiguresSchema,
        metadata={"description": "Single project only, USD; for a donor liaison only its own donor's money."},
    )


class ProjectListArgs(ListArgs):
    """Filters: status, beneficiary country, instrument, officer, implementing entity, funding donor."""

    status = fields.String(load_default=None, validate=validate.OneOf(PROJECT_STATUSES))
    country_id = QueryId(metadata={"description": "A beneficiary country."})
    instrument_id = QueryId()
    officer_id = QueryId()
    implementing_entity_id = QueryId()
    donor_id = QueryId(metadata={"description": "Projects this donor's money was allocated to."})
    sort = sort_field(["id", "code", "start_date"], "code")


class BudgetInputSchema(StrictSchema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=1900, max=2199))
    amount = DecimalText(required=True, metadata={"description": "USD, at most 2 decimals."})


class ExceptionInputSchema(StrictSchema):
    country_id = Id(required=True)
    reason = Text(required=True, min_length=1, max_length=2000)


class ProjectCreateSchema(StrictSchema):
    code = Text(required=True, min_length=1, max_length=40)
    title = Text(required=True, min_length=1, max_length=500)
    description = Text(max_length=10000, load_default=None)
    implementing_entity_id = Id(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    beneficiary_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=200))
    instrument_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=10))
    themes = fields.List(
        fields.String(validate=validate.OneOf(THEMES)), load_default=None, validate=validate.Length(max=20)
    )
    officer_id = Id(
        load_default=None, metadata={"description": "Ignored for a project officer (always itself)."}
    )
    status = fields.String(load_default="active", validate=validate.OneOf(PROJECT_STATUSES))
    budget = fields.List(
        fields.Nested(BudgetInputSchema), load_default=None, validate=validate.Length(max=100)
    )
    exceptions = fields.List(
        fields.Nested(ExceptionInputSchema),
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "Eligibility exceptions (administrators only)."},
    )


class ProjectUpdateSchema(StrictSchema):
    title = Text(min_length=1, max_length=500)
    description = Text(max_length=10000, allow_none=True)
    status = fields.String(validate=validate.OneOf(PROJECT_STATUSES))
    end_date = fields.Date()
    revised_budget = fields.List(fields.Nested(BudgetInputSchema), validate=validate.Length(max=100))

    @validates_schema
    def _something(self, data: dict[str, Any], **_kw: Any) -> None:
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class BeneficiaryCreateSchema(StrictSchema):
    country_id = Id(required=True)
    exception_reason = Text(max_length=2000, load_default=None)


def project_item(row: Any, related: dict[str, dict[int, list[Any]]]) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "title": row.title,
        "status": row.status,
        "start_date": day(row.start_date),
        "end_date": day(row.end_date),
        "implementing_entity_id": row.implementing_entity_id,
        "officer_id": row.officer_id,
        "lead_country_id": row.lead_country_id,
        "lead_instrument_id": row.lead_instrument_id,
        "beneficiary_ids": related["beneficiaries"].get(row.id, []),
        "instrument_ids": related["instruments"].get(row.id, []),
        "themes": related["themes"].get(row.id, []),
        "created_at": moment(row.created_at),
    }


def beneficiary_item(row: Any) -> dict[str, Any]:
    return {
        "country_id": row.country_id,
        "iso3": row.iso3,
        "name": row.name,
        "exception_reason": row.exception_reason,
    }


def budget_item(row: Any) -> dict[str, Any]:
    return {"year": row.year, "original": usd(row.original_usd_minor), "revised": usd(row.revised_usd_minor)}
