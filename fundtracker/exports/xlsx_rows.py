"""Row encoding: one function generated per sheet layout, so a row costs no per-cell dispatch in Python.

Each cell becomes its XML and its canonical text (for the data SHA-256). Text goes through safe_text() and XML
escaping; money is the decimal string of a Decimal; repeated values (names, codes, dates, rates) are encoded
once and looked up after that, within a bounded cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from . import xlsx_parts as parts
from .digest import canonical_number
from .safety import safe_text

if TYPE_CHECKING:
    from .xlsx import Column

TEXT, INT, MONEY, AMOUNT, RATE, DATE = "text", "int", "money", "amount", "rate", "date"
SUM, COUNT = "sum", "count"
CENT = Decimal("0.01")
EXCEL_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()
# Per column: enough for every donor, project and day; when full it starts afresh, so values repeated on
# neighbouring rows (an entry's description on each of its lines) keep hitting, in constant memory.
CACHE_LIMIT = 8192
CACHED_KINDS = (TEXT, DATE, RATE)
WHITESPACE = frozenset(" \t\n\r\u00a0\u3000")


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula of the builder's own making (never user text) in a money column, with its exact value."""

    text: str
    cached: Decimal


def xml_text(value: str) -> str:
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    if "\r" in value:
        # A raw CR would be normalised to LF by every XML parser; a character reference survives.
        value = value.replace("\r", "&#13;")
    return value


def money_text(value: Decimal) -> str:
    """Exactly two places; more than two is a bug upstream and raises, it is never rounded away."""
    text = str(value)
    if len(text) < 4 or text[-3] != ".":
        with localcontext() as ctx:
            ctx.traps[Inexact] = True
            text = str(value.quantize(CENT))
    return text


def text_cell(value: object) -> tuple[str, str]:
    shown = safe_text(value if value.__class__ is str else str(value))
    # Leading or trailing whitespace survives only with xml:space="preserve"; elsewhere it costs bytes.
    space = ' xml:space="preserve"' if shown[0] in WHITESPACE or shown[-1] in WHITESPACE else ""
    return f'<c t="inlineStr"><is><t{space}>{xml_text(shown)}</t></is></c>', shown


def date_cell(value: dt.date) -> tuple[str, str]:
    if isinstance(value, dt.datetime):
        raise TypeError("a date column holds dates; write timestamps as UTC text")
    return f'<c s="{parts.S_DATE}"><v>{value.toordinal() - EXCEL_EPOCH_ORDINAL}</v></c>', value.isoformat()


def rate_cell(value: Decimal) -> tuple[str, str]:
    text = format(value, "f")
    return f'<c s="{parts.S_RATE}"><v>{text}</v></c>', canonical_number(text)


def amount_cell(value: Decimal) -> tuple[str, str]:
    text = format(value, "f")
    places = len(text) - text.index(".") - 1 if "." in text else 0
    return f'<c s="{parts.AMOUNT_STYLES.get(places, parts.S_RATE)}"><v>{text}</v></c>', canonical_number(text)


def formula_cell(value: Formula) -> tuple[str, str]:
    text = money_text(value.cached)
    return f'<c s="{parts.S_MONEY}"><f>{escape(value.text)}</f><v>{text}</v></c>', canonical_number(text)


CELL_FUNCTIONS = {TEXT: text_cell, DATE: date_cell, RATE: rate_cell, AMOUNT: amount_cell}

Encoder = Callable[[Sequence[object], int], tuple[str, str]]


def _column_code(i: int, column: Column) -> list[str]:
    v, x, c = f"v{i}", f"x{i}", f"c{i}"
    summed = column.total == SUM
    if column.kind in CACHED_KINDS:
        empty = f"{v} is None or {v} == ''" if column.kind == TEXT else f"{v} is None"
        return [
            f"    if {empty}:",
            f"        {x} = '<c/>'; {c} = ''",
            "    else:",
            f"        t = get{i}({v})",
            "        if t is None:",
            f"            t = cell{i}({v})",
            f"            if len(cache{i}) >= {CACHE_LIMIT}: cache{i}.clear()",
            f"            cache{i}[{v}] = t",
            f"        {x}, {c} = t",
        ]
    if column.kind == INT:
        return [
            f"    if {v} is None:",
            f"        {x} = '<c/>'; {c} = ''",
            "    else:",
            f"        {c} = '%d' % {v}",
            f"        {x} = '<c><v>' + {c} + '</v></c>'",
            *([f"        sums[{i}] += {v}"] if summed else []),
        ]
    if column.kind == MONEY:
        return [
            f"    if {v} is None:",
            f"        {x} = '<c/>'; {c} = ''",
            f"    elif {v}.__class__ is Formula:",
            f"        {x}, {c} = formula_cell({v})",
            *([f"        sums[{i}] += {v}.cached"] if summed else []),
            "    else:",
            f"        t = str({v})",
            "        if t[-3:-2] != '.':",
            f"            t = money_text({v})",
            f"        {x} = '<c s=\"{parts.S_MONEY}\"><v>' + t + '</v></c>'",
            f"        {c} = t.rstrip('0').rstrip('.')",
            *([f"        sums[{i}] += {v}"] if summed else []),
        ]
    return [  # AMOUNT
        f"    if {v} is None:",
        f"        {x} = '<c/>'; {c} = ''",
        "    else:",
        f"        {x}, {c} = cell{i}({v})",
    ]


def compile_encoder(columns: Sequence[Column]) -> tuple[Encoder, list[Any]]:
    """A function (values, row number) -> (row XML, canonical row text), and the running sums it keeps."""
    n = len(columns)
    sums: list[Any] = [(Decimal(0) if c.kind == MONEY else 0) if c.total == SUM else None for c in columns]
    names = ", ".join(f"v{i}" for i in range(n))
    lines = ["def encode(values, row):", f"    {names}{',' if n == 1 else ''} = values"]
    for i, column in enumerate(columns):
        lines += _column_code(i, column)
    cells = "".join(f"{{x{i}}}" for i in range(n))
    canon = "\\x1f".join(f"{{c{i}}}" for i in range(n))
    lines.append(f"    return f'<row r=\"{{row}}\">{cells}</row>', f'{canon}'")
    namespace: dict[str, Any] = {
        "Formula": Formula,
        "formula_cell": formula_cell,
        "money_text": money_text,
        "sums": sums,
    }
    for i, column in enumerate(columns):
        if column.kind in CELL_FUNCTIONS:
            namespace[f"cell{i}"] = CELL_FUNCTIONS[column.kind]
        if column.kind in CACHED_KINDS:
            cache: dict[object, tuple[str, str]] = {}
            namespace[f"cache{i}"] = cache
            namespace[f"get{i}"] = cache.get
    exec(compile("\n".join(lines), f"<row encoder {n} columns>", "exec"), namespace)  # noqa: S102
    return namespace["encode"], sums
