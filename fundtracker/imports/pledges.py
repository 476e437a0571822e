"""Pledge rows: add through create_pledge; an existing key may be confirmed or amended (never edited)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import func, select

from ..contributions.models import ANNOUNCED, CONFIRMED, SOURCES_OF_FUNDS, Pledge, PledgeAmendment
from ..contributions.services import amend_pledge, confirm_pledge, create_pledge
from ..projects.models import THEMES, Project
from ..reference.models import Country, Instrument
from .base import EXAMPLE_KEY, Handler, RowInput, chunks, plain
from .cells import Column, as_level, code_column, date_column, decimal_column, text_column
from .report import Action

STATUSES = (CONFIRMED, ANNOUNCED)
EARMARK_LEVELS = ("1 - unearmarked", "2 - softly earmarked (instrument, theme or region)",
                  "3 - earmarked to a country", "4 - tightly earmarked to one project")


def theme_code(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


class PledgeHandler(Handler):
    kind = "pledges"
    title = "Pledges"
    columns: ClassVar[tuple[Column, ...]] = (
        text_column("key", "Key", example=EXAMPLE_KEY, width=18,
                    help="Your own unique reference for the row (e.g. DEU-2026-01). Importing a row with the "
                         "same key again updates that pledge instead of adding one. Leave blank to identify "
                         "the row by donor, date, currency, amount and reference. Rows keyed EXAMPLE are "
                         "skipped."),
        code_column("donor", "Donor", required=True, choices="donors", example="Germany", width=28,
                    help="The donor's name exactly as in fundtracker (choose from the list)."),
        date_column("pledge_date", "Pledge date", required=True, example="2026-03-15",
                    help="The date of the pledge, as a date cell. A confirmed pledge cannot be dated in a "
                         "closed year."),
        code_column("currency", "Currency", required=True, choices="currencies", example="EUR", width=10,
                    help="ISO 4217 code of the currency pledged."),
        decimal_column("amount", "Amount", required=True, example="250000.00",
                       help="Positive, with no more decimals than the currency has (JPY none, KWD three)."),
        code_column("status", "Status", choices="statuses", example=CONFIRMED, width=12,
                    help="confirmed (agreement signed: revenue) or announced. Blank means confirmed."),
        Column("earmark_level", "Earmark level", as_level, choices="earmark_levels",
               example=EARMARK_LEVELS[0], width=30,
               help="1 unearmarked, 2 softly earmarked, 3 earmarked to a country, 4 to one project. "
                    "Blank means 1."),
        code_column("earmark_instrument", "Earmark instrument", choices="instruments", width=14,
                    help="Level 2 only: the instrument code."),
        code_column("earmark_theme", "Earmark theme", choices="themes", width=20, help="Level 2 only: the "
                                                                                       "theme."),
        code_column("earmark_region", "Earmark region", choices="regions", width=20,
                    help="Level 2 only: a UN M49 region or sub-region."),
        code_column("earmark_country", "Earmark country", choices="countries", width=22,
                    help="Level 3 only: the country (ISO 3166 alpha-3 code)."),
        code_column("earmark_project", "Earmark project", choices="projects", width=16,
                    help="Level 4 only: the project code."),
        decimal_column("psc_rate", "PSC rate", example="0.13", width=10,
                       help="Programme support cost rate of the donor agreement as a fraction (0.13 for 13 "
                            "%). Blank: 0.13, or 0 for unearmarked money."),
        code_column("source_of_funds", "Source of funds", choices="sources_of_funds", example="regular",
                    width=20,
                    help="regular, or confiscated_proceeds (UNTOC art. 14(3)(a)). Blank means regular."),
        text_column("reference", "Agreement reference", example="Agreement 2026/17", width=22,
                    help="The donor agreement's reference."),
        date_column("amendment_date", "Amendment date",
                    help="Only when the amount of an already imported pledge changes: the date of the "
                         "change."),
        text_column("amendment_reason", "Amendment reason", width=24,
                    help="Only when the amount of an already imported pledge changes: why."),
    )
    service_fields: ClassVar[dict[str, str]] = {
        "donor_id": "donor", "new_amount": "amount", "state": "status", "reason": "amendment_reason",
        "earmark_target": "earmark_level",
    }

    def __init__(self, session, actor) -> None:  # type: ignore[no-untyped-def]
        super().__init__(session, actor)
        self.donors = self.donors_by_name()
        self.instruments = dict(session.execute(select(Instrument.code, Instrument.id)).all())
        self.countries = dict(session.execute(select(Country.iso3, Country.id)).all())
        self.projects = dict(session.execute(select(Project.code, Project.id)).all())
        regions = session.execute(select(Country.region, Country.subregion)).all()
        self.regions = {name.casefold(): name for pair in regions for name in pair if name}
        self.existing: dict[str, Pledge] = {}
        self.amended: dict[int, int] = {}
        self.identities: dict[tuple[Any, ...], int] = {}

    def resolve(self, row: RowInput) -> None:
        self.require(row, "donor", "pledge_date", "currency", "amount")
        donor = row.get("donor")
        if donor is not None:
            found = self.donors.get(donor.casefold())
            if found is None:
                self.problem(row, "donor", f"Unknown donor \"{donor}\": no donor has this name in "
                                           "fundtracker. Choose a donor from the list, or ask finance to "
                                           "create it first.")
            else:
                row.plan["donor_id"], row.plan["donor_name"] = found
        code = self.currency(row)
        minor = self.minor(row, code, noun="pledge")
        status = (row.get("status") or CONFIRMED).lower()
        if status not in STATUSES:
            self.problem(row, "status", f"\"{row.get('status')}\" is not a status; choose confirmed or "
                                        "announced.")
        source = (row.get("source_of_funds") or "regular").lower()
        if source not in SOURCES_OF_FUNDS:
            self.problem(row, "source_of_funds", f"\"{source}\" is not a source of funds; choose "
                                                 f"{' or '.join(SOURCES_OF_FUNDS)}.")
        psc = row.get("psc_rate")
        if psc is not None and not Decimal(0) <= psc < Decimal(1):
            self.problem(row, "psc_rate", "The PSC rate is a fraction between 0 and 1, such as 0.13 for 13 "
                                          f"%; {plain(psc)} is not.")
        row.plan.update(currency=code, minor=minor, status=status, source=source)
        row.plan["target"] = self._earmark_target(row)
        if row.failed:
            return
        key = self.key_of(row, row.plan["donor_id"], row.get("pledge_date"), code, minor,
                          row.get("reference"))
        if key is not None and self.first_use_of_key(row, key):
            row.result.key = key
            self.first_use_of_identity(row, (row.plan["donor_id"], row.get("pledge_date"), code, minor),
                                       "donor, pledge date, currency and amount")
        row.result.summary = (f"pledge of {row.plan['donor_name']}, {self.money(minor, code)} on "
                              f"{row.get('pledge_date').isoformat()}, {status}")

    def _earmark_target(self, row: RowInput) -> dict[str, Any]:
        """Turn the earmark columns into the service's target ids; a target that does not exist is named."""
        target: dict[str, Any] = {}
        lookups = {
            "earmark_instrument": ("instrument", lambda v: self.instruments.get(v.upper()), "instrument"),
            "earmark_country": ("country", lambda v: self.countries.get(v.upper()), "country (ISO alpha-3 "
                                                                                    "code)"),
            "earmark_project": ("project", lambda v: self.projects.get(v), "project"),
            "earmark_region": ("region", lambda v: self.regions.get(v.casefold()), "UN M49 region or "
                                                                                   "sub-region"),
            "earmark_theme": ("theme", lambda v: theme_code(v) if theme_code(v) in THEMES else None, "theme"),
        }
        for name, (kind, find, noun) in lookups.items():
            value = row.get(name)
            if not value:
                continue
            found = find(value)
            if found is None:
                self.problem(row, name, f"The earmark target \"{value}\" does not exist: there is no {noun} "
                                        "with this code in fundtracker. Choose one from the list.")
            else:
                target[kind] = found
        return target

    def preload(self, rows: list[RowInput]) -> None:
        keys = [r.result.key for r in rows if r.result.key]
        self.existing.update(self.existing_by_key(Pledge, keys))
        ids = [p.id for p in self.existing.values()]
        for part in chunks(ids):
            self.amended.update(self.session.execute(
                select(PledgeAmendment.pledge_id, func.sum(PledgeAmendment.delta_minor))
                .where(PledgeAmendment.pledge_id.in_(part)).group_by(PledgeAmendment.pledge_id)).all())
        span = self.date_range(rows, "pledge_date")
        donor_ids = sorted({r.plan["donor_id"] for r in rows if r.plan.get("donor_id")})
        if span and donor_ids:
            for part in chunks(donor_ids):
                found = self.session.execute(
                    select(Pledge.donor_id, Pledge.pledge_date, Pledge.currency, Pledge.original_minor,
                           Pledge.id)
                    .where(Pledge.donor_id.in_(part), Pledge.pledge_date.between(*span)))
                self.identities.update({tuple(r[:4]): r[4] for r in found})

    def classify(self, row: RowInput) -> None:
        key, plan = row.result.key or "", row.plan
        pledge = self.existing.get(key)
        if pledge is None:
            identity = (plan["donor_id"], row.get("pledge_date"), plan["currency"], plan["minor"])
            twin = self.identities.get(identity)
            if twin is not None:
                self.problem(row, None, f"Duplicate of pledge {twin}, already recorded for "
                                        f"{plan['donor_name']} "
                                        "with the same date, currency and amount (entered by hand, or "
                                        "imported under another key). If it really is a second pledge, "
                                        "record it in fundtracker directly.")
                return
            row.result.action = Action.ADD
            return
        self._compare(row, pledge)

    def _compare(self, row: RowInput, pledge: Pledge) -> None:
        plan, changes = row.plan, row.result.changes
        fixed = [("donor", pledge.donor_id, plan["donor_id"], "donor"),
                 ("pledge_date", pledge.pledge_date, row.get("pledge_date"), "date"),
                 ("currency", pledge.currency, plan["currency"], "currency"),
                 ("source_of_funds", pledge.source_of_funds, plan["source"], "source of funds")]
        if row.get("psc_rate") is not None:
            fixed.append(("psc_rate", pledge.psc_rate, row.get("psc_rate"), "PSC rate"))
        if row.get("reference") is not None:
            fixed.append(("reference", pledge.reference, row.get("reference"), "agreement reference"))
        donor_names = {id_: name for id_, name in self.donors.values()}
        for name, recorded, given, noun in fixed:
            if recorded != given:
                shown = donor_names.get(recorded, recorded) if name == "donor" else recorded
                self.problem(row, name, f"Pledge {pledge.id} with this key has another {noun} ({shown}); "
                                        f"the {noun} of a recorded pledge cannot be changed by an import.")
        level = row.get("earmark_level") or 1
        recorded_target = {"instrument": pledge.earmark_instrument_id, "theme": pledge.earmark_theme,
                           "region": pledge.earmark_region, "country": pledge.earmark_country_id,
                           "project": pledge.earmark_project_id}
        if level != pledge.earmark_level or plan["target"] != {k: v for k, v in recorded_target.items() if v}:
            self.problem(row, "earmark_level", f"Pledge {pledge.id} with this key is earmarked differently; "
                                               "re-earmarking needs the donor's recorded consent and is "
                                               "done on the pledge's page, not by an import.")
        if pledge.state == ANNOUNCED and plan["status"] == CONFIRMED:
            changes.append("status: announced -> confirmed")
        elif plan["status"] == ANNOUNCED and pledge.state != ANNOUNCED:
            self.problem(row, "status", f"Pledge {pledge.id} is {pledge.state.replace('_', ' ')}; an import "
                                        "can only confirm an announced pledge.")
        current = pledge.original_minor + int(self.amended.get(pledge.id, 0))
        if current != plan["minor"]:
            changes.append(f"amount: {self.money(current, pledge.currency)} -> "
                           f"{self.money(plan['minor'], pledge.currency)} (an amendment)")
            if not row.get("amendment_reason") or not row.get("amendment_date"):
                self.problem(row, "amendment_reason", "The amount differs from the recorded pledge "
                                                      f"({self.money(current, pledge.currency)}): fill in "
                                                      "the amendment date and reason to amend it.")
        if row.failed:
            return
        row.result.action = Action.UPDATE if changes else Action.UNCHANGED
        plan["pledge_id"], plan["amend"] = pledge.id, current != plan["minor"]
        plan["confirm"] = pledge.state == ANNOUNCED and plan["status"] == CONFIRMED

    def apply(self, row: RowInput) -> None:
        plan = row.plan
        if row.result.action == Action.ADD:
            create_pledge(
                self.session, donor_id=plan["donor_id"], amount=row.get("amount"), currency=plan["currency"],
                pledge_date=row.get("pledge_date"), actor=self.actor, confirmed=plan["status"] == CONFIRMED,
                earmark_level=row.get("earmark_level") or 1, earmark_target=plan["target"],
                psc_rate=row.get("psc_rate"), source_of_funds=plan["source"], reference=row.get("reference"),
                external_key=row.result.key)
            return
        if plan["amend"]:
            amend_pledge(self.session, plan["pledge_id"], new_amount=row.get("amount"),
                         reason=row.get("amendment_reason"), amendment_date=row.get("amendment_date"),
                         actor=self.actor)
        if plan["confirm"]:
            confirm_pledge(self.session, plan["pledge_id"], actor=self.actor)
