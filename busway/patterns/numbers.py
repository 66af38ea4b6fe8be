"""Numbers as event-ruler compares them: as IEEE doubles, when the text survives the trip.

In a pattern, a number whose text does not come back unchanged from a double (``1E309``,
``1E-325``, a 20-digit account id) cannot take part in numeric comparison; as a literal it only
equals the same spelling (spec §3.2), so ``12345678901234567890`` does not equal
``12345678901234567890.0``. Event numbers follow the same rule. The spelling is that of the
parsed ``Decimal`` (or ``int``), which keeps every digit and the exponent of the JSON text.
"""

from __future__ import annotations

import decimal
import math

__all__ = ["UnsafeNumber", "as_double", "literal_keys", "parse_pattern_number"]


class UnsafeNumber(tuple[str, str]):
    """Dictionary key for a number no double can hold: its spelling. Never equal to any float
    key."""

    __slots__ = ()


def _double_of_decimal(value: decimal.Decimal) -> float | None:
    if not value.is_finite():
        return None
    text = str(value)
    double = float(text)  # what float(value) does, without making the text a second time
    if len(text) <= _SURE_DIGITS and "E" not in text and "e" not in text:
        # At most 15 significant digits, well inside the range of normal doubles: such a
        # decimal always comes back from its double (DBL_DIG), so spare the round trip.
        return double
    if not math.isfinite(double) or decimal.Decimal(repr(double)) != value:
        return None
    return double


_SURE_DIGITS = 15


def as_double(value: object) -> float | None:
    """The double an event number compares as, or ``None`` for anything that is not a JSON
    number a double holds exactly (such numbers take no part in numeric comparison)."""
    if type(value) is decimal.Decimal:  # what the JSON codec makes of a decimal: tried first
        return _double_of_decimal(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if -(2**53) <= value <= 2**53:
            return float(value)
        return _double_of_decimal(decimal.Decimal(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return _double_of_decimal(value)
    return None


def literal_keys(value: object) -> tuple[float | None, UnsafeNumber | None]:
    """The key under which an event number equals a numeric literal: its double, or its
    spelling when no double holds it (so ``12345678901234567890`` equals only itself)."""
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        return None, None
    double = as_double(value)
    if double is not None:
        return double, None
    return None, _spelling(value)


def parse_pattern_number(text: str) -> tuple[float | None, float | UnsafeNumber]:
    """For a number written in a pattern: its comparable double (or None) and literal key."""
    value = decimal.Decimal(text)
    double = _double_of_decimal(value)
    if double is not None:
        return double, double
    return None, _spelling(value)


def _spelling(value: int | float | decimal.Decimal) -> UnsafeNumber:
    # A float here is infinite or NaN (every finite one is a double); repr() is its text.
    text = repr(value) if isinstance(value, float) else str(value)
    return UnsafeNumber(("spelling", text))
