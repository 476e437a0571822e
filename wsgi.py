"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from fundtracker import create_app

app = create_app()
