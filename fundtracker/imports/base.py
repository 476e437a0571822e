"""What every kind of import shares: a row's parsed values, problems by cell, stable keys, shared lookups."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..allocations.models import Expenditure
from ..auth.permissions import Actor
from ..contributions.models import Payment, Pledge
from ..donors.models import Donor
from ..errors import DomainError
from ..money import decimal_places, format_amount
from ..reference.models import Currency
from .cells import Column
from .report import Action, RowResult

KEY_PREFIX = "import:"
EXAMPLE_KEY = "EXAMPLE"
MAX_KEY_LENGTH = 100
CHUNK = 500

# The records an import adds under an external key.
Imported = TypeVar("Imported", Pledge, Payment, Expenditure)


@dataclass(slots=True)
class RowInput:
    """One row of the file: parsed values by field, where each came from, and the row's result so far."""

    number: int
    values: dict[str, Any]
    cells: dict[str, str]  # field -> cell reference such as "E7"
    result: RowResult
    plan: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    @property
    def failed(self) -> bool:
        return self.result.action == Action.ERROR


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def hashed_key(*parts: object) -> str:
    """A stable key from a row's identifying fields, for rows that leave the Key column blank."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return KEY_PREFIX + "#" + hashlib.sha256(text.encode()).hexdigest()[:40]


def shown_key(external_key: str | None) -> str | None:
    if external_key is None:
        return None
    return external_key[len(KEY_PREFIX):] if external_key.startswith(KEY_PREFIX) else external_key


def plain(amount: Decimal) -> str:
    """An amount as it was written ("-250.00" stays so), never in exponent notation."""
    return format(amount, "f")


class Handler:
    """One kind of import. resolve() reads references, preload() fetches existing records in bulk,
    classify() decides add / update / unchanged, apply() calls the services (inside a savepoint)."""

    kind: ClassVar[str]
    title: ClassVar[str]  # the data sheet's name in the template
    columns: ClassVar[tuple[Column, ...]] = ()
    key_field: ClassVar[str | None] = "key"
    # field names the services use in InvalidInput -> the column (field) the message belongs to
    service_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self._seen_keys: dict[str, int] = {}
        self._seen_identities: dict[Any, int] = {}
        self.exponents: dict[str, int] = dict(session.execute(select(Currency.code, Currency.exponent)).all())
        # The identity map holds objects weakly; keeping the small reference tables referenced during the
        # import lets each service's session.get() of a currency or donor be answered from memory, not SQL.
        self._pinned = [*session.execute(select(Currency)).scalars(),
                        *session.execute(select(Donor)).scalars()]

    # -- helpers shared by the kinds ---------------------------------------------------------------------

    def heading(self, name: str | None) -> str | None:
        for column in self.columns:
            if column.field == name:
                return column.heading
        return name

    def problem(self, row: RowInput, name: str | None, message: str) -> None:
        row.result.refuse(message, self.heading(name), row.cells.get(name or ""))

    def service_problem(self, row: RowInput, error: DomainError) -> None:
        if not error.errors:
            self.problem(row, None, error.message)
            return
        for name, messages in error.errors.items():
            target = self.service_fields.get(name, name if name in row.values else None)
            for message in messages:
                self.problem(row, target, message)

    def require(self, row: RowInput, *names: str) -> bool:
        ok = True
        for name in names:
            if row.get(name) in (None, "") and name not in row.cells:
                self.problem(row, name, f"{self.heading(name)} is required.")
                ok = False
        return ok

    def currency(self, row: RowInput, name: str = "currency") -> str | None:
        code = row.get(name)
        if code is None:
            return None
        code = str(code).upper()
        if code not in self.exponents:
            self.problem(row, name, f"\"{code}\" is not an ISO 4217 currency code known to the Fund; "
                                    "choose one from the list.")
            return None
        return code

    def minor(self, row: RowInput, code: str | None, name: str = "amount", *, noun: str = "amount"
              ) -> int | None:
        """Exact minor units of an amount; more decimals than the currency has is refused, never rounded."""
        amount = row.get(name)
        if amount is None or code is None:
            return None
        exponent = self.exponents[code]
        if decimal_places(amount) > exponent:
            places = f"{exponent} decimal place{'s' if exponent != 1 else ''}" if exponent else "no decimals"
            self.problem(row, name, f"{code} amounts have {places}; {plain(amount)} has more. Enter the "
                                    "exact amount; it is never rounded.")
            return None
        if amount <= 0:
            sign = "negative" if amount < 0 else "zero"
            self.problem(row, name, f"A{'n' if noun[0] in 'aeiou' else ''} {noun} must be a positive amount; "
                                    f"{plain(amount)} is {sign}.")
            return None
        return int(amount.scaleb(exponent))

    def money(self, minor: int, code: str) -> str:
        return f"{format_amount(minor, self.exponents[code])} {code}"

    def key_of(self, row: RowInput, *identity: object) -> str | None:
        """The row's stable key: its Key column when filled in, else a hash of the identifying fields."""
        given = row.get(self.key_field) if self.key_field else None
        if given:
            if len(given) > MAX_KEY_LENGTH:
                self.problem(row, self.key_field, f"A key has at most {MAX_KEY_LENGTH} characters.")
                return None
            return KEY_PREFIX + given
        return hashed_key(self.kind, *identity)

    def first_use_of_key(self, row: RowInput, key: str) -> bool:
        earlier = self._seen_keys.setdefault(key, row.number)
        if earlier != row.number:
            how = "" if row.get(self.key_field) else " (the same identifying fields)"
            self.problem(row, self.key_field, f"Row {earlier} has the same key{how}; each record appears "
                                              "once in a file.")
            return False
        return True

    def first_use_of_identity(self, row: RowInput, identity: Any, description: str) -> bool:
        earlier = self._seen_identities.setdefault(identity, row.number)
        if earlier != row.number:
            self.problem(row, None, f"Row {earlier} has the same {description}; is this row a duplicate?")
            return False
        return True

    def donors_by_name(self) -> dict[str, tuple[int, str]]:
        rows = self.session.execute(select(Donor.id, Donor.name))
        return {name.casefold(): (id_, name) for id_, name in rows}

    def pledges_by_reference(self, refs: Iterable[str]) -> dict[str, Pledge]:
        """Pledges named in a file by number ("123") or by import key ("DEU-2026-01")."""
        refs = sorted(set(refs))
        numbers = [int(r) for r in refs if r.isdigit() and len(r) < 12]
        keys = [KEY_PREFIX + r for r in refs]
        found: dict[str, Pledge] = {}
        for part in chunks(keys):
            for pledge in self.session.execute(select(Pledge).where(Pledge.external_key.in_(part))).scalars():
                found[shown_key(pledge.external_key) or ""] = pledge
        for part in chunks(numbers):
            for pledge in self.session.execute(select(Pledge).where(Pledge.id.in_(part))).scalars():
                found.setdefault(str(pledge.id), pledge)
        return found

    def existing_by_key(self, model: type[Imported], keys: Sequence[str]) -> dict[str, Imported]:
        """The records of `model` already imported under any of `keys`, by key."""
        found: dict[str, Imported] = {}
        for part in chunks(keys):
            for record in self.session.execute(select(model).where(model.external_key.in_(part))).scalars():
                found[record.external_key or ""] = record
        return found

    @staticmethod
    def date_range(rows: Iterable[RowInput], name: str) -> tuple[dt.date, dt.date] | None:
        days = [r.get(name) for r in rows if isinstance(r.get(name), dt.date)]
        return (min(days), max(days)) if days else None

    def count(self, model: type) -> int:
        return int(self.session.execute(select(func.count()).select_from(model)).scalar_one())

    # -- the steps, per kind -----------------------------------------------------------------------------

    def resolve(self, row: RowInput) -> None:
        raise NotImplementedError

    def preload(self, rows: list[RowInput]) -> None:
        """Fetch the existing records the rows may match, in a few queries for the whole file."""

    def classify(self, row: RowInput) -> None:
        raise NotImplementedError

    def apply(self, row: RowInput) -> None:
        raise NotImplementedError


class PledgeLinkedHandler(Handler):
    """A kind whose rows may name a pledge, so that a row's key is settled only once the pledges are loaded."""

    pledges: dict[str, Pledge]
    existing: dict[str, Any]  # set by each kind's __init__: its records already imported, by key

    def link_pledge(self, row: RowInput) -> bool:
        """Put the pledge the row names into its plan; False, the row refused, when no pledge has that reference."""
        reference = row.get("pledge")
        if reference:
            pledge = self.pledges.get(reference)
            if pledge is None:
                self.problem(row, "pledge", f"No pledge has the number or import key \"{reference}\".")
                return False
            row.plan["pledge_id"] = pledge.id
        return True

    def preload_linked(self, rows: list[RowInput], model: type[Imported]) -> None:
        """Load the named pledges, finish every sound row, then the `model` records already imported under their
        keys (into `existing`)."""
        self.pledges = self.pledges_by_reference(r.get("pledge") for r in rows if r.get("pledge"))
        for row in rows:
            if not row.failed:
                self._finish(row)
        keys = [r.result.key for r in rows if r.result.key and not r.failed]
        self.existing.update(self.existing_by_key(model, keys))

    def _finish(self, row: RowInput) -> None:
        """Settle the row's pledge, key and summary now that the pledges are loaded."""
        raise NotImplementedError
