"""Project rows, keyed by code: added through create_project, or changed as far as update_project allows."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.models import PROJECT_OFFICER, User
from ..projects.models import ACTIVE, PROJECT_STATUSES, THEMES, Project
from ..projects.services import create_project, update_project
from ..reference.models import ELIGIBLE_STATUSES, Country, ImplementingEntity, Instrument
from ..reference.services import status_on
from .base import EXAMPLE_KEY, Handler, RowInput, chunks
from .cells import Column, as_code_list, code_column, date_column, text_column
from .pledges import theme_code
from .report import Action

UPDATABLE = ("title", "description", "status", "end_date")


class ProjectHandler(Handler):
    kind = "projects"
    title = "Projects"
    key_field = "code"
    columns: ClassVar[tuple[Column, ...]] = (
        text_column("code", "Project code", required=True, example=EXAMPLE_KEY, width=18,
                    help="The project's unique code (e.g. GLO/2026/001). A code already in fundtracker "
                         "updates that project's title, description, status or end date. Rows coded EXAMPLE "
                         "are skipped."),
        text_column("title", "Title", required=True, example="Countering trafficking in persons in East "
                                                             "Africa",
                    width=40, help="The project's title."),
        code_column("implementing_entity", "Implementing entity", required=True, choices="entities",
                    example="UNODC", width=16, help="UNODC or a PNI institute (acronym, choose from the "
                                                    "list)."),
        date_column("start_date", "Start date", required=True, example="2026-01-01", help="The start date."),
        date_column("end_date", "End date", required=True, example="2027-12-31",
                    help="The planned end date."),
        code_column("lead_country", "Lead beneficiary country", required=True, choices="countries",
                    example="KEN - Kenya", width=24,
                    help="The first beneficiary country (its figures are attributed to it). Developing "
                         "countries and economies in transition only."),
        Column("other_countries", "Other beneficiary countries", as_code_list, example="UGA, TZA", width=24,
               help="Further beneficiary countries: ISO alpha-3 codes separated by commas."),
        code_column("lead_instrument", "Lead instrument", required=True, choices="instruments", example="TIP",
                    width=14, help="The main instrument the project supports (code, choose from the list)."),
        Column("other_instruments", "Other instruments", as_code_list, example="UNTOC", width=18,
               help="Further instruments: codes separated by commas."),
        Column("themes", "Themes", as_code_list, example="trafficking_in_persons", width=26,
               help="Themes separated by commas: " + ", ".join(THEMES) + "."),
        code_column("officer", "Project officer (email)", choices="officers", width=28,
                    help="The email of the project officer (a user with that role)."),
        code_column("status", "Status", choices="project_statuses", example=ACTIVE, width=10,
                    help="draft, active, closing or closed. Blank means active."),
        text_column("description", "Description", max_length=4000, width=40, help="Optional longer "
                                                                                  "description."),
        text_column("exception_reason", "Eligibility exception reason", width=30,
                    help="Administrators only: why a country that is not a developing or transition economy "
                         "may benefit."),
    )
    service_fields: ClassVar[dict[str, str]] = {
        "implementing_entity_id": "implementing_entity", "beneficiary_ids": "lead_country",
        "instrument_ids": "lead_instrument", "officer_id": "officer",
    }

    def __init__(self, session, actor) -> None:  # type: ignore[no-untyped-def]
        super().__init__(session, actor)
        self.entities = {a.upper(): i for a, i in session.execute(select(ImplementingEntity.acronym,
                                                                         ImplementingEntity.id))}
        self.countries = dict(session.execute(select(Country.iso3, Country.id)).all())
        self.instruments = {c.upper(): i for c, i in session.execute(select(Instrument.code, Instrument.id))}
        users = session.execute(select(User.email, User.id, User.role))
        self.officers = {email.casefold(): (id_, role) for email, id_, role in users}
        self.existing: dict[str, Project] = {}

    def _ids(self, row: RowInput, name: str, codes: list[str], table: dict[str, int], noun: str) -> list[int]:
        ids = []
        for code in codes:
            found = table.get(code.upper())
            if found is None:
                self.problem(row, name, f"\"{code}\" is not a known {noun} code; choose one from the list.")
            else:
                ids.append(found)
        return ids

    def resolve(self, row: RowInput) -> None:
        self.require(row, "code", "title", "implementing_entity", "start_date", "end_date", "lead_country",
                     "lead_instrument")
        plan = row.plan
        code = row.get("code") or ""
        if len(code) > 40:
            self.problem(row, "code", "A project code has at most 40 characters.")
        entity = row.get("implementing_entity")
        if entity:
            plan["entity_id"] = self.entities.get(entity.upper())
            if plan["entity_id"] is None:
                self.problem(row, "implementing_entity", f"\"{entity}\" is not a known implementing entity.")
        lead = [row.get("lead_country")] if row.get("lead_country") else []
        plan["countries"] = list(dict.fromkeys(
            self._ids(row, "lead_country", lead, self.countries, "country")
            + self._ids(row, "other_countries", row.get("other_countries") or [], self.countries, "country")))
        lead = [row.get("lead_instrument")] if row.get("lead_instrument") else []
        plan["instruments"] = list(dict.fromkeys(
            self._ids(row, "lead_instrument", lead, self.instruments, "instrument")
            + self._ids(row, "other_instruments", row.get("other_instruments") or [], self.instruments,
                        "instrument")))
        themes = [theme_code(t) for t in row.get("themes") or []]
        unknown = [t for t in themes if t not in THEMES]
        if unknown:
            self.problem(row, "themes", f"Unknown theme(s): {', '.join(unknown)}; use: {', '.join(THEMES)}.")
        plan["themes"] = list(dict.fromkeys(themes))
        plan["officer_id"] = None
        officer = row.get("officer")
        if officer:
            found = self.officers.get(officer.casefold())
            if found is None or found[1] != PROJECT_OFFICER:
                self.problem(row, "officer", f"\"{officer}\" is not the email of a user with the project "
                                             "officer role.")
            else:
                plan["officer_id"] = found[0]
        status = (row.get("status") or ACTIVE).lower()
        if status not in PROJECT_STATUSES:
            self.problem(row, "status", f"\"{status}\" is not a status; choose "
                                        f"{', '.join(PROJECT_STATUSES)}.")
        plan["status"] = status
        start, end = row.get("start_date"), row.get("end_date")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.problem(row, "end_date", "The project cannot end before it starts.")
        if row.failed:
            return
        key = code
        if self.first_use_of_key(row, key):
            row.result.key = key
        row.result.summary = f"project {code}: {row.get('title')}"

    def preload(self, rows: list[RowInput]) -> None:
        codes = [r.result.key for r in rows if r.result.key]
        for part in chunks(codes):
            query = select(Project).where(Project.code.in_(part)).options(
                selectinload(Project.beneficiaries), selectinload(Project.instruments),
                selectinload(Project.themes))
            for project in self.session.execute(query).scalars():
                self.existing[project.code] = project
        # A code differing only by case would pass the unique index yet confuse everyone.
        lowered = {c.casefold() for c in codes} - {c.casefold() for c in self.existing}
        if lowered:
            lower = func.lower(Project.code)
            self.clashes = dict(self.session.execute(
                select(lower, Project.code).where(lower.in_(sorted(lowered)))).all())
        else:
            self.clashes = {}

    def classify(self, row: RowInput) -> None:
        plan = row.plan
        project = self.existing.get(row.result.key or "")
        if project is None:
            clash = self.clashes.get((row.result.key or "").casefold())
            if clash:
                self.problem(row, "code", f"Project {clash} already exists; codes differing only in "
                                          "capitals are the same project.")
                return
            row.result.action = Action.ADD
            return
        fixed = [
            ("implementing_entity", project.implementing_entity_id, plan["entity_id"], "implementing entity"),
            ("start_date", project.start_date, row.get("start_date"), "start date"),
            ("lead_country", [project.lead_country_id] + sorted(
                b.country_id for b in project.beneficiaries if b.country_id != project.lead_country_id),
             plan["countries"][:1] + sorted(plan["countries"][1:]), "beneficiary countries"),
            ("lead_instrument", project.lead_instrument_id, plan["instruments"][0], "lead instrument"),
            ("other_instruments", sorted(i.instrument_id for i in project.instruments),
             sorted(plan["instruments"]), "instruments"),
            ("themes", sorted(t.theme for t in project.themes), sorted(plan["themes"]), "themes"),
        ]
        if row.get("officer"):
            fixed.append(("officer", project.officer_id, plan["officer_id"], "project officer"))
        for name, recorded, given, noun in fixed:
            if recorded != given:
                self.problem(row, name, f"Project {project.code} has other {noun}; an import can only "
                                        "change the title, description, status and end date. Change the "
                                        "rest on the project's page.")
        if row.failed:
            return
        wanted = {"title": row.get("title"), "status": plan["status"], "end_date": row.get("end_date")}
        if "description" in row.values:
            wanted["description"] = row.get("description")
        changes = {k: v for k, v in wanted.items() if getattr(project, k) != v}
        plan["changes"] = changes
        row.result.changes = [f"{k.replace('_', ' ')}: {getattr(project, k)} -> {v}"
                              for k, v in changes.items()]
        row.result.action = Action.UPDATE if changes else Action.UNCHANGED
        plan["project_id"] = project.id

    def apply(self, row: RowInput) -> None:
        plan = row.plan
        if row.result.action == Action.UPDATE:
            update_project(self.session, plan["project_id"], actor=self.actor, **plan["changes"])
            return
        reason = row.get("exception_reason")
        exceptions: dict[int, str] = {}
        if reason:
            start = row.get("start_date")
            exceptions = {c: reason for c in plan["countries"]
                          if status_on(self.session, c, start) not in ELIGIBLE_STATUSES}
        create_project(
            self.session, code=row.get("code"), title=row.get("title"),
            implementing_entity_id=plan["entity_id"], start_date=row.get("start_date"),
            end_date=row.get("end_date"), beneficiary_ids=plan["countries"],
            instrument_ids=plan["instruments"], actor=self.actor, officer_id=plan["officer_id"],
            themes=plan["themes"], description=row.get("description"), status=plan["status"],
            exceptions=exceptions)
