"""The access-control matrix: every route of app.url_map x every role x the user's own object and another
donor's, judged against tests/access/declarations.py. Figures are printed and written to
test-artifacts/access_matrix.json."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, url_for
from itsdangerous import URLSafeTimedSerializer

from fundtracker.auth.models import User
from fundtracker.extensions import db

from . import declarations as decl

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class Case:
    endpoint: str
    rule: str
    method: str
    role: str
    variant: str  # "own", "other" or "-" (the route takes no object)
    url: str
    expected: bool
    declared: decl.Rule
    status: int = 0
    allowed: bool = False
    problem: str = ""


def expected_allowed(rule: decl.Rule, method: str, role: str, variant: str) -> bool:
    roles = rule.write if method in UNSAFE and rule.write is not None else rule.roles
    if variant == "other":
        if rule.other is not None:
            roles = rule.other
        elif rule.scoped:
            roles = roles - {decl.LIAISON}
    return role in roles


def must_be_404(rule: decl.Rule, role: str, variant: str) -> bool:
    """A refusal of the other object says "not found": it must not even confirm the object exists."""
    return variant == "other" and role != decl.ANONYMOUS and (rule.scoped or rule.other is not None)


def csrf_pair(app: Flask) -> tuple[str, str]:
    """A CSRF secret for the session and its signed token, as Flask-WTF's generate_csrf() makes them."""
    raw = hashlib.sha1(os.urandom(32)).hexdigest()
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return raw, URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def run_case(app: Flask, world: decl.World, case: Case) -> None:
    client = app.test_client()
    headers: dict[str, str] = {}
    data: dict[str, str] = {}
    api = case.url.startswith("/api/")
    if api and case.role != decl.ANONYMOUS:
        headers["Authorization"] = f"Bearer {world.api_tokens[case.role]}"
    elif not api:
        # Every browser, signed in or not, holds a valid CSRF token: the case tests permissions, not CSRF.
        raw, signed = csrf_pair(app)
        with client.session_transaction() as browser_session:
            browser_session["csrf_token"] = raw
            if case.role != decl.ANONYMOUS:
                user = db.session.get(User, world.users[case.role].id)  # fresh: a logout moved its version
                browser_session["_user_id"] = user.get_id()
                browser_session["_fresh"] = True
        headers["X-CSRFToken"] = signed
        data["csrf_token"] = signed
    try:
        response = client.open(case.url, method=case.method, headers=headers,
                               data=data if case.method in UNSAFE and not api else None)
    except Exception as exc:  # TESTING propagates a view's exception: record it as the 500 it would be
        db.session.rollback()
        case.status, case.problem = 500, f"server error: {type(exc).__name__}: {exc}"[:300]
        return
    case.status = response.status_code
    location = urlsplit(response.headers.get("Location", "")).path
    refused = case.status in (401, 403, 404) or (
        case.role == decl.ANONYMOUS and 300 <= case.status < 400 and location == "/auth/login")
    case.allowed = not refused
    if case.status >= 500:
        case.problem = "server error"
    elif case.allowed != case.expected:
        case.problem = "unexpected allow" if case.allowed else "unexpected denial"
    elif not case.allowed and must_be_404(case.declared, case.role, case.variant) and case.status != 404:
        case.problem = f"refused with {case.status}, must be 404"


def build_cases(app: Flask, world: decl.World, routes: dict[str, decl.Rule] | None = None,
                ) -> tuple[list[Case], list[str]]:
    routes = decl.ROUTES if routes is None else routes
    cases: list[Case] = []
    errors: list[str] = []
    roles = decl.EVERYONE
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static":
            continue
        declared = routes.get(rule.endpoint)
        if declared is None:
            continue
        variables = sorted(rule.arguments - set(rule.defaults or {}))
        unknown = [v for v in variables if v not in decl.OBJECTS]
        if unknown:
            errors.append(f"{rule.endpoint} ({rule.rule}): add OBJECTS entries for {unknown}")
            continue
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
            for role in roles:
                variants = ["own", "other"] if variables else ["-"]
                for variant in variants:
                    values: dict[str, Any] = {}
                    for name in variables:
                        own, other = decl.OBJECTS[name](world, role)
                        values[name] = own if variant in ("own", "-") else other
                    with app.test_request_context():
                        url = url_for(rule.endpoint, **values)
                    cases.append(Case(rule.endpoint, rule.rule, method, role, variant, url,
                                      expected_allowed(declared, method, role, variant), declared))
    return cases, errors


def test_every_route_is_declared(matrix_app: Flask):
    endpoints = {r.endpoint for r in matrix_app.url_map.iter_rules()} - {"static"}
    missing = sorted(endpoints - set(decl.ROUTES))
    stale = sorted(set(decl.ROUTES) - endpoints)
    assert not missing, f"routes without an access declaration in tests/access/declarations.py: {missing}"
    assert not stale, f"declarations for endpoints that do not exist: {stale}"


def test_access_matrix(matrix_app: Flask, make, session):
    world = decl.build_world(session, make)
    session.commit()
    cases, errors = build_cases(matrix_app, world)
    assert not errors, errors
    for case in cases:
        run_case(matrix_app, world, case)

    problems = [c for c in cases if c.problem]
    tally = Counter(c.problem for c in problems)
    figures = {
        "routes_covered": len({(c.endpoint, c.rule) for c in cases}),
        "endpoints_declared": len(decl.ROUTES),
        "cases_run": len(cases),
        "allowed_cases": sum(c.allowed for c in cases),
        "refused_cases": sum(not c.allowed for c in cases),
        "unexpected_allows": tally["unexpected allow"],
        "unexpected_denials": tally["unexpected denial"],
        "server_errors": sum(v for k, v in tally.items() if k.startswith("server error")),
        "refusals_that_should_be_404": sum(v for k, v in tally.items() if k.endswith("must be 404")),
        "database": db.engine.dialect.name,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"access_matrix_{figures['database']}.json").write_text(json.dumps({
        "figures": figures,
        "problems": [{k: v for k, v in c.__dict__.items() if k != "declared"} for c in problems],
    }, indent=2, default=str))  # a failing case must be reported, not hidden by a serialisation error
    print("\naccess matrix: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    detail = "\n".join(f"  {c.problem}: {c.role} {c.method} {c.url} ({c.endpoint}, {c.variant}) -> {c.status}"
                       for c in problems[:60])
    assert figures["unexpected_allows"] == 0, "\n" + detail
    assert not problems, "\n" + detail
    assert figures["cases_run"] > 0 and figures["refused_cases"] > 0 and figures["allowed_cases"] > 0
