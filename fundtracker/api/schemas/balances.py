"""Balance schemas: the Fund's figures in USD (strings), in total or grouped by one dimension."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from ...ledger.queries import DERIVED, FIGURES
from ..render import usd
from .common import Day, QueryId, StrictSchema

FIGURE_NAMES = [*FIGURES, *DERIVED]
FIGURE_HELP = {
    "pledged": "Confirmed pledges and amendments at the pledge-date rate (year: pledge or amendment date).",
    "received": "Cash received from donors (year: receipt date).",
    "outstanding": "Contributions still receivable, at their carrying USD value.",
    "allocated": "Allocated to projects (year: allocation date).",
    "spent": "Direct expenditure (year: expenditure date).",
    "psc": "Programme support cost charged on expenditure (year: expenditure date).",
    "fx_realised": "Realised exchange gain (negative: loss).",
    "fx_unrealised": "Unrealised exchange gain at year-end revaluations (negative: loss).",
    "written_off": "Unpaid pledges cancelled or written off.",
    "available_to_allocate": "Received less allocated.",
    "available_to_spend": "Allocated less spent and PSC.",
}


def _figure_fields() -> dict[str, fields.Field]:
    return {
        "currency": fields.String(
            required=True,
            metadata={"description": "Always USD: figures are USD equivalents, never mixed currencies."},
        ),
        **{
            name: fields.String(required=True, metadata={"description": FIGURE_HELP[name]})
            for name in FIGURE_NAMES
        },
    }


FiguresSchema = StrictSchema.from_dict(_figure_fields(), name="Figures")
GroupedFiguresSchema = StrictSchema.from_dict(
    {
        **_figure_fields(),
        "key": fields.Raw(
            required=True,
            allow_none=True,
            metadata={
                "description": "The group: an id, a year or a region name; null for money not attributed "
                "to one "
                "(e.g. "
                "cash not yet allocated has no project)."
            },
        ),
        "label": fields.String(required=True, allow_none=True),
    },
    name="GroupedFigures",
)


class BalanceArgs(StrictSchema):
    donor_id = QueryId()
    project_id = QueryId()
    date_from = Day(load_default=None, metadata={"description": "Journal entries on or after this day."})
    date_to = Day(
        load_default=None, metadata={"description": "Journal entries up to and including this day."}
    )


def figures_item(row: dict[str, Any]) -> dict[str, Any]:
    return {"currency": "USD", **{name: usd(int(row[name])) for name in FIGURE_NAMES}}
