"""Spreadsheet cells into typed values, with messages a finance officer understands when they do not fit."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from .xlsx import BOOL, DATE, ERROR, FORMULA, NUMBER, TEXT, Cell

# Plain decimal text such as "1250.00" keeps an exact amount in a text cell; any other text is refused.
PLAIN_DECIMAL = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)
LARGEST_AMOUNT = Decimal(10) ** 13  # far above any contribution; keeps minor units inside a 64-bit integer
SPACES = " \t\r\n\xa0\u2007\u202f"


class CellProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _shown(cell: Cell) -> str:
    text = cell.text if len(cell.text) <= 40 else cell.text[:37] + "..."
    return f"\"{text}\""


def refuse_special(cell: Cell) -> None:
    """Formulas are never evaluated (their cached result may be stale or crafted); errors are never data."""
    if cell.kind == FORMULA:
        raise CellProblem(f"The cell holds a formula ({_shown(cell)}); formulas are not evaluated on import. "
                          "Copy the column and paste it back as values.")
    if cell.kind == ERROR:
        raise CellProblem(f"The cell shows a spreadsheet error ({cell.text}); enter the value itself.")


def as_text(cell: Cell, max_length: int = 200) -> str:
    refuse_special(cell)
    if cell.kind == DATE:
        raise CellProblem("Expected text here, but the cell holds a date.")
    if cell.kind == BOOL:
        raise CellProblem(f"Expected text here, but the cell holds {cell.text}.")
    text = cell.text.strip(SPACES)
    if cell.kind == NUMBER:
        text = _number_text(cell.text)
    if len(text) > max_length:
        raise CellProblem(f"This text is {len(text)} characters long; at most {max_length} fit here.")
    return text


def _number_text(raw: str) -> str:
    """A number cell read as a code or key: 2026 stays "2026", not "2026.0"."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return raw
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value.normalize())


def as_decimal(cell: Cell, *, what: str = "an amount") -> Decimal:
    refuse_special(cell)
    if cell.kind == DATE:
        raise CellProblem(f"Expected {what} here, but the cell holds a date ({cell.when:%Y-%m-%d})."
                          if cell.when else f"Expected {what} here, but the cell holds a date.")
    if cell.kind == BOOL:
        raise CellProblem(f"Expected {what} here, but the cell holds {cell.text}.")
    raw = cell.text.strip(SPACES)
    if cell.kind == TEXT and not PLAIN_DECIMAL.match(raw):
        raise CellProblem(f"Expected {what} here, but the cell holds the text {_shown(cell)}. Write the "
                          "number alone, with a decimal point and without thousands separators or currency "
                          "signs.")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise CellProblem(f"{_shown(cell)} is not a number.") from exc
    if not value.is_finite():
        raise CellProblem(f"{_shown(cell)} is not a number.")
    if abs(value) >= LARGEST_AMOUNT:
        raise CellProblem(f"{_shown(cell)} is far larger than any amount the Fund handles; check the cell.")
    return value


def as_date(cell: Cell) -> dt.date:
    refuse_special(cell)
    if cell.kind == TEXT:
        raise CellProblem(
            f"The date is written as text ({_shown(cell)}), which can be read in more than one way "
            "(is 03/04 the 3rd of April or the 4th of March?). Enter it as a real date, e.g. type 2026-04-03 "
            "in a cell formatted as a date.")
    if cell.kind == NUMBER:
        raise CellProblem(f"Expected a date here, but the cell holds the plain number {_shown(cell)}. "
                          "Format the cell as a date, or type the date again.")
    if cell.kind != DATE or cell.when is None:
        raise CellProblem(f"Expected a date here, but the cell holds {cell.text}.")
    if cell.when.time() != dt.time():
        raise CellProblem(f"The cell holds a date with a time of day ({cell.when:%Y-%m-%d %H:%M}); enter "
                          "the date alone.")
    day = cell.when.date()
    if not EARLIEST <= day <= LATEST:
        raise CellProblem(f"{day.isoformat()} is not a plausible date for the Fund's records; check the "
                          "cell.")
    return day


def as_code(cell: Cell, *, max_length: int = 120) -> str:
    """A code chosen from a drop-down list: 'KEN - Kenya' and 'KEN' both give 'KEN'."""
    text = as_text(cell, max_length)
    return text.split(" - ", 1)[0].strip(SPACES) if " - " in text else text


def as_level(cell: Cell) -> int:
    """An earmark level: 1-4, alone or as the drop-down's '2 - softly earmarked ...'."""
    text = as_code(cell) if cell.kind == TEXT else as_text(cell)
    if text not in ("1", "2", "3", "4"):
        raise CellProblem(f"{_shown(cell)} is not an earmark level; choose 1, 2, 3 or 4 from the list.")
    return int(text)


def as_code_list(cell: Cell) -> list[str]:
    """Several codes in one cell, separated by commas or semicolons."""
    text = as_text(cell, 2000)
    return [part.strip(SPACES).split(" - ", 1)[0].strip(SPACES) for part in re.split(r"[,;]", text)
            if part.strip(SPACES)]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a template: its field, heading, how a cell is read, and its drop-down list."""

    field: str
    heading: str
    parse: Callable[[Cell], Any]
    required: bool = False
    choices: str | None = None  # name of a list on the template's Lists sheet
    example: Any = None
    help: str = ""
    width: int = 16


def text_column(field: str, heading: str, *, max_length: int = 200, **kw: Any) -> Column:
    return Column(field, heading, partial(as_text, max_length=max_length), **kw)


def code_column(field: str, heading: str, **kw: Any) -> Column:
    return Column(field, heading, as_code, **kw)


def decimal_column(field: str, heading: str, **kw: Any) -> Column:
    return Column(field, heading, as_decimal, **kw)


def date_column(field: str, heading: str, **kw: Any) -> Column:
    return Column(field, heading, as_date, **kw)
