"""Turns the public facts in ../shared/data into the project's own seed files (run by hand; outputs committed).

python seed/build_reference.py [../shared/data]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "reference"

# ISO 4217 minor units for codes that no country row in datasets/country-codes carries.
# Codes with "N.A." minor units (precious metals, XDR, test and bond-market units) are left out: the Fund
# never books money in them.
EXTRA_EXPONENTS = {"TRY": 2, "CHE": 2, "CHW": 2, "CLF": 4, "BOV": 2, "COU": 2, "MXV": 2, "USN": 2, "UYI": 0}
STATUS = {
    "Developing economies": "developing",
    "Economies in transition": "transition",
    "Developed economies": "developed",
    "Not classified in WESP": "not_classified",
}
WESP_EDITION_DATE = "2020-01-01"  # the WESP 2020 statistical annex


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (OUT / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main(data: Path) -> None:
    OUT.mkdir(exist_ok=True)
    codes = read(data / "countries/datasets-country-codes.csv")
    exponents: dict[str, int] = {}
    names_by_iso3: dict[str, dict[str, str]] = {}
    for row in codes:
        alpha = row["ISO4217-currency_alphabetic_code"].split(",")
        minor = row["ISO4217-currency_minor_unit"].split(",")
        for code, unit in zip(alpha, minor, strict=False):
            if code.strip() and unit.strip().isdigit():
                exponents.setdefault(code.strip(), int(unit.strip()))
        names_by_iso3[row["ISO3166-1-Alpha-3"]] = row
    exponents.update(EXTRA_EXPONENTS)
    currencies = [
        [r["alpha_3"], r["name"], exponents[r["alpha_3"]]]
        for r in read(data / "fx/iso4217_pycountry.csv")
        if r["alpha_3"] in exponents
    ]
    write("currencies.csv", ["code", "name", "exponent"], currencies)

    countries = []
    for r in read(data / "countries/wesp_country_classification.csv"):
        names = names_by_iso3.get(r["iso3"], {})
        countries.append(
            [
                r["iso3"],
                r["iso2"],
                r["m49"],
                r["name_m49"],
                names.get("UNTERM French Short") or r["name_m49"],
                names.get("UNTERM Spanish Short") or r["name_m49"],
                r["m49_region"],
                r["m49_subregion"],
                int(bool(r["ldc"])),
                int(bool(r["lldc"])),
                int(bool(r["sids"])),
                STATUS[r["wesp_group"]],
                WESP_EDITION_DATE,
            ]
        )
    write(
        "countries.csv",
        [
            "iso3",
            "iso2",
            "m49",
            "name",
            "name_fr",
            "name_es",
            "region",
            "subregion",
            "ldc",
            "lldc",
            "sids",
            "status",
            "status_from",
        ],
        countries,
    )

    codes_by_no = {"XVIII-12": "UNTOC", "XVIII-12-a": "TIP", "XVIII-12-b": "SOM", "XVIII-12-c": "FIREARMS"}
    write(
        "instruments.csv",
        ["code", "treaty_no", "short_name", "title", "adopted", "entry_into_force"],
        [
            [
                codes_by_no[r["untc_mtdsg_no"]],
                r["untc_mtdsg_no"],
                r["short_name"],
                r["title"],
                r["adopted"],
                r["entry_into_force"],
            ]
            for r in read(data / "untoc/untoc_instruments.csv")
        ],
    )
    write(
        "implementing_entities.csv",
        ["acronym", "name", "city", "country_iso3", "kind"],
        [
            [r["acronym"], r["name"], r["city"], r["country_iso3"], r["type"]]
            for r in read(data / "pni/pni_institutes.csv")
        ],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared" / "data")
