"""The audit trail browser for auditors and administrators (read-only)."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..audit.queries import audit_choices, audit_event, audit_trail, decoded
from ..audit.schemas import parse_filters
from ..auth.permissions import AUDIT_READERS
from ..extensions import db
from . import bp, nav_item

nav_item("Audit trail", "portal.audit_trail", *AUDIT_READERS, order=90)


@bp.get("/audit", endpoint="audit_trail")
@login_required
def audit_trail_page() -> ResponseReturnValue:
    actor = current_user._get_current_object()  # type: ignore[attr-defined]
    filters, errors = parse_filters(request.args.to_dict())
    before = request.args.get("before", type=int)
    page = audit_trail(db.session, filters, actor=actor, before=before)
    return render_template("audit/trail.html", page=page, filters=filters, errors=errors,
                           choices=audit_choices(db.session, actor=actor), args=filters.active())


@bp.get("/audit/<int:event_id>", endpoint="audit_event")
@login_required
def audit_event_page(event_id: int) -> ResponseReturnValue:
    event = audit_event(db.session, event_id, actor=current_user._get_current_object())  # type: ignore[attr-defined]
    return render_template("audit/event.html", event=event, before=decoded(event.before),
                           after=decoded(event.after))
