"""Excel in and out: the export page and downloads (each one audited), and imports with a dry run first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..auth.models import ADMIN, DONOR_LIAISON, FINANCE, PROJECT_OFFICER, ROLES
from ..errors import Conflict, InvalidInput
from ..exports.services import WORKBOOKS, XLSX_MIMETYPE, export_workbook
from ..extensions import db
from ..imports.limits import DEFAULT_LIMITS
from ..imports.report import ImportRefused
from ..imports.services import KINDS, SHEET_KINDS, authorise_import, commit_import, dry_run
from ..imports.templates import build_template
from . import bp, nav_item
from .common import actor, arg_date, arg_int, gate, invalid, refuse
from .forms import ImportForm, options
from .reads import choices

IMPORTERS = (ADMIN, FINANCE, PROJECT_OFFICER)
nav_item("Exports", "portal.exports", *ROLES, order=75)
nav_item("Imports", "portal.imports", *IMPORTERS, order=76)


def _workbooks_for(role: str) -> list[tuple[str, Any]]:
    return [(name, spec) for name, spec in WORKBOOKS.items() if role in spec.roles]


def _export_page(errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    user = actor()
    today = dt.date.today()
    values = {
        "workbook": request.args.get("workbook", ""),
        "date_from": arg_date("date_from", dt.date(today.year, 1, 1)),
        "date_to": arg_date("date_to", today),
        "donor_id": user.donor_id if user.role == DONOR_LIAISON else arg_int("donor_id"),
        "project_id": arg_int("project_id"),
    }
    staff = user.role != DONOR_LIAISON
    return render_template(
        "transfer/exports.html",
        workbooks=_workbooks_for(user.role),
        values=values,
        errors=errors or {},
        donors=choices.donors(db.session) if staff else [],
        projects=choices.projects(db.session, open_only=False) if staff else [],
    ), status


@bp.get("/exports")
@login_required
def exports() -> ResponseReturnValue:
    return _export_page()


@bp.get("/exports/download")
@login_required
def export_download() -> ResponseReturnValue:
    """Stream a workbook; its export is recorded in the audit trail (committed before the first byte)."""
    user = actor()
    date_from, date_to = arg_date("date_from"), arg_date("date_to")
    errors: dict[str, list[str]] = {}
    if date_from is None:
        errors["date_from"] = [_("Enter the first day of the period.")]
    if date_to is None:
        errors["date_to"] = [_("Enter the last day of the period.")]
    if errors:
        return _export_page(errors, 422)
    assert date_from is not None and date_to is not None
    donor_id = (
        user.donor_id if user.role == DONOR_LIAISON and arg_int("donor_id") is None else arg_int("donor_id")
    )
    try:
        filename, chunks = export_workbook(
            db.session,
            request.args.get("workbook", ""),
            actor=user,
            date_from=date_from,
            date_to=date_to,
            donor_id=donor_id,
            project_id=arg_int("project_id"),
        )
    except InvalidInput as exc:
        db.session.rollback()
        return _export_page(exc.errors, 422)
    db.session.commit()
    response = Response(stream_with_context(chunks), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _import_kinds(role: str) -> list[str]:
    return [k for k in KINDS if role != PROJECT_OFFICER or k == "expenditures"]


def _import_page(form: ImportForm, report: Any = None, status: int = 200) -> ResponseReturnValue:
    user = actor()
    return render_template(
        "transfer/imports.html",
        form=form,
        report=report,
        template_kinds=[k for k in SHEET_KINDS if k in _import_kinds(user.role)],
    ), status


@bp.route("/imports", methods=["GET", "POST"])
@login_required
def imports() -> ResponseReturnValue:
    user = gate(*IMPORTERS)
    form = ImportForm()
    form.kind.choices = options((k, _(k)) for k in _import_kinds(user.role))
    if not form.is_submitted() and request.args.get("kind") in KINDS:
        form.kind.data = request.args["kind"]
    if not form.validate_on_submit():
        return _import_page(form, status=invalid(form))
    upload = form.upload.data
    limit = DEFAULT_LIMITS.max_rate_bytes if form.kind.data == "rates" else DEFAULT_LIMITS.max_bytes
    data = upload.stream.read(limit + 1)
    committing = request.form.get("action") == "commit"
    try:
        if committing:
            report = commit_import(
                db.session,
                form.kind.data,
                data,
                actor=user,
                filename=upload.filename,
                expected_sha256=form.sha256.data or None,
            )
        else:
            report = dry_run(db.session, form.kind.data, data, actor=user, filename=upload.filename)
    except ImportRefused as refused_import:
        db.session.commit()  # nothing of the file was written; this keeps the audit event of the attempt
        return _import_page(form, refused_import.report, 422)
    except Conflict as exc:
        db.session.rollback()
        form.upload.errors = [exc.message]
        return _import_page(form, status=409)
    except InvalidInput as exc:
        refuse(form, exc)
        return _import_page(form, status=422)
    db.session.commit()
    form.sha256.data = report.sha256
    return _import_page(form, report, 200 if report.ok or committing else 422)


@bp.get("/imports/template")
@login_required
def import_template() -> ResponseReturnValue:
    user = gate(*IMPORTERS)
    kind = request.args.get("kind", "")
    authorise_import(user, kind)
    if kind not in SHEET_KINDS:
        raise InvalidInput.field("kind", _("There is no spreadsheet template for this kind."))
    response = Response(build_template(db.session, kind, actor=user), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="fundtracker_{kind}_template.xlsx"'
    return response
