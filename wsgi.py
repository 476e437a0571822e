"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from fundtracker import create_app

app = create_app()
# What the application built lives as long as the worker: out of the collector's sight, a full collection
# walks a request's own objects, not the 150,000 of the app's modules, models and schemas (tens of ms each).
gc.freeze()
