"""Money: Decimal amounts with a currency, integer minor units, half-up rounding and UN-rate conversion."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

USD = "USD"
USD_EXPONENT = 2
# The text of every fraction of one, two and three places ("5", "07", "250"), looked up by value: a zero-padded
# format costs more than the rest of an API list row, and each row formats two amounts.
FRACTION_TEXT: dict[int, tuple[str, ...]] = {
    places: tuple(str(fraction).zfill(places) for fraction in range(10**places)) for places in (1, 2, 3)
}


def parse_decimal(value: object) -> Decimal:
    """Turn a string or int into a Decimal; floats are refused because they already lost cents."""
    if isinstance(value, bool | float):
        raise ValueError('Amounts must be written as text such as "1250.00", not as a floating-point number.')
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f'"{value}" is not a number.') from exc
    else:
        raise ValueError("Amounts must be a number written as text.")
    if not result.is_finite():
        raise ValueError("Amounts must be a finite number.")
    return result


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def to_minor(amount: Decimal, exponent: int, *, currency: str = "") -> int:
    """Exact conversion to minor units; more decimals than the currency has is an error, never rounded."""
    if decimal_places(amount) > exponent:
        label = currency or "this currency"
        raise ValueError(
            f"{label} amounts have at most {exponent} decimal place{'s' if exponent != 1 else ''}; "
            f"{amount} has more. Please enter the exact amount."
        )
    return int(amount.scaleb(exponent))


def from_minor(minor: int, exponent: int) -> Decimal:
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def round_half_up(value: Decimal, exponent: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def usd_minor_from_foreign(minor: int, exponent: int, rate: Decimal) -> int:
    """USD cents for `minor` units of a currency at `rate` units per USD, rounded once, half-up."""
    if rate <= 0:
        raise ValueError("An exchange rate must be positive.")
    usd = Decimal(minor).scaleb(-exponent) / rate
    return int(round_half_up(usd, USD_EXPONENT).scaleb(USD_EXPONENT))


def format_amount(minor: int, exponent: int) -> str:
    """The canonical text of an amount: a decimal string with exactly the currency's places (integer arithmetic)."""
    minor = int(minor)  # PostgreSQL sums integers as numeric (Decimal): still whole minor units
    if exponent == 0:
        return str(minor)
    whole, fraction = divmod(-minor if minor < 0 else minor, 10**exponent)
    fractions = FRACTION_TEXT.get(exponent)
    text = f"{whole}.{fractions[fraction] if fractions else str(fraction).zfill(exponent)}"
    return "-" + text if minor < 0 else text


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency, held as minor units so that it can never be a float."""

    minor: int
    currency: str
    exponent: int

    @property
    def amount(self) -> Decimal:
        return from_minor(self.minor, self.exponent)

    def __str__(self) -> str:
        return f"{format_amount(self.minor, self.exponent)} {self.currency}"
