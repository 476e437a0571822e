"""Dry run and commit of an import: the same checks and services, then all rolled back or all kept."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from ..audit.services import record_event
from ..auth.models import PROJECT_OFFICER
from ..auth.permissions import MONEY_WRITERS, Actor
from ..errors import Conflict, DomainError, InvalidInput, PermissionDenied
from .base import EXAMPLE_KEY, Handler, RowInput, shown_key
from .cells import CellProblem, as_text
from .expenditures import ExpenditureHandler
from .limits import DEFAULT_LIMITS, FileRefused, Limits
from .payments import PaymentHandler
from .pledges import PledgeHandler
from .projects import ProjectHandler
from .rates import RateHandler, read_rates, rows_of
from .report import Action, ImportRefused, ImportReport, RowResult
from .xlsx import Row, Sheet, column_letters, dimension_last_row, read_sheet

SHEET_HANDLERS: dict[str, type[Handler]] = {
    h.kind: h for h in (PledgeHandler, PaymentHandler, ProjectHandler, ExpenditureHandler)
}
HANDLERS: dict[str, type[Handler]] = {**SHEET_HANDLERS, "rates": RateHandler}
KINDS = tuple(HANDLERS)
SHEET_KINDS = tuple(SHEET_HANDLERS)

Progress = Callable[[int, int], None]


def authorise_import(actor: Actor, kind: str) -> None:
    """Finance and administrators import every kind; a project officer only expenditure (on own projects)."""
    if kind not in HANDLERS:
        raise InvalidInput.field("kind", f"\"{kind}\" is not something that can be imported; choose one of: "
                                         f"{', '.join(KINDS)}.")
    if actor.role in MONEY_WRITERS:
        return
    if actor.role == PROJECT_OFFICER and kind == "expenditures":
        return
    raise PermissionDenied("Only finance officers and administrators can import this; project officers can "
                           "import the expenditure of their own projects.")


def _normal(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _headings(row: Row) -> list[str | None]:
    width = max(row.cells) + 1 if row.cells else 0
    out: list[str | None] = []
    for index in range(width):
        cell = row.cells.get(index)
        try:
            out.append(as_text(cell, 500) if cell is not None else None)
        except CellProblem:
            out.append(cell.text if cell is not None else None)
    while out and not out[-1]:
        out.pop()
    return out


def check_headings(handler: type[Handler], sheet: Sheet) -> None:
    """Wrong template, shifted or renamed columns: refuse the file with a message that says which."""
    kind = handler.kind
    expected = [c.heading for c in handler.columns]
    if not sheet.rows:
        raise FileRefused(f"The sheet \"{sheet.name}\" is empty. The first row must hold the headings of "
                          f"the {kind} template ({', '.join(expected)}) and the rows below it the {kind} to "
                          "import.")
    first = sheet.rows[0]
    if first.number != 1:
        raise FileRefused(f"Row 1 of the sheet \"{sheet.name}\" is empty; it must hold the headings of the "
                          f"{kind} template: {', '.join(expected)}.")
    found = _headings(first)
    if [_normal(h) for h in found] == [_normal(h) for h in expected]:
        return
    for other in SHEET_HANDLERS.values():
        theirs = [_normal(c.heading) for c in other.columns]
        if other is not handler and [_normal(h) for h in found] == theirs:
            raise FileRefused(f"This is the {other.kind} template, not the {kind} one. Import it as "
                              f"{other.kind}, or download the {kind} template and fill that in.")
    detail = ""
    for index, heading in enumerate(expected):
        got = found[index] if index < len(found) else None
        if _normal(got) != _normal(heading):
            shown = "empty" if not got else f"\"{got}\""
            detail = f"column {column_letters(index)} should be headed \"{heading}\" but is {shown}"
            break
    else:
        detail = f"column {column_letters(len(expected))} (\"{found[len(expected)]}\") is not in the template"
    raise FileRefused(f"This is not the {kind} template as fundtracker offers it: {detail}. Row 1 must read: "
                      f"{', '.join(expected)}. Download the {kind} template and copy your rows into it.")


def sheet_inputs(handler: type[Handler], sheet: Sheet, report: ImportReport) -> list[RowInput]:
    """Every data row with its cells read by column type; blank rows dropped, the example row skipped."""
    check_headings(handler, sheet)
    declared = dimension_last_row(sheet.declared_dimension)
    if declared is not None and declared < sheet.last_row:
        report.notes.append(f"The sheet declares its size as {sheet.declared_dimension} but holds rows down "
                            f"to row {sheet.last_row}; every row was read.")
    columns = handler.columns
    inputs = []
    for row in sheet.rows[1:]:
        result = RowResult(row.number)
        values, cells = {}, {}
        for index, column in enumerate(columns):
            cell = row.cells.get(index)
            if cell is None:
                continue
            try:
                value = column.parse(cell)
            except CellProblem as problem:
                cells[column.field] = cell.ref
                result.refuse(problem.message, column.heading, cell.ref)
                continue
            if value in ("", None, []):
                continue
            cells[column.field], values[column.field] = cell.ref, value
        extra = sorted((i, c.ref) for i, c in row.cells.items() if i >= len(columns))
        refs = [ref for _, ref in extra] + ([row.beyond] if row.beyond else [])
        if not values and not refs and not result.problems:
            continue
        for ref in refs:
            result.refuse(f"Cell {ref} holds data in a column that has no heading in the template; move it "
                          "to the right column or delete it.", None, ref)
        key = values.get(handler.key_field or "")
        if isinstance(key, str) and key.upper() == EXAMPLE_KEY and not refs:
            result.action, result.problems, result.summary = Action.SKIP, [], "the template's example row"
        inputs.append(RowInput(row.number, values, cells, result))
    if not inputs:
        raise FileRefused(f"The sheet \"{sheet.name}\" has the headings but no rows to import.")
    return inputs


def _apply(session: Session, handler: Handler, row: RowInput) -> None:
    """One row through the services in its own savepoint, so that a refusal leaves no trace for later rows."""
    savepoint = session.begin_nested()
    try:
        handler.apply(row)
    except DomainError as exc:
        savepoint.rollback()
        handler.service_problem(row, exc)
        return
    except IntegrityError:
        savepoint.rollback()
        handler.problem(row, None, "This row clashes with a record saved at the same moment by someone else "
                                   "(the same key or code). Check the file again.")
        return
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()


def _evaluate(session: Session, handler: Handler, inputs: list[RowInput], progress: Progress | None, *,
              stop_early: bool, limits: Limits) -> SessionTransaction | None:
    """Resolve, preload and classify every row, then apply them in one savepoint the caller keeps or drops.

    With `stop_early` (a commit), rows that already failed the checks needing no service mean nothing could be
    written, so the services are not run at all.
    """
    for row in inputs:
        if row.result.action != Action.SKIP:
            handler.resolve(row)
    live = [r for r in inputs if not r.failed and r.result.action != Action.SKIP]
    handler.preload(live)
    for row in live:
        if not row.failed:
            handler.classify(row)
    if stop_early and any(r.failed for r in inputs):
        return None
    outer = session.begin_nested()
    deadline = time.monotonic() + limits.max_seconds
    try:
        total = len(inputs)
        for done, row in enumerate(inputs, start=1):
            if time.monotonic() > deadline:
                where = f"at row {row.number} of {inputs[-1].number}"
                raise FileRefused(f"Checking stopped after {limits.max_seconds:g} seconds, {where}: the file "
                                  "is too large to check here. Split it into smaller files, or ask an "
                                  "administrator to run it with `flask import`.")
            if not row.failed and row.result.action in (Action.ADD, Action.UPDATE):
                _apply(session, handler, row)
            if progress is not None:
                progress(done, total)
    except BaseException:
        outer.rollback()
        raise
    return outer


def _run(session: Session, kind: str, data: bytes, actor: Actor, filename: str | None, limits: Limits,
         progress: Progress | None, *, stop_early: bool) -> tuple[ImportReport, SessionTransaction | None]:
    report = ImportReport(kind, hashlib.sha256(data).hexdigest(), filename)
    handler_type = HANDLERS[kind]
    try:
        if kind == "rates":
            inputs = list(rows_of(read_rates(data, limits)))
        else:
            sheet = read_sheet(data, preferred=handler_type.title, limits=limits)
            inputs = sheet_inputs(handler_type, sheet, report)
    except FileRefused as refused:
        report.refused = refused.message
        return report, None
    handler = handler_type(session, actor)
    try:
        outer = _evaluate(session, handler, inputs, progress, stop_early=stop_early, limits=limits)
    except FileRefused as refused:  # the time bound: everything of the run was rolled back
        report.refused = refused.message
        return report, None
    for row in inputs:
        row.result.key = shown_key(row.result.key)  # what the person wrote (or "#..." for a computed key)
    report.rows = [row.result for row in inputs]
    return report, outer


def _audit(session: Session, actor: Actor, action: str, report: ImportReport) -> None:
    record_event(session, actor, action, "import", report.sha256[:40], after={
        "kind": report.kind, "filename": (report.filename or "")[:200], "sha256": report.sha256,
        "rows": len(report.rows), **report.counts, "refused": report.refused,
    })


def dry_run(
    session: Session, kind: str, file_bytes: bytes, *, actor: Actor, filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None,
) -> ImportReport:
    """Check a file exactly as a commit would (services run inside a savepoint), then roll everything back.

    Writes only one audit event (import.dry_run) with the counts; the caller commits that.
    """
    authorise_import(actor, kind)
    report, outer = _run(session, kind, file_bytes, actor, filename, limits, progress, stop_early=False)
    if outer is not None:
        outer.rollback()
    _audit(session, actor, "import.dry_run", report)
    return report


def commit_import(
    session: Session, kind: str, file_bytes: bytes, *, actor: Actor, filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None, expected_sha256: str | None = None,
) -> ImportReport:
    """Write every row or none: any problem raises ImportRefused (with the report) and nothing stays written.

    When a row already fails the checks that need no service, the services are not run (nothing could be
    written anyway), so a refused commit may list fewer problems than the dry run, which always runs them all.

    On success the rows and one import.commit audit event are flushed, not committed: the caller commits once.
    `expected_sha256` (from the dry run's report) makes sure the file committed is the one that was checked.
    """
    authorise_import(actor, kind)
    if expected_sha256 is not None and hashlib.sha256(file_bytes).hexdigest() != expected_sha256:
        raise Conflict("This file is not the one that was checked in the dry run; check it again before "
                       "importing.")
    report, outer = _run(session, kind, file_bytes, actor, filename, limits, progress, stop_early=True)
    if outer is None or not report.ok:
        if outer is not None:
            outer.rollback()
        _audit(session, actor, "import.refused", report)
        raise ImportRefused(report)
    outer.commit()
    report.committed = True
    _audit(session, actor, "import.commit", report)
    return report
