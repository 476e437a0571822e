"""The bounds every uploaded file must stay within, checked before and while it is read."""

from __future__ import annotations

from dataclasses import dataclass


class FileRefused(Exception):
    """The file as a whole cannot be read (unsafe, damaged, too big, wrong template): nothing is imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    # An .xlsx of 20,000 filled-in rows is about 1 MB; 10 MB leaves room without inviting abuse.
    max_bytes: int = 10 * 1024 * 1024
    # A workbook saved by Excel or LibreOffice has 10-30 parts; thousands of entries means a crafted archive.
    max_entries: int = 200
    # Declared uncompressed size of all parts together, checked from the zip directory before inflating.
    max_uncompressed: int = 80 * 1024 * 1024
    # Spreadsheet XML deflates 5-40 times (measured in tests/imports); a zip bomb deflates thousands of times.
    max_ratio: int = 150
    # Rows with data (the heading excluded), and row elements of any kind (styled blank rows included).
    max_rows: int = 20_000
    max_row_elements: int = 100_000
    max_columns: int = 64
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_shared_strings: int = 1_000_000
    # Exchange-rate files (XML or CSV): the UN feed is about 60 kB for every currency.
    max_rate_bytes: int = 5 * 1024 * 1024
    max_rate_records: int = 5_000
    # Wall-clock bound on running the rows through the services (about 8 ms a pledge on SQLite, measured);
    # a web request should pass a smaller one and send bigger files to `flask import`.
    max_seconds: float = 600.0


DEFAULT_LIMITS = Limits()


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size} bytes"
