"""/api/v1/allocations and /api/v1/expenditures: list, read, and post (idempotent)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...allocations.services import allocate, record_expenditure
from ...auth.models import ADMIN, FINANCE, PROJECT_OFFICER
from ...auth.permissions import MONEY_WRITERS
from ...extensions import db
from ..core import ApiBlueprint, action, actor
from ..queries.allocations import get_allocation, get_expenditure, list_allocations, list_expenditures
from ..render import json_response, list_response
from ..schemas.allocations import (
    AllocationCreateSchema,
    AllocationListArgs,
    AllocationSchema,
    ExpenditureCreateSchema,
    ExpenditureListArgs,
    ExpenditureSchema,
    allocation_item,
    expenditure_item,
)
from .common import LIST_HEADERS, created

allocations = ApiBlueprint(
    "allocations",
    __name__,
    "/allocations",
    "Received money of one contribution moved to one project, within its earmark.",
)
expenditures = ApiBlueprint(
    "expenditures",
    __name__,
    "/expenditures",
    "Spending on projects; programme support cost is charged on top.",
)


@allocations.route("")
class Allocations(MethodView):
    @action()
    @allocations.arguments(AllocationListArgs, location="query", as_kwargs=True)
    @allocations.response(200, AllocationSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List allocations (a liaison: of its donor's money only)."""
        page = list_allocations(db.session, actor(), args)
        return list_response(page, map(allocation_item, page.rows))

    @action(*MONEY_WRITERS, idempotent=True)
    @allocations.arguments(AllocationCreateSchema, as_kwargs=True)
    @allocations.response(201, AllocationSchema)
    def post(self, **data: Any):
        """Allocate received, unallocated USD of a contribution to a project (finance, admin)."""
        allocation = allocate(db.session, actor=actor(), amount_usd=data.pop("amount"), **data)
        body = allocation_item(get_allocation(db.session, actor(), allocation.id))
        return created(body, "allocations.Allocation", allocation_id=allocation.id)


@allocations.route("/<id:allocation_id>")
class Allocation(MethodView):
    @action()
    @allocations.response(200, AllocationSchema)
    def get(self, allocation_id: int):
        """One allocation."""
        return json_response(allocation_item(get_allocation(db.session, actor(), allocation_id)))


def _expenditure(expenditure_id: int) -> dict[str, Any]:
    row = get_expenditure(db.session, actor(), expenditure_id)
    return {**expenditure_item(row), "journal_entry_id": row.journal_entry_id}


@expenditures.route("")
class Expenditures(MethodView):
    @action()
    @expenditures.arguments(ExpenditureListArgs, location="query", as_kwargs=True)
    @expenditures.response(200, ExpenditureSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List expenditures (a liaison: those charged to its donor's money)."""
        page = list_expenditures(db.session, actor(), args)
        return list_response(page, map(expenditure_item, page.rows))

    @action(ADMIN, FINANCE, PROJECT_OFFICER, idempotent=True)
    @expenditures.arguments(ExpenditureCreateSchema, as_kwargs=True)
    @expenditures.response(201, ExpenditureSchema)
    def post(self, **data: Any):
        """Record spending (finance, admin, or the project's own officer); PSC is charged, never past the
        project's allocations."""
        expenditure = record_expenditure(db.session, actor=actor(), **data)
        return created(
            _expenditure(expenditure.id), "expenditures.Expenditure", expenditure_id=expenditure.id
        )


@expenditures.route("/<id:expenditure_id>")
class Expenditure(MethodView):
    @action()
    @expenditures.response(200, ExpenditureSchema)
    def get(self, expenditure_id: int):
        """One expenditure, with the journal entry that posted it."""
        return json_response(_expenditure(expenditure_id))
