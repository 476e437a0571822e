"""A lean streaming .xlsx writer: sheets written row by row into a zip that yields its bytes as they are made.

Constant memory: each sheet's XML goes straight into a deflate stream whose output is handed to the caller in
chunks, so a download starts at once and a 500,000-line ledger never sits in memory. Money is written as the
decimal string of a Decimal (never a float); text always as an inline string passed through safe_text(), so
the only formulas in a workbook are the totals this module writes itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from . import xlsx_parts as parts
from .safety import safe_text
from .xlsx_rows import (
    AMOUNT,
    COUNT,
    DATE,
    INT,
    MONEY,
    RATE,
    SUM,
    TEXT,
    Formula,
    compile_encoder,
    money_text,
    xml_text,
)

KINDS = (TEXT, INT, MONEY, AMOUNT, RATE, DATE)
__all__ = [
    "AMOUNT",
    "COUNT",
    "DATE",
    "INT",
    "MONEY",
    "RATE",
    "SUM",
    "TEXT",
    "Chart",
    "Column",
    "Formula",
    "Sheet",
    "XlsxStream",
]
# Canonical serialisation separators: both are illegal in XML, so no cell text can contain them.
UNIT, RECORD, GROUP = "\x1f", "\x1e", "\x1d"
FLUSH_ROWS = 512


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str = TEXT
    width: float = 14
    total: str | None = None  # SUM for money/int columns, COUNT for a row count, None for no total

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.total == SUM and self.kind not in (MONEY, INT):
            raise ValueError("only money and integer columns can be summed")


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    categories_ref: str
    series: list[tuple[str, str]]
    anchor: tuple[int, int, int, int]  # zero-based from col, from row, to col, to row
    stacked: bool = False


class _Sink:
    """A write-only, unseekable file: zipfile then writes data descriptors and never seeks back."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        if data:
            self.parts.append(bytes(data))
            self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


class Sheet:
    """One worksheet being written; only the most recently added sheet of a workbook accepts rows."""

    def __init__(
        self,
        book: XlsxStream,
        name: str,
        number: int,
        columns: Sequence[Column],
        *,
        freeze_header: bool,
        autofilter: bool,
        hashed: bool,
    ) -> None:
        if not 0 < len(name) <= 31 or any(ch in name for ch in "[]:*?/\\"):
            raise ValueError(f"invalid sheet name {name!r}")
        self.book, self.name, self.number, self.columns = book, name, number, list(columns)
        self.autofilter, self.hashed = autofilter, hashed
        self.rows = 0  # data rows, header and totals excluded
        self.chart: Chart | None = None
        self.closed = False
        self._row_number = 1
        self._xml: list[str] = []
        self._canon: list[str] = []
        self._totals_row: int | None = None
        self._encode, self._sums = compile_encoder(self.columns)
        self._file = book._zip.open(f"xl/worksheets/sheet{number}.xml", "w")
        self._file.write(self._head(freeze_header).encode())
        header = [c.header for c in self.columns]
        self._emit_row(
            [
                f'<c t="inlineStr" s="{parts.S_HEADER}"><is><t xml:space="preserve">'
                f"{xml_text(safe_text(h))}</t></is></c>"
                for h in header
            ]
        )
        if hashed:
            book._digest.update(f"{GROUP}{self.name}{RECORD}".encode())
            self._canon.append(UNIT.join(safe_text(h) for h in header))

    def _head(self, freeze: bool) -> str:
        selected = ' tabSelected="1"' if self.number == 1 else ""
        pane = (
            (
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            )
            if freeze
            else ""
        )
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{c.width:g}" customWidth="1"/>'
            for i, c in enumerate(self.columns, 1)
        )
        return parts.HEAD + (
            f'<worksheet xmlns="{parts.MAIN}" xmlns:r="{parts.REL}">'
            f'<sheetViews><sheetView workbookViewId="0"{selected}>{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )

    def _emit_row(self, cells: list[str]) -> None:
        self._xml.append(f'<row r="{self._row_number}">{"".join(cells)}</row>')
        self._row_number += 1

    def write_row(self, values: Sequence[object]) -> None:
        """Write one data row; None (or "" in a text column) leaves a cell empty."""
        for _ in self.write_rows((values,)):
            pass

    def write_rows(
        self,
        rows: Iterable[Sequence[object]],
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[bytes]:
        """Write every row, yielding the package's bytes whenever a chunk is ready."""
        if self.closed or self._totals_row is not None:
            raise RuntimeError(f"sheet {self.name} no longer accepts rows")
        encode, xml, canon, hashed, sink = self._encode, self._xml, self._canon, self.hashed, self.book._sink
        number = reported = self._row_number
        for values in rows:
            row_xml, row_canon = encode(values, number)
            number += 1
            xml.append(row_xml)
            if hashed:
                canon.append(row_canon)
            if len(xml) >= FLUSH_ROWS:
                self._row_number = number
                self.rows = number - 2
                self._flush()
                if progress is not None:
                    progress(number - reported)
                    reported = number
                if sink.size >= self.book.chunk_size:
                    yield sink.take()
        if progress is not None and number > reported:
            progress(number - reported)
        self._row_number = number
        self.rows = number - 2

    def _flush(self) -> None:
        if self._xml:
            self._file.write("".join(self._xml).encode())
            self._xml.clear()
        if self._canon:
            self.book._digest.update((RECORD.join(self._canon) + RECORD).encode())
            self._canon.clear()

    def cell_ref(self, column: int, row: int, *, absolute: bool = False) -> str:
        """A reference to a cell of this sheet (1-based column and row), for formulas and charts."""
        letter = parts.column_letter(column)
        local = f"${letter}${row}" if absolute else f"{letter}{row}"
        return parts.quote_sheet(self.name) + local

    @property
    def totals_row(self) -> int | None:
        return self._totals_row

    @property
    def last_data_row(self) -> int:
        return self.rows + 1

    def write_totals(self, label: str = "Total") -> None:
        """Append the totals row: SUM (or COUNT) formulas over each data column, with their cached values."""
        first, last = 2, self.rows + 1
        if self.rows == 0:
            first = last = 1  # over the header alone: an empty column sums to 0 without a circular range
        cells: list[str] = []
        for index, column in enumerate(self.columns):
            letter = parts.column_letter(index + 1)
            if column.total == SUM:
                style = parts.S_TOTAL_MONEY if column.kind == MONEY else parts.S_TOTAL_INT
                cached = self._sums[index]
                value = money_text(cached) if column.kind == MONEY else str(cached)  # type: ignore[arg-type]
                cells.append(f'<c s="{style}"><f>SUM({letter}{first}:{letter}{last})</f><v>{value}</v></c>')
            elif column.total == COUNT:
                # A COUNT column is never blank, so its count is the number of data rows.
                function = "COUNTA" if column.kind == TEXT else "COUNT"
                cells.append(
                    f'<c s="{parts.S_TOTAL_INT}"><f>{function}({letter}{first}:{letter}{last})</f>'
                    f"<v>{self.rows}</v></c>"
                )
            elif index == 0:
                cells.append(
                    f'<c t="inlineStr" s="{parts.S_BOLD}"><is><t>{xml_text(safe_text(label))}</t></is></c>'
                )
            else:
                cells.append("<c/>")
        self._totals_row = self._row_number
        self._emit_row(cells)

    def total_of(self, column: int) -> Decimal | int:
        """The exact sum of a SUM column written so far (0-based index), as cached in the totals row."""
        return self._sums[column]

    def add_chart(self, chart: Chart) -> None:
        self.chart = chart

    @property
    def filter_ref(self) -> str | None:
        if not self.autofilter:
            return None
        return f"$A$1:${parts.column_letter(len(self.columns))}${self.rows + 1}"

    def close(self) -> None:
        if self.closed:
            return
        self._flush()
        tail = "</sheetData>"
        if self.autofilter:
            tail += f'<autoFilter ref="A1:{parts.column_letter(len(self.columns))}{self.rows + 1}"/>'
        tail += '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        if self.chart is not None:
            tail += '<drawing r:id="rId1"/>'
        self._file.write((tail + "</worksheet>").encode())
        self._file.close()
        self.closed = True
        if self.chart is not None:
            self.book._write_chart(self)


@dataclass
class XlsxStream:
    """A workbook written as a stream of bytes: add_sheet(), write rows, finish(); chunks as they come."""

    title: str = "fundtracker export"
    creator: str = "fundtracker"
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    compresslevel: int = 1
    chunk_size: int = 64 * 1024

    def __post_init__(self) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(
            self._sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel
        )
        self._digest = hashlib.sha256()
        self.sheets: list[Sheet] = []
        self._tab_order: list[Sheet] = []
        self._charts = 0
        self._finished = False

    def add_sheet(
        self,
        name: str,
        columns: Sequence[Column],
        *,
        freeze_header: bool = True,
        autofilter: bool = True,
        hashed: bool = True,
        first: bool = False,
    ) -> Sheet:
        """Start a sheet (closing the previous one); `first` puts its tab before all others."""
        if self.sheets:
            self.sheets[-1].close()
        if any(s.name.lower() == name.lower() for s in self.sheets):
            raise ValueError(f"duplicate sheet name {name!r}")
        sheet = Sheet(
            self,
            name,
            len(self.sheets) + 1,
            columns,
            freeze_header=freeze_header,
            autofilter=autofilter,
            hashed=hashed,
        )
        self.sheets.append(sheet)
        self._tab_order.insert(0, sheet) if first else self._tab_order.append(sheet)
        return sheet

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical serialisation of every hashed sheet so far (header and data rows)."""
        return self._digest.hexdigest()

    def ready(self) -> Iterator[bytes]:
        """Whatever bytes are ready now (the caller may send them before the next rows are written)."""
        if self._sink.size:
            yield self._sink.take()

    def _write_chart(self, sheet: Sheet) -> None:
        chart = sheet.chart
        assert chart is not None
        self._charts += 1
        n = self._charts
        self._zip.writestr(f"xl/worksheets/_rels/sheet{sheet.number}.xml.rels", parts.sheet_rels_drawing(n))
        self._zip.writestr(f"xl/drawings/drawing{n}.xml", parts.drawing(*chart.anchor))
        self._zip.writestr(f"xl/drawings/_rels/drawing{n}.xml.rels", parts.drawing_rels_chart(n))
        self._zip.writestr(
            f"xl/charts/chart{n}.xml",
            parts.bar_chart(chart.title, chart.categories_ref, chart.series, stacked=chart.stacked),
        )

    def abandon(self) -> None:
        """Close an unfinished workbook (its reader went away) so that zipfile has no open handle left."""
        if self._finished:
            return
        self._finished = True
        if self.sheets and not self.sheets[-1].closed:
            self.sheets[-1]._file.close()
        self._zip.close()
        self._sink.take()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # nothing useful can be done while being collected
            self.abandon()

    def finish(self) -> Iterator[bytes]:
        """Close the last sheet, write the package parts and the zip directory; yield the remaining bytes."""
        if not self.sheets:
            raise RuntimeError("a workbook needs at least one sheet")
        self.sheets[-1].close()
        first_data = next((i for i, s in enumerate(self._tab_order) if s.hashed), 0)
        zf = self._zip
        zf.writestr(
            "xl/workbook.xml",
            parts.workbook([(s.name, s.number, s.filter_ref) for s in self._tab_order], active=first_data),
        )
        zf.writestr("xl/_rels/workbook.xml.rels", parts.workbook_rels([s.number for s in self._tab_order]))
        zf.writestr("xl/styles.xml", parts.STYLES)
        zf.writestr(
            "docProps/core.xml",
            parts.core_properties(
                self.creator, self.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), self.title
            ),
        )
        zf.writestr("_rels/.rels", parts.ROOT_RELS)
        zf.writestr("[Content_Types].xml", parts.content_types(len(self.sheets), self._charts))
        zf.close()
        self._finished = True
        yield self._sink.take()
