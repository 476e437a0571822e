"""/api/v1/exchange-rates: list, record one (or correct it), and record many at once."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...auth.permissions import MONEY_WRITERS
from ...errors import InvalidInput
from ...extensions import db
from ...fx.models import ExchangeRate
from ...fx.services import set_rate
from ..core import ApiBlueprint, action, actor
from ..queries.rates import get_rate, list_rates
from ..render import json_response
from ..schemas.rates import (
    RateBulkResultSchema,
    RateBulkSchema,
    RateCreateSchema,
    RateListArgs,
    RateSchema,
    rate_item,
)
from .common import LIST_HEADERS, listed

blp = ApiBlueprint(
    "exchange_rates",
    __name__,
    "/exchange-rates",
    "UN operational rates of exchange: currency units per USD from an effective date.",
)


def _set_rate(fields: dict[str, Any]) -> tuple[ExchangeRate, bool]:
    """Record (or correct) one rate from a request's fields; returns the row and whether it was new."""
    return set_rate(
        db.session,
        fields["currency"],
        fields["effective_date"],
        fields["units_per_usd"],
        actor=actor(),
        source=fields.get("source"),
    )


@blp.route("")
class Rates(MethodView):
    @action()
    @blp.arguments(RateListArgs, location="query", as_kwargs=True)
    @blp.response(200, RateSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List rates."""
        return listed(list_rates, args, rate_item)

    @action(*MONEY_WRITERS)
    @blp.arguments(RateCreateSchema, as_kwargs=True)
    @blp.response(201, RateSchema)
    @blp.alt_response(200, schema=RateSchema, description="The rate of that currency and date was corrected.")
    def post(self, **data: Any):
        """Record the rate of a currency from a date, or correct it (posted conversions keep their rate)."""
        row, new = _set_rate(data)
        return json_response(rate_item(get_rate(db.session, row.id)), status=201 if new else 200)


@blp.route("/bulk")
class RatesBulk(MethodView):
    @action(*MONEY_WRITERS)
    @blp.arguments(RateBulkSchema)
    @blp.response(200, RateBulkResultSchema)
    def post(self, data: dict[str, Any]):
        """Record up to 1,000 rates in one transaction: all of them, or none if one is refused."""
        created = updated = 0
        for index, item in enumerate(data["rates"]):
            try:
                _row, new = _set_rate(item)
            except InvalidInput as exc:
                raise InvalidInput({f"rates.{index}.{k}": v for k, v in exc.errors.items()}) from exc
            created, updated = created + new, updated + (not new)
        return json_response({"created": created, "updated": updated})
