"""Pledges and payments: earmarks, amendments instead of edits, derived status, realised FX on payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import record_event
from ..auth.permissions import Actor, require_money_writer
from ..chain import canonical
from ..database import lock_rows
from ..donors.models import Donor
from ..errors import InvalidInput, NotFound
from ..fx.services import rate_on
from ..ledger.models import CASH, FX_REALISED, RECEIVABLE, REVENUE, WRITE_OFF
from ..ledger.posting import Line, post_entry, require_open_year
from ..ledger.queries import paid_original, receivable_usd
from ..money import format_amount, usd_minor_from_foreign
from ..projects.models import THEMES, Project
from ..reference.models import Country, Instrument
from ..reference.services import amount_to_minor, get_currency
from .models import (
    ANNOUNCED,
    CANCELLED,
    CONFIRMED,
    EARMARK_TARGETS,
    PAID,
    PARTIALLY_PAID,
    SOURCES_OF_FUNDS,
    UNEARMARKED,
    WRITTEN_OFF,
    EarmarkConsent,
    Instalment,
    Payment,
    Pledge,
    PledgeAmendment,
)

DEFAULT_PSC_RATE = Decimal("0.13")
# General-purpose money carries no PSC unless the donor agreement says otherwise (design, rule 5).
UNEARMARKED_PSC_RATE = Decimal("0")


def get_pledge(session: Session, pledge_id: int, *, field: str = "pledge_id") -> Pledge:
    pledge = session.get(Pledge, pledge_id)
    if pledge is None:
        raise InvalidInput.field(field, "This pledge does not exist.")
    return pledge


def current_amount(session: Session, pledge: Pledge) -> int:
    delta = session.execute(
        select(func.coalesce(func.sum(PledgeAmendment.delta_minor), 0)).where(
            PledgeAmendment.pledge_id == pledge.id
        )
    ).scalar_one()
    return pledge.original_minor + int(delta)


def pledge_status(session: Session, pledge: Pledge) -> str:
    """Derived status: announced/confirmed/cancelled/written off as decided, paid states from the journal."""
    if pledge.state != CONFIRMED:
        return pledge.state
    paid = paid_original(session, pledge.id)
    if paid >= current_amount(session, pledge):
        return PAID
    return PARTIALLY_PAID if paid > 0 else CONFIRMED


def _earmark_description(pledge: Pledge) -> dict[str, Any]:
    return {
        "level": pledge.earmark_level,
        "instrument_id": pledge.earmark_instrument_id,
        "theme": pledge.earmark_theme,
        "region": pledge.earmark_region,
        "country_id": pledge.earmark_country_id,
        "project_id": pledge.earmark_project_id,
    }


def _apply_earmark(session: Session, pledge: Pledge, level: int, target: dict[str, Any]) -> None:
    """Validate an earmark (IATI levels 1-4) and its target, then set it on the pledge."""
    if level not in EARMARK_TARGETS:
        raise InvalidInput.field("earmark_level", "The earmark level must be 1, 2, 3 or 4.")
    given = {k: v for k, v in target.items() if v not in (None, "")}
    allowed = EARMARK_TARGETS[level]
    names = {
        1: "unearmarked",
        2: "softly earmarked",
        3: "earmarked to a country",
        4: "earmarked to a project",
    }
    if level == UNEARMARKED and given:
        raise InvalidInput.field("earmark_level", "Unearmarked money cannot have an earmark target.")
    if level != UNEARMARKED and len(given) != 1:
        choices = " or ".join(allowed)
        raise InvalidInput.field(
            "earmark_target", f"Money {names[level]} needs exactly one target: {choices}."
        )
    if given and next(iter(given)) not in allowed:
        raise InvalidInput.field(
            "earmark_target", f"Money {names[level]} can only target: {', '.join(allowed)}."
        )
    kind, value = next(iter(given.items())) if given else (None, None)
    if kind == "instrument" and session.get(Instrument, value) is None:
        raise InvalidInput.field("earmark_target", "The instrument of this earmark does not exist.")
    if kind == "theme" and value not in THEMES:
        raise InvalidInput.field("earmark_target", f"Unknown theme; choose one of: {', '.join(THEMES)}.")
    if kind == "region":
        known = session.execute(
            select(Country.id).where((Country.region == value) | (Country.subregion == value)).limit(1)
        ).first()
        if known is None:
            raise InvalidInput.field("earmark_target", f'"{value}" is not a UN M49 region or sub-region.')
    if kind == "country" and session.get(Country, value) is None:
        raise InvalidInput.field("earmark_target", "The country of this earmark does not exist.")
    if kind == "project" and session.get(Project, value) is None:
        raise InvalidInput.field("earmark_target", "The project of this earmark does not exist.")
    pledge.earmark_level = level
    pledge.earmark_instrument_id = value if kind == "instrument" else None
    pledge.earmark_theme = value if kind == "theme" else None
    pledge.earmark_region = value if kind == "region" else None
    pledge.earmark_country_id = value if kind == "country" else None
    pledge.earmark_project_id = value if kind == "project" else None


def _pledge_line(pledge: Pledge, account: str, usd: int, amount: int, **dims: Any) -> Line:
    return Line(
        account,
        usd,
        pledge.currency,
        amount,
        pledge.rate,
        pledge.rate_date,
        donor_id=pledge.donor_id,
        pledge_id=pledge.id,
        **dims,
    )


def create_pledge(
    session: Session,
    *,
    donor_id: int,
    amount: Decimal,
    currency: str,
    pledge_date: dt.date,
    actor: Actor,
    confirmed: bool = True,
    earmark_level: int = UNEARMARKED,
    earmark_target: dict[str, Any] | None = None,
    psc_rate: Decimal | None = None,
    source_of_funds: str = "regular",
    reference: str | None = None,
    instalments: list[tuple[dt.date, Decimal]] | None = None,
    external_key: str | None = None,
) -> Pledge:
    """Record a pledge at the UN rate of its date; a confirmed one is revenue and a receivable at once."""
    require_money_writer(actor)
    if session.get(Donor, donor_id) is None:
        raise InvalidInput.field("donor_id", "This donor does not exist.")
    code = get_currency(session, currency).code
    minor = amount_to_minor(session, amount, code)
    if minor <= 0:
        raise InvalidInput.field("amount", "A pledge must be a positive amount.")
    if source_of_funds not in SOURCES_OF_FUNDS:
        raise InvalidInput.field(
            "source_of_funds", f"Source of funds must be one of: {', '.join(SOURCES_OF_FUNDS)}."
        )
    if psc_rate is None:
        psc_rate = UNEARMARKED_PSC_RATE if earmark_level == UNEARMARKED else DEFAULT_PSC_RATE
    if not Decimal(0) <= psc_rate < Decimal(1):
        raise InvalidInput.field("psc_rate", "The PSC rate must be a fraction between 0 and 1, such as 0.13.")
    if confirmed:
        require_open_year(session, pledge_date, field="pledge_date")
    rate = rate_on(session, code, pledge_date)
    pledge = Pledge(
        donor_id=donor_id,
        reference=reference,
        pledge_date=pledge_date,
        currency=code,
        original_minor=minor,
        rate=rate.rate,
        rate_date=rate.rate_date,
        state=ANNOUNCED,
        psc_rate=psc_rate,
        source_of_funds=source_of_funds,
        external_key=external_key,
    )
    _apply_earmark(session, pledge, earmark_level, earmark_target or {})
    session.add(pledge)
    session.flush()
    schedule = instalments or []
    scheduled = [amount_to_minor(session, part, code, field="instalments") for _, part in schedule]
    if schedule and sum(scheduled) != minor:
        raise InvalidInput.field("instalments", "The instalments must add up to the pledged amount.")
    session.add_all(
        Instalment(pledge_id=pledge.id, due_date=d, amount_minor=m)
        for (d, _), m in zip(schedule, scheduled, strict=True)
    )
    record_event(session, actor, "pledge.create", "pledge", pledge.id, after=pledge_snapshot(session, pledge))
    if confirmed:
        confirm_pledge(session, pledge.id, actor=actor)
    return pledge


def confirm_pledge(session: Session, pledge_id: int, *, actor: Actor) -> Pledge:
    """Agreement signed: Dr receivable / Cr contribution revenue at the pledge's USD value."""
    require_money_writer(actor)
    lock_rows(session, Pledge, [pledge_id])
    pledge = get_pledge(session, pledge_id)
    if pledge.state != ANNOUNCED:
        raise InvalidInput.field("state", "Only an announced pledge can be confirmed.")
    amount = current_amount(session, pledge)
    usd = usd_minor_from_foreign(amount, get_currency(session, pledge.currency).exponent, pledge.rate)
    post_entry(
        session,
        entry_date=pledge.pledge_date,
        kind="pledge",
        source_type="pledge",
        source_id=pledge.id,
        description=f"Pledge {pledge.id} confirmed",
        actor=actor,
        date_field="pledge_date",
        lines=[_pledge_line(pledge, RECEIVABLE, usd, amount), _pledge_line(pledge, REVENUE, -usd, -amount)],
    )
    pledge.state = CONFIRMED
    session.flush()
    record_event(session, actor, "pledge.confirm", "pledge", pledge.id)
    return pledge


def amend_pledge(
    session: Session,
    pledge_id: int,
    *,
    new_amount: Decimal,
    reason: str,
    amendment_date: dt.date,
    actor: Actor,
) -> PledgeAmendment:
    """Change a pledge's amount by an amendment (original, delta, reason); a confirmed one posts the delta."""
    require_money_writer(actor)
    lock_rows(session, Pledge, [pledge_id])
    pledge = get_pledge(session, pledge_id)
    if pledge.state in (CANCELLED, WRITTEN_OFF):
        raise InvalidInput.field("new_amount", "A cancelled or written-off pledge cannot be amended.")
    if not (reason or "").strip():
        raise InvalidInput.field("reason", "Say why the pledge changes.")
    new_minor = amount_to_minor(session, new_amount, pledge.currency, field="new_amount")
    old_minor = current_amount(session, pledge)
    paid = paid_original(session, pledge.id)
    if new_minor < paid:
        exp = get_currency(session, pledge.currency).exponent
        raise InvalidInput.field(
            "new_amount",
            f"The donor has already paid {format_amount(paid, exp)} {pledge.currency}; "
            "the pledge cannot be lower than that.",
        )
    if new_minor == old_minor:
        raise InvalidInput.field("new_amount", "The new amount is the same as the current one.")
    amendment = PledgeAmendment(
        pledge_id=pledge.id,
        amendment_date=amendment_date,
        delta_minor=new_minor - old_minor,
        reason=reason.strip(),
    )
    session.add(amendment)
    session.flush()
    if pledge.state == CONFIRMED:
        exp = get_currency(session, pledge.currency).exponent
        remaining_before = old_minor - paid
        remaining_after = new_minor - paid
        usd = usd_minor_from_foreign(remaining_after, exp, pledge.rate) - usd_minor_from_foreign(
            remaining_before, exp, pledge.rate
        )
        delta = new_minor - old_minor
        post_entry(
            session,
            entry_date=amendment_date,
            kind="amendment",
            source_type="pledge",
            source_id=pledge.id,
            description=f"Pledge {pledge.id} amended: {reason.strip()}",
            actor=actor,
            date_field="amendment_date",
            lines=[_pledge_line(pledge, RECEIVABLE, usd, delta), _pledge_line(pledge, REVENUE, -usd, -delta)],
        )
    record_event(
        session,
        actor,
        "pledge.amend",
        "pledge",
        pledge.id,
        before={"amount_minor": old_minor},
        after={"amount_minor": new_minor, "reason": reason},
    )
    return amendment


def _close_unpaid(
    session: Session, pledge_id: int, *, on: dt.date, reason: str, actor: Actor, state: str
) -> Pledge:
    require_money_writer(actor)
    lock_rows(session, Pledge, [pledge_id])
    pledge = get_pledge(session, pledge_id)
    if pledge.state not in (ANNOUNCED, CONFIRMED):
        raise InvalidInput.field("state", f"This pledge is already {pledge.state.replace('_', ' ')}.")
    if not (reason or "").strip():
        raise InvalidInput.field("reason", "Say why.")
    if pledge.state == CONFIRMED:
        if pledge_status(session, pledge) == PAID:
            raise InvalidInput.field("state", "This pledge is fully paid; there is nothing left to cancel.")
        usd = receivable_usd(session, pledge.id)
        unpaid = current_amount(session, pledge) - paid_original(session, pledge.id)
        debit = REVENUE if state == CANCELLED else WRITE_OFF
        kind = "cancellation" if state == CANCELLED else "write_off"
        post_entry(
            session,
            entry_date=on,
            kind=kind,
            source_type=kind,
            source_id=pledge.id,
            description=f"Pledge {pledge.id} {kind.replace('_', ' ')}: {reason.strip()}",
            actor=actor,
            lines=[_pledge_line(pledge, debit, usd, unpaid), _pledge_line(pledge, RECEIVABLE, -usd, -unpaid)],
        )
    before = pledge.state
    pledge.state = state
    session.flush()
    record_event(
        session,
        actor,
        f"pledge.{state}",
        "pledge",
        pledge.id,
        before={"state": before},
        after={"state": state, "reason": reason},
    )
    return pledge


def cancel_pledge(session: Session, pledge_id: int, *, on: dt.date, reason: str, actor: Actor) -> Pledge:
    """Cancel the unpaid part of a pledge (reverses its revenue)."""
    return _close_unpaid(session, pledge_id, on=on, reason=reason, actor=actor, state=CANCELLED)


def write_off_pledge(session: Session, pledge_id: int, *, on: dt.date, reason: str, actor: Actor) -> Pledge:
    """Write off the unpaid part of a pledge as an expense."""
    return _close_unpaid(session, pledge_id, on=on, reason=reason, actor=actor, state=WRITTEN_OFF)


def reearmark_pledge(
    session: Session,
    pledge_id: int,
    *,
    level: int,
    target: dict[str, Any],
    consent_reference: str,
    consent_date: dt.date,
    actor: Actor,
) -> Pledge:
    """Rule 4: changing an earmark needs the donor's recorded consent."""
    require_money_writer(actor)
    if not (consent_reference or "").strip():
        raise InvalidInput.field(
            "consent_reference", "Re-earmarking needs the reference of the donor's consent."
        )
    lock_rows(session, Pledge, [pledge_id])
    pledge = get_pledge(session, pledge_id)
    before = _earmark_description(pledge)
    _apply_earmark(session, pledge, level, target)
    after = _earmark_description(pledge)
    session.add(
        EarmarkConsent(
            pledge_id=pledge.id,
            consent_date=consent_date,
            consent_reference=consent_reference.strip(),
            before=canonical(before),
            after=canonical(after),
        )
    )
    session.flush()
    record_event(
        session,
        actor,
        "pledge.reearmark",
        "pledge",
        pledge.id,
        before=before,
        after={**after, "consent_reference": consent_reference},
    )
    return pledge


def record_payment(
    session: Session,
    *,
    amount: Decimal,
    currency: str,
    received_date: dt.date,
    actor: Actor,
    pledge_id: int | None = None,
    donor_id: int | None = None,
    reference: str | None = None,
    external_key: str | None = None,
) -> Payment:
    """Cash received at the rate of its date; the receivable is credited at the pledge's value, the rest is FX."""
    require_money_writer(actor)
    code = get_currency(session, currency).code
    minor = amount_to_minor(session, amount, code)
    if minor <= 0:
        raise InvalidInput.field("amount", "A payment must be a positive amount.")
    require_open_year(session, received_date, field="received_date")
    if pledge_id is None:
        # A payment without a pledge creates a paid pledge (design: Payment).
        if donor_id is None:
            raise InvalidInput.field(
                "pledge_id", "Choose the pledge this payment settles, or at least the donor."
            )
        pledge = create_pledge(
            session,
            donor_id=donor_id,
            amount=amount,
            currency=code,
            pledge_date=received_date,
            actor=actor,
            reference=reference,
        )
        pledge_id = pledge.id
    lock_rows(session, Pledge, [pledge_id])
    pledge = get_pledge(session, pledge_id)
    if donor_id is not None and pledge.donor_id != donor_id:
        raise InvalidInput.field("pledge_id", "This pledge belongs to another donor.")
    if pledge.state != CONFIRMED:
        message = {
            ANNOUNCED: "This pledge is only announced; confirm it (agreement signed) before recording money.",
            CANCELLED: "This pledge was cancelled; no payment can be recorded on it.",
            WRITTEN_OFF: "This pledge was written off; no payment can be recorded on it.",
        }[pledge.state]
        raise InvalidInput.field("pledge_id", message)
    if code != pledge.currency:
        raise InvalidInput.field(
            "currency",
            f"The pledge is in {pledge.currency}; record the payment in {pledge.currency} as received.",
        )
    exponent = get_currency(session, code).exponent
    paid_before = paid_original(session, pledge.id)
    remaining_after = current_amount(session, pledge) - paid_before - minor
    if remaining_after < 0:
        raise InvalidInput.field(
            "amount",
            f"This is more than the {format_amount(remaining_after + minor, exponent)} {code} still due on the "
            "pledge. Amend the pledge first if the donor is giving more.",
        )
    rate = rate_on(session, code, received_date)
    cash = usd_minor_from_foreign(minor, exponent, rate.rate)
    # The receivable falls to the pledge-rate value of what is still due, so it is exactly nil once paid.
    settled = receivable_usd(session, pledge.id) - usd_minor_from_foreign(
        remaining_after, exponent, pledge.rate
    )
    payment = Payment(
        pledge_id=pledge.id,
        received_date=received_date,
        currency=code,
        amount_minor=minor,
        rate=rate.rate,
        rate_date=rate.rate_date,
        usd_minor=cash,
        reference=reference,
        external_key=external_key,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(payment)
    session.flush()
    dims = {"donor_id": pledge.donor_id, "pledge_id": pledge.id}
    post_entry(
        session,
        entry_date=received_date,
        kind="payment",
        source_type="payment",
        source_id=payment.id,
        description=f"Payment {payment.id} on pledge {pledge.id}",
        actor=actor,
        date_field="received_date",
        lines=[
            Line(CASH, cash, code, minor, rate.rate, rate.rate_date, **dims),
            _pledge_line(pledge, RECEIVABLE, -settled, -minor),
            Line(FX_REALISED, settled - cash, code, 0, rate.rate, rate.rate_date, **dims),
        ],
    )
    record_event(
        session,
        actor,
        "payment.create",
        "payment",
        payment.id,
        after={"pledge_id": pledge.id, "amount_minor": minor, "currency": code, "usd_minor": cash},
    )
    return payment


def true_up_receivable(session: Session, pledge: Pledge, *, on: dt.date, actor: Actor) -> None:
    """Keep a pledge's receivable at the pledge-rate value of what is still due.

    Reversing a payment puts back exactly what it settled (rule 7), but that figure was rounded for the
    pledge as it then stood; after later payments or amendments it can be a cent away from the pledge-rate
    value of what is now due. The cent goes to realised FX in a separate, explained entry.
    """
    exponent = get_currency(session, pledge.currency).exponent
    due = current_amount(session, pledge) - paid_original(session, pledge.id)
    difference = usd_minor_from_foreign(due, exponent, pledge.rate) - receivable_usd(session, pledge.id)
    if difference:
        dims = {"donor_id": pledge.donor_id, "pledge_id": pledge.id}
        post_entry(
            session,
            entry_date=on,
            kind="rounding",
            source_type="rounding",
            source_id=pledge.id,
            description=f"Pledge {pledge.id}: receivable rounded to the pledge-rate value of what is due",
            actor=actor,
            lines=[
                _pledge_line(pledge, RECEIVABLE, difference, 0),
                Line(FX_REALISED, -difference, pledge.currency, 0, pledge.rate, pledge.rate_date, **dims),
            ],
        )


def pledge_snapshot(session: Session, pledge: Pledge) -> dict[str, Any]:
    return {
        "donor_id": pledge.donor_id,
        "currency": pledge.currency,
        "original_minor": pledge.original_minor,
        "pledge_date": pledge.pledge_date.isoformat(),
        "rate": str(pledge.rate),
        "psc_rate": str(pledge.psc_rate),
        "source_of_funds": pledge.source_of_funds,
        "state": pledge.state,
        **_earmark_description(pledge),
    }


def require_pledge(session: Session, pledge_id: int) -> Pledge:
    pledge = session.get(Pledge, pledge_id)
    if pledge is None:
        raise NotFound("This pledge does not exist.")
    return pledge
