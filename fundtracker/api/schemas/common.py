"""Strict building blocks of the API schemas: decimal-string money, bounded ids, safe text, list arguments."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

MAX_ID = 2_147_483_647  # PostgreSQL integer: a larger id cannot exist, so it is refused before any query
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
# At most 12 integer digits: a trillion in any currency, far above any contribution, and sums of such
# amounts stay inside a 64-bit integer on every engine.
DECIMAL_TEXT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,8})?$")
RATE_TEXT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,8})?$")
CURRENCY_TEXT = re.compile(r"^[A-Z]{3}$")


class StrictSchema(Schema):
    """Unknown fields are refused (422), never silently dropped."""

    class Meta:
        unknown = RAISE


def _clean_text(value: str) -> None:
    # NUL and lone surrogates cannot be stored by PostgreSQL; other control characters have no business in
    # a reference or a reason and would only hide text from a reader.
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValidationError("Control characters are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError("The text is not valid Unicode.") from exc


class Text(fields.String):
    """A string of bounded length without control characters."""

    def __init__(self, *, max_length: int, min_length: int = 0, **kwargs: Any) -> None:
        validators = [validate.Length(min=min_length, max=max_length), _clean_text]
        metadata = {**kwargs.pop("metadata", {})}
        super().__init__(validate=validators, metadata=metadata, **kwargs)


class Id(fields.Integer):
    """A database id: a positive integer in range; in a JSON body never a float or a numeric string."""

    def __init__(self, *, strict: bool = True, **kwargs: Any) -> None:
        super().__init__(strict=strict, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def QueryId(**kwargs: Any) -> Id:  # noqa: N802  (a field factory reads like a field class)
    """An id filter in the query string (text there, so not strict), absent by default."""
    return Id(strict=False, load_default=None, **kwargs)


class Day(fields.Date):
    """An ISO date (YYYY-MM-DD) between 1900 and 2199."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", validate=validate.Range(min=FIRST_DAY, max=LAST_DAY), **kwargs)


class DecimalText(fields.Field):
    """An exact amount written as text ("1250.00"); a JSON number is refused because a float has already lost
    cents. The currency's own number of decimals is enforced by the service, which knows the currency."""

    def __init__(self, *, pattern: re.Pattern[str] = DECIMAL_TEXT, **kwargs: Any) -> None:
        self.pattern = pattern
        metadata = {
            "type": "string",
            "pattern": pattern.pattern,
            "example": "1250.00",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        from decimal import Decimal

        if not isinstance(value, str):
            raise ValidationError('Write amounts as text, such as "1250.00", not as a JSON number.')
        if not self.pattern.match(value):
            raise ValidationError(
                'Not an amount: use digits with an optional decimal point, such as "1250.00".'
            )
        return Decimal(value)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else str(value)


class Currency(fields.String):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=validate.Regexp(CURRENCY_TEXT, error='Use a three-letter ISO 4217 code, such as "EUR".'),
            metadata={"example": "EUR"},
            **kwargs,
        )


class ErrorSchema(Schema):
    """Every error of the API: a machine code, the HTTP status, a sentence, and messages per field."""

    code = fields.String(required=True, metadata={"example": "invalid_input"})
    status = fields.Integer(required=True, metadata={"example": 422})
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class ListArgs(StrictSchema):
    """Paging of every list: by the last row seen (keyset), at most 100 rows a page."""

    per_page = fields.Integer(
        strict=False,
        load_default=25,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Rows per page, 1 to 100."},
    )
    cursor = Text(
        max_length=300,
        load_default=None,
        metadata={"description": 'Opaque position from the previous page\'s `Link: rel="next"`.'},
    )


def sort_field(choices: list[str], default: str) -> fields.String:
    allowed = [*choices, *(f"-{c}" for c in choices)]
    return fields.String(
        load_default=default,
        validate=validate.OneOf(allowed),
        metadata={"description": "Sort field; a leading `-` sorts newest/largest first."},
    )


class DateRangeArgs(ListArgs):
    date_from = Day(load_default=None, metadata={"description": "First day included."})
    date_to = Day(load_default=None, metadata={"description": "Last day included."})

    @validates_schema
    def _range(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The first day is after the last day.", "date_to")
