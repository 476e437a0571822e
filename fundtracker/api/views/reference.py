"""/api/v1 reference data: currencies, countries (with UN status history), instruments, entities."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...auth.models import ADMIN
from ...extensions import db
from ...reference.services import set_country_status
from ..core import ApiBlueprint, action, actor
from ..queries import reference as q
from ..render import json_response
from ..schemas.reference import (
    CountryListArgs,
    CountrySchema,
    CountryStatusCreateSchema,
    CountryStatusSchema,
    CurrencyListArgs,
    CurrencySchema,
    EntitySchema,
    IdListArgs,
    InstrumentSchema,
    country_item,
    currency_item,
    entity_item,
    instrument_item,
    status_item,
)
from .common import LIST_HEADERS, listed

currencies = ApiBlueprint(
    "currencies", __name__, "/currencies", "ISO 4217 currencies and their decimal places."
)
countries = ApiBlueprint(
    "countries", __name__, "/countries", "Countries, their M49 region and dated UN development status."
)
instruments = ApiBlueprint("instruments", __name__, "/instruments", "UNTOC and its three Protocols.")
entities = ApiBlueprint(
    "implementing_entities",
    __name__,
    "/implementing-entities",
    "The Fund's secretariat and the PNI institutes that implement projects.",
)


@currencies.route("")
class Currencies(MethodView):
    @action()
    @currencies.arguments(CurrencyListArgs, location="query", as_kwargs=True)
    @currencies.response(200, CurrencySchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List currencies."""
        return listed(q.list_currencies, args, currency_item)


@countries.route("")
class Countries(MethodView):
    @action()
    @countries.arguments(CountryListArgs, location="query", as_kwargs=True)
    @countries.response(200, CountrySchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List countries (filter by region or sub-region, and by the UN status in force today)."""
        return listed(q.list_countries, args, country_item)


def _country(country_id: int) -> dict[str, Any]:
    row, history = q.get_country(db.session, country_id)
    return {**country_item(row), "status_history": [status_item(h) for h in history]}


@countries.route("/<id:country_id>")
class Country(MethodView):
    @action()
    @countries.response(200, CountrySchema)
    def get(self, country_id: int):
        """One country with its status history."""
        return json_response(_country(country_id))


@countries.route("/<id:country_id>/statuses")
class CountryStatuses(MethodView):
    @action(ADMIN)
    @countries.arguments(CountryStatusCreateSchema, as_kwargs=True)
    @countries.response(201, CountryStatusSchema)
    def post(self, country_id: int, **data: Any):
        """Record a UN status from a date (administrators); the history stays."""
        row = set_country_status(
            db.session,
            country_id,
            data["status"],
            data["effective_from"],
            actor=actor(),
            source=data.get("source"),
        )
        return json_response(status_item(row), status=201)


@instruments.route("")
class Instruments(MethodView):
    @action()
    @instruments.arguments(IdListArgs, location="query", as_kwargs=True)
    @instruments.response(200, InstrumentSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List instruments."""
        return listed(q.list_instruments, args, instrument_item)


@instruments.route("/<id:instrument_id>")
class Instrument(MethodView):
    @action()
    @instruments.response(200, InstrumentSchema)
    def get(self, instrument_id: int):
        """One instrument."""
        return json_response(instrument_item(q.get_instrument(db.session, instrument_id)))


@entities.route("")
class Entities(MethodView):
    @action()
    @entities.arguments(IdListArgs, location="query", as_kwargs=True)
    @entities.response(200, EntitySchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List implementing entities."""
        return listed(q.list_entities, args, entity_item)


@entities.route("/<id:entity_id>")
class Entity(MethodView):
    @action()
    @entities.response(200, EntitySchema)
    def get(self, entity_id: int):
        """One implementing entity."""
        return json_response(entity_item(q.get_entity(db.session, entity_id)))
