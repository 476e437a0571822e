"""Import files for the tests: valid workbooks, and hostile or malformed ones built byte by byte."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from fundtracker.imports.pledges import PledgeHandler

PLEDGE_HEADINGS = [c.heading for c in PledgeHandler.columns]
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"


def workbook(rows: Iterable[Sequence[Any]], headings: Sequence[str] = PLEDGE_HEADINGS, *,
             title: str = "Pledges", text_dates: bool = False, shared_strings: bool = False) -> bytes:
    """A workbook as openpyxl writes it (write-only, fast for 10,000 rows): dates as date cells, strings
    starting '=' as formulas, text inline; `shared_strings` moves text to xl/sharedStrings.xml like Excel."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(headings))
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, dt.date) and not text_dates:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            elif isinstance(value, dt.date):
                cells.append(value.strftime("%d/%m/%Y"))
            else:
                cells.append(value)
        sheet.append(cells)
    stream = io.BytesIO()
    book.save(stream)
    return to_shared_strings(stream.getvalue()) if shared_strings else stream.getvalue()


INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t>([^<]*)</t></is></c>')


def to_shared_strings(data: bytes) -> bytes:
    """Rewrite inline strings as a shared-string table, the way Excel and LibreOffice store text."""
    files = parts(data)
    table: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = table.setdefault(match.group(3), len(table))
        ref, style = match.group(1), match.group(2)
        return b'<c r="' + ref + b'"' + style + b' t="s"><v>' + str(index).encode() + b"</v></c>"

    files[SHEET] = INLINE.sub(shared, files[SHEET])
    items = b"".join(b"<si><t>" + text + b"</t></si>" for text in table)
    files[STRINGS] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
                      + str(len(table)).encode() + b'" uniqueCount="' + str(len(table)).encode() + b'">'
                      + items + b"</sst>")
    rels = "xl/_rels/workbook.xml.rels"
    files[rels] = files[rels].replace(b"</Relationships>", b'<Relationship Id="rIdStrings" '
                                                           b'Type="http://schemas'
                                      b'.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                      b'Target="sharedStrings.xml"/></Relationships>')
    types = "[Content_Types].xml"
    files[types] = files[types].replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                                     b'ContentType="'
                                        b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings'
                                        b'+xml"/></Types>')
    return repack(files)


def pledge_row(donor: str, amount: str | Decimal, *, key: str | None = None,
               on: dt.date = dt.date(2026, 3, 2), currency: str = "USD", status: str | None = None,
               **extra: Any) -> list[Any]:
    values = {"key": key, "donor": donor, "pledge_date": on, "currency": currency,
              "amount": amount if isinstance(amount, str) else amount, "status": status, **extra}
    return [values.get(c.field) for c in PledgeHandler.columns]


BIG_CURRENCIES = (("Germany", "EUR", 2), ("Japan", "JPY", 0), ("Kuwait", "KWD", 3), ("Norway", "NOK", 2))


def big_rows(count: int, *, prefix: str = "BIG") -> list[list[Any]]:
    """`count` distinct valid pledges of the four test donors, each in its own currency and amount."""
    rows = []
    for i in range(count):
        donor, currency, places = BIG_CURRENCIES[i % 4]
        amount = Decimal(1000 + i) + (Decimal(i % 7).scaleb(-places) if places else 0)
        rows.append(pledge_row(donor, str(amount), key=f"{prefix}-{i:05d}", currency=currency,
                               on=dt.date(2026, 1, 1) + dt.timedelta(days=i % 300)))
    return rows


def fill_template(template: bytes, rows: Iterable[Sequence[Any]], *, keep_example: bool = True) -> bytes:
    """Fill the downloaded template as a person would in Excel: below the example row, on the first sheet."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    start = 3 if keep_example else 2
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def repack(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return stream.getvalue()


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    files = parts(data)
    files[name] = content
    return repack(files)


def zip_bomb(valid: bytes, size: int = 300 * 1024 * 1024) -> bytes:
    """A valid workbook whose sheet part inflates to `size` bytes of blanks (about 1000x compression)."""
    files = parts(valid)
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if name != SHEET:
                archive.writestr(name, content)
        info = zipfile.ZipInfo(SHEET)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as part:
            part.write(files[SHEET][:-len(b"</worksheet>")])
            chunk = b" " * (1024 * 1024)
            for _ in range(size // len(chunk)):
                part.write(chunk)
            part.write(b"</worksheet>")
    return stream.getvalue()


def lying_zip_directory(valid: bytes, inflated: int = 20 * 1024 * 1024) -> bytes:
    """A sheet part that really inflates to 20 MB while the zip's headers declare 4 kB."""
    files = parts(valid)
    body = files[SHEET][:-len(b"</worksheet>")] + b" " * inflated + b"</worksheet>"
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, body if name == SHEET else content)
    data = bytearray(stream.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET)
    real = info.file_size.to_bytes(4, "little")
    declared = (4096).to_bytes(4, "little")
    # The uncompressed size appears in the local header and in the central directory: patch both.
    local = info.header_offset
    assert data[local + 22:local + 26] == real
    data[local + 22:local + 26] = declared
    central = data.rfind(b"PK\x01\x02" + bytes(data[local + 4:local + 6]), 0)  # search from the end
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):
        start = match.start()
        name_len = int.from_bytes(data[start + 28:start + 30], "little")
        if bytes(data[start + 46:start + 46 + name_len]) == SHEET.encode():
            central = start
    assert data[central + 24:central + 28] == real
    data[central + 24:central + 28] = declared
    return bytes(data)


def many_entries(valid: bytes, count: int = 5000) -> bytes:
    files = parts(valid)
    files.update({f"xl/media/pad{i}.bin": b"" for i in range(count)})
    return repack(files)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def with_doctype(xml: bytes, doctype: bytes) -> bytes:
    """Put a DOCTYPE before the root element and make the first text node use its entity."""
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
    return doctype + body


def billion_laughs(valid: bytes) -> bytes:
    strings = parts(valid)[STRINGS]
    poisoned = with_doctype(strings, BILLION_LAUGHS).replace(b"<t>", b"<t>&lol9;", 1)
    return replace_part(valid, STRINGS, poisoned)


def external_entity(valid: bytes, target: str = "file:///etc/passwd") -> bytes:
    doctype = f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "{target}">]>\n'.encode()
    strings = parts(valid)[STRINGS]
    poisoned = with_doctype(strings, doctype).replace(b"<t>", b"<t>&xxe;", 1)
    return replace_part(valid, STRINGS, poisoned)


def lying_dimension(valid: bytes, declared: str = "A1:Q2") -> bytes:
    sheet = parts(valid)[SHEET]
    if b"<dimension" in sheet:
        sheet = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{declared}"/>'.encode(), sheet)
    else:
        sheet = sheet.replace(b"<sheetData", f'<dimension ref="{declared}"/><sheetData'.encode(), 1)
    return replace_part(valid, SHEET, sheet)


def csv_bytes(rows: Iterable[Sequence[str]], delimiter: str = ",") -> bytes:
    stream = io.StringIO()
    csv.writer(stream, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return stream.getvalue().encode()
