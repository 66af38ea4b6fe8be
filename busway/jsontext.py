"""JSON text <-> Python values without changing numbers.

Events carry arbitrary user JSON, so integers beyond 64 bits must survive and decimals must keep
every digit: integers decode to ``int`` and non-integers to ``decimal.Decimal``. Duplicate keys
follow JSON's usual reading, the last one wins (as EventBridge does for patterns).
"""

from __future__ import annotations

import decimal
from typing import Any

import msgspec

__all__ = ["JSONDecodeError", "dumpb", "dumps", "loads"]

JSONDecodeError = msgspec.DecodeError

_decoder = msgspec.json.Decoder(float_hook=decimal.Decimal)
_encoder = msgspec.json.Encoder(decimal_format="number")


def loads(text: str | bytes) -> Any:
    """Parse JSON text; raises ``JSONDecodeError`` on malformed input."""
    return _decoder.decode(text)


def dumpb(value: Any) -> bytes:
    """Compact JSON bytes; ``Decimal`` is written as a number, not a string."""
    return _encoder.encode(value)


def dumps(value: Any) -> str:
    return _encoder.encode(value).decode()
