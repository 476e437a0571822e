"""The .xlsx reader (every row, dates, text forms, XML safety) and the templates it reads back."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from defusedxml import DTDForbidden
from defusedxml.ElementTree import fromstring
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from fundtracker.imports import Action, FileRefused, build_template, commit_import, dry_run
from fundtracker.imports.xlsx import DATE, FORMULA, NUMBER, TEXT, read_sheet

from ..support import need_libreoffice
from .files import (
    BILLION_LAUGHS,
    SHEET,
    STRINGS,
    fill_template,
    lying_dimension,
    parts,
    pledge_row,
    replace_part,
    workbook,
)


def rows_of(data: bytes) -> list[dict[int, tuple[str, str]]]:
    return [{i: (c.kind, c.text) for i, c in row.cells.items()} for row in read_sheet(data).rows]


def test_a_lying_dimension_does_not_truncate_the_sheet(session, finance, donors, rates):
    rows = [pledge_row("Germany", f"{10 + i}.00", key=f"D{i}", currency="EUR") for i in range(40)]
    data = lying_dimension(workbook(rows), "A1:Q2")
    # openpyxl's read-only mode trusts the tag and would hand over only one data row ...
    trusting = load_workbook(io.BytesIO(data), read_only=True).active
    assert trusting.max_row == 2
    # ... whereas the import reads all 40, and says the tag lied.
    report = commit_import(session, "pledges", data, actor=finance)
    assert report.counts["add"] == 40
    assert report.notes == ["The sheet declares its size as A1:Q2 but holds rows down to row 41; every row "
                            "was read."]


def test_cells_by_kind_and_dates_in_both_calendars():
    for epoch in (None, CALENDAR_MAC_1904):
        book = Workbook()
        if epoch:
            book.epoch = epoch
        sheet = book.active
        sheet.append(["text", 12.5, dt.date(2026, 4, 3), "=SUM(B1:B1)", True, 2026])
        sheet["C1"].number_format = "dd/mm/yyyy"
        stream = io.BytesIO()
        book.save(stream)
        cells = read_sheet(stream.getvalue()).rows[0].cells
        assert (cells[0].kind, cells[0].text) == (TEXT, "text")
        assert (cells[1].kind, cells[1].text) == (NUMBER, "12.5")
        assert cells[2].kind == DATE and cells[2].when == dt.datetime(2026, 4, 3)
        assert (cells[3].kind, cells[3].text) == (FORMULA, "=SUM(B1:B1)")
        assert cells[5].kind == NUMBER


def test_rich_text_phonetic_runs_and_escapes_in_shared_strings():
    data = workbook([["plain"]], ["Key"], shared_strings=True)
    strings = parts(data)[STRINGS].replace(
        b"<si><t>plain</t></si>",
        b"<si><r><rPr><b/></rPr><t>Ger</t></r><r><t>many</t></r><rPh sb=\"0\" eb=\"1\"><t>X</t></rPh></si>")
    strings = strings.replace(b"<si><t>Key</t></si>", b"<si><t>Line_x000D_break</t></si>")
    texts = rows_of(replace_part(data, STRINGS, strings))
    assert texts[0][0] == (TEXT, "Line\rbreak")
    assert texts[1][0] == (TEXT, "Germany")


def test_cells_without_references_are_placed_in_order():
    data = workbook([["a", "b", "c"]], ["Key", "Donor", "Date"])
    sheet = parts(data)[SHEET]
    import re

    stripped = re.sub(rb' r="[A-Z]+2"', b"", sheet)
    assert rows_of(replace_part(data, SHEET, stripped))[1] == {0: (TEXT, "a"), 1: (TEXT, "b"), 2: (TEXT, "c")}


def test_the_data_sheet_is_found_by_name_even_when_not_first(session, finance, donors, rates):
    book = Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "Read me first"
    sheet = book.create_sheet("Pledges")
    from .files import PLEDGE_HEADINGS

    sheet.append(PLEDGE_HEADINGS)
    sheet.append(pledge_row("Germany", "5.00", currency="EUR"))
    sheet["C2"].number_format = "yyyy-mm-dd"
    stream = io.BytesIO()
    book.save(stream)
    assert dry_run(session, "pledges", stream.getvalue(), actor=finance).counts["add"] == 1


def test_text_dates_times_and_implausible_dates_are_refused(session, finance, donors, rates):
    rows = [pledge_row("Germany", "1.00", currency="EUR", on=dt.datetime(2026, 4, 3, 14, 30)),
            pledge_row("Germany", "2.00", currency="EUR", on=dt.date(1900, 1, 5))]
    found = {p.row: p.message for p in dry_run(session, "pledges", workbook(rows), actor=finance).problems}
    assert "with a time of day" in found[2]
    assert "1900-01-05 is not a plausible date" in found[3]


def test_any_dtd_is_refused_so_no_entity_is_ever_expanded():
    """The proof behind the reader: defusedxml with forbid_dtd refuses every DTD, in any part of a package."""
    with pytest.raises(DTDForbidden):
        fromstring(BILLION_LAUGHS + b"<r>&lol9;</r>", forbid_dtd=True)
    with pytest.raises(FileRefused):
        read_sheet(replace_part(workbook([["x"]], ["Key"]), "xl/styles.xml",
                                b'<!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/hostname">]><styleSheet>&e;</styleSheet>'))


def test_a_number_key_stays_as_written(session, finance, donors, rates):
    report = dry_run(session, "pledges", workbook([pledge_row("Germany", "3.00", currency="EUR", key=2026)]),
                     actor=finance)
    assert report.rows[0].key == "2026"


def test_templates_have_headings_example_lists_and_validations(session, finance, donors, make):
    make.project(code="KEN/2026/01")
    make.donor("=HYPERLINK(\"http://example.org\",\"click\")")
    for kind in ("pledges", "payments", "projects", "expenditures"):
        data = build_template(session, kind, actor=finance)
        book = load_workbook(io.BytesIO(data))
        sheet, lists = book.worksheets[0], book["Lists"]
        assert lists.sheet_state == "hidden"
        assert sheet.freeze_panes == "A2"
        headings = [c.value for c in sheet[1]]
        assert headings[0] in ("Key", "Project code")
        assert sheet.cell(row=2, column=1).value == "EXAMPLE"
        formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
        assert formulas and all(f.startswith("Lists!$") for f in formulas)
        # The template imports cleanly as it is: its one row is the example, which is skipped.
        report = dry_run(session, kind, data, actor=finance)
        assert report.ok and [r.action for r in report.rows] == [Action.SKIP]
    pledges = build_template(session, "pledges", actor=finance)
    with zipfile.ZipFile(io.BytesIO(pledges)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = b"".join(archive.read(n) for n in names)
    assert b"<f>" not in xml  # the donor named like a formula is text in the list, never a formula
    lists = load_workbook(io.BytesIO(pledges))["Lists"]
    donor_list = [c.value for c in lists["A"]]
    assert "=HYPERLINK(\"http://example.org\",\"click\")" in donor_list
    assert "KEN - Kenya" in [c.value for row in lists.iter_rows() for c in row]


def test_a_template_filled_and_saved_by_libreoffice_imports(session, finance, donors, rates, tmp_path: Path):
    soffice = need_libreoffice()
    filled = fill_template(build_template(session, "pledges", actor=finance), [
        pledge_row("Germany", "1250.5", key="LO-1", currency="EUR"),
        pledge_row("Japan", "300000", key="LO-2", currency="JPY", on=dt.date(2026, 7, 31))])
    source = tmp_path / "in" / "pledges.xlsx"
    source.parent.mkdir()
    source.write_bytes(filled)
    out = tmp_path / "out"
    profile = tmp_path / "profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    saved = (out / "pledges.xlsx").read_bytes()
    assert saved != filled
    report = commit_import(session, "pledges", saved, actor=finance)
    assert [(r.row, r.action) for r in report.rows] == [(2, Action.SKIP), (3, Action.ADD), (4, Action.ADD)]
