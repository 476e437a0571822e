"""The SHA-256 of a workbook's data: the canonical form the writer hashes; the re-check."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

METADATA_SHEET = "Metadata"
ROWS_PREFIX = "Rows: "
SHA_ITEM = "SHA-256 of data"
UNIT, RECORD, GROUP = "\x1f", "\x1e", "\x1d"

CANONICAL_FORM = (
    "SHA-256 over UTF-8 text: for each data sheet in the order listed above, U+001D, the sheet name, "
    "U+001E, then the header row and each data row (the totals row excluded), each row's cells joined by "
    "U+001F and followed by U+001E. A cell is written as: empty for a blank cell; text exactly as shown; "
    "a number in plain decimal "
    "notation without trailing fractional zeros (1250.50 -> 1250.5, 100.00 -> 100); a date as YYYY-MM-DD. "
    "fundtracker.exports.digest.workbook_sha256() recomputes it from a saved copy."
)


def canonical_number(text: str) -> str:
    """Plain decimal text without trailing fractional zeros, so 1250.50 and the float 1250.5 agree."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-", "-0"):
        return "0"
    return text


def canonical_cell(value: Any) -> str:
    """The canonical text of a value as openpyxl reads it back from a saved workbook."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr() is the shortest text that reads back as the same double, so it recovers the written decimal.
        return canonical_number(format(Decimal(repr(value)), "f"))
    if isinstance(value, Decimal):
        return canonical_number(format(value, "f"))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"no canonical form for {type(value).__name__}")


def workbook_sha256(source: str | Path | IO[bytes]) -> tuple[str, str]:
    """(recomputed, recorded): the digest of a saved workbook's data; the one it states."""
    from openpyxl import load_workbook

    book = load_workbook(source, read_only=True, data_only=True)
    try:
        meta = [tuple(r[:2]) for r in book[METADATA_SHEET].iter_rows(values_only=True)]
        recorded = next((str(v) for k, v in meta if k == SHA_ITEM), "")
        listed = [
            (str(k)[len(ROWS_PREFIX) :], int(v))
            for k, v in meta  # type: ignore[call-overload]
            if isinstance(k, str) and k.startswith(ROWS_PREFIX)
        ]
        digest = hashlib.sha256()
        for name, count in listed:
            digest.update(f"{GROUP}{name}{RECORD}".encode())
            rows = book[name].iter_rows(min_row=1, max_row=count + 1, values_only=True)
            width = 0
            for index, row in enumerate(rows):
                cells = list(row)
                if index == 0:
                    while cells and cells[-1] is None:
                        cells.pop()
                    width = len(cells)
                cells = (cells + [None] * width)[:width]
                digest.update((UNIT.join(canonical_cell(v) for v in cells) + RECORD).encode())
        return digest.hexdigest(), recorded
    finally:
        book.close()
