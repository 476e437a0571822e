"""The matrix judges correctly: a donor-scoped route that leaks another donor, answers 403 instead of 404, or
refuses the liaison its own donor, is caught (probe routes, added to a test application only)."""

from __future__ import annotations

from flask import Flask, abort
from flask_login import current_user, login_required

from fundtracker.auth.permissions import require_donor_visible

from . import declarations as decl
from .test_matrix import build_cases, run_case

PROBES = {
    "probe_correct": decl.allow(*decl.STAFF, decl.LIAISON, scoped=True),
    "probe_leaky": decl.allow(*decl.STAFF, decl.LIAISON, scoped=True),
    "probe_403": decl.allow(*decl.STAFF, decl.LIAISON, scoped=True),
    "probe_too_strict": decl.allow(*decl.STAFF, decl.LIAISON, scoped=True),
}


def add_probes(app: Flask) -> None:
    @login_required
    def correct(donor_id: int):  # type: ignore[no-untyped-def]
        require_donor_visible(current_user, donor_id)
        return "ok"

    @login_required
    def leaky(donor_id: int):  # type: ignore[no-untyped-def]
        return "ok"

    @login_required
    def forbidden(donor_id: int):  # type: ignore[no-untyped-def]
        if current_user.role == "donor_liaison" and current_user.donor_id != donor_id:
            abort(403)
        return "ok"

    @login_required
    def too_strict(donor_id: int):  # type: ignore[no-untyped-def]
        if current_user.role == "donor_liaison":
            abort(404)
        return "ok"

    app.add_url_rule("/probe/correct/<int:donor_id>", "probe_correct", correct)
    app.add_url_rule("/probe/leaky/<int:donor_id>", "probe_leaky", leaky)
    app.add_url_rule("/probe/403/<int:donor_id>", "probe_403", forbidden)
    app.add_url_rule("/probe/strict/<int:donor_id>", "probe_too_strict", too_strict)


def test_the_matrix_catches_leaks_wrong_statuses_and_over_refusal(matrix_app, make, session):
    add_probes(matrix_app)
    world = decl.build_world(session, make)
    session.commit()
    cases, errors = build_cases(matrix_app, world, PROBES)
    assert not errors
    for case in cases:
        run_case(matrix_app, world, case)
    found = {(c.endpoint, c.role, c.variant, c.problem) for c in cases if c.problem}
    assert found == {
        ("probe_leaky", "donor_liaison", "other", "unexpected allow"),
        ("probe_403", "donor_liaison", "other", "refused with 403, must be 404"),
        ("probe_too_strict", "donor_liaison", "own", "unexpected denial"),
    }
    assert len(cases) == 4 * 6 * 2
