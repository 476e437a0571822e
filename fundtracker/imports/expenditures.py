"""Expenditure rows: add through record_expenditure (PSC, ceilings, officer's own projects); never changed."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import select

from ..allocations.models import Expenditure
from ..allocations.services import record_expenditure
from ..auth.models import PROJECT_OFFICER
from ..contributions.models import Pledge
from ..projects.models import Project
from .base import EXAMPLE_KEY, PledgeLinkedHandler, RowInput
from .cells import Column, code_column, date_column, decimal_column, text_column
from .report import Action


class ExpenditureHandler(PledgeLinkedHandler):
    kind = "expenditures"
    title = "Expenditures"
    columns: ClassVar[tuple[Column, ...]] = (
        text_column("key", "Key", example=EXAMPLE_KEY, width=18,
                    help="Your own unique reference for the row (e.g. the voucher number). Importing the "
                         "same key again changes nothing. Leave blank to identify the row by its other "
                         "cells."),
        code_column("project", "Project code", required=True, choices="projects", example="GLO/2026/001",
                    width=18,
                    help="The project that spent the money (choose from the list)."),
        date_column("expenditure_date", "Expenditure date", required=True, example="2026-05-20",
                    help="The date of the spending; it must be in an open financial year."),
        code_column("currency", "Currency", required=True, choices="currencies", example="USD", width=10,
                    help="The currency spent; the UN rate of the date converts it to US dollars."),
        decimal_column("amount", "Amount", required=True, example="12500.00",
                       help="Direct cost, positive; programme support cost is charged on top."),
        text_column("description", "Description", required=True, example="Regional workshop, Nairobi",
                    width=34,
                    help="What the money was spent on."),
        text_column("pledge", "Pledge (number or key)", width=22,
                    help="Optional: charge this contribution only. Blank: the oldest contributions first."),
    )
    service_fields: ClassVar[dict[str, str]] = {"project_id": "project", "pledge_id": "pledge"}

    def __init__(self, session, actor) -> None:  # type: ignore[no-untyped-def]
        super().__init__(session, actor)
        self.projects = {code: (id_, officer) for code, id_, officer in
                         session.execute(select(Project.code, Project.id, Project.officer_id))}
        self.pledges: dict[str, Pledge] = {}
        self.existing: dict[str, Expenditure] = {}
        self.identities: dict[tuple[Any, ...], int] = {}

    def resolve(self, row: RowInput) -> None:
        self.require(row, "project", "expenditure_date", "currency", "amount", "description")
        code = row.get("project")
        if code:
            found = self.projects.get(code)
            if found is None:
                self.problem(row, "project", f"No project has the code \"{code}\".")
            elif self.actor.role == PROJECT_OFFICER and found[1] != self.actor.id:
                self.problem(row, "project", f"You are not the officer of project {code}: only its officer, "
                                             "finance or an administrator may record its expenditure.")
            else:
                row.plan["project_id"] = found[0]
        currency = self.currency(row)
        row.plan.update(currency=currency, minor=self.minor(row, currency, noun="expenditure"))

    def preload(self, rows: list[RowInput]) -> None:
        self.preload_linked(rows, Expenditure)
        span = self.date_range(rows, "expenditure_date")
        if span:
            for exp_id, project_id, day, code, minor, text in self.session.execute(
                    select(Expenditure.id, Expenditure.project_id, Expenditure.expenditure_date,
                           Expenditure.currency, Expenditure.amount_minor, Expenditure.description)
                    .where(Expenditure.expenditure_date.between(*span))):
                self.identities[(project_id, day, code, minor, text.casefold())] = exp_id

    def _identity(self, row: RowInput) -> tuple[Any, ...]:
        plan = row.plan
        return (plan["project_id"], row.get("expenditure_date"), plan["currency"], plan["minor"],
                (row.get("description") or "").casefold())

    def _finish(self, row: RowInput) -> None:
        if not self.link_pledge(row):
            return
        identity = self._identity(row)
        key = self.key_of(row, *identity, row.plan.get("pledge_id"))
        if key is None or not self.first_use_of_key(row, key):
            return
        row.result.key = key
        self.first_use_of_identity(row, identity, "project, date, currency, amount and description")
        row.result.summary = (f"expenditure of {self.money(row.plan['minor'], row.plan['currency'])} on "
                              f"{row.get('project')} on {row.get('expenditure_date').isoformat()}")

    def classify(self, row: RowInput) -> None:
        plan = row.plan
        found = self.existing.get(row.result.key or "")
        if found is None:
            twin = self.identities.get(self._identity(row))
            if twin is not None:
                self.problem(row, None, f"Duplicate of expenditure {twin}, already recorded on this project "
                                        "with the same date, currency, amount and description. If it really "
                                        "is a second expenditure, record it in fundtracker directly.")
                return
            row.result.action = Action.ADD
            return
        recorded = (found.project_id, found.expenditure_date, found.currency, found.amount_minor,
                    found.description)
        given = (plan["project_id"], row.get("expenditure_date"), plan["currency"], plan["minor"],
                 row.get("description"))
        if recorded != given:
            self.problem(row, None, f"Expenditure {found.id} with this key was recorded differently "
                                    f"({self.money(found.amount_minor, found.currency)} on "
                                    f"{found.expenditure_date.isoformat()}: {found.description}). A posted "
                                    "expenditure is never changed by an import: reverse it in fundtracker "
                                    "and import the correction under a new key.")
            return
        row.result.action = Action.UNCHANGED

    def apply(self, row: RowInput) -> None:
        plan = row.plan
        record_expenditure(self.session, project_id=plan["project_id"], amount=row.get("amount"),
                           currency=plan["currency"], expenditure_date=row.get("expenditure_date"),
                           description=row.get("description"), actor=self.actor,
                           pledge_id=plan.get("pledge_id"), external_key=row.result.key)
