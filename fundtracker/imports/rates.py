"""UN operational rates of exchange from the UN Treasury's XML feed or a CSV file, by currency and date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import ClassVar
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from sqlalchemy import select

from ..fx.models import ExchangeRate
from ..fx.services import RATE_PLACES, set_rate
from ..money import USD, decimal_places
from .base import Handler, RowInput, chunks
from .cells import Column
from .limits import FileRefused, Limits, human_size
from .report import Action, RowResult
from .xlsx import UNSAFE_XML

SOURCE = "UN Treasury operational rates (import)"
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
UN_DATE = re.compile(r"^([0-9]{1,2})[ -]([A-Za-z]{3})[A-Za-z]*\.?[ -]([0-9]{4})$")
# Column names accepted in a CSV file: the XML feed's field names, and the headings of the Treasury's page.
CSV_ALIASES = {
    "currency": ("f curr code", "currency code", "iso code", "iso currency code", "curr code", "code"),
    "effective_date": ("eff date", "effective date", "date"),
    "rate": ("rate", "operational rate", "un operational rate", "rate per usd", "units per usd",
             "exchange rate"),
    "name": ("name", "currency name", "currency"),
    "country": ("abbrv name", "country", "country/area", "country or area", "country name"),
}


@dataclass(frozen=True, slots=True)
class RateRecord:
    number: int  # record number in the XML, or line number in the CSV
    currency: str
    effective_date: str
    rate: str
    label: str  # country and currency name, for the report
    unit: str = "Record"


def parse_un_date(text: str) -> dt.date:
    """'01 Oct 2026' as published (English month abbreviations whatever the server's locale), or ISO 8601."""
    text = text.strip()
    match = UN_DATE.match(text)
    if match and match.group(2).lower() in MONTHS:
        return dt.date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
    iso = re.match(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(T[0-9:.]+(Z|[+-][0-9:]+)?)?$", text)
    if iso:
        return dt.date.fromisoformat(iso.group(1))
    raise ValueError(text)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def read_xml(data: bytes, limits: Limits) -> list[RateRecord]:
    """The feed starts with an inline xs:schema and a stray literal '\\r\\n' text: neither is a record."""
    try:
        root = safe_fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FileRefused(UNSAFE_XML.replace("a spreadsheet", "an exchange-rate file")) from exc
    except ParseError as exc:
        raise FileRefused(f"The file is not well-formed XML ({exc}).") from exc
    if _local(root.tag) != "UN_OPERATIONAL_RATES_DATASET":
        raise FileRefused(f"This XML file is not a UN operational rates file: its root element is "
                          f"<{_local(root.tag)}>, not <UN_OPERATIONAL_RATES_DATASET>.")
    records = []
    for element in root:
        if _local(element.tag) != "UN_OPERATIONAL_RATES":
            continue
        if len(records) >= limits.max_rate_records:
            raise FileRefused(f"The file holds more than {limits.max_rate_records:,} rates.")
        fields = {_local(child.tag): (child.text or "").strip() for child in element}
        records.append(RateRecord(len(records) + 1, fields.get("f_curr_code", ""), fields.get("eff_date", ""),
                                  fields.get("rate", ""),
                                  " / ".join(v for v in (fields.get("abbrv_name"), fields.get("name")) if v)))
    return records


def _normal(heading: str) -> str:
    return " ".join(heading.replace("_", " ").strip().casefold().split())


def read_csv(data: bytes, limits: Limits) -> list[RateRecord]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [_normal(h) for h in next(reader)]
    except StopIteration:
        raise FileRefused("The file is empty.") from None
    where: dict[str, int] = {}
    for name, aliases in CSV_ALIASES.items():
        for alias in aliases:
            if alias in header and header.index(alias) not in where.values():
                where[name] = header.index(alias)
                break
    missing = [n.replace("_", " ") for n in ("currency", "effective_date", "rate") if n not in where]
    if missing:
        wanted = " or the ".join(missing)
        raise FileRefused(f"This CSV file has no column for the {wanted}. Expected headings "
                          "such as f_curr_code (or Currency code), eff_date (or Effective date) and rate; "
                          f"found: {', '.join(header) or 'nothing'}.")
    records = []
    for line in reader:
        if not any(cell.strip() for cell in line):
            continue
        if len(records) >= limits.max_rate_records:
            raise FileRefused(f"The file holds more than {limits.max_rate_records:,} rates.")

        def cell(name: str, line: list[str] = line) -> str:
            index = where.get(name)
            return line[index].strip() if index is not None and index < len(line) else ""

        records.append(RateRecord(reader.line_num, cell("currency"), cell("effective_date"), cell("rate"),
                                  " / ".join(v for v in (cell("country"), cell("name")) if v), "Line"))
    return records


def read_rates(data: bytes, limits: Limits) -> list[RateRecord]:
    if len(data) > limits.max_rate_bytes:
        raise FileRefused(f"The file is {human_size(len(data))}; an exchange-rate file may be at most "
                          f"{human_size(limits.max_rate_bytes)}.")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK"):
        raise FileRefused("Exchange rates are imported from the UN Treasury's XML or CSV file, not a "
                          "workbook.")
    records = read_xml(data, limits) if head.startswith(b"<") else read_csv(data, limits)
    if not records:
        raise FileRefused("The file holds no exchange rates.")
    return records


def rows_of(records: list[RateRecord]) -> Iterator[RowInput]:
    for record in records:
        values = {"currency": record.currency, "effective_date": record.effective_date, "rate": record.rate,
                  "label": record.label}
        yield RowInput(record.number, values, {}, RowResult(record.number, label=record.unit))


class RateHandler(Handler):
    kind = "rates"
    title = "Rates"
    key_field = None
    columns: ClassVar[tuple[Column, ...]] = ()
    service_fields: ClassVar[dict[str, str]] = {"units_per_usd": "rate"}

    def __init__(self, session, actor) -> None:  # type: ignore[no-untyped-def]
        super().__init__(session, actor)
        self.existing: dict[tuple[str, dt.date], Decimal] = {}
        self.in_file: dict[tuple[str, dt.date], tuple[Decimal, int]] = {}

    def heading(self, name: str | None) -> str | None:
        return {"currency": "f_curr_code", "effective_date": "eff_date", "rate": "rate"}.get(name or "", name)

    def resolve(self, row: RowInput) -> None:
        plan = row.plan
        code = (row.get("currency") or "").upper()
        if not code:
            self.problem(row, "currency", "The currency code is missing.")
        elif code not in self.exponents:
            self.problem(row, "currency", f"\"{code}\" is not an ISO 4217 currency code known to the Fund.")
        try:
            plan["date"] = parse_un_date(row.get("effective_date") or "")
        except ValueError:
            self.problem(row, "effective_date", f"\"{row.get('effective_date')}\" is not a date such as 01 "
                                                "Oct 2026.")
        raw = row.get("rate") or ""
        try:
            rate = Decimal(raw)
            if not rate.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            hint = " (write it with a decimal point)" if "," in raw else ""
            self.problem(row, "rate", f"\"{raw}\" is not a rate{hint}.")
        else:
            if rate <= 0:
                self.problem(row, "rate", f"A rate must be a positive number of {code or 'currency'} units "
                                          f"per US dollar; {raw} is not.")
            elif decimal_places(rate) > RATE_PLACES:
                self.problem(row, "rate", f"A rate has at most {RATE_PLACES} decimal places; {raw} has more.")
            plan["rate"] = rate
        if row.failed:
            return
        label = f" ({row.get('label')})" if row.get("label") else ""
        row.result.summary = f"{code} {plan['rate']} per USD from {plan['date'].isoformat()}{label}"
        row.result.key = f"{code}@{plan['date'].isoformat()}"
        plan["currency"] = code
        if code == USD:
            if plan["rate"] != 1:
                self.problem(row, "rate", "The US dollar is the base currency; its rate is always 1.")
            else:
                row.result.action = Action.SKIP
                row.result.changes.append("the US dollar is the base currency: nothing to record")
            return
        earlier = self.in_file.setdefault((code, plan["date"]), (plan["rate"], row.number))
        if earlier[1] != row.number:
            if earlier[0] != plan["rate"]:
                self.problem(row, "rate", f"Record {earlier[1]} gives {code} the rate {earlier[0]} for the "
                                          "same date; one currency has one rate per date.")
            else:
                row.result.action = Action.SKIP
                row.result.changes.append(f"same rate as record {earlier[1]} (the currency of several "
                                          "countries)")

    def preload(self, rows: list[RowInput]) -> None:
        dates = sorted({r.plan["date"] for r in rows if "date" in r.plan})
        for part in chunks(dates):
            found = self.session.execute(select(ExchangeRate.currency, ExchangeRate.effective_date,
                                                ExchangeRate.units_per_usd)
                                         .where(ExchangeRate.effective_date.in_(part)))
            self.existing.update({(c, d): r for c, d, r in found})

    def classify(self, row: RowInput) -> None:
        if row.result.action == Action.SKIP:
            return
        plan = row.plan
        recorded = self.existing.get((plan["currency"], plan["date"]))
        if recorded is None:
            row.result.action = Action.ADD
        elif recorded == plan["rate"]:
            row.result.action = Action.UNCHANGED
        else:
            row.result.action = Action.UPDATE
            row.result.changes.append(f"rate: {recorded} -> {plan['rate']} (a correction; rates already "
                                      "used by posted records stay as they were)")

    def apply(self, row: RowInput) -> None:
        plan = row.plan
        # New rates are covered by the import's own audit event; a correction keeps its own before/after.
        set_rate(self.session, plan["currency"], plan["date"], plan["rate"], actor=self.actor, source=SOURCE,
                 audit=row.result.action == Action.UPDATE)
