"""Marshmallow schemas of the JSON API, one module per resource; each schema lives in exactly one place."""
