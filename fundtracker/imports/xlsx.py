"""Reading an uploaded .xlsx safely: zip bounds checked before inflating, defusedxml, every row, no formula.

openpyxl is not used for reading: its read-only mode trusts the sheet's <dimension> tag (a sheet can declare
A1:A1 and hold 10,000 rows), and it only uses defusedxml when lxml is absent. This reader walks the package
itself with zipfile and defusedxml's iterparse, streams the sheet with constant memory, and refuses DTDs
(so no entity expansion and no external entity can ever be resolved).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from defusedxml.ElementTree import iterparse as safe_iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from .limits import DEFAULT_LIMITS, FileRefused, Limits, human_size

TEXT, NUMBER, DATE, BOOL, ERROR, FORMULA = "text", "number", "date", "bool", "error", "formula"
REL_OFFICE_DOCUMENT = "officeDocument"
EXCEL_MAX_ROW = 1_048_576
# Built-in number formats that show a date; 27-36 and 50-58 are the East Asian locale date formats.
DATE_FORMAT_IDS = frozenset(
    [i for i, code in BUILTIN_FORMATS.items() if is_date_format(code)]
    + list(range(27, 37)) + list(range(50, 59))
)
CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
ESCAPED_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")
UNSAFE_XML = (
    "The file contains XML declarations (a DTD or entities) that a spreadsheet never needs; such files can "
    "expand to gigabytes or read files on the server, so it was refused. Save the workbook again from "
    "Excel or LibreOffice."
)


@dataclass(frozen=True, slots=True)
class Cell:
    ref: str
    kind: str
    text: str
    when: dt.datetime | None = None  # for DATE cells


@dataclass(slots=True)
class Row:
    number: int
    cells: dict[int, Cell] = field(default_factory=dict)  # 0-based column index
    beyond: str | None = None  # first cell holding data beyond the column limit


@dataclass(slots=True)
class Sheet:
    name: str
    rows: list[Row]
    declared_dimension: str | None
    last_row: int


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    value = 0
    for char in letters:
        value = value * 26 + ord(char) - 64
    return value - 1


def _local(tag: str) -> str:
    # Transitional and Strict OOXML use different namespaces for the same element names.
    return tag.rsplit("}", 1)[-1]


def _attr(element: Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _unescape(text: str) -> str:
    return ESCAPED_CHAR.sub(lambda m: chr(int(m.group(1), 16)), text)


class _Bounded(io.RawIOBase):
    """A read-only stream that stops a part from inflating past the size its zip entry declared."""

    def __init__(self, raw: IO[bytes], limit: int, name: str) -> None:
        self._raw, self._left, self._name = raw, limit, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(min(len(buffer), self._left + 1))
        if len(data) > self._left:
            raise FileRefused(f"The part {self._name} of the file is larger than its zip directory says: "
                              "the file was crafted or is damaged, and was refused.")
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


class Package:
    """An .xlsx zip whose directory passed the bounds; parts are inflated only through _Bounded streams."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        self.limits = limits
        check_container(data, limits)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise FileRefused("The file is damaged: its zip structure cannot be read. "
                              "Save it again as an Excel workbook (.xlsx).") from exc
        check_directory(infos, limits)
        self.infos = {info.filename: info for info in infos}

    def has(self, name: str) -> bool:
        return name in self.infos

    def open(self, name: str) -> io.BufferedReader:
        info = self.infos.get(name)
        if info is None:
            raise FileRefused(f"The workbook is incomplete: the part {name} is missing. Save it again from "
                              "Excel.")
        try:
            raw = self.zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
            raise FileRefused(f"The part {name} of the workbook cannot be opened ({exc}).") from exc
        return io.BufferedReader(_Bounded(raw, info.file_size, name), buffer_size=64 * 1024)

    def xml(self, name: str) -> Element:
        with self.open(name) as stream:
            data = stream.read()
        return _parse(data, name)


def _parse(data: bytes, name: str) -> Element:
    try:
        return safe_fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FileRefused(UNSAFE_XML) from exc
    except ParseError as exc:
        raise FileRefused(f"The workbook is damaged: {name} is not well-formed XML ({exc}).") from exc


def check_container(data: bytes, limits: Limits) -> None:
    """Refuse by size and by kind before opening anything."""
    if len(data) > limits.max_bytes:
        raise FileRefused(f"The file is {human_size(len(data))}; the limit for an import is "
                          f"{human_size(limits.max_bytes)}. Split it into several files.")
    if not data:
        raise FileRefused("The file is empty.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused("This is an old-style .xls file (or an encrypted workbook). Open it in Excel and "
                          "save it as 'Excel Workbook (.xlsx)' without a password, then import that file.")
    if not data.startswith(b"PK"):
        head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
        hint = " It looks like a text or CSV file." if head[:1] not in (b"<", b"") else ""
        raise FileRefused("This is not an Excel workbook (.xlsx)." + hint +
                          " Download the template, fill it in and upload the saved .xlsx file.")


def check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Zip-bomb checks on the central directory alone: entry count, declared total size, compression ratio."""
    if len(infos) > limits.max_entries:
        raise FileRefused(f"The workbook holds {len(infos):,} parts; a spreadsheet has a few dozen at most "
                          f"(limit {limits.max_entries}). It was refused as a possible zip bomb.")
    names: set[str] = set()
    total = 0
    for info in infos:
        if info.filename in names:
            raise FileRefused(f"The workbook holds the part {info.filename} twice; it was refused as "
                              "crafted.")
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise FileRefused("The workbook is password-protected. Remove the password in Excel and save "
                              "again.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRefused(f"The part {info.filename} uses an unusual compression; save the workbook "
                              "again from Excel or LibreOffice.")
        total += info.file_size
        if total > limits.max_uncompressed:
            raise FileRefused("Unpacked, the workbook would take more than "
                              f"{human_size(limits.max_uncompressed)} "
                              "(the limit); it was refused as a possible zip bomb. Split the data into "
                              "several files.")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 64 * 1024 and ratio > limits.max_ratio:
            raise FileRefused(f"The part {info.filename} would unpack {ratio:,.0f} times larger than it is "
                              f"stored (a spreadsheet unpacks at most about {limits.max_ratio} times); it "
                              "was refused as a zip bomb.")


def _relationships(package: Package, name: str) -> dict[str, tuple[str, str]]:
    """Id -> (type suffix, target) of a .rels part."""
    if not package.has(name):
        return {}
    out = {}
    for rel in package.xml(name):
        if _local(rel.tag) == "Relationship":
            out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], rel.get("Target", ""))
    return out


def _resolve(base_dir: str, target: str) -> str:
    path = target.lstrip("/") if target.startswith("/") else posixpath.join(base_dir, target)
    return posixpath.normpath(path)


@dataclass(slots=True)
class _Workbook:
    sheets: list[tuple[str, str]]  # (name, part)
    date1904: bool
    shared_strings: str | None
    styles: str | None


def _workbook(package: Package) -> _Workbook:
    root_rels = _relationships(package, "_rels/.rels")
    target = next((t for kind, t in root_rels.values() if kind == REL_OFFICE_DOCUMENT), "xl/workbook.xml")
    workbook_part = _resolve("", target)
    base = posixpath.dirname(workbook_part)
    rels = _relationships(package, posixpath.join(base, "_rels", posixpath.basename(workbook_part) + ".rels"))
    root = package.xml(workbook_part)
    date1904 = False
    sheets = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "workbookPr":
            date1904 = (element.get("date1904") or "").lower() in ("1", "true")
        elif name == "sheet":
            rel = rels.get(_attr(element, "id") or "")
            if rel is not None:
                sheets.append((element.get("name", ""), _resolve(base, rel[1])))
    if not sheets:
        raise FileRefused("The workbook has no worksheet.")
    by_kind = {kind: _resolve(base, t) for kind, t in rels.values()}
    return _Workbook(sheets, date1904, by_kind.get("sharedStrings"), by_kind.get("styles"))


def _date_styles(package: Package, part: str | None) -> frozenset[int]:
    """Indexes of cell formats (cellXfs) that display a number as a date."""
    if part is None or not package.has(part):
        return frozenset()
    root = package.xml(part)
    custom: dict[int, str] = {}
    styles: set[int] = set()
    for element in root:
        if _local(element.tag) == "numFmts":
            for fmt in element:
                try:
                    custom[int(fmt.get("numFmtId", "-1"))] = fmt.get("formatCode", "")
                except ValueError:
                    continue
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(child for child in element if _local(child.tag) == "xf"):
                try:
                    fmt_id = int(xf.get("numFmtId", "0"))
                except ValueError:
                    continue
                code = custom.get(fmt_id)
                is_date = is_date_format(code) if code is not None else fmt_id in DATE_FORMAT_IDS
                if is_date:
                    styles.add(index)
    return frozenset(styles)


def _iterparse(stream: IO[bytes]) -> Iterator[tuple[str, Element]]:
    try:
        yield from safe_iterparse(stream, events=("start", "end"), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FileRefused(UNSAFE_XML) from exc
    except ParseError as exc:
        raise FileRefused(f"The workbook is damaged: a part is not well-formed XML ({exc}).") from exc


def _text_of(element: Element) -> str:
    """Text of a shared or inline string: its <t>, or the runs' <t>s, never the phonetic hints (<rPh>)."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return _unescape("".join(parts))


def _shared_strings(package: Package, part: str | None, limits: Limits) -> list[str]:
    if part is None or not package.has(part):
        return []
    strings: list[str] = []
    stack: list[Element] = []
    with package.open(part) as stream:
        for event, element in _iterparse(stream):
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            if _local(element.tag) == "si":
                if len(strings) >= limits.max_shared_strings:
                    raise FileRefused(f"The workbook holds more than {limits.max_shared_strings:,} distinct "
                                      "texts.")
                strings.append(_text_of(element))
                if stack:
                    del stack[-1][-1]  # keep memory flat: drop the finished <si> from its parent
    return strings


class _SheetReader:
    def __init__(self, strings: list[str], date_styles: frozenset[int], date1904: bool, limits: Limits
                 ) -> None:
        self.strings, self.date_styles, self.limits = strings, date_styles, limits
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.rows: list[Row] = []
        self.dimension: str | None = None
        self.row_elements = 0
        self.last_row = 0

    def cell(self, element: Element, ref: str) -> Cell | None:
        kind = element.get("t", "n")
        value = formula = None
        inline = None
        for child in element:
            name = _local(child.tag)
            if name == "v":
                value = child.text or ""
            elif name == "f":
                formula = child.text or ""
            elif name == "is":
                inline = _text_of(child)
        if formula is not None:
            shown = f"={formula}" if formula else "a shared formula"
            return Cell(ref, FORMULA, shown)
        if kind == "inlineStr":
            text = inline or ""
            return Cell(ref, TEXT, text) if text != "" else None
        if value is None or value == "":
            return None
        if len(value) > self.limits.max_cell_chars and kind != "s":
            raise FileRefused(f"Cell {ref} holds more than {self.limits.max_cell_chars:,} characters.")
        if kind == "s":
            try:
                text = self.strings[int(value)]
            except (ValueError, IndexError) as exc:
                raise FileRefused(f"The workbook is damaged: cell {ref} points to a text that does not "
                                  "exist.") from exc
            return Cell(ref, TEXT, text) if text != "" else None
        if kind == "str":
            return Cell(ref, TEXT, _unescape(value))
        if kind == "b":
            return Cell(ref, BOOL, "TRUE" if value.strip() in ("1", "true") else "FALSE")
        if kind == "e":
            return Cell(ref, ERROR, value)
        if kind == "d":
            try:
                return Cell(ref, DATE, value, dt.datetime.fromisoformat(value.rstrip("Z")))
            except ValueError:
                return Cell(ref, TEXT, value)
        style = element.get("s")
        if style is not None and style.isdigit() and int(style) in self.date_styles:
            try:
                serial = Decimal(value)
                when = from_excel(float(serial), self.epoch)
            except (InvalidOperation, ValueError, OverflowError, TypeError):
                return Cell(ref, NUMBER, value)
            if isinstance(when, dt.datetime):
                return Cell(ref, DATE, value, when)
            if isinstance(when, dt.date):
                return Cell(ref, DATE, value, dt.datetime.combine(when, dt.time()))
        return Cell(ref, NUMBER, value)

    def read(self, stream: IO[bytes]) -> None:
        stack: list[Element] = []
        row: Row | None = None
        next_col = 0
        limits = self.limits
        for event, element in _iterparse(stream):
            name = _local(element.tag)
            if event == "start":
                stack.append(element)
                if name == "row":
                    self.row_elements += 1
                    if self.row_elements > limits.max_row_elements:
                        raise FileRefused(f"The sheet has more than {limits.max_row_elements:,} rows; "
                                          f"an import takes at most {limits.max_rows:,} rows of data.")
                    number = element.get("r")
                    number_value = int(number) if number and number.isdigit() else self.last_row + 1
                    if number_value <= self.last_row or number_value > EXCEL_MAX_ROW:
                        raise FileRefused(f"The sheet is damaged: row {number_value} is out of order. "
                                          "Save the workbook again from Excel or LibreOffice.")
                    self.last_row = number_value
                    row = Row(number_value)
                    next_col = 0
                continue
            stack.pop()
            if name in ("v", "f", "is", "t", "r", "rPh", "rPr"):
                continue  # read by the enclosing <c> when it ends
            if name == "c" and row is not None:
                ref = element.get("r") or ""
                match = CELL_REF.match(ref)
                col = column_index(match.group(1)) if match else next_col
                if match and int(match.group(2)) != row.number:
                    raise FileRefused(f"The sheet is damaged: cell {ref} is stored in row {row.number}.")
                ref = f"{column_letters(col)}{row.number}"
                next_col = col + 1
                cell = self.cell(element, ref)
                if cell is not None:
                    if col >= limits.max_columns:
                        row.beyond = row.beyond or ref
                    else:
                        row.cells[col] = cell
            elif name == "row" and row is not None:
                if row.cells or row.beyond:
                    self.rows.append(row)
                    if len(self.rows) > limits.max_rows + 1:  # + the heading row
                        raise FileRefused(f"The sheet has more than {limits.max_rows:,} rows of data; split "
                                          "it into several files.")
                row = None
            elif name == "dimension":
                self.dimension = element.get("ref")
            if stack:
                # The finished element is its parent's last child: dropping it keeps memory flat.
                del stack[-1][-1]


def read_sheet(data: bytes, *, preferred: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Sheet:
    """Read every row of the sheet named `preferred` (or the first sheet), or raise FileRefused."""
    try:
        return _read_sheet(data, preferred, limits)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise FileRefused("The file is damaged: a part of the workbook cannot be unpacked. "
                          "Save it again from Excel or LibreOffice.") from exc


def _read_sheet(data: bytes, preferred: str | None, limits: Limits) -> Sheet:
    package = Package(data, limits)
    workbook = _workbook(package)
    name, part = next(((n, p) for n, p in workbook.sheets if preferred and n.lower() == preferred.lower()),
                      workbook.sheets[0])
    strings = _shared_strings(package, workbook.shared_strings, limits)
    reader = _SheetReader(strings, _date_styles(package, workbook.styles), workbook.date1904, limits)
    with package.open(part) as stream:
        reader.read(stream)
    return Sheet(name, reader.rows, reader.dimension, reader.last_row)


def dimension_last_row(ref: str | None) -> int | None:
    """The last row a <dimension ref="A1:H20"> declares (None when absent or unreadable)."""
    if not ref:
        return None
    match = re.search(r"([0-9]+)$", ref)
    return int(match.group(1)) if match else None
