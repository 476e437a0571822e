"""A generated corpus of malformed and hostile files: each refused with a clear message, nothing written."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from fundtracker.audit.models import AuditEvent
from fundtracker.imports import ImportRefused, Limits, commit_import, dry_run
from fundtracker.imports.payments import PaymentHandler

from .conftest import row_counts
from .files import (
    PLEDGE_HEADINGS,
    SHEET,
    STRINGS,
    big_rows,
    billion_laughs,
    csv_bytes,
    external_entity,
    lying_dimension,
    lying_zip_directory,
    many_entries,
    parts,
    pledge_row,
    replace_part,
    with_doctype,
    workbook,
    zip_bomb,
)

GOOD = [pledge_row("Germany", "1000.00", key="G-1", currency="EUR"),
        pledge_row("Japan", "5000000", key="J-1", currency="JPY"),
        pledge_row("Kuwait", "1500.125", key="K-1", currency="KWD")]


def _valid() -> bytes:
    return workbook(GOOD, shared_strings=True)


def _empty_sheet() -> bytes:
    book = Workbook()
    book.active.title = "Pledges"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _password_flag() -> bytes:
    data = bytearray(_valid())
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):
        data[match.start() + 8] |= 0x1  # general purpose flag, bit 0: encrypted
    return bytes(data)


def _sheet_billion_laughs() -> bytes:
    valid = _valid()
    sheet = parts(valid)[SHEET]
    from .files import BILLION_LAUGHS

    return replace_part(valid, SHEET, with_doctype(sheet, BILLION_LAUGHS))


def _workbook_part_xxe() -> bytes:
    valid = _valid()
    book = parts(valid)["xl/workbook.xml"]
    doctype = b'<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>\n'
    return replace_part(valid, "xl/workbook.xml", with_doctype(book, doctype).replace(b'name="Pledges"',
                                                                                      b'name="&xxe;"'))


def _lying_dimension() -> bytes:
    rows = [pledge_row("Norway", f"{100 + i}.00", key=f"N-{i}", currency="NOK") for i in range(29)]
    rows.append(pledge_row("Norway", "-250.00", key="N-last", currency="NOK"))  # row 31: a negative pledge
    return lying_dimension(workbook(rows), "A1:Q2")


def _formula() -> bytes:
    return workbook([*GOOD, pledge_row("Germany", "=1000*2", key="G-2", currency="EUR")])


def _error_cell() -> bytes:
    return workbook([*GOOD, pledge_row("Germany", "#DIV/0!", key="G-3", currency="EUR")])


def _wrong_types() -> bytes:
    row = pledge_row("Germany", "one thousand", key="G-4", currency="EUR")
    row[2] = 46083  # the pledge date as a plain number
    row[12] = "13%"  # the PSC rate as text with a percent sign
    return workbook([*GOOD, row])


def _dates_as_text() -> bytes:
    return workbook([pledge_row("Germany", "1000.00", key="G-5", currency="EUR")], text_dates=True)


def _headings_only() -> bytes:
    return workbook([])


def _wrong_template() -> bytes:
    return workbook([["P-1", "", "Germany", dt.date(2026, 4, 1), "EUR", "10.00", ""]],
                    [c.heading for c in PaymentHandler.columns], title="Payments")


def _renamed_column() -> bytes:
    headings = list(PLEDGE_HEADINGS)
    headings[3] = "Curr."
    return workbook(GOOD, headings)


def _data_without_heading() -> bytes:
    return workbook([[*GOOD[0], None, "stray note"]])


def _big_with_bad_last_row() -> bytes:
    return workbook(big_rows(9_999) + [pledge_row("Atlantis", "1000.00", key="BIG-last", currency="EUR")])


def _truncated() -> bytes:
    data = _valid()
    return data[: len(data) // 2]


# (name, builder, a phrase the message must contain, limits)
CORPUS: list[tuple[str, Callable[[], bytes], str, Limits | None]] = [
    ("zip bomb (300 MB of blanks)", lambda: zip_bomb(_valid()), "zip bomb", None),
    ("zip bomb under the size limit (60 MB)", lambda: zip_bomb(_valid(), 60 * 1024 * 1024), "zip bomb", None),
    ("zip with 5,000 entries", lambda: many_entries(_valid()), "zip bomb", None),
    ("zip directory lying about a part's size", lambda: lying_zip_directory(_valid()), "damaged", None),
    ("password-protected entries", _password_flag, "password", None),
    ("truncated zip", _truncated, "damaged", None),
    ("billion laughs in the shared strings", lambda: billion_laughs(_valid()), "entities", None),
    ("billion laughs in the sheet", _sheet_billion_laughs, "entities", None),
    ("external entity (file:///etc/passwd)", lambda: external_entity(_valid()), "entities", None),
    ("external entity in workbook.xml (http)", _workbook_part_xxe, "entities", None),
    ("lying <dimension> with a bad row 31", _lying_dimension, "negative", None),
    ("formula cell", _formula, "formula", None),
    ("error cell #DIV/0!", _error_cell, "spreadsheet error", None),
    ("wrong types", _wrong_types, "Expected", None),
    ("dates as text", _dates_as_text, "written as text", None),
    ("empty sheet", _empty_sheet, "empty", None),
    ("headings but no rows", _headings_only, "no rows", None),
    ("wrong template (payments)", _wrong_template, "payments template", None),
    ("renamed column", _renamed_column, "should be headed \"Currency\"", None),
    ("data in a column without heading", _data_without_heading, "no heading", None),
    ("CSV instead of a workbook", lambda: csv_bytes([["Donor", "Amount"], ["Germany", "10"]]), "not an Excel",
     None),
    ("old .xls file", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls", None),
    ("file over the size limit", _valid, "limit", Limits(max_bytes=2_000)),
    ("more rows than the row cap", lambda: workbook(GOOD * 20), "more than 50 rows", Limits(max_rows=50)),
    ("10,000 rows, one bad row at the end", _big_with_bad_last_row, "Unknown donor", None),
]


@pytest.fixture
def corpus_ready(donors, rates, finance):  # type: ignore[no-untyped-def]
    return finance


def _check(session, finance, name, build, phrase, limits):  # type: ignore[no-untyped-def]
    data = build()
    before = row_counts(session)
    events = session.query(AuditEvent).count()
    started = time.perf_counter()
    report = dry_run(session, "pledges", data, actor=finance, filename=f"{name}.xlsx",
                     limits=limits or Limits())
    elapsed = time.perf_counter() - started
    assert not report.ok, name
    messages = " | ".join(str(p) for p in report.problems)
    assert phrase in messages, f"{name}: {messages[:600]}"
    assert row_counts(session) == before, name
    assert session.query(AuditEvent).count() == events + 1  # the dry run's one audit event, nothing else
    with pytest.raises(ImportRefused) as refused:
        commit_import(session, "pledges", data, actor=finance, limits=limits or Limits())
    assert phrase in " | ".join(str(p) for p in refused.value.report.problems)
    assert refused.value.report.committed is False
    assert row_counts(session) == before, name
    return report, elapsed


# The 10,000-row file runs once, with its timing, in test_corpus_figure.
SMALL = [c for c in CORPUS if not c[0].startswith("10,000")]


@pytest.mark.parametrize(("name", "build", "phrase", "limits"), SMALL, ids=[c[0] for c in SMALL])
def test_hostile_file_is_refused_and_writes_nothing(session, corpus_ready, name, build, phrase, limits):  # type: ignore[no-untyped-def]
    report, _ = _check(session, corpus_ready, name, build, phrase, limits)
    print(f"\n{name}: {' | '.join(str(p) for p in report.problems)[:300]}")


@pytest.mark.slow
def test_corpus_figure(session, corpus_ready):  # type: ignore[no-untyped-def]
    """The figure for the note: every file of the corpus refused, nothing written."""
    refused = 0
    for name, build, phrase, limits in CORPUS:
        report, elapsed = _check(session, corpus_ready, name, build, phrase, limits)
        refused += 1
        if name.startswith("10,000"):
            # All 10,000 rows were read and run through the services; only the last one is refused.
            assert [p.row for p in report.problems] == [10_001]
            assert report.counts["add"] == 9_999
            print(f"\n10,000-row file: dry run in {elapsed:.1f} s")
    print(f"\nhostile corpus: {refused} rejected of {len(CORPUS)}")
    assert refused == len(CORPUS)


def test_zip_bomb_is_refused_before_inflating(session, corpus_ready):  # type: ignore[no-untyped-def]
    """Refused from the zip directory alone: well under the time needed to inflate 300 MB."""
    bomb = zip_bomb(_valid())
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        info = archive.getinfo(SHEET)
    assert info.file_size > 300_000_000 and info.compress_size < 1_000_000
    started = time.perf_counter()
    report = dry_run(session, "pledges", bomb, actor=corpus_ready)
    assert time.perf_counter() - started < 1.0
    assert "zip bomb" in (report.refused or "")


def test_external_entity_is_never_fetched(session, corpus_ready, tmp_path):  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    report = dry_run(session, "pledges", external_entity(_valid(), secret.as_uri()), actor=corpus_ready)
    assert report.refused and "entities" in report.refused
    assert "TOP-SECRET-VALUE" not in str(report.to_dict())


def test_shared_strings_unchanged_by_corpus_builders():
    """The hostile builders really change the parts they claim to (guards the corpus itself)."""
    valid = _valid()
    assert b"<!DOCTYPE" in parts(billion_laughs(valid))[STRINGS]
    assert b"<!DOCTYPE" in parts(external_entity(valid))[STRINGS]
    assert b'<dimension ref="A1:Q2"/>' in parts(_lying_dimension())[SHEET]
