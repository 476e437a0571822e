"""The demo data set: five years of a realistic Fund, built only through the services so it obeys every rule."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .allocations.services import allocate, earmark_refusal, record_expenditure, spendable
from .auth.models import ADMIN, AUDITOR, DONOR_LIAISON, FINANCE, PROJECT_OFFICER, User
from .auth.services import create_user, system_actor
from .contributions.models import Pledge
from .contributions.services import create_pledge, current_amount, record_payment
from .donors.models import INTERGOVERNMENTAL, MEMBER_STATE, OTHER, PRIVATE
from .donors.services import create_donor
from .errors import InvalidInput
from .fx.services import set_rate
from .ledger.models import JournalEntry
from .ledger.queries import figures, paid_original
from .ledger.services import close_period, reverse_entry
from .projects.models import THEMES
from .projects.services import create_project
from .reference.models import ELIGIBLE_STATUSES, Country, ImplementingEntity, Instrument
from .reference.services import status_on

DEMO_PASSWORD = "fund-demo-2026!"
DEMO_USERS = [
    ("admin@demo.fundtracker.org", "Amina Diallo (administrator)", ADMIN),
    ("finance@demo.fundtracker.org", "Lars Berg (finance officer)", FINANCE),
    ("officer@demo.fundtracker.org", "Ana Rodríguez (project officer)", PROJECT_OFFICER),
    ("officer2@demo.fundtracker.org", "Kenji Sato (project officer)", PROJECT_OFFICER),
    ("liaison@demo.fundtracker.org", "Claire Martin (liaison, France)", DONOR_LIAISON),
    ("auditor@demo.fundtracker.org", "Olu Adeyemi (auditor)", AUDITOR),
]
YEARS = (2022, 2023, 2024, 2025, 2026)
CLOSED_YEARS = (2022, 2023, 2024)
LAST_DAY = dt.date(2026, 10, 31)
BASE_RATES = {
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "JPY": Decimal("140"),
    "CHF": Decimal("0.90"),
    "NOK": Decimal("10.5"),
    "SEK": Decimal("10.6"),
    "CAD": Decimal("1.35"),
    "AUD": Decimal("1.50"),
    "KWD": Decimal("0.307"),
    "DKK": Decimal("6.9"),
}
# (name, kind, ISO3 of the country for a Member State, currency, typical yearly pledge in that currency)
DONORS = [
    ("France", MEMBER_STATE, "FRA", "EUR", 400_000),
    ("Germany", MEMBER_STATE, "DEU", "EUR", 900_000),
    ("Italy", MEMBER_STATE, "ITA", "EUR", 350_000),
    ("Austria", MEMBER_STATE, "AUT", "EUR", 150_000),
    ("Spain", MEMBER_STATE, "ESP", "EUR", 200_000),
    ("Netherlands", MEMBER_STATE, "NLD", "EUR", 300_000),
    ("Belgium", MEMBER_STATE, "BEL", "EUR", 120_000),
    ("Finland", MEMBER_STATE, "FIN", "EUR", 100_000),
    ("Ireland", MEMBER_STATE, "IRL", "EUR", 80_000),
    ("Luxembourg", MEMBER_STATE, "LUX", "EUR", 60_000),
    ("Japan", MEMBER_STATE, "JPN", "JPY", 60_000_000),
    ("United Kingdom", MEMBER_STATE, "GBR", "GBP", 500_000),
    ("Switzerland", MEMBER_STATE, "CHE", "CHF", 250_000),
    ("Norway", MEMBER_STATE, "NOR", "NOK", 3_000_000),
    ("Sweden", MEMBER_STATE, "SWE", "SEK", 2_500_000),
    ("Denmark", MEMBER_STATE, "DNK", "DKK", 1_000_000),
    ("Canada", MEMBER_STATE, "CAN", "CAD", 400_000),
    ("Australia", MEMBER_STATE, "AUS", "AUD", 350_000),
    ("Kuwait", MEMBER_STATE, "KWT", "KWD", 30_000),
    ("United States of America", MEMBER_STATE, "USA", "USD", 1_200_000),
    ("Qatar", MEMBER_STATE, "QAT", "USD", 500_000),
    ("Mexico", MEMBER_STATE, "MEX", "USD", 50_000),
    ("Republic of Korea", MEMBER_STATE, "KOR", "USD", 200_000),
    ("Türkiye", MEMBER_STATE, "TUR", "USD", 75_000),
    ("European Union", INTERGOVERNMENTAL, None, "EUR", 1_500_000),
    ("Organization for Security and Co-operation in Europe", INTERGOVERNMENTAL, None, "EUR", 90_000),
    ("Open Societies Justice Foundation", PRIVATE, None, "USD", 150_000),
    ("Global Anti-Trafficking Trust", OTHER, None, "GBP", 40_000),
]
BENEFICIARIES = [
    "NGA",
    "KEN",
    "GHA",
    "SEN",
    "MLI",
    "NER",
    "MAR",
    "EGY",
    "PAK",
    "BGD",
    "NPL",
    "LKA",
    "IDN",
    "PHL",
    "VNM",
    "COL",
    "PER",
    "GTM",
    "HND",
    "ZAF",
    "MDA",
    "GEO",
    "UKR",
    "KAZ",
    "UZB",
]
PROJECT_TOPICS = [
    ("Strengthening prosecution of trafficking in persons", "TIP", "trafficking_in_persons"),
    ("Border management against migrant smuggling", "SOM", "smuggling_of_migrants"),
    ("Firearms marking, record-keeping and tracing", "FIREARMS", "firearms"),
    ("Mutual legal assistance under the Convention", "UNTOC", "organized_crime"),
    ("Financial investigations and asset recovery", "UNTOC", "asset_recovery"),
    ("Victim identification and protection", "TIP", "trafficking_in_persons"),
    ("Cybercrime investigation capacity", "UNTOC", "cybercrime"),
    ("Anti-money-laundering units", "UNTOC", "money_laundering"),
]


def _money(value: float | int | Decimal, exponent: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def _exponent(currency: str) -> int:
    return {"JPY": 0, "KWD": 3}.get(currency, 2)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def demo_present(session: Session) -> bool:
    return (
        session.execute(select(Pledge.id).where(Pledge.external_key.like("demo:%")).limit(1)).first()
        is not None
    )


def seed_demo(session: Session, seed: int = 2026) -> dict[str, int]:
    """Build the demo Fund; does nothing if it is already there (running it twice changes nothing)."""
    if demo_present(session):
        return {}
    rng = random.Random(seed)
    system = system_actor(session)
    counts = {
        "rates": 0,
        "donors": 0,
        "projects": 0,
        "pledges": 0,
        "payments": 0,
        "allocations": 0,
        "expenditures": 0,
    }

    for currency, base in BASE_RATES.items():
        rate = base
        month = dt.date(2021, 12, 1)
        while month <= dt.date(2026, 11, 1):
            places = 4 if currency == "KWD" else 3
            set_rate(
                session, currency, month, rate.quantize(Decimal(1).scaleb(-places)), actor=system, audit=False
            )
            counts["rates"] += 1
            rate = rate * Decimal(str(1 + rng.uniform(-0.02, 0.02)))
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)

    iso = dict(session.execute(select(Country.iso3, Country.id)).all())
    donors = []
    for name, kind, country, currency, size in DONORS:
        donor = create_donor(
            session, name=name, kind=kind, actor=system, country_id=iso.get(country) if country else None
        )
        donors.append((donor, currency, size))
        counts["donors"] += 1

    users = {}
    for email, name, role in DEMO_USERS:
        donor_id = donors[0][0].id if role == DONOR_LIAISON else None
        users[email] = create_user(
            session,
            email=email,
            name=name,
            role=role,
            actor=system,
            password=DEMO_PASSWORD,
            donor_id=donor_id,
        )
    officers = [u for u in users.values() if u.role == PROJECT_OFFICER]

    instruments = {i.code: i.id for i in session.execute(select(Instrument)).scalars()}
    entities = [
        e.id for e in session.execute(select(ImplementingEntity).order_by(ImplementingEntity.id)).scalars()
    ]
    eligible = [
        iso[c]
        for c in BENEFICIARIES
        if c in iso and status_on(session, iso[c], dt.date(2022, 1, 1)) in ELIGIBLE_STATUSES
    ][:20]
    projects = []
    for n in range(30):
        title, instrument, theme = PROJECT_TOPICS[n % len(PROJECT_TOPICS)]
        countries = [eligible[n % len(eligible)]] + (
            [eligible[(n * 7 + 3) % len(eligible)]] if n % 3 == 0 else []
        )
        country_name = session.get(Country, countries[0]).name
        start = dt.date(2022 + n % 4, 1 + n % 12, 1)
        other = sorted(set(instruments.values()) - {instruments[instrument]})
        project = create_project(
            session,
            code=f"GLO/{start.year % 100:02d}/{n + 1:03d}",
            title=f"{title}: {country_name}",
            implementing_entity_id=entities[0] if n % 4 else entities[1 + n % (len(entities) - 1)],
            start_date=start,
            end_date=start.replace(year=start.year + 3),
            beneficiary_ids=countries,
            instrument_ids=[instruments[instrument]] + ([other[n % 3]] if n % 5 == 0 else []),
            themes=[theme] + ([THEMES[n % len(THEMES)]] if n % 2 else []),
            officer_id=officers[n % 2].id,
            budget={y: _money(rng.randint(80, 400) * 1000, 2) for y in range(start.year, start.year + 3)},
            description=f"Capacity building for {country_name}.",
            actor=system,
        )
        projects.append(project)
        counts["projects"] += 1

    pledges: list[tuple[Pledge, dt.date]] = []
    for year in YEARS:
        for index, (donor, currency, size) in enumerate(donors):
            if rng.random() < 0.15 and index > 0:
                continue
            exponent = _exponent(currency)
            amount = _money(size * rng.uniform(0.6, 1.4), exponent)
            if exponent == 0:
                amount = _money(int(amount) // 1000 * 1000, 0)
            date = _day(
                rng, dt.date(year, 1, 15), dt.date(year, 10, 31) if year == 2026 else dt.date(year, 11, 30)
            )
            level = rng.choices([1, 2, 3, 4], weights=[4, 3, 2, 1])[0]
            target = {}
            live = [p for p in projects if p.start_date <= date]
            if level == 4 and live:
                target = {"project": rng.choice(live).id}
            elif level == 3:
                target = {"country": rng.choice(eligible[:10])}
            elif level == 2:
                kind = rng.choice(["instrument", "theme", "region"])
                target = {
                    "instrument": instruments[rng.choice(list(instruments))],
                    "theme": rng.choice(THEMES[:4]),
                    "region": rng.choice(["Africa", "Asia", "Latin America and the Caribbean"]),
                }
                target = {kind: target[kind]}
            else:
                level = 1
            pledge = create_pledge(
                session,
                donor_id=donor.id,
                amount=amount,
                currency=currency,
                pledge_date=date,
                actor=system,
                earmark_level=level,
                earmark_target=target,
                source_of_funds="confiscated_proceeds" if rng.random() < 0.08 else "regular",
                reference=f"AGR-{year}-{donor.id:03d}",
                external_key=f"demo:pledge:{year}:{donor.id}",
            )
            counts["pledges"] += 1
            pledges.append((pledge, date))

    for pledge, date in pledges:
        exponent = _exponent(pledge.currency)
        total = Decimal(pledge.original_minor).scaleb(-exponent)
        unpaid_share = Decimal("0") if date.year < 2025 else Decimal(str(rng.choice([0, 0.3, 0.5, 1])))
        parts = 2 if rng.random() < 0.35 else 1
        to_pay = _money(total * (1 - unpaid_share), exponent)
        first = _money(to_pay / parts, exponent) if parts == 2 else to_pay
        for number, part in enumerate([first, to_pay - first] if parts == 2 else [first]):
            if part <= 0:
                continue
            day = _day(
                rng, date + dt.timedelta(days=20 + 90 * number), date + dt.timedelta(days=120 + 120 * number)
            )
            day = min(day, LAST_DAY)
            record_payment(
                session,
                pledge_id=pledge.id,
                amount=part,
                currency=pledge.currency,
                received_date=day,
                actor=system,
                reference=f"BANK-{pledge.id}-{number + 1}",
                external_key=f"demo:payment:{pledge.id}:{number + 1}",
            )
            counts["payments"] += 1

    for pledge, date in pledges:
        available = figures(session, (), pledge_ids=[pledge.id])[0]["available_to_allocate"]
        candidates = [p for p in projects if earmark_refusal(session, pledge, p) is None]
        if available <= 0 or not candidates:
            continue
        rng.shuffle(candidates)
        share = Decimal(str(rng.uniform(0.6, 0.95)))
        budget = int(available * share)
        targets = candidates[: rng.randint(1, 3)]
        for number, project in enumerate(targets):
            amount = (
                budget // len(targets)
                if number < len(targets) - 1
                else budget - budget // len(targets) * number
            )
            if amount <= 0:
                continue
            day = min(max(date + dt.timedelta(days=150), project.start_date), LAST_DAY)
            allocate(
                session,
                pledge_id=pledge.id,
                project_id=project.id,
                amount_usd=Decimal(amount).scaleb(-2),
                allocation_date=day,
                actor=system,
                note="Programme review committee decision",
            )
            counts["allocations"] += 1

    for project in projects:
        balances = figures(session, ("pledge",), project_id=project.id)
        room = sum(spendable(r["available_to_spend"], Decimal("0.13")) for r in balances if r["pledge"])
        spend_total = int(room * rng.uniform(0.4, 0.8))
        steps = rng.randint(3, 8)
        for step in range(steps):
            part = spend_total // steps
            if part < 100:
                break
            day = min(project.start_date + dt.timedelta(days=200 + 90 * step), LAST_DAY)
            currency = "EUR" if step % 4 == 1 else "USD"
            amount = Decimal(part).scaleb(-2)
            if currency == "EUR":
                amount = _money(amount * Decimal("0.85"), 2)
            try:
                record_expenditure(
                    session,
                    project_id=project.id,
                    amount=amount,
                    currency=currency,
                    expenditure_date=day,
                    description=["Workshop", "Expert mission", "Equipment", "Training of trainers"][step % 4],
                    actor=system,
                    external_key=f"demo:expenditure:{project.id}:{step}",
                )
                counts["expenditures"] += 1
            except InvalidInput:
                break  # a currency move made the last slice too large: the rule refused it, as it should

    # A payment keyed twice by mistake, then reversed with a reason (rule 7).
    pledge = next(
        p
        for p, d in pledges
        if d.year == 2026
        and p.currency == "USD"
        and current_amount(session, p) - paid_original(session, p.id) >= 100_000
    )
    slip = record_payment(
        session,
        pledge_id=pledge.id,
        amount=Decimal("1000.00"),
        currency="USD",
        received_date=dt.date(2026, 10, 30),
        actor=system,
        reference="DUPLICATE-KEYING",
    )
    entry = session.execute(
        select(JournalEntry).where(JournalEntry.source_type == "payment", JournalEntry.source_id == slip.id)
    ).scalar_one()
    reverse_entry(
        session,
        entry.id,
        reason="Bank statement line entered twice",
        actor=system,
        reversal_date=dt.date(2026, 10, 31),
    )
    for year in CLOSED_YEARS:
        close_period(session, year, actor=system)
    return counts


def demo_logins() -> list[tuple[str, str, str]]:
    return [(role, email, DEMO_PASSWORD) for email, _, role in DEMO_USERS]


__all__ = ["seed_demo", "demo_logins", "User"]
