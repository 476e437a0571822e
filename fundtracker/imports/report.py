"""The import report: per row whether it adds, updates or is unchanged, and every problem by row and cell."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import InvalidInput


class Action(StrEnum):
    ADD = "add"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    ERROR = "error"


ACTION_WORDS = {
    Action.ADD: "adds", Action.UPDATE: "updates", Action.UNCHANGED: "unchanged", Action.SKIP: "skipped",
    Action.ERROR: "refused",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, placed by row (as the spreadsheet numbers it), column heading and cell."""

    message: str
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    label: str = "Row"  # "Record" in an XML rates file, "Line" in a CSV one

    def where(self) -> str:
        if self.row is None:
            return "File"
        place = f"{self.label} {self.row}"
        if self.column:
            place += f", {self.column}"
            if self.cell:
                place += f" ({self.cell})"
        return place

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "cell": self.cell, "message": self.message,
                "where": self.where()}


@dataclass(slots=True)
class RowResult:
    row: int
    action: Action = Action.ADD
    key: str | None = None
    summary: str = ""
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    label: str = "Row"

    def refuse(self, message: str, column: str | None = None, cell: str | None = None) -> None:
        self.problems.append(Problem(message, self.row, column, cell, self.label))
        self.action = Action.ERROR

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "label": self.label, "action": str(self.action), "key": self.key,
                "summary": self.summary, "changes": list(self.changes),
                "problems": [p.to_dict() for p in self.problems]}


@dataclass(slots=True)
class ImportReport:
    """What an import did or would do. `ok` is True only when every row can be written."""

    kind: str
    sha256: str
    filename: str | None = None
    committed: bool = False
    refused: str | None = None  # why the whole file was refused before any row was looked at
    rows: list[RowResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.refused is None and bool(self.rows) and all(r.action != Action.ERROR for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.action for r in self.rows)
        return {str(a): counted.get(a, 0) for a in Action}

    @property
    def problems(self) -> list[Problem]:
        found = [Problem(self.refused)] if self.refused else []
        for row in self.rows:
            found.extend(row.problems)
        return found

    def headline(self) -> str:
        if self.refused:
            return f"The file was refused: {self.refused}"
        c = self.counts
        if self.committed:
            text = (f"{len(self.rows):,} rows imported: {c['add']:,} added, {c['update']:,} updated, "
                    f"{c['unchanged']:,} unchanged, {c['skip']:,} skipped")
        else:
            text = (f"{len(self.rows):,} rows checked (dry run, nothing written): {c['add']:,} to add, "
                    f"{c['update']:,} to update, {c['unchanged']:,} unchanged, {c['skip']:,} skipped")
        if c["error"]:
            text += f", {c['error']:,} with problems: nothing can be imported until they are fixed"
        return text + "."

    def lines(self, *, all_rows: bool = False, limit: int = 200) -> list[str]:
        """The report as plain text lines (the CLI prints them; a page may too)."""
        out = [self.headline()]
        out += [f"Note: {note}" for note in self.notes]
        shown = 0
        for row in self.rows:
            if not all_rows and row.action != Action.ERROR:
                continue
            if shown >= limit:
                out.append(f"... and more rows; {self.counts['error']:,} rows have problems in all.")
                break
            shown += 1
            key = f" [{row.key}]" if row.key else ""
            out.append(f"{row.label} {row.row}{key}: {ACTION_WORDS[row.action]} {row.summary}".rstrip())
            out += [f"    {change}" for change in row.changes]
            out += [f"    - {p.column + ': ' if p.column else ''}{p.message}" for p in row.problems]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "filename": self.filename, "sha256": self.sha256, "ok": self.ok,
                "committed": self.committed, "refused": self.refused, "counts": self.counts,
                "notes": list(self.notes), "rows": [r.to_dict() for r in self.rows]}


class ImportRefused(InvalidInput):
    """commit_import found problems: nothing was written; `report` says what and where."""

    MAX_LISTED = 100

    def __init__(self, report: ImportReport) -> None:
        errors: dict[str, list[str]] = {}
        for problem in report.problems[: self.MAX_LISTED]:
            errors.setdefault(problem.where(), []).append(problem.message)
        super().__init__(errors, report.headline())
        self.report = report
