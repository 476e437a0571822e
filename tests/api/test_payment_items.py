"""The payment list's inline formatting agrees with money.format_amount and rate_text on every kind of value."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fundtracker.api.schemas.payments import payment_items, rate_text
from fundtracker.money import format_amount

MINOR = st.integers(min_value=-(10**15), max_value=10**15)


@given(minor=MINOR, exponent=st.integers(min_value=0, max_value=4), usd_minor=MINOR,
       rate_scaled=st.integers(min_value=1, max_value=10**14), day=st.dates(), as_text=st.booleans())
def test_list_rows_format_as_the_money_rules_do(minor, exponent, usd_minor, rate_scaled, day, as_text):
    received = day.isoformat() if as_text else day  # SQLite hands dates over as text, PostgreSQL as dates
    row = (7, 3, 2, "Norway", received, "NOK", exponent, minor, rate_scaled, received, usd_minor, None)
    [item] = payment_items([row])
    assert item == {
        "id": 7, "pledge_id": 3, "donor_id": 2, "donor_name": "Norway", "received_date": day.isoformat(),
        "amount": format_amount(minor, exponent), "currency": "NOK", "usd_amount": format_amount(usd_minor, 2),
        "rate": rate_text(rate_scaled), "rate_date": day.isoformat(), "reference": None,
    }


def test_known_values():
    row = (1, 1, 1, "Japan", dt.date(2026, 3, 31), "JPY", 0, 125_000, 15_012_500_000, "2026-03-01", 83_264, "A")
    [item] = payment_items([row])
    assert (item["amount"], item["usd_amount"], item["rate"], item["received_date"]) == (
        "125000", "832.64", "150.125", "2026-03-31")
    [kwd] = payment_items([(2, 1, 1, "Kuwait", "2026-01-05", "KWD", 3, 5, 30_700_000, "2026-01-01", 7, None)])
    assert (kwd["amount"], kwd["usd_amount"], kwd["rate"]) == ("0.005", "0.07", "0.307")
