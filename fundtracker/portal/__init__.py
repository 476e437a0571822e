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
    items = [{"label": i.label, "url": url_for(i.endpoint), "endpoint": i.endpoint}
             for i in NAV_ITEMS if role in i.roles]
    return {"nav_items": items}


def register_portal(app: Flask) -> None:
    from . import audit_views, auth_views, home_views  # noqa: F401  (attach their routes to bp)
    from .errors import register_error_pages

    app.register_blueprint(bp)
    app.context_processor(_navigation)
    app.jinja_env.globals["now_utc"] = utcnow
    register_error_pages(app)
