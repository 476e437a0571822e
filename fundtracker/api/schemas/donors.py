"""Donor schemas: a donor (with its figures when read alone), the list's filters, and creating a donor."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from ...donors.models import DONOR_KINDS
from .balances import FiguresSchema
from .common import Id, ListArgs, QueryId, StrictSchema, Text, sort_field


class DonorSchema(StrictSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": list(DONOR_KINDS)})
    country_id = fields.Integer(required=True, allow_none=True)
    figures = fields.Nested(FiguresSchema, metadata={"description": "Single donor only: its figures in USD."})


class DonorListArgs(ListArgs):
    kind = fields.String(load_default=None, validate=validate.OneOf(DONOR_KINDS))
    country_id = QueryId()
    sort = sort_field(["id", "name"], "name")


class DonorCreateSchema(StrictSchema):
    name = Text(required=True, min_length=1, max_length=200)
    kind = fields.String(required=True, validate=validate.OneOf(DONOR_KINDS))
    country_id = Id(load_default=None, metadata={"description": "Required for a Member State."})


def donor_item(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "kind": row.kind, "country_id": row.country_id}
