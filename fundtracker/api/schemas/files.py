"""Schemas of the Excel exports (streamed downloads) and imports (dry run and commit of an uploaded file)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from .common import Day, Id, StrictSchema


class WorkbookSchema(StrictSchema):
    name = fields.String(required=True)
    title = fields.String(required=True)
    filters = fields.List(
        fields.String(), required=True, metadata={"description": "Accepted: donor_id, project_id."}
    )
    required = fields.List(fields.String(), required=True)


class ExportArgs(StrictSchema):
    date_from = Day(required=True, metadata={"description": "First day of the period."})
    date_to = Day(required=True, metadata={"description": "Last day of the period."})
    donor_id = Id(
        strict=False, load_default=None, metadata={"description": "A donor liaison: its own (default)."}
    )
    project_id = Id(strict=False, load_default=None)


class UploadSchema(StrictSchema):
    file = Upload(
        required=True, metadata={"description": "The .xlsx file (or, for rates, the UN XML/CSV file)."}
    )


class CommitArgs(StrictSchema):
    expected_sha256 = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[0-9a-f]{64}$"),
        metadata={"description": "The dry run's sha256: refuses a different file."},
    )


class ImportProblemSchema(StrictSchema):
    row = fields.Integer(required=True, allow_none=True)
    column = fields.String(required=True, allow_none=True)
    cell = fields.String(required=True, allow_none=True)
    message = fields.String(required=True)
    where = fields.String(required=True)


class ImportRowSchema(StrictSchema):
    row = fields.Integer(required=True)
    label = fields.String(required=True)
    action = fields.String(required=True, metadata={"enum": ["add", "update", "unchanged", "skip", "error"]})
    key = fields.String(required=True, allow_none=True)
    summary = fields.String(required=True)
    changes = fields.List(fields.String(), required=True)
    problems = fields.List(fields.Nested(ImportProblemSchema), required=True)


class ImportReportSchema(StrictSchema):
    kind = fields.String(required=True)
    filename = fields.String(required=True, allow_none=True)
    sha256 = fields.String(required=True)
    ok = fields.Boolean(required=True)
    committed = fields.Boolean(required=True)
    refused = fields.String(required=True, allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    notes = fields.List(fields.String(), required=True)
    rows = fields.List(fields.Nested(ImportRowSchema), required=True)
