"""The audit trail browser: auditors and admins only, filters by user, object, action and date, paging."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from fundtracker.audit.models import AuditEvent
from fundtracker.audit.queries import AuditFilter, audit_trail
from fundtracker.errors import PermissionDenied
from fundtracker.extensions import db

from .helpers import sign_in


def ids_on(page_html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/audit/(\d+)"', page_html)]


def test_only_auditors_and_admins_read_the_trail(session, users):
    for role in ("finance", "project_officer", "donor_liaison"):
        with pytest.raises(PermissionDenied):
            audit_trail(session, AuditFilter(), actor=users[role])
    assert audit_trail(session, AuditFilter(), actor=users["auditor"]).total > 0


def test_filters_by_user_object_action_and_date(session, users, make):
    admin = users["admin"]
    donor = make.donor("Filter Test Donor")
    session.commit()
    everything = audit_trail(session, AuditFilter(), actor=admin)
    creates = audit_trail(session, AuditFilter(action="user.create"), actor=admin)
    assert creates.total == 5 and {e.action for e in creates.events} == {"user.create"}
    family = audit_trail(session, AuditFilter(action="user"), actor=admin)
    assert family.total == creates.total
    by_object = audit_trail(session, AuditFilter(object_type="donor", object_id=str(donor.id)), actor=admin)
    assert by_object.total >= 1 and all(e.object_id == str(donor.id) for e in by_object.events)
    by_user = audit_trail(session, AuditFilter(user="system@"), actor=admin)
    assert by_user.total == everything.total  # the factories act as the system account
    assert audit_trail(session, AuditFilter(user=str(admin.id)), actor=admin).total == 0
    today = dt.datetime.now(dt.UTC).date()
    same_day = AuditFilter(date_from=today, date_to=today)
    assert audit_trail(session, same_day, actor=admin).total == everything.total
    assert audit_trail(session, AuditFilter(date_to=today - dt.timedelta(days=1)), actor=admin).total == 0
    assert audit_trail(session, AuditFilter(date_from=today + dt.timedelta(days=1)), actor=admin).total == 0


def test_pages_by_last_seen_id_without_gaps_or_repeats(session, users):
    admin = users["admin"]
    total = session.execute(select(func.count(AuditEvent.id))).scalar_one()
    seen: list[int] = []
    before = None
    while True:
        page = audit_trail(session, AuditFilter(), actor=admin, before=before, per_page=3)
        seen += [e.id for e in page.events]
        if page.next_before is None:
            break
        before = page.next_before
    assert len(seen) == total == len(set(seen)) and seen == sorted(seen, reverse=True)


def test_trail_pages_for_auditor_and_refusal_for_others(app, client, users):
    sign_in(client, users["auditor"].email)
    page = client.get("/audit", query_string={"action": "auth.login"})
    assert page.status_code == 200
    shown = ids_on(page.get_data(as_text=True))
    expected = list(db.session.execute(select(AuditEvent.id).where(AuditEvent.action == "auth.login")
                                       .order_by(AuditEvent.id.desc())).scalars())
    assert shown == expected and len(shown) == 1
    detail = client.get(f"/audit/{shown[0]}")
    assert detail.status_code == 200 and "auth.login" in detail.get_data(as_text=True)
    bad_dates = client.get("/audit", query_string={"date_from": "2026-02-30"})
    assert bad_dates.status_code == 200 and "not understood" in bad_dates.get_data(as_text=True)
    assert client.get("/audit/987654").status_code == 404

    finance = app.test_client()
    sign_in(finance, users["finance"].email)
    assert finance.get("/audit").status_code == 403
    assert finance.get(f"/audit/{shown[0]}").status_code == 403


def test_the_trail_is_read_only(app, client, users):
    sign_in(client, users["admin"].email)
    assert client.post("/audit").status_code == 405
    assert client.delete("/audit/1").status_code == 405
