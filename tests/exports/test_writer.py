"""The streaming writer alone: exact read-back, formula safety, early bytes, constant memory, refusals."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from decimal import Decimal, Inexact

import pytest

from fundtracker.exports.safety import FORMULA_TRIGGERS, safe_text
from fundtracker.exports.xlsx import AMOUNT, COUNT, DATE, INT, MONEY, RATE, SUM, Column, XlsxStream

from .conftest import HOSTILE_NAMES, load

COLUMNS = [
    Column("Name"),
    Column("Day", DATE),
    Column("USD", MONEY, total=SUM),
    Column("N", INT, total=SUM),
    Column("Rate", RATE),
    Column("Amount", AMOUNT),
    Column("Id", INT, total=COUNT),
]


@pytest.mark.parametrize(
    "text", HOSTILE_NAMES + ["=1+1", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"]
)
def test_safe_text_quotes_every_formula_trigger(text):  # type: ignore[no-untyped-def]
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Norway", "1+1", "a=b", " =padded", "'already quoted", "", "Côte d'Ivoire"])
def test_safe_text_leaves_ordinary_text_alone(text):  # type: ignore[no-untyped-def]
    assert safe_text(text) == text


def test_safe_text_replaces_what_xml_cannot_carry():  # type: ignore[no-untyped-def]
    assert safe_text("a\x00b\x1fc\x0bd") == "a\ufffdb\ufffdc\ufffdd"
    assert set("=+-@\t\r\n＝＋－＠") <= FORMULA_TRIGGERS


def test_values_read_back_exactly():  # type: ignore[no-untyped-def]
    book = XlsxStream()
    sheet = book.add_sheet("Values", COLUMNS)
    rows = [
        ["plain", dt.date(2025, 1, 31), Decimal("1234.50"), 3, Decimal("0.92345678"), Decimal("1000"), 1],
        [
            " spaced \r\n<&> ",
            dt.date(1999, 12, 31),
            Decimal("-0.05"),
            -4,
            Decimal("1E+2"),
            Decimal("12.345"),
            2,
        ],
        ["=SUM(A1)", None, Decimal("12345678901.23"), None, None, Decimal("-5.00"), 3],
        ["", dt.date(2025, 3, 1), Decimal("0.00"), 0, Decimal("1"), None, 4],
    ]
    for row in rows:
        sheet.write_row(row)
    sheet.write_totals()
    data = b"".join(book.finish())
    formulas, values = load(data)["Values"], load(data, data_only=True)["Values"]
    got = list(values.iter_rows(min_row=2, max_row=5, values_only=True))
    assert got[0] == ("plain", dt.datetime(2025, 1, 31), 1234.5, 3, 0.92345678, 1000, 1)
    assert got[1] == (" spaced \r\n<&> ", dt.datetime(1999, 12, 31), -0.05, -4, 100, 12.345, 2)
    assert got[2][0] == "'=SUM(A1)" and formulas["A4"].data_type == "s"
    assert got[3][0] is None
    assert [formulas.cell(6, c).value for c in (3, 4, 7)] == ["=SUM(C2:C5)", "=SUM(D2:D5)", "=COUNT(G2:G5)"]
    assert [values.cell(6, c).value for c in (3, 4, 7)] == [12345680135.68, -1, 4]
    assert sheet.total_of(2) == Decimal("12345680135.68")
    assert formulas["C2"].number_format == "#,##0.00" and formulas["B2"].number_format == "yyyy-mm-dd"
    assert formulas["F3"].number_format == "#,##0.000" and formulas["F2"].number_format == "#,##0"


def test_an_empty_sheet_totals_to_zero_without_a_circular_range():  # type: ignore[no-untyped-def]
    book = XlsxStream()
    sheet = book.add_sheet("Empty", COLUMNS)
    sheet.write_totals()
    formulas = load(b"".join(book.finish()))["Empty"]
    assert formulas["C2"].value == "=SUM(C1:C1)"


def test_the_first_bytes_leave_before_the_last_row_is_read():  # type: ignore[no-untyped-def]
    consumed = []

    def rows():  # type: ignore[no-untyped-def]
        for i in range(40_000):
            consumed.append(i)
            yield [
                f"row {i} {i * 7919 % 10007}",
                dt.date(2025, 1, 1),
                Decimal(i).scaleb(-2),
                i,
                None,
                None,
                i,
            ]

    book = XlsxStream()
    sheet = book.add_sheet("Big", COLUMNS)
    chunks = sheet.write_rows(rows())
    first = next(chunks)
    assert first[:2] == b"PK" and len(consumed) < 40_000
    rest = b"".join(chunks)
    sheet.write_totals()
    data = first + rest + b"".join(book.finish())
    assert load(data, data_only=True)["Big"].max_row == 40_002


def test_memory_stays_flat_however_many_rows():  # type: ignore[no-untyped-def]
    def peak(count: int) -> int:
        tracemalloc.start()
        book = XlsxStream()
        sheet = book.add_sheet("Big", COLUMNS)
        size = 0
        rows = (
            [
                f"donor {i % 50}",
                dt.date(2025, 1, 1 + i % 28),
                Decimal(i * 37).scaleb(-2),
                i,
                Decimal("0.95"),
                Decimal(i * 41).scaleb(-2),
                i,
            ]
            for i in range(count)
        )
        for chunk in sheet.write_rows(rows):
            size += len(chunk)
        sheet.write_totals()
        size += sum(len(c) for c in book.finish())
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert size > count * 10
        return top

    small, large = peak(5_000), peak(50_000)
    assert large < 4 * 1024 * 1024 and large < small * 1.5, (small, large)


def test_the_writer_refuses_what_it_cannot_write_exactly():  # type: ignore[no-untyped-def]
    book = XlsxStream()
    sheet = book.add_sheet("Strict", COLUMNS)
    with pytest.raises(Inexact):
        sheet.write_row(["x", None, Decimal("1.005"), None, None, None, 1])
    with pytest.raises(TypeError):
        sheet.write_row(["x", dt.datetime(2025, 1, 1, 12), None, None, None, None, 1])
    with pytest.raises(ValueError):
        sheet.write_row(["too", "short"])
    with pytest.raises(ValueError):
        book.add_sheet("bad/name", COLUMNS)
    with pytest.raises(ValueError):
        Column("Name", total=SUM)


def test_metadata_first_and_data_sheet_active(tmp_path):  # type: ignore[no-untyped-def]
    book = XlsxStream()
    book.add_sheet("Data", COLUMNS).write_row(["a", None, None, None, None, None, 1])
    book.add_sheet("Metadata", [Column("Item"), Column("Value")], hashed=False, first=True)
    workbook = load(b"".join(book.finish()))
    assert workbook.sheetnames == ["Metadata", "Data"] and workbook.active.title == "Data"


def test_progress_counts_data_rows_exactly():  # type: ignore[no-untyped-def]
    counted: list[int] = []
    book = XlsxStream()
    sheet = book.add_sheet("Rows", COLUMNS)
    rows = (["x", None, None, None, None, None, i] for i in range(1_234))
    for _ in sheet.write_rows(rows, progress=counted.append):
        pass
    assert sum(counted) == sheet.rows == 1_234


def test_a_reader_that_goes_away_leaves_nothing_open(monkeypatch):  # type: ignore[no-untyped-def]
    import gc
    import sys

    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def download():  # type: ignore[no-untyped-def]
        book = XlsxStream(chunk_size=1024)
        sheet = book.add_sheet("Big", COLUMNS)
        yield from sheet.write_rows([f"row {i}", None, None, i, None, None, i] for i in range(20_000))
        yield from book.finish()

    chunks = download()
    assert next(chunks)[:2] == b"PK"
    chunks.close()  # the client disconnected after the first chunk
    del chunks
    gc.collect()
    assert unraisable == []
