"""An independent engine: LibreOffice recalculates every formula total to the database figure."""

from __future__ import annotations

import csv
import os
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from fundtracker.exports.services import WORKBOOK_NAMES
from fundtracker.exports.xlsx import MONEY, SUM, Column, Formula, XlsxStream

from ..support import SHARED_DATA, need_libreoffice
from .test_workbooks import export_case

CENT = Decimal("0.01")


def recalculate(workbook: Path, tmp_path: Path) -> Path:
    """One LibreOffice conversion with its own profile and HOME; one CSV per sheet, formulas recalculated."""
    need_libreoffice()
    out, home = tmp_path / "csv", tmp_path / "home"
    out.mkdir()
    home.mkdir()
    subprocess.run(
        ["bash", str(SHARED_DATA / "libreoffice" / "lo_recalc_to_csv.sh"), str(workbook), str(out)],
        env={**os.environ, "HOME": str(home)},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def to_cent(text: str) -> Decimal:
    return Decimal(text).quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("name", WORKBOOK_NAMES)
def test_every_formula_total_recalculates_to_the_database_figure(session, books, name, tmp_path):  # type: ignore[no-untyped-def]
    data, want = export_case(session, books, name)
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(data)
    out = recalculate(path, tmp_path)
    for sheet, sheet_want in want.items():
        rows = read_csv(out / f"{name}-{sheet}.csv")
        header, total = rows[0], rows[sheet_want["rows"] + 1]
        assert len(rows) == sheet_want["rows"] + 2, sheet
        for column, value in sheet_want["totals"].items():
            got = total[header.index(column)]
            if isinstance(value, Decimal):
                # To the cent, and no floating-point dust beyond it either.
                assert to_cent(got) == value and abs(Decimal(got) - value) < Decimal("0.000001"), (
                    sheet,
                    column,
                    got,
                )
            else:
                assert Decimal(got) == value, (sheet, column, got)
        if "Total USD" in header and sheet.endswith("by year"):
            index = header.index("Total USD")
            for row in rows[1:-1]:
                assert to_cent(row[index]) == sum((Decimal(v or "0") for v in row[1:index]), Decimal(0))


def test_hostile_names_stay_text_in_libreoffice(session, books, tmp_path):  # type: ignore[no-untyped-def]
    data, _ = export_case(session, books, "general-ledger")
    path = tmp_path / "gl.xlsx"
    path.write_bytes(data)
    rows = read_csv(recalculate(path, tmp_path) / "gl-General ledger.csv")
    donors = {row[rows[0].index("Donor")] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x","y")' in donors and "'+1" in donors and "'@SUM(A1)" in donors
    assert "y" not in donors and "1" not in donors


def test_libreoffice_really_recalculates_rather_than_trusting_cached_values(tmp_path):  # type: ignore[no-untyped-def]
    book = XlsxStream()
    sheet = book.add_sheet("Sums", [Column("Label"), Column("USD", MONEY, total=SUM)])
    sheet.write_row(["a", Decimal("0.10")])
    sheet.write_row(["b", Decimal("0.20")])
    sheet.write_row(["wrong cache", Formula("SUM(B2:B3)", Decimal("999.99"))])
    path = tmp_path / "cache.xlsx"
    path.write_bytes(b"".join([*book.finish()]))
    rows = read_csv(recalculate(path, tmp_path) / "cache-Sums.csv")
    assert rows[3][1] == "0.3"
