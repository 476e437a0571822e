"""Parsing the audit trail's filter parameters (query string of /audit)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from .queries import AuditFilter


class AuditFilterSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # page links carry other parameters (before); they are read separately

    user = fields.String(load_default=None, validate=validate.Length(max=254))
    object_type = fields.String(load_default=None, validate=validate.Length(max=40))
    object_id = fields.String(load_default=None, validate=validate.Length(max=40))
    action = fields.String(load_default=None, validate=validate.Length(max=60))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)

    @validates_schema
    def _range(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The start date is after the end date.", "date_to")

    @post_load
    def _make(self, data: dict[str, Any], **_kw: Any) -> AuditFilter:
        return AuditFilter(**{k: (v or None) for k, v in data.items()})


def parse_filters(args: dict[str, str]) -> tuple[AuditFilter, dict[str, list[str]]]:
    """The filter, or an empty filter and the field errors to show beside the form."""
    cleaned = {k: v for k, v in args.items() if v != ""}
    try:
        return AuditFilterSchema().load(cleaned), {}
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        return AuditFilter(), {k: list(v) if isinstance(v, list) else [str(v)] for k, v in messages.items()}
