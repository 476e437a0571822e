"""Imports of pledges, payments, projects, expenditures (.xlsx) and UN rates: a dry run, then a commit."""

from __future__ import annotations

from .limits import FileRefused, Limits
from .report import Action, ImportRefused, ImportReport, Problem, RowResult
from .services import KINDS, commit_import, dry_run
from .templates import build_template

__all__ = [
    "KINDS", "Action", "FileRefused", "ImportRefused", "ImportReport", "Limits", "Problem", "RowResult",
    "build_template", "commit_import", "dry_run",
]
