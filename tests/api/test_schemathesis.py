"""Property tests of the whole API from its OpenAPI document (schemathesis): every operation, as every role,
with all checks and a fixed seed; no server error and no failed check.

Per operation, EXAMPLES generated requests (50 in CI, FUNDTRACKER_TEST_HYPOTHESIS_PROFILE=ci; 10 locally;
FUNDTRACKER_TEST_API_EXAMPLES overrides) shared out over the five roles, plus, as every role, the coverage
phase's deterministic cases (boundaries, each parameter missing or of the wrong type, unknown fields, methods
the operation does not have). Measured run time is in README's Performance section."""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis.config import SchemathesisConfig

from .conftest import ROLES, Fund, isolated_wsgi

CI = os.environ.get("FUNDTRACKER_TEST_HYPOTHESIS_PROFILE") == "ci"
EXAMPLES = int(os.environ.get("FUNDTRACKER_TEST_API_EXAMPLES") or (50 if CI else 10))
PER_ROLE = math.ceil(EXAMPLES / len(ROLES))
SEED = 20261128
# Every check, all enabled. A request that is valid by the schema may still break a rule of the books that a
# schema cannot express (a pledge that does not exist, money not yet received, a closed year): those answer
# 422 or 409 with the error shape, so positive data is "accepted" by any documented refusal as well.
CONFIG = """
seed = {seed}

[generation]
max-examples = {examples}
deterministic = true

[checks]
enabled = true
max_response_time = 10.0
positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[auth.openapi.bearerAuth]
bearer = "{token}"
"""


def _schema_for(role: str) -> Any:
    """A pytest fixture loading the document with the role's token as the bearerAuth credentials, so that the
    authentication checks can take it away (or spoil it) and expect a 401."""

    @pytest.fixture(name=f"api_schema_{role}")
    def fixture(app: Flask, fund: Fund):  # type: ignore[no-untyped-def]
        text = CONFIG.format(seed=SEED, examples=PER_ROLE, token=fund.tokens[role])
        config = SchemathesisConfig.from_str(text)
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated_wsgi(app), config=config)

    return fixture


def _test_for(role: str) -> Any:
    schema = schemathesis.pytest.from_fixture(f"api_schema_{role}")

    @schema.parametrize()
    def test(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate()

    test.__name__ = f"test_every_operation_as_{role}"
    return test


# One test per role; schemathesis runs every operation of the document inside each, as its own subtest.
for _role in ROLES:
    globals()[f"api_schema_{_role}"] = _schema_for(_role)
    globals()[f"test_every_operation_as_{_role}"] = _test_for(_role)
