"""Who may use each route: the expectations of the access-control matrix (tests/access/test_matrix.py).

ONE ENTRY PER ENDPOINT of app.url_map (only `static` is left out); the matrix FAILS if an endpoint has no
entry here, or an entry names no endpoint. When you add a route, add its line to ROUTES:

    ROUTES["portal.donor"] = allow(*STAFF, LIAISON, scoped=True)

    allow(*roles, write=None, scoped=False, other=None)
      roles   who may use the route, with every method it has. Role names: "admin", "finance",
              "project_officer", "donor_liaison", "auditor", "anonymous"; groups below: EVERYONE, SIGNED_IN,
              STAFF (admin, finance, project_officer, auditor), AUDIT_READERS (admin, auditor), MONEY_WRITERS
              (admin, finance), ADMIN_ONLY, NOBODY.
      write   who may use its state-changing methods (POST/PUT/PATCH/DELETE) when that differs from `roles`
              (e.g. a page everyone on staff reads but only finance posts to).
      scoped  True when the route takes a donor's object: called with ANOTHER donor's object a donor liaison
              must get 404 (never 403); everyone else as `roles` says.
      other   who may use the route with the OTHER object, when that is not just `roles` (minus the liaison
              when scoped); e.g. your own API token versus someone else's. Refusals of the other object
              must be 404.

URL VARIABLES (<int:pledge_id>, ...) are filled from OBJECTS: variable name -> function(world, role) returning
(own, other). "own" is the acting user's object (for a liaison: its own donor's; for a project officer: a
project it manages); "other" belongs to another donor (or user). The world is made by build_world() below;
add the objects your routes need there, and a line to OBJECTS for each new variable name.

HOW A CASE IS JUDGED: every route x method (HEAD/OPTIONS aside) x role x object (own and other, when the route
takes one). Portal requests carry the role's session cookie and a valid CSRF token; /api/ requests carry the
role's `Authorization: Bearer` token instead; anonymous carries neither. Bodies are empty, so an allowed POST
may answer 400/422: it got past the permission check, which is what counts. Refused = 401, 403, 404, or
(anonymous only) a redirect to the login page. Anything else below 500 is allowed; a 500 always fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

ADMIN, FINANCE, OFFICER, LIAISON, AUDITOR, ANONYMOUS = (
    "admin", "finance", "project_officer", "donor_liaison", "auditor", "anonymous")
SIGNED_IN = (ADMIN, FINANCE, OFFICER, LIAISON, AUDITOR)
EVERYONE = (*SIGNED_IN, ANONYMOUS)
STAFF = (ADMIN, FINANCE, OFFICER, AUDITOR)
AUDIT_READERS = (ADMIN, AUDITOR)
MONEY_WRITERS = (ADMIN, FINANCE)
ADMIN_ONLY = (ADMIN,)
NOBODY: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    write: frozenset[str] | None = None
    scoped: bool = False
    other: frozenset[str] | None = None


def allow(*roles: str, write: tuple[str, ...] | None = None, scoped: bool = False,
          other: tuple[str, ...] | None = None) -> Rule:
    for role in (*roles, *(write or ()), *(other or ())):
        assert role in EVERYONE, f"unknown role {role!r}"
    return Rule(frozenset(roles), None if write is None else frozenset(write), scoped,
                None if other is None else frozenset(other))


ROUTES: dict[str, Rule] = {
    # Front-door wiring
    "healthz": allow(*EVERYONE),
    # Sign-in and the signed-in user's own things (fundtracker/portal/auth_views.py)
    "portal.home": allow(*SIGNED_IN),
    "portal.login": allow(*EVERYONE),
    "portal.logout": allow(*SIGNED_IN),
    "portal.change_password": allow(*SIGNED_IN),
    "portal.tokens": allow(*SIGNED_IN),
    "portal.revoke_token": allow(*SIGNED_IN, other=ADMIN_ONLY),  # own token: anyone; another's: admin only
    # User administration
    "portal.users": allow(*ADMIN_ONLY),
    "portal.user_detail": allow(*ADMIN_ONLY),
    "portal.disable_user": allow(*ADMIN_ONLY),
    "portal.enable_user": allow(*ADMIN_ONLY),
    # Audit trail (fundtracker/portal/audit_views.py)
    "portal.audit_trail": allow(*AUDIT_READERS),
    "portal.audit_event": allow(*AUDIT_READERS),
    # The portal pages (fundtracker/portal: donors, pledges, money, projects, books, reference, transfers)
    "portal.set_language": allow(*EVERYONE),
    "portal.donors": allow(*SIGNED_IN),  # a liaison's list holds only its own donor
    "portal.donor": allow(*SIGNED_IN, scoped=True),
    "portal.pledge": allow(*SIGNED_IN, scoped=True),
    "portal.pledge_new": allow(*MONEY_WRITERS),
    "portal.pledge_amend": allow(*MONEY_WRITERS),
    "portal.pledge_cancel": allow(*MONEY_WRITERS),
    "portal.pledge_confirm": allow(*MONEY_WRITERS),
    "portal.payment_new": allow(*MONEY_WRITERS),
    "portal.payment_preview": allow(*MONEY_WRITERS),
    "portal.allocation_new": allow(*MONEY_WRITERS),
    "portal.allocation_preview": allow(*MONEY_WRITERS),
    "portal.projects": allow(*STAFF),
    "portal.project": allow(*STAFF),
    "portal.expenditure_new": allow(ADMIN, FINANCE, OFFICER, other=MONEY_WRITERS),  # an officer: own projects
    "portal.books": allow(*STAFF),
    "portal.journal": allow(*STAFF),
    "portal.journal_reverse": allow(*MONEY_WRITERS),
    "portal.periods": allow(*STAFF),
    "portal.period_close": allow(*MONEY_WRITERS),
    "portal.period_reopen": allow(*ADMIN_ONLY),
    "portal.rates": allow(*STAFF, write=MONEY_WRITERS),
    "portal.countries": allow(*STAFF),
    "portal.country": allow(*STAFF, write=ADMIN_ONLY),
    "portal.institutes": allow(*STAFF),
    "portal.instruments": allow(*STAFF),
    "portal.institute_new": allow(*ADMIN_ONLY),
    "portal.institute_edit": allow(*ADMIN_ONLY),
    "portal.instrument_edit": allow(*ADMIN_ONLY),
    "portal.user_new": allow(*ADMIN_ONLY),
    "portal.exports": allow(*SIGNED_IN),
    "portal.export_download": allow(*SIGNED_IN),  # a liaison: its own donor's statement only
    "portal.imports": allow(ADMIN, FINANCE, OFFICER),  # an officer: expenditure only
    "portal.import_template": allow(ADMIN, FINANCE, OFFICER),
    # The JSON API (fundtracker/api/views): Bearer token; a role gate answers before the body is read.
    "api_docs": allow(*EVERYONE),
    "api-docs.openapi_json": allow(*EVERYONE),
    "me.Me": allow(*SIGNED_IN),
    "donors.Donors": allow(*SIGNED_IN, write=MONEY_WRITERS),  # a liaison's list: its own donor only
    "donors.Donor": allow(*SIGNED_IN, scoped=True),
    "pledges.Pledges": allow(*SIGNED_IN, write=MONEY_WRITERS),
    "pledges.Pledge": allow(*SIGNED_IN, scoped=True),
    "pledges.PledgeAmendments": allow(*MONEY_WRITERS),
    "pledges.PledgeConfirm": allow(*MONEY_WRITERS),
    "pledges.PledgeCancel": allow(*MONEY_WRITERS),
    "pledges.PledgeWriteOff": allow(*MONEY_WRITERS),
    "pledges.PledgeEarmark": allow(*MONEY_WRITERS),
    "payments.Payments": allow(*SIGNED_IN, write=MONEY_WRITERS),
    "payments.Payment": allow(*SIGNED_IN, scoped=True),
    "exchange_rates.Rates": allow(*SIGNED_IN, write=MONEY_WRITERS),
    "exchange_rates.RatesBulk": allow(*MONEY_WRITERS),
    "projects.Projects": allow(*SIGNED_IN, write=(ADMIN, FINANCE, OFFICER)),  # a liaison: projects it funds
    "projects.Project": allow(*SIGNED_IN, scoped=True),
    "projects.ProjectUpdate": allow(ADMIN, FINANCE, OFFICER, other=MONEY_WRITERS),  # an officer: own projects
    "projects.ProjectBeneficiaries": allow(ADMIN, FINANCE, OFFICER, other=MONEY_WRITERS),
    "allocations.Allocations": allow(*SIGNED_IN, write=MONEY_WRITERS),
    "allocations.Allocation": allow(*SIGNED_IN, scoped=True),
    "expenditures.Expenditures": allow(*SIGNED_IN, write=(ADMIN, FINANCE, OFFICER)),
    "expenditures.Expenditure": allow(*SIGNED_IN, scoped=True),
    "reversals.Reversals": allow(*STAFF, write=MONEY_WRITERS),
    "journal_entries.Entries": allow(*STAFF),
    "journal_entries.Entry": allow(*STAFF),
    "journal_lines.Lines": allow(*STAFF),
    "periods.Periods": allow(*SIGNED_IN),
    "periods.PeriodClose": allow(*MONEY_WRITERS),
    "periods.PeriodReopen": allow(*ADMIN_ONLY),
    "balances.FundBalance": allow(*SIGNED_IN),  # a liaison: its own donor's figures only
    "balances.by_donor": allow(*SIGNED_IN),
    "balances.by_project": allow(*SIGNED_IN),
    "balances.by_year": allow(*SIGNED_IN),
    "balances.by_instrument": allow(*SIGNED_IN),
    "balances.by_country": allow(*SIGNED_IN),
    "balances.by_region": allow(*SIGNED_IN),
    "countries.Countries": allow(*SIGNED_IN),
    "countries.Country": allow(*SIGNED_IN),
    "countries.CountryStatuses": allow(*ADMIN_ONLY),
    "instruments.Instruments": allow(*SIGNED_IN),
    "instruments.Instrument": allow(*SIGNED_IN),
    "implementing_entities.Entities": allow(*SIGNED_IN),
    "implementing_entities.Entity": allow(*SIGNED_IN),
    "currencies.Currencies": allow(*SIGNED_IN),
    "exports.Workbooks": allow(*SIGNED_IN),
    "exports.Workbook": allow(*SIGNED_IN),  # the workbook's own roles are checked once the period is given
    "imports.ImportDryRun": allow(ADMIN, FINANCE, OFFICER),  # an officer: expenditure only
    "imports.ImportCommit": allow(ADMIN, FINANCE, OFFICER),
    "audit_events.AuditEvents": allow(*AUDIT_READERS),
    "audit_events.AuditEvent": allow(*AUDIT_READERS),
    "users.Users": allow(*ADMIN_ONLY),
    "users.User": allow(*ADMIN_ONLY),
    "users.UserDisable": allow(*ADMIN_ONLY),
    "users.UserEnable": allow(*ADMIN_ONLY),
    "users.UserTokens": allow(*SIGNED_IN, other=ADMIN_ONLY),  # own tokens: anyone; another's: admin only
    "tokens.Token": allow(*SIGNED_IN, other=ADMIN_ONLY),
}


@dataclass
class World:
    """The objects the matrix acts on: a user per role, the liaison's donor ("own") and another donor."""

    users: dict[str, Any]
    target: Any  # a user nobody acts as, on whom admin pages are tried
    api_tokens: dict[str, str]  # role -> raw bearer token used to call /api/ as that role
    tokens: dict[str, int]  # role (and "target") -> id of an API token object owned by that user
    donor_own: Any
    donor_other: Any
    pledge_own: Any
    pledge_other: Any
    payment_own: Any
    payment_other: Any
    project_own: Any
    project_other: Any
    allocation_own: Any
    allocation_other: Any
    expenditure_own: Any
    expenditure_other: Any
    event_ids: tuple[int, int]


def build_world(session: Session, make: Any) -> World:
    """Users of every role, two donors with a pledge, payment, project, allocation and expenditure each."""
    from fundtracker.allocations.models import Allocation
    from fundtracker.audit.models import AuditEvent
    from fundtracker.auth.tokens import create_token

    donor_own, donor_other = make.donor("Own Donor of the liaison"), make.donor("Another Donor")
    users = {role: make.user(role, donor_id=donor_own.id if role == LIAISON else None) for role in SIGNED_IN}
    second_officer = make.user(OFFICER)
    target = make.user(FINANCE)

    pledge_own = make.pledge(donor_own, amount="50000.00")
    pledge_other = make.pledge(donor_other, amount="50000.00")
    payment_own = make.payment(pledge_own, "50000.00")
    payment_other = make.payment(pledge_other, "50000.00")
    project_own = make.project(officer_id=users[OFFICER].id)
    project_other = make.project(officer_id=second_officer.id)
    make.allocation(pledge_own, project_own, "20000.00")
    make.allocation(pledge_other, project_other, "20000.00")
    allocation_own, allocation_other = (
        session.execute(select(Allocation).where(Allocation.project_id == p.id)).scalar_one()
        for p in (project_own, project_other))
    expenditure_own = make.expenditure(project_own, "1000.00")
    expenditure_other = make.expenditure(project_other, "1000.00")

    api_tokens, tokens = {}, {}
    for role, user in [*users.items(), ("target", target)]:
        token, _raw = create_token(session, user_id=user.id, name="matrix object", actor=user)
        tokens[role] = token.id
        if role != "target":
            _caller, api_tokens[role] = create_token(session, user_id=user.id, name="matrix caller",
                                                     actor=user)
    events = list(session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())
    return World(users, target, api_tokens, tokens, donor_own, donor_other, pledge_own, pledge_other,
                 payment_own, payment_other, project_own, project_other, allocation_own, allocation_other,
                 expenditure_own, expenditure_other, (events[0], events[-1]))


def _pair(own: Any, other: Any) -> tuple[Any, Any]:
    return own.id, other.id


OBJECTS: dict[str, Any] = {
    "donor_id": lambda w, role: _pair(w.donor_own, w.donor_other),
    "pledge_id": lambda w, role: _pair(w.pledge_own, w.pledge_other),
    "payment_id": lambda w, role: _pair(w.payment_own, w.payment_other),
    "project_id": lambda w, role: _pair(w.project_own, w.project_other),
    "allocation_id": lambda w, role: _pair(w.allocation_own, w.allocation_other),
    "expenditure_id": lambda w, role: _pair(w.expenditure_own, w.expenditure_other),
    "user_id": lambda w, role: (w.users[role].id if role in w.users else w.target.id, w.target.id),
    "token_id": lambda w, role: (w.tokens.get(role, w.tokens["target"]), w.tokens["target"]),
    "event_id": lambda w, role: w.event_ids,
    "iso3": lambda w, role: ("KEN", "FRA"),  # reference data: the same for everyone (portal.country)
    # The JSON API's variables (reference data and documents: the same rule whichever is taken)
    "country_id": lambda w, role: _api_ids("country", "iso3", "KEN", "FRA"),
    "instrument_id": lambda w, role: _api_ids("instrument", "code", "UNTOC", "TIP"),
    "entity_id": lambda w, role: _api_ids("implementing_entity", "id", 1, 2),
    "entry_id": lambda w, role: _api_payment_entries(w),
    "year": lambda w, role: (2031, 2031),  # closing a year nobody posts in
    "workbook": lambda w, role: ("donor-statement", "donor-statement"),
    "kind": lambda w, role: ("expenditures", "expenditures"),
}


def _api_ids(table: str, column: str, own: Any, other: Any) -> tuple[int, int]:
    from sqlalchemy import text

    from fundtracker.extensions import db

    ids = dict(db.session.execute(text(f"SELECT {column}, id FROM {table} WHERE {column} IN (:a, :b)"),
                                  {"a": own, "b": other}).all())
    return ids[own], ids[other]


def _api_payment_entries(w: World) -> tuple[int, int]:
    """The journal entries that posted the own and the other donor's payments."""
    from fundtracker.extensions import db
    from fundtracker.ledger.models import JournalEntry

    def entry(payment: Any) -> int:
        return db.session.execute(select(JournalEntry.id).where(
            JournalEntry.source_type == "payment", JournalEntry.source_id == payment.id)).scalar_one()

    return entry(w.payment_own), entry(w.payment_other)
