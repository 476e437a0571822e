"""/api/v1/pledges: list, read, create (idempotent), and amend / confirm / cancel / write off / re-earmark."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...auth.permissions import MONEY_WRITERS
from ...contributions import services
from ...extensions import db
from ...ledger.queries import totals
from ..core import ApiBlueprint, action, actor
from ..queries.pledges import get_pledge_rows, list_pledges
from ..render import json_response, list_response
from ..schemas.balances import figures_item
from ..schemas.pledges import (
    AmendSchema,
    CloseSchema,
    ConfirmSchema,
    PledgeCreateSchema,
    PledgeListArgs,
    PledgeSchema,
    ReearmarkSchema,
    amendment_item,
    instalment_item,
    pledge_item,
)
from .common import LIST_HEADERS, created

blp = ApiBlueprint("pledges", __name__, "/pledges", "Donors' promises: amounts, earmarks, PSC rate, status.")


def pledge_body(pledge_id: int) -> dict[str, Any]:
    row, amendments, instalments = get_pledge_rows(db.session, actor(), pledge_id)
    return {
        **pledge_item(row),
        "amendments": [amendment_item(a, row.exponent) for a in amendments],
        "instalments": [instalment_item(i, row.exponent) for i in instalments],
        "figures": figures_item(totals(db.session, pledge_ids=[pledge_id])),
    }


@blp.route("")
class Pledges(MethodView):
    @action()
    @blp.arguments(PledgeListArgs, location="query", as_kwargs=True)
    @blp.response(200, PledgeSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List pledges (a liaison: its donor's only)."""
        page = list_pledges(db.session, actor(), args)
        return list_response(page, map(pledge_item, page.rows))

    @action(*MONEY_WRITERS, idempotent=True)
    @blp.arguments(PledgeCreateSchema, as_kwargs=True)
    @blp.response(201, PledgeSchema)
    def post(self, **data: Any):
        """Record a pledge at the UN rate of its date; a confirmed one posts revenue and a receivable."""
        data["instalments"] = [(i["due_date"], i["amount"]) for i in data.get("instalments") or []]
        data["earmark_target"] = {
            k: v for k, v in (data.get("earmark_target") or {}).items() if v is not None
        }
        pledge = services.create_pledge(db.session, actor=actor(), **data)
        return created(pledge_body(pledge.id), "pledges.Pledge", pledge_id=pledge.id)


@blp.route("/<id:pledge_id>")
class Pledge(MethodView):
    @action()
    @blp.response(200, PledgeSchema)
    def get(self, pledge_id: int):
        """One pledge with its amendments, instalments and figures."""
        return json_response(pledge_body(pledge_id))


@blp.route("/<id:pledge_id>/amendments")
class PledgeAmendments(MethodView):
    @action(*MONEY_WRITERS, idempotent=True)
    @blp.arguments(AmendSchema, as_kwargs=True)
    @blp.response(200, PledgeSchema)
    def post(self, pledge_id: int, **data: Any):
        """Change the amount by an amendment (original, delta, reason); a confirmed pledge posts the delta."""
        services.require_pledge(db.session, pledge_id)
        services.amend_pledge(db.session, pledge_id, actor=actor(), **data)
        return json_response(pledge_body(pledge_id))


@blp.route("/<id:pledge_id>/confirm")
class PledgeConfirm(MethodView):
    @action(*MONEY_WRITERS, idempotent=True)
    @blp.arguments(ConfirmSchema, required=False)
    @blp.response(200, PledgeSchema)
    def post(self, _data: dict[str, Any], pledge_id: int):
        """The agreement was signed: post revenue and the receivable at the pledge's USD value."""
        services.require_pledge(db.session, pledge_id)
        services.confirm_pledge(db.session, pledge_id, actor=actor())
        return json_response(pledge_body(pledge_id))


@blp.route("/<id:pledge_id>/cancel")
class PledgeCancel(MethodView):
    @action(*MONEY_WRITERS, idempotent=True)
    @blp.arguments(CloseSchema, as_kwargs=True)
    @blp.response(200, PledgeSchema)
    def post(self, pledge_id: int, **data: Any):
        """Cancel the unpaid part of a pledge (reverses its revenue)."""
        services.require_pledge(db.session, pledge_id)
        services.cancel_pledge(db.session, pledge_id, actor=actor(), **data)
        return json_response(pledge_body(pledge_id))


@blp.route("/<id:pledge_id>/write-off")
class PledgeWriteOff(MethodView):
    @action(*MONEY_WRITERS, idempotent=True)
    @blp.arguments(CloseSchema, as_kwargs=True)
    @blp.response(200, PledgeSchema)
    def post(self, pledge_id: int, **data: Any):
        """Write off the unpaid part of a pledge as an expense."""
        services.require_pledge(db.session, pledge_id)
        services.write_off_pledge(db.session, pledge_id, actor=actor(), **data)
        return json_response(pledge_body(pledge_id))


@blp.route("/<id:pledge_id>/earmark")
class PledgeEarmark(MethodView):
    @action(*MONEY_WRITERS)
    @blp.arguments(ReearmarkSchema, as_kwargs=True)
    @blp.response(200, PledgeSchema)
    def put(self, pledge_id: int, **data: Any):
        """Change the earmark, with the reference of the donor's recorded consent (rule 4)."""
        services.require_pledge(db.session, pledge_id)
        target = {k: v for k, v in (data.pop("target") or {}).items() if v is not None}
        services.reearmark_pledge(db.session, pledge_id, actor=actor(), target=target, **data)
        return json_response(pledge_body(pledge_id))
