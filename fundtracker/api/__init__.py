"""The JSON door: a flask-smorest API under /api/v1 with its OpenAPI 3 document and Swagger UI at /api/docs.

Views are thin (parse with a schema, call one service or query, commit once, render); permissions and money
rules stay in the services. register_api() is called from create_app().
"""

from __future__ import annotations

from typing import Any

from flask import Flask

API_CONFIG: dict[str, Any] = {
    "API_TITLE": "fundtracker API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
}


def register_api(app: Flask) -> None:
    from .docs import register_docs
    from .hooks import register_hooks
    from .spec import make_api
    from .views import BLUEPRINTS

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = make_api(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    register_hooks(app)
    register_docs(app)
    app.extensions["fundtracker_api"] = api
