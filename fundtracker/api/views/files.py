"""/api/v1/exports (Excel workbooks, streamed) and /api/v1/imports (dry run, then commit, of a file)."""

from __future__ import annotations

from typing import Any

from flask import Response, request, stream_with_context
from flask.views import MethodView

from ...auth.models import ADMIN, DONOR_LIAISON, FINANCE, PROJECT_OFFICER
from ...errors import InvalidInput
from ...exports.services import WORKBOOKS, XLSX_MIMETYPE, export_workbook
from ...extensions import db
from ...imports.limits import Limits
from ...imports.services import KINDS, commit_import, dry_run
from ..core import ApiBlueprint, action, actor, read_only_from_here
from ..render import json_response
from ..schemas.files import CommitArgs, ExportArgs, ImportReportSchema, UploadSchema, WorkbookSchema

exports = ApiBlueprint(
    "exports",
    __name__,
    "/exports",
    "Excel workbooks an auditor can trace, streamed; every export is an audit event.",
)
imports = ApiBlueprint(
    "imports",
    __name__,
    "/imports",
    "Spreadsheet imports: a dry run that writes nothing, then an all-or-nothing commit.",
)
WORKBOOK = "<any(" + ", ".join(f'"{name}"' for name in WORKBOOKS) + "):workbook>"
KIND = "<any(" + ", ".join(f'"{kind}"' for kind in KINDS) + "):kind>"
# A web request gives the services a minute; bigger files go to `flask import`.
WEB_LIMITS = Limits(max_seconds=60.0)


@exports.route("")
class Workbooks(MethodView):
    @action()
    @exports.response(200, WorkbookSchema(many=True))
    def get(self):
        """The workbooks this user may export."""
        role = actor().role
        return json_response(
            [
                {
                    "name": name,
                    "title": spec.title,
                    "filters": list(spec.filters),
                    "required": list(spec.required),
                }
                for name, spec in WORKBOOKS.items()
                if role in spec.roles
            ]
        )


@exports.route(f"/{WORKBOOK}")
class Workbook(MethodView):
    @action(writes_on_read=True)
    @exports.arguments(ExportArgs, location="query", as_kwargs=True)
    @exports.response(200, content_type=XLSX_MIMETYPE, description="The workbook (.xlsx), streamed.")
    @exports.doc(
        responses={
            "200": {
                "description": "The workbook (.xlsx), streamed.",
                "content": {XLSX_MIMETYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    )
    def get(self, workbook: str, **args: Any):
        """Download a workbook for a period; recorded in the audit trail before a byte is sent."""
        who = actor()
        if who.role == DONOR_LIAISON and args.get("donor_id") is None:
            args["donor_id"] = who.donor_id
        filename, chunks = export_workbook(db.session, workbook, actor=who, **args)
        db.session.commit()  # the export's audit event stands even if the download is interrupted
        read_only_from_here()
        return Response(
            stream_with_context(chunks),
            mimetype=XLSX_MIMETYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def _only_the_file(files: dict[str, Any]) -> Any:
    """The upload; any other form field is refused, as an unknown JSON field would be."""
    unknown = sorted(set(request.form) | (set(request.files) - {"file"}))
    if unknown:
        raise InvalidInput({name: ["Unknown field."] for name in unknown})
    return files["file"]


@imports.route(f"/{KIND}/dry-run")
class ImportDryRun(MethodView):
    @action(ADMIN, FINANCE, PROJECT_OFFICER)
    @imports.arguments(UploadSchema, location="files")
    @imports.response(200, ImportReportSchema)
    def post(self, files: dict[str, Any], kind: str):
        """Check a file exactly as a commit would, then roll every row back (one audit event is kept)."""
        upload = _only_the_file(files)
        report = dry_run(
            db.session, kind, upload.read(), actor=actor(), filename=upload.filename, limits=WEB_LIMITS
        )
        return json_response(report.to_dict())


@imports.route(f"/{KIND}/commit")
class ImportCommit(MethodView):
    @action(ADMIN, FINANCE, PROJECT_OFFICER, idempotent=True)
    @imports.arguments(CommitArgs, location="query")
    @imports.arguments(UploadSchema, location="files")
    @imports.response(200, ImportReportSchema)
    def post(self, query: dict[str, Any], files: dict[str, Any], kind: str):
        """Write every row or none; a refusal is a 422 listing each problem by row and cell."""
        upload = _only_the_file(files)
        report = commit_import(
            db.session,
            kind,
            upload.read(),
            actor=actor(),
            filename=upload.filename,
            limits=WEB_LIMITS,
            expected_sha256=query.get("expected_sha256"),
        )
        return json_response(report.to_dict())
