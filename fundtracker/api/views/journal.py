"""/api/v1 journal entries and lines, reversals (idempotent), and accounting periods (close, reopen)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...auth.models import ADMIN
from ...auth.permissions import MONEY_WRITERS, STAFF_READERS
from ...extensions import db
from ...ledger.services import close_period, reopen_period, reverse_entry
from ..core import ApiBlueprint, action, actor
from ..queries import journal as q
from ..render import json_response, list_response
from ..schemas.journal import (
    EntryListArgs,
    EntrySchema,
    LineListArgs,
    LineSchema,
    PeriodCloseSchema,
    PeriodListArgs,
    PeriodReopenSchema,
    PeriodSchema,
    ReversalCreateSchema,
    ReversalListArgs,
    entry_item,
    line_item,
    period_item,
)
from .common import LIST_HEADERS, created, listed

entries = ApiBlueprint(
    "journal_entries",
    __name__,
    "/journal-entries",
    "The append-only, hash-chained double-entry journal (staff only).",
)
lines = ApiBlueprint(
    "journal_lines", __name__, "/journal-lines", "Journal lines with their dimensions (staff only)."
)
reversals = ApiBlueprint(
    "reversals",
    __name__,
    "/reversals",
    "Corrections: an opposite entry linked to the original, with a reason (rule 7).",
)
periods = ApiBlueprint("periods", __name__, "/periods", "Financial years; a closed year accepts no posting.")
YEAR = "<int(min=1900, max=2199):year>"


def entry_body(entry_id: int) -> dict[str, Any]:
    row, entry_lines = q.get_entry(db.session, entry_id)
    return {**entry_item(row), "lines": [line_item(line) for line in entry_lines]}


@entries.route("")
class Entries(MethodView):
    @action(*STAFF_READERS)
    @entries.arguments(EntryListArgs, location="query", as_kwargs=True)
    @entries.response(200, EntrySchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List journal entries."""
        return listed(q.list_entries, args, entry_item)


@entries.route("/<id:entry_id>")
class Entry(MethodView):
    @action(*STAFF_READERS)
    @entries.response(200, EntrySchema)
    def get(self, entry_id: int):
        """One journal entry with its lines."""
        return json_response(entry_body(entry_id))


@lines.route("")
class Lines(MethodView):
    @action(*STAFF_READERS)
    @lines.arguments(LineListArgs, location="query", as_kwargs=True)
    @lines.response(200, LineSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List journal lines."""
        return listed(q.list_lines, args, line_item)


@reversals.route("")
class Reversals(MethodView):
    @action(*STAFF_READERS)
    @reversals.arguments(ReversalListArgs, location="query", as_kwargs=True)
    @reversals.response(200, EntrySchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List reversal entries."""
        page = q.list_entries(db.session, args, reversals_only=True)
        return list_response(page, map(entry_item, page.rows))

    @action(*MONEY_WRITERS, idempotent=True)
    @reversals.arguments(ReversalCreateSchema, as_kwargs=True)
    @reversals.response(201, EntrySchema)
    def post(self, **data: Any):
        """Reverse a payment, allocation, expenditure, cancellation or write-off entry (finance, admin)."""
        entry = reverse_entry(
            db.session,
            data["entry_id"],
            reason=data["reason"],
            actor=actor(),
            reversal_date=data.get("reversal_date"),
        )
        return created(entry_body(entry.id), "journal_entries.Entry", entry_id=entry.id)


@periods.route("")
class Periods(MethodView):
    @action()
    @periods.arguments(PeriodListArgs, location="query", as_kwargs=True)
    @periods.response(200, PeriodSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List financial years that have been closed or reopened."""
        return listed(q.list_periods, args, period_item)


@periods.route(f"/{YEAR}/close")
class PeriodClose(MethodView):
    @action(*MONEY_WRITERS, idempotent=True)
    @periods.arguments(PeriodCloseSchema, required=False)
    @periods.response(200, PeriodSchema)
    def post(self, _data: dict[str, Any], year: int):
        """Close a year: revalue open foreign-currency receivables at the closing rate, then lock it."""
        close_period(db.session, year, actor=actor())
        return json_response(period_item(q.get_period(db.session, year)))


@periods.route(f"/{YEAR}/reopen")
class PeriodReopen(MethodView):
    @action(ADMIN, idempotent=True)
    @periods.arguments(PeriodReopenSchema, as_kwargs=True)
    @periods.response(200, PeriodSchema)
    def post(self, year: int, **data: Any):
        """Reopen a closed year (administrators, with a reason); its revaluation is undone."""
        reopen_period(db.session, year, actor=actor(), reason=data["reason"])
        return json_response(period_item(q.get_period(db.session, year)))
