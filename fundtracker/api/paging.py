"""Keyset paging of lists: a page is the rows after the last one seen, in a fixed number of statements.

OFFSET paging reads and throws away every earlier row, so a late page costs as much as all those before it;
paging by the last (sort value, id) seen costs the same on every page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import orjson
from flask import request
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import Session

from ..errors import InvalidInput


@dataclass(frozen=True, slots=True)
class SortKey:
    """A documented sort field: the (never NULL) column behind it and the type of its values."""

    column: ColumnElement[Any]
    kind: type = int  # int, str or dt.date


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Any]
    total: int
    next_cursor: str | None


# The characters werkzeug leaves unquoted in a URL's path (and "%", for what is already quoted).
_URL_SAFE = "!$&'()*+,/:;=@%"


def encode_cursor(sort: str, value: Any, row_id: int) -> str:
    if isinstance(value, dt.date):
        value = value.isoformat()
    return base64.urlsafe_b64encode(orjson.dumps([sort, value, row_id])).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, key: SortKey) -> tuple[Any, int]:
    refused = InvalidInput.field(
        "cursor", "This cursor is not one this list gave out; start from the first page."
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, value, row_id = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise refused from None
    if name != sort:
        raise InvalidInput.field(
            "cursor", "This cursor belongs to another sort order; start from the first page."
        )
    if isinstance(row_id, bool) or not isinstance(row_id, int | str):
        raise refused
    try:
        if key.kind is dt.date:
            value = dt.date.fromisoformat(value)
        elif (
            key.kind is int
            and (not isinstance(value, int) or isinstance(value, bool))
            or key.kind is str
            and not isinstance(value, str)
        ):
            raise ValueError
    except (ValueError, TypeError):
        raise refused from None
    if (isinstance(row_id, int) and abs(row_id) > 2**62) or (key.kind is int and abs(value) > 2**62):
        raise refused
    return value, row_id


def keyset_page(
    session: Session,
    stmt: Select[Any],
    *,
    id_column: ColumnElement[int],
    sorts: Mapping[str, SortKey],
    sort: str,
    per_page: int,
    cursor: str | None,
    total: Callable[[], int],
) -> Page:
    """One page of `stmt` ordered by `sort` (a name of `sorts`, `-name` for descending) then by id."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    key = sorts[name]
    column = key.column
    if cursor:
        value, row_id = decode_cursor(cursor, sort, key)
        if descending:
            stmt = stmt.where(or_(column < value, and_(column == value, id_column < row_id)))
        else:
            stmt = stmt.where(or_(column > value, and_(column == value, id_column > row_id)))
    order = (column.desc(), id_column.desc()) if descending else (column.asc(), id_column.asc())
    stmt = stmt.add_columns(column.label("_sort"), id_column.label("_id"))
    # Core rows on the session's connection: the ORM's result machinery is not needed for plain columns.
    rows = session.connection().execute(stmt.order_by(*order).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = None
    if more:
        last = rows[-1]._mapping
        next_cursor = encode_cursor(sort, last["_sort"], last["_id"])
    return Page(rows, total(), next_cursor)


def count_of(session: Session, stmt: Select[Any]) -> Callable[[], int]:
    """The total of a list, counted when the page needs it."""
    return lambda: int(session.connection().execute(stmt).scalar_one())


def page_headers(page: Page) -> dict[str, str]:
    """X-Total-Count and an RFC 8288 Link header (next and first) for a page of the current request.

    The links are the request's own URL, its query string as the client sent it less any cursor, percent-encoded
    as werkzeug's request.url is (but left a URI: werkzeug's IRI decoding cost more than the rest of the header)."""
    here = request._get_current_object()  # type: ignore[attr-defined]  # one proxy look-up, not five
    base = f"{here.scheme}://{here.host}{quote(here.root_path + here.path, safe=_URL_SAFE)}"
    kept = b"&".join(part for part in here.query_string.split(b"&")
                     if part and unquote_to_bytes(part.partition(b"=")[0]) != b"cursor")
    query = quote(kept, safe=_URL_SAFE + "?")
    links = []
    if page.next_cursor:
        links.append(f'<{base}?{query + "&" if query else ""}cursor={page.next_cursor}>; rel="next"')
    links.append(f'<{base}{"?" + query if query else ""}>; rel="first"')
    return {"X-Total-Count": str(page.total), "Link": ", ".join(links)}
