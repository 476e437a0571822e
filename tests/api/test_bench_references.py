"""The API bench's reference lists (bench/reference_app.py) answer exactly what the real list answers, so the bench
compares like with like; it checks this on its own data, these tests keep it true as the list changes."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from fundtracker.auth.models import FINANCE

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from reference_app import REFERENCES, add_references  # noqa: E402


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_answers_the_lists_rows(app, fund, name):
    add_references(app)
    client = app.test_client()
    headers = fund.headers(FINANCE)
    real = client.get("/api/v1/payments?per_page=50", headers=headers)
    reference = client.get(REFERENCES[name].path, headers=headers)
    assert real.status_code == reference.status_code == 200
    rows = orjson.loads(real.data)
    assert len(rows) == 2  # both donors' payments: the finance officer sees every donor
    assert orjson.loads(reference.data) == rows


def test_references_keep_the_sign_in_gate(app):
    add_references(app)
    client = app.test_client()
    for reference in REFERENCES.values():
        assert client.get(reference.path).status_code == 401
