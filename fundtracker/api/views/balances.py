"""/api/v1/balances: the Fund's figures in USD, in total and by donor, project, year, instrument, country,
region. Every figure is a SQL aggregate of the journal; a liaison's are of its own donor's money only."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...extensions import db
from ..core import ApiBlueprint, action, actor
from ..queries.balances import fund_totals, grouped
from ..render import json_response
from ..schemas.balances import BalanceArgs, FiguresSchema, GroupedFiguresSchema, figures_item

blp = ApiBlueprint(
    "balances",
    __name__,
    "/balances",
    "Figures in USD from the journal. Years: pledged by pledge date, received by receipt date, "
    "allocated by allocation date, spent and PSC by expenditure date.",
)
DIMENSIONS = ("donor", "project", "year", "instrument", "country", "region")


@blp.route("/fund")
class FundBalance(MethodView):
    @action()
    @blp.arguments(BalanceArgs, location="query", as_kwargs=True)
    @blp.response(200, FiguresSchema)
    def get(self, **args: Any):
        """The Fund's totals (a liaison: its own donor's)."""
        return json_response(figures_item(fund_totals(db.session, actor(), args)))


def _grouped_view(dimension: str) -> type[MethodView]:
    class ByDimension(MethodView):
        @action()
        @blp.arguments(BalanceArgs, location="query", as_kwargs=True)
        @blp.response(200, GroupedFiguresSchema(many=True))
        def get(self, **args: Any):
            rows = grouped(db.session, actor(), dimension, args)
            return json_response([{**figures_item(r), "key": r["key"], "label": r["label"]} for r in rows])

    ByDimension.get.__doc__ = (
        f"Figures by {dimension}"
        + (
            " (attributed to each project's lead country's region)"
            if dimension == "region"
            else " (attributed to each project's lead one)"
            if dimension in ("country", "instrument")
            else ""
        )
        + "."
    )
    ByDimension.__name__ = f"By{dimension.title()}"
    return ByDimension


for _dimension in DIMENSIONS:
    blp.route(f"/by-{_dimension}", endpoint=f"by_{_dimension}")(_grouped_view(_dimension))
