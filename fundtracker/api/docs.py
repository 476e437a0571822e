"""Swagger UI at /api/docs, served from our own static files (vendored swagger-ui-dist)."""

from __future__ import annotations

from flask import Flask, Response, url_for
from markupsafe import escape

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>fundtracker API</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" href="{icon}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec}"></div>
<script src="{bundle}"></script>
<script src="{preset}"></script>
<script src="{init}"></script>
</body>
</html>
"""


def swagger_ui() -> Response:
    def asset(name: str) -> str:
        return str(escape(url_for("static", filename=f"vendor/swagger-ui/{name}")))

    page = PAGE.format(
        css=asset("swagger-ui.css"),
        icon=asset("favicon-32x32.png"),
        bundle=asset("swagger-ui-bundle.js"),
        preset=asset("swagger-ui-standalone-preset.js"),
        init=asset("swagger-initializer.js"),
        spec=escape(url_for("api-docs.openapi_json")),
    )
    return Response(page, mimetype="text/html")


def register_docs(app: Flask) -> None:
    app.add_url_rule("/api/docs", "api_docs", swagger_ui, methods=["GET"])
