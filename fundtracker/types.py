"""Column types that keep exact decimals out of floating point on every database engine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator


class ScaledDecimal(TypeDecorator[Decimal]):
    """A Decimal stored as a BigInteger scaled by 10**places (SQLite would store NUMERIC as a float)."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places).normalize()


RATE = ScaledDecimal(8)  # UN operational rates: currency units per USD
PERCENT = ScaledDecimal(4)  # fractions such as a PSC rate of 0.13
