"""/api/v1/projects: list, read (with beneficiaries, instruments, budget, figures), create, update, and add a
beneficiary country."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ...auth.models import ADMIN, FINANCE, PROJECT_OFFICER
from ...auth.permissions import require_project_editor
from ...errors import NotFound, PermissionDenied
from ...extensions import db
from ...ledger.queries import totals
from ...projects import services
from ..core import ApiBlueprint, action, actor
from ..queries.projects import get_project_rows, list_projects, related_of
from ..queries.scope import visible_donor
from ..render import json_response, list_response
from ..schemas.balances import figures_item
from ..schemas.projects import (
    BeneficiaryCreateSchema,
    BeneficiarySchema,
    ProjectCreateSchema,
    ProjectListArgs,
    ProjectSchema,
    ProjectUpdateSchema,
    beneficiary_item,
    budget_item,
    project_item,
)
from .common import LIST_HEADERS, created

blp = ApiBlueprint(
    "projects", __name__, "/projects", "Projects, their beneficiary countries, instruments and budget."
)
EDITORS = (ADMIN, FINANCE, PROJECT_OFFICER)


def project_body(project_id: int) -> dict[str, Any]:
    found = get_project_rows(db.session, actor(), project_id)
    row = found["row"]
    # A liaison sees only what its own donor's money did on the project.
    figures = totals(db.session, project_id=project_id, donor_id=visible_donor(actor()))
    return {
        **project_item(row, found["related"]),
        "description": row.description,
        "beneficiaries": [beneficiary_item(b) for b in found["beneficiaries"]],
        "budget": [budget_item(b) for b in found["budget"]],
        "figures": figures_item(figures),
    }


@blp.route("")
class Projects(MethodView):
    @action()
    @blp.arguments(ProjectListArgs, location="query", as_kwargs=True)
    @blp.response(200, ProjectSchema(many=True), headers=LIST_HEADERS)
    def get(self, **args: Any):
        """List projects (a liaison: those its donor's money funds)."""
        page = list_projects(db.session, actor(), args)
        related = related_of(db.session, [row.id for row in page.rows])
        return list_response(page, (project_item(row, related) for row in page.rows))

    @action(*EDITORS)
    @blp.arguments(ProjectCreateSchema, as_kwargs=True)
    @blp.response(201, ProjectSchema)
    def post(self, **data: Any):
        """Create a project; beneficiaries must be developing or transition economies on its start date."""
        data["budget"] = {b["year"]: b["amount"] for b in data.get("budget") or []}
        data["exceptions"] = {e["country_id"]: e["reason"] for e in data.get("exceptions") or []}
        project = services.create_project(db.session, actor=actor(), **data)
        return created(project_body(project.id), "projects.Project", project_id=project.id)


def may_edit(user: Any, project_id: int) -> None:
    """Only its officer, finance or an administrator changes a project: for anyone else no such form (404)."""
    project = services.get_project(db.session, project_id)
    try:
        require_project_editor(user, project.officer_id)
    except PermissionDenied:
        raise NotFound("This project does not exist, or you may not change it.") from None


@blp.route("/<id:project_id>")
class Project(MethodView):
    @action()
    @blp.response(200, ProjectSchema)
    def get(self, project_id: int):
        """One project with its beneficiaries, budget and figures."""
        return json_response(project_body(project_id))


@blp.route("/<id:project_id>", endpoint="ProjectUpdate")
class ProjectUpdate(MethodView):
    @action(*EDITORS, hidden=True, guard=may_edit)
    @blp.arguments(ProjectUpdateSchema, as_kwargs=True)
    @blp.response(200, ProjectSchema)
    def patch(self, project_id: int, **changes: Any):
        """Change the title, description, status, end date or revised budget (its officer, finance, admin)."""
        if "revised_budget" in changes:
            changes["revised_budget"] = {b["year"]: b["amount"] for b in changes["revised_budget"]}
        services.update_project(db.session, project_id, actor=actor(), **changes)
        return json_response(project_body(project_id))


@blp.route("/<id:project_id>/beneficiaries")
class ProjectBeneficiaries(MethodView):
    @action(*EDITORS, hidden=True, guard=may_edit)
    @blp.arguments(BeneficiaryCreateSchema, as_kwargs=True)
    @blp.response(201, BeneficiarySchema)
    def post(self, project_id: int, **data: Any):
        """Add a beneficiary country (eligible today, or with an administrator's exception)."""
        row = services.add_beneficiary(
            db.session,
            project_id,
            data["country_id"],
            actor=actor(),
            exception_reason=data.get("exception_reason"),
        )
        found = get_project_rows(db.session, actor(), project_id)
        added = next(b for b in found["beneficiaries"] if b.country_id == row.country_id)
        return json_response(beneficiary_item(added), status=201)
