"""Formula-injection safety: the one function that turns any user-supplied text into inert cell text."""

from __future__ import annotations

import re

# A spreadsheet (or a CSV re-import) treats a cell starting with one of these as a formula or a command:
# = + - @, tab, CR, LF, and the full-width forms of the first four (U+FF1D, U+FF0B, U+FF0D, U+FF20).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")

# XML 1.0 cannot carry these at all, not even as character references; they become U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def safe_text(value: str) -> str:
    """The text a cell will hold: a `'` before any formula trigger; characters XML refuses replaced."""
    if value and value[0] in FORMULA_TRIGGERS:
        value = "'" + value
    if _NOT_XML.search(value) is not None:
        value = _NOT_XML.sub("\ufffd", value)
    return value
