"""Payment rows: add through record_payment; a posted payment is never changed by an import."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import select

from ..contributions.models import Payment, Pledge
from ..contributions.services import record_payment
from .base import EXAMPLE_KEY, PledgeLinkedHandler, RowInput
from .cells import Column, code_column, date_column, decimal_column, text_column
from .report import Action


class PaymentHandler(PledgeLinkedHandler):
    kind = "payments"
    title = "Payments"
    columns: ClassVar[tuple[Column, ...]] = (
        text_column("key", "Key", example=EXAMPLE_KEY, width=18,
                    help="Your own unique reference for the row (e.g. the bank transaction number). "
                         "Importing the same key again changes nothing. Leave blank to identify the row by "
                         "its other cells."),
        text_column("pledge", "Pledge (number or key)", example="DEU-2026-01", width=22,
                    help="The pledge this money settles: its number in fundtracker or the key it was "
                         "imported with. Blank: the payment creates a paid pledge of the donor."),
        code_column("donor", "Donor", choices="donors", example="Germany", width=28,
                    help="The donor who paid. Required when the pledge is blank."),
        date_column("received_date", "Received date", required=True, example="2026-04-02",
                    help="The date the money was received; the UN rate in force on that date converts it."),
        code_column("currency", "Currency", required=True, choices="currencies", example="EUR", width=10,
                    help="The currency received: the pledge's currency."),
        decimal_column("amount", "Amount", required=True, example="125000.00",
                       help="Positive, with no more decimals than the currency has."),
        text_column("reference", "Bank reference", example="BANK-2026-0402-17", width=22,
                    help="The bank's reference of the transfer."),
    )
    service_fields: ClassVar[dict[str, str]] = {"pledge_id": "pledge", "donor_id": "donor"}

    def __init__(self, session, actor) -> None:  # type: ignore[no-untyped-def]
        super().__init__(session, actor)
        self.donors = self.donors_by_name()
        self.pledges: dict[str, Pledge] = {}
        self.existing: dict[str, Payment] = {}
        self.identities: dict[tuple[Any, ...], int] = {}

    def resolve(self, row: RowInput) -> None:
        self.require(row, "received_date", "currency", "amount")
        if not row.get("pledge") and not row.get("donor") and "pledge" not in row.cells:
            self.problem(row, "pledge", "Give the pledge this payment settles, or at least the donor.")
        donor = row.get("donor")
        if donor:
            found = self.donors.get(donor.casefold())
            if found is None:
                self.problem(row, "donor", f"Unknown donor \"{donor}\": no donor has this name in "
                                           "fundtracker.")
            else:
                row.plan["donor_id"], row.plan["donor_name"] = found
        code = self.currency(row)
        row.plan.update(currency=code, minor=self.minor(row, code, noun="payment"))

    def preload(self, rows: list[RowInput]) -> None:
        self.preload_linked(rows, Payment)
        span = self.date_range(rows, "received_date")
        if span:
            found = self.session.execute(
                select(Payment.id, Pledge.donor_id, Payment.pledge_id, Payment.received_date,
                       Payment.currency, Payment.amount_minor).join(Pledge, Pledge.id == Payment.pledge_id)
                .where(Payment.received_date.between(*span)))
            for pay_id, donor_id, pledge_id, day, code, minor in found:
                self.identities[(pledge_id, day, code, minor)] = pay_id
                self.identities[(("donor", donor_id), day, code, minor)] = pay_id

    def _finish(self, row: RowInput) -> None:
        """Now that pledges are loaded: the pledge reference, the key, in-file duplicates."""
        plan = row.plan
        if not self.link_pledge(row):
            return
        if row.get("pledge"):
            plan.setdefault("donor_id", None)
        if row.failed:
            return
        payer = plan.get("pledge_id") or ("donor", plan["donor_id"])
        identity = (payer, row.get("received_date"), plan["currency"], plan["minor"])
        key = self.key_of(row, *identity, row.get("reference"))
        if key is None or not self.first_use_of_key(row, key):
            return
        row.result.key = key
        self.first_use_of_identity(row, identity, "pledge or donor, date, currency and amount")
        whom = (f"pledge {plan['pledge_id']}" if plan.get("pledge_id")
                else f"a new paid pledge of {plan['donor_name']}")
        row.result.summary = (f"payment of {self.money(plan['minor'], plan['currency'])} received "
                              f"{row.get('received_date').isoformat()} on {whom}")

    def classify(self, row: RowInput) -> None:
        plan = row.plan
        payment = self.existing.get(row.result.key or "")
        if payment is None:
            payer = plan.get("pledge_id") or ("donor", plan["donor_id"])
            twin = self.identities.get((payer, row.get("received_date"), plan["currency"], plan["minor"]))
            if twin is not None:
                self.problem(row, None, f"Duplicate of payment {twin}, already recorded with the same "
                                        "pledge (or donor), date, currency and amount. If it really is a "
                                        "second payment, record it in fundtracker directly.")
                return
            row.result.action = Action.ADD
            return
        differences = []
        if plan.get("pledge_id") and payment.pledge_id != plan["pledge_id"]:
            differences.append(("pledge", f"pledge {payment.pledge_id}"))
        if payment.received_date != row.get("received_date"):
            differences.append(("received_date", payment.received_date.isoformat()))
        if (payment.currency, payment.amount_minor) != (plan["currency"], plan["minor"]):
            differences.append(("amount", self.money(payment.amount_minor, payment.currency)))
        for name, recorded in differences:
            self.problem(row, name, f"Payment {payment.id} with this key was recorded with {recorded}. A "
                                    "posted payment is never changed by an import: reverse it in "
                                    "fundtracker and import the correction under a new key.")
        if not row.failed:
            row.result.action = Action.UNCHANGED

    def apply(self, row: RowInput) -> None:
        plan = row.plan
        record_payment(self.session, amount=row.get("amount"), currency=plan["currency"],
                       received_date=row.get("received_date"), actor=self.actor,
                       pledge_id=plan.get("pledge_id"), donor_id=plan.get("donor_id"),
                       reference=row.get("reference"), external_key=row.result.key)
