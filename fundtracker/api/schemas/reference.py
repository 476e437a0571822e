"""Reference data schemas: currencies, countries and their dated UN status, instruments, entities."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from ...reference.models import STATUSES
from ..render import day
from .common import Day, ListArgs, StrictSchema, Text, sort_field


class CurrencySchema(StrictSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    exponent = fields.Integer(
        required=True, metadata={"description": "Decimal places of an amount (ISO 4217)."}
    )


class CurrencyListArgs(ListArgs):
    sort = sort_field(["code"], "code")


class CountryStatusSchema(StrictSchema):
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    effective_from = fields.Date(required=True)
    source = fields.String(required=True, allow_none=True)


class CountrySchema(StrictSchema):
    id = fields.Integer(required=True)
    iso3 = fields.String(required=True)
    iso2 = fields.String(required=True, allow_none=True)
    m49 = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True, allow_none=True)
    subregion = fields.String(required=True, allow_none=True)
    ldc = fields.Boolean(required=True)
    lldc = fields.Boolean(required=True)
    sids = fields.Boolean(required=True)
    status = fields.String(
        required=True, allow_none=True, metadata={"description": "UN status in force today."}
    )
    status_history = fields.List(
        fields.Nested(CountryStatusSchema), metadata={"description": "Single country only."}
    )


class CountryListArgs(ListArgs):
    region = Text(max_length=80, load_default=None)
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "UN development status in force today."},
    )
    sort = sort_field(["id", "name", "iso3"], "name")


class CountryStatusCreateSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    effective_from = Day(required=True)
    source = Text(max_length=500, load_default=None)


class InstrumentSchema(StrictSchema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    treaty_no = fields.String(required=True)
    short_name = fields.String(required=True)
    title = fields.String(required=True)
    adopted = fields.Date(required=True, allow_none=True)
    entry_into_force = fields.Date(required=True, allow_none=True)


class EntitySchema(StrictSchema):
    id = fields.Integer(required=True)
    acronym = fields.String(required=True)
    name = fields.String(required=True)
    city = fields.String(required=True, allow_none=True)
    country_id = fields.Integer(required=True, allow_none=True)
    kind = fields.String(required=True)


class IdListArgs(ListArgs):
    sort = sort_field(["id"], "id")


def currency_item(row: Any) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "exponent": row.exponent}


def country_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "iso3": row.iso3,
        "iso2": row.iso2,
        "m49": row.m49,
        "name": row.name,
        "region": row.region,
        "subregion": row.subregion,
        "ldc": bool(row.ldc),
        "lldc": bool(row.lldc),
        "sids": bool(row.sids),
        "status": row.status,
    }


def status_item(row: Any) -> dict[str, Any]:
    return {"status": row.status, "effective_from": day(row.effective_from), "source": row.source}


def instrument_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "treaty_no": row.treaty_no,
        "short_name": row.short_name,
        "title": row.title,
        "adopted": day(row.adopted),
        "entry_into_force": day(row.entry_into_force),
    }


def entity_item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "acronym": row.acronym,
        "name": row.name,
        "city": row.city,
        "country_id": row.country_id,
        "kind": row.kind,
    }
