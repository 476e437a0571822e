"""The front doors' common wiring: error pages and the placeholder home page (the portal grows in portal/)."""

from __future__ import annotations

from flask import Flask, jsonify

from .database import read_only_intent
from .extensions import db


def register_web(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        with read_only_intent():
            db.session.execute(db.text("SELECT 1"))
        return jsonify(status="ok")
