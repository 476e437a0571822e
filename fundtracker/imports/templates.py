"""Import templates for download: headings, an example row, drop-down lists fed by a hidden sheet."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..auth.models import PROJECT_OFFICER, User
from ..auth.permissions import Actor
from ..contributions.models import SOURCES_OF_FUNDS
from ..donors.models import Donor
from ..projects.models import PROJECT_STATUSES, THEMES, Project
from ..reference.models import Country, Currency, ImplementingEntity, Instrument
from .base import EXAMPLE_KEY
from .cells import Column, as_date
from .limits import DEFAULT_LIMITS
from .pledges import EARMARK_LEVELS, STATUSES
from .services import SHEET_HANDLERS, authorise_import

LISTS_SHEET = "Lists"
HEADING_FONT = Font(bold=True, color="FFFFFF")
HEADING_FILL = PatternFill("solid", fgColor="1F4E79")
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
DATE_FORMAT = "yyyy-mm-dd"
# Characters openpyxl cannot store; they never belong in a name anyway.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def put(ws: Worksheet, row: int, col: int, value: Any) -> XlCell:
    """Write a value; text is stored as text, so a name such as "=HYPERLINK(...)" never becomes a formula."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = ILLEGAL.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def code_lists(session: Session, actor: Actor | None) -> dict[str, list[str]]:
    """Every list a template's drop-downs may use; a project officer sees only their own projects."""
    projects = select(Project.code).order_by(Project.code)
    if actor is not None and actor.role == PROJECT_OFFICER:
        projects = projects.where(Project.officer_id == actor.id)
    regions = session.execute(select(Country.region, Country.subregion)).all()
    return {
        "donors": list(session.execute(select(Donor.name).order_by(Donor.name)).scalars()),
        "currencies": list(session.execute(select(Currency.code).order_by(Currency.code)).scalars()),
        "statuses": list(STATUSES),
        "earmark_levels": list(EARMARK_LEVELS),
        "instruments": list(session.execute(select(Instrument.code).order_by(Instrument.id)).scalars()),
        "themes": list(THEMES),
        "regions": sorted({name for pair in regions for name in pair if name}),
        "countries": [f"{iso3} - {name}" for iso3, name in
                      session.execute(select(Country.iso3, Country.name).order_by(Country.iso3))],
        "projects": list(session.execute(projects).scalars()),
        "sources_of_funds": list(SOURCES_OF_FUNDS),
        "entities": list(session.execute(
            select(ImplementingEntity.acronym).order_by(ImplementingEntity.acronym)).scalars()),
        "officers": list(session.execute(select(User.email).where(User.role == PROJECT_OFFICER, or_(
            User.active.is_(True), User.active.is_(None))).order_by(User.email)).scalars()),
        "project_statuses": list(PROJECT_STATUSES),
    }


def _example(column: Column, lists: dict[str, list[str]]) -> Any:
    value = column.example
    if column.choices in ("donors", "projects") and lists.get(column.choices):
        return lists[column.choices][0]
    if column.parse is as_date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if column.field in ("amount", "psc_rate") and isinstance(value, str):
        return Decimal(value)
    return value


def build_template(session: Session, kind: str, *, actor: Actor | None = None) -> bytes:
    """The .xlsx template of one kind; with an actor, only for someone allowed to import that kind."""
    if actor is not None:
        authorise_import(actor, kind)
    if kind not in SHEET_HANDLERS:
        raise ValueError(f"no spreadsheet template for {kind!r}")
    handler = SHEET_HANDLERS[kind]
    columns = handler.columns
    lists = code_lists(session, actor)
    used = [name for name in dict.fromkeys(c.choices for c in columns) if name]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = handler.title
    list_sheet = workbook.create_sheet(LISTS_SHEET)
    help_sheet = workbook.create_sheet("Instructions")

    ranges: dict[str, str] = {}
    for index, name in enumerate(used, start=1):
        letter = get_column_letter(index)
        put(list_sheet, 1, index, name.replace("_", " "))
        for offset, value in enumerate(lists[name], start=2):
            put(list_sheet, offset, index, value)
        if lists[name]:
            ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(lists[name]) + 1}"
    list_sheet.sheet_state = "hidden"

    last_row = DEFAULT_LIMITS.max_rows + 1
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        heading = put(sheet, 1, index, column.heading)
        heading.font, heading.fill = HEADING_FONT, HEADING_FILL
        heading.alignment = Alignment(wrap_text=True, vertical="top")
        need = "Required. " if column.required else "Optional. "
        heading.comment = Comment(need + column.help, "fundtracker")
        sheet.column_dimensions[letter].width = column.width
        example = put(sheet, 2, index, _example(column, lists))
        example.font = EXAMPLE_FONT
        if column.parse is as_date:
            example.number_format = DATE_FORMAT
            sheet.column_dimensions[letter].number_format = DATE_FORMAT
        elif column.field in ("key", "pledge", "code", "reference"):
            sheet.column_dimensions[letter].number_format = "@"  # keep "00123" a text key
        if column.choices in ranges:
            strict = column.choices != "countries"  # "KEN" alone is accepted too, so only warn
            validation = DataValidation(
                type="list", formula1=ranges[column.choices], allow_blank=True, showErrorMessage=True,
                errorStyle="stop" if strict else "warning", errorTitle=column.heading,
                error=f"Choose a value from the list ({column.choices.replace('_', ' ')}).",
                promptTitle=column.heading, prompt=column.help[:250], showInputMessage=True)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32

    notes = [
        f"How to fill in the {kind} template",
        "",
        "Row 1 holds the headings: keep them exactly as they are. Row 2 is an example: its key is "
        f"{EXAMPLE_KEY}, "
        "so it is skipped on import; overwrite it or leave it.",
        "Dates must be real date cells (type 2026-04-03 in a cell formatted as a date), not text.",
        "Amounts: digits and a decimal point only, never more decimals than the currency has.",
        "Formulas are refused: paste values only. At most "
        f"{DEFAULT_LIMITS.max_rows:,} rows per file.",
        "Import first as a dry run: it lists every problem by row and cell and writes nothing. The import "
        "itself then writes every row or none.",
        "",
        "Column | Required | What to enter",
    ]
    notes += [f"{c.heading} | {'yes' if c.required else 'no'} | {c.help}" for c in columns]
    for offset, line in enumerate(notes, start=1):
        put(help_sheet, offset, 1, line)
    help_sheet["A1"].font = Font(bold=True, size=13)
    help_sheet.column_dimensions["A"].width = 140

    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
