"""/api/v1/donors: list, read (with figures) and create donors."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...auth.permissions import MONEY_WRITERS
from ...donors.services import create_donor, get_donor
from ...extensions import db
from ...ledger.queries import totals
from ..core import ApiBlueprint, action, actor
from ..queries.donors import list_donors
from ..render import json_response, list_response
from ..schemas.balances import figures_item
from ..schemas.donors import DonorCreateSchema, DonorListArgs, DonorSchema, donor_item
from .common import LIST_HEADERS, created

blp = ApiBlueprint(
    "donors", __name__, "/donors", "Member States, organisations and others who give to the Fund."
)


@blp.route("")
class Donors(MethodView):
    @action()
    @blp.arguments(DonorListArgs, location="query", as_kwargs=True)
    @blp.response(200, DonorSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List donors (a liaison: its own donor only)."""
        page = list_donors(db.session, actor(), args)
        return list_response(page, map(donor_item, page.rows))

    @action(*MONEY_WRITERS)
    @blp.arguments(DonorCreateSchema, as_kwargs=True)
    @blp.response(201, DonorSchema)
    def post(self, **data: Any):
        """Create a donor (finance, admin)."""
        donor = create_donor(db.session, actor=actor(), **data)
        return created(donor_body(donor), "donors.Donor", donor_id=donor.id)


@blp.route("/<id:donor_id>")
class Donor(MethodView):
    @action()
    @blp.response(200, DonorSchema)
    def get(self, donor_id: int):
        """One donor with its figures (another donor does not exist for a liaison)."""
        return json_response(donor_body(get_donor(db.session, donor_id, actor=actor())))


def donor_body(donor: Any) -> dict[str, Any]:
    return {**donor_item(donor), "figures": figures_item(totals(db.session, donor_id=donor.id))}
