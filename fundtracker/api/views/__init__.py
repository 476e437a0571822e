"""The API's resource blueprints, in the order the OpenAPI document lists them."""

from __future__ import annotations

from . import (
    admin,
    allocations,
    balances,
    donors,
    files,
    journal,
    payments,
    pledges,
    projects,
    rates,
    reference,
)

BLUEPRINTS = [
    donors.blp,
    pledges.blp,
    payments.blp,
    rates.blp,
    projects.blp,
    allocations.allocations,
    allocations.expenditures,
    journal.reversals,
    journal.entries,
    journal.lines,
    journal.periods,
    balances.blp,
    reference.countries,
    reference.instruments,
    reference.entities,
    reference.currencies,
    files.exports,
    files.imports,
    admin.audit,
    admin.users,
    admin.api_tokens,
    admin.me,
]
