"""Event numbers as doubles: the short cut for short decimals agrees with the round trip."""

from __future__ import annotations

import decimal
import math

from hypothesis import given
from hypothesis import strategies as st

from busway.patterns.numbers import as_double


def _by_round_trip(value: decimal.Decimal) -> float | None:
    if not value.is_finite():
        return None
    double = float(value)
    if not math.isfinite(double) or decimal.Decimal(repr(double)) != value:
        return None
    return double


_DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.builds(
        lambda digits, exponent: decimal.Decimal(f"{digits}E{exponent}"),
        st.integers(-(10**17), 10**17),
        st.integers(-330, 330),
    ),
)


@given(_DECIMALS)
def test_decimal_doubles_agree_with_the_round_trip(value: decimal.Decimal) -> None:
    assert as_double(value) == _by_round_trip(value)


def test_decimal_doubles_at_the_edges() -> None:
    for text in (
        "646.52",
        "-0",
        "0.000000000001",
        "999999999999999",
        "9007199254740993",
        "0.1000000000000000055511151231257827",
        "1E400",
        "1e-400",
        "12345678901234567",
    ):
        value = decimal.Decimal(text)
        assert as_double(value) == _by_round_trip(value), text
