"""Reference data an admin manages in the portal: editing an institute and an instrument, adding an institute;
refusals beside their fields with the form kept as typed; other roles see no edit button and are refused."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fundtracker.audit.models import AuditEvent
from fundtracker.extensions import db
from fundtracker.reference.models import ImplementingEntity, Instrument

from ..auth.helpers import post
from .html import errors_for, input_value


def _entity(acronym: str) -> ImplementingEntity:
    return db.session.execute(select(ImplementingEntity).where(ImplementingEntity.acronym == acronym)).scalar_one()


def _events(action: str) -> list[tuple[AuditEvent, dict, dict]]:
    """Each event of an action with its before and after states decoded (stored as JSON text)."""
    rows = db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
    return [(e, json.loads(e.before or "null"), json.loads(e.after or "null")) for e in rows]


def test_admin_edits_an_institute(client_for, fund, make):
    entity = db.session.execute(select(ImplementingEntity).order_by(ImplementingEntity.id)).scalars().first()
    old_name, admin = entity.name, client_for("admin")
    assert f"/reference/institutes/{entity.id}/edit" in admin.get("/reference/institutes").get_data(as_text=True)
    kenya = make.country("KEN").id
    answer = post(admin, f"/reference/institutes/{entity.id}/edit",
                  {"name": "Renamed institute", "city": "Nairobi", "country_id": str(kenya), "kind": "PNI institute"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    db.session.expire_all()
    changed = db.session.get(ImplementingEntity, entity.id)
    assert (changed.name, changed.city, changed.country_id, changed.kind) == (
        "Renamed institute", "Nairobi", kenya, "PNI institute")
    ((event, before, after),) = _events("implementing_entity.updated")
    assert before["name"] == old_name and after["name"] == "Renamed institute"
    assert after["country_id"] == kenya and event.object_id == str(entity.id)


def test_admin_creates_an_institute_and_a_duplicate_acronym_is_refused_beside_it(client_for, fund, make):
    admin = client_for("admin")
    form = {"acronym": "ndi", "name": "New Delhi Institute", "city": "New Delhi",
            "country_id": str(make.country("FRA").id), "kind": "PNI institute"}
    assert post(admin, "/reference/institutes/new", form).status_code == 302
    created = _entity("NDI")
    assert created.name == "New Delhi Institute"
    ((event, before, after),) = _events("implementing_entity.created")
    assert before is None and after["acronym"] == "NDI" and event.object_id == str(created.id)
    again = post(admin, "/reference/institutes/new", {**form, "name": "Typed again"})
    html = again.get_data(as_text=True)
    assert again.status_code == 422
    assert errors_for(html, "acronym") == ["An institute with the acronym NDI already exists."]
    assert input_value(html, "name") == "Typed again" and input_value(html, "city") == "New Delhi"
    assert len(_events("implementing_entity.created")) == 1


def test_an_institute_needs_a_name_and_an_existing_country(client_for, fund):
    admin = client_for("admin")
    blank = post(admin, "/reference/institutes/new", {"acronym": "XYZ", "name": "", "kind": "PNI institute"})
    assert blank.status_code == 422 and errors_for(blank.get_data(as_text=True), "name")
    unknown = post(admin, "/reference/institutes/new",
                   {"acronym": "XYZ", "name": "Somewhere", "kind": "PNI", "country_id": "999999"})
    html = unknown.get_data(as_text=True)
    assert unknown.status_code == 422 and errors_for(html, "country_id") == ["This country does not exist."]
    assert input_value(html, "acronym") == "XYZ"
    assert db.session.execute(select(ImplementingEntity).where(ImplementingEntity.acronym == "XYZ")).first() is None


def test_admin_edits_an_instrument_and_entry_into_force_before_adoption_is_refused(client_for, fund, make):
    instrument = make.instrument("UNTOC")
    admin = client_for("admin")
    refused = post(admin, f"/reference/instruments/{instrument.id}/edit",
                   {"short_name": "Palermo", "title": "The Convention", "adopted": "2000-11-15",
                    "entry_into_force": "1999-01-01"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert errors_for(html, "entry_into_force") == [
        "An instrument cannot enter into force before it was adopted (2000-11-15)."]
    assert input_value(html, "short_name") == "Palermo" and input_value(html, "entry_into_force") == "1999-01-01"
    before = instrument.short_name
    done = post(admin, f"/reference/instruments/{instrument.id}/edit",
                {"short_name": "Palermo", "title": "The Convention", "adopted": "2000-11-15",
                 "entry_into_force": "2003-09-29"})
    assert done.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Instrument, instrument.id)
    assert (changed.short_name, changed.title, changed.entry_into_force.isoformat()) == (
        "Palermo", "The Convention", "2003-09-29")
    ((event, old, new),) = _events("instrument.updated")
    assert event.object_id == "UNTOC" and old["short_name"] == before
    assert new["short_name"] == "Palermo" and new["entry_into_force"] == "2003-09-29"


@pytest.mark.parametrize("role", ["finance", "project_officer", "auditor", "donor_liaison"])
def test_other_roles_see_no_edit_buttons_and_are_refused(client_for, fund, make, role):
    client = client_for(role)
    entity = db.session.execute(select(ImplementingEntity)).scalars().first()
    instrument = make.instrument("UNTOC")
    for page in ("/reference/institutes", "/reference/instruments"):
        html = client.get(page).get_data(as_text=True)
        assert "/edit" not in html and "/reference/institutes/new" not in html
    for path, form in (
        (f"/reference/institutes/{entity.id}/edit", {"name": "Taken", "kind": "PNI"}),
        ("/reference/institutes/new", {"acronym": "TKN", "name": "Taken", "kind": "PNI"}),
        (f"/reference/instruments/{instrument.id}/edit", {"short_name": "Taken", "title": "Taken"}),
    ):
        assert client.get(path).status_code in (403, 404)
        assert post(client, path, form).status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(ImplementingEntity, entity.id).name != "Taken"
    assert db.session.get(Instrument, instrument.id).short_name != "Taken"
    assert not _events("implementing_entity.updated") and not _events("instrument.updated")
