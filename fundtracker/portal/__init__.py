"""The HTML door: the "portal" blueprint, its navigation and its error pages.

Views live in modules of this package that attach routes to `bp`; each such module is imported in
register_portal() below, before the blueprint is registered (Flask refuses routes added afterwards).
A view parses input, calls one service, commits once and renders; permissions are the services' business.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, url_for
from flask_login import current_user

from ..auth.models import utcnow

bp = Blueprint("portal", __name__)


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: tuple[str, ...]
    order: int = 50


NAV_ITEMS: list[NavItem] = []


def nav_item(label: str, endpoint: str, *roles: str, order: int = 50) -> None:
    """Add a link to the top navigation for the given roles (a module calls this once, at import)."""
    item = NavItem(label, endpoint, tuple(roles), order)
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)
        NAV_ITEMS.sort(key=lambda i: (i.order, i.label))


def _navigation() -> dict[str, object]:
    role = getattr(current_user, "role", "anonymous")
    items = [
        {"label": i.label, "url": url_for(i.endpoint), "endpoint": i.endpoint}
        for i in NAV_ITEMS
        if role in i.roles
    ]
    return {"nav_items": items}


def _abilities() -> dict[str, object]:
    """What the signed-in role may do, so pages offer only the buttons it can use (services check too)."""
    role = getattr(current_user, "role", "anonymous")
    return {
        "can_write_money": role in ("admin", "finance"),
        "is_admin": role == "admin",
        "can_spend": role in ("admin", "finance", "project_officer"),
    }


def register_portal(app: Flask) -> None:
    from . import (  # noqa: F401  (attach their routes to bp)
        admin_views,
        audit_views,
        auth_views,
        books_views,
        donor_views,
        home_views,
        money_views,
        pledge_views,
        project_views,
        transfer_views,
    )
    from .errors import register_error_pages
    from .i18n import init_i18n

    app.register_blueprint(bp)
    app.context_processor(_navigation)
    app.context_processor(_abilities)
    app.jinja_env.globals["now_utc"] = utcnow
    init_i18n(app)
    register_error_pages(app)
