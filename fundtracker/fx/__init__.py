"""UN operational rates of exchange and conversion to US dollars."""
