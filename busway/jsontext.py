"""JSON text <-> Python values without changing numbers.

Events carry arbitrary user JSON, so integers beyond 64 bits must survive and decimals must keep
every digit: integers decode to ``int`` and non-integers to ``decimal.Decimal``. Duplicate keys
follow JSON's usual reading, the last one wins (as EventBridge does for patterns).

Nesting: EventBridge takes event details nested up to 1,000 levels (``MAX_DEPTH``). The decoder
counts every level against Python's recursion limit, on top of the caller's own frames, so at
the interpreter's default of 1,000 it refuses such a detail, and the envelope around it (one
level more) could not be written back. The limit is raised here, once, far enough for a
``MAX_DEPTH`` document decoded or encoded deep inside a request; texts that must stay within
``MAX_DEPTH`` say so (``loads(..., max_depth=MAX_DEPTH)``), and text nested beyond what the
decoder can take is malformed JSON like any other, never a crash.
"""

from __future__ import annotations

import decimal
import sys
from typing import Any

import msgspec

__all__ = ["MAX_DEPTH", "JSONDecodeError", "dumpb", "dumps", "loads"]

JSONDecodeError = msgspec.DecodeError

MAX_DEPTH = 1000  # levels of objects and arrays in an event's detail (the PutEvents model)
_RECURSION_LIMIT = 3 * MAX_DEPTH  # a MAX_DEPTH document, its envelope, and the caller's frames
if sys.getrecursionlimit() < _RECURSION_LIMIT:
    sys.setrecursionlimit(_RECURSION_LIMIT)

_decoder = msgspec.json.Decoder(float_hook=decimal.Decimal)
_encoder = msgspec.json.Encoder(decimal_format="number")


def loads(text: str | bytes, *, max_depth: int | None = None) -> Any:
    """Parse JSON text; raises ``JSONDecodeError`` on malformed input, and on text nested
    deeper than ``max_depth`` levels (or than the decoder can take)."""
    try:
        value = _decoder.decode(text)
    except RecursionError:
        raise JSONDecodeError("JSON is nested too deeply") from None
    if (
        max_depth is not None
        and _may_nest_deeper(text, max_depth)
        and _nests_deeper(value, max_depth)
    ):
        raise JSONDecodeError(f"JSON is nested deeper than {max_depth} levels")
    return value


def dumpb(value: Any) -> bytes:
    """Compact JSON bytes; ``Decimal`` is written as a number, not a string."""
    return _encoder.encode(value)


def dumps(value: Any) -> str:
    return _encoder.encode(value).decode()


def _may_nest_deeper(text: str | bytes, limit: int) -> bool:
    """False when ``text`` cannot nest deeper than ``limit``: it opens no more objects and
    arrays than that. This settles nearly every document at C speed."""
    if isinstance(text, str):
        return text.count("{") + text.count("[") > limit
    return text.count(b"{") + text.count(b"[") > limit


def _nests_deeper(value: Any, limit: int) -> bool:
    """Whether the objects and arrays of ``value`` nest deeper than ``limit``, level by
    level. The decoded value is walked rather than the text: the brackets of a request are
    mostly inside its strings (the details of PutEvents), which the walk never reads."""
    level = [value] if type(value) in (dict, list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below = []
        for container in level:
            for item in container.values() if type(container) is dict else container:
                if type(item) in (dict, list):
                    below.append(item)
        level = below
    return False
